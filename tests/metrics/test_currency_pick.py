"""Figures in a currency the user picks (issue 10): the two-currency history of
test_currencies.py (EUR base; 1 USD = 0.92 EUR, 1 HUF = 0.0025 EUR, GBP without a rate), shown
in HUF and in USD, worked out by hand.

In HUF a currency X counts at rate(X) ÷ rate(HUF): 1 EUR = 0.0025⁻¹ = 400 HUF and
1 USD = 0.92 ÷ 0.0025 = 368 HUF, so every figure is a whole number of forints. In USD,
1 EUR = 1 ÷ 0.92 = 1.08695652174 USD and 1 HUF = 0.0025 ÷ 0.92 = 0.00271739130435 USD
(cross rates to 12 significant digits, the rates the page shows).
"""

from __future__ import annotations

import csv
import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.services import user_set_preferences
from metrics.expressions import base_amount
from metrics.selectors.dashboard import forecast_accuracy, quota
from metrics.selectors.report import metrics_report
from metrics.selectors.scope import scope_build
from metrics.selectors.snapshots import report_from_snapshot
from metrics.services import snapshots_compute
from pipeline import services
from pipeline.models import Deal, Goal
from shared.errors import RuleViolation
from shared.money import cross_rate
from tests.metrics.conftest import PERIOD, at

pytestmark = pytest.mark.django_db


def _report(sales, currency: str, **kw):
    return metrics_report(
        scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], currency=currency, **kw)
    )


def test_won_amounts_in_forints(two_currencies, sales):
    r = _report(sales, "HUF")
    assert r["currency"] == "HUF"
    # Won in Q1: D1 1000 + D2 3000 + D4 2000 EUR = 6000 EUR × 400 = 2,400,000;
    # D6 6000 USD × 368 = 2,208,000; D12 2,000,000 HUF as it is; D13 in GBP: no rate.
    assert r["won_value"] == Decimal("6608000")  # = 16,520 EUR × 400
    assert r["won_unconverted_count"] == 1
    assert r["avg_won_value"] == Decimal("1321600")  # 6,608,000 ÷ 5
    # 400,000  800,000  1,200,000  2,000,000  2,208,000 → median 1,200,000 (D2), no minor unit.
    assert r["median_won_value"] == Decimal("1200000")
    # The rates listed are the ones used: to forints, each dated (both set on 2026-01-15).
    assert r["rates"] == {
        "EUR": {"rate": Decimal("400"), "date": "2026-01-15"},
        "USD": {"rate": Decimal("368"), "date": "2026-01-15"},
    }


def test_forecast_and_owners_in_forints(two_currencies, sales):
    r = _report(sales, "HUF")
    # April: D5 4000 EUR = 1,600,000 HUF at 60 % = 960,000; D10 400,000 HUF at 30 % = 120,000.
    assert r["forecast"] == [
        {
            "month": "2026-04",
            "count": 2,
            "value": Decimal("2000000"),
            "weighted": Decimal("1080000"),
        }
    ]
    # Undated: D7 1000 EUR = 400,000 HUF at 30 %; the whole pipeline 3000 EUR × 400.
    assert r["forecast_undated"]["weighted"] == Decimal("120000")
    assert r["weighted_pipeline"] == Decimal("1200000")
    # rita: 4000 EUR (1,600,000) + 6000 USD (2,208,000); tom: 2000 EUR (800,000) + 2,000,000.
    rows = [(o["owner"], o["won_value"]) for o in r["by_owner"]]
    assert rows == [("rita", Decimal("3808000")), ("tom", Decimal("2800000"))]


