"""Webhooks: announce deal and activity events to addresses an admin registered.

The deal and activity services call `webhooks_emit` inside their transaction. It writes one
WebhookDelivery row per subscribed webhook (an outbox: a rolled-back change announces nothing)
and queues one Celery task per row through the outbox (`job_enqueue`), so nothing leaves the
process before the change is committed and a broker outage loses nothing. The task signs and
POSTs the payload, logs the response code, and retries with exponential backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, Deal, StageChange, Webhook, WebhookDelivery
from shared.errors import RuleViolation
from shared.jobs import job_enqueue

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
_CACHE_KEY = "stagecoach:webhook-subscriptions"
_CACHE_SECONDS = 60


def webhook_backoff(attempts: int) -> int:
    """Seconds before the next try: 30 s, 1 min, 2 min, … capped at 6 hours."""
    return min(30 * 2 ** max(attempts - 1, 0), 6 * 3600)


def _subscriptions() -> list[tuple[int, list[str]]]:
    """(webhook id, events) of active webhooks; cached, because every deal change asks."""
    subs = cache.get(_CACHE_KEY)
    if subs is None:
        subs = [
            (w["id"], list(w["events"] or []))
            for w in Webhook.objects.filter(is_active=True).values("id", "events")
        ]
        cache.set(_CACHE_KEY, subs, _CACHE_SECONDS)
    return subs


@transaction.atomic
def webhook_save(
    *,
    actor: User,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
    webhook: Webhook | None = None,
) -> Webhook:
    """Register or change a webhook (admins only). A new one gets a random signing secret."""
    if not actor.is_admin:
        raise RuleViolation(_("Only admins manage webhooks."))
    if not url.startswith(("https://", "http://")):
        raise RuleViolation(_("The URL must start with https:// or http://."))
    unknown = set(events) - set(Webhook.Event.values)
    if unknown or not events:
        raise RuleViolation(_("Choose at least one event from the list."))
    hook = webhook or Webhook(created_by=actor, secret=secrets.token_hex(32))
    hook.url, hook.events, hook.description, hook.is_active = url, events, description, is_active
    hook.save()
    transaction.on_commit(webhook_forget_cache)
    return hook


@transaction.atomic
def webhook_delete(*, actor: User, webhooks: list[Webhook]) -> int:
    """Delete webhooks (admins only) with their delivery log. Deliveries already queued in
    Celery find their row gone and stop quietly (`webhook_deliver`)."""
    if not actor.is_admin:
        raise RuleViolation(_("Only admins manage webhooks."))
    deleted = Webhook.objects.filter(pk__in=[w.pk for w in webhooks]).delete()[1]
    transaction.on_commit(webhook_forget_cache)
    return deleted.get(Webhook._meta.label, 0)


def webhook_forget_cache() -> None:
    """Every write to webhooks goes through `webhook_save` / `webhook_delete`, which call this
    after commit; the cache's short lifetime (`_CACHE_SECONDS`) bounds any other path (a
    write in the database shell), and a deactivated webhook's queued deliveries are dropped
    when they are sent (`webhook_deliver`)."""
    cache.delete(_CACHE_KEY)


def webhooks_emit(*, event: str, payload: dict[str, Any]) -> int:
    """Queue `event` for every subscribed webhook; call inside the change's transaction."""
    hooks = [hook_id for hook_id, events in _subscriptions() if event in events]
    if not hooks:
        return 0
    body = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook_id=h, event=event, payload=body, created_at=now) for h in hooks]
    )
    for row in rows:
        # Through the outbox, in this transaction: a broker outage neither delays the change
        # nor loses the delivery (pipeline/services/jobs.py).
        job_enqueue(
            "pipeline.tasks.deliver_webhook",
            label=_("The webhook notification"),
            args=[row.pk],
        )
    return len(rows)


def webhook_retry_later(*, delivery_id: int, delay_seconds: int) -> None:
    """Queue the next attempt of a failed delivery, due after its backoff (through the
    outbox, so a broker outage cannot lose it)."""
    job_enqueue(
        "pipeline.tasks.deliver_webhook",
        label=_("The webhook notification"),
        args=[delivery_id],
        delay_seconds=delay_seconds,
    )


