"""The only code that creates deals or changes their stage or status.

Every service runs in one transaction, locks the deal row, checks the version the client
read, writes with a conditional update, appends a StageChange row, keeps the board totals
and bumps the version. See docs/architecture.md.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import (
    Activity,
    Deal,
    LostReason,
    Note,
    Organization,
    Person,
    Pipeline,
    Stage,
)
from pipeline.selectors.visibility import (
    deal_check_edit,
    organization_list_visible,
    owner_ids_editable,
    person_list_visible,
)
from pipeline.services._common import (
    board_touch,
    check_version,
    deal_lock,
    record_change,
    totals_move,
    totals_snapshot,
    write_deal,
)
from pipeline.services.activities import activity_create
from pipeline.services.contacts import organization_create, person_create, person_update
from shared.currencies import currency_codes_enabled
from shared.errors import DuplicateFound, NotAllowed, RuleViolation
from shared.validation import require_fits

_DONE_TYPES = {
    Stage.Requirement.DONE_CALL: Activity.Type.CALL,
    Stage.Requirement.DONE_MEETING: Activity.Type.MEETING,
    Stage.Requirement.DONE_EMAIL: Activity.Type.EMAIL,
    Stage.Requirement.DONE_DEMO: Activity.Type.DEMO,
}
# Imports and system jobs write history as it happened; entry requirements guard people.
_SOURCES_WITHOUT_REQUIREMENTS = {"import", "system"}


def _clean_money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise RuleViolation(_("The value must be a number, for example 1250.00.")) from exc
    if not amount.is_finite():
        raise RuleViolation(_("The value must be a number, for example 1250.00."))
    if amount < 0:
        raise RuleViolation(_("The value cannot be negative."))
    if amount >= Decimal("1e12"):
        raise RuleViolation(
            _("The largest value allowed is %(max)s.") % {"max": "999,999,999,999.99"}
        )
    return amount.quantize(Decimal("0.01"))


TITLE_MAX_LENGTH = 200


def _clean_title(title: object) -> str:
    """A deal's title, refused (never cut) when longer than the column holds."""
    text = str(title or "").strip()
    if not text:
        raise RuleViolation(_("A deal needs a title."))
    return require_fits(text, TITLE_MAX_LENGTH, _("Title"))


def _clean_currency(currency: str, *, keep: str | None = None) -> str:
    """A three-letter code among the company's enabled currencies (issue 10). `keep` is the
    record's current currency: a deal whose currency an admin has since disabled keeps it."""
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise RuleViolation(_("The currency must be a three-letter code such as EUR or USD."))
    if code in (settings.DEFAULT_CURRENCY, keep):
        return code
    enabled = currency_codes_enabled()
    if code not in enabled:
        raise RuleViolation(
            _(
                "%(code)s is not one of the company's currencies (%(enabled)s). "
                "An admin can enable it under Settings → Currencies."
            )
            % {"code": code, "enabled": ", ".join(enabled)}
        )
    return code


def _check_owner(actor: User, owner: User) -> None:
    owners = owner_ids_editable(actor)
    if owners is not None and owner.pk not in owners:
        raise NotAllowed(_("You cannot give a deal to %(owner)s.") % {"owner": owner})
    if not owner.is_active:
        raise RuleViolation(_("%(owner)s is deactivated and cannot own deals.") % {"owner": owner})


def _check_external_id_free(
    owner: User, external_id: str | None, exclude: int | None = None
) -> None:
    """External ids are unique per owner. Only called after `_check_owner`: the actor may see
    every deal of `owner`, so the refusal tells them nothing they could not look up."""
    if not external_id:
        return
    others = Deal.objects.filter(owner=owner, external_id=external_id)
    clash = (others if exclude is None else others.exclude(pk=exclude)).first()
    if clash is not None:
        raise RuleViolation(
            _("%(owner)s already has a deal with the external id %(id)s: %(title)s.")
            % {"owner": owner, "id": external_id, "title": clash.title}
        )