def test_won_amounts_in_dollars_round_to_cents(two_currencies, sales):
    r = _report(sales, "usd")  # codes are case-insensitive
    assert r["currency"] == "USD"
    # 6000 EUR × 1.08695652174 = 6521.73913044; 6000 USD; 2,000,000 HUF × 0.00271739130435
    # = 5434.7826087: 17,956.52173914 → 17,956.52 (16,520 EUR ÷ 0.92 = 17,956.5217…).
    assert r["won_value"] == Decimal("17956.52")
    assert r["avg_won_value"] == Decimal("3591.30")  # 17,956.52173914 ÷ 5
    # D2: 3000 EUR × 1.08695652174 = 3260.86956522 → 3260.87.
    assert r["median_won_value"] == Decimal("3260.87")
    assert r["rates"] == {
        "EUR": {"rate": Decimal("1.08695652174"), "date": "2026-01-15"},
        "HUF": {"rate": Decimal("0.00271739130435"), "date": "2026-01-15"},
    }


def test_the_base_currency_named_is_the_base_report(two_currencies, sales):
    assert _report(sales, "EUR") == _report(sales, "")


def test_cross_rates_are_dated_by_the_older_rate(two_currencies, sales, admin):
    services.currency_set_rate(
        code="HUF", rate="0.0025", rate_date=datetime.date(2026, 2, 1), actor=admin
    )
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], currency="HUF")
    dates = {code: rate.date for code, rate in scope.rates_to_target().items()}
    # EUR → HUF depends on the HUF rate only; USD → HUF on both (USD set 2026-01-15).
    assert dates == {"EUR": datetime.date(2026, 2, 1), "USD": datetime.date(2026, 1, 15)}


def test_cross_rate_conversion_is_exact_in_sql(two_currencies, sales):
    # On PostgreSQL's numeric: 400,000 HUF × 0.00271739130435 = 1086.956521740 exactly.
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], currency="USD")
    amounts = dict(
        Deal.objects.filter(title="Deal", currency__in=["HUF", "USD", "GBP"])
        .annotate(a=base_amount(scope.rate_values(), "USD"))
        .values_list("value", "a")
    )
    assert amounts[Decimal("400000.00")] == Decimal("400000") * cross_rate(
        Decimal("0.0025"), Decimal("0.92")
    )
    assert amounts[Decimal("6000.00")] == Decimal("6000")  # USD deals stay as they are
    assert amounts[Decimal("500.00")] is None  # GBP: no rate


@pytest.mark.parametrize("code", ["GBP", "JPY", "XX"])
def test_a_currency_without_a_rate_is_refused_with_the_choices(two_currencies, sales, code):
    with pytest.raises(RuleViolation) as exc:
        scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], currency=code)
    assert "Choose one of EUR, HUF, USD" in exc.value.message


def test_quota_converts_goals_set_in_other_currencies(two_currencies, sales, rep):
    # rita's monthly goal of 1,200,000 HUF is 3000 EUR: over Q1's 90 days in EUR,
    # 3000 × 12 ÷ 365 × 90 = 8876.71 → 8877 (as test_dashboard's EUR goal).
    start = datetime.date(2026, 1, 1)
    Goal.objects.create(
        kind="revenue", interval="month", owner=rep, currency="HUF",
        target=Decimal("1200000"), starts_on=start,
    )  # fmt: skip
    # A goal in GBP cannot be added: left out, and counted.
    Goal.objects.create(
        kind="revenue", interval="month", owner=rep, currency="GBP",
        target=Decimal("100"), starts_on=start,
    )  # fmt: skip
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], owner=rep)
    q = quota(scope, metrics_report(scope))
    # Won: D1 1000 + D2 3000 + D6 6000 USD × 0.92 = 9520; weighted D7 300; gap 0.
    assert (q["target"], q["won"], q["weighted"], q["gap"]) == (
        Decimal("8877"),
        Decimal("9520.00"),
        Decimal("300.00"),
        Decimal("0"),
    )
    assert q["goals_unconverted"] == 1
    # In HUF the same goal is its own 1,200,000 a month: 1,200,000 × 12 ÷ 365 × 90
    # = 3,550,684.93 → 3,550,685; the monthly marker 1,200,000.
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], owner=rep, currency="HUF")
    q = quota(scope, metrics_report(scope))
    assert (q["target"], q["monthly_target"], q["won"]) == (
        Decimal("3550685"),
        Decimal("1200000"),
        Decimal("3808000"),
    )


