"""Forms for people, organizations, notes and leads. They parse; the services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Organization, Person, Pipeline, Stage
from pipeline.validation import validate_date_range
from pipeline.widgets import IsoDateInput, MoneyField

DATE = IsoDateInput()


def _lines(value: list[str] | None) -> str:
    return "\n".join(value or [])


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    organization_name = forms.CharField(
        label=_("Organization"),
        max_length=200,
        required=False,
        help_text=_("An existing organization's name links it; a new name creates it."),
    )
    job_title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    is_decision_maker = forms.BooleanField(label=_("Decision maker"), required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    other_emails = forms.CharField(
        label=_("Other emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    other_phones = forms.CharField(
        label=_("Other phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    allow_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    @staticmethod
    def initial_for(person: Person) -> dict:
        return {
            "name": person.name,
            "organization_name": person.organization.name if person.organization else "",
            "job_title": person.job_title,
            "is_decision_maker": person.is_decision_maker,
            "email": person.email,
            "phone": person.phone,
            "other_emails": _lines(person.other_emails),
            "other_phones": _lines(person.other_phones),
            "notes": person.notes,
            "owner": person.owner_id,
        }

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("allow_duplicate", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    budget_notes = forms.CharField(
        label=_("Expected budget"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    timeline_notes = forms.CharField(
        label=_("Buying timeline"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    allow_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    @staticmethod
    def initial_for(org: Organization) -> dict:
        return {
            name: getattr(org, name)
            for name in (
                "name",
                "website",
                "industry",
                "address",
                "budget_notes",
                "timeline_notes",
                "notes",
            )
        } | {"owner": org.owner_id}

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("allow_duplicate", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class NoteForm(forms.Form):
    # The length limit is the service's, which says how long the note is (never cuts it).
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class LeadForm(forms.Form):
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

    def __init__(self, *args, owners=None, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    def clean(self) -> dict:
        data = super().clean()
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


class DealParkForm(ParkForm):
    """Parking a deal writes it: the version the page showed is required (optimistic
    locking), never made up by the view."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": _("The deal's version is missing; reload.")},
    )
