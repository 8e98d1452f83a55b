"""Forms for scheduling, editing and completing activities, and for weekly goals.

Field messages say what to fix: an unknown type, a time like 25:00, a duration of 0 or of
two days are refused here with a message next to the field (the services check again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Activity, Organization, Person
from shared.forms import OwnerChoicesForm
from shared.validation import validate_date_range
from shared.widgets import IsoDateInput, IsoTimeInput

TYPE_ERRORS = {
    "required": _("Choose a type: call, meeting, email, demo or task."),
    "invalid_choice": _(
        "“%(value)s” is not an activity type; choose call, meeting, email, demo or task."
    ),
}
DATE_ERRORS = {
    "required": _("Choose a date."),
    "invalid": _("Enter a date such as 2026-03-31."),
}
TIME_ERRORS = {"invalid": _("Enter a time such as 14:30 (hours 0–23, minutes 0–59).")}
DURATION_ERRORS = {
    "invalid": _("Enter the duration in whole minutes, for example 30."),
    "min_value": _("A duration is at least 1 minute."),
    "max_value": _("A duration is at most 24 hours (1440 minutes)."),
}


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_LABEL = _("Date")
TIME_LABEL = _("Time")


def _type_field(required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Type"),
        choices=Activity.Type.choices,
        required=required,
        error_messages=TYPE_ERRORS,
    )


def _date_field(label: StrOrPromise = DATE_LABEL, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=IsoDateInput(),
        error_messages=DATE_ERRORS,
        validators=[validate_date_range],
    )


def _time_field(label: StrOrPromise = TIME_LABEL) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=IsoTimeInput(),
        error_messages=TIME_ERRORS,
    )


def _duration_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Duration (minutes)"),
        required=False,
        min_value=1,
        max_value=24 * 60,
        error_messages=DURATION_ERRORS,
        # Any whole number of minutes: a step of 5 from min 1 would allow only 1, 6, 11…
        widget=forms.NumberInput(attrs={"min": 1, "max": 1440, "step": 1}),
    )


class ActivityScheduleForm(OwnerChoicesForm):
    """Schedule (or log) an activity. On a person or organization page the subject of the
    activity is that page; on "My activities" it is chosen here."""

    type = _type_field()
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    due_date = _date_field()
    due_time = _time_field()
    duration_minutes = _duration_field()
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), required=False
    )
    # What the activity is about: set by the page the form is on.
    deal = forms.IntegerField(required=False, widget=forms.HiddenInput)
    person = forms.ModelChoiceField(
        queryset=Person.objects.all(), required=False, widget=forms.HiddenInput
    )
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.all(), required=False, widget=forms.HiddenInput
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ActivityEditForm(OwnerChoicesForm):
    type = _type_field()
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    due_date = _date_field()
    due_time = _time_field()
    duration_minutes = _duration_field()
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(label=_("Assigned to"), queryset=User.objects.none())

    @staticmethod
    def initial_for(a: Activity) -> dict:
        return {
            "type": a.type,
            "subject": a.subject,
            "due_date": a.due_date,
            "due_time": a.due_time,
            "duration_minutes": a.duration_minutes,
            "note": a.note,
            "owner": a.owner_id,
        }


class RescheduleForm(forms.Form):
    due_date = _date_field(_("New date"))
    due_time = _time_field(_("New time"))


class FinishForm(forms.Form):
    """Mark done, say how it went, and (optionally) plan the next step in the same form."""

    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    schedule_next = forms.BooleanField(label=_("Schedule the next activity"), required=False)
    next_type = _type_field(required=False)
    next_subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    next_due_date = _date_field(required=False)
    next_due_time = _time_field()
    next_duration_minutes = _duration_field()

    def wants_next(self) -> bool:
        """A follow-up is scheduled only when the user asks for one: the box ticked, or a
        subject typed. The prefilled type and date alone schedule nothing: "Done" on its own
        must not create an empty "Meeting"."""
        data = self.cleaned_data
        return bool(data.get("schedule_next") or (data.get("next_subject") or "").strip())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.wants_next() and not data.get("next_due_date"):
            self.add_error("next_due_date", _("Choose when the next activity is due."))
        return data

    def next_activity(self) -> dict | None:
        data = self.cleaned_data
        if not self.wants_next():
            return None
        return {
            "type": data.get("next_type") or Activity.Type.CALL,
            "subject": data.get("next_subject") or "",
            "due_date": data["next_due_date"],
            "due_time": data.get("next_due_time"),
            "duration_minutes": data.get("next_duration_minutes"),
        }
