"""Celery tasks of the metrics app: thin wrappers that take an explicit date."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from metrics import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3300)
def compute_nightly_metrics(day: str | None = None) -> int:
    """Recompute the metric snapshots of `day` (ISO date; default yesterday, the last complete
    day, as beat runs it after midnight). Idempotent: re-running replaces that day's rows, so
    a re-delivered task (acks_late) is harmless. Returns the number of rows written."""
    date = (
        datetime.date.fromisoformat(day)
        if day
        else timezone.localdate() - datetime.timedelta(days=1)
    )
    return services.snapshots_compute(day=date)
