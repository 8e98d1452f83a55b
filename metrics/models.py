"""Precomputed figures (snapshots). Goals live in `pipeline.Goal` (the board shows them).

`metrics` reads `pipeline`; `pipeline` never imports `metrics`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MetricSnapshot(models.Model):
    """One figure of docs/metrics.md for a day, a pipeline and a scope, as computed that night.

    Rows are written only by `metrics.services.snapshots_compute` with an upsert on the unique
    key, so recomputing a day replaces its rows and never duplicates them.
    """

    class ScopeKind(models.TextChoices):
        ALL = "all", _("Everyone")
        TEAM = "team", _("Team")
        OWNER = "owner", _("Owner")

    date = models.DateField(_("date"))
    pipeline = models.ForeignKey(
        "pipeline.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="+"
    )
    scope_kind = models.CharField(_("scope"), max_length=8, choices=ScopeKind)
    # "all", "team:<id>" or "owner:<id>": one column for the unique key (NULLs would not
    # collide in a unique constraint).
    scope_key = models.CharField(_("scope key"), max_length=32)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    metric = models.CharField(_("metric"), max_length=64)
    value = models.JSONField(_("value"), null=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "pipeline", "scope_key", "metric"],
                name="metrics_metricsnapshot_unique",
            ),
            models.CheckConstraint(
                condition=Q(scope_kind__in=["all", "team", "owner"]),
                name="metrics_metricsnapshot_scope_valid",
            ),
        ]
        indexes = [
            # Trends and forecast accuracy: one metric of one scope over a range of dates.
            models.Index(
                fields=["pipeline", "scope_key", "metric", "date"],
                name="metrics_snapshot_trend_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.pipeline_id} {self.scope_key} {self.metric}"
