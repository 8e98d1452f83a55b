"""Reads about activities: "My activities" buckets, the week calendar, goal progress and the
calendar feed. Every list starts from `activity_list_visible`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from pipeline.models import Activity, ActivityGoal, Deal
from pipeline.selectors.visibility import activity_list_visible, owner_ids_editable

# What counts as talking to someone, for the "new conversations" goal.
CONVERSATION_TYPES = [Activity.Type.CALL, Activity.Type.MEETING, Activity.Type.DEMO]
# Done activities shown at the bottom of "My activities" (the newest).
DONE_LIMIT = 50
# What the calendar feed covers: recent history and everything planned.
FEED_PAST_DAYS = 60
FEED_LIMIT = 2000


@dataclass(frozen=True)
class ActivityFilters:
    owner: str = "mine"  # "mine", "team" (everyone the user may see) or a user id
    type: str = ""

    @classmethod
    def from_query(cls, params: Any) -> ActivityFilters:
        owner = (params.get("owner") or "mine").strip()
        if owner not in ("mine", "team") and not owner.isdigit():
            owner = "mine"
        kind = (params.get("type") or "").strip()
        if kind not in Activity.Type.values:
            kind = ""
        return cls(owner=owner, type=kind)

    def as_query(self) -> dict[str, str]:
        out = {}
        if self.owner != "mine":
            out["owner"] = self.owner
        if self.type:
            out["type"] = self.type
        return out


def next_workday(today: datetime.date | None = None) -> datetime.date:
    """The default date offered for a next step: tomorrow, or Monday after a Friday."""
    day = (today or timezone.localdate()) + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def _filtered(user: User, filters: ActivityFilters) -> QuerySet[Activity]:
    qs = activity_list_visible(user)
    if filters.owner == "mine":
        qs = qs.filter(owner=user)
    elif filters.owner.isdigit():
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.type:
        qs = qs.filter(type=filters.type)
    return qs.select_related("owner", "deal", "person", "organization")


@dataclass
class Buckets:
    overdue: list[Activity] = field(default_factory=list)
    today: list[Activity] = field(default_factory=list)
    this_week: list[Activity] = field(default_factory=list)
    later: list[Activity] = field(default_factory=list)
    done: list[Activity] = field(default_factory=list)


def activity_buckets(
    *, user: User, filters: ActivityFilters, today: datetime.date | None = None
) -> Buckets:
    """Open activities split into overdue / today / rest of this week / later, and the
    newest done ones. Two queries (plus the visibility lookup for managers)."""
    today = today or timezone.localdate()
    sunday = week_start(today) + datetime.timedelta(days=6)
    qs = _filtered(user, filters)
    out = Buckets()
    for a in qs.filter(done_at__isnull=True).order_by("due_date", "due_time", "id"):
        if a.due_date < today:
            out.overdue.append(a)
        elif a.due_date == today:
            out.today.append(a)
        elif a.due_date <= sunday:
            out.this_week.append(a)
        else:
            out.later.append(a)
    out.done = list(qs.filter(done_at__isnull=False).order_by("-done_at", "-id")[:DONE_LIMIT])
    return out


@dataclass
class Day:
    date: datetime.date
    activities: list[Activity] = field(default_factory=list)


def activity_week(*, user: User, filters: ActivityFilters, monday: datetime.date) -> list[Day]:
    """Seven days from `monday` with their activities (done and open), timed ones by time."""
    days = [Day(monday + datetime.timedelta(days=i)) for i in range(7)]
    qs = _filtered(user, filters).filter(
        due_date__gte=monday, due_date__lte=monday + datetime.timedelta(days=6)
    )
    for a in qs.order_by("due_date", "due_time", "id"):
        days[(a.due_date - monday).days].activities.append(a)
    return days


def owners_choosable(user: User) -> QuerySet[User]:
    """Whose activities `user` may filter on (and assign to)."""
    owners = owner_ids_editable(user)
    qs = User.objects.filter(is_active=True)
    if owners is not None:
        qs = qs.filter(pk__in=owners)
    return qs.order_by("first_name", "last_name", "username")


# --- Goals -----------------------------------------------------------------------------------


@dataclass
class GoalProgress:
    metric: str
    label: str
    target: int
    done: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.target)) if self.target else 0

    @property
    def reached(self) -> bool:
        return self.done >= self.target


def _week_bounds(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    monday = week_start(today)
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    return start, start + datetime.timedelta(days=7)


def goal_counts(*, owner_ids: list[int], today: datetime.date) -> dict[int, dict[str, int]]:
    """Per owner: activities done this week by type, deals created this week ("new_deal")
    and people talked to for the first time ("new_conv"). Three grouped queries whatever
    the number of owners."""
    start, end = _week_bounds(today)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in owner_ids}
    rows = (
        Activity.objects.filter(owner_id__in=owner_ids, done_at__gte=start, done_at__lt=end)
        .values("owner_id", "type")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["owner_id"]][row["type"]] = row["n"]
    deals = (
        Deal.objects.filter(owner_id__in=owner_ids, created_at__gte=start, created_at__lt=end)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    for row in deals:
        counts[row["owner_id"]][ActivityGoal.Metric.NEW_DEAL] = row["n"]
    # A new conversation: a person whose first done call, meeting or demo with this owner
    # falls in the week.
    firsts = (
        Activity.objects.filter(
            owner_id__in=owner_ids,
            person__isnull=False,
            done_at__isnull=False,
            type__in=CONVERSATION_TYPES,
        )
        .values("owner_id", "person_id")
        .annotate(first=Min("done_at"))
        .filter(first__gte=start, first__lt=end)
        .values_list("owner_id", flat=True)
    )
    metric = ActivityGoal.Metric.NEW_CONVERSATION
    for owner_id in firsts:
        counts[owner_id][metric] = counts[owner_id].get(metric, 0) + 1
    return counts


def goal_progress(*, owner: User, today: datetime.date | None = None) -> list[GoalProgress]:
    """The rep's weekly targets with what is done so far this week (Monday to Sunday)."""
    today = today or timezone.localdate()
    goals = list(ActivityGoal.objects.filter(owner=owner))
    if not goals:
        return []
    counts = goal_counts(owner_ids=[owner.pk], today=today)[owner.pk]
    labels = dict(ActivityGoal.Metric.choices)
    order = {m: i for i, m in enumerate(ActivityGoal.Metric.values)}
    return [
        GoalProgress(g.metric, str(labels[g.metric]), g.weekly_target, counts.get(g.metric, 0))
        for g in sorted(goals, key=lambda g: order[g.metric])
    ]


