"""Forms parse requests; they hold no business rules (those are in services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from pipeline.models import Activity, LostReason, Pipeline
from shared.numbers import DecimalInputField
from shared.validation import ClampedDateField, validate_date_range
from shared.widgets import IsoDateInput


class ScopeForm(forms.Form):
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.filter(is_active=True), required=False, label=_("Pipeline")
    )
    start = ClampedDateField(label=_("From"), required=False, widget=IsoDateInput())
    end = ClampedDateField(label=_("To"), required=False, widget=IsoDateInput())
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, label=_("Owner")
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label=_("Team"))
    # Checked against the enabled currencies with a rate by `scope_build`.
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner") and data.get("team"):
            raise forms.ValidationError(_("Choose an owner or a team, not both."))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts; swap the dates."))
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        return data


class StaleFilterForm(forms.Form):
    pipeline = forms.ModelChoiceField(
        queryset=Pipeline.objects.filter(is_active=True), required=False, label=_("Pipeline")
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, label=_("Owner")
    )
    reason = forms.ChoiceField(
        required=False,
        label=_("Reason"),
        choices=[
            ("", _("Any reason")),
            ("stuck", _("Stuck in stage")),
            ("idle", _("Idle")),
            ("no_next_step", _("No next step")),
            ("overdue", _("Overdue activity")),
            ("too_old", _("Too old")),
        ],
    )


class StaleBulkForm(forms.Form):
    """One action for many deals. Each checked deal posts "id:version"."""

    ACTIONS = [
        ("lose", _("Mark as lost")),
        ("park", _("Park until a revisit date")),
        ("schedule", _("Schedule a next activity")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    deals = forms.MultipleChoiceField(
        label=_("Deals"),
        error_messages={"required": _("Tick at least one deal.")},
    )
    reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True), required=False, label=_("Lost reason")
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    until = forms.DateField(
        label=_("Revisit on"),
        required=False,
        widget=IsoDateInput(),
        validators=[validate_date_range],
    )
    activity_type = forms.ChoiceField(
        label=_("Activity"), choices=Activity.Type.choices, required=False
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=IsoDateInput(), validators=[validate_date_range]
    )

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # The choices are whatever the page posted; the service checks each deal's visibility.
        deals = self.fields["deals"]
        assert isinstance(deals, forms.MultipleChoiceField)
        posted = self.data.getlist("deals") if isinstance(self.data, QueryDict) else []
        deals.choices = [(v, v) for v in posted]

    def clean_deals(self) -> list[tuple[int, int]]:
        pairs = []
        for raw in self.cleaned_data["deals"]:
            try:
                deal_id, version = (int(x) for x in raw.split(":"))
            except ValueError as exc:
                raise forms.ValidationError(_("The list of deals is damaged; reload.")) from exc
            pairs.append((deal_id, version))
        if len(pairs) > 500:
            raise forms.ValidationError(_("Choose at most 500 deals at once."))
        return pairs

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "lose" and not data.get("reason"):
            self.add_error("reason", _("Choose why the deals were lost."))
        if action == "park" and not data.get("until"):
            self.add_error("until", _("Choose the date to revisit the deals."))
        if action == "schedule":
            if not data.get("due_date"):
                self.add_error("due_date", _("Choose when the activity is due."))
            if not data.get("activity_type"):
                self.add_error("activity_type", _("Choose the type of activity."))
        return data


class FunnelCalculatorForm(forms.Form):
    target = DecimalInputField(
        label=_("Revenue target"), min_value=Decimal("1"), max_digits=14, decimal_places=2
    )
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=104, initial=13)
    deal_size = DecimalInputField(
        label=_("Average deal size"), required=False, min_value=Decimal("1"), max_digits=14
    )
    win_rate = DecimalInputField(
        label=_("Win rate (%)"), required=False, min_value=Decimal("0.1"), max_value=100
    )
    meetings_per_deal = DecimalInputField(
        label=_("Meetings per new deal"), required=False, min_value=0, max_digits=6
    )
    calls_per_deal = DecimalInputField(
        label=_("Calls per new deal"), required=False, min_value=0, max_digits=6
    )
