"""The demo's activities: what was done on each deal, and for most open deals a next step."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from pipeline.demo.run import DemoRun
from pipeline.models import Activity, Deal

if TYPE_CHECKING:
    from pipeline.demo.deals import DealStory

# The order of the keys matters: a next step's type is drawn from this list.
ACTIVITY_SUBJECTS = {
    Activity.Type.CALL: ["Discovery call", "Follow-up call", "Check-in call", "Pricing call"],
    Activity.Type.MEETING: ["Needs analysis meeting", "On-site visit", "Stakeholder meeting"],
    Activity.Type.EMAIL: ["Send proposal", "Send case study", "Send contract draft"],
    Activity.Type.DEMO: ["Product demo", "Technical deep dive"],
    Activity.Type.TASK: ["Prepare quote", "Update forecast notes", "Check references"],
}


def done_activities(run: DemoRun, story: DealStory, deal: Deal) -> list[Activity]:
    """A call; a meeting once the deal reached the third stage; a demo or an email once it
    reached the fourth. Sets the deal's `last_done_activity_at`."""
    rng = run.rng
    types = [Activity.Type.CALL]
    if story.reached >= 2:
        types.append(Activity.Type.MEETING)
    if story.reached >= 3:
        types.append(rng.choice([Activity.Type.DEMO, Activity.Type.EMAIL]))
    rows = []
    for t in types:
        when = story.created + datetime.timedelta(days=rng.random() * max(story.span * 0.8, 0.1))
        if story.closed:
            when = min(when, story.times[-1])  # nothing done after the deal closed
        local = timezone.localtime(when)
        if deal.last_done_activity_at is None or when > deal.last_done_activity_at:
            deal.last_done_activity_at = when
        run.activity_count += 1
        rows.append(
            Activity(
                id=run.activity_count,
                type=t,
                subject=rng.choice(ACTIVITY_SUBJECTS[t]),
                # Planned for when it was done (to the half hour before), so nothing
                # due later today is already done.
                due_date=local.date(),
                due_time=datetime.time(local.hour, 30 if local.minute >= 30 else 0),
                duration_minutes=30,
                done_at=when,
                deal_id=story.n,
                person_id=story.person.id,
                organization_id=story.org.id,
                owner=story.owner,
                created_at=when,
                updated_at=when,
            )
        )
    return rows


def next_step(run: DemoRun, story: DealStory, deal: Deal) -> Activity | None:
    """For four open deals in five, a planned activity due from five days ago to three weeks
    ahead. Sets the deal's `next_activity`."""
    rng = run.rng
    if story.closed or rng.random() >= 0.8:
        return None
    t = rng.choice(list(ACTIVITY_SUBJECTS))
    due = run.today + datetime.timedelta(
        days=rng.choice([-5, -2, -1, 0, 0, 1, 2, 3, 5, 7, 9, 14, 21])
    )
    # Planned a few days before it is due (not before the deal existed), never
    # "now": the timeline read "created today … due 29 Nov".
    planned = _day_start(due) - datetime.timedelta(days=rng.randint(1, 10))
    if planned > run.now:  # due soon: planned in the last few days
        planned = run.now - datetime.timedelta(hours=rng.randint(2, 72))
    planned = min(max(planned, story.created), run.now)
    run.activity_count += 1
    activity = Activity(
        id=run.activity_count,
        type=t,
        subject=rng.choice(ACTIVITY_SUBJECTS[t]),
        due_date=due,
        due_time=(
            datetime.time(rng.randint(8, 16), rng.choice([0, 30]))
            if t != Activity.Type.TASK
            else None
        ),
        duration_minutes=30 if t != Activity.Type.TASK else None,
        deal_id=story.n,
        person_id=story.person.id,
        organization_id=story.org.id,
        owner=story.owner,
        created_at=planned,
        updated_at=planned,
    )
    deal.next_activity_id = activity.id
    deal.next_activity_date = due
    return activity


def _day_start(day: datetime.date) -> datetime.datetime:
    """9:00 that day, when the working day starts."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
