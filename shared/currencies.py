"""Enabled currencies and their exchange rates."""

from __future__ import annotations

from django.conf import settings

from shared.models import Currency
from shared.money import Rate


def currency_list() -> list[Currency]:
    return list(Currency.objects.order_by("-is_enabled", "code"))


def currency_rates() -> dict[str, Rate]:
    """Rates of the enabled currencies that have one, by code: one query."""
    rows = Currency.objects.filter(is_enabled=True, rate__isnull=False).values_list(
        "code", "rate", "rate_date"
    )
    # `rate__isnull=False` above: every row has a rate.
    return {
        code: Rate(code=code, rate=rate, date=date) for code, rate, date in rows if rate is not None
    }


def currency_enabled_with_rates() -> tuple[list[str], dict[str, Rate]]:
    """The enabled codes (base first, as `currency_codes_enabled`) and the rates of those that
    have one, from one query: for pages that show totals and offer a currency choice."""
    base = settings.DEFAULT_CURRENCY
    codes, rates = [], {}
    for code, rate, date in Currency.objects.filter(is_enabled=True).values_list(
        "code", "rate", "rate_date"
    ):
        if code == base:
            continue
        codes.append(code)
        if rate is not None:
            rates[code] = Rate(code=code, rate=rate, date=date)
    return [base, *sorted(codes)], rates


def currency_codes_enabled() -> list[str]:
    """The base currency first, then the other enabled codes."""
    return currency_enabled_with_rates()[0]
