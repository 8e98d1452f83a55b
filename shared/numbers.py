"""Amounts typed by people, one rule for forms, the API and imports: digits 0-9 only (Python
would read Arabic-Indic or full-width digits as numbers nobody meant to type), and no negative
zero ("-0.0" is stored and shown as 0.00)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers


def non_ascii_digits(text: str) -> bool:
    """True when `text` has a digit other than 0-9 (٣, ۳, ３, ...)."""
    return any(ch.isdigit() and not ch.isascii() for ch in text)


def non_ascii_digits_message(text: str) -> str:
    return _("%(raw)s has digits other than 0-9; type the number with the digits 0-9.") % {
        "raw": text
    }


def decimal_normalized(value: Decimal) -> Decimal:
    """The same amount without a negative sign on zero (Decimal keeps "-0.00")."""
    return value.copy_abs() if value.is_zero() else value


class DecimalInputField(forms.DecimalField):
    """forms.DecimalField refusing non-ASCII digits and storing -0 as 0."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # the stubs say Decimal; Django returns None for an empty value
        if isinstance(value, str) and non_ascii_digits(value):
            raise ValidationError(non_ascii_digits_message(value.strip()), code="invalid")
        result = super().to_python(value)
        return None if result is None else decimal_normalized(result)


class DecimalInputMixin:
    """For DRF DecimalFields: the same two rules as DecimalInputField."""

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, str) and non_ascii_digits(data):
            raise serializers.ValidationError(non_ascii_digits_message(data.strip()))
        return decimal_normalized(super().to_internal_value(data))  # type: ignore[misc]  # a mixin: the DRF field comes later in the MRO
