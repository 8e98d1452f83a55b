"""Pieces every deal service shares: locking, version checks, history and board totals."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Exists, F, Model, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import BoardVersion, Deal, Pipeline, StageChange, StageTotal
from pipeline.services.webhooks import webhooks_emit_for_change
from shared.dates import relative_time
from shared.errors import NotVisible, VersionConflict


def model_diff(instance: Model, values: Mapping[str, object]) -> dict[str, object]:
    """The entries of `values` that differ from the instance's fields (no query)."""
    return {k: v for k, v in values.items() if getattr(instance, k) != v}


def model_update(instance: Model, values: Mapping[str, object], **always: object) -> list[str]:
    """The one "diff fields → update → setattr": write the fields of `values` that differ
    from `instance` in one UPDATE and set them on the instance; `always` (e.g.
    `updated_at=now`) is written with them, but only when something changed. Returns the
    names of the changed fields of `values` (empty: nothing written, no query). Callers that
    check the changes first pass `model_diff`'s result."""
    changed = model_diff(instance, values)
    if not changed:
        return []
    fields = {**changed, **always}
    type(instance)._default_manager.filter(pk=instance.pk).update(**fields)
    for name, value in fields.items():
        setattr(instance, name, value)
    return list(changed)


def deal_lock(deal_id: int) -> Deal:
    """Lock the deal row (PostgreSQL; SQLite relies on IMMEDIATE transactions and the
    conditional version update), then load it with what the services need.

    The lock takes no joins on purpose: when a concurrent writer changed the row, PostgreSQL
    re-checks the join conditions against the old rows of the joined tables, and a deal whose
    stage just changed would drop out of the result as if it did not exist.
    """
    locked = Deal.objects.select_for_update().filter(pk=deal_id).values_list("pk", flat=True)
    if not list(locked):
        raise NotVisible(_("This deal does not exist or you may not see it."))
    return Deal.objects.select_related("stage", "pipeline", "owner", "updated_by").get(pk=deal_id)


def describe_last_change(deal: Deal) -> str:
    """'Alice Smith moved this deal to Proposal 2 minutes ago' ('… just now' under a minute),
    for conflict messages; the time is worded by `shared.dates.relative_time`."""
    who = str(deal.updated_by) if deal.updated_by else _("Someone")
    when = relative_time(deal.updated_at, now=timezone.now())
    last = (
        StageChange.objects.filter(deal_id=deal.pk)
        .select_related("to_stage")
        .order_by("-timestamp", "-id")
        .first()
    )
    if last is not None and last.timestamp == deal.updated_at:
        if last.to_status == Deal.Status.WON and last.from_status != Deal.Status.WON:
            return _("%(who)s marked this deal as won %(when)s.") % {"who": who, "when": when}
        if last.to_status == Deal.Status.LOST and last.from_status != Deal.Status.LOST:
            return _("%(who)s marked this deal as lost %(when)s.") % {"who": who, "when": when}
        if last.to_status == Deal.Status.OPEN and last.from_status in (
            Deal.Status.WON,
            Deal.Status.LOST,
        ):
            return _("%(who)s reopened this deal %(when)s.") % {"who": who, "when": when}
        return _("%(who)s moved this deal to %(stage)s %(when)s.") % {
            "who": who,
            "stage": last.to_stage.name,
            "when": when,
        }
    return _("%(who)s changed this deal %(when)s.") % {"who": who, "when": when}


def check_version(deal: Deal, expected_version: int | None) -> None:
    if expected_version is not None and deal.version != expected_version:
        raise VersionConflict(
            _("Your view of this deal was out of date: %(change)s It is shown as it is now.")
            % {"change": describe_last_change(deal)},
            deal=deal,
        )


def write_deal(deal: Deal, expected_version: int, actor: User | None, **fields: object) -> Deal:
    """Conditional update: only if the version is still the one we locked. 0 rows means a
    concurrent writer won (this is what protects SQLite, which has no row locks)."""
    given = fields.pop("updated_at", None)
    now = given if isinstance(given, datetime.datetime) else timezone.now()
    updated = Deal.objects.filter(pk=deal.pk, version=expected_version).update(
        **fields, updated_at=now, updated_by=actor, version=F("version") + 1
    )
    if updated == 0:
        fresh = Deal.objects.select_related("stage", "updated_by").get(pk=deal.pk)
        raise VersionConflict(
            _("Your view of this deal was out of date: %(change)s It is shown as it is now.")
            % {"change": describe_last_change(fresh)},
            deal=fresh,
        )
    for name, value in fields.items():
        setattr(deal, name, value)
    deal.updated_at = now
    deal.updated_by = actor
    deal.version = expected_version + 1
    return deal


def previous_change_at(deal_id: int, timestamp: datetime.datetime) -> datetime.datetime | None:
    """The timestamp of the deal's latest history row at or before `timestamp`: where the stay
    a new row at `timestamp` ends began (one probe of `pipeline_change_deal_idx`)."""
    return (
        StageChange.objects.filter(deal_id=deal_id, timestamp__lte=timestamp)
        .order_by("-timestamp", "-id")
        .values_list("timestamp", flat=True)
        .first()
    )


