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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from pipeline.models import Deal, Pipeline, Stage, StageTotal
from pipeline.selectors.visibility import deal_list_visible, owner_ids_visible

SEGMENTS = (0, 1, 2)


@dataclass(frozen=True)
class BoardFilters:
    owner: str = "all"  # "all", "mine" or a user id
    q: str = ""
    status: str = "open"  # open, won, lost

    @classmethod
    def from_query(cls, params: Any, user: User) -> BoardFilters:
        owner = (params.get("owner") or "all").strip()
        if owner not in ("all", "mine") and not owner.isdigit():
            owner = "all"
        status = params.get("status") or "open"
        if status not in Deal.Status.values:
            status = "open"
        return cls(owner=owner, q=(params.get("q") or "").strip()[:100], status=status)

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
    cards: list[Deal] = field(default_factory=list)
    next_cursor: str | None = None


def board_deals(*, pipeline: Pipeline, user: User, filters: BoardFilters) -> QuerySet[Deal]:
    qs = deal_list_visible(user).filter(pipeline=pipeline, status=filters.status)
    if filters.status == Deal.Status.OPEN:
        # Parked deals wait in the future pool, off the board.
        qs = qs.filter(parked_until__isnull=True)
    if filters.owner == "mine":
        qs = qs.filter(owner=user)
    elif filters.owner.isdigit():
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(organization__name__icontains=filters.q)
            | Q(person__name__icontains=filters.q)
        )
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


def card_sort_key(deal: Deal, today: datetime.date) -> tuple:
    d = deal.next_activity_date
    segment = 1 if d is None else (0 if d <= today else 2)
    return (segment, d or datetime.date.min, -deal.created_at.timestamp(), -deal.pk)


def _encode_cursor(deal: Deal, today: datetime.date) -> str:
    segment = card_sort_key(deal, today)[0]
    date = deal.next_activity_date.isoformat() if deal.next_activity_date else ""
    return f"{segment}|{date}|{deal.created_at.isoformat()}|{deal.pk}"


def _decode_cursor(cursor: str) -> tuple[int, datetime.date | None, datetime.datetime, int] | None:
    try:
        seg, date, created, pk = cursor.split("|")
        return (
            int(seg),
            datetime.date.fromisoformat(date) if date else None,
            datetime.datetime.fromisoformat(created),
            int(pk),
        )
    except (ValueError, TypeError):
        return None


def _after(qs: QuerySet[Deal], segment: int, cur: tuple) -> QuerySet[Deal]:
    """Rows of `segment` strictly after the cursor in that segment's order."""
    _seg, date, created, pk = cur
    newer_tie = Q(created_at__lt=created) | Q(created_at=created, id__lt=pk)
    if segment == 1:
        return qs.filter(newer_tie)
    return qs.filter(Q(next_activity_date__gt=date) | (Q(next_activity_date=date) & newer_tie))


def _card_qs(ids_filter: Q) -> QuerySet[Deal]:
    return Deal.objects.filter(ids_filter).select_related(
        "owner", "organization", "person", "next_activity", "stage"
    )


def _finish(cards: list[Deal], page: int, today: datetime.date) -> tuple[list[Deal], str | None]:
    cards.sort(key=lambda d: card_sort_key(d, today))
    if len(cards) > page:
        cards = cards[:page]
        return cards, _encode_cursor(cards[-1], today)
    return cards, None


def board_columns(
    *,
    pipeline: Pipeline,
    user: User,
    filters: BoardFilters,
    stages: list[Stage] | None = None,
    page: int | None = None,
) -> list[Column]:
    """Every active stage of the pipeline (or `stages`) with totals and its first cards.

    Queries: stages (unless given), totals (one grouped query), cards (one query), plus the
    visibility lookup for managers.
    """
    page = page or settings.STAGECOACH_BOARD_PAGE_SIZE
    today = timezone.localdate()
    if stages is None:
        stages = list(pipeline.stages.filter(is_active=True).order_by("position"))
    columns = {s.pk: Column(stage=s) for s in stages}
    if not columns:
        return []
    deals = board_deals(pipeline=pipeline, user=user, filters=filters)

    # Totals: the maintained summary when the board shows every open deal, else a grouped sum.
    if filters.is_default and owner_ids_visible(user) is None:
        rows = StageTotal.objects.filter(stage_id__in=columns).values_list(
            "stage_id", "currency", "open_count", "open_value"
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
        col.count += count
        total = total or Decimal("0")
        col.value.add(currency, total)
        col.weighted.add(
            currency, (total * col.stage.probability_fraction).quantize(Decimal("0.01"))
        )

    # Cards: one statement, three bounded index scans per column.
    ids = Q()
    for stage_id in columns:
        per_stage = deals.filter(stage_id=stage_id)
        for segment in SEGMENTS:
            sub = _segment_qs(per_stage, segment, today).values("id")[: page + 1]
            ids |= Q(id__in=sub)
    grouped: dict[int, list[Deal]] = defaultdict(list)
    for deal in _card_qs(ids):
        grouped[deal.stage_id].append(deal)
    for stage_id, col in columns.items():
        col.cards, col.next_cursor = _finish(grouped[stage_id], page, today)
    return list(columns.values())


def column_page(
    *,
    pipeline: Pipeline,
    stage: Stage,
    user: User,
    filters: BoardFilters,
    cursor: str,
    page: int | None = None,
) -> tuple[list[Deal], str | None]:
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
    return _finish(list(_card_qs(ids)), page, today)
