"""Deals and stages: pipelines, their stages, deals, lost reasons, the stage history and the
board's running totals."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models._common import MONEY, MONEY_TOTAL, default_currency, optional_link, owner_field
from pipeline.models.contacts import Organization, Person
from shared.validation import CleanCharField, CleanTextField


class Pipeline(models.Model):
    name = CleanCharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Bumped by the services that change what every board of the pipeline shows (stages,
    # settings, imports); changes to one owner's deals bump that owner's BoardVersion instead,
    # so open boards ask cheaply whether anything *they show* changed since they were drawn.
    board_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Lets API clients sync configuration incrementally (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """One step of a pipeline, with what a deal must show before it may enter it."""

    class Requirement(models.TextChoices):
        VALUE = "value", _("Deal value is set")
        CLOSE_DATE = "expected_close_date", _("Expected close date is set")
        ORGANIZATION = "organization", _("Organization is set")
        PERSON = "person", _("Contact person is set")
        DECISION_MAKER = "decision_maker", _("The contact is a decision maker")
        DONE_CALL = "done_call", _("A call is done")
        DONE_MEETING = "done_meeting", _("A meeting is done")
        DONE_EMAIL = "done_email", _("An email is done")
        DONE_DEMO = "done_demo", _("A demo is done")
        NOTE = "note", _("A note is attached")
        # Also met by a note on the deal's contact person (plain NOTE counts the deal's only).
        NOTE_OR_CONTACT = "note_or_contact", _("A note on the deal or its contact person")

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="stages"
    )
    name = CleanCharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"))
    win_probability = models.PositiveSmallIntegerField(_("win probability (%)"), default=0)
    rotting_days = models.PositiveIntegerField(
        _("rotting after (days)"),
        null=True,
        blank=True,
        help_text=_("A deal that stays longer than this in the stage is marked as rotting."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    definition_of_done = CleanTextField(
        _("definition of done"),
        blank=True,
        help_text=_("The result a deal must reach in this stage."),
    )
    requirements = models.JSONField(
        _("entry requirements"),
        default=list,
        blank=True,
        help_text=_("What a deal must show before it may enter this stage."),
    )
    is_moment_of_truth = models.BooleanField(
        _("moment of truth"),
        default=False,
        help_text=_("The step after which a deal usually closes; metrics report from it."),
    )
    # Lets API clients sync configuration incrementally (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pipeline", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "position"], name="pipeline_stage_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(win_probability__gte=0) & Q(win_probability__lte=100),
                name="pipeline_stage_probability_range",
            ),
            # One moment of truth per pipeline (the metrics report conversion from it).
            models.UniqueConstraint(
                fields=["pipeline"],
                condition=Q(is_moment_of_truth=True),
                name="pipeline_stage_one_moment_of_truth",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def probability_fraction(self) -> Decimal:
        return Decimal(self.win_probability) / Decimal(100)


class LostReason(models.Model):
    name = CleanCharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Lets API clients sync configuration incrementally (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class Deal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    title = CleanCharField(_("title"), max_length=200)
    value = models.DecimalField(_("value"), default=Decimal("0"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    owner = owner_field("deals")
    organization = optional_link(Organization, _("organization"), "deals")
    person = optional_link(Person, _("contact person"), "deals")
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)
    lost_reason = optional_link(LostReason, _("lost reason"), "deals")
    lost_note = CleanTextField(_("lost note"), blank=True)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    created_at = models.DateTimeField(_("first contact"), default=timezone.now)
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    parked_until = models.DateField(
        _("parked until"),
        null=True,
        blank=True,
        help_text=_("A parked deal stays open but leaves the board until this date."),
    )
    # The deal's earliest scheduled, not-done activity, kept by the activity services so that
    # the board can sort and paginate on an index instead of joining activities.
    next_activity = models.ForeignKey(
        "pipeline.Activity",
        verbose_name=_("next activity"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    next_activity_date = models.DateField(_("next activity date"), null=True, blank=True)
    # When the deal's latest done activity happened, kept by the activity services like
    # `next_activity_date`, so the "idle" stale reason is a column test instead of an EXISTS
    # over activities per open deal.
    last_done_activity_at = models.DateTimeField(_("last activity done at"), null=True, blank=True)
    # NULL, not "", for deals without one: the unique constraint must allow many of those.
    external_id = CleanCharField(  # noqa: DJ001
        _("external id"), max_length=100, null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="pipeline_deal_value_nonneg"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "won", "lost"]),
                name="pipeline_deal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_at__isnull=False),
                name="pipeline_deal_closed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="lost") | Q(lost_reason__isnull=False),
                name="pipeline_deal_lost_has_reason",
            ),
            # Per owner, so that a clash never tells a user about a deal they may not see:
            # whoever creates or reassigns a deal for an owner may see all of that owner's deals.
            models.UniqueConstraint(
                fields=["owner", "external_id"], name="pipeline_deal_owner_external_id_unique"
            ),
        ]
        indexes = [
            # `?external_id=` on the API and export filters, across owners.
            models.Index(fields=["external_id"], name="pipeline_deal_external_id_idx"),
            # Board columns: open deals of a pipeline grouped by stage.
            models.Index(fields=["pipeline", "status", "stage"], name="pipeline_deal_board_idx"),
            # Board cards in order: one index range scan per column segment
            # (dated next activity ascending, then newest first).
            models.Index(
                fields=["stage", "status", "next_activity_date", "-created_at", "-id"],
                name="pipeline_deal_card_order_idx",
            ),
            # A rep's (or a manager's few owners') board cards: the same range scans within one
            # owner, instead of walking every owner's deals of the column to find theirs.
            models.Index(
                fields=["owner", "stage", "status", "next_activity_date", "-created_at", "-id"],
                name="pipeline_deal_owner_card_idx",
            ),
            # "My deals": a rep's open deals.
            models.Index(fields=["owner", "status"], name="pipeline_deal_owner_idx"),
            # Metrics: deals closed in a period.
            models.Index(
                fields=["pipeline", "status", "closed_at"], name="pipeline_deal_closed_idx"
            ),
            # Metrics: deals created in a period.
            models.Index(fields=["pipeline", "created_at"], name="pipeline_deal_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    # "Parked" is not a stored status: a parked deal is open, with a revisit date. Pages,
    # filters and the API show it as its own status.
    PARKED = "parked"

    @property
    def shown_status(self) -> str:
        if self.status == Deal.Status.OPEN and self.parked_until:
            return Deal.PARKED
        return self.status

    @property
    def shown_status_label(self) -> str:
        if self.shown_status == Deal.PARKED:
            return str(_("Parked"))
        return self.get_status_display()

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def weighted_value(self) -> Decimal:
        return (self.value * self.stage.probability_fraction).quantize(Decimal("0.01"))


class StageTotal(models.Model):
    """Open deals per stage and currency on the board, kept by the deal services.

    A summary row lets the board show column totals without scanning every open deal; the
    services update it in the same transaction as the deal, and `rebuild_stage_totals`
    recomputes it from scratch.
    """

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="totals")
    # Per owner, so that a rep's board, a manager's team board and the owner filter read their
    # totals from here too instead of summing every deal.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    open_count = models.IntegerField(default=0)
    open_value = models.DecimalField(default=Decimal("0"), **MONEY_TOTAL)

    class Meta:
        verbose_name = _("stage total")
        verbose_name_plural = _("stage totals")
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "owner", "currency"], name="pipeline_stagetotal_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}/{self.owner_id} {self.currency}: {self.open_count}"


class BoardVersion(models.Model):
    """How often one owner's deals in one pipeline changed: a board polls the sum over the
    owners it shows, so a rep's board is not redrawn each time a colleague moves a deal."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("board version")
        verbose_name_plural = _("board versions")
        constraints = [
            # Also the index of the poll's lookup: a pipeline's rows for the owners shown.
            models.UniqueConstraint(
                fields=["pipeline", "owner"], name="pipeline_boardversion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline_id}/{self.owner_id}: {self.version}"


class StageChange(models.Model):
    """Append-only history: every stage move and every won/lost/reopen of a deal."""

    class Source(models.TextChoices):
        BOARD = "board", _("Board")
        FORM = "form", _("Form")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        SYSTEM = "system", _("System")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="stage_changes")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="+")
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=8, choices=Deal.Status, blank=True)
    to_status = models.CharField(max_length=8, choices=Deal.Status)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    timestamp = models.DateTimeField(default=timezone.now)
    # The timestamp of the deal's previous history row (by timestamp, then id): the moment the
    # stay this row ends began. NULL on a deal's first row. Written with the row by every
    # writer, so a stay's duration is `timestamp - stay_started_at` without looking back.
    stay_started_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source)
    lost_reason = models.ForeignKey(
        LostReason, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = CleanTextField(blank=True)

    class Meta:
        ordering = ["timestamp", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            # A deal's timeline and its last change.
            models.Index(fields=["deal", "timestamp"], name="pipeline_change_deal_idx"),
            # Metrics: changes into stages of a pipeline in a period.
            models.Index(fields=["pipeline", "timestamp"], name="pipeline_change_pipeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id}->{self.to_stage_id} ({self.to_status})"