def stage_change_row(
    *,
    deal_id: int,
    pipeline_id: int,
    from_stage_id: int | None,
    to_stage_id: int,
    from_status: str,
    to_status: str,
    actor: User | None,
    source: str,
    at: datetime.datetime,
    stay_started_at: datetime.datetime | None,
    lost_reason_id: int | None = None,
    note: str = "",
) -> StageChange:
    """The one builder of a history row, unsaved: `record_change` saves it, the stage-archive
    move and the importer write many at once. `stay_started_at` is when the stay this row
    ends began (the deal's previous row's timestamp; None for its entry row)."""
    return StageChange(
        deal_id=deal_id,
        pipeline_id=pipeline_id,
        from_stage_id=from_stage_id,
        to_stage_id=to_stage_id,
        from_status=from_status,
        to_status=to_status,
        user=actor,
        timestamp=at,
        stay_started_at=stay_started_at,
        source=source,
        lost_reason_id=lost_reason_id,
        note=note,
    )


def record_change(
    *,
    deal: Deal,
    from_stage_id: int | None,
    to_stage_id: int,
    from_status: str,
    to_status: str,
    actor: User | None,
    source: str,
    timestamp: datetime.datetime | None = None,
    lost_reason_id: int | None = None,
    note: str = "",
) -> StageChange:
    timestamp = timestamp or timezone.now()
    change = stage_change_row(
        deal_id=deal.pk,
        pipeline_id=deal.pipeline_id,
        from_stage_id=from_stage_id,
        to_stage_id=to_stage_id,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        source=source,
        at=timestamp,
        # A deal's first row (its entry, from_status "") has no previous row to look up.
        stay_started_at=previous_change_at(deal.pk, timestamp) if from_status else None,
        lost_reason_id=lost_reason_id,
        note=note,
    )
    change.save(force_insert=True)
    # Announce the change to subscribed webhooks once the transaction commits.
    webhooks_emit_for_change(deal=deal, change=change)
    return change


# (stage_id, owner_id, currency, value) of a deal counted on the board
TotalsKey = tuple[int, int, str, Decimal]


def totals_snapshot(deal: Deal) -> TotalsKey | None:
    """Where the deal counts in the board totals, or None when it does not (closed, parked)."""
    if not on_board(deal):
        return None
    return (deal.stage_id, deal.owner_id, deal.currency, deal.value)


def totals_move_owner(*, from_owner_id: int, to_owner_id: int) -> None:
    """Hand every board total of one owner to another (their open deals changed owner), in
    four statements whatever the number of stages and currencies."""
    source = StageTotal.objects.filter(owner_id=from_owner_id)
    keys = list(source.values_list("stage_id", "currency"))
    if not keys:
        return
    StageTotal.objects.bulk_create(
        [StageTotal(stage_id=st, owner_id=to_owner_id, currency=cur) for st, cur in keys],
        ignore_conflicts=True,
    )
    match = source.filter(stage_id=OuterRef("stage_id"), currency=OuterRef("currency"))
    StageTotal.objects.filter(owner_id=to_owner_id).filter(Exists(match)).update(
        open_count=F("open_count") + Subquery(match.values("open_count")[:1]),
        open_value=F("open_value") + Subquery(match.values("open_value")[:1]),
    )
    source.update(open_count=0, open_value=0)


def totals_move(before: TotalsKey | None, after: TotalsKey | None) -> None:
    """Shift the StageTotal rows from where the deal counted to where it counts now."""
    if before == after:
        return
    if before is not None:
        totals_add(*before[:3], -1, -before[3])
    if after is not None:
        totals_add(*after[:3], 1, after[3])


def totals_add(stage_id: int, owner_id: int, currency: str, count: int, value: Decimal) -> None:
    """Shift one StageTotal row (stage, owner, currency). Update first (the common case,
    one query); create the row only when it is missing, ignoring a concurrent creator, then
    update."""
    rows = StageTotal.objects.filter(stage_id=stage_id, owner_id=owner_id, currency=currency)
    if rows.update(open_count=F("open_count") + count, open_value=F("open_value") + value):
        return
    StageTotal.objects.bulk_create(
        [StageTotal(stage_id=stage_id, owner_id=owner_id, currency=currency)],
        ignore_conflicts=True,
    )
    rows.update(open_count=F("open_count") + count, open_value=F("open_value") + value)


def board_touch(pipeline_id: int, *owner_ids: int | None) -> None:
    """Tell the pipeline's open boards that something changed: only the boards showing these
    owners' deals, or every board of the pipeline when no owner is given (stages, settings,
    imports). Per-owner rows keep a move from making every poller redraw its board, and from
    queueing every move of the company on the one pipeline row."""
    owners = sorted({o for o in owner_ids if o is not None})
    if not owners:
        Pipeline.objects.filter(pk=pipeline_id).update(board_version=F("board_version") + 1)
        return
    rows = BoardVersion.objects.filter(pipeline_id=pipeline_id)
    if len(owners) == 1 and rows.filter(owner_id=owners[0]).update(version=F("version") + 1):
        return  # the common case: one owner whose row exists, one statement
    BoardVersion.objects.bulk_create(
        [BoardVersion(pipeline_id=pipeline_id, owner_id=o) for o in owners], ignore_conflicts=True
    )
    for owner_id in owners:  # in id order: two transactions never wait on each other in turn
        rows.filter(owner_id=owner_id).update(version=F("version") + 1)


def on_board(deal: Deal) -> bool:
    """Whether the deal counts in the board totals: open and not parked."""
    return deal.status == Deal.Status.OPEN and deal.parked_until is None
