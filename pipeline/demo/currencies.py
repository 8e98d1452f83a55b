"""The demo's currencies: a few enabled currencies with dated rates, and some deals in them,
so the board shows converted totals (and one currency without a rate, shown apart).
Deterministic; set-based, so `seed_demo --deals 100000` stays fast."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Mod

from pipeline.models import Deal
from shared.models import Currency

# Rates to the base currency, as of a fixed date (the demo must be deterministic).
DEMO_RATE_DATE = datetime.date(2026, 11, 20)
_DEMO = {
    # code: (base units per unit, every n-th deal id, value factor)
    "USD": (Decimal("0.92"), 7, Decimal("1")),
    "HUF": (Decimal("0.0025"), 11, Decimal("400")),
    "GBP": (None, 13, Decimal("1")),  # enabled, no rate yet: shown apart
}


def seed_currencies() -> None:
    if settings.DEFAULT_CURRENCY != "EUR":
        return  # the demo rates are euro rates
    for code, (rate, every, factor) in _DEMO.items():
        Currency.objects.update_or_create(
            code=code,
            defaults={"rate": rate, "rate_date": DEMO_RATE_DATE if rate else None},
        )
        (
            Deal.objects.annotate(bucket=Mod(F("id"), Value(every)))
            .filter(bucket=0, currency=settings.DEFAULT_CURRENCY)
            .update(currency=code, value=F("value") * factor)
        )
