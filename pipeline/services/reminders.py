"""Reminder emails: the day before a meeting or demo, the morning of a call, and a morning
digest of overdue activities.

At most once, by design. Each reminder is first *claimed* by inserting a `ReminderSent` row
whose unique `key` names it; the row is committed before the email leaves
(`transaction.on_commit`), and `sent_at` is stamped after the mail backend accepted it.

- A second run (beat fired twice, a re-delivered `acks_late` task after a worker died) finds
  the row and sends nothing: a rep never gets the same reminder twice.
- If the worker dies between the commit and the SMTP hand-off, or SMTP refuses the message,
  that one reminder is lost: its row keeps `sent_at` NULL (and `error` when SMTP said why),
  so an admin can see it, but it is not retried.

We chose this over at-least-once (send first, record after) because a duplicate reminder
costs the rep's trust in every later one, while the lost one is rare and its information is
still on the "My activities" page and in the calendar feed.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from pipeline.models import Activity, ReminderSent

log = logging.getLogger(__name__)

# The longest overdue list a digest spells out; the rest is summarised as a count.
DIGEST_LIMIT = 30


def _url(path: str) -> str:
    return settings.STAGECOACH_BASE_URL.rstrip("/") + path


def _deliver(reminder_id: int, build: Callable[[], EmailMessage]) -> None:
    """After commit: hand the email to the backend and stamp `sent_at`. A refused message
    is recorded, not retried (see the module docstring)."""
    try:
        build().send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("reminder %s not sent: %s", reminder_id, exc)
        ReminderSent.objects.filter(pk=reminder_id).update(error=str(exc)[:200])
        return
    ReminderSent.objects.filter(pk=reminder_id).update(sent_at=timezone.now())


def _claim(
    *,
    key: str,
    kind: str,
    user: User,
    day: datetime.date,
    activity: Activity | None,
    build: Callable[[], EmailMessage],
) -> bool:
    """Insert the claim row and queue the email for after the commit; False if another run
    claimed this reminder already."""
    if ReminderSent.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            reminder = ReminderSent.objects.create(
                key=key, kind=kind, user=user, activity=activity, day=day
            )
            transaction.on_commit(lambda: _deliver(reminder.pk, build))
    except IntegrityError:  # a concurrent run claimed it between our check and insert
        return False
    return True


def _activity_email(activity: Activity, template: str, subject: str) -> Callable[[], EmailMessage]:
    def build() -> EmailMessage:
        body = render_to_string(
            template,
            {
                "activity": activity,
                "url": _url(reverse("pipeline:activity_detail", args=[activity.pk])),
            },
        )
        return EmailMessage(subject=subject, body=body, to=[activity.owner.email])

    return build


def _open_activities() -> QuerySet[Activity]:
    return (
        Activity.objects.filter(done_at__isnull=True, owner__is_active=True)
        .exclude(owner__email="")
        .select_related("owner", "deal", "person", "organization")
    )


def _claim_activity_reminder(activity: Activity, kind: str, today: datetime.date) -> bool:
    """Claim and queue the morning-of-a-call (CALL) or day-before-a-meeting (EVE) reminder of
    one activity. The morning run and a late one claim the same key: one email at most."""
    from django.utils.translation import gettext as _

    if kind == ReminderSent.Kind.CALL:
        subject = _("Today: call “%(subject)s”") % {"subject": activity.subject}
    else:
        subject = _("Tomorrow: %(type)s “%(subject)s”") % {
            "type": activity.get_type_display().lower(),
            "subject": activity.subject,
        }
    return _claim(
        key=f"{kind}:{activity.pk}:{activity.due_date.isoformat()}",
        kind=kind,
        user=activity.owner,
        day=today,
        activity=activity,
        build=_activity_email(activity, f"pipeline/email/reminder_{kind}.txt", subject),
    )


def reminders_send_due(*, today: datetime.date) -> int:
    """Claim and send every reminder due on the morning of `today`; returns how many were
    claimed by this run (0 on a re-run)."""
    claimed = 0
    tomorrow = today + datetime.timedelta(days=1)
    eve = _open_activities().filter(
        due_date=tomorrow, type__in=[Activity.Type.MEETING, Activity.Type.DEMO]
    )
    for activity in eve.order_by("owner_id", "due_time", "id"):
        claimed += _claim_activity_reminder(activity, ReminderSent.Kind.EVE, today)
    calls = _open_activities().filter(due_date=today, type=Activity.Type.CALL)
    for activity in calls.order_by("owner_id", "due_time", "id"):
        claimed += _claim_activity_reminder(activity, ReminderSent.Kind.CALL, today)
    overdue: dict[int, list[Activity]] = defaultdict(list)
    owners: dict[int, User] = {}
    for activity in (
        _open_activities()
        .filter(due_date__lt=today)
        .order_by("owner_id", "due_date", "due_time", "id")
    ):
        overdue[activity.owner_id].append(activity)
        owners[activity.owner_id] = activity.owner
    for owner_id, items in overdue.items():
        claimed += _claim(
            key=f"digest:{owner_id}:{today.isoformat()}",
            kind=ReminderSent.Kind.DIGEST,
            user=owners[owner_id],
            day=today,
            activity=None,
            build=_digest_email(owners[owner_id], items, today),
        )
    return claimed


def _digest_email(
    owner: User, items: list[Activity], today: datetime.date
) -> Callable[[], EmailMessage]:
    from django.utils.translation import ngettext

    def build() -> EmailMessage:
        subject = ngettext(
            "You have %(n)d overdue activity",
            "You have %(n)d overdue activities",
            len(items),
        ) % {"n": len(items)}
        body = render_to_string(
            "pipeline/email/reminder_digest.txt",
            {
                "owner": owner,
                "items": items[:DIGEST_LIMIT],
                "more": max(len(items) - DIGEST_LIMIT, 0),
                "today": today,
                "url": _url(reverse("pipeline:my_activities")),
            },
        )
        return EmailMessage(subject=subject, body=body, to=[owner.email])

    return build


# --- Reminders for activities scheduled after the morning run -------------------------------


def _late_reminder_kind(activity: Activity, today: datetime.date) -> str | None:
    """The morning reminder this activity would have had today, if any: a call today, or a
    meeting or demo tomorrow."""
    if activity.done_at is not None:
        return None
    if activity.type == Activity.Type.CALL and activity.due_date == today:
        return ReminderSent.Kind.CALL
    if activity.type in (Activity.Type.MEETING, Activity.Type.DEMO) and (
        activity.due_date == today + datetime.timedelta(days=1)
    ):
        return ReminderSent.Kind.EVE
    return None


def reminder_schedule_late(*, activity: Activity, now: datetime.datetime | None = None) -> bool:
    """An activity scheduled (or moved) after today's morning reminders went out would never
    get its reminder; queue it now instead. Returns True when a job was queued. The job claims
    the same key as the morning run, so the rep still gets it at most once."""
    from shared.jobs import job_enqueue

    local = timezone.localtime(now)
    if local.hour < settings.STAGECOACH_REMINDER_HOUR:
        return False  # the morning run is still to come and will include it
    if _late_reminder_kind(activity, local.date()) is None:
        return False
    from django.utils.translation import gettext as _

    job_enqueue(
        "pipeline.tasks.send_activity_reminder",
        label=_("The reminder email for “%(subject)s”") % {"subject": activity.subject},
        args=[activity.pk, local.date().isoformat()],
    )
    return True


def reminder_send_for_activity(*, activity_id: int, today: datetime.date) -> int:
    """Claim and send the reminder of one activity that was scheduled after the morning run;
    returns 1 if this call claimed it, 0 if it was claimed already or is no longer due."""
    activity = _open_activities().filter(pk=activity_id).first()
    if activity is None:
        return 0
    kind = _late_reminder_kind(activity, today)
    if kind is None:
        return 0
    return int(_claim_activity_reminder(activity, kind, today))
