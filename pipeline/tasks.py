"""Celery tasks: thin wrappers that take explicit dates and call a service."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from pipeline import services


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=600, soft_time_limit=540)
def unpark_due_deals(day: str | None = None) -> int:
    """Bring parked deals whose revisit date has come back to the board. Idempotent: a deal
    already back is not touched again, so a re-delivered task is harmless."""
    today = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return services.deal_unpark_due(today=today)
