"""Field options the domain models share: money amounts and their totals."""

from __future__ import annotations

from typing import TypedDict

from django.conf import settings


class DecimalOptions(TypedDict):
    """The precision options of a `DecimalField`, typed so `**MONEY` checks as keywords."""

    max_digits: int
    decimal_places: int


MONEY: DecimalOptions = {"max_digits": 14, "decimal_places": 2}


# Sums of MONEY values: room for ten billion deals at the largest value a deal may hold, so a
# total never overflows while the deals it adds up are valid (books in HUF or VND included).
MONEY_TOTAL: DecimalOptions = {"max_digits": 24, "decimal_places": 2}


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY
