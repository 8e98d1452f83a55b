"""Reads about one deal: its timeline of history, activities and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from accounts.models import User
from pipeline.models import Activity, Deal, Note, StageChange
from pipeline.selectors.visibility import deal_list_visible, owner_ids_visible


@dataclass
class TimelineEntry:
    when: datetime
    kind: str  # "change", "activity", "note"
    obj: object


def deal_timeline(*, deal: Deal) -> list[TimelineEntry]:
    """Newest first: stage changes, activities (by due or done time) and notes."""
    entries = [
        TimelineEntry(c.timestamp, "change", c)
        for c in StageChange.objects.filter(deal=deal).select_related(
            "from_stage", "to_stage", "user", "lost_reason"
        )
    ]
    for a in Activity.objects.filter(deal=deal).select_related("owner"):
        entries.append(TimelineEntry(a.done_at or a.created_at, "activity", a))
    entries += [
        TimelineEntry(n.created_at, "note", n)
        for n in Note.objects.filter(deal=deal).select_related("author")
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def deal_open_activities(*, deal: Deal) -> list[Activity]:
    return list(
        Activity.objects.filter(deal=deal, done_at__isnull=True)
        .select_related("owner")
        .order_by("due_date", "due_time", "id")
    )


def deal_notes(*, deal: Deal) -> QuerySet[Note]:
    """The deal's own notes, newest first (notes on its contact person are not included)."""
    return Note.objects.filter(deal=deal).select_related("author").order_by("-created_at", "-id")


def stage_change_list_visible(user: User) -> QuerySet[StageChange]:
    """History rows of the deals `user` may see (same rule as `deal_list_visible`)."""
    qs = StageChange.objects.all()
    if owner_ids_visible(user) is None:
        return qs
    return qs.filter(deal__in=deal_list_visible(user).values("pk"))
