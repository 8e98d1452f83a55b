"""Webhooks: registered by admins, written with the change, signed, retried, logged."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json

import pytest
from django.core.cache import cache

from pipeline import services
from pipeline.models import WebhookDelivery
from pipeline.services.webhooks import (
    MAX_ATTEMPTS,
    webhook_backoff,
    webhook_deliver,
    webhook_save,
)
from shared.errors import RuleViolation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = hmac.new(
        secret.encode(), headers["X-Stagecoach-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(headers["X-Stagecoach-Signature"], f"sha256={expected}")


def test_only_admins_register_and_events_are_checked(admin, manager):
    with pytest.raises(RuleViolation):
        webhook_save(actor=manager, url="https://example.test/h", events=["deal.won"])
    with pytest.raises(RuleViolation):
        webhook_save(actor=admin, url="ftp://example.test/h", events=["deal.won"])
    with pytest.raises(RuleViolation):
        webhook_save(actor=admin, url="https://example.test/h", events=["deal.exploded"])
    hook = webhook_save(actor=admin, url="https://example.test/h", events=["deal.won"])
    assert len(hook.secret) == 64


def test_a_move_is_delivered_signed_after_commit(
    receiver, admin, make_deal, stages, rep, django_capture_on_commit_callbacks
):
    hook = webhook_save(actor=admin, url=receiver.url, events=["deal.moved", "deal.won"])
    deal = make_deal()  # deal.created: not subscribed, nothing queued
    assert not WebhookDelivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.deal_move(deal=deal, to_stage=stages[2], expected_version=1, actor=rep)
    # Nothing left the process inside the transaction; the row is the outbox.
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status) == ("deal.moved", "pending")
    for callback in callbacks:
        callback()  # the commit: the (eager) Celery task sends it

    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert _verify(hook.secret, headers, body)
    assert headers["X-Stagecoach-Event"] == "deal.moved"
    payload = json.loads(body)
    assert payload["deal"]["id"] == deal.pk
    assert (payload["change"]["from_stage"], payload["change"]["to_stage"]) == (
        stages[0].pk,
        stages[2].pk,
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)


def test_refused_change_announces_nothing(admin, make_deal, stages, rep, other_pipeline):
    webhook_save(actor=admin, url="http://127.0.0.1:9/never", events=["deal.moved"])
    deal = make_deal()
    with pytest.raises(RuleViolation):
        services.deal_move(
            deal=deal, to_stage=other_pipeline.stages.first(), expected_version=1, actor=rep
        )
    assert not WebhookDelivery.objects.exists()


def test_activity_events(receiver, admin, make_deal, rep, django_capture_on_commit_callbacks):
    webhook_save(actor=admin, url=receiver.url, events=["activity.created", "activity.done"])
    deal = make_deal()
    with django_capture_on_commit_callbacks(execute=True):
        activity = services.activity_create(
            actor=rep,
            type="call",
            subject="Intro",
            due_date=datetime.date(2030, 1, 1),
            deal=deal,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_complete(activity=activity, actor=rep)
    events = [h["X-Stagecoach-Event"] for h, _b in receiver.requests]
    assert events == ["activity.created", "activity.done"]


def test_failures_are_logged_and_retried_with_backoff(receiver, admin, make_deal, lost_reason, rep):
    receiver.status = 503
    webhook_save(actor=admin, url=receiver.url, events=["deal.lost"])
    deal = make_deal()
    services.deal_lose(deal=deal, expected_version=1, actor=rep, reason=lost_reason)
    delivery = WebhookDelivery.objects.get()

    assert webhook_deliver(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 503)
    assert webhook_deliver(delivery_id=delivery.pk) == 60
    receiver.status = 200
    assert webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 200)
    # A re-delivered task does not send it again.
    assert webhook_deliver(delivery_id=delivery.pk) is None
    assert len(receiver.requests) == 3


def test_gives_up_after_max_attempts_and_logs_unreachable(admin, make_deal, rep):
    webhook_save(actor=admin, url="http://127.0.0.1:9/closed", events=["deal.won"])
    deal = make_deal()
    services.deal_win(deal=deal, expected_version=1, actor=rep)
    delivery = WebhookDelivery.objects.get()
    for _ in range(MAX_ATTEMPTS):
        webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    assert delivery.error


def test_backoff_grows_and_is_capped():
    assert [webhook_backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhook_backoff(30) == 6 * 3600


def test_admin_registers_a_webhook_in_the_admin(client, admin, manager):
    client.force_login(admin)
    response = client.post(
        "/admin/pipeline/webhook/add/",
        {
            "url": "https://crm-listener.example.test/in",
            "description": "Data warehouse",
            "events": ["deal.won", "deal.lost"],
            "is_active": "on",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from pipeline.models import Webhook

    hook = Webhook.objects.get()
    assert (hook.events, hook.created_by, len(hook.secret)) == (
        ["deal.won", "deal.lost"],
        admin,
        64,
    )
    # A manager with staff access still may not see webhooks.
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get("/admin/pipeline/webhook/").status_code == 403


def test_every_way_of_changing_a_webhook_refreshes_the_subscriptions(
    receiver, admin, make_deal, stages, rep, client, django_capture_on_commit_callbacks
):
    """The subscriptions are cached; deactivating, deleting one in the admin and deleting
    several with the admin's bulk action each take effect at once, not after the cache's
    lifetime."""
    from pipeline.models import Webhook

    deal = make_deal()
    version = 1

    def move_and_count() -> int:
        nonlocal version
        WebhookDelivery.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=False):
            services.deal_move(
                deal=deal, to_stage=stages[1 + version % 2], expected_version=version, actor=rep
            )
        version += 1
        return WebhookDelivery.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        one = webhook_save(actor=admin, url=receiver.url, events=["deal.moved"])
        two = webhook_save(actor=admin, url=receiver.url, events=["deal.moved"])
        three = webhook_save(actor=admin, url=receiver.url, events=["deal.moved"])
    assert move_and_count() == 3  # and the three subscriptions are now cached

    with django_capture_on_commit_callbacks(execute=True):
        webhook_save(actor=admin, url=one.url, events=one.events, is_active=False, webhook=one)
    assert move_and_count() == 2

    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/pipeline/webhook/{two.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert move_and_count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/pipeline/webhook/",
            {"action": "delete_selected", "_selected_action": [three.pk, one.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Webhook.objects.exists()
    assert move_and_count() == 0


def test_queued_deliveries_of_a_deleted_or_deactivated_webhook_stop_quietly(
    receiver, admin, make_deal, stages, rep, django_capture_on_commit_callbacks
):
    from pipeline.services.webhooks import webhook_delete

    hook = webhook_save(actor=admin, url=receiver.url, events=["deal.moved"])
    deal = make_deal()
    with django_capture_on_commit_callbacks(execute=False):
        services.deal_move(deal=deal, to_stage=stages[1], expected_version=1, actor=rep)
    delivery = WebhookDelivery.objects.get()

    # Switched off before the worker got to it: dropped, and the log says why.
    webhook_save(actor=admin, url=hook.url, events=hook.events, is_active=False, webhook=hook)
    assert webhook_deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 0)
    assert delivery.error == "Not sent: the webhook was deactivated."
    assert receiver.requests == []

    # Deleted with its log: the queued task finds nothing and ends without an error.
    webhook_delete(actor=admin, webhooks=[hook])
    assert webhook_deliver(delivery_id=delivery.pk) is None
    with pytest.raises(RuleViolation):
        webhook_delete(actor=rep, webhooks=[])


def test_a_failed_delivery_is_retried_through_the_outbox_when_due(receiver, admin, make_deal, rep):
    """The retry is an outbox row due after the backoff, not a countdown held by the broker
    (which would outlive its visibility timeout and be delivered twice)."""
    from django.utils import timezone

    from pipeline.tasks import deliver_webhook
    from shared.jobs import jobs_dispatch_pending
    from shared.models import PendingJob

    receiver.status = 503
    webhook_save(actor=admin, url=receiver.url, events=["deal.won"])
    deal = make_deal()
    services.deal_win(deal=deal, expected_version=1, actor=rep)
    delivery = WebhookDelivery.objects.get()
    assert deliver_webhook.apply(args=[delivery.pk]).get() == "retry"
    retry = PendingJob.objects.get()
    assert (retry.task, retry.args) == ("pipeline.tasks.deliver_webhook", [delivery.pk])
    wait = (retry.not_before - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    assert jobs_dispatch_pending() == 0  # not due yet
    receiver.status = 200
    PendingJob.objects.update(not_before=timezone.now() - datetime.timedelta(seconds=1))
    assert jobs_dispatch_pending() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert len(receiver.requests) == 2
    assert not PendingJob.objects.exists()
