"""Forms for people, organizations and notes. They parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.models import Organization, Person
from shared.forms import OwnerChoicesForm
from shared.widgets import IsoDateInput

DATE = IsoDateInput()


def _lines(value: list[str] | None) -> str:
    return "\n".join(value or [])


class PersonForm(OwnerChoicesForm):
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


class OrganizationForm(OwnerChoicesForm):
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
