"""Every background job leaves through the one outbox (pipeline/services/jobs.py): no other
code in the app sends a Celery task, so no request can wait on the broker or lose a job."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("accounts", "config", "metrics", "pipeline")
# Calls that hand a message to the broker: task.delay(), task.apply_async(), app.send_task(),
# a task's self.retry() (which re-publishes), and signatures' delay/apply_async.
# Canvas primitives (chain, group, chord) count as bare calls only: `match.group()` is a regex.
SENDING = {"delay", "apply_async", "send_task", "retry", "signature", "s", "si"}
CANVAS = {"chain", "group", "chord", "signature"}
THE_OUTBOX = Path("shared/jobs.py")


def _sending_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                sending = func.attr in SENDING
                name = func.attr
            else:
                name = getattr(func, "id", "")
                sending = name in SENDING | CANVAS
            if sending:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}()")
        elif isinstance(node, ast.ImportFrom) and node.module == "celery":
            for alias in node.names:
                if alias.name in CANVAS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import {alias.name}")
    return found


def test_no_task_is_sent_outside_the_outbox():
    files = [
        path
        for top in APP_DIRS
        for path in sorted((ROOT / top).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert len(files) > 50, "the walk found too few modules to mean anything"
    offenders = [
        call
        for path in files
        if path.relative_to(ROOT) != THE_OUTBOX
        for call in _sending_calls(path)
    ]
    assert offenders == [], (
        "Queue background work with shared.jobs.job_enqueue (the outbox), "
        "never directly: " + "; ".join(offenders)
    )


def test_the_outbox_is_the_only_sender():
    # The relay is the one place that hands tasks to the broker.
    assert [c.split(": ")[1] for c in _sending_calls(ROOT / THE_OUTBOX)] == ["send_task()"]


def test_a_request_never_talks_to_the_broker(
    client, settings, receiver, admin, make_deal, stages, rep, django_capture_on_commit_callbacks
):
    """With the broker on a closed port and the relay thread off, a move with a webhook
    subscribed writes its job to the outbox and makes no attempt to send it: only the relay
    (`jobs_dispatch_pending`) does, after the response."""
    from config.celery import app
    from pipeline.models import WebhookDelivery
    from pipeline.services.webhooks import webhook_save
    from shared.jobs import jobs_dispatch_pending
    from shared.models import PendingJob
    from tests.ops.servers import free_port

    webhook_save(actor=admin, url=receiver.url, events=["deal.moved"])
    deal = make_deal()
    settings.STAGECOACH_JOB_RELAY_THREAD = False
    app.conf.task_always_eager = False
    closed = f"redis://127.0.0.1:{free_port(6400, 6500)}/0"
    broker_url = app.conf.broker_url

    def reconnect() -> None:
        # Forget the pools an earlier test opened (without closing them: kombu keeps them in a
        # global registry others use), so the next send connects to broker_url.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = closed
    reconnect()
    try:
        client.force_login(rep)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                f"/deals/{deal.pk}/move/",
                data={"stage": stages[1].pk, "version": 1},
                headers={"HX-Request": "true"},
            )
        assert answer.status_code == 200
        job = PendingJob.objects.get()
        assert (job.task, job.args) == (
            "pipeline.tasks.deliver_webhook",
            [WebhookDelivery.objects.get().pk],
        )
        assert (job.attempts, job.last_error) == (0, "")  # no send was tried
        assert jobs_dispatch_pending() == 0  # the relay tries, and keeps it
        job.refresh_from_db()
        assert job.attempts == 1 and job.last_error
        assert job.claimed_until is None
    finally:
        app.conf.broker_url = broker_url
        reconnect()
    assert receiver.requests == []