def deal_missing_requirements(
    *, deal: Deal, to_stage: Stage, entering_pipeline: bool = False
) -> list[str]:
    """What the deal still lacks to enter `to_stage`, as readable phrases.

    A forward move must satisfy the requirements of every stage it passes, since a deal that
    reaches a stage counts as having passed the earlier ones; a backward move only those of
    the target stage. A new deal (`entering_pipeline`) passes every stage up to its own.
    """
    missing = deal_missing_requirements_by_stage(
        deal=deal, to_stage=to_stage, entering_pipeline=entering_pipeline
    )
    return [str(Stage.Requirement(code).label) for _stage, codes in missing for code in codes]


def deal_requirement_codes(
    *, deal: Deal, to_stage: Stage, entering_pipeline: bool = False
) -> list[tuple[Stage, list[str]]]:
    """Every stage a move into `to_stage` passes that asks for something, with the codes it
    asks for, in pipeline order. A code asked by two stages is listed under the first."""
    if entering_pipeline:
        after_position = -1
    elif deal.stage.pipeline_id == to_stage.pipeline_id:
        after_position = deal.stage.position
    else:
        after_position = to_stage.position
    if to_stage.position > after_position + 1:
        stages = list(
            Stage.objects.filter(
                pipeline_id=to_stage.pipeline_id,
                is_active=True,
                position__gt=after_position,
                position__lt=to_stage.position,
            ).order_by("position")
        )
    else:
        stages = []
    stages.append(to_stage)
    return _codes_by_stage(stages)


def _codes_by_stage(stages: list[Stage]) -> list[tuple[Stage, list[str]]]:
    """The requirement codes each of `stages` (in pipeline order) adds to the ones before it:
    a code asked by two stages is listed under the first."""
    seen: set[str] = set()
    asked: list[tuple[Stage, list[str]]] = []
    for stage in stages:
        codes = [
            code
            for code in stage.requirements or []
            if code not in seen and code in Stage.Requirement.values
        ]
        seen.update(codes)
        if codes:
            asked.append((stage, codes))
    return asked


def stage_entry_codes(stages: list[Stage]) -> dict[int, list[str]]:
    """For each of a pipeline's active stages: what a new deal must show to be created in it
    (the requirements of every stage up to it, as `deal_create` checks them). The quick-add
    form offers the matching fields."""
    ordered = sorted(stages, key=lambda s: s.position)
    added = {stage.pk: codes for stage, codes in _codes_by_stage(ordered)}
    entry: dict[int, list[str]] = {}
    running: list[str] = []
    for stage in ordered:
        running = [*running, *added.get(stage.pk, [])]
        entry[stage.pk] = running
    return entry


def deal_missing_requirements_by_stage(
    *, deal: Deal, to_stage: Stage, entering_pipeline: bool = False, with_note: bool = False
) -> list[tuple[Stage, list[str]]]:
    """The unmet requirement codes of each stage a move into `to_stage` passes, so a refusal
    names the stage that asks (issue 16 item 5), not the stage the deal was dropped on."""
    asked = deal_requirement_codes(
        deal=deal, to_stage=to_stage, entering_pipeline=entering_pipeline
    )
    if not asked:
        return []
    codes = [code for _stage, stage_codes in asked for code in stage_codes]
    done_types: set[str] = set()
    if deal.pk and any(code in _DONE_TYPES for code in codes):
        done_types = set(
            Activity.objects.filter(deal_id=deal.pk, done_at__isnull=False)
            .values_list("type", flat=True)
            .distinct()
        )
    person = deal.person if deal.person_id else None
    # `with_note`: a new deal whose first note is written in the same transaction.
    has_note = with_note or (
        any(code in (Stage.Requirement.NOTE, Stage.Requirement.NOTE_OR_CONTACT) for code in codes)
        and bool(deal.pk and Note.objects.filter(deal_id=deal.pk).exists())
    )
    contact_note = (
        Stage.Requirement.NOTE_OR_CONTACT in codes
        and not has_note
        and person is not None
        and Note.objects.filter(person_id=person.pk).exists()
    )
    met = {
        Stage.Requirement.VALUE: deal.value > 0,
        Stage.Requirement.CLOSE_DATE: deal.expected_close_date is not None,
        Stage.Requirement.ORGANIZATION: deal.organization_id is not None,
        Stage.Requirement.PERSON: person is not None,
        Stage.Requirement.DECISION_MAKER: person is not None and person.is_decision_maker,
        # Only a note on the deal itself counts, not one on its contact person.
        Stage.Requirement.NOTE: has_note,
        Stage.Requirement.NOTE_OR_CONTACT: has_note or contact_note,
        **{code: kind in done_types for code, kind in _DONE_TYPES.items()},
    }
    missing = []
    for stage, stage_codes in asked:
        unmet = [code for code in stage_codes if not met.get(code, True)]
        if unmet:
            missing.append((stage, unmet))
    return missing


