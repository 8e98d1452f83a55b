"""Forms for leads: the inbox filter, a new lead, converting and parking. They parse; the
services decide."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Organization, Person, Pipeline, Stage
from shared.forms import OwnerChoicesForm
from shared.validation import validate_date_range
from shared.widgets import IsoDateInput, MoneyField

DATE = IsoDateInput()


class LeadForm(OwnerChoicesForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    # Set when the user picked an existing record (from a contact page, or from the duplicate
    # guard's offer); otherwise the names below create new ones.
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), required=False, widget=forms.HiddenInput
    )
    person = forms.ModelChoiceField(
        queryset=Person.objects.all(), required=False, widget=forms.HiddenInput
    )
    new_organization_name = forms.CharField(label=_("Organization"), max_length=200, required=False)
    new_person_name = forms.CharField(label=_("Person"), max_length=200, required=False)
    new_person_email = forms.EmailField(label=_("Their email"), required=False)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)
    expected_value = MoneyField(label=_("Expected value"), required=False)
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (
            data.get("organization")
            or data.get("person")
            or (data.get("new_organization_name") or "").strip()
            or (data.get("new_person_name") or "").strip()
        ):
            raise forms.ValidationError(_("A lead needs a person or an organization to talk to."))
        return data


class LeadFilterForm(forms.Form):
    VIEWS = [
        ("inbox", _("Inbox")),
        ("parked", _("Future pool")),
        ("archived", _("Archived")),
        ("converted", _("Converted")),
    ]
    view = forms.ChoiceField(choices=VIEWS, required=False)
    q = forms.CharField(required=False, max_length=100)
    owner = forms.CharField(required=False, max_length=20)
    source = forms.CharField(required=False, max_length=100)


class ConvertForm(forms.Form):
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.filter(is_active=True, pipeline__is_active=True).select_related(
            "pipeline"
        ),
        error_messages={"required": _("Choose the pipeline and stage the deal starts in.")},
    )
    title = forms.CharField(label=_("Deal title"), max_length=200, required=False)
    value = MoneyField(label=_("Value"), required=False)

    @staticmethod
    def stage_choices() -> list[tuple[Pipeline, list[Stage]]]:
        stages = Stage.objects.filter(is_active=True, pipeline__is_active=True).select_related(
            "pipeline"
        )
        grouped: dict[int, tuple[Pipeline, list[Stage]]] = {}
        for s in stages.order_by("pipeline__position", "pipeline_id", "position"):
            grouped.setdefault(s.pipeline_id, (s.pipeline, []))[1].append(s)
        return list(grouped.values())


class ParkForm(forms.Form):
    until = forms.DateField(
        label=_("Revisit on"),
        widget=DATE,
        validators=[validate_date_range],
        error_messages={
            "required": _("Choose the date to revisit it."),
            "invalid": _("Enter a date such as 2026-03-31."),
        },
    )

    @staticmethod
    def suggested() -> datetime.date:
        return timezone.localdate() + datetime.timedelta(days=90)
