"""Every definition of docs/metrics.md on the hand-made history of conftest.py.

Each expected figure is worked out by hand in the comment above it, from the table in
tests/metrics/conftest.py; nothing here calls the code under test to get an expectation.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from metrics.expressions import DaysBetween, percentiles
from metrics.selectors.report import metrics_report
from metrics.selectors.scope import scope_build
from pipeline.models import Deal
from shared.errors import NotVisible
from tests.metrics.conftest import PERIOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(history, sales):
    return metrics_report(scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1]))


def test_win_rate_and_deal_size(report):
    # Closed in Q1: won D1, D2, D4, D6 (USD); lost D3, D8 → 4 ÷ 6.
    assert report["won_count"] == 4 and report["lost_count"] == 2
    assert report["win_rate"] == pytest.approx(0.6667)
    # Money in EUR only: 1000 + 3000 + 2000 = 6000; mean 2000; median of 1000/2000/3000.
    assert report["won_value"] == Decimal("6000.00")
    assert report["avg_won_value"] == Decimal("2000.00")
    assert report["median_won_value"] == Decimal("2000.00")


def test_sales_cycle(report):
    # Won cycles (days): D1 10, D2 20, D4 29, D6 62. Median (20 + 29) / 2 = 24.5,
    # mean 121 / 4 = 30.25, p90 at rank 0.9 × 3 = 2.7: 29 + 0.7 × (62 − 29) = 52.1.
    assert report["cycle_days_won"] == {"median": 24.5, "mean": 30.25, "p90": 52.1}
    # Lost: D3 4, D8 30 → median and mean 17; p90 4 + 0.9 × 26 = 27.4.
    assert report["cycle_days_lost"] == {"median": 17.0, "mean": 17.0, "p90": 27.4}


def test_funnel(report):
    # Created in Q1: D1 D2 D3 D4 D5 D7 D8 (7). Furthest: D1 D2 D4 won (every stage),
    # D3 and D8 Lead in, D5 Proposal (skipped Qualified: still counts), D7 Qualified.
    funnel = [(f["stage"], f["reached"], f["conversion"]) for f in report["funnel"]]
    assert funnel == [
        ("Lead in", 7, None),
        ("Qualified", 5, pytest.approx(5 / 7, abs=1e-4)),
        ("Proposal", 4, 0.8),
        ("Negotiation", 3, 0.75),
    ]
    # Won among them: D1, D2, D4 → 3 ÷ 7; from the moment of truth (Proposal): 3 ÷ 4.
    assert report["created_won"] == 3
    assert report["overall_conversion"] == pytest.approx(3 / 7, abs=1e-4)
    assert report["moment_of_truth"] == {
        "stage": "Proposal",
        "reached": 4,
        "won": 3,
        "conversion": 0.75,
    }


def test_time_in_stage(report):
    # Completed stays ending in Q1 (days):
    #   Lead in: D1 2, D2 5, D3 4, D4 1, D5 15, D6 62 (ended by the win), D8 30
    #     sorted 1 2 4 5 15 30 62 → median 5; p90 rank 5.4: 30 + 0.4 × 32 = 42.8
    #   Qualified: D1 3, D2 15, D4 3 → median 3; p90 rank 1.8: 3 + 0.8 × 12 = 12.6
    #   Proposal: D1 5, D4 25 → median 15; p90 rank 0.9: 5 + 0.9 × 20 = 23
    # Open stays at the end of the period (2026-04-01 00:00), parked D9 left out:
    #   Qualified D7 since 03-10 (22 days), Proposal D5 since 02-20 (40 days).
    rows = {t["stage"]: t for t in report["time_in_stage"]}
    got = {
        name: (
            r["completed"],
            r["median_days"],
            r["p90_days"],
            r["in_progress"],
            r["in_progress_median_days"],
        )
        for name, r in rows.items()
    }
    assert got == {
        "Lead in": (7, 5.0, 42.8, 0, None),
        "Qualified": (3, 3.0, 12.6, 1, 22.0),
        "Proposal": (2, 15.0, 23.0, 1, 40.0),
        "Negotiation": (0, None, None, 0, None),
    }


def test_velocity_and_weighted_pipeline(report):
    # Open, not parked: D5, D7. Velocity = 2 × 4/6 × 2000 ÷ 30.25 = 8000 ÷ 90.75 = 88.154…
    assert report["open_count"] == 2
    assert report["velocity"] == Decimal("88.15")
    # D5 4000 × 60 % = 2400 due in April; D7 1000 × 30 % = 300 without a date.
    assert report["weighted_pipeline"] == Decimal("2700.00")
    assert report["forecast"] == [
        {"month": "2026-04", "count": 1, "value": Decimal("4000.00"), "weighted": Decimal("2400")}
    ]
    assert report["forecast_undated"]["count"] == 1
    assert report["forecast_undated"]["weighted"] == Decimal("300.00")


def test_activity_ratios_and_concentration(report):
    # Done in Q1: calls 2 (D1, D2), meeting 1, email 1, demo 1; per won deal (4).
    ratios = report["activity_ratios"]
    assert (ratios["call"], ratios["meeting"], ratios["email"], ratios["demo"]) == (
        0.5,
        0.25,
        0.25,
        0.25,
    )
    # EUR wins with an organization: A 1000, B 3000, C 2000; top ⌈20 % × 3⌉ = 1 (B): 3000/6000.
    assert report["top20_org_share"] == 0.5


def test_stale_deals(report):
    # As of 2026-04-01. Too old: over p90 of won cycles of the last year (52.1 days).
    # D5: in Proposal 40 days > 30 (stuck); last edit 02-20 and no activity (idle, no next
    #     step); open 55 days > 52.1 (too old).  D7: its call was due 03-25 (overdue); edited
    #     03-10, inside the 30 idle days; 22 days in Qualified.  D9 is parked: never stale.
    assert report["too_old_days"] == 52.1
    assert report["stale_counts"] == {
        "stuck": 1,
        "idle": 1,
        "no_next_step": 1,
        "overdue": 1,
        "too_old": 1,
        "total": 2,
    }


def test_by_owner(report):
    # rita: D1, D2, D6 won → 1.0, EUR won value 4000; tom: D4 won, D3 and D8 lost.
    rows = [(r["owner"], r["win_rate"], r["won_count"], r["won_value"]) for r in report["by_owner"]]
    assert rows == [
        ("rita", 1.0, 3, Decimal("4000.00")),
        ("tom", pytest.approx(0.3333), 1, Decimal("2000.00")),
    ]


def test_team_and_owner_scopes(history, sales, team_a, rep):
    # Team A (rita, tom): D5 (olga) drops out of the funnel and the open deals.
    team = metrics_report(scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], team=team_a))
    assert [f["reached"] for f in team["funnel"]] == [6, 4, 3, 3]
    assert team["open_count"] == 1 and team["won_count"] == 4
    mine = metrics_report(scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], owner=rep))
    # rita: D1 D2 D6 won, none lost; created in Q1: D1, D2, D7.
    assert (mine["won_count"], mine["lost_count"], mine["win_rate"]) == (3, 0, 1.0)
    assert [f["reached"] for f in mine["funnel"]] == [3, 3, 2, 2]


def test_visibility_narrows_the_scope(history, sales, rep, manager, outsider):
    with pytest.raises(NotVisible):
        scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], owner=outsider, viewer=rep)
    with pytest.raises(NotVisible):
        scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], owner=outsider, viewer=manager)
    # Mona manages rita and tom: her default scope has their 4 wins and 2 losses, not olga's.
    seen = metrics_report(
        scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], viewer=manager)
    )
    assert (seen["won_count"], seen["lost_count"], seen["open_count"]) == (4, 2, 1)


def test_metrics_report_command_json_contract(history, sales):
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
    contract = {
        "win_rate",
        "won_count",
        "lost_count",
        "won_value",
        "avg_won_value",
        "median_won_value",
        "cycle_days_won",
        "cycle_days_lost",
        "funnel",
        "time_in_stage",
        "velocity",
        "weighted_pipeline",
        "top20_org_share",
        "stale_counts",
        "by_owner",
    }
    assert contract <= set(data)
    assert data["won_value"] == 6000 and isinstance(data["won_value"], float)
    assert data["cycle_days_won"]["median"] == 24.5
    assert data["funnel"][0] == {
        "stage": "Lead in",
        "stage_id": data["funnel"][0]["stage_id"],
        "reached": 7,
        "conversion": None,
    }
    assert data["by_owner"][0]["owner"] == "rita"
    assert set(data["stale_counts"]) >= {"stuck", "idle", "no_next_step", "overdue", "too_old"}


def test_metrics_report_command_owner_and_table(history, sales):
    out = StringIO()
    call_command(
        "metrics_report",
        "--pipeline=Sales",
        "--from=2026-01-01",
        "--to=2026-03-31",
        "--owner=tom",
        stdout=out,
    )
    text = out.getvalue()
    # tom: 1 won (D4), 2 lost (D3, D8).
    assert "(1 won, 2 lost)" in text and "Lead in" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pipeline=Nope"], "No pipeline named 'Nope'"),
        (["--pipeline=Sales", "--from=2026-13-01"], "is not a date"),
        (["--pipeline=Sales", "--from=2026-03-01", "--to=2026-02-01"], "ends before it starts"),
        (["--pipeline=Sales", "--owner=ghost"], "No user with the username 'ghost'"),
        (["--pipeline=Sales", "--team=Ghosts"], "No team named 'Ghosts'"),
    ],
)
def test_metrics_report_command_refuses_bad_input(sales, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("metrics_report", *args, stdout=StringIO())


def test_percentile_window_path_on_hand_numbers(history):
    # Cycles of won deals 10, 20, 29, 62 and lost 4, 30 (see test_sales_cycle).
    closed = Deal.objects.filter(status__in=["won", "lost"])
    cycle = DaysBetween("closed_at", "created_at")
    got = percentiles(closed, cycle, [0, 0.5, 0.9, 1], group="status", method="window")
    assert {k: {f: round(v, 4) for f, v in d.items()} for k, d in got.items()} == {
        "won": {0: 10.0, 0.5: 24.5, 0.9: 52.1, 1: 62.0},
        "lost": {0: 4.0, 0.5: 17.0, 0.9: 27.4, 1: 30.0},
    }
    assert percentiles(closed.none(), cycle, [0.5], method="window") == {}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="percentile_cont exists only on PostgreSQL"
)
def test_percentile_aggregate_and_window_paths_agree(history):
    closed = Deal.objects.filter(status__in=["won", "lost"])
    cycle = DaysBetween("closed_at", "created_at")
    fractions = [0, 0.25, 0.5, 0.75, 0.9, 1]
    for group in (None, "status", "owner"):
        a = percentiles(closed, cycle, fractions, group=group, method="aggregate")
        w = percentiles(closed, cycle, fractions, group=group, method="window")
        assert a.keys() == w.keys()
        for key in a:
            assert a[key] == pytest.approx(w[key], abs=1e-9)
    values = percentiles(closed, "value", fractions, method="aggregate")
    assert values == percentiles(closed, "value", fractions, method="window")


def test_report_of_an_empty_period_has_no_division_by_zero(history, sales):
    empty = metrics_report(
        scope_build(pipeline=sales, start=datetime.date(2020, 1, 1), end=datetime.date(2020, 1, 31))
    )
    assert empty["win_rate"] is None and empty["avg_won_value"] is None
    assert empty["velocity"] is None and empty["top20_org_share"] is None
    assert [f["reached"] for f in empty["funnel"]] == [0, 0, 0, 0]
