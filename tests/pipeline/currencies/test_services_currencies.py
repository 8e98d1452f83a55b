"""Enabling currencies and setting their rates (issue 10)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from pipeline import services
from shared.currencies import currency_rates
from shared.errors import NotAllowed, NotVisible, RuleViolation
from shared.models import Currency

pytestmark = pytest.mark.django_db


def test_admin_enables_and_sets_a_dated_rate(admin):
    services.currency_enable(code=" usd ", actor=admin)
    cur = services.currency_set_rate(
        code="USD", rate="0,92", rate_date=datetime.date(2026, 11, 20), actor=admin
    )
    cur.refresh_from_db()
    assert (cur.code, cur.rate, cur.rate_date) == (
        "USD",
        Decimal("0.92"),
        datetime.date(2026, 11, 20),
    )
    assert cur.updated_by == admin
    assert currency_rates()["USD"].rate == Decimal("0.92")


def test_rate_date_defaults_to_today(admin):
    services.currency_enable(code="HUF", actor=admin)
    cur = services.currency_set_rate(code="HUF", rate="0.0025", actor=admin)
    assert cur.rate_date == timezone.localdate()


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_only_admins_change_currencies(request, persona, admin):
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.currency_enable(code="USD", actor=actor)
    services.currency_enable(code="USD", actor=admin)
    with pytest.raises(NotAllowed):
        services.currency_set_rate(code="USD", rate="1.1", actor=actor)
    assert Currency.objects.get(code="USD").rate is None


@pytest.mark.parametrize(
    ("code", "rate", "message"),
    [
        ("US", "1", "three-letter"),
        ("EUR", "1", "base currency"),
        ("USD", "abc", "must be a number"),
        ("USD", "0", "positive"),
        ("USD", "-2", "positive"),
        ("USD", "NaN", "positive"),
        ("USD", "0.00000000001", "too small"),
    ],
)
def test_bad_input_says_what_to_fix_and_changes_nothing(admin, code, rate, message):
    services.currency_enable(code="USD", actor=admin)
    with pytest.raises(RuleViolation) as err:
        services.currency_set_rate(code=code, rate=rate, actor=admin)
    assert message in err.value.message
    assert err.value.status_code == 422
    assert Currency.objects.get(code="USD").rate is None


def test_future_rate_date_is_refused(admin):
    services.currency_enable(code="USD", actor=admin)
    with pytest.raises(RuleViolation):
        services.currency_set_rate(
            code="USD",
            rate="1",
            rate_date=timezone.localdate() + datetime.timedelta(days=1),
            actor=admin,
        )


def test_a_disabled_currency_keeps_its_rate_but_is_not_used(admin):
    services.currency_enable(code="USD", actor=admin)
    services.currency_set_rate(code="USD", rate="0.92", actor=admin)
    services.currency_disable(code="USD", actor=admin)
    assert "USD" not in currency_rates()
    assert Currency.objects.get(code="USD").rate == Decimal("0.92")
    with pytest.raises(NotVisible):
        services.currency_set_rate(code="USD", rate="0.93", actor=admin)
    services.currency_enable(code="USD", actor=admin)
    assert currency_rates()["USD"].rate == Decimal("0.92")


def test_rate_of_an_unknown_currency_is_404(admin):
    with pytest.raises(NotVisible):
        services.currency_set_rate(code="JPY", rate="0.006", actor=admin)
