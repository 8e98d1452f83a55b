"""Changing a deal: its fields, its stage, and its status (won, lost, reopened)."""

from __future__ import annotations

import datetime
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Deal, LostReason, Stage
from pipeline.services._common import (
    board_touch,
    record_change,
    totals_move,
    totals_snapshot,
    write_deal,
)
from pipeline.services.deals.checks import (
    check_external_id_free,
    check_owner,
    clean_currency,
    clean_money,
    clean_title,
    lock_for_edit,
    totals_refresh,
)
from pipeline.services.deals.requirements import (
    SOURCES_WITHOUT_REQUIREMENTS,
    deal_missing_requirements_by_stage,
    requirements_error,
)
from shared.errors import RuleViolation

_EDITABLE = {"title", "value", "currency", "owner", "organization", "person", "expected_close_date"}


@transaction.atomic
def deal_update(
    *, deal: Deal, expected_version: int, actor: User, changes: dict[str, object]
) -> Deal:
    """Edit a deal's fields (not its stage or status: those have their own services)."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise RuleViolation(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    locked = lock_for_edit(deal, actor, expected_version)
    fields: dict[str, object] = {}
    for name, raw in changes.items():
        if name == "title":
            raw = clean_title(raw)
        elif name == "value":
            raw = clean_money(raw)
        elif name == "currency":
            raw = clean_currency(str(raw), keep=locked.currency)
        elif name == "owner":
            # The forms and the API resolve an "owner" change to a User before calling.
            owner = cast(User, raw)
            check_owner(actor, owner)
            check_external_id_free(owner, locked.external_id, exclude=locked.pk)
        if getattr(locked, name) != raw:
            fields[name] = raw
    if not fields:
        return locked
    before = totals_snapshot(locked)
    old_owner = locked.owner_id
    write_deal(locked, expected_version, actor, **fields)
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, old_owner, locked.owner_id)
    return locked


@transaction.atomic
def deal_move(
    *, deal: Deal, to_stage: Stage, expected_version: int, actor: User, source: str = "board"
) -> Deal:
    """Move an open deal to another stage of its pipeline."""
    locked = lock_for_edit(deal, actor, expected_version)
    if to_stage.pipeline_id != locked.pipeline_id:
        raise RuleViolation(
            _("%(stage)s belongs to the %(other)s pipeline, not to %(pipeline)s.")
            % {
                "stage": to_stage.name,
                "other": to_stage.pipeline.name,
                "pipeline": locked.pipeline.name,
            },
            deal=locked,
        )
    if not to_stage.is_active:
        raise RuleViolation(
            _("%(stage)s is archived; deals cannot move into it.") % {"stage": to_stage.name},
            deal=locked,
        )
    if locked.status != Deal.Status.OPEN:
        raise RuleViolation(
            _("This deal is %(status)s; reopen it before moving it.")
            % {"status": locked.get_status_display().lower()},
            deal=locked,
        )
    if to_stage.pk == locked.stage_id:
        return locked
    if source not in SOURCES_WITHOUT_REQUIREMENTS:
        missing = deal_missing_requirements_by_stage(deal=locked, to_stage=to_stage)
        if missing:
            raise requirements_error(locked, missing)
    from_stage_id = locked.stage_id
    before = totals_snapshot(locked)
    now = timezone.now()
    write_deal(
        locked, expected_version, actor, stage=to_stage, stage_entered_at=now, updated_at=now
    )
    record_change(
        deal=locked,
        from_stage_id=from_stage_id,
        to_stage_id=to_stage.pk,
        from_status=Deal.Status.OPEN,
        to_status=Deal.Status.OPEN,
        actor=actor,
        source=source,
        timestamp=now,
    )
    return totals_refresh(locked, before)


def _close(
    *,
    deal: Deal,
    expected_version: int,
    actor: User,
    source: str,
    status: str,
    lost_reason: LostReason | None = None,
    note: str = "",
    closed_at: datetime.datetime | None = None,
) -> Deal:
    locked = lock_for_edit(deal, actor, expected_version)
    if locked.status != Deal.Status.OPEN:
        raise RuleViolation(
            _("This deal is already %(status)s.") % {"status": locked.get_status_display().lower()},
            deal=locked,
        )
    before = totals_snapshot(locked)
    now = timezone.now()
    when = closed_at or now
    write_deal(
        locked,
        expected_version,
        actor,
        status=status,
        closed_at=when,
        lost_reason=lost_reason,
        lost_note=note,
        parked_until=None,
        updated_at=now,
    )
    record_change(
        deal=locked,
        from_stage_id=locked.stage_id,
        to_stage_id=locked.stage_id,
        from_status=Deal.Status.OPEN,
        to_status=status,
        actor=actor,
        source=source,
        timestamp=now if closed_at is None else when,
        lost_reason_id=lost_reason.pk if lost_reason else None,
        note=note,
    )
    return totals_refresh(locked, before)


@transaction.atomic
def deal_win(
    *,
    deal: Deal,
    expected_version: int,
    actor: User,
    source: str = "board",
    closed_at: datetime.datetime | None = None,
) -> Deal:
    return _close(
        deal=deal,
        expected_version=expected_version,
        actor=actor,
        source=source,
        status=Deal.Status.WON,
        closed_at=closed_at,
    )


@transaction.atomic
def deal_lose(
    *,
    deal: Deal,
    expected_version: int,
    actor: User,
    reason: LostReason | None,
    note: str = "",
    source: str = "board",
    closed_at: datetime.datetime | None = None,
) -> Deal:
    if reason is None:
        raise RuleViolation(_("Choose why the deal was lost."), deal=deal)
    return _close(
        deal=deal,
        expected_version=expected_version,
        actor=actor,
        source=source,
        status=Deal.Status.LOST,
        lost_reason=reason,
        note=(note or "").strip(),
        closed_at=closed_at,
    )


@transaction.atomic
def deal_reopen(*, deal: Deal, expected_version: int, actor: User, source: str = "form") -> Deal:
    locked = lock_for_edit(deal, actor, expected_version)
    if locked.status == Deal.Status.OPEN:
        raise RuleViolation(_("This deal is already open."), deal=locked)
    if not locked.stage.is_active:
        raise RuleViolation(
            _("Its stage %(stage)s is archived; an admin must move it first.")
            % {"stage": locked.stage.name},
            deal=locked,
        )
    from_status = locked.status
    before = totals_snapshot(locked)
    now = timezone.now()
    write_deal(
        locked,
        expected_version,
        actor,
        status=Deal.Status.OPEN,
        closed_at=None,
        lost_reason=None,
        lost_note="",
        stage_entered_at=now,
        updated_at=now,
    )
    record_change(
        deal=locked,
        from_stage_id=locked.stage_id,
        to_stage_id=locked.stage_id,
        from_status=from_status,
        to_status=Deal.Status.OPEN,
        actor=actor,
        source=source,
        timestamp=now,
    )
    return totals_refresh(locked, before)
