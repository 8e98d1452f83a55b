"""Scheduling and completing activities, and keeping each deal's next step current."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.errors import NotAllowed, RuleViolation
from pipeline.models import Activity, Deal, Organization, Person
from pipeline.selectors.visibility import deal_check_edit, owner_ids_editable
from pipeline.services._common import board_touch
from pipeline.services.reminders import reminder_schedule_late
from pipeline.services.webhooks import webhooks_emit_for_activity
from pipeline.validation import require_fits


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
    # Issue 8: webhooks (sent after commit).
    webhooks_emit_for_activity(activity=activity, event="activity.created")
    if done:
        webhooks_emit_for_activity(activity=activity, event="activity.done")
    return activity


@transaction.atomic
def activity_complete(*, activity: Activity, actor: User, done: bool = True) -> Activity:
    """Mark an activity done (or not done again)."""
    if activity.deal_id:
        deal_check_edit(actor, activity.deal)
    now = timezone.now()
    activity.done_at = now if done else None
    activity.updated_at = now
    Activity.objects.filter(pk=activity.pk).update(done_at=activity.done_at, updated_at=now)
    if activity.deal_id:
        deal_refresh_next_activity(activity.deal_id)
    if done:
        webhooks_emit_for_activity(activity=activity, event="activity.done")  # issue 8
    return activity


@transaction.atomic
def activity_reschedule(
    *,
    activity: Activity,
    actor: User,
    due_date: datetime.date,
    due_time: datetime.time | None = None,
) -> Activity:
    if activity.deal_id:
        deal_check_edit(actor, activity.deal)
    now = timezone.now()
    Activity.objects.filter(pk=activity.pk).update(
        due_date=due_date, due_time=due_time, updated_at=now
    )
    activity.due_date, activity.due_time, activity.updated_at = due_date, due_time, now
    if activity.deal_id:
        deal_refresh_next_activity(activity.deal_id)
    reminder_schedule_late(activity=activity)
    return activity
