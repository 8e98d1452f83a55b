"""The board's cards: what a card shows, their order in a column, and the cursors that page
through a column.

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
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from pipeline.models import Deal
from shared.validation import date_in_range, is_id

SEGMENTS = (0, 1, 2)


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
    within what the database stores (a hostile cursor is an empty page, not a 500)."""
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


def first_cards(
    stage_ids: list[int], *, deals: QuerySet[Deal], page: int, today: datetime.date
) -> dict[int, tuple[list[Card], str | None]]:
    """Each stage's first page of cards and the cursor after it. Three bounded index scans
    per stage pick the candidates; one statement ranks them per stage and returns the
    first page of each."""
    ids = Q()
    for stage_id in stage_ids:
        per_stage = deals.filter(stage_id=stage_id)
        for segment in SEGMENTS:
            sub = _segment_qs(per_stage, segment, today).values("id")[: page + 1]
            ids |= Q(id__in=sub)
    return _pick_cards(ids, page, today, len(stage_ids))
