"""Contacts: organizations, people, and the notes written on them (and on deals)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models._common import optional_link, owner_field_optional
from shared.validation import CleanCharField, CleanTextField


class Organization(models.Model):
    name = CleanCharField(_("name"), max_length=200)
    website = models.URLField(_("website"), blank=True)
    industry = CleanCharField(_("industry"), max_length=100, blank=True)
    address = CleanTextField(_("address"), blank=True)
    budget_notes = CleanTextField(_("expected budget"), blank=True)
    timeline_notes = CleanTextField(_("buying timeline"), blank=True)
    notes = CleanTextField(_("notes"), blank=True)
    owner = owner_field_optional("organizations")
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
    organization = optional_link(Organization, _("organization"), "people")
    job_title = CleanCharField(_("job title"), max_length=100, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    email = models.EmailField(_("email"), blank=True)
    phone = CleanCharField(_("phone"), max_length=50, blank=True)
    other_emails = models.JSONField(_("other emails"), default=list, blank=True)
    other_phones = models.JSONField(_("other phones"), default=list, blank=True)
    notes = CleanTextField(_("notes"), blank=True)
    owner = owner_field_optional("people")
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


class Note(models.Model):
    body = CleanTextField(_("note"))
    deal = models.ForeignKey(
        "pipeline.Deal", on_delete=models.PROTECT, related_name="notes", null=True, blank=True
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
