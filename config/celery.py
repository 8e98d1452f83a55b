"""The Celery application; tasks live in each app's tasks.py, the schedule is here."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("stagecoach")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # 05:00 every day: parked deals whose revisit date is today return to the board before
    # reps start work. Expires before the next run so a backlog never runs twice.
    "unpark-due-deals": {
        "task": "pipeline.tasks.unpark_due_deals",
        "schedule": crontab(hour=5, minute=0),
        "options": {"expires": 20 * 3600},
    },
}
