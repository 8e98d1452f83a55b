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
from pipeline.errors import NotAllowed, RuleViolation
from pipeline.models import Activity, CalendarFeed, Goal
from pipeline.selectors.activities import WEEKLY_METRICS, week_start, weekly_targets
from pipeline.selectors.goals import goal_list_active
from pipeline.selectors.visibility import deal_can_edit, owner_ids_editable
from pipeline.services.activities import activity_create, deal_refresh_next_activity
from pipeline.services.goals import goal_check_assignee, goal_create, goal_update
from pipeline.validation import require_fits

_EDITABLE = {"type", "subject", "due_date", "due_time", "duration_minutes", "note", "owner"}


def activity_can_edit(actor: User, activity: Activity) -> bool:
    """The owner of the activity, or of its deal, or their manager, may change it."""
    owners = owner_ids_editable(actor)
    if owners is None or activity.owner_id in owners:
        return True
    return bool(activity.deal_id and deal_can_edit(actor, activity.deal))


def activity_check_edit(actor: User, activity: Activity) -> None:
    if activity_can_edit(actor, activity):
        return
    raise NotAllowed(
        _("This activity belongs to %(owner)s; you cannot change it.") % {"owner": activity.owner}
    )


def _lock(activity: Activity) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("deal", "owner")
        .get(pk=activity.pk)
    )


def _check_values(values: dict[str, object]) -> None:
    if "type" in values and values["type"] not in Activity.Type.values:
        raise RuleViolation(
            _("Unknown activity type %(type)s; choose one of: %(types)s.")
            % {"type": values["type"], "types": ", ".join(Activity.Type.values)}
        )
    duration = values.get("duration_minutes")
    if duration is not None and not (0 < int(duration) <= 24 * 60):  # type: ignore[call-overload]
        raise RuleViolation(_("The duration must be between 1 minute and 24 hours."))
    if "due_date" in values and not isinstance(values["due_date"], datetime.date):
        raise RuleViolation(_("Choose a due date."))


@transaction.atomic
def activity_update(*, activity: Activity, actor: User, changes: dict[str, object]) -> Activity:
    """Edit an activity's type, subject, date, time, duration, note or owner. Its deal,
    person and organization stay: log a new activity for something else."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise RuleViolation(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    locked = _lock(activity)
    activity_check_edit(actor, locked)
    values = dict(changes)
    _check_values(values)
    if "subject" in values:
        values["subject"] = require_fits(
            str(values["subject"] or "").strip()
            or str(Activity.Type(values.get("type", locked.type)).label),
            200,
            _("Subject"),
        )
    if "note" in values:
        values["note"] = str(values["note"] or "").strip()
    new_owner = values.get("owner")
    if new_owner is not None and new_owner != locked.owner:
        owners = owner_ids_editable(actor)
        if owners is not None and new_owner.pk not in owners:  # type: ignore[attr-defined]
            raise NotAllowed(_("You cannot give activities to %(owner)s.") % {"owner": new_owner})
    fields = {k: v for k, v in values.items() if getattr(locked, k) != v}
    if not fields:
        return locked
    fields["updated_at"] = timezone.now()
    Activity.objects.filter(pk=locked.pk).update(**fields)
    for key, value in fields.items():
        setattr(locked, key, value)
    if locked.deal_id and ({"due_date", "due_time"} & set(fields)):
        deal_refresh_next_activity(locked.deal_id)
    return locked


@transaction.atomic
def activity_finish(
    *,
    activity: Activity,
    actor: User,
    outcome: str = "",
    next_activity: dict[str, object] | None = None,
) -> tuple[Activity, Activity | None]:
    """Mark an activity done, note its outcome, and optionally schedule the next step for the
    same deal, person and organization — all or nothing (a bad next step undoes the
    completion too)."""
    locked = _lock(activity)
    activity_check_edit(actor, locked)
    now = timezone.now()
    fields: dict[str, object] = {"updated_at": now}
    if locked.done_at is None:
        fields["done_at"] = now
    outcome = (outcome or "").strip()
    if outcome:
        fields["note"] = f"{locked.note}\n{outcome}".strip() if locked.note else outcome
    Activity.objects.filter(pk=locked.pk).update(**fields)
    for key, value in fields.items():
        setattr(locked, key, value)
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
    elif locked.deal_id:
        deal_refresh_next_activity(locked.deal_id)
    return locked, created


@transaction.atomic
def activity_reopen(*, activity: Activity, actor: User) -> Activity:
    """Undo a completion: the activity is open again (and may be the deal's next step)."""
    locked = _lock(activity)
    activity_check_edit(actor, locked)
    if locked.done_at is None:
        return locked
    now = timezone.now()
    Activity.objects.filter(pk=locked.pk).update(done_at=None, updated_at=now)
    locked.done_at, locked.updated_at = None, now
    if locked.deal_id:
        deal_refresh_next_activity(locked.deal_id)
    return locked


@transaction.atomic
def activity_move(
    *,
    activity: Activity,
    actor: User,
    due_date: datetime.date,
    due_time: datetime.time | None = None,
) -> Activity:
    """Reschedule with the permission check of this module (the calendar and "My
    activities" reschedule activities that may have no deal)."""
    return activity_update(
        activity=activity, actor=actor, changes={"due_date": due_date, "due_time": due_time}
    )


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
