"""`GET /api/metrics/` on the hand-made history of tests/metrics/conftest.py.

Expected figures are worked out by hand from that table (see tests/metrics/test_report.py
for the longer workings); amounts come back as JSON numbers, like the command's JSON.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import CompanySettings
from pipeline import services

pytestmark = pytest.mark.django_db

Q1 = "from=2026-01-01&to=2026-03-31"


def _client(user) -> APIClient:  # noqa: ANN001
    client = APIClient()
    client.force_login(user)
    return client


def _get(user, query: str, status: int = 200) -> dict:  # noqa: ANN001
    response = _client(user).get(f"/api/metrics/?{query}")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_admin_gets_every_figure_of_the_pipeline(history, sales, admin):
    r = _get(admin, f"pipeline={sales.pk}&{Q1}")
    assert (r["pipeline"], r["from"], r["to"], r["scope"]) == (
        "Sales",
        "2026-01-01",
        "2026-03-31",
        "all",
    )
    # Closed in Q1: won D1, D2, D4, D6 (USD); lost D3, D8 → 4 ÷ 6 = 0.6667.
    assert (r["won_count"], r["lost_count"], r["win_rate"]) == (4, 2, 0.6667)
    # EUR wins 1000 + 3000 + 2000 = 6000; mean 2000; median of 1000/2000/3000 = 2000.
    assert (r["won_value"], r["avg_won_value"], r["median_won_value"]) == (6000, 2000, 2000)
    assert isinstance(r["won_value"], float)
    # Won cycles 10, 20, 29, 62 days: median 24.5, mean 30.25, p90 29 + 0.7 × 33 = 52.1.
    assert r["cycle_days_won"] == {"median": 24.5, "mean": 30.25, "p90": 52.1}
    # Created in Q1: 7; reached Qualified 5, Proposal 4, Negotiation 3 (D1, D2, D4 won).
    assert [(f["stage"], f["reached"]) for f in r["funnel"]] == [
        ("Lead in", 7),
        ("Qualified", 5),
        ("Proposal", 4),
        ("Negotiation", 3),
    ]
    assert [f["conversion"] for f in r["funnel"]] == [None, 0.7143, 0.8, 0.75]
    assert r["moment_of_truth"] == {"stage": "Proposal", "reached": 4, "won": 3, "conversion": 0.75}
    # Velocity: 2 open × 4/6 × 2000 ÷ 30.25 = 88.15 a day. Weighted: 4000 × 60 % + 1000 × 30 %.
    assert (r["open_count"], r["velocity"], r["weighted_pipeline"]) == (2, 88.15, 2700)
    assert r["forecast"] == [{"month": "2026-04", "count": 1, "value": 4000, "weighted": 2400}]
    assert r["forecast_undated"] == {"count": 1, "value": 1000, "weighted": 300}
    # Calls 2, meeting 1, email 1, demo 1 done, per won deal (4).
    ratios = r["activity_ratios"]
    assert (ratios["call"], ratios["meeting"], ratios["email"], ratios["demo"]) == (
        0.5,
        0.25,
        0.25,
        0.25,
    )
    assert ratios["done"] == {"call": 2, "meeting": 1, "email": 1, "demo": 1}
    # Organizations A 1000, B 3000, C 2000: the top ⌈20 % × 3⌉ = 1 (B) has 3000 of 6000.
    assert r["top20_org_share"] == 0.5
    # D5 stuck, idle, without next step and too old; D7 overdue → 2 stale deals.
    assert r["stale_counts"] == {
        "stuck": 1,
        "idle": 1,
        "no_next_step": 1,
        "overdue": 1,
        "too_old": 1,
        "total": 2,
    }
    # rita: D1, D2, D6 won (EUR value 4000); tom: D4 won, D3 and D8 lost → 1 ÷ 3.
    assert [(o["owner"], o["win_rate"], o["won_count"], o["won_value"]) for o in r["by_owner"]] == [
        ("rita", 1.0, 3, 4000),
        ("tom", 0.3333, 1, 2000),
    ]


def test_the_api_gives_the_commands_json(history, sales, admin):
    out = StringIO()
    call_command(
        "metrics_report",
        "--pipeline=Sales",
        "--from=2026-01-01",
        "--to=2026-03-31",
        "--format=json",
        stdout=out,
    )
    command = json.loads(out.getvalue())
    api = _get(admin, f"pipeline={sales.pk}&{Q1}")
    # Every figure the schema describes is the command's, value for value.
    assert {k: command[k] for k in api} == api


def test_reps_see_only_their_own_figures(history, sales, rep, teammate, team_a):
    # rita's deals: D1, D2, D6 won, none lost; created in Q1: D1, D2 (won), D7 (Qualified).
    mine = _get(rep, f"pipeline={sales.pk}&{Q1}")
    assert (mine["scope"], mine["won_count"], mine["lost_count"], mine["win_rate"]) == (
        f"owner:{rep.pk}",
        3,
        0,
        1.0,
    )
    assert [f["reached"] for f in mine["funnel"]] == [3, 3, 2, 2]
    assert _get(rep, f"pipeline={sales.pk}&{Q1}&owner={rep.pk}")["won_count"] == 3
    # A colleague's or the team's figures: as if they did not exist, even when the company
    # lets reps browse colleagues' deals.
    CompanySettings.objects.update_or_create(pk=1, defaults={"reps_see_all_deals": True})
    refused = _get(rep, f"pipeline={sales.pk}&{Q1}&owner={teammate.pk}", status=404)
    assert refused["code"] == "not_found" and "Tom Teammate" in refused["detail"]
    _get(rep, f"pipeline={sales.pk}&{Q1}&team={team_a.pk}", status=404)


def test_managers_see_their_teams_and_not_others(
    history, sales, manager, team_a, team_b, outsider, teammate
):
    # Mona manages Team A (rita, tom): 4 won, 2 lost, 1 open (D7; D5 is olga's).
    seen = _get(manager, f"pipeline={sales.pk}&{Q1}")
    assert (seen["won_count"], seen["lost_count"], seen["open_count"]) == (4, 2, 1)
    team = _get(manager, f"pipeline={sales.pk}&{Q1}&team={team_a.pk}")
    assert (team["scope"], team["won_count"]) == (f"team:{team_a.pk}", 4)
    # Created in Q1 by rita and tom: D1 D2 D3 D4 D7 D8 → 6; Qualified D1 D2 D4 D7 → 4.
    assert [f["reached"] for f in team["funnel"]] == [6, 4, 3, 3]
    # tom: D4 won; D3, D8 lost.
    tom = _get(manager, f"pipeline={sales.pk}&{Q1}&owner={teammate.pk}")
    assert (tom["won_count"], tom["lost_count"], tom["win_rate"]) == (1, 2, 0.3333)
    _get(manager, f"pipeline={sales.pk}&{Q1}&owner={outsider.pk}", status=404)
    _get(manager, f"pipeline={sales.pk}&{Q1}&team={team_b.pk}", status=404)


def test_the_default_period_is_the_last_90_days_of_the_default_pipeline(history, sales, admin):
    # On 2026-03-31 the last 90 days are 2026-01-01 … 2026-03-31 (31 + 28 + 31).
    with time_machine.travel(datetime.datetime(2026, 3, 31, 12, tzinfo=datetime.UTC), tick=False):
        r = _get(admin, "")
    assert (r["pipeline"], r["from"], r["to"]) == ("Sales", "2026-01-01", "2026-03-31")
    assert (r["won_count"], r["lost_count"]) == (4, 2)
    # Only `to`: the 90 days up to it. Only `from`: up to today.
    r = _get(admin, "to=2026-03-31")
    assert (r["from"], r["won_count"]) == ("2026-01-01", 4)


def test_an_empty_period_has_nulls_not_errors(history, sales, admin):
    r = _get(admin, f"pipeline={sales.pk}&from=2020-01-01&to=2020-01-31")
    assert (r["won_count"], r["win_rate"], r["avg_won_value"], r["velocity"]) == (
        0,
        None,
        None,
        None,
    )
    assert r["cycle_days_won"] == {"median": None, "mean": None, "p90": None}
    assert r["top20_org_share"] is None and r["by_owner"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-03-01&to=2026-02-01", "to"),
        ("from=0001-01-01", "from"),
        ("to=9999-12-31", "to"),
        ("owner=abc", "owner"),
        ("owner=0", "owner"),
        ("pipeline=99999999999999999999", "pipeline"),
        ("owner=1&team=1", "team"),
    ],
)
def test_bad_queries_are_400_with_field_messages(sales, admin, query, field):
    body = _get(admin, query, status=400)
    assert body["code"] == "invalid" and field in body["errors"], body


def test_unknown_pipeline_owner_or_team_is_404(sales, admin):
    for query in ("pipeline=987654", "owner=987654", "team=987654"):
        assert _get(admin, query, status=404)["code"] == "not_found"


def test_anonymous_callers_are_refused(client, sales):
    assert client.get("/api/metrics/").status_code == 401


def test_the_report_costs_the_same_queries_with_more_history(
    history, sales, stages, admin, rep, django_assert_max_num_queries
):
    client = _client(admin)
    url = f"/api/metrics/?pipeline={sales.pk}&{Q1}"
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    with time_machine.travel(datetime.datetime(2026, 2, 10, tzinfo=datetime.UTC), tick=False):
        for i in range(20):
            deal = services.deal_create(
                actor=rep, owner=rep, title=f"More {i}", pipeline_stage=stages[0], value=10
            )
            services.deal_win(deal=deal, expected_version=deal.version, actor=rep)
    # Aggregates only, none per deal: the count stays the same with 20 more won deals.
    with django_assert_max_num_queries(len(before)):
        r = client.get(url)
    assert r.json()["won_count"] == 24
    # 20 on SQLite today: session, user, pipeline, then the report's grouped aggregates.
    assert len(before) <= 25, [q["sql"][:80] for q in before]


def test_an_empty_parameter_is_refused_not_ignored(sales, admin):
    body = _get(admin, "to=&team=", status=400)
    assert set(body["errors"]) == {"to", "team"}
