"""Creating deals: the form and API door, and the board's quick-add."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Deal, Organization, Person, Pipeline, Stage
from pipeline.selectors.visibility import organization_list_visible, person_list_visible
from pipeline.services._common import board_touch, record_change, totals_move, totals_snapshot
from pipeline.services.contacts import (
    note_create,
    organization_create,
    person_create,
    person_update,
)
from pipeline.services.deals.checks import (
    check_external_id_free,
    check_owner,
    clean_currency,
    clean_money,
    clean_title,
)
from pipeline.services.deals.requirements import (
    SOURCES_WITHOUT_REQUIREMENTS,
    deal_missing_requirements_by_stage,
    requirements_error,
)
from shared.errors import DuplicateFound, RuleViolation


def _insert(deal: Deal, actor: User, source: str) -> None:
    """Save a new deal and record its entry into its stage in the history and the totals."""
    deal.save(force_insert=True)
    record_change(
        deal=deal,
        from_stage_id=None,
        to_stage_id=deal.stage_id,
        from_status="",
        to_status=Deal.Status.OPEN,
        actor=actor,
        source=source,
        timestamp=deal.created_at,
    )
    totals_move(None, totals_snapshot(deal))
    board_touch(deal.pipeline_id, deal.owner_id)


@transaction.atomic
def deal_create(
    *,
    actor: User,
    title: str,
    pipeline_stage: Stage,
    owner: User | None = None,
    value: Decimal | str | int = Decimal("0"),
    currency: str | None = None,
    organization: Organization | None = None,
    person: Person | None = None,
    expected_close_date: datetime.date | None = None,
    created_at: datetime.datetime | None = None,
    external_id: str | None = None,
    source: str = "form",
    note: str = "",
) -> Deal:
    """Create an open deal in a stage and record its entry in the history. `note`: the deal's
    first note, written in the same transaction (it can meet "A note is attached")."""

    title = clean_title(title)
    stage = pipeline_stage
    if not stage.is_active:
        raise RuleViolation(_("%(stage)s is archived; choose another stage.") % {"stage": stage})
    owner = owner or actor
    check_owner(actor, owner)
    check_external_id_free(owner, external_id or None)
    now = timezone.now()
    created = created_at or now
    deal = Deal(
        title=title,
        value=clean_money(value),
        currency=clean_currency(currency or settings.DEFAULT_CURRENCY),
        pipeline_id=stage.pipeline_id,
        stage=stage,
        owner=owner,
        organization=organization,
        person=person,
        expected_close_date=expected_close_date,
        created_at=created,
        stage_entered_at=created,
        updated_at=now,
        updated_by=actor,
        external_id=external_id or None,
    )
    if source not in SOURCES_WITHOUT_REQUIREMENTS:
        missing = deal_missing_requirements_by_stage(
            deal=deal, to_stage=stage, entering_pipeline=True, with_note=bool(note.strip())
        )
        if missing:
            raise requirements_error(deal, missing)
    _insert(deal, actor, source)
    if note.strip():
        note_create(actor=actor, body=note, deal=deal)
    return deal


def _organization_named(actor: User, name: str) -> Organization | None:
    """The organization of that name the actor can see, or a new one (none for no name)."""
    name = (name or "").strip()
    if not name:
        return None
    organization = organization_list_visible(actor).filter(name__iexact=name).first()
    if organization is None:
        try:
            organization = organization_create(actor=actor, name=name)
        except DuplicateFound as dup:  # the same name written differently: link that one
            organization = dup.existing[0]
    return organization


def _person_named(
    actor: User, name: str, organization: Organization | None, is_decision_maker: bool
) -> Person | None:
    """The person of that name (in the organization, when there is one) the actor can see,
    or a new one; marked decision maker if asked (none for no name)."""
    name = (name or "").strip()
    if not name:
        return None
    people = person_list_visible(actor).filter(name__iexact=name)
    person = (people.filter(organization=organization) if organization else people).first()
    if person is None:
        return person_create(
            actor=actor,
            name=name,
            organization=organization,
            is_decision_maker=is_decision_maker,
        )
    if is_decision_maker and not person.is_decision_maker:
        return person_update(person=person, actor=actor, changes={"is_decision_maker": True})
    return person


@transaction.atomic
def deal_quick_add(
    *,
    actor: User,
    pipeline: Pipeline,
    stage_id: int,
    title: str,
    value: Decimal | int | str = 0,
    currency: str | None = None,
    organization_name: str = "",
    expected_close_date: datetime.date | None = None,
    person_name: str = "",
    person_is_decision_maker: bool = False,
    note: str = "",
) -> Deal:
    """The board's quick-add: a deal in a stage of `pipeline`, linked to the organization of
    that name the actor can see, or to a new one. One transaction: a refused deal (a currency
    that is not enabled, …) leaves no organization behind.

    The stage's entry requirements can be met here too: a close date, a
    contact person (one of that name in the organization, or a new one, marked decision maker
    if asked) and a first note."""
    stage = Stage.objects.filter(pk=stage_id, pipeline=pipeline, is_active=True).first()
    if stage is None:
        raise RuleViolation(_("Choose a stage of this pipeline."))
    organization = _organization_named(actor, organization_name)
    person = _person_named(actor, person_name, organization, person_is_decision_maker)
    return deal_create(
        actor=actor,
        title=title,
        pipeline_stage=stage,
        value=value or 0,
        currency=currency or None,
        organization=organization,
        person=person,
        expected_close_date=expected_close_date,
        source="board",
        note=note,
    )
