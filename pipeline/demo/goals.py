"""The demo's goals: deterministic, sized to the number of seeded deals.

Revenue goals for the company and each rep (the dashboard's quota and gap), stage goals the
board marks (the team's deals into the moment of truth, the company's into the stage after
it, each rep's into the first contact stage), a company calls goal, and the weekly targets a
manager sets per rep on the planning page.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Team, User
from pipeline.models import Goal, Pipeline, Stage

# Weekly targets the first manager sets for each rep: (kind, activity type, target).
WEEKLY = [
    (Goal.Kind.CONVERSATIONS, "", 10),
    (Goal.Kind.ACTIVITIES_DONE, "call", 20),
    (Goal.Kind.ACTIVITIES_DONE, "meeting", 6),
    (Goal.Kind.ACTIVITIES_DONE, "demo", 4),
    (Goal.Kind.DEALS_STARTED, "", 5),
]


def seed_goals(*, deals: int) -> int:
    """Create the demo goals; returns how many."""
    pipeline = Pipeline.objects.order_by("position", "id").first()
    if pipeline is None or deals == 0:
        return 0
    today = timezone.localdate()
    start = today.replace(month=1, day=1) - datetime.timedelta(days=365)
    monday = today - datetime.timedelta(days=today.weekday())
    reps = list(User.objects.filter(role=User.Role.REP, is_active=True).order_by("pk"))
    manager = User.objects.filter(role=User.Role.MANAGER).order_by("pk").first()
    goals = _revenue_goals(deals=deals, reps=reps, start=start)
    goals += _stage_goals(pipeline, deals=deals, reps=reps, manager=manager, start=start)
    goals.append(
        Goal(
            kind=Goal.Kind.ACTIVITIES_DONE,
            interval=Goal.Interval.WEEK,
            activity_type="call",
            target=Decimal(max(10, deals // 40)),
            starts_on=start,
        )
    )
    if manager is not None:
        goals += [
            Goal(
                kind=kind,
                interval=Goal.Interval.WEEK,
                activity_type=activity_type,
                owner=rep,
                target=Decimal(target),
                starts_on=monday,
                set_by=manager,
            )
            for rep in reps[:6]
            for kind, activity_type, target in WEEKLY
        ]
    Goal.objects.bulk_create(goals)
    return len(goals)


def _revenue_goals(*, deals: int, reps: list[User], start: datetime.date) -> list[Goal]:
    """The company's monthly revenue goal, and each rep's equal share of it."""
    # About what the demo team wins a month, plus 15 %: a stretch, not a fantasy.
    company = Decimal(max(50_000, round(deals * 1_250, -4)))
    goals = [
        Goal(kind=Goal.Kind.REVENUE, interval=Goal.Interval.MONTH, target=company, starts_on=start)
    ]
    goals += [
        Goal(
            kind=Goal.Kind.REVENUE,
            interval=Goal.Interval.MONTH,
            owner=rep,
            target=(company / len(reps)).quantize(Decimal("1000")),
            starts_on=start,
        )
        for rep in reps
    ]
    return goals


def _stage_goals(
    pipeline: Pipeline,
    *,
    deals: int,
    reps: list[User],
    manager: User | None,
    start: datetime.date,
) -> list[Goal]:
    """Deals into a stage: the team's into the moment of truth each month, the company's into
    the stage after it each quarter, and each rep's into the second stage each month."""
    stages = list(Stage.objects.filter(pipeline=pipeline, is_active=True).order_by("position"))
    truth = next((s for s in stages if s.is_moment_of_truth), None)
    goals = []
    team = Team.objects.order_by("pk").first()
    if truth is not None:
        after = next((s for s in stages if s.position > truth.position), None)
        if team is not None:
            goals.append(
                Goal(
                    kind=Goal.Kind.DEALS_PROGRESSED,
                    interval=Goal.Interval.MONTH,
                    team=team,
                    pipeline=pipeline,
                    stage=truth,
                    target=Decimal(max(5, deals // 30)),
                    starts_on=start,
                )
            )
        if after is not None:
            goals.append(
                Goal(
                    kind=Goal.Kind.DEALS_PROGRESSED,
                    interval=Goal.Interval.QUARTER,
                    pipeline=pipeline,
                    stage=after,
                    target=Decimal(max(10, deals // 8)),
                    starts_on=start,
                )
            )
    if len(stages) > 1:
        goals += [
            Goal(
                kind=Goal.Kind.DEALS_PROGRESSED,
                interval=Goal.Interval.MONTH,
                owner=rep,
                pipeline=pipeline,
                stage=stages[1],
                target=Decimal(max(3, deals // (4 * max(len(reps), 1)))),
                starts_on=start,
                set_by=manager,
            )
            for rep in reps
        ]
    return goals
