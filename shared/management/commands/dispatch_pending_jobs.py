"""Hand the outbox's due jobs (shared.models.PendingJob) to the broker now; without a broker
(no REDIS_URL) they run in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shared.jobs import jobs_dispatch_pending


class Command(BaseCommand):
    help = "Send the background jobs waiting in the outbox (after a broker outage)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = jobs_dispatch_pending()
        self.stdout.write(f"{sent} job(s) sent")
