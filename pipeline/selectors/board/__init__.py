"""The board: columns, their totals and their first page of cards, in a constant number of
queries whatever the number of deals or stages. The cards, their order and their cursors are
in `pipeline.selectors.board.cards`; every public name is importable from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from pipeline.models import BoardVersion, Deal, Pipeline, Stage, StageTotal
from pipeline.selectors._common import text_search
from pipeline.selectors.board.cards import (
    SEGMENTS,
    Card,
    _after,
    _decode_cursor,
    _pick_cards,
    _segment_qs,
    card_get,
    first_cards,
)
from pipeline.selectors.goals import GoalProgress, goal_marks_for_board
from pipeline.selectors.visibility import deal_list_visible, owner_ids_visible
from shared.currencies import currency_rates
from shared.money import Converted, Rate, convert, round_money
from shared.validation import is_id, query_text

__all__ = [
    "SEGMENTS",
    "BoardFilters",
    "BoardVersions",
    "Card",
    "Column",
    "Money",
    "board_columns",
    "board_deals",
    "board_display_currency",
    "board_get_versions",
    "card_get",
    "column_page",
]


@dataclass(frozen=True)
class BoardFilters:
    owner: str = "all"  # "all", "mine" or a user id
    q: str = ""
    status: str = "open"  # open, parked, won, lost

    @classmethod
    def from_query(cls, params: Any, user: User) -> BoardFilters:
        owner = (params.get("owner") or "all").strip()
        if owner not in ("all", "mine") and not is_id(owner):
            owner = "all"
        status = params.get("status") or "open"
        if status not in (*Deal.Status.values, Deal.PARKED):
            status = "open"
        return cls(owner=owner, q=query_text(params.get("q")), status=status)

    @property
    def is_default(self) -> bool:
        return self.owner == "all" and not self.q and self.status == "open"

    def as_query(self) -> dict[str, str]:
        out = {}
        if self.owner != "all":
            out["owner"] = self.owner
        if self.q:
            out["q"] = self.q
        if self.status != "open":
            out["status"] = self.status
        return out


@dataclass
class Money:
    """Amounts by currency; a sum never mixes currencies."""

    amounts: dict[str, Decimal] = field(default_factory=dict)

    def add(self, currency: str, amount: Decimal) -> None:
        self.amounts[currency] = self.amounts.get(currency, Decimal("0")) + amount

    def in_base(self) -> Decimal:
        return self.amounts.get(settings.DEFAULT_CURRENCY, Decimal("0"))

    def others(self) -> list[tuple[str, Decimal]]:
        return sorted((c, a) for c, a in self.amounts.items() if c != settings.DEFAULT_CURRENCY)


@dataclass
class Column:
    stage: Stage
    count: int = 0
    value: Money = field(default_factory=Money)
    weighted: Money = field(default_factory=Money)
    cards: list[Card] = field(default_factory=list)
    next_cursor: str | None = None
    # `value` and `weighted` converted to the viewer's display currency at the
    # stored rates (currencies without a rate stay apart in `.unconverted`).
    total: Converted | None = None
    weighted_total: Converted | None = None
    # The viewer's "deals progressed into this stage" goals with their progress (header mark).
    goal_marks: list[GoalProgress] = field(default_factory=list)


def board_display_currency(user: User, rates: dict[str, Rate]) -> str:
    """The currency the user's totals are shown in: their pick while it is enabled and has a
    rate, otherwise the base currency."""
    picked = (getattr(user, "display_currency", "") or "").upper()
    return picked if picked in rates else settings.DEFAULT_CURRENCY


_LOOKUP: Any = object()


def board_deals(
    *, pipeline: Pipeline, user: User, filters: BoardFilters, visible: Any = _LOOKUP
) -> QuerySet[Deal]:
    """The board's deals. `visible`: the user's `owner_ids_visible` when the caller has it
    already (one team lookup per board, not one per use)."""
    if visible is _LOOKUP:
        qs = deal_list_visible(user)
    else:
        qs = Deal.objects.all() if visible is None else Deal.objects.filter(owner_id__in=visible)
    if filters.status == Deal.PARKED:
        qs = qs.filter(pipeline=pipeline, status=Deal.Status.OPEN, parked_until__isnull=False)
    else:
        qs = qs.filter(pipeline=pipeline, status=filters.status)
    if filters.status == Deal.Status.OPEN and not filters.q:
        # Parked deals wait in the future pool, off the board; a search finds them too.
        qs = qs.filter(parked_until__isnull=True)
    if filters.owner == "mine":
        qs = qs.filter(owner=user)
    elif is_id(filters.owner):
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.q:
        qs = qs.filter(text_search(filters.q, "title", "organization__name", "person__name"))
    return qs


@dataclass(frozen=True)
class BoardVersions:
    """`mine`: what a poll compares: the pipeline's own version and the versions of the owners
    whose deals the user may see. It changes when anything this user's board can show
    changes, and not when a colleague's deals the user cannot see move. `everyone`: the same
    over every owner of the pipeline, which keys what counts every owner's deals (stage-goal
    marks of a team or the company)."""

    mine: str
    everyone: str


def board_get_versions(*, pipeline: Pipeline, user: User, visible: Any = _LOOKUP) -> BoardVersions:
    """Both versions in one small grouped query. `visible`: the user's `owner_ids_visible`
    when the caller has it (saves a manager's team lookup)."""
    rows = BoardVersion.objects.filter(pipeline=pipeline)
    if visible is _LOOKUP:
        visible = owner_ids_visible(user)
    mine = Q() if visible is None else Q(owner_id__in=visible)
    seen = rows.aggregate(
        n=Count("id", filter=mine),
        v=Sum("version", filter=mine),
        all_n=Count("id"),
        all_v=Sum("version"),
    )
    base = pipeline.board_version
    return BoardVersions(
        mine=f"{base}.{seen['n']}.{seen['v'] or 0}",
        everyone=f"{base}.{seen['all_n']}.{seen['all_v'] or 0}",
    )


def board_columns(
    *,
    pipeline: Pipeline,
    user: User,
    filters: BoardFilters,
    stages: list[Stage] | None = None,
    page: int | None = None,
    with_cards: bool = True,
    rates: dict[str, Rate] | None = None,
    goals_version: str | None = None,
    visible: Any = _LOOKUP,
) -> list[Column]:
    """Every active stage of the pipeline (or `stages`) with totals and its first cards.
    `rates`: the exchange rates if the caller already read them (else one query here).
    `visible`: the user's `owner_ids_visible` when the caller has it.
    `goals_version`: `BoardVersions.everyone` as the caller read it; the stage-goal marks reuse
    counts cached at that version (none given: counted afresh).

    Queries: stages (unless given), totals (one grouped query), rates, stage goals (the goals,
    then one aggregate for their marks when there are any), cards (one query), plus the
    visibility lookup for managers.
    """
    page = page or settings.STAGECOACH_BOARD_PAGE_SIZE
    today = timezone.localdate()
    if stages is None:
        stages = list(pipeline.stages.filter(is_active=True).order_by("position"))
    columns = {s.pk: Column(stage=s) for s in stages}
    if not columns:
        return []
    if visible is _LOOKUP:
        visible = owner_ids_visible(user)
    deals = board_deals(pipeline=pipeline, user=user, filters=filters, visible=visible)

    _add_totals(columns, deals=deals, user=user, filters=filters, visible=visible)
    _convert_totals(columns, user=user, rates=rates)

    # Stage goals the viewer should see as a mark in the column header: one query for the
    # goals and, when there are any and their counts at this board version are not cached,
    # one aggregate for all their counts.
    # The whole board reuses counts cached at the version it read; a move's headers (no
    # cards) count afresh, since the version they read predates the move.
    version = goals_version if with_cards else None
    for stage_id, marks in goal_marks_for_board(
        user=user, stages=stages, board_version=version
    ).items():
        columns[stage_id].goal_marks = marks

    if not with_cards:
        return list(columns.values())

    first = first_cards(list(columns), deals=deals, page=page, today=today)
    for stage_id, (cards, cursor) in first.items():
        columns[stage_id].cards = cards
        columns[stage_id].next_cursor = cursor
    return list(columns.values())


def _add_totals(
    columns: dict[int, Column],
    *,
    deals: QuerySet[Deal],
    user: User,
    filters: BoardFilters,
    visible: Any,
) -> None:
    """Each column's deal count, value and weighted value, per currency (one query).

    The maintained per-owner summary whenever the board's filter is a set of owners
    (everyone, a rep's own deals, a manager's team, one person); a grouped sum over the
    deals only for a text search or closed deals.
    """
    rows: Iterable[tuple[int, str, int | None, Decimal | None]]
    if not filters.q and filters.status == Deal.Status.OPEN:
        totals = StageTotal.objects.filter(stage_id__in=columns)
        if visible is not None:
            totals = totals.filter(owner_id__in=visible)
        if filters.owner == "mine":
            totals = totals.filter(owner_id=user.pk)
        elif is_id(filters.owner):
            totals = totals.filter(owner_id=int(filters.owner))
        rows = (
            totals.values("stage_id", "currency")
            .annotate(n=Sum("open_count"), total=Sum("open_value"))
            .values_list("stage_id", "currency", "n", "total")
        )
    else:
        rows = (
            deals.filter(stage_id__in=columns)
            .values("stage_id", "currency")
            .annotate(n=Count("id"), total=Sum("value"))
            .values_list("stage_id", "currency", "n", "total")
        )
    for stage_id, currency, count, total in rows:
        col = columns[stage_id]
        col.count += count or 0
        amount = total or Decimal("0")
        col.value.add(currency, amount)
        col.weighted.add(currency, round_money(amount * col.stage.probability_fraction, currency))


def _convert_totals(
    columns: dict[int, Column], *, user: User, rates: dict[str, Rate] | None
) -> None:
    """Every column's totals in the viewer's display currency: one query for the rates (unless
    the caller read them), then every column converts in Python."""
    base = settings.DEFAULT_CURRENCY
    if rates is None:
        rates = currency_rates()
    target = board_display_currency(user, rates)
    for col in columns.values():
        col.total = convert(col.value.amounts, to=target, base=base, rates=rates)
        col.weighted_total = convert(col.weighted.amounts, to=target, base=base, rates=rates)


def column_page(
    *,
    pipeline: Pipeline,
    stage: Stage,
    user: User,
    filters: BoardFilters,
    cursor: str,
    page: int | None = None,
) -> tuple[list[Card], str | None]:
    """The cards of one column after `cursor` (infinite scroll)."""
    page = page or settings.STAGECOACH_BOARD_PAGE_SIZE
    today = timezone.localdate()
    cur = _decode_cursor(cursor)
    if cur is None:
        return [], None
    deals = board_deals(pipeline=pipeline, user=user, filters=filters).filter(stage=stage)
    ids = Q()
    for segment in SEGMENTS:
        if segment < cur[0]:
            continue
        qs = _segment_qs(deals, segment, today)
        if segment == cur[0]:
            qs = _after(qs, segment, cur)
        ids |= Q(id__in=qs.values("id")[: page + 1])
    return _pick_cards(ids, page, today).get(stage.pk, ([], None))
