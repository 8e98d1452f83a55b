"""Demo goals for `seed_demo` (called with one line from there): deterministic, sized to the
number of seeded deals so the dashboard shows a realistic quota and gap."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Team, User
from metrics.models import Goal
from pipeline.models import Pipeline, Stage


def seed_goals(*, deals: int) -> None:
    pipeline = Pipeline.objects.order_by("position", "id").first()
    if pipeline is None or deals == 0:
        return
    start = timezone.localdate().replace(month=1, day=1) - datetime.timedelta(days=365)
    # About what the demo team wins a month, plus 15 %: a stretch, not a fantasy.
    company = Decimal(max(50_000, round(deals * 1_250, -4)))
    reps = list(User.objects.filter(role=User.Role.REP).order_by("pk"))
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
    team = Team.objects.order_by("pk").first()
    proposal = Stage.objects.filter(pipeline=pipeline, is_moment_of_truth=True).first()
    if team is not None and proposal is not None:
        goals.append(
            Goal(
                kind=Goal.Kind.DEALS_PROGRESSED,
                interval=Goal.Interval.MONTH,
                team=team,
                pipeline=pipeline,
                stage=proposal,
                target=Decimal(max(5, deals // 30)),
                starts_on=start,
            )
        )
    goals.append(
        Goal(
            kind=Goal.Kind.ACTIVITIES_DONE,
            interval=Goal.Interval.WEEK,
            activity_type="call",
            target=Decimal(max(10, deals // 40)),
            starts_on=start,
        )
    )
    Goal.objects.bulk_create(goals)
