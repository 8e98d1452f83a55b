import datetime
from decimal import Decimal

import pytest

from pipeline import services

RATE_DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def rates(admin):
    """EUR is the base (settings.DEFAULT_CURRENCY). USD at 0.92 and HUF at 0.0025 (400 HUF to
    the euro), both set on 2026-11-20; GBP enabled without a rate."""
    for code, rate in (("USD", "0.92"), ("HUF", "0.0025")):
        services.currency_enable(code=code, actor=admin)
        services.currency_set_rate(code=code, rate=rate, rate_date=RATE_DAY, actor=admin)
    services.currency_enable(code="GBP", actor=admin)
    return {"USD": Decimal("0.92"), "HUF": Decimal("0.0025")}


@pytest.fixture
def mixed_column(make_deal, stages, rates):
    """Lead in (10 %): 1,000 EUR + 1,200 USD + 250,000 HUF + 300 GBP."""
    for value, currency in (("1000", "EUR"), ("1200", "USD"), ("250000", "HUF"), ("300", "GBP")):
        make_deal(title=f"In {currency}", value=Decimal(value), currency=currency)
    return stages[0]
