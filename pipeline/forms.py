"""Forms parse requests; they hold no business rules (those are in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pipeline.models import Activity, Deal, LostReason


class MoveForm(forms.Form):
    stage = forms.IntegerField(min_value=1, error_messages={"required": _("Choose a stage.")})
    version = forms.IntegerField(
        min_value=1, error_messages={"required": _("The deal's version is missing; reload.")}
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(
        min_value=1, error_messages={"required": _("The deal's version is missing; reload.")}
    )


class LoseForm(VersionForm):
    reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True),
        label=_("Reason"),
        error_messages={"required": _("Choose why the deal was lost.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class QuickAddForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    value = forms.DecimalField(
        label=_("Value"), min_value=0, max_digits=14, decimal_places=2, required=False
    )
    stage = forms.IntegerField(label=_("Stage"), min_value=1)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)


class DealEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Deal
        fields = [
            "title",
            "value",
            "currency",
            "owner",
            "organization",
            "person",
            "expected_close_date",
        ]
        widgets = {"expected_close_date": forms.DateInput(attrs={"type": "date"})}


class ActivityForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=Activity.Type.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    due_date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    due_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=1, max_value=24 * 60
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
