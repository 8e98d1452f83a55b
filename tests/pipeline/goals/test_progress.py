"""Goal progress on the March 2026 history (see conftest): every kind, person / team /
company, week / month / quarter, with the figures worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from pipeline.models import Goal
from pipeline.selectors.goals import goal_progress_list, interval_bounds
from tests.pipeline.goals.conftest import DAY

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 1, 1)


def goal(kind, interval, target, **kw):  # noqa: ANN001, ANN003, ANN201
    return Goal.objects.create(
        kind=kind, interval=interval, target=Decimal(target), starts_on=START, **kw
    )


@pytest.mark.parametrize(
    ("interval", "day", "bounds"),
    [
        ("week", "2026-03-13", ("2026-03-09", "2026-03-15")),  # Friday → Monday … Sunday
        ("week", "2026-03-09", ("2026-03-09", "2026-03-15")),  # a Monday is its own start
        ("month", "2026-02-14", ("2026-02-01", "2026-02-28")),
        ("quarter", "2026-03-13", ("2026-01-01", "2026-03-31")),
        ("quarter", "2026-11-30", ("2026-10-01", "2026-12-31")),
    ],
)
def test_interval_bounds(interval, day, bounds):
    got = interval_bounds(interval, datetime.date.fromisoformat(day))
    assert got == tuple(datetime.date.fromisoformat(b) for b in bounds)


def test_every_kind_by_hand(
    march, usd_rate, stages, other_pipeline, rep, teammate, outsider, team_a,
    django_assert_max_num_queries,
):  # fmt: skip
    proposal = stages[2]
    goals = [
        # March, rita's wins: A 1000 EUR + B 500 USD × 0.90 = 450 → 1450 of 2000.
        goal("revenue", "month", "2000", owner=rep),
        # Q1, everyone's wins: A 1000 + B 450 + D 4000 = 5450 of 10000.
        goal("revenue", "quarter", "10000"),
        # March, team A's wins: A and B (D is olga's, team B) → 2 of 4.
        goal("deals_won", "month", "4", team=team_a),
        # Only deals of the other pipeline: none won → 0.
        goal("deals_won", "month", "4", pipeline=other_pipeline),
        # March, deals rita created: B (03-02) and E (03-16); A was created in February → 2.
        goal("deals_started", "month", "4", owner=rep),
        # Week 03-09…03-15, team A into Proposal: A (03-10), C (03-11 and again 03-13: once).
        # A's win on 03-12 happened inside Proposal (not an entry); F entered on 03-04 → 2.
        goal("deals_progressed", "week", "5", team=team_a, stage=proposal),
        # March, everyone into Proposal: A, C, E (03-16), F (created there 03-04) → 4.
        goal("deals_progressed", "month", "10", stage=proposal),
        # Q1, olga into Proposal: D (01-20) → 1.
        goal("deals_progressed", "quarter", "2", owner=outsider, stage=proposal),
        # Week, calls rita completed: 03-10 (Anna), 03-12 (Bob); the 02-01 call is older and
        # the 03-20 one is not done → 2.
        goal("activities_done", "week", "5", owner=rep, activity_type="call"),
        # March, activities tom added, any type: email 03-03, task 03-05 → 2.
        goal("activities_added", "month", "3", owner=teammate),
        # Week, people rita talked to for the first time: Anna (call 03-10, meeting 03-11:
        # one person); Bob's first call was on 02-01; an email is not a conversation → 1.
        goal("conversations", "week", "3", owner=rep),
    ]
    # Queries: deals, rates, stage changes, activities, conversations — whatever the number
    # of goals.
    with django_assert_max_num_queries(5):
        progress = goal_progress_list(goals, day=DAY)
    got = [(p.done, p.share) for p in progress]
    assert got == [
        (Decimal("1450.00"), 0.725),
        (Decimal("5450.00"), 0.545),
        (2, 0.5),
        (0, 0.0),
        (2, 0.5),
        (2, 0.4),
        (4, 0.4),
        (1, 0.5),
        (2, 0.4),
        (2, 0.6667),
        (1, 0.3333),
    ]
    week = progress[5]
    assert (week.start, week.end) == (datetime.date(2026, 3, 9), datetime.date(2026, 3, 15))
    assert progress[5].percent == 40 and not progress[5].reached
    # The next week (03-16…03-22) counts afresh: E entered Proposal on 03-16 (team A) → 1;
    # no call done, nobody talked to → 0 and 0.
    later = goal_progress_list(goals, day=DAY + datetime.timedelta(days=7))
    assert [later[i].done for i in (5, 8, 10)] == [1, 0, 0]


def test_revenue_without_a_rate_keeps_the_other_currency_apart(march, rep):
    g = goal("revenue", "month", "2000", owner=rep)
    (p,) = goal_progress_list([g], day=DAY)
    # Only A's 1000 EUR converts; B's 500 USD has no rate and is reported apart, not summed.
    assert p.done == Decimal("1000.00")
    assert p.unconverted == [("USD", Decimal("500.00"))]


def test_a_usd_revenue_goal_converts_euros_into_dollars(march, usd_rate, rep):
    g = goal("revenue", "month", "2000", owner=rep, currency="USD")
    (p,) = goal_progress_list([g], day=DAY)
    # 500 USD + 1000 EUR ÷ 0.90 = 1111.11 USD → 1611.11 USD.
    assert p.done == Decimal("1611.11")