def _deal_payload(deal: Deal) -> dict[str, Any]:
    return {
        "id": deal.pk,
        "title": deal.title,
        "value": str(deal.value),
        "currency": deal.currency,
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "status": deal.status,
        "owner": deal.owner_id,
        "organization": deal.organization_id,
        "person": deal.person_id,
        "version": deal.version,
    }


def webhooks_emit_for_change(*, deal: Deal, change: StageChange) -> None:
    """The event a history row stands for: created, moved, won, lost or reopened."""
    if not _subscriptions():
        return
    if not change.from_status:
        event = Webhook.Event.DEAL_CREATED
    elif change.to_status == Deal.Status.WON and change.from_status != Deal.Status.WON:
        event = Webhook.Event.DEAL_WON
    elif change.to_status == Deal.Status.LOST and change.from_status != Deal.Status.LOST:
        event = Webhook.Event.DEAL_LOST
    elif change.to_status == Deal.Status.OPEN and change.from_status != Deal.Status.OPEN:
        event = Webhook.Event.DEAL_REOPENED
    elif change.from_stage_id != change.to_stage_id:
        event = Webhook.Event.DEAL_MOVED
    else:
        return
    webhooks_emit(
        event=event,
        payload={
            "event": event.value,
            "occurred_at": change.timestamp,
            "deal": _deal_payload(deal),
            "change": {
                "from_stage": change.from_stage_id,
                "to_stage": change.to_stage_id,
                "from_status": change.from_status,
                "to_status": change.to_status,
                "user": change.user_id,
                "source": change.source,
                "lost_reason": change.lost_reason_id,
            },
        },
    )


def webhooks_emit_for_activity(*, activity: Activity, event: str) -> None:
    if not _subscriptions():
        return
    webhooks_emit(
        event=event,
        payload={
            "event": event,
            "occurred_at": activity.updated_at,
            "activity": {
                "id": activity.pk,
                "type": activity.type,
                "subject": activity.subject,
                "due_date": activity.due_date,
                "done_at": activity.done_at,
                "deal": activity.deal_id,
                "person": activity.person_id,
                "organization": activity.organization_id,
                "owner": activity.owner_id,
            },
        },
    )


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _post(hook: Webhook, delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """POST the signed event to the hook's URL. Returns the HTTP status (None when nothing
    answered), the start of the response body, and the network error if any."""
    body = json.dumps(
        {"id": delivery.pk, **delivery.payload}, separators=(",", ":"), sort_keys=True
    ).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked in webhook_save
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Stagecoach-Webhooks/1",
            "X-Stagecoach-Event": delivery.event,
            "X-Stagecoach-Delivery": str(delivery.pk),
            "X-Stagecoach-Timestamp": timestamp,
            "X-Stagecoach-Signature": webhook_signature(
                secret=hook.secret, timestamp=timestamp, body=body
            ),
        },
    )
    code: int | None = None
    text, error = "", ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            code = response.status
            text = response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        code = exc.code
        text = exc.read(2000).decode("utf-8", "replace") if exc.fp else ""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))[:500]
    return code, text, error


def webhook_deliver(*, delivery_id: int) -> int | None:
    """Make one attempt. Returns the seconds to wait before retrying, or None when done
    (delivered, given up, or already delivered by an earlier run of the task)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return None  # the webhook was deleted with its log, or an earlier run finished it
    hook = delivery.webhook
    if not hook.is_active:
        # Deactivated after the event was queued: an admin who switches a webhook off expects
        # nothing more to leave, including retries of older events.
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookDelivery.Status.PENDING
        ).update(
            status=WebhookDelivery.Status.FAILED,
            error=_("Not sent: the webhook was deactivated."),
            last_attempt_at=timezone.now(),
        )
        return None
    code, text, error = _post(hook, delivery)
    attempts = delivery.attempts + 1
    now = timezone.now()
    ok = code is not None and 200 <= code < 300
    if ok:
        status = WebhookDelivery.Status.SUCCEEDED
    elif attempts >= MAX_ATTEMPTS:
        status = WebhookDelivery.Status.FAILED
    else:
        status = WebhookDelivery.Status.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        status=status,
        attempts=attempts,
        response_code=code,
        response_body=text,
        error=error,
        last_attempt_at=now,
        delivered_at=now if ok else None,
    )
    return webhook_backoff(attempts) if status == WebhookDelivery.Status.PENDING else None
