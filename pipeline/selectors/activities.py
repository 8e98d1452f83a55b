"""Reads about activities: "My activities" buckets, the week calendar, goal progress and the
calendar feed. Every list starts from `activity_list_visible`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, Deal, Goal
from pipeline.selectors.goals import (
    GoalProgress,
    goal_list_active,
    goal_progress_list,
)
from pipeline.selectors.visibility import activity_list_visible, owner_ids_editable
from shared.validation import is_id

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
        if owner not in ("mine", "team") and not is_id(owner):
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
    elif is_id(filters.owner):
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


# Deals offered by "+ Activity" on "My activities": the open deals the user may change.
DEAL_CHOICES_LIMIT = 300


def deal_choices_for_activity(user: User) -> list[Deal]:
    """Open deals `user` may schedule activities on, by title (the first DEAL_CHOICES_LIMIT)."""
    qs = Deal.objects.filter(status=Deal.Status.OPEN).select_related("organization")
    owners = owner_ids_editable(user)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    return list(qs.order_by("title", "id")[:DEAL_CHOICES_LIMIT])


def owners_choosable(user: User) -> QuerySet[User]:
    """Whose activities `user` may filter on (and assign to)."""
    owners = owner_ids_editable(user)
    qs = User.objects.filter(is_active=True)
    if owners is not None:
        qs = qs.filter(pk__in=owners)
    return qs.order_by("first_name", "last_name", "username")


# --- Goals -----------------------------------------------------------------------------------

# The columns of the managers' weekly table: (form key, label) → (goal kind, activity type).
# Each cell is an ordinary weekly `Goal` of the rep (see pipeline/selectors/goals.py).
WEEKLY_METRICS: dict[str, tuple[str, str]] = {
    "call": (Goal.Kind.ACTIVITIES_DONE, Activity.Type.CALL),
    "meeting": (Goal.Kind.ACTIVITIES_DONE, Activity.Type.MEETING),
    "email": (Goal.Kind.ACTIVITIES_DONE, Activity.Type.EMAIL),
    "demo": (Goal.Kind.ACTIVITIES_DONE, Activity.Type.DEMO),
    "task": (Goal.Kind.ACTIVITIES_DONE, Activity.Type.TASK),
    "new_deal": (Goal.Kind.DEALS_STARTED, ""),
    "new_conv": (Goal.Kind.CONVERSATIONS, ""),
}


def weekly_metric_choices() -> list[tuple[str, str]]:
    labels = {
        "call": _("Calls"),
        "meeting": _("Meetings"),
        "email": _("Emails"),
        "demo": _("Demos"),
        "task": _("Tasks"),
        "new_deal": _("New deals"),
        "new_conv": _("New conversations"),
    }
    return [(m, labels[m]) for m in WEEKLY_METRICS]


def _metric_of(goal: Goal) -> str | None:
    for metric, (kind, activity_type) in WEEKLY_METRICS.items():
        if goal.kind == kind and goal.activity_type == activity_type:
            return metric
    return None


def goal_progress(*, owner: User, today: datetime.date | None = None) -> list[GoalProgress]:
    """The user's own weekly goals (of any kind) with what is done so far this week (Monday
    to Sunday): the cards at the top of "My activities"."""
    today = today or timezone.localdate()
    goals = list(
        goal_list_active(Goal.objects.filter(owner=owner, interval=Goal.Interval.WEEK), today)
        .select_related("stage")
        .order_by("kind", "activity_type", "id")
    )
    return goal_progress_list(goals, day=today)


def weekly_targets(*, owner_ids: list[int], today: datetime.date) -> dict[tuple[int, str], int]:
    """(rep id, metric) → the weekly target of the table's cells that have one."""
    qs = goal_list_active(
        Goal.objects.filter(
            owner_id__in=owner_ids,
            team__isnull=True,
            pipeline__isnull=True,
            interval=Goal.Interval.WEEK,
        ),
        today,
    ).order_by("id")
    out: dict[tuple[int, str], int] = {}
    for goal in qs:
        metric = _metric_of(goal)
        if metric is not None:
            # Filtered on owner_id__in: the owner is never None here.
            out.setdefault((cast(int, goal.owner_id), metric), int(goal.target))
    return out


@dataclass
class GoalRow:
    rep: User
    cells: list[tuple[str, int | None, int]]  # metric, target, done this week


def goal_table(*, manager: User, today: datetime.date | None = None) -> list[GoalRow]:
    """Every rep the manager leads, with each metric's weekly target and this week's count.
    The counts come from the shared goal computation over one unsaved goal per cell: three
    queries whatever the number of reps (deals, activities, conversations)."""
    today = today or timezone.localdate()
    owners = owner_ids_editable(manager)
    reps = User.objects.filter(is_active=True).exclude(role=User.Role.ADMIN)
    if owners is not None:
        reps = reps.filter(pk__in=owners).exclude(pk=manager.pk)
    reps_list = list(reps.order_by("first_name", "last_name", "username"))
    ids = [r.pk for r in reps_list]
    targets = weekly_targets(owner_ids=ids, today=today)
    cells = [
        Goal(
            kind=kind,
            activity_type=activity_type,
            interval=Goal.Interval.WEEK,
            owner_id=rep.pk,
            target=1,
        )
        for rep in reps_list
        for kind, activity_type in WEEKLY_METRICS.values()
    ]
    done = iter(goal_progress_list(cells, day=today))
    return [
        GoalRow(
            rep=r,
            cells=[(m, targets.get((r.pk, m)), int(next(done).done)) for m in WEEKLY_METRICS],
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
