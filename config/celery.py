"""The Celery application; tasks live in each app's tasks.py, the schedule is here."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("stagecoach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


app.conf.beat_schedule = {
    # 05:00 every day: parked deals and leads whose revisit date is today return to the board
    # and the inbox, each with a follow-up task, before reps start work.
    # Expires before the next run so a backlog never runs twice.
    "unpark-due-deals": {
        "task": "pipeline.tasks.unpark_due_deals",
        "schedule": crontab(hour=5, minute=0),
        "options": {"expires": 20 * 3600},
    },
    # 07:00 every day: reminder emails — tomorrow's meetings and demos, today's calls, one digest
    # per rep with overdue activities — after the 05:00 unpark has added its follow-ups and
    # before the working day. Each reminder is claimed once, so a second run sends nothing;
    # expires before the next morning so a stale backlog never sends yesterday's reminders.
    "send-activity-reminders": {
        "task": "pipeline.tasks.send_activity_reminders",
        "schedule": crontab(hour=settings.STAGECOACH_REMINDER_HOUR, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # 02:30 every day by default (STAGECOACH_METRICS_AT): recompute yesterday's metric
    # snapshots and stale-deal counts while nobody works, so dashboards open instantly in the
    # morning. Idempotent, so a late or repeated run only replaces the same rows; expires
    # before the next night's run so a backlog never piles up.
    "compute-nightly-metrics": {
        "task": "metrics.tasks.compute_nightly_metrics",
        "schedule": crontab(
            hour=settings.STAGECOACH_METRICS_AT.hour, minute=settings.STAGECOACH_METRICS_AT.minute
        ),
        "options": {"expires": 20 * 3600},
    },
    # 03:30 every day: delete uploaded import files a week old (imported ones are deleted at
    # once), after the nightly metrics. Idempotent; expires before the next night's run.
    "purge-import-files": {
        "task": "pipeline.tasks.purge_import_files",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 20 * 3600},
    },
    # Every minute: jobs the web app could not queue while Redis was away (a late reminder)
    # are sent again. Expires within the minute: the next tick does the same work.
    "dispatch-pending-jobs": {
        "task": "pipeline.tasks.dispatch_pending_jobs",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
}


@worker_ready.connect
def _dispatch_pending_on_start(sender, **kwargs) -> None:  # noqa: ANN001 - Celery's signature
    """A worker that (re)starts after an outage queues what the web app kept meanwhile."""
    from django.db import DatabaseError

    from shared.jobs import jobs_dispatch_pending

    try:
        jobs_dispatch_pending()
    except DatabaseError as exc:  # the worker still starts; beat retries every minute
        import logging

        logging.getLogger(__name__).warning("pending jobs not dispatched at start: %s", exc)
