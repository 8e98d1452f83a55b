"""Leads: the inbox of people and organizations not yet worth a deal."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models._common import MONEY, default_currency, optional_link, owner_field
from pipeline.models.contacts import Organization, Person
from pipeline.models.deals import Deal
from shared.validation import CleanCharField, CleanTextField


class Lead(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERTED = "converted", _("Converted")
        ARCHIVED = "archived", _("Archived")

    title = CleanCharField(_("title"), max_length=200)
    source = CleanCharField(_("source"), max_length=100, blank=True)
    person = optional_link(Person, _("person"), "leads")
    organization = optional_link(Organization, _("organization"), "leads")
    owner = owner_field("leads")
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
