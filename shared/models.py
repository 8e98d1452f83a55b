"""What every domain shares: the job outbox and the currencies deals may use."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PendingJob(models.Model):
    """The outbox: a Celery task waiting to be handed to the broker.

    Written by `shared.jobs.job_enqueue` inside the caller's transaction (a change
    that rolls back queues nothing), and deleted by `jobs_dispatch_pending` once the broker
    accepted the task. A relay claims a row (`claimed_until`) before sending it, so two relays
    never send the same row. The tasks queued this way are idempotent, so a job sent twice (the
    broker took it, then the process died before the delete) does no harm.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    queue = models.CharField(_("queue"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # Set by the relay sending this row; a relay that died mid-send leaves it to expire.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # A retry with a backoff (a webhook that failed): not sent before this time.
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the outbox lived in `pipeline`.
        db_table = "pipeline_pendingjob"
        ordering = ["created_at", "id"]
        verbose_name = _("pending background job")
        verbose_name_plural = _("pending background jobs")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class Currency(models.Model):
    """A currency deals may use, with its rate to the company base currency
    (`settings.DEFAULT_CURRENCY`): one unit of `code` is worth `rate` units of the base.
    A currency without a rate is enabled but never converted: totals show it apart."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    rate = models.DecimalField(
        _("rate to the base currency"), max_digits=20, decimal_places=10, null=True, blank=True
    )
    rate_date = models.DateField(_("rate date"), null=True, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        # The table (and its constraints) keep the names they had when this lived in `pipeline`.
        db_table = "pipeline_currency"
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gt=0), name="pipeline_currency_rate_pos"
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True, rate_date__isnull=True)
                | Q(rate__isnull=False, rate_date__isnull=False),
                name="pipeline_currency_rate_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def rate_text(self) -> str:
        """The rate without trailing zeros (0.9200000000 → '0.92'), for forms."""
        return "" if self.rate is None else f"{self.rate.normalize():f}"
