"""A Celery worker killed (SIGKILL) in the middle of a large CSV import: the task is delivered
again and finishes with the same result as an undisturbed run — every row imported once, no
duplicate deals, no half import, the job shown done.

The import writes every row in one transaction and marks the job done in that same
transaction (pipeline/services/imports/jobs.py), so a worker that dies part-way leaves
nothing behind and the job still "applying"; the task is `acks_late` with
`reject_on_worker_lost`, so the message goes back to the queue (at once when the pool process
dies, after the broker's visibility timeout — a few seconds here — when the whole worker does).
"""

from __future__ import annotations

import os
import signal
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Sum

from pipeline.models import Deal, ImportJob, StageChange, StageTotal
from pipeline.services.imports import ImportOptions
from pipeline.services.imports.jobs import (
    _progress_key,
    import_job_configure,
    import_job_create,
)
from pipeline.tasks import apply_import
from shared.cache import ResilientRedisCache
from tests.ops.servers import app_env, start_worker, stop_process

pytestmark = pytest.mark.celery_worker

# Enough rows that the apply step takes a while after its first batch of 2,000 is written
# (inside the still-open transaction) and reported as progress: that is when we kill.
ROWS = 12_000
VALUE = 25


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def _wait(check, timeout: float, what: str, step: float = 0.01) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _csv() -> bytes:
    lines = ["title,value,stage,external_id"]
    lines += [f"Imported {i},{VALUE},Lead in,crash-{i}" for i in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def _status(job: ImportJob) -> str:
    return ImportJob.objects.values_list("status", flat=True).get(pk=job.pk)


@pytest.mark.parametrize("kill", ["pool process", "whole worker"])
def test_killed_worker_import_is_redelivered_and_applied_once(
    kill,
    shared_database_url,
    private_redis,
    settings,
    admin,
    pipeline,
    stages,
):
    if not os.path.exists("/proc/self/task"):
        pytest.skip("needs /proc to find the worker's pool process")
    job = import_job_create(
        actor=admin, kind="deals", upload=SimpleUploadedFile("big.csv", _csv(), "text/csv")
    )
    try:
        # The check runs in this process (tasks are eager in tests), as the UI would start it.
        mapping = {f: f for f in ("title", "value", "stage", "external_id")}
        import_job_configure(
            job=job, actor=admin, mapping=mapping, options=ImportOptions(pipeline="Sales")
        )
        assert _status(job) == ImportJob.Status.CHECKED
        # What import_job_start_apply leaves (its task would go to this process's broker,
        # not to the private one the worker reads; the test sends the same task there).
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)

        env = app_env(
            database_url=shared_database_url,
            redis_url=private_redis.url,
            static_root=settings.STATIC_ROOT,
            DEBUG="1",
            DB_CONN_MAX_AGE="0",
            CELERY_VISIBILITY_TIMEOUT="4",
            # The import's progress goes to the cache: Redis here, so this test can read it.
            USE_REDIS_CACHE="1",
        )
        progress = ResilientRedisCache(private_redis.url, {})
        from config.celery import app

        app.conf.task_always_eager = False
        pool = "prefork" if kill == "pool process" else "solo"
        worker = start_worker(env, name="wt9-import-victim", pool=pool)
        second = None
        try:
            with app.connection_for_write(private_redis.url) as conn:
                apply_import.apply_async(args=[job.pk], connection=conn, ignore_result=True)

            # Kill once the first batch of rows is written inside the open transaction.
            def importing() -> bool:
                seen = progress.get(_progress_key(job.pk)) or {}
                return seen.get("phase") == "importing"

            _wait(importing, 180, "the import to start writing rows")
            if kill == "pool process":
                (child,) = _children(worker.pid)
                os.kill(child, signal.SIGKILL)
            else:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait()
            # Killed mid-way: the open transaction died with the process, nothing is left.
            assert _status(job) == ImportJob.Status.APPLYING, (
                "the import finished before the kill; raise ROWS"
            )
            assert Deal.objects.count() == 0, "a half import is visible"
            if kill == "whole worker":
                second = start_worker(env, name="wt9-import-heir", pool="solo")
            _wait(lambda: _status(job) != ImportJob.Status.APPLYING, 300, "the re-delivery", 0.2)
            # Let a (wrong) second delivery show itself before counting.
            time.sleep(6)
        finally:
            for proc in (worker, second):
                if proc is not None:
                    stop_process(proc)

        # What one undisturbed run gives, worked out by hand: ROWS open deals in "Lead in",
        # each once (by its external id), each with one history row and version 1; the
        # column holds ROWS × 25 EUR; the job is done and says it created ROWS deals.
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE
        assert job.report["created"]["deals"] == ROWS
        assert Deal.objects.count() == ROWS
        repeated = Deal.objects.values("external_id").annotate(n=Count("id")).filter(n__gt=1)
        assert not repeated.exists(), "a row was imported twice"
        assert Deal.objects.filter(stage=stages[0], status="open", version=1).count() == ROWS
        assert StageChange.objects.count() == ROWS
        totals = StageTotal.objects.filter(stage=stages[0]).aggregate(
            n=Sum("open_count"), v=Sum("open_value")
        )
        assert totals == {"n": ROWS, "v": Decimal(VALUE) * ROWS}
        # Delivered once more (a late duplicate message), it changes nothing.
        assert apply_import.apply(args=[job.pk]).get() == ImportJob.Status.DONE
        assert Deal.objects.count() == ROWS
    finally:
        job.file.delete(save=False)
