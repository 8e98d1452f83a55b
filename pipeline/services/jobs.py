"""Handing background work to Celery so that a stopped Redis never breaks a request.

`job_enqueue` sends a task after the caller's transaction commits. When the broker cannot be
reached, the task is written to `PendingJob` instead and the request carries on: the user's
change is saved, and the page says the background part (a reminder, a recompute) will run
late. `jobs_dispatch_pending` sends those rows again once Redis answers; it runs every minute
from Celery beat, when a worker starts, after any later successful send, and from
`manage.py dispatch_pending_jobs`.

Only idempotent tasks go through here (re-running them gives the same rows), so a job that
reached the broker but whose row could not be deleted is harmless when sent a second time.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

from celery import Task, current_app
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from pipeline.models import PendingJob

log = logging.getLogger(__name__)

# What a send raises when Redis is down or unreachable: kombu wraps connection errors in its
# OperationalError; the Redis result backend raises redis-py's own errors; a refused or
# timed-out socket can surface as a bare OSError.
UNREACHABLE = (BrokerError, RedisError, OSError)

# A short retry: a user is waiting on the request that queues the job.
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# Jobs that could not be queued during the current request (see `jobs_collect_late`).
_late: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "stagecoach_late_jobs", default=None
)


@contextmanager
def jobs_collect_late() -> Iterator[list[str]]:
    """Collect the labels of jobs parked while the block runs (the middleware tells the user)."""
    collected: list[str] = []
    token = _late.set(collected)
    try:
        yield collected
    finally:
        _late.reset(token)


def _send(name: str, args: list, kwargs: dict, queue: str) -> None:
    # ignore_result: nobody waits on these results, and subscribing to the Redis result
    # backend at send time would fail (and poison the backend for the process) while Redis
    # is down.
    options = {"retry": True, "retry_policy": _RETRY_POLICY, "ignore_result": True}
    if queue:
        options["queue"] = queue
    current_app.send_task(name, args=args, kwargs=kwargs, **options)


def _send_or_park(name: str, args: list, kwargs: dict, queue: str, label: str) -> bool:
    try:
        _send(name, args, kwargs, queue)
    except UNREACHABLE as exc:
        log.warning("broker unreachable, job %s%s kept as pending: %s", name, tuple(args), exc)
        PendingJob.objects.create(
            task=name, args=args, kwargs=kwargs, queue=queue, last_error=str(exc)[:300]
        )
        collected = _late.get()
        if collected is not None:
            collected.append(label)
        return False
    if PendingJob.objects.exists():
        # The broker is back: earlier jobs need not wait for the next beat tick.
        jobs_dispatch_pending()
    return True


def _task(name: str) -> Task:
    if name not in current_app.tasks:
        # Celery discovers tasks modules lazily; import the one that defines this task.
        import_module(name.rsplit(".", 1)[0])
    return current_app.tasks[name]


def job_enqueue(
    task_name: str,
    *,
    label: str,
    args: list | None = None,
    kwargs: dict | None = None,
    queue: str = "",
) -> None:
    """Send the task named `task_name` once the current transaction commits (at once outside
    one); if the broker is unreachable, keep it as a `PendingJob` to be sent again later.
    `label` says what the job does, for the user ("the reminder for “Call Acme”"). Tasks are
    named, not imported, because tasks import services and not the other way."""
    args, kwargs = list(args or []), dict(kwargs or {})
    if current_app.conf.task_always_eager:
        # The embedded default (no REDIS_URL): no broker, the task runs in-process.
        transaction.on_commit(lambda: _task(task_name).apply(args=args, kwargs=kwargs))
        return
    transaction.on_commit(lambda: _send_or_park(task_name, args, kwargs, queue, str(label)))


def jobs_dispatch_pending(*, limit: int = 500) -> int:
    """Send pending jobs again, oldest first; returns how many the broker accepted. Stops at
    the first failure (the broker is still away) and leaves the rest for the next run."""
    sent = 0
    for job in list(PendingJob.objects.order_by("created_at", "id")[:limit]):
        try:
            _send(job.task, job.args, job.kwargs, job.queue)
        except UNREACHABLE as exc:
            PendingJob.objects.filter(pk=job.pk).update(
                attempts=job.attempts + 1, last_error=str(exc)[:300]
            )
            break
        # Deleted only after the broker took it: a crash in between sends it twice, which an
        # idempotent task absorbs, rather than never.
        PendingJob.objects.filter(pk=job.pk).delete()
        sent += 1
    return sent