def test_forecast_accuracy_in_forints(two_currencies, sales):
    # The snapshot of 2026-02-28 (in EUR), computed after the fact, holds today's open deals
    # due in April: D5 2400 + D10 300 weighted = 2700 EUR, shown as 1,080,000 HUF.
    snapshots_compute(day=datetime.date(2026, 2, 28), pipeline=sales)
    scope = scope_build(
        pipeline=sales, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 5, 31),
        currency="HUF",
    )  # fmt: skip
    rows = {a["month"]: (a["forecast"], a["won"]) for a in forecast_accuracy(scope)}
    # February: D6 6000 USD = 2,208,000. March: D4 2000 EUR = 800,000 + D12 2,000,000 HUF
    # (D13 in GBP has no rate). April: nothing won yet.
    assert rows["2026-02"] == (None, Decimal("2208000"))
    assert rows["2026-03"] == (Decimal("0"), Decimal("2800000"))
    assert rows["2026-04"] == (Decimal("1080000"), Decimal("0"))


def test_the_stored_base_report_is_not_shown_in_another_currency(two_currencies, sales):
    night = PERIOD[1]
    with at("2026-04-01"):
        snapshots_compute(day=night, pipeline=sales)
        start = night - datetime.timedelta(days=89)
        base = scope_build(pipeline=sales, start=start, end=night)
        assert report_from_snapshot(base) is not None
        # Nobody chose HUF: no report was stored in it, so it is computed live.
        forints = scope_build(pipeline=sales, start=start, end=night, currency="HUF")
        assert report_from_snapshot(forints) is None


def test_reports_are_stored_in_the_display_currencies_users_chose(
    two_currencies, sales, rep, teammate, manager, team_a, admin
):
    from metrics.models import MetricSnapshot

    night = PERIOD[1]
    user_set_preferences(user=rep, actor=rep, display_currency="HUF")
    user_set_preferences(user=manager, actor=manager, display_currency="HUF")
    user_set_preferences(user=admin, actor=admin, display_currency="USD")
    user_set_preferences(user=teammate, actor=teammate, display_currency="GBP")  # no rate
    with at("2026-04-01"):
        snapshots_compute(day=night, pipeline=sales)
        stored = set(
            MetricSnapshot.objects.filter(metric__startswith="report:").values_list(
                "metric", "scope_key"
            )
        )
        # rita's own figures and the manager's team in HUF (the manager owns no deals of the
        # pipeline, so has no owner scope); everyone's figures in USD; nothing in GBP.
        assert stored == {
            ("report:HUF", f"owner:{rep.pk}"),
            ("report:HUF", f"team:{team_a.pk}"),
            ("report:USD", "all"),
        }
        start = night - datetime.timedelta(days=89)
        for owner, team, code in ((rep, None, "HUF"), (None, team_a, "HUF"), (None, None, "USD")):
            scope = scope_build(
                pipeline=sales, start=start, end=night, owner=owner, team=team, currency=code
            )
            report, _computed_at = report_from_snapshot(scope)
            assert report == metrics_report(scope)
            assert report["currency"] == code


def test_a_rep_in_forints_gets_the_stored_figures(client, two_currencies, sales, rep):
    user_set_preferences(user=rep, actor=rep, display_currency="HUF")
    client.force_login(rep)
    with at("2026-04-01"):
        snapshots_compute(day=PERIOD[1], pipeline=sales)
        page = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk})
    assert page.context["computed_at"] is not None
    assert page.context["r"]["currency"] == "HUF"
    # rita's wins in the 90 days to 2026-03-31: D1, D2 (4000 EUR) and D6 (6000 USD).
    assert page.context["r"]["won_value"] == Decimal("3808000")


