"""Scheduling and completing activities, and keeping each deal's next step current."""

from __future__ import annotations

import datetime
import secrets
from typing import Any, SupportsInt, cast

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, CalendarFeed, Deal, Goal, Organization, Person
from pipeline.selectors.activities import WEEKLY_METRICS, week_start, weekly_targets
from pipeline.selectors.goals import goal_list_active
from pipeline.selectors.visibility import deal_can_edit, deal_check_edit, owner_ids_editable
from pipeline.services._common import board_touch, model_update
from pipeline.services.goals import goal_check_assignee, goal_create, goal_update
from pipeline.services.reminders import reminder_schedule_late
from pipeline.services.webhooks import webhooks_emit_for_activity
from shared.errors import NotAllowed, RuleViolation
from shared.validation import require_fits


def deal_refresh_next_activity(deal_id: int) -> None:
    """Point the deal at its earliest not-done activity (the board sorts on it) and note when
    its latest done activity happened (the "idle" stale reason reads it)."""
    nxt = (
        Activity.objects.filter(deal_id=deal_id, done_at__isnull=True)
        .order_by("due_date", "due_time", "id")
        .values("id", "due_date")
        .first()
    )
    last_done = Activity.objects.filter(deal_id=deal_id).aggregate(at=Max("done_at"))["at"]
    deal = Deal.objects.filter(pk=deal_id)
    if nxt is None:
        deal.update(next_activity=None, next_activity_date=None, last_done_activity_at=last_done)
    else:
        deal.update(
            next_activity_id=nxt["id"],
            next_activity_date=nxt["due_date"],
            last_done_activity_at=last_done,
        )
    found = Deal.objects.filter(pk=deal_id).values_list("pipeline_id", "owner_id").first()
    if found:
        board_touch(*found)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    type: str,
    subject: str,
    due_date: datetime.date,
    due_time: datetime.time | None = None,
    duration_minutes: int | None = None,
    deal: Deal | None = None,
    person: Person | None = None,
    organization: Organization | None = None,
    owner: User | None = None,
    note: str = "",
    done: bool | None = None,
) -> Activity:
    """Schedule an activity, or log one that happened (a date in the past is marked done)."""
    if type not in Activity.Type.values:
        raise RuleViolation(
            _("Unknown activity type %(type)s; choose one of: %(types)s.")
            % {"type": type, "types": ", ".join(Activity.Type.values)}
        )
    subject = (subject or "").strip() or str(Activity.Type(type).label)
    if deal is None and person is None and organization is None:
        raise RuleViolation(_("An activity must belong to a deal, a person or an organization."))
    if duration_minutes is not None and not (0 < duration_minutes <= 24 * 60):
        raise RuleViolation(_("The duration must be between 1 minute and 24 hours."))
    if deal is not None:
        deal_check_edit(actor, deal)
    if owner is not None and owner.pk != actor.pk:
        editable = owner_ids_editable(actor)
        if editable is not None and owner.pk not in editable:
            raise NotAllowed(_("You cannot schedule activities for %(owner)s.") % {"owner": owner})
    now = timezone.now()
    if done is None:
        done = due_date < timezone.localdate()
    activity = Activity.objects.create(
        type=type,
        subject=require_fits(subject, 200, _("Subject")),
        due_date=due_date,
        due_time=due_time,
        duration_minutes=duration_minutes,
        deal=deal,
        person=person or (deal.person if deal else None),
        organization=organization or (deal.organization if deal else None),
        owner=owner or actor,
        note=note,
        done_at=now if done else None,
        created_at=now,
        updated_at=now,
    )
    if deal is not None:
        deal_refresh_next_activity(deal.pk)
    reminder_schedule_late(activity=activity)
    # Webhooks (sent after commit).
    webhooks_emit_for_activity(activity=activity, event="activity.created")
    if done:
        webhooks_emit_for_activity(activity=activity, event="activity.done")
    return activity


_EDITABLE = {"type", "subject", "due_date", "due_time", "duration_minutes", "note", "owner"}


