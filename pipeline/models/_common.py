"""Field options the domain models share: money amounts and their totals."""

from __future__ import annotations

from django.conf import settings

MONEY = {"max_digits": 14, "decimal_places": 2}


# Sums of MONEY values: room for ten billion deals at the largest value a deal may hold, so a
# total never overflows while the deals it adds up are valid (issue 15: HUF and VND books).
MONEY_TOTAL = {"max_digits": 24, "decimal_places": 2}


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY
