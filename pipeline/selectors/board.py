"""The board: columns, their totals and their first page of cards, in a constant number of
queries whatever the number of deals or stages.

Cards are ordered as reps expect from Pipedrive: overdue next activity first, then due today,
then deals with no next activity, then future activities; ties newest first. That order is
three index range scans per column (see `pipeline_deal_card_order_idx`):

    segment 0: next activity on or before today, by date ascending, newest first on ties;
    segment 1: no next activity, newest first;
    segment 2: next activity after today, by date ascending, newest first on ties.

The first page of every column is one SQL statement that ORs `id IN (… LIMIT n+1)` for each
(stage, segment), so each column costs three short index scans, not a sort of its deals.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.models import User
from pipeline.models import BoardVersion, Deal, Pipeline, Stage, StageTotal
from pipeline.selectors._common import text_search
from pipeline.selectors.goals import GoalProgress, goal_marks_for_board
from pipeline.selectors.visibility import deal_list_visible, owner_ids_visible
from shared.currencies import currency_rates
from shared.money import Converted, Rate, convert, round_money
from shared.validation import date_in_range, is_id, query_text

SEGMENTS = (0, 1, 2)


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


@dataclass(slots=True)
class Card:
    """What a board card shows: a read model loaded with one joined `values_list`, because
    building five model instances per card dominated the board's server time."""

    id: int
    version: int
    title: str
    status: str
    value: Decimal
    currency: str
    stage_id: int
    stage_entered_at: datetime.datetime
    next_activity_date: datetime.date | None
    owner_first: str
    owner_last: str
    owner_username: str
    organization: str | None
    person: str | None
    activity_id: int | None
    activity_type: str | None
    activity_subject: str | None
    rotting_days: int | None
    created_at: datetime.datetime
    # Set on an open deal waiting in the future pool (a board search finds those too).
    parked_until: datetime.date | None = None

    @property
    def owner_name(self) -> str:
        return f"{self.owner_first} {self.owner_last}".strip() or self.owner_username

    @property
    def owner_initials(self) -> str:
        parts = [p for p in (self.owner_first, self.owner_last) if p]
        return "".join(p[0] for p in parts).upper() if parts else self.owner_username[:2].upper()


_CARD_FIELDS = (
    "id",
    "version",
    "title",
    "status",
    "value",
    "currency",
    "stage_id",
    "stage_entered_at",
    "next_activity_date",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "organization__name",
    "person__name",
    "next_activity_id",
    "next_activity__type",
    "next_activity__subject",
    "stage__rotting_days",
    "created_at",
    "parked_until",
)


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


def _segment_qs(qs: QuerySet[Deal], segment: int, today: datetime.date) -> QuerySet[Deal]:
    if segment == 0:
        return qs.filter(next_activity_date__lte=today).order_by(
            "next_activity_date", "-created_at", "-id"
        )
    if segment == 1:
        return qs.filter(next_activity_date__isnull=True).order_by("-created_at", "-id")
    return qs.filter(next_activity_date__gt=today).order_by(
        "next_activity_date", "-created_at", "-id"
    )


def _sort_key(
    next_date: datetime.date | None, created: datetime.datetime, pk: int, today: datetime.date
) -> tuple:
    segment = 1 if next_date is None else (0 if next_date <= today else 2)
    return (segment, next_date or datetime.date.min, -created.timestamp(), -pk)


def _encode_cursor(card: Card, today: datetime.date) -> str:
    date, created = card.next_activity_date, card.created_at
    segment = _sort_key(date, created, card.id, today)[0]
    return f"{segment}|{date.isoformat() if date else ''}|{created.isoformat()}|{card.id}"


def _decode_cursor(cursor: str) -> tuple[int, datetime.date | None, datetime.datetime, int] | None:
    """The position a client sends back, or None when it is not one `_encode_cursor` could
    have written: a segment, a date exactly when the segment has one, a time and an id, each
    within what the database stores (issue 15: a hostile cursor is an empty page, not a 500)."""
    try:
        seg, date, created, pk = cursor.split("|")
        segment = int(seg) if seg in ("0", "1", "2") else -1
        day = datetime.date.fromisoformat(date) if date else None
        at = datetime.datetime.fromisoformat(created)
        if timezone.is_naive(at):
            at = timezone.make_aware(at, datetime.UTC)
        at = at.astimezone(datetime.UTC)
    except (ValueError, TypeError, OverflowError):
        return None
    if segment not in SEGMENTS or (day is None) != (segment == 1) or not is_id(pk):
        return None
    if (day is not None and not date_in_range(day)) or not date_in_range(at):
        return None
    return segment, day, at, int(pk)


def _after(qs: QuerySet[Deal], segment: int, cur: tuple) -> QuerySet[Deal]:
    """Rows of `segment` strictly after the cursor in that segment's order."""
    _seg, date, created, pk = cur
    newer_tie = Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
    if segment == 1:
        return qs.filter(newer_tie)
    return qs.filter(Q(next_activity_date__gt=date) | (Q(next_activity_date=date) & newer_tie))


def _pick_cards(
    candidates: Q, page: int, today: datetime.date, columns: int = 1
) -> dict[int, tuple[list[Card], str | None]]:
    """Per stage, the first `page` cards in board order among `candidates`, and the cursor
    after them. The database numbers the candidates per stage (a window function over at most
    3 × (page + 1) rows a column) and returns only the first page + 1 of each, card fields
    included: one query, whatever the number of deals."""
    segment = Case(
        When(next_activity_date__lte=today, then=Value(0)),
        When(next_activity_date__isnull=True, then=Value(1)),
        default=Value(2),
    )
    ranked = (
        Deal.objects.filter(candidates)
        .annotate(
            board_rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[
                    segment.asc(),
                    F("next_activity_date").asc(),
                    F("created_at").desc(),
                    F("id").desc(),
                ],
            )
        )
        .filter(board_rank__lte=page + 1)
        .values("id")
        # A bound the ranking already guarantees, stated for PostgreSQL's planner: without it
        # it expects every deal of the table back and joins the card fields to all of them
        # before keeping the winners (3x slower at 20,000 deals).
        .order_by()[: columns * (page + 1)]
    )
    # Ranking the bare ids first and joining the card fields to the winners keeps SQLite's
    # planner on index lookups; joining before ranking made it 8x slower at 100,000 deals.
    rows = Deal.objects.filter(id__in=ranked).values_list(*_CARD_FIELDS)
    by_stage: dict[int, list[Card]] = defaultdict(list)
    for row in rows:
        card = Card(*row)
        by_stage[card.stage_id].append(card)
    out = {}
    for stage_id, cards in by_stage.items():
        cards.sort(key=lambda c: _sort_key(c.next_activity_date, c.created_at, c.id, today))
        cursor = _encode_cursor(cards[page - 1], today) if len(cards) > page else None
        out[stage_id] = (cards[:page], cursor)
    return out


def _load_cards(ids: list[int]) -> dict[int, Card]:
    """The cards behind the chosen ids, in one joined query."""
    if not ids:
        return {}
    rows = Deal.objects.filter(pk__in=ids).values_list(*_CARD_FIELDS)
    return {row[0]: Card(*row) for row in rows}


def card_get(deal_id: int) -> Card:
    return _load_cards([deal_id])[deal_id]


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

    _add_first_cards(columns, deals=deals, page=page, today=today)
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


def _add_first_cards(
    columns: dict[int, Column], *, deals: QuerySet[Deal], page: int, today: datetime.date
) -> None:
    """Each column's first page of cards and the cursor after it. Three bounded index scans
    per column pick the candidates; one statement ranks them per column and returns the
    first page of each."""
    ids = Q()
    for stage_id in columns:
        per_stage = deals.filter(stage_id=stage_id)
        for segment in SEGMENTS:
            sub = _segment_qs(per_stage, segment, today).values("id")[: page + 1]
            ids |= Q(id__in=sub)
    for stage_id, (cards, cursor) in _pick_cards(ids, page, today, len(columns)).items():
        columns[stage_id].cards = cards
        columns[stage_id].next_cursor = cursor


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