def _requirements_error(deal: Deal, missing: list[tuple[Stage, list[str]]]) -> RuleViolation:
    def phrase(code: str) -> str:
        label = str(Stage.Requirement(code).label)
        return label[0].lower() + label[1:]

    return RuleViolation(
        " ".join(
            _("%(stage)s needs first: %(missing)s.")
            % {"stage": stage.name, "missing": "; ".join(phrase(c) for c in codes)}
            for stage, codes in missing
        ),
        deal=deal,
        missing=[str(Stage.Requirement(c).label) for _stage, codes in missing for c in codes],
    )


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

    title = _clean_title(title)
    stage = pipeline_stage
    if not stage.is_active:
        raise RuleViolation(_("%(stage)s is archived; choose another stage.") % {"stage": stage})
    owner = owner or actor
    _check_owner(actor, owner)
    _check_external_id_free(owner, external_id or None)
    now = timezone.now()
    created = created_at or now
    deal = Deal(
        title=title,
        value=_clean_money(value),
        currency=_clean_currency(currency or settings.DEFAULT_CURRENCY),
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
    if source not in _SOURCES_WITHOUT_REQUIREMENTS:
        missing = deal_missing_requirements_by_stage(
            deal=deal, to_stage=stage, entering_pipeline=True, with_note=bool(note.strip())
        )
        if missing:
            raise _requirements_error(deal, missing)
    deal.save(force_insert=True)
    record_change(
        deal=deal,
        from_stage_id=None,
        to_stage_id=stage.pk,
        from_status="",
        to_status=Deal.Status.OPEN,
        actor=actor,
        source=source,
        timestamp=created,
    )
    totals_move(None, totals_snapshot(deal))
    board_touch(stage.pipeline_id, deal.owner_id)
    if note.strip():
        from pipeline.services.contacts import note_create

        note_create(actor=actor, body=note, deal=deal)
    return deal


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

    The stage's entry requirements can be met here too (issue 16 item 7): a close date, a
    contact person (one of that name in the organization, or a new one, marked decision maker
    if asked) and a first note."""
    stage = Stage.objects.filter(pk=stage_id, pipeline=pipeline, is_active=True).first()
    if stage is None:
        raise RuleViolation(_("Choose a stage of this pipeline."))
    name = (organization_name or "").strip()
    organization = None
    if name:
        organization = organization_list_visible(actor).filter(name__iexact=name).first()
        if organization is None:
            try:
                organization = organization_create(actor=actor, name=name)
            except DuplicateFound as dup:  # the same name written differently: link that one
                organization = dup.existing[0]
    person = None
    person_name = (person_name or "").strip()
    if person_name:
        people = person_list_visible(actor).filter(name__iexact=person_name)
        person = (people.filter(organization=organization) if organization else people).first()
        if person is None:
            person = person_create(
                actor=actor,
                name=person_name,
                organization=organization,
                is_decision_maker=person_is_decision_maker,
            )
        elif person_is_decision_maker and not person.is_decision_maker:
            person = person_update(person=person, actor=actor, changes={"is_decision_maker": True})
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
    locked = deal_lock(deal.pk)
    deal_check_edit(actor, locked)
    check_version(locked, expected_version)
    fields: dict[str, object] = {}
    for name, raw in changes.items():
        if name == "title":
            raw = _clean_title(raw)
        elif name == "value":
            raw = _clean_money(raw)
        elif name == "currency":
            raw = _clean_currency(str(raw), keep=locked.currency)
        elif name == "owner":
            _check_owner(actor, raw)  # type: ignore[arg-type]
            _check_external_id_free(raw, locked.external_id, exclude=locked.pk)  # type: ignore[arg-type]
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
    locked = deal_lock(deal.pk)
    deal_check_edit(actor, locked)
    check_version(locked, expected_version)
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
    if source not in _SOURCES_WITHOUT_REQUIREMENTS:
        missing = deal_missing_requirements_by_stage(deal=locked, to_stage=to_stage)
        if missing:
            raise _requirements_error(locked, missing)
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
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, locked.owner_id)
    return locked


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
    locked = deal_lock(deal.pk)
    deal_check_edit(actor, locked)
    check_version(locked, expected_version)
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
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, locked.owner_id)
    return locked


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
    locked = deal_lock(deal.pk)
    deal_check_edit(actor, locked)
    check_version(locked, expected_version)
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
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, locked.owner_id)
    return locked


@transaction.atomic
def deal_park(*, deal: Deal, until: datetime.date, expected_version: int, actor: User) -> Deal:
    """Put an open deal in the future pool: it stays open but leaves the board until `until`."""
    locked = deal_lock(deal.pk)
    deal_check_edit(actor, locked)
    check_version(locked, expected_version)
    if locked.status != Deal.Status.OPEN:
        raise RuleViolation(_("Only open deals can be parked."), deal=locked)
    if until <= timezone.localdate():
        raise RuleViolation(_("Choose a revisit date in the future."), deal=locked)
    before = totals_snapshot(locked)
    write_deal(locked, expected_version, actor, parked_until=until)
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, locked.owner_id)
    return locked


@transaction.atomic
def deal_unpark(*, deal: Deal, actor: User | None, expected_version: int | None = None) -> Deal:
    """Bring a parked deal back to the board (its revisit date came, or a user asked). A user
    sends the version they saw; the nightly return (`actor` None) has none to send."""
    locked = deal_lock(deal.pk)
    if actor is not None:
        deal_check_edit(actor, locked)
    check_version(locked, expected_version)
    if locked.parked_until is None:
        return locked
    before = totals_snapshot(locked)
    write_deal(locked, locked.version, actor, parked_until=None)
    totals_move(before, totals_snapshot(locked))
    board_touch(locked.pipeline_id, locked.owner_id)
    return locked


def deal_unpark_due(*, today: datetime.date) -> int:
    """Return every deal whose revisit date has come to the board; returns how many.

    Each deal comes back with a follow-up task for its owner, due `today`, in the same
    transaction as the unpark. Each deal is its own transaction and re-checks the deal under
    the lock, so a crash part-way loses nothing, a re-run picks up exactly the rest, and a
    re-delivered task never adds a second follow-up.
    """
    count = 0
    due = Deal.objects.filter(
        status=Deal.Status.OPEN, parked_until__isnull=False, parked_until__lte=today
    ).values_list("pk", flat=True)
    for deal_id in list(due.iterator()):
        count += _deal_return_from_pool(deal_id, today)
    return count


@transaction.atomic
def _deal_return_from_pool(deal_id: int, today: datetime.date) -> int:
    locked = deal_lock(deal_id)
    if (
        locked.status != Deal.Status.OPEN
        or locked.parked_until is None
        or locked.parked_until > today
    ):
        return 0
    deal_unpark(deal=locked, actor=None)
    activity_create(
        actor=locked.owner,
        owner=locked.owner,
        type=Activity.Type.TASK,
        subject=_("Follow up: back from the future pool"),
        due_date=today,
        deal=locked,
        done=False,
    )
    return 1
