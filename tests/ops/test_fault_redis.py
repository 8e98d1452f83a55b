"""Redis stopped while the app runs: the board, moves and activity pages keep working; a
reminder the user's change queues waits in the outbox, the user is told it will run late once
the outage is known, and it is sent once Redis is back."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from accounts.models import User
from pipeline.models import Deal, ReminderSent
from shared.models import PendingJob
from tests.ops.servers import AppServer, app_env, browser, csrf_from, start_worker, stop_process

pytestmark = pytest.mark.celery_worker


def _wait(check, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_redis_outage_keeps_the_app_working_and_runs_jobs_late(
    shared_database_url, private_redis, static_root, session_key, make_deal, stages, rep
):
    User.objects.filter(pk=rep.pk).update(email="rita@example.com")
    deal = make_deal(title="Acme rollout")
    env = app_env(
        database_url=shared_database_url,
        redis_url=private_redis.url,
        static_root=static_root,
        # Every activity scheduled today is "after the morning run": its reminder is a job.
        STAGECOACH_REMINDER_HOUR="0",
        DB_CONN_MAX_AGE="0",
    )
    server = AppServer(env)
    worker = None
    try:
        web = browser(server.base, session_key(rep))
        board_url = f"/pipelines/{stages[0].pipeline_id}/"
        page = web.get(board_url)
        assert page.status_code == 200
        token = csrf_from(web, page)

        private_redis.stop()

        # The board and a move work without Redis.
        assert web.get(board_url).status_code == 200
        moved = web.post(
            f"/deals/{deal.pk}/move/",
            data={"stage": stages[1].pk, "version": 1},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        assert moved.status_code == 200, moved.text[:500]
        assert Deal.objects.get(pk=deal.pk).stage_id == stages[1].pk

        # Scheduling a call for today saves it and keeps its reminder in the outbox; the
        # request never talks to the broker, the web process's relay finds it away afterwards.
        today = timezone.localdate()
        added = web.post(
            "/activities/schedule/",
            data={
                "type": "call",
                "subject": "Call Acme",
                "due_date": today.isoformat(),
                "deal": deal.pk,
                "next": f"/deals/{deal.pk}/",
            },
            headers={"X-CSRFToken": token},
        )
        assert added.status_code == 302, added.text[:500]
        job = PendingJob.objects.get()
        assert job.task == "pipeline.tasks.send_activity_reminder"
        activity_id = job.args[0]
        assert _wait(lambda: PendingJob.objects.exclude(last_error="").exists(), 30)
        # Once the outage is known, the next job queued says it will go out late.
        second = web.post(
            "/activities/schedule/",
            data={
                "type": "call",
                "subject": "Call Beta",
                "due_date": today.isoformat(),
                "deal": deal.pk,
                "next": f"/deals/{deal.pk}/",
            },
            headers={"X-CSRFToken": token},
        )
        assert second.status_code == 302, second.text[:500]
        assert second.headers.get("X-Stagecoach-Late-Jobs") == "1"
        shown = web.get(second.headers["Location"])
        assert shown.status_code == 200
        assert "will go out late" in shown.text
        assert PendingJob.objects.count() == 2
        assert ReminderSent.objects.count() == 0

        # The activity pages work too.
        assert web.get("/activities/").status_code == 200
        assert web.get(f"/activities/{activity_id}/").status_code == 200
        assert web.get(f"/deals/{deal.pk}/").status_code == 200

        # Redis returns; a worker starts and sends what was kept, exactly once.
        private_redis.start()
        worker = start_worker(env, name="wt9-redis-fault")
        assert _wait(lambda: ReminderSent.objects.filter(sent_at__isnull=False).count() == 2, 60), (
            "the pending reminders were not sent after Redis came back"
        )
        assert not PendingJob.objects.exists()
        keys = set(ReminderSent.objects.values_list("key", flat=True))
        assert f"call:{activity_id}:{today.isoformat()}" in keys
        assert len(keys) == 2

        # With Redis back, a new reminder goes straight to the queue, nothing is late.
        again = web.post(
            "/activities/schedule/",
            data={
                "type": "call",
                "subject": "Call Acme again",
                "due_date": today.isoformat(),
                "deal": deal.pk,
                "next": f"/deals/{deal.pk}/",
            },
            headers={"X-CSRFToken": token},
        )
        assert again.status_code == 302
        assert "X-Stagecoach-Late-Jobs" not in again.headers
        assert _wait(lambda: ReminderSent.objects.count() == 3, 60)
        assert not PendingJob.objects.exists()
    finally:
        if worker:
            stop_process(worker)
        server.stop()
