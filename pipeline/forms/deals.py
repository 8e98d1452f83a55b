"""Forms parse requests; they hold no business rules (those are in services)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from pipeline.forms.leads import ParkForm
from pipeline.models import Deal, LostReason, Organization, Person
from shared.currencies import currency_codes_enabled
from shared.forms import choice_field, model_choice_field
from shared.validation import validate_date_range
from shared.widgets import IsoDateInput, MoneyField


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
    value = MoneyField(label=_("Value"), required=False)
    # Checked against the enabled currencies by the service; empty means the base currency.
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    stage = forms.IntegerField(label=_("Stage"), min_value=1)
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    # Offered when the chosen stage requires them (its entry requirements).
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=IsoDateInput()
    )
    person = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    decision_maker = forms.BooleanField(label=_("The contact is a decision maker"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DealEditForm(forms.Form):
    """Edit a deal's fields. The organization is typed by name (a company may have tens of
    thousands, too many for a select); the contact is chosen among that organization's people."""

    title = forms.CharField(label=_("Title"), max_length=200)
    value = MoneyField(label=_("Value"))
    # The company's enabled currencies, plus the deal's own if an admin has since disabled it.
    currency = forms.ChoiceField(label=_("Currency"))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    organization = forms.CharField(label=_("Organization"), max_length=200, required=False)
    person = forms.ModelChoiceField(
        label=_("Contact person"), queryset=Person.objects.none(), required=False
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=IsoDateInput(),
        validators=[validate_date_range],
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        deal: Deal,
        organizations: QuerySet[Organization],
        initial: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = {
            "title": deal.title,
            "value": deal.value,
            "currency": deal.currency,
            "owner": deal.owner_id,
            "organization": deal.organization.name if deal.organization else "",
            "person": deal.person_id,
            "expected_close_date": deal.expected_close_date,
            "version": deal.version,
            **(initial or {}),
        }
        super().__init__(data, initial=initial, **kwargs)
        codes = currency_codes_enabled()
        if deal.currency not in codes:
            codes.append(deal.currency)
        choice_field(self, "currency").choices = [(code, code) for code in codes]
        self._organizations = organizations
        model_choice_field(self, "owner").queryset = User.objects.filter(is_active=True)
        people = Person.objects.filter(organization=deal.organization)[:500]
        model_choice_field(self, "person").queryset = Person.objects.filter(
            pk__in=[*[p.pk for p in people], *([deal.person_id] if deal.person_id else [])]
        )

    def clean_organization(self) -> Organization | None:
        name = self.cleaned_data["organization"].strip()
        if not name:
            return None
        found = self._organizations.filter(name__iexact=name).order_by("id").first()
        if found is None:
            raise forms.ValidationError(
                _("No organization is called “%(name)s”. Check the spelling or create it first."),
                params={"name": name},
            )
        return found


class DealParkForm(ParkForm):
    """Parking a deal writes it: the version the page showed is required (optimistic
    locking), never made up by the view."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": _("The deal's version is missing; reload.")},
    )
