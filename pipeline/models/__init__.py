"""The sales domain: pipelines and stages, deals and their history, contacts, activities, leads.

Rules that change state live in pipeline/services.py; these classes hold data and the
constraints the database itself can enforce.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pipeline.validation import CleanCharField, CleanTextField

MONEY = {"max_digits": 14, "decimal_places": 2}
# Sums of MONEY values: room for ten billion deals at the largest value a deal may hold, so a
# total never overflows while the deals it adds up are valid (issue 15: HUF and VND books).
MONEY_TOTAL = {"max_digits": 24, "decimal_places": 2}


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


class Pipeline(models.Model):
    name = CleanCharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Bumped by the services that change what every board of the pipeline shows (stages,
    # settings, imports); changes to one owner's deals bump that owner's BoardVersion instead,
    # so open boards ask cheaply whether anything *they show* changed since they were drawn.
    board_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Issue 8: lets API clients sync configuration incrementally (`updated_since`).
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
    # Issue 8: lets API clients sync configuration incrementally (`updated_since`).
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
            # Issue 5: one moment of truth per pipeline (the metrics report conversion from it).
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
    # Issue 8: lets API clients sync configuration incrementally (`updated_since`).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    name = CleanCharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    industry = CleanCharField(_("industry"), max_length=100, blank=True)
    address = CleanTextField(_("address"), blank=True)
    budget_notes = CleanTextField(_("expected budget"), blank=True)
    timeline_notes = CleanTextField(_("buying timeline"), blank=True)
    notes = CleanTextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="organizations",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [
            # Duplicate guard and search: organizations by name.
            models.Index(fields=["name"], name="pipeline_org_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = CleanCharField(_("name"), max_length=200)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    job_title = CleanCharField(_("job title"), max_length=100, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    email = models.EmailField(_("email"), blank=True)
    phone = CleanCharField(_("phone"), max_length=50, blank=True)
    other_emails = models.JSONField(_("other emails"), default=list, blank=True)
    other_phones = models.JSONField(_("other phones"), default=list, blank=True)
    notes = CleanTextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # Duplicate guard: a person by email.
            models.Index(fields=["email"], name="pipeline_person_email_idx"),
            models.Index(fields=["name"], name="pipeline_person_name_idx"),
        ]

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
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="deals",
        null=True,
        blank=True,
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("contact person"),
        on_delete=models.PROTECT,
        related_name="deals",
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        on_delete=models.PROTECT,
        related_name="deals",
        null=True,
        blank=True,
    )
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
    # filters and the API show it as its own status (issue 16 item 4).
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


class Activity(models.Model):
    class Type(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        DEMO = "demo", _("Demo")
        TASK = "task", _("Task")

    type = models.CharField(_("type"), max_length=10, choices=Type, default=Type.CALL)
    subject = CleanCharField(_("subject"), max_length=200)
    due_date = models.DateField(_("due date"))
    due_time = models.TimeField(_("due time"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    note = CleanTextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["due_date", "due_time", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(deal__isnull=False)
                | Q(person__isnull=False)
                | Q(organization__isnull=False),
                name="pipeline_activity_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(type__in=["call", "meeting", "email", "demo", "task"]),
                name="pipeline_activity_type_valid",
            ),
        ]
        indexes = [
            # A deal's next activity and timeline.
            models.Index(fields=["deal", "done_at", "due_date"], name="pipeline_activity_deal_idx"),
            # "My activities": a user's open activities by due date.
            models.Index(
                fields=["owner", "done_at", "due_date"], name="pipeline_activity_owner_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Note(models.Model):
    body = CleanTextField(_("note"))
    deal = models.ForeignKey(
        Deal, on_delete=models.PROTECT, related_name="notes", null=True, blank=True
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="notes_set", null=True, blank=True
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="notes_set", null=True, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notes"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(deal__isnull=False)
                | Q(person__isnull=False)
                | Q(organization__isnull=False),
                name="pipeline_note_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:50]


class Lead(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERTED = "converted", _("Converted")
        ARCHIVED = "archived", _("Archived")

    title = CleanCharField(_("title"), max_length=200)
    source = CleanCharField(_("source"), max_length=100, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="leads",
        null=True,
        blank=True,
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="leads",
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="leads",
    )
    expected_value = models.DecimalField(_("expected value"), default=Decimal("0"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    parked_until = models.DateField(_("parked until"), null=True, blank=True)
    converted_deal = models.OneToOneField(
        Deal,
        verbose_name=_("converted deal"),
        on_delete=models.PROTECT,
        related_name="lead",
        null=True,
        blank=True,
    )
    notes = CleanTextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_value__gte=0), name="pipeline_lead_value_nonneg"
            ),
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(converted_deal__isnull=False),
                name="pipeline_lead_converted_has_deal",
            ),
        ]
        indexes = [
            # The leads inbox: a user's open leads.
            models.Index(fields=["owner", "status"], name="pipeline_lead_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# --- Goals (issues 6 and 7), calendar feeds and sent reminders ---------------------------------


class Goal(models.Model):
    """A target for a person, a team or the whole company over each week, month or quarter.

    One model for the weekly activity goals managers set per rep (issue 6) and the sales goals
    of the metrics dashboard (issue 7). Progress is computed by `pipeline.selectors.goals`,
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


class CalendarFeed(models.Model):
    """A user's secret iCalendar address. Rotating replaces the token; revoking deletes the
    row, and the old address answers 404 from then on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.user_id}"


class ReminderSent(models.Model):
    """One row per reminder email, claimed before the email leaves (at most once).

    `key` names the reminder ("eve:<activity>:<date>", "call:<activity>:<date>",
    "digest:<user>:<date>"); the unique constraint makes a second claim fail. `sent_at` is
    set once the mail backend accepted the message, so rows with `sent_at` NULL are
    reminders that were claimed but lost (worker died, SMTP refused) and are never retried.
    """

    class Kind(models.TextChoices):
        EVE = "eve", _("Day before a meeting or demo")
        CALL = "call", _("Morning of a call")
        DIGEST = "digest", _("Overdue digest")

    key = models.CharField(_("key"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.SET_NULL,
        related_name="reminders",
        null=True,
        blank=True,
    )
    day = models.DateField(_("for day"))
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["key"], name="pipeline_remindersent_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


# --- Issue 9: background work that could not be queued --------------------------------------


class PendingJob(models.Model):
    """The outbox: a Celery task waiting to be handed to the broker.

    Written by `pipeline.services.jobs.job_enqueue` inside the caller's transaction (a change
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
        ordering = ["created_at", "id"]
        verbose_name = _("pending background job")
        verbose_name_plural = _("pending background jobs")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


# --- Issue 8: CSV imports and webhooks ------------------------------------------------------
class ImportJob(models.Model):
    """One uploaded file on its way through mapping, checking and applying.

    The page of a job always shows where it is, so a user can leave a long import and come
    back to it; the heavy steps run as Celery tasks.
    """

    class Kind(models.TextChoices):
        DEALS = "deals", _("Deals")
        PEOPLE = "people", _("People")
        ORGANIZATIONS = "organizations", _("Organizations")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Map the columns")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=16, choices=Kind, default=Kind.DEALS)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.UPLOADED)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    header = models.JSONField(_("columns"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(pgettext_lazy("import file", "rows"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            # "My imports": a user's jobs, newest first.
            models.Index(fields=["created_by", "-created_at"], name="pipeline_importjob_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)


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


# --- Issue 10: enabled currencies and their exchange rates -----------------------------------


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
