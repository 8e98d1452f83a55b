"""Integrations: outgoing webhooks and their deliveries (API tokens live in accounts)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shared.validation import CleanCharField


class Webhook(models.Model):
    """An address an admin registered to be told about events, signed with its secret."""

    class Event(models.TextChoices):
        DEAL_CREATED = "deal.created", _("Deal created")
        DEAL_MOVED = "deal.moved", _("Deal moved to another stage")
        DEAL_WON = "deal.won", _("Deal won")
        DEAL_LOST = "deal.lost", _("Deal lost")
        DEAL_REOPENED = "deal.reopened", _("Deal reopened")
        ACTIVITY_CREATED = "activity.created", _("Activity created")
        ACTIVITY_DONE = "activity.done", _("Activity done")

    url = models.URLField(_("URL"), max_length=500)
    description = CleanCharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(
        _("signing secret"),
        max_length=64,
        help_text=_(
            "Deliveries carry X-Stagecoach-Signature: sha256=HMAC(secret, timestamp.body)."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One event for one webhook, written in the same transaction as the change (so only
    committed changes are announced) and sent afterwards by Celery, with retries."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Gave up")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=32)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    response_body = models.TextField(_("last response (start)"), blank=True)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # A webhook's delivery log, newest first.
            models.Index(fields=["webhook", "-created_at"], name="pipeline_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
