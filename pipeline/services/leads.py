"""The leads inbox: adding prospects, qualifying one into a deal, archiving, and parking
it in the future pool until a revisit date."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, Deal, Lead, Organization, Person, Stage
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services.activities import activity_create
from pipeline.services.deals import deal_create
from pipeline.services.deals.checks import clean_currency, clean_money
from shared.errors import NotAllowed, RuleViolation
from shared.validation import require_fits


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


# --- The inbox ---------------------------------------------------------------------------------


def _check_lead_owner(actor: User, owner: User) -> None:
    owners = owner_ids_editable(actor)
    if owners is not None and owner.pk not in owners:
        raise NotAllowed(_("You cannot give a lead to %(owner)s.") % {"owner": owner})
    if not owner.is_active:
        raise RuleViolation(_("%(owner)s is deactivated and cannot own leads.") % {"owner": owner})


def _lock_lead(actor: User, lead: Lead) -> Lead:
    locked = Lead.objects.select_for_update().select_related("owner").get(pk=lead.pk)
    owners = owner_ids_editable(actor)
    if owners is not None and locked.owner_id not in owners:
        raise NotAllowed(_("This lead belongs to %(owner)s.") % {"owner": locked.owner})
    return locked


@transaction.atomic
def lead_create(
    *,
    actor: User,
    title: str,
    source: str = "",
    person: Person | None = None,
    organization: Organization | None = None,
    new_person_name: str = "",
    new_person_email: str = "",
    new_organization_name: str = "",
    owner: User | None = None,
    expected_value: Decimal | str | int = Decimal("0"),
    currency: str | None = None,
    notes: str = "",
) -> Lead:
    """Add a prospect to an inbox. A lead is always about someone: an existing or new person
    or organization (new ones go through the contacts' duplicate guard)."""
    from django.conf import settings

    from pipeline.services.contacts import organization_create, person_create

    title = require_fits(" ".join((title or "").split()), 200, _("Title"))
    owner = owner or actor
    _check_lead_owner(actor, owner)
    if organization is None and new_organization_name.strip():
        organization = organization_create(actor=actor, name=new_organization_name, owner=owner)
    if person is None and new_person_name.strip():
        person = person_create(
            actor=actor,
            name=new_person_name,
            email=new_person_email,
            organization=organization,
            owner=owner,
        )
    about = organization or person
    if about is None:
        raise RuleViolation(_("A lead needs a person or an organization to talk to."))
    if not title:
        title = about.name
    now = timezone.now()
    return Lead.objects.create(
        title=title,
        source=require_fits((source or "").strip(), 100, _("Source")),
        person=person,
        organization=organization or (person.organization if person else None),
        owner=owner,
        expected_value=clean_money(expected_value or 0),
        currency=clean_currency(currency or settings.DEFAULT_CURRENCY),
        notes=(notes or "").strip(),
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def lead_archive(*, lead: Lead, actor: User) -> Lead:
    """Drop a prospect that is not worth pursuing; it leaves the inbox but is kept."""
    locked = _lock_lead(actor, lead)
    if locked.status != Lead.Status.OPEN:
        raise RuleViolation(
            _("This lead is already %(status)s.") % {"status": locked.get_status_display().lower()}
        )
    Lead.objects.filter(pk=locked.pk).update(
        status=Lead.Status.ARCHIVED, parked_until=None, updated_at=timezone.now()
    )
    locked.status, locked.parked_until = Lead.Status.ARCHIVED, None
    return locked


@transaction.atomic
def lead_restore(*, lead: Lead, actor: User) -> Lead:
    """Bring an archived lead back to the inbox."""
    locked = _lock_lead(actor, lead)
    if locked.status != Lead.Status.ARCHIVED:
        raise RuleViolation(_("Only archived leads can be restored."))
    Lead.objects.filter(pk=locked.pk).update(status=Lead.Status.OPEN, updated_at=timezone.now())
    locked.status = Lead.Status.OPEN
    return locked


@transaction.atomic
def lead_park(*, lead: Lead, actor: User, until: datetime.date) -> Lead:
    """Put an open lead in the future pool: it leaves the inbox until `until`, then returns
    to its owner's inbox with a follow-up task (see `lead_unpark_due`)."""
    locked = _lock_lead(actor, lead)
    if locked.status != Lead.Status.OPEN:
        raise RuleViolation(_("Only open leads can be parked."))
    if until <= timezone.localdate():
        raise RuleViolation(_("Choose a revisit date in the future."))
    Lead.objects.filter(pk=locked.pk).update(parked_until=until, updated_at=timezone.now())
    locked.parked_until = until
    return locked


def _follow_up(
    *,
    owner: User,
    subject: str,
    day: datetime.date,
    person: Person | None,
    organization: Organization | None,
) -> Activity:
    return activity_create(
        actor=owner,
        owner=owner,
        type=Activity.Type.TASK,
        subject=subject,
        due_date=day,
        done=False,  # due on the revisit day even when a late run catches up on it
        person=person,
        organization=organization,
    )


@transaction.atomic
def lead_unpark(
    *, lead: Lead, today: datetime.date, actor: User | None = None, follow_up: bool = True
) -> bool:
    """Return one parked lead to its owner's inbox with a follow-up task due `today` (not
    when a user brings it back by hand: they are looking at it already).

    Idempotent: it re-reads the lead under a lock and does nothing if it is no longer
    parked (or not yet due), so a re-delivered task never adds a second follow-up.
    """
    if actor is not None:
        locked = _lock_lead(actor, lead)
    else:
        locked = Lead.objects.select_for_update().select_related("owner").get(pk=lead.pk)
    if locked.status != Lead.Status.OPEN or locked.parked_until is None:
        return False
    if actor is None and locked.parked_until > today:
        return False
    updated = Lead.objects.filter(pk=locked.pk, parked_until=locked.parked_until).update(
        parked_until=None, updated_at=timezone.now()
    )
    if updated != 1:  # a concurrent run took it (SQLite has no row lock)
        return False
    if follow_up and (locked.person_id or locked.organization_id):
        _follow_up(
            owner=locked.owner,
            subject=_("Follow up on lead: %(title)s") % {"title": locked.title},
            day=today,
            person=locked.person,
            organization=locked.organization,
        )
    return True


def lead_unpark_due(*, today: datetime.date) -> int:
    """Every parked lead whose revisit date has come goes back to its owner's inbox; one
    transaction per lead, so a crash part-way loses nothing and a re-run does the rest."""
    due = Lead.objects.filter(
        status=Lead.Status.OPEN, parked_until__isnull=False, parked_until__lte=today
    ).values_list("pk", flat=True)
    return sum(lead_unpark(lead=Lead(pk=pk), today=today) for pk in list(due))