def activity_can_edit(actor: User, activity: Activity) -> bool:
    """The owner of the activity, or of its deal, or their manager, may change it."""
    owners = owner_ids_editable(actor)
    if owners is None or activity.owner_id in owners:
        return True
    return bool(
        activity.deal_id and activity.deal is not None and deal_can_edit(actor, activity.deal)
    )


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
    # The form and the API hand a whole number (or its digits); anything else fails in int().
    if duration is not None and not (0 < int(cast("SupportsInt | str", duration)) <= 24 * 60):
        raise RuleViolation(_("The duration must be between 1 minute and 24 hours."))
    if "due_date" in values and not isinstance(values["due_date"], datetime.date):
        raise RuleViolation(_("Choose a due date."))


@transaction.atomic
def activity_update(*, activity: Activity, actor: User, changes: dict[str, object]) -> Activity:
    """Edit an activity's type, subject, date, time, duration, note or owner, and/or mark it
    done or not done (`done`, the API's PATCH): the one door for changing an activity, used
    by the pages, the API and `activity_reschedule`. Its deal, person and organization stay:
    log a new activity for something else."""
    unknown = set(changes) - _EDITABLE - {"done"}
    if unknown:
        raise RuleViolation(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    locked = _lock(activity)
    activity_check_edit(actor, locked)
    values = dict(changes)
    done = values.pop("done", None)
    _check_values(values)
    if "subject" in values:
        values["subject"] = require_fits(
            str(values["subject"] or "").strip()
            or str(Activity.Type(str(values.get("type", locked.type))).label),
            200,
            _("Subject"),
        )
    if "note" in values:
        values["note"] = str(values["note"] or "").strip()
    new_owner = values.get("owner")
    if new_owner is not None and new_owner != locked.owner:
        owners = owner_ids_editable(actor)
        # The form's and the API's owner field hand a User (or None, handled above).
        if owners is not None and cast(User, new_owner).pk not in owners:
            raise NotAllowed(_("You cannot give activities to %(owner)s.") % {"owner": new_owner})
    fields = model_update(locked, values, updated_at=timezone.now())
    if {"due_date", "due_time"} & set(fields):
        if locked.deal_id:
            deal_refresh_next_activity(locked.deal_id)
        reminder_schedule_late(activity=locked)
    if done is not None:
        locked = activity_complete(activity=locked, actor=actor, done=bool(done))
    return locked


@transaction.atomic
def activity_complete(
    *, activity: Activity, actor: User, done: bool = True, outcome: str = ""
) -> Activity:
    """Mark an activity done (or not done again), optionally noting its outcome: the one way
    to complete or reopen an activity (pages, htmx, API, `activity_finish`).

    Lock, re-check, write narrowly: the row is reloaded under `select_for_update()` and
    written only if its done state is still the one read under the lock (0 rows means a
    concurrent writer won, which is what protects SQLite). Already in the asked state, with
    no outcome to note, it writes nothing and sends no webhook.
    """
    locked = _lock(activity)
    activity_check_edit(actor, locked)
    was_done = locked.done_at is not None
    outcome = (outcome or "").strip()
    if was_done == done and not outcome:
        return locked
    now = timezone.now()
    fields: dict[str, object] = {"updated_at": now}
    if was_done != done:
        fields["done_at"] = now if done else None
    if outcome:
        fields["note"] = f"{locked.note}\n{outcome}".strip() if locked.note else outcome
    updated = Activity.objects.filter(pk=locked.pk, done_at__isnull=not was_done).update(**fields)
    if updated != 1:  # a concurrent writer won (SQLite has no row locks)
        raise RuleViolation(_("This activity changed while you saved it; try again."))
    for key, value in fields.items():
        setattr(locked, key, value)
    if locked.deal_id:
        deal_refresh_next_activity(locked.deal_id)
    if done and not was_done:
        webhooks_emit_for_activity(activity=locked, event="activity.done")
    return locked


def activity_reschedule(
    *,
    activity: Activity,
    actor: User,
    due_date: datetime.date,
    due_time: datetime.time | None = None,
) -> Activity:
    """Move an activity to another day and time (the calendar, "My activities", the API):
    `activity_update` with the new date, so the same lock and permission check apply."""
    return activity_update(
        activity=activity, actor=actor, changes={"due_date": due_date, "due_time": due_time}
    )


def activity_finish(
    *,
    activity: Activity,
    actor: User,
    outcome: str = "",
    next_activity: dict[str, Any] | None = None,
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
                due_date=next_activity["due_date"],
                due_time=next_activity.get("due_time"),
                duration_minutes=next_activity.get("duration_minutes"),
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
