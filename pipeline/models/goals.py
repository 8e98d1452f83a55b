"""Goals: targets for deals won, value, activities, per person, team or company."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models._common import MONEY, default_currency
from pipeline.models.activities import Activity
from pipeline.models.deals import Pipeline, Stage


class Goal(models.Model):
    """A target for a person, a team or the whole company over each week, month or quarter.

    One model for the weekly activity goals managers set per rep and the sales goals of the
    metrics dashboard. Progress is computed by `pipeline.selectors.goals`,
    which the planning page, the dashboard and the board's stage marks share.
    """

    class Kind(models.TextChoices):
        REVENUE = "revenue", _("Revenue won")
        DEALS_WON = "deals_won", _("Deals won")
        DEALS_STARTED = "deals_started", _("Deals started")
        DEALS_PROGRESSED = "deals_progressed", _("Deals progressed into a stage")
        ACTIVITIES_DONE = "activities_done", _("Activities completed")
        ACTIVITIES_ADDED = "activities_added", _("Activities added")
        # People talked to (done call, meeting or demo) for the first time in the period.
        CONVERSATIONS = "conversations", _("New conversations")

    class Interval(models.TextChoices):
        WEEK = "week", _("Weekly")
        MONTH = "month", _("Monthly")
        QUARTER = "quarter", _("Quarterly")

    kind = models.CharField(_("goal type"), max_length=20, choices=Kind, default=Kind.REVENUE)
    interval = models.CharField(
        _("interval"), max_length=8, choices=Interval, default=Interval.MONTH
    )
    pipeline = models.ForeignKey(
        Pipeline,
        verbose_name=_("pipeline"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
        help_text=_("Empty: every pipeline."),
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
        help_text=_("For 'deals progressed': the stage deals must enter."),
    )
    activity_type = models.CharField(
        _("activity type"),
        max_length=10,
        choices=Activity.Type,
        blank=True,
        help_text=_("For activity goals: empty counts every type."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
    )
    target = models.DecimalField(_("target"), **MONEY)
    # Revenue goals only: the currency of the target; won deals are converted into it.
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gt=Decimal("0")), name="pipeline_goal_target_positive"
            ),
            # A goal belongs to a person, a team, or (neither) the whole company.
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(team__isnull=True),
                name="pipeline_goal_one_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(kind="deals_progressed") | Q(stage__isnull=False),
                name="pipeline_goal_progressed_has_stage",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "revenue",
                        "deals_won",
                        "deals_started",
                        "deals_progressed",
                        "activities_done",
                        "activities_added",
                        "conversations",
                    ]
                ),
                name="pipeline_goal_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(interval__in=["week", "month", "quarter"]),
                name="pipeline_goal_interval_valid",
            ),
            models.CheckConstraint(
                condition=Q(activity_type__in=["", "call", "meeting", "email", "demo", "task"]),
                name="pipeline_goal_activity_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="pipeline_goal_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        who = self.owner or self.team or _("Company")
        return f"{self.get_kind_display()} · {who} · {self.get_interval_display()}"

    @property
    def is_money(self) -> bool:
        return self.kind == self.Kind.REVENUE
