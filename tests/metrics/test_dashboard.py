"""The managers' dashboard: visibility, drill-downs, CSV, quota, calculator, query budget."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from metrics.selectors.dashboard import funnel_calculator, quota
from metrics.selectors.report import metrics_report
from metrics.selectors.scope import scope_build
from pipeline.models import Goal
from tests.metrics.conftest import PERIOD, Writer

pytestmark = pytest.mark.django_db

Q1 = {"start": "2026-01-01", "end": "2026-03-31"}


def _get(client, user, name="metrics:dashboard", **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def test_manager_sees_team_figures_with_drilldown(client, history, sales, manager):
    page = _get(client, manager, pipeline=sales.pk, **Q1)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Recompute now" in text and "<svg" in text
    # Drill-down of "won": rita's D1, D2, D6 and tom's D4 (olga's deals are not Mona's).
    won = _get(client, manager, "metrics:drilldown", pipeline=sales.pk, figure="won", **Q1)
    assert won.status_code == 200
    assert len(won.context["deals"]) == 4
    reached = _get(
        client,
        manager,
        "metrics:drilldown",
        pipeline=sales.pk,
        figure=f"reached:{sales.stages.get(position=2).pk}",
        **Q1,
    )
    # Reached Proposal among Mona's deals created in Q1: D1, D2, D4 (D5 is olga's).
    assert sorted(d.pk for d in reached.context["deals"]) == sorted(
        history[k].pk for k in ("D1", "D2", "D4")
    )


def test_rep_sees_only_own_figures_and_cannot_pick_others(client, history, sales, rep, outsider):
    page = _get(client, rep, pipeline=sales.pk, **Q1)
    assert page.status_code == 200
    assert page.context["r"]["won_count"] == 3  # D1, D2, D6
    assert "Recompute now" not in page.content.decode()
    refused = _get(client, rep, pipeline=sales.pk, owner=outsider.pk, **Q1)
    assert refused.status_code == 422 and "may not see" in refused.content.decode()


def test_bad_period_is_a_clear_422(client, sales, manager):
    page = _get(client, manager, pipeline=sales.pk, start="2026-03-01", end="2026-01-01")
    assert page.status_code == 422
    assert "ends before it starts" in page.content.decode()


@pytest.mark.parametrize("table", ["funnel", "reps", "time_in_stage", "forecast", "trends"])
def test_every_table_exports_csv(client, history, sales, admin, table):
    response = _get(client, admin, pipeline=sales.pk, export=table, **Q1)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert len(lines) >= 2


def test_funnel_csv_has_the_hand_worked_numbers(client, history, sales, admin):
    response = _get(client, admin, pipeline=sales.pk, export="funnel", **Q1)
    rows = list(csv.reader(response.content.decode().strip().splitlines()))[1:]
    # 7, 5, 4, 3 reached (see test_report.test_funnel); conversions 71.4, 80.0, 75.0 %.
    assert rows == [
        ["Lead in", "7", ""],
        ["Qualified", "5", "71.4"],
        ["Proposal", "4", "80.0"],
        ["Negotiation", "3", "75.0"],
    ]


def test_quota_and_gap(history, sales, rep):
    # rita's monthly goal of 3000 over Q1 (90 days): 3000 × 12 ÷ 365 × 90 = 8876.71 → 8877.
    Goal.objects.create(
        kind="revenue", interval="month", owner=rep, target=Decimal("3000"),
        starts_on=datetime.date(2026, 1, 1),
    )  # fmt: skip
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1], owner=rep)
    q = quota(scope, metrics_report(scope))
    # Won in EUR: D1 1000 + D2 3000 = 4000; weighted: D7 1000 × 30 % = 300; gap 4577.
    assert (q["target"], q["won"], q["weighted"], q["gap"]) == (
        Decimal("8877"),
        Decimal("4000.00"),
        Decimal("300.00"),
        Decimal("4577"),
    )


def test_funnel_calculator_measured_and_overridden(history, sales):
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1])
    report = metrics_report(scope)
    # Measured: deal size 2000, conversion 3/7 (0.4286), 0.25 meetings and 0.5 calls per win.
    # 20000 in 10 weeks → 10 wins → ⌈10 ÷ 0.4286⌉ = 24 new deals → 3 a week;
    # meetings ⌈10 × 0.25 ÷ 10⌉ = 1 a week; calls ⌈10 × 0.5 ÷ 10⌉ = 1 a week.
    calc = funnel_calculator(report, target=Decimal("20000"), weeks=10)
    assert (calc["won_needed"], calc["new_deals"], calc["new_deals_per_week"]) == (10, 24, 3)
    assert (calc["meetings_per_week"], calc["calls_per_week"]) == (1, 1)
    # Overrides: deal size 5000, conversion 20 %, 4 calls per win → 4 wins, 20 deals, 2/week,
    # calls ⌈4 × 4 ÷ 10⌉ = 2 a week.
    calc = funnel_calculator(
        report,
        target=Decimal("20000"),
        weeks=10,
        deal_size=Decimal("5000"),
        win_rate=Decimal("20"),
        calls_per_deal=Decimal("4"),
    )
    assert (calc["won_needed"], calc["new_deals"], calc["new_deals_per_week"]) == (4, 20, 2)
    assert calc["calls_per_week"] == 2


def test_balance_warns_about_empty_stages(client, history, sales, admin):
    page = _get(client, admin, pipeline=sales.pk, **Q1)
    # Open, not parked: D7 in Qualified, D5 in Proposal; Lead in and Negotiation are empty.
    warnings = page.context["warnings"]
    assert "Lead in has no open deals." in warnings
    assert "Negotiation has no open deals." in warnings


def test_recompute_button(client, history, sales, manager, rep, django_capture_on_commit_callbacks):
    from metrics.models import MetricSnapshot

    client.force_login(rep)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("metrics:recompute")).status_code == 403
    assert not MetricSnapshot.objects.exists()
    client.force_login(manager)
    # The job is queued when the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("metrics:recompute"), {"next": "/metrics/"})
    assert response.status_code == 302 and response["Location"] == "/metrics/"
    # Eager in the embedded default: today's rows exist once the request returns.
    assert MetricSnapshot.objects.filter(metric="won_count", scope_key="all").exists()


def _add_history(sales, stages, people, lost_reason, n):
    w = Writer(stages, lost_reason)
    for i in range(n):
        owner = people[i % len(people)]
        deal = w.create(f"2026-02-{1 + i % 27:02d}", owner=owner, value=str(100 + i))
        w.move(deal, f"2026-03-{1 + i % 27:02d}", 1 + i % 3)
        if i % 2:
            w.win(deal, "2026-03-29")
        else:
            w.lose(deal, "2026-03-29")


def test_dashboard_query_count_is_constant(
    client, django_assert_max_num_queries, history, sales, admin, rep, teammate, outsider,
    lost_reason,
):  # fmt: skip
    stages = list(sales.stages.order_by("position"))
    client.force_login(admin)
    url = reverse("metrics:dashboard")
    params = {"pipeline": sales.pk, **Q1}
    client.get(url, params)  # warm caches (session, content types)
    # Queries: session + user (2), pipelines (2), people and teams (2), report (~22: outcomes
    # 3, stages 1, funnel 1, time in stage 4, open 1, forecast 1, activities 1, top 20 % 2,
    # too-old 1, stale 1, by owner 1), levers 4, trends 2, goals 1 — whatever the data.
    with django_assert_max_num_queries(45) as small:
        client.get(url, params)
    _add_history(sales, stages, [rep, teammate, outsider], lost_reason, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url, params)


def test_calibration_against_realised_win_rates(history, sales):
    from metrics.selectors.dashboard import calibration

    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1])
    # Closed in the year before 2026-04-01 and ever in the stage:
    # Lead in: D1 D2 D3 D4 D6 D8 (won D1 D2 D4 D6) → 4/6; Qualified: D1 D2 D4, all won;
    # Proposal: D1 D4, both won; Negotiation: none.
    got = [(c["stage"], c["probability"], c["deals"], c["realised"]) for c in calibration(scope)]
    assert got == [
        ("Lead in", 10, 6, 0.6667),
        ("Qualified", 30, 3, 1.0),
        ("Proposal", 60, 2, 1.0),
        ("Negotiation", 80, 0, None),
    ]


def test_forecast_accuracy_reads_the_snapshot_taken_before_each_month(history, sales):
    from metrics.selectors.dashboard import forecast_accuracy
    from metrics.services import snapshots_compute

    # The snapshot of 2026-02-28 holds the open pipeline: D5's 2400 weighted, due in April.
    snapshots_compute(day=datetime.date(2026, 2, 28), pipeline=sales)
    scope = scope_build(
        pipeline=sales, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 5, 31)
    )
    rows = {a["month"]: (a["forecast"], a["won"]) for a in forecast_accuracy(scope)}
    # January: no snapshot before it; won D1 + D2 = 4000 (EUR). February: D6 is in USD.
    # March: forecast 0 (nothing was due then), won D4 2000. April: 2400 forecast, 0 won.
    assert rows["2026-01"] == (None, Decimal("4000"))
    assert rows["2026-02"] == (None, Decimal("0"))
    assert rows["2026-03"] == (Decimal("0"), Decimal("2000"))
    assert rows["2026-04"] == (Decimal("2400.0"), Decimal("0"))


def test_goal_progress_by_type(history, sales, rep, teammate, team_a):
    from metrics.selectors.dashboard import goal_progress

    proposal = sales.stages.get(position=2)
    start = datetime.date(2026, 1, 1)
    Goal.objects.create(kind="deals_won", interval="month", target=2, starts_on=start)
    Goal.objects.create(
        kind="revenue", interval="quarter", owner=rep, target=10000, starts_on=start
    )
    Goal.objects.create(
        kind="deals_progressed", interval="quarter", team=team_a, stage=proposal, target=4,
        starts_on=start,
    )  # fmt: skip
    Goal.objects.create(
        kind="activities_added", interval="month", owner=rep, activity_type="call", target=4,
        starts_on=start,
    )  # fmt: skip
    scope = scope_build(pipeline=sales, start=PERIOD[0], end=PERIOD[1])
    got = {g.goal.kind: (g.done, g.share) for g in goal_progress(scope)}
    # March: won D4 only → 1 of 2. Q1, rita's EUR wins D1 + D2 = 4000 of 10000.
    # Q1, team A deals entering Proposal: D1, D4 (D5 is olga's) → 2 of 4.
    # March, calls rita added: D7's call (added 03-25) → 1 of 4.
    assert got == {
        "deals_won": (1, 0.5),
        "revenue": (Decimal("4000.00"), 0.4),
        "deals_progressed": (2, 0.5),
        "activities_added": (1, 0.25),
    }


def test_forecast_accuracy_of_a_managers_scope_adds_up_owner_snapshots(
    history, sales, manager, outsider
):
    from metrics.selectors.dashboard import forecast_accuracy
    from metrics.services import snapshots_compute

    snapshots_compute(day=datetime.date(2026, 2, 28), pipeline=sales)
    # Otto manages team B (olga): his scope's April forecast is olga's D5, 2400.
    scope = scope_build(
        pipeline=sales,
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 5, 31),
        viewer=outsider.team.manager,
    )
    assert scope.kind == "visible"
    rows = {a["month"]: a["forecast"] for a in forecast_accuracy(scope)}
    assert rows["2026-04"] == Decimal("2400.0")
    # Mona's team (rita, tom) had nothing weighted for April.
    mona = scope_build(
        pipeline=sales, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 5, 31),
        viewer=manager,
    )  # fmt: skip
    assert {a["month"]: a["forecast"] for a in forecast_accuracy(mona)}["2026-04"] == 0


def test_every_drilldown_lists_exactly_the_deals_counted(client, history, sales, admin):
    page = _get(client, admin, pipeline=sales.pk, **Q1)
    r = page.context["r"]
    expected = {"won": r["won_count"], "lost": r["lost_count"], "open": r["open_count"]}
    expected["created"] = r["created_count"]
    for f in r["funnel"]:
        expected[f"reached:{f['stage_id']}"] = f["reached"]
    for t in r["time_in_stage"]:
        expected[f"stage_open:{t['stage_id']}"] = t["in_progress"]
    for o in r["by_owner"]:
        expected[f"owner_won:{o['owner_id']}"] = o["won_count"]
    for m in r["forecast"]:
        expected[f"month:{m['month']}"] = m["count"]
    expected["undated"] = r["forecast_undated"]["count"]
    for figure, count in expected.items():
        listed = _get(client, admin, "metrics:drilldown", pipeline=sales.pk, figure=figure, **Q1)
        assert listed.context["total"] == count, figure
    unknown = _get(client, admin, "metrics:drilldown", pipeline=sales.pk, figure="nope", **Q1)
    assert unknown.status_code == 404
