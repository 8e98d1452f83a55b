"""The leads inbox: qualifying a prospect into a deal."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.errors import NotAllowed, RuleViolation
from pipeline.models import Deal, Lead, Stage
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services.deals import deal_create


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    stage: Stage,
    actor: User,
    title: str | None = None,
    value: Decimal | None = None,
    source: str = "form",
) -> Deal:
    """Qualify a lead: create a deal in `stage`, keeping its person and organization."""
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    owners = owner_ids_editable(actor)
    if owners is not None and locked.owner_id not in owners:
        raise NotAllowed(_("This lead belongs to %(owner)s.") % {"owner": locked.owner})
    if locked.status != Lead.Status.OPEN:
        raise RuleViolation(
            _("This lead is already %(status)s.") % {"status": locked.get_status_display().lower()}
        )
    deal = deal_create(
        actor=actor,
        title=title or locked.title,
        pipeline_stage=stage,
        owner=locked.owner,
        value=locked.expected_value if value is None else value,
        currency=locked.currency,
        organization=locked.organization,
        person=locked.person,
        source=source,
    )
    updated = Lead.objects.filter(pk=locked.pk, status=Lead.Status.OPEN).update(
        status=Lead.Status.CONVERTED,
        converted_deal=deal,
        parked_until=None,
        updated_at=timezone.now(),
    )
    if updated != 1:  # pragma: no cover - the row lock above makes this unreachable
        raise RuleViolation(_("This lead changed while you converted it; try again."))
    lead.status, lead.converted_deal = Lead.Status.CONVERTED, deal
    return deal
