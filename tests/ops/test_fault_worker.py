"""A Celery worker killed (SIGKILL) in the middle of the nightly unpark: the task is delivered
again and finishes with the same result as an undisturbed run — every parked deal back on the
board once, one follow-up task each, board totals right, nothing half done.

Two ways a worker dies:
- the pool process running the task is killed: the worker notices, and `reject_on_worker_lost`
  puts the message back at once;
- the whole worker is killed: the message stays unacknowledged in Redis (`acks_late`) and the
  next worker gets it after the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT, a few
  seconds here, an hour in production).
"""

from __future__ import annotations

import datetime
import os
import signal
import time
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, Deal, StageTotal
from pipeline.tasks import unpark_due_deals
from tests.ops.servers import app_env, start_worker, stop_process

pytestmark = pytest.mark.celery_worker

# Enough deals that the task runs for a few seconds: each is its own transaction with a lock,
# the unpark, a follow-up activity and the totals.
DEALS = 400
FOLLOW_UP = "Follow up: back from the future pool"


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


def _wait(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _unparked() -> int:
    return Deal.objects.filter(parked_until__isnull=True).count()


@pytest.mark.parametrize("kill", ["pool process", "whole worker"])
def test_killed_worker_task_is_redelivered_and_finishes_once(
    kill, shared_database_url, private_redis, settings, make_deal, stages, rep
):
    if not os.path.exists("/proc/self/task"):
        pytest.skip("needs /proc to find the worker's pool process")
    today = timezone.localdate()
    day = today + datetime.timedelta(days=2)
    for i in range(DEALS):
        deal = make_deal(title=f"Parked {i}")
        services.deal_park(deal=deal, until=day, expected_version=1, actor=rep)
    assert _unparked() == 0
    assert not StageTotal.objects.filter(open_count__gt=0).exists()

    env = app_env(
        database_url=shared_database_url,
        redis_url=private_redis.url,
        static_root=settings.STATIC_ROOT,
        DEBUG="1",
        DB_CONN_MAX_AGE="0",
        CELERY_VISIBILITY_TIMEOUT="4",
    )
    from config.celery import app

    app.conf.task_always_eager = False
    pool = "prefork" if kill == "pool process" else "solo"
    worker = start_worker(env, name="wt9-victim", pool=pool)
    second = None
    try:
        with app.connection_for_write(private_redis.url) as conn:
            unpark_due_deals.apply_async(
                args=[day.isoformat()], connection=conn, ignore_result=True
            )
        # Kill while the task is part-way: some deals back, most still parked.
        _wait(lambda: _unparked() >= 5, 60, "the task to start")
        progress = _unparked()
        assert progress < DEALS - 50, "the task ran too fast to be interrupted; raise DEALS"
        if kill == "pool process":
            (child,) = _children(worker.pid)
            os.kill(child, signal.SIGKILL)
        else:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            second = start_worker(env, name="wt9-heir", pool="solo")
        stopped_at = _unparked()
        assert stopped_at < DEALS
        _wait(lambda: _unparked() == DEALS, 120, "the re-delivered task to finish")
        # Let a (wrong) second delivery show itself before counting.
        time.sleep(6)
    finally:
        for proc in (worker, second):
            if proc is not None:
                stop_process(proc)

    # The same end state as one undisturbed run, worked out by hand: DEALS deals back on the
    # board, each created (v1), parked (v2) and unparked (v3) once, with one follow-up each;
    # the first stage holds them all at 1000 EUR each.
    assert Deal.objects.filter(parked_until__isnull=True, version=3).count() == DEALS
    follow_ups = Activity.objects.filter(subject=FOLLOW_UP, due_date=day)
    assert follow_ups.count() == DEALS
    per_deal = follow_ups.values("deal_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_deal.exists(), "a deal got two follow-ups"
    totals = StageTotal.objects.filter(stage=stages[0]).aggregate(
        n=Sum("open_count"), v=Sum("open_value")
    )
    assert totals == {"n": DEALS, "v": Decimal("1000") * DEALS}
    # Delivered once more (beat firing twice), it changes nothing.
    assert unpark_due_deals.apply(args=[day.isoformat()]).get() == 0
    assert follow_ups.count() == DEALS
