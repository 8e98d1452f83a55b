"""Amounts in the base currency at the stored rates (issues 7 and 10), on a two-currency
history worked out by hand; and the nightly grouped computation equal to one scope at a time.

On top of the history of conftest.py (EUR base), an admin sets USD at 0.92 and HUF at 0.0025
(400 HUF to the euro) on 2026-01-15 and enables GBP without a rate; then:

    D10 olga  400,000 HUF  created 03-15 in Qualified (30 %), open, expected close 2026-04-20
    D11 olga      500 GBP  created 03-16 in Lead in, open, expected close 2026-04-10 (no rate)
    D12 tom 2,000,000 HUF  created 02-10, won 03-10, no organization
    D13 rita      800 GBP  created 03-01, won 03-05 (no rate)
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from metrics.expressions import base_amount
from metrics.selectors.report import jsonable, metrics_report, metrics_reports
from metrics.selectors.scope import Scope, scope_build
from metrics.services import _scopes
from pipeline.models import Deal
from tests.metrics.conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(two_currencies, sales):
    return metrics_report(scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1]))


def test_won_amounts_are_converted_at_the_stored_rates(report):
    # Won in Q1: D1 1000 EUR, D2 3000 EUR, D4 2000 EUR, D6 6000 USD × 0.92 = 5520,
    # D12 2,000,000 HUF × 0.0025 = 5000, D13 800 GBP (no rate: counted, in no amount).
    assert report["won_count"] == 6
    assert report["won_unconverted_count"] == 1
    # 1000 + 3000 + 2000 + 5520 + 5000 = 16520 over 5 converted deals: 3304.
    assert report["won_value"] == Decimal("16520.00")
    assert report["avg_won_value"] == Decimal("3304.00")
    # Sorted 1000 2000 3000 5000 5520 → median 3000.
    assert report["median_won_value"] == Decimal("3000.00")
    assert report["currency"] == "EUR"
    assert report["rates"] == {
        "HUF": {"rate": Decimal("0.0025"), "date": "2026-01-15"},
        "USD": {"rate": Decimal("0.92"), "date": "2026-01-15"},
    }


def test_by_owner_and_concentration_in_the_base_currency(report):
    # rita: D1 1000 + D2 3000 + D6 5520 = 9520 (and D13 in GBP, counted as a win only);
    # tom: D4 2000 + D12 5000 = 7000.
    rows = [(r["owner"], r["won_count"], r["won_value"]) for r in report["by_owner"]]
    assert rows == [("rita", 4, Decimal("9520.00")), ("tom", 2, Decimal("7000.00"))]
    # Organizations: A 1000, B 3000, C 2000, D 5520 (D12 has none) → top ⌈0.8⌉ = 1:
    # 5520 ÷ 11520 = 0.47916… → 0.4792.
    assert report["top20_org_share"] == 0.4792


def test_forecast_converts_and_leaves_out_currencies_without_a_rate(report):
    # Open: D5 4000 EUR × 60 % = 2400 (April), D7 1000 EUR × 30 % = 300 (undated),
    # D10 400,000 HUF = 1000 EUR × 30 % = 300 (April); D11 in GBP has no rate: left out.
    assert report["forecast"] == [
        {
            "month": "2026-04",
            "count": 2,
            "value": Decimal("5000.00"),
            "weighted": Decimal("2700.00"),
        }
    ]
    assert report["forecast_undated"]["weighted"] == Decimal("300.00")
    assert report["weighted_pipeline"] == Decimal("3000.00")


def test_metrics_report_json_says_the_rates(two_currencies, sales):
    out = StringIO()
    call_command(
        "metrics_report",
        "--pipeline",
        "Sales",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
        "--format",
        "json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["currency"] == "EUR"
    assert data["won_value"] == 16520.0
    assert data["rates"]["USD"] == {"rate": 0.92, "date": "2026-01-15"}


def test_conversion_is_exact_decimal_in_sql(two_currencies, sales):
    # 400,000 HUF × 0.0025 = 1000 exactly, and 6000 USD × 0.92 = 5520 (no float noise
    # on PostgreSQL's numeric; SQLite is quantized back to the field's 12 places).
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1])
    amounts = dict(
        Deal.objects.filter(title="Deal", currency__in=["HUF", "USD", "GBP"])
        .annotate(a=base_amount(scope.rate_values(), "EUR"))
        .values_list("value", "a")
    )
    assert amounts[Decimal("400000.00")] == Decimal("1000")
    assert amounts[Decimal("6000.00")] == Decimal("5520")
    assert amounts[Decimal("500.00")] is None


def test_grouped_nightly_reports_equal_one_scope_at_a_time(two_currencies, sales, team_a, team_b):
    # The nightly path (one pass per owner, percentiles per kind of scope) against each
    # scope computed alone: every figure of every scope is the same.
    day = PERIOD[1]
    as_of = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    scopes = [s for s, _o, _t in _scopes(sales, day, as_of)]
    assert {s.kind for s in scopes} == {"all", "team", "owner"}
    together = metrics_reports(scopes[0], scopes)
    for scope, report in zip(scopes, together, strict=True):
        alone = metrics_report(
            Scope(
                pipeline=scope.pipeline,
                start=scope.start,
                end=scope.end,
                owner_ids=scope.owner_ids,
                kind=scope.kind,
                key=scope.key,
                as_of=scope.as_of,
            )
        )
        assert jsonable(report) == jsonable(alone), scope.key


def test_a_team_with_every_owner_reuses_everyones_percentiles(
    two_currencies, sales, team_a, outsider
):
    # Move olga into Team A: the team then covers every owner, its figures are everyone's.
    outsider.team = team_a
    outsider.save(update_fields=["team"])
    as_of = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)
    scopes = [s for s, _o, _t in _scopes(sales, PERIOD[1], as_of)]
    reports = {
        s.key: jsonable(r) for s, r in zip(scopes, metrics_reports(scopes[0], scopes), strict=True)
    }
    team = reports.pop(f"team:{team_a.pk}")
    everyone = reports.pop("all")
    assert {k: v for k, v in team.items() if k != "scope"} == {
        k: v for k, v in everyone.items() if k != "scope"
    }
