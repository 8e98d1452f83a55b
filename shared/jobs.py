"""The one outbox: every background job (a Celery task) leaves the app through here.

`job_enqueue` writes a `PendingJob` row inside the caller's transaction: the job exists if and
only if the change that wants it was committed, and a request never talks to the broker, so a
stopped or unreachable Redis can neither make it wait nor fail it. After the commit, the
request only wakes this process's relay thread (`jobs_relay_soon`), which hands the rows to
Celery (`jobs_dispatch_pending`) and deletes each once the broker accepted it. While the broker
is away the rows stay; the relay retries every few seconds, every worker sends them when it
starts (`worker_ready`), beat runs the relay every minute, and `manage.py
dispatch_pending_jobs` does it by hand.

A relay claims a row (`claimed_until`, a conditional update) before sending it, so two relays
(two web processes, a worker and beat) never send the same row. The tasks queued this way are
idempotent, so a job sent twice after a crash between the send and the delete is harmless.

No other code sends tasks: `tests/ops/test_outbox_only.py` fails on any `.delay(`,
`.apply_async(` or `send_task(` outside this module.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

from celery import Task, current_app
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from shared.models import PendingJob

log = logging.getLogger(__name__)

# What a send raises when Redis is down or unreachable: kombu wraps connection errors in its
# OperationalError; the Redis result backend raises redis-py's own errors; a refused or
# timed-out socket can surface as a bare OSError.
UNREACHABLE = (BrokerError, RedisError, OSError)

# The relay is not a request; still, one short retry, then the row waits for the next round.
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# How long a relay owns a row it is sending; a relay that died mid-send frees it after this.
CLAIM_SECONDS = 120
# Seconds between the relay thread's attempts while the broker is away.
RELAY_RETRY_SECONDS = 5

# Labels of the jobs queued during the current request (see `jobs_collect_late`).
_late: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "stagecoach_late_jobs", default=None
)


@contextmanager
def jobs_collect_late() -> Iterator[list[str]]:
    """Collect the labels of jobs queued while the block runs and known to go out late
    (the last relay found the broker away); the middleware tells the user."""
    collected: list[str] = []
    token = _late.set(collected)
    try:
        yield collected
    finally:
        _late.reset(token)


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
    delay_seconds: int = 0,
) -> None:
    """Queue the task named `task_name` in the outbox, in the current transaction; it is sent
    to the broker after the commit, by the relay, never by the caller. `label` says what the
    job does, for the user ("the reminder for “Call Acme”"). Tasks are named, not imported,
    because tasks import services and not the other way. A job with `delay_seconds` (a retry
    with backoff) waits in the outbox until it is due and is sent by beat's minutely relay:
    the broker never holds a countdown longer than its visibility timeout."""
    args, kwargs = list(args or []), dict(kwargs or {})
    if current_app.conf.task_always_eager and not delay_seconds:
        # The embedded default (no REDIS_URL): no broker, the task runs in-process.
        transaction.on_commit(lambda: _task(task_name).apply(args=args, kwargs=kwargs))
        return
    not_before = (
        timezone.now() + datetime.timedelta(seconds=delay_seconds) if delay_seconds else None
    )
    PendingJob.objects.create(
        task=task_name, args=args, kwargs=kwargs, queue=queue, attempts=0, not_before=not_before
    )
    if not_before:
        return
    collected = _late.get()
    # One query, no broker: a row the relay failed to send means the queue is away right now.
    if collected is not None and PendingJob.objects.exclude(last_error="").exists():
        collected.append(str(label))
    transaction.on_commit(jobs_relay_soon)


def _send(job: PendingJob) -> None:
    if current_app.conf.task_always_eager:
        # No broker (the embedded default): a due retry runs in-process.
        _task(job.task).apply(args=job.args, kwargs=job.kwargs)
        return
    # ignore_result: nobody waits on these results, and subscribing to the Redis result
    # backend at send time would fail (and poison the backend for the process) while Redis
    # is down.
    options = {"retry": True, "retry_policy": _RETRY_POLICY, "ignore_result": True}
    if job.queue:
        options["queue"] = job.queue
    current_app.send_task(job.task, args=job.args, kwargs=job.kwargs, **options)


def _claim(job: PendingJob, now: datetime.datetime) -> bool:
    """Take the row for this relay: a compare-and-set on the claim that was read."""
    rows = PendingJob.objects.filter(pk=job.pk)
    if job.claimed_until is None:
        rows = rows.filter(claimed_until__isnull=True)
    else:
        rows = rows.filter(claimed_until=job.claimed_until)
    return rows.update(claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS)) == 1


def _dispatch(limit: int) -> tuple[int, bool]:
    """(jobs the broker accepted, whether the broker refused one)."""
    sent = 0
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    rows = PendingJob.objects.filter(free, due).order_by("created_at", "id")
    for job in list(rows[:limit]):
        if not _claim(job, now):
            continue  # another relay is sending it
        try:
            _send(job)
        except UNREACHABLE as exc:
            log.warning("broker unreachable, job %s kept in the outbox: %s", job, exc)
            PendingJob.objects.filter(pk=job.pk).update(
                claimed_until=None, attempts=F("attempts") + 1, last_error=str(exc)[:300]
            )
            return sent, True
        # Deleted only after the broker took it: a crash in between sends it twice, which an
        # idempotent task absorbs, rather than never.
        PendingJob.objects.filter(pk=job.pk).delete()
        sent += 1
    return sent, False


def jobs_dispatch_pending(*, limit: int = 500) -> int:
    """Send outbox rows, oldest first; returns how many the broker accepted. Stops at the
    first failure (the broker is away) and leaves the rest for the next run."""
    return _dispatch(limit)[0]


# --- The relay thread of a web process ---------------------------------------------------------
_wake = threading.Event()
_relay_lock = threading.Lock()
_relay_thread: threading.Thread | None = None


def jobs_relay_soon() -> None:
    """Wake this process's relay thread (started on first use); returns at once."""
    global _relay_thread
    if not settings.STAGECOACH_JOB_RELAY_THREAD:
        return  # beat and worker start-up relay instead
    with _relay_lock:
        if _relay_thread is None or not _relay_thread.is_alive():
            _relay_thread = threading.Thread(
                target=_relay_loop, name="stagecoach-job-relay", daemon=True
            )
            _relay_thread.start()
    _wake.set()


def _relay_loop() -> None:
    retry_in: float | None = None
    while True:
        _wake.wait(timeout=retry_in)
        _wake.clear()
        try:
            sent, refused = _dispatch(500)
            # Not-yet-due rows (retries with a backoff) wait for beat's minutely relay.
            retry_in = RELAY_RETRY_SECONDS if refused else None
            if sent == 500:
                _wake.set()  # more than one batch
        except DatabaseError as exc:
            log.warning("job relay could not read the outbox: %s", exc)
            retry_in = RELAY_RETRY_SECONDS
        finally:
            # The thread's own connection: never keep one open across an idle wait.
            connection.close()
