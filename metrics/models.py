"""Precomputed figures (snapshots) and sales goals.

`metrics` reads `pipeline`; `pipeline` never imports `metrics`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models import MONEY, default_currency


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


class Goal(models.Model):
    """A target for a person, a team or the company over each week, month or quarter."""

    class Kind(models.TextChoices):
        REVENUE = "revenue", _("Revenue won")
        DEALS_WON = "deals_won", _("Deals won")
        DEALS_STARTED = "deals_started", _("Deals started")
        DEALS_PROGRESSED = "deals_progressed", _("Deals progressed into a stage")
        ACTIVITIES_DONE = "activities_done", _("Activities completed")
        ACTIVITIES_ADDED = "activities_added", _("Activities added")

    class Interval(models.TextChoices):
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")

    kind = models.CharField(_("goal type"), max_length=20, choices=Kind, default=Kind.REVENUE)
    interval = models.CharField(
        _("interval"), max_length=8, choices=Interval, default=Interval.MONTH
    )
    pipeline = models.ForeignKey(
        "pipeline.Pipeline",
        verbose_name=_("pipeline"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty: every pipeline."),
    )
    stage = models.ForeignKey(
        "pipeline.Stage",
        verbose_name=_("stage"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("For 'deals progressed': the stage deals must enter."),
    )
    activity_type = models.CharField(_("activity type"), max_length=10, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    target = models.DecimalField(_("target"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gt=Decimal("0")), name="metrics_goal_target_positive"
            ),
            # A goal belongs to a person, a team, or (neither) the whole company.
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(team__isnull=True),
                name="metrics_goal_one_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(kind="deals_progressed") | Q(stage__isnull=False),
                name="metrics_goal_progressed_has_stage",
            ),
        ]

    def __str__(self) -> str:
        who = self.owner or self.team or _("Company")
        return f"{self.get_kind_display()} · {who} · {self.get_interval_display()}"
