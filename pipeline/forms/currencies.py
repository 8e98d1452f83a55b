"""Forms for the currencies settings page: they parse; the service validates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shared.validation import validate_date_range
from shared.widgets import IsoDateInput


class CurrencyAddForm(forms.Form):
    code = forms.CharField(
        label=_("Currency code"),
        max_length=3,
        error_messages={"required": _("Enter a three-letter currency code, such as USD.")},
    )


class CurrencyRateForm(forms.Form):
    rate = forms.CharField(
        label=_("Rate"),
        max_length=30,
        error_messages={"required": _("Enter the rate, such as 0.92.")},
    )
    rate_date = forms.DateField(
        label=_("Rate date"),
        required=False,
        widget=IsoDateInput(),
        validators=[validate_date_range],
        error_messages={"invalid": _("Enter the rate date as YYYY-MM-DD.")},
    )
