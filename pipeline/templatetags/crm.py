"""Presentation helpers for money, dates and deal cards. No business rules here."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone

register = template.Library()

# Symbols written before the amount; other currencies show their code after it.
_PREFIX = {"USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥", "MYR": "RM "}
_SUFFIX = {"EUR": " €", "HUF": " Ft", "VND": " ₫"}
_NO_MINOR = {"HUF", "VND", "JPY"}


@register.filter
def money(value: Decimal | int | None, currency: str = "") -> str:
    """12500 with EUR → '12,500 €' (grouping follows the active locale)."""
    return _money(value, currency, whole=False)


@register.filter
def money_whole(value: Decimal | int | None, currency: str = "") -> str:
    """Rounded to whole units, for totals in headers: '206,980 €'."""
    return _money(value, currency, whole=True)


def money_formatter():  # noqa: ANN201 - returns a formatting function
    """A money formatter bound to the active locale's separators, for formatting many amounts
    in one request (the board) without looking the locale up for each."""
    thousands = formats.get_format("THOUSAND_SEPARATOR")
    decimal_sep = formats.get_format("DECIMAL_SEPARATOR")

    def fmt(value: Decimal | int | None, currency: str, whole: bool = False) -> str:
        if value is None:
            return ""
        amount = Decimal(value)
        if whole:
            amount = amount.quantize(Decimal("1"))
        places = 0 if currency in _NO_MINOR or amount == amount.to_integral() else 2
        text = f"{amount:,.{places}f}"
        if thousands != "," or decimal_sep != ".":
            text = text.replace(",", "\0").replace(".", decimal_sep).replace("\0", thousands)
        if currency in _PREFIX:
            return f"{_PREFIX[currency]}{text}"
        if currency in _SUFFIX:
            return f"{text}{_SUFFIX[currency]}"
        return f"{text} {currency}".strip()

    return fmt


def _money(value: Decimal | int | None, currency: str, *, whole: bool) -> str:
    return money_formatter()(value, currency, whole)


@register.filter
def days_since(value: datetime.datetime | None) -> int:
    if value is None:
        return 0
    return max((timezone.now() - value).days, 0)


@register.filter
def is_rotting(deal) -> bool:  # noqa: ANN001 - a Deal with its stage loaded
    days = deal.stage.rotting_days
    return bool(days) and deal.status == "open" and days_since(deal.stage_entered_at) > days


@register.filter
def due_state(date: datetime.date | None) -> str:
    """'overdue', 'today', 'future' or '' for a due date."""
    if date is None:
        return ""
    today = timezone.localdate()
    if date < today:
        return "overdue"
    if date == today:
        return "today"
    return "future"
