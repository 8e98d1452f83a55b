"""Editing and completing activities, weekly goals and the private calendar feed.

Scheduling itself is `activity_create` (pipeline/services/activities.py); every service here
that touches an activity of a deal ends with `deal_refresh_next_activity`, because the board
sorts cards on the deal's denormalised next activity.
"""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.errors import RuleViolation
from pipeline.models import Activity, CalendarFeed, Goal
from pipeline.selectors.activities import WEEKLY_METRICS, week_start, weekly_targets
from pipeline.selectors.goals import goal_list_active
from pipeline.services.activities import (  # noqa: F401 - the pages import them from here
    activity_can_edit,
    activity_check_edit,
    activity_complete,
    activity_create,
    activity_reschedule,
    activity_update,
)
from pipeline.services.goals import goal_check_assignee, goal_create, goal_update


def activity_finish(
    *,
    activity: Activity,
    actor: User,
    outcome: str = "",
    next_activity: dict[str, object] | None = None,
) -> tuple[Activity, Activity | None]:
    """Mark an activity done, note its outcome, and optionally schedule the next step for the
    same deal, person and organization — all or nothing (a bad next step undoes the
    completion too). The completion is `activity_complete`, the one way to complete."""
    with transaction.atomic():
        locked = activity_complete(activity=activity, actor=actor, done=True, outcome=outcome)
        created = None
        if next_activity:
            created = activity_create(
                actor=actor,
                type=str(next_activity.get("type") or Activity.Type.CALL),
                subject=str(next_activity.get("subject") or ""),
                due_date=next_activity["due_date"],  # type: ignore[arg-type]
                due_time=next_activity.get("due_time"),  # type: ignore[arg-type]
                duration_minutes=next_activity.get("duration_minutes"),  # type: ignore[arg-type]
                note=str(next_activity.get("note") or ""),
                deal=locked.deal,
                person=locked.person,
                organization=locked.organization,
                owner=locked.owner,
                done=False,
            )
    return locked, created


def activity_reopen(*, activity: Activity, actor: User) -> Activity:
    """Undo a completion: the activity is open again (and may be the deal's next step)."""
    return activity_complete(activity=activity, actor=actor, done=False)


# The calendar and "My activities" reschedule through the one `activity_reschedule`.
activity_move = activity_reschedule


# --- Weekly goals ----------------------------------------------------------------------------


def _weekly_goals(owner: User, metric: str, today: datetime.date):  # noqa: ANN202
    """The running weekly goals behind one cell of the weekly table: the rep's own, for every
    pipeline, of the cell's kind and activity type."""
    kind, activity_type = WEEKLY_METRICS[metric]
    qs = Goal.objects.filter(
        owner=owner,
        team__isnull=True,
        pipeline__isnull=True,
        interval=Goal.Interval.WEEK,
        kind=kind,
        activity_type=activity_type,
    )
    return goal_list_active(qs, today).order_by("id")


@transaction.atomic
def activity_goal_set(
    *, actor: User, owner: User, metric: str, weekly_target: int | None
) -> Goal | None:
    """A manager sets a rep's weekly target for one metric of the weekly table (calls,
    meetings, emails, demos, tasks done; new deals; new conversations); 0 or None removes
    it. The target is an ordinary weekly `Goal`, shown on the goals page too."""
    if metric not in WEEKLY_METRICS:
        raise RuleViolation(_("Unknown goal %(metric)s.") % {"metric": metric})
    if weekly_target is not None and (weekly_target < 0 or weekly_target > 10000):
        raise RuleViolation(_("A weekly target is a number from 0 to 10000."))
    goal_check_assignee(actor, owner, None)
    today = timezone.localdate()
    current = _weekly_goals(owner, metric, today)
    if not weekly_target:
        current.delete()
        return None
    goal = current.first()
    if goal is not None:
        return goal_update(goal=goal, actor=actor, changes={"target": weekly_target})
    kind, activity_type = WEEKLY_METRICS[metric]
    return goal_create(
        actor=actor,
        kind=kind,
        interval=Goal.Interval.WEEK,
        owner=owner,
        activity_type=activity_type,
        target=weekly_target,
        starts_on=week_start(today),
    )


# --- The private calendar feed ---------------------------------------------------------------


@transaction.atomic
def calendar_feed_rotate(*, actor: User) -> CalendarFeed:
    """Create the user's secret feed address, or replace it (the old one stops working)."""
    token = secrets.token_urlsafe(32)
    feed, _created = CalendarFeed.objects.update_or_create(
        user=actor,
        defaults={"token": token, "created_at": timezone.now()},
    )
    return feed


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> None:
    CalendarFeed.objects.filter(user=actor).delete()


@transaction.atomic
def activity_goals_save(*, actor: User, targets: dict[tuple[int, str], int]) -> int:
    """Save a manager's whole weekly table at once (all or nothing); returns how many targets
    changed. Keys are (rep id, metric); 0 removes a target."""
    reps = {u.pk: u for u in User.objects.filter(pk__in={pk for pk, _m in targets})}
    current = weekly_targets(owner_ids=list(reps), today=timezone.localdate())
    changed = 0
    for (rep_id, metric), value in sorted(targets.items()):
        if rep_id not in reps:
            raise RuleViolation(_("Unknown rep."))
        if current.get((rep_id, metric), 0) == value:
            continue
        activity_goal_set(actor=actor, owner=reps[rep_id], metric=metric, weekly_target=value)
        changed += 1
    return changed
