"""The demo's deals and their stage history: about a year of them, open, won and lost.

Each deal is drawn as a story (where it got, how it ended, when each move happened), then
written as the deal row, the history rows the services would have written (one for its
entry, one per stage move, one for its win or loss) and its activities.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from pipeline.demo.activities import done_activities, next_step
from pipeline.demo.run import DemoRun
from pipeline.models import Activity, Deal, Organization, Person, Pipeline, Stage, StageChange

DEAL_WORDS = [
    "licences",
    "rollout",
    "pilot",
    "renewal",
    "expansion",
    "integration",
    "support plan",
    "training",
    "upgrade",
    "migration",
]
# Rows are inserted in batches of this many deals (with their history and activities), so a
# million deals never sit in memory at once.
FLUSH_EVERY = 5000


@dataclass
class DealStory:
    """What one demo deal went through, drawn before any row is built."""

    n: int  # the deal's id
    pipeline: Pipeline
    stages: list[Stage]
    org: Organization
    person: Person
    owner: User
    created: datetime.datetime
    value: Decimal
    reached: int  # index of the stage it got to
    outcome: str  # a Deal.Status
    span: float  # days from its entry to its last move or close
    times: list[datetime.datetime]  # one per stage move, then the close (if closed)

    @property
    def closed(self) -> bool:
        return self.outcome != Deal.Status.OPEN


def seed_deals(run: DemoRun) -> None:
    """`run.deal_count` deals with their history rows and activities."""
    deals: list[Deal] = []
    changes: list[StageChange] = []
    activities: list[Activity] = []

    def flush() -> None:
        Deal.objects.bulk_create(deals, batch_size=1000)
        StageChange.objects.bulk_create(changes, batch_size=2000)
        Activity.objects.bulk_create(activities, batch_size=2000)
        deals.clear()
        changes.clear()
        activities.clear()

    for n in range(1, run.deal_count + 1):
        story = _draw_story(run, n)
        deal = _deal_row(run, story)
        changes.extend(_history_rows(run, story, deal))
        activities.extend(done_activities(run, story, deal))
        step = next_step(run, story, deal)
        if step is not None:
            activities.append(step)
        deals.append(deal)
        if len(deals) >= FLUSH_EVERY:
            flush()
    flush()


def _draw_story(run: DemoRun, n: int) -> DealStory:
    rng = run.rng
    pipeline = run.b2b if run.open_only or rng.random() < 0.8 else run.partners
    stages = run.stages[pipeline.pk]
    org = rng.choice(run.orgs)
    people = run.org_people[org.id]
    person = people[0] if rng.random() < 0.6 else rng.choice(people)
    owner = rng.choice(run.reps)
    age_days = rng.random() ** 1.3 * 365
    created = run.now - datetime.timedelta(days=age_days, minutes=rng.randint(0, 600))
    value = Decimal(rng.choice([1, 2, 3, 5, 8, 12, 20, 35, 60])) * Decimal(rng.randint(500, 2500))
    # How far the deal got: each stage passed with a falling chance.
    reached = 0
    while reached < len(stages) - 1 and rng.random() < 0.62:
        reached += 1
    outcome = _draw_outcome(run, reached=reached, age_days=age_days)
    span = max(age_days - (1 if outcome == Deal.Status.OPEN else 0), 0.5)
    story = DealStory(
        n=n,
        pipeline=pipeline,
        stages=stages,
        org=org,
        person=person,
        owner=owner,
        created=created,
        value=value,
        reached=reached,
        outcome=outcome,
        span=span,
        times=[],
    )
    story.times = _draw_times(run, story, age_days=age_days)
    return story


def _draw_outcome(run: DemoRun, *, reached: int, age_days: float) -> str:
    """Deals of the last 25 days are open; older ones won (the further they got, the likelier),
    lost, or still open."""
    if run.open_only or age_days < 25:
        return Deal.Status.OPEN
    roll = run.rng.random()
    win_chance = 0.08 + 0.16 * reached
    if roll < win_chance:
        return Deal.Status.WON
    if roll < win_chance + 0.45:
        return Deal.Status.LOST
    return Deal.Status.OPEN


def _draw_times(run: DemoRun, story: DealStory, *, age_days: float) -> list[datetime.datetime]:
    """The time line after the entry: one time per reached stage, then the close."""
    rng = run.rng
    steps = story.reached + (1 if story.closed else 0)
    cuts = sorted(rng.random() * story.span * (0.6 if story.closed else 0.9) for _ in range(steps))
    if not story.closed and cuts:
        # Open deals mostly moved recently: a pipeline that is worked, with some rot.
        last = max(age_days - min(rng.expovariate(1 / 7), age_days), cuts[-1])
        cuts = [c * last / cuts[-1] if cuts[-1] else c for c in cuts]
    # Never after now: `created` falls at a random hour, so created + age can be later
    # today, and a history row dated in the future would outrank the next real move.
    times = [min(story.created + datetime.timedelta(days=c), run.now) for c in cuts]
    if story.closed:
        times[-1] = _close_time(
            run,
            story.outcome,
            drawn=times[-1],
            after=times[-2] if len(times) > 1 else story.created,
        )
    return times


def _close_time(
    run: DemoRun, outcome: str, *, drawn: datetime.datetime, after: datetime.datetime
) -> datetime.datetime:
    """When a closed deal closed. The first few wins close today and about one closed deal
    in eight in the last ten days, so "won this month" and the recent weeks are not empty
    on a first look; the rest as their history drew it (at least ten days ago)."""
    rng = run.rng
    local_now = timezone.localtime(run.now)
    today_minutes = local_now.hour * 60 + local_now.minute
    if outcome == Deal.Status.WON and run.wins_today < 3:
        run.wins_today += 1
        when = run.now - datetime.timedelta(minutes=rng.randint(0, today_minutes))
    elif rng.random() < 0.12:
        when = run.now - datetime.timedelta(days=rng.random() * 10)
    else:
        return drawn
    return max(after, when)


def _deal_row(run: DemoRun, story: DealStory) -> Deal:
    rng = run.rng
    times, reached = story.times, story.reached
    return Deal(
        id=story.n,
        title=f"{story.org.name} – {rng.choice(DEAL_WORDS)}",
        value=story.value,
        currency=settings.DEFAULT_CURRENCY,
        pipeline=story.pipeline,
        stage=story.stages[reached],
        owner=story.owner,
        organization_id=story.org.id,
        person_id=story.person.id,
        status=story.outcome,
        expected_close_date=(
            (story.created + datetime.timedelta(days=rng.randint(30, 120))).date()
            if rng.random() < 0.85
            else None
        ),
        created_at=story.created,
        updated_at=times[-1] if times else story.created,
        updated_by=story.owner,
        stage_entered_at=times[reached - 1] if reached else story.created,
        closed_at=times[-1] if story.closed else None,
        lost_reason=rng.choice(run.lost_reasons) if story.outcome == Deal.Status.LOST else None,
        # One version per write the services would have made: the entry, each move, the close.
        version=1 + len(times),
    )


def _history_rows(run: DemoRun, story: DealStory, deal: Deal) -> list[StageChange]:
    """The rows the services write: the entry (every eleventh deal came from an import), one
    per stage move on the board, and the win or loss."""
    stages, times, reached = story.stages, story.times, story.reached

    def row(**fields: object) -> StageChange:
        run.change_count += 1
        return StageChange(
            id=run.change_count,
            deal_id=story.n,
            pipeline=story.pipeline,
            user=story.owner,
            **fields,
        )

    rows = [
        row(
            from_stage=None,
            to_stage=stages[0],
            from_status="",
            to_status=Deal.Status.OPEN,
            timestamp=story.created,
            source=StageChange.Source.IMPORT if story.n % 11 == 0 else StageChange.Source.FORM,
        )
    ]
    rows += [
        row(
            from_stage=stages[i - 1],
            to_stage=stages[i],
            from_status=Deal.Status.OPEN,
            to_status=Deal.Status.OPEN,
            timestamp=times[i - 1],
            stay_started_at=times[i - 2] if i > 1 else story.created,
            source=StageChange.Source.BOARD,
        )
        for i in range(1, reached + 1)
    ]
    if story.closed:
        rows.append(
            row(
                from_stage=stages[reached],
                to_stage=stages[reached],
                from_status=Deal.Status.OPEN,
                to_status=story.outcome,
                timestamp=times[-1],
                stay_started_at=times[reached - 1] if reached else story.created,
                source=StageChange.Source.BOARD,
                lost_reason=deal.lost_reason,
            )
        )
    return rows