@dataclass
class GoalRow:
    rep: User
    cells: list[tuple[str, int | None, int]]  # metric, target, done this week


def goal_table(*, manager: User, today: datetime.date | None = None) -> list[GoalRow]:
    """Every rep the manager leads, with each metric's target and this week's count."""
    today = today or timezone.localdate()
    owners = owner_ids_editable(manager)
    reps = User.objects.filter(is_active=True).exclude(role=User.Role.ADMIN)
    if owners is not None:
        reps = reps.filter(pk__in=owners).exclude(pk=manager.pk)
    reps_list = list(reps.order_by("first_name", "last_name", "username"))
    ids = [r.pk for r in reps_list]
    targets: dict[tuple[int, str], int] = {
        (g.owner_id, g.metric): g.weekly_target
        for g in ActivityGoal.objects.filter(owner_id__in=ids)
    }
    counts = goal_counts(owner_ids=ids, today=today)
    return [
        GoalRow(
            rep=r,
            cells=[
                (m, targets.get((r.pk, m)), counts[r.pk].get(m, 0))
                for m in ActivityGoal.Metric.values
            ],
        )
        for r in reps_list
    ]


# --- Calendar feed ---------------------------------------------------------------------------


def activity_list_for_feed(*, user: User, today: datetime.date | None = None) -> list[Activity]:
    """The user's own activities for their calendar: the last 60 days and everything ahead."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=FEED_PAST_DAYS)
    return list(
        Activity.objects.filter(owner=user, due_date__gte=since)
        .filter(Q(deal__isnull=True) | Q(deal__status=Deal.Status.OPEN) | Q(done_at__isnull=False))
        .select_related("deal", "person", "organization")
        .order_by("due_date", "due_time", "id")[:FEED_LIMIT]
    )
