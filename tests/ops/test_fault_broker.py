"""The broker (Redis) unreachable while users work: moves, wins and losses with a webhook
subscribed, and an import started, answer at once without a 5xx; every job waits in the
outbox (PendingJob) and runs exactly once after the broker is back."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from accounts.models import User
from pipeline.models import Deal, ImportJob, Webhook, WebhookDelivery
from pipeline.services.webhooks import webhook_save
from shared.models import PendingJob
from tests.ops.servers import (
    AppServer,
    SmtpSink,
    app_env,
    browser,
    csrf_from,
    start_worker,
    stop_process,
)

pytestmark = pytest.mark.celery_worker


def _wait(check, timeout: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def smtp():
    sink = SmtpSink()
    yield sink
    sink.stop()


def test_broker_outage_loses_no_job_and_runs_each_once(
    smtp,
    shared_database_url,
    private_redis,
    static_root,
    session_key,
    receiver,
    make_deal,
    stages,
    rep,
    admin,
    lost_reason,
):
    webhook_save(
        actor=admin,
        url=receiver.url,
        events=[Webhook.Event.DEAL_MOVED, Webhook.Event.DEAL_WON, Webhook.Event.DEAL_LOST],
    )
    moved, won, lost = (make_deal(title=t) for t in ("Moved", "Won", "Lost"))
    env = app_env(
        database_url=shared_database_url,
        redis_url=private_redis.url,
        static_root=static_root,
        DB_CONN_MAX_AGE="0",
        # Mail goes to a real SMTP server on a loopback port (the worker sends it).
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
    )
    server = AppServer(env)
    worker = None
    try:
        web = browser(server.base, session_key(rep))
        page = web.get(f"/pipelines/{stages[0].pipeline_id}/")
        assert page.status_code == 200
        token = csrf_from(web, page)
        htmx = {"HX-Request": "true", "X-CSRFToken": token}

        private_redis.stop()  # the broker URL now points at a closed port

        answers = [
            web.post(
                f"/deals/{moved.pk}/move/", data={"stage": stages[1].pk, "version": 1}, headers=htmx
            ),
            web.post(f"/deals/{won.pk}/win/", data={"version": 1}, headers=htmx),
            web.post(
                f"/deals/{lost.pk}/lose/",
                data={"version": 1, "reason": lost_reason.pk},
                headers=htmx,
            ),
        ]
        assert [a.status_code for a in answers] == [200, 200, 200], answers[-1].text[:500]
        statuses = dict(Deal.objects.values_list("title", "status"))
        assert statuses == {"Moved": "open", "Won": "won", "Lost": "lost"}

        # An import started now: the upload and the mapping answer, the job waits checking.
        upload = web.post(
            "/imports/",
            data={"kind": "deals", "csrfmiddlewaretoken": token},
            files={"file": ("d.csv", b"title,value\nImported,10\n", "text/csv")},
        )
        assert upload.status_code == 302, upload.text[:500]
        job = ImportJob.objects.get()
        configured = web.post(
            f"/imports/{job.pk}/",
            data={
                "col_title": "title",
                "col_value": "value",
                "number_format": "point",
                "csrfmiddlewaretoken": token,
            },
        )
        assert configured.status_code == 302, configured.text[:500]
        job.refresh_from_db()
        assert job.status == ImportJob.Status.CHECKING

        # An admin invites a colleague: the account is created, the email waits.
        other = Client()
        other.force_login(admin)
        boss = browser(server.base, other.cookies["sessionid"].value)
        users = boss.get("/accounts/users/")
        assert users.status_code == 200
        invited = boss.post(
            "/accounts/users/",
            data={
                "email": "nina@example.com",
                "role": "rep",
                "csrfmiddlewaretoken": csrf_from(boss, users),
            },
        )
        assert invited.status_code == 302, invited.text[:500]
        assert User.objects.filter(email="nina@example.com").exists()

        # A wrong password (the throttle's cache is the same Redis): refused, no 5xx.
        anonymous = browser(server.base, "")
        anonymous.cookies.delete("sessionid")
        login = anonymous.get("/accounts/login/")
        wrong = anonymous.post(
            "/accounts/login/",
            data={
                "username": rep.username,
                "password": "wrong",
                "csrfmiddlewaretoken": csrf_from(anonymous, login),
            },
        )
        assert wrong.status_code == 200
        assert "correct username and password" in wrong.text

        # Everything waits in the outbox; nothing was sent.
        deliveries = list(WebhookDelivery.objects.order_by("pk"))
        assert [d.event for d in deliveries] == ["deal.moved", "deal.won", "deal.lost"]
        assert sorted(PendingJob.objects.values_list("task", flat=True)) == [
            "accounts.tasks.send_invitation",
            "pipeline.tasks.check_import",
            *["pipeline.tasks.deliver_webhook"] * 3,
        ]
        # The web process's relay tried (after the responses) and found the broker away.
        assert _wait(lambda: PendingJob.objects.exclude(last_error="").exists(), 30)
        assert receiver.requests == []

        # A request made now, knowing the queue is away, says the job will run late.
        late = web.post(
            f"/deals/{moved.pk}/move/", data={"stage": stages[2].pk, "version": 2}, headers=htmx
        )
        assert late.status_code == 200
        assert late.headers.get("X-Stagecoach-Late-Jobs") == "1"

        # The broker returns; a worker starts. Each job runs once.
        private_redis.start()
        worker = start_worker(env, name="h1-broker-fault")
        assert _wait(
            lambda: (
                not WebhookDelivery.objects.exclude(status="succeeded").exists()
                and not PendingJob.objects.exists()
            ),
            90,
        ), list(WebhookDelivery.objects.values_list("status", "error"))
        assert _wait(
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CHECKED, 60
        )
        assert _wait(lambda: smtp.messages, 30), "the invitation was not sent"
        time.sleep(3)  # room for a duplicate to show up
        sent = sorted(json.loads(body)["id"] for _h, body in receiver.requests)
        assert sent == sorted(WebhookDelivery.objects.values_list("pk", flat=True))
        assert len(sent) == 4
        assert not PendingJob.objects.exists()
        job.refresh_from_db()
        assert job.report["to_create"] == 1
        assert len(smtp.messages) == 1 and "To: nina@example.com" in smtp.messages[0]
    finally:
        if worker:
            stop_process(worker)
        server.stop()
