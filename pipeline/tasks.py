"""Celery tasks: thin wrappers that take explicit dates and call a service."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from pipeline import services
from pipeline.services.leads import lead_unpark_due
from pipeline.services.reminders import reminder_send_for_activity, reminders_send_due
from shared.jobs import jobs_dispatch_pending


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def unpark_due_deals(day: str | None = None) -> int:
    """Bring parked deals and leads whose revisit date has come back to the board and the
    inbox, each with a follow-up task for its owner; returns how many came back. Idempotent:
    one already back is not touched again, so a re-delivered task is harmless."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return services.deal_unpark_due(today=today) + lead_unpark_due(today=today)


# The claim row is committed before each email leaves, so a re-delivered task (acks_late after
# a worker died) skips what was already claimed: reminders go out at most once.
@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=900, soft_time_limit=840)
def send_activity_reminders(day: str | None = None) -> int:
    """Morning reminders for `day`: tomorrow's meetings and demos, today's calls, and one
    digest per rep with overdue activities. Returns how many were claimed by this run."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return reminders_send_due(today=today)


# --- Late reminders and the outbox ---------------------------------------------------------


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    time_limit=60,
    soft_time_limit=50,
)
def send_activity_reminder(activity_id: int, day: str) -> int:
    """The reminder of one activity scheduled after the morning run (claimed at most once,
    with the same key the morning run uses)."""
    return reminder_send_for_activity(
        activity_id=activity_id, today=datetime.date.fromisoformat(day)
    )


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=100)
def dispatch_pending_jobs() -> int:
    """Queue again the jobs the web app kept while Redis was away (see shared/jobs.py)."""
    return jobs_dispatch_pending()


# --- Imports and webhooks -------------------------------------------------------------------
# Imports are idempotent (a job runs only from its queued status, and re-applying a file adds
# no duplicates), so a task re-delivered after a worker crash is harmless.
@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def check_import(job_id: int) -> str:
    from pipeline.services.imports.jobs import import_job_run_check

    return import_job_run_check(job_id=job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=1800, soft_time_limit=1700)
def apply_import(job_id: int) -> str:
    from pipeline.services.imports.jobs import import_job_run_apply

    return import_job_run_apply(job_id=job_id)


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=540)
def purge_import_files(now: str | None = None) -> int:
    """Delete uploaded import files past their retention (services/imports/jobs.py)."""
    from pipeline.services.imports.files import import_files_purge

    when = datetime.datetime.fromisoformat(now) if now else timezone.now()
    return import_files_purge(now=when)


@shared_task(acks_late=True, time_limit=60, soft_time_limit=45)
def deliver_webhook(delivery_id: int) -> str:
    """One signed POST; on failure, try again later with exponential backoff (the delivery
    row counts attempts and gives up after MAX_ATTEMPTS). A delivered row is never re-sent.
    The retry is an outbox row due after the backoff, like every other job."""
    from pipeline.services.webhooks import webhook_deliver, webhook_retry_later

    delay = webhook_deliver(delivery_id=delivery_id)
    if delay is not None:
        webhook_retry_later(delivery_id=delivery_id, delay_seconds=delay)
        return "retry"
    return "done"