def test_dashboard_follows_the_users_display_currency(client, two_currencies, sales, admin):
    user_set_preferences(user=admin, actor=admin, display_currency="HUF")
    client.force_login(admin)
    url = reverse("metrics:dashboard")
    query = {"pipeline": sales.pk, "start": "2026-01-01", "end": "2026-03-31"}
    page = client.get(url, query)
    assert page.status_code == 200
    assert page.context["r"]["won_value"] == Decimal("6608000")
    html = page.content.decode()
    assert "amounts in HUF at stored rates" in html
    assert "1 EUR = 400 HUF on Jan 15, 2026" in html
    assert '<option value="HUF" selected>HUF</option>' in html
    # Drill-downs and exports keep the currency.
    assert "currency=HUF" in page.context["q"]

    # A currency picked on the page wins over the preference.
    page = client.get(url, {**query, "currency": "USD"})
    assert page.context["r"]["won_value"] == Decimal("17956.52")
    # The page words rates to six digits; the report keeps the exact rate used.
    assert "1 EUR = 1.086957 USD on Jan 15, 2026, 1 HUF = 0.00271739 USD" in page.content.decode()


def test_dashboard_refuses_a_currency_without_a_rate(client, two_currencies, sales, admin):
    client.force_login(admin)
    page = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk, "currency": "GBP"})
    assert page.status_code == 422
    assert "Figures cannot be shown in GBP" in page.content.decode()


def test_a_display_currency_that_lost_its_rate_falls_back_to_the_base(
    client, two_currencies, sales, rep, admin
):
    user_set_preferences(user=rep, actor=rep, display_currency="USD")
    services.currency_disable(code="USD", actor=admin)
    client.force_login(rep)
    page = client.get(reverse("metrics:dashboard"), {"pipeline": sales.pk})
    assert page.status_code == 200
    assert page.context["r"]["currency"] == "EUR"


def test_api_metrics_in_a_picked_currency(client, two_currencies, sales, admin):
    client.force_login(admin)
    url = reverse("api:metrics")
    got = client.get(url, {"pipeline": sales.pk, "from": "2026-01-01", "to": "2026-03-31"})
    assert (got.json()["currency"], got.json()["won_value"]) == ("EUR", 16520.0)
    got = client.get(
        url, {"pipeline": sales.pk, "from": "2026-01-01", "to": "2026-03-31", "currency": "huf"}
    )
    assert got.status_code == 200
    body = got.json()
    assert (body["currency"], body["won_value"]) == ("HUF", 6608000.0)
    assert body["rates"]["USD"] == {"rate": 368.0, "date": "2026-01-15"}
    bad = client.get(url, {"pipeline": sales.pk, "currency": "GBP"})
    assert bad.status_code == 400
    assert bad.json()["errors"]["currency"] == [
        "Choose one of EUR, HUF, USD: only enabled currencies with a rate can be shown."
    ]


def test_metrics_report_command_in_a_picked_currency(two_currencies, sales):
    out = StringIO()
    call_command(
        "metrics_report",
        *("--pipeline", "Sales", "--from", "2026-01-01", "--to", "2026-03-31"),
        *("--format", "json", "--currency", "HUF"),
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert (data["currency"], data["won_value"]) == ("HUF", 6608000.0)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "1,080,000"),
        ("hu", "1\xa0080\xa0000"),
        ("vi", "1.080.000"),
        ("fi", "1\xa0080\xa0000"),
    ],
)
def test_chart_figures_are_grouped_as_the_language_writes_numbers(language, text):
    from django.utils import translation

    from metrics import charts

    with translation.override(language):
        svg = charts.bars([("2026-04", Decimal("1080000"))], label="Forecast")
    assert f'class="chart-value">{text}</text>' in svg


def test_csv_money_columns_name_their_currency(client, two_currencies, sales, admin):
    client.force_login(admin)
    query = {"pipeline": sales.pk, "start": "2026-01-01", "end": "2026-03-31", "currency": "HUF"}
    reps = client.get(reverse("metrics:dashboard"), {**query, "export": "reps"})
    rows = list(csv.reader(reps.content.decode().splitlines()))
    assert rows[0] == ["Owner", "Won", "Lost", "Win rate %", "Won value (HUF)"]
    assert rows[1][0] == "rita" and rows[1][-1] == "3808000"
    forecast = client.get(reverse("metrics:dashboard"), {**query, "export": "forecast"})
    header = next(csv.reader(forecast.content.decode().splitlines()))
    assert header == ["Month", "Deals", "Value (HUF)", "Weighted (HUF)"]
