"""Form widgets and fields shared by every domain.

Browsers read and post ``type=date``/``time``/``datetime-local`` values in ISO 8601 whatever
the page's language (they show them in the user's own format). Django's default widgets fill
the value in the active language's input format (``2027.03.02.`` in Hungarian), which the
browser cannot read: the field shows empty and the next save erases the date. These widgets
always write ISO; the form fields accept ISO in every language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from shared.numbers import DecimalInputField


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class IsoDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


MONEY_MAX = Decimal("999999999999.99")


class MoneyField(DecimalInputField):
    """An amount of money: two decimals, at most 999,999,999,999.99 (what the database column
    holds). A larger value is refused naming that largest value, rather than Django's "no more
    than 14 digits in total", which leaves the user to count digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        super().__init__(max_value=MONEY_MAX, max_digits=14, decimal_places=2, **kwargs)

    def run_validators(self, value: Any) -> None:
        if value not in self.empty_values and value.is_finite() and abs(value) > MONEY_MAX:
            raise ValidationError(
                _("The largest value allowed is %(max)s."),
                code="max_value",
                params={"max": formats.number_format(MONEY_MAX, 2, force_grouping=True)},
            )
        super().run_validators(value)
