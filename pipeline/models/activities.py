"""Activities (calls, meetings, emails, demos…), the calendar feeds that publish them and the
reminders sent for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models._common import optional_link, owner_field
from pipeline.models.contacts import Organization, Person
from pipeline.models.deals import Deal
from shared.validation import CleanCharField, CleanTextField


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
    deal = optional_link(Deal, _("deal"), "activities")
    person = optional_link(Person, _("person"), "activities")
    organization = optional_link(Organization, _("organization"), "activities")
    owner = owner_field("activities")
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
