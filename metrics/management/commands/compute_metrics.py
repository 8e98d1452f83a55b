"""Recompute the metric snapshots of a day (the same work as the nightly Celery task)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from metrics.services import snapshots_compute


class Command(BaseCommand):
    help = "Recompute the metric snapshots for a day (default: today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to compute (YYYY-MM-DD; default today).")

    def handle(self, *args: object, **opts: Any) -> None:
        day = timezone.localdate()
        if opts["date"]:
            try:
                day = datetime.date.fromisoformat(opts["date"])
            except ValueError as exc:
                raise CommandError(
                    f"{opts['date']!r} is not a date; write it as YYYY-MM-DD."
                ) from exc
        started = time.monotonic()
        rows = snapshots_compute(day=day)
        self.stdout.write(
            self.style.SUCCESS(
                f"Computed {rows} metric rows for {day} in {time.monotonic() - started:.1f} s."
            )
        )
