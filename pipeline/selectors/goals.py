"""Goals: who sees which, and their progress in the current week, month or quarter.

One computation for every page that shows goals — the goals page, "My activities" and the
weekly goals table, the metrics dashboard and the board's stage marks — so a goal shows the
same figure everywhere. `goal_progress_list` costs a fixed number of queries whatever the
number of goals (at most one per family: deals, stage changes, activities, conversations,
plus the exchange rates for revenue goals); each goal is one filtered aggregate in them.

What each kind counts in a period (weeks start on Monday, in the company time zone):

- revenue: the value of deals won (closed as won) in the period, converted to the goal's
  currency at the stored rates; a currency without a rate is reported apart, never summed;
- deals won: deals won in the period; deals started: deals created in the period;
- deals progressed: deals that entered the goal's stage in the period from another stage
  (each deal once, however often it came back);
- activities completed / added: activities done / created in the period, of one type or all;
- new conversations: people whose first done call, meeting or demo with the owner falls in
  the period (several activities with one person count once; emails are not conversations).

A person's goal counts their deals or activities; a team's goal those of the team's members;
the company's everyone's. Deal goals with a pipeline count that pipeline's deals only;
activity and conversation goals count in every pipeline.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, Deal, Goal, Stage, StageChange
from pipeline.selectors.visibility import owner_ids_editable
from shared.currencies import currency_rates
from shared.money import convert

# What counts as talking to someone, for the "new conversations" goal.
CONVERSATION_TYPES = [Activity.Type.CALL, Activity.Type.MEETING, Activity.Type.DEMO]

# How long the board's mark counts stay cached at one board version (see goal_marks_for_board).
MARKS_CACHE_SECONDS = 600

DEAL_KINDS = {Goal.Kind.REVENUE, Goal.Kind.DEALS_WON, Goal.Kind.DEALS_STARTED}
ACTIVITY_KINDS = {Goal.Kind.ACTIVITIES_DONE, Goal.Kind.ACTIVITIES_ADDED}


def interval_bounds(interval: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The week (Monday first), month or quarter containing `day`, as first and last day."""
    if interval == Goal.Interval.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if interval == Goal.Interval.QUARTER:
        start = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
        months = 3
    else:
        start, months = day.replace(day=1), 1
    year, month = divmod(start.month - 1 + months, 12)
    end = datetime.date(start.year + year, month + 1, 1) - datetime.timedelta(days=1)
    return start, end


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- Who sees which goals ---------------------------------------------------------------------


def _company() -> Q:
    return Q(owner__isnull=True, team__isnull=True)


def goal_list_visible(user: User) -> QuerySet[Goal]:
    """Admins see every goal; a manager the goals of the people and teams they lead, their
    own and the company's; a rep their own, their team's and the company's."""
    qs = Goal.objects.all()
    if user.is_admin:
        return qs
    mine = _company() | Q(owner_id=user.pk)
    if user.team_id:
        mine |= Q(team_id=user.team_id)
    if user.is_manager:
        mine |= Q(owner_id__in=owner_ids_editable(user) or []) | Q(team__manager=user)
    return qs.filter(mine)


def goal_list_for_viewer(user: User) -> QuerySet[Goal]:
    """The goals that are the viewer's own business: theirs, their team's (or the teams they
    manage) and the company's — what the board marks show, without colleagues' goals."""
    mine = _company() | Q(owner_id=user.pk)
    if user.team_id:
        mine |= Q(team_id=user.team_id)
    if user.is_manager:
        mine |= Q(team__manager=user)
    return Goal.objects.filter(mine)


def goal_list_active(qs: QuerySet[Goal], day: datetime.date) -> QuerySet[Goal]:
    """Goals that run on `day` (started, not ended)."""
    return qs.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def goal_can_edit(user: User, goal: Goal, *, editable: list[int] | None = None) -> bool:
    """Admins change every goal; managers those of the reps and teams they lead (not their
    own, not the company's); reps none. `editable`: the manager's `owner_ids_editable`, when
    the caller checks many goals (one query instead of one per goal)."""
    if user.is_admin:
        return True
    if not user.is_manager:
        return False
    if goal.team is not None:
        return goal.team.manager_id == user.pk
    if goal.owner_id is not None:
        if editable is None:
            editable = owner_ids_editable(user) or []
        return goal.owner_id != user.pk and goal.owner_id in editable
    return False


# --- Progress -----------------------------------------------------------------------------------


@dataclass
class GoalProgress:
    goal: Goal
    start: datetime.date  # the current period, first and last day
    end: datetime.date
    done: Decimal | int = 0
    # Revenue only: won amounts in currencies without a rate (not in `done`).
    unconverted: list[tuple[str, Decimal]] = field(default_factory=list)
    # The period as aware datetimes (half-open) and the aggregate's name in the queries.
    since: datetime.datetime | None = field(default=None, repr=False)
    until: datetime.datetime | None = field(default=None, repr=False)
    key: str = field(default="", repr=False)

    @property
    def target(self) -> Decimal:
        return self.goal.target

    @property
    def share(self) -> float | None:
        """done ÷ target as a fraction (not capped: 1.25 is 125 %)."""
        if not self.target:
            return None
        return round(float(Decimal(self.done) / self.target), 4)

    @property
    def percent(self) -> int:
        """For bars: 0–100."""
        return min(100, round(100 * (self.share or 0)))

    @property
    def reached(self) -> bool:
        return Decimal(self.done) >= self.target

    @property
    def money(self) -> bool:
        return self.goal.is_money

    @property
    def target_count(self) -> int:
        return int(self.target)

    @property
    def label(self) -> str:
        return goal_label(self.goal)

    @property
    def assignee(self) -> str:
        return goal_assignee(self.goal)

    @property
    def period_label(self) -> str:
        return {
            Goal.Interval.WEEK: _("this week"),
            Goal.Interval.MONTH: _("this month"),
            Goal.Interval.QUARTER: _("this quarter"),
        }[Goal.Interval(self.goal.interval)]


def goal_label(goal: Goal) -> str:
    """What the goal measures, in words: "Deals progressed into Proposal", "Calls completed"."""
    if goal.kind == Goal.Kind.DEALS_PROGRESSED and goal.stage_id and goal.stage is not None:
        return _("Deals progressed into %(stage)s") % {"stage": goal.stage.name}
    if goal.kind in ACTIVITY_KINDS and goal.activity_type:
        plural = {
            Activity.Type.CALL: _("Calls"),
            Activity.Type.MEETING: _("Meetings"),
            Activity.Type.EMAIL: _("Emails"),
            Activity.Type.DEMO: _("Demos"),
            Activity.Type.TASK: _("Tasks"),
        }[Activity.Type(goal.activity_type)]
        if goal.kind == Goal.Kind.ACTIVITIES_DONE:
            return _("%(activities)s completed") % {"activities": plural}
        return _("%(activities)s added") % {"activities": plural}
    return str(goal.get_kind_display())


def goal_assignee(goal: Goal) -> str:
    if goal.owner_id:
        return str(goal.owner)
    if goal.team_id and goal.team is not None:
        return _("Team %(team)s") % {"team": goal.team.name}
    return _("Company")


def _owners(goal: Goal, prefix: str = "") -> Q:
    """The deals or activities a goal counts: its person's, its team members', or everyone's."""
    if goal.owner_id:
        return Q(**{f"{prefix}owner_id": goal.owner_id})
    if goal.team_id:
        return Q(**{f"{prefix}owner__team_id": goal.team_id})
    return Q()


def goal_progress_list(goals: list[Goal], *, day: datetime.date) -> list[GoalProgress]:
    """Each goal with what is done in its period containing `day`, in the goals' order.
    Unsaved goals work too (the weekly table shows counts where no target is set).

    Queries: one per family present among the goals (deals, stage changes, activities,
    conversations) and the rates when a revenue goal is present — never one per goal.
    """
    out = []
    for i, goal in enumerate(goals):
        start, end = interval_bounds(goal.interval, day)
        out.append(
            GoalProgress(
                goal=goal,
                start=start,
                end=end,
                since=_midnight(start),
                until=_midnight(end + datetime.timedelta(days=1)),
                key=f"g{i}",
            )
        )
    if not out:
        return out
    earliest = _midnight(min(p.start for p in out))  # the earliest `since`
    by_kind: dict[str, list[GoalProgress]] = defaultdict(list)
    for p in out:
        by_kind[p.goal.kind].append(p)

    families: list[tuple[Iterable[str], Callable[[list[GoalProgress], datetime.datetime], None]]]
    families = [
        (DEAL_KINDS, _deal_progress),
        ([Goal.Kind.DEALS_PROGRESSED], _stage_progress),
        (ACTIVITY_KINDS, _activity_progress),
        ([Goal.Kind.CONVERSATIONS], _conversation_progress),
    ]
    for kinds, count in families:
        family = [p for k in kinds for p in by_kind.get(k, [])]
        if family:
            count(family, earliest)
    return out


def _deal_progress(goals: list[GoalProgress], earliest: datetime.datetime) -> None:
    """One query: per currency, each goal's filtered sum or count."""
    aggregates: dict[str, Count | Sum] = {}
    for p in goals:
        g = p.goal
        where = _owners(g)
        if g.pipeline_id:
            where &= Q(pipeline_id=g.pipeline_id)
        if g.kind == Goal.Kind.DEALS_STARTED:
            where &= Q(created_at__gte=p.since, created_at__lt=p.until)
            aggregates[p.key] = Count("pk", filter=where)
        else:
            where &= Q(status=Deal.Status.WON, closed_at__gte=p.since, closed_at__lt=p.until)
            if g.kind == Goal.Kind.REVENUE:
                aggregates[p.key] = Sum("value", filter=where)
            else:
                aggregates[p.key] = Count("pk", filter=where)
    rows = list(
        Deal.objects.filter(Q(created_at__gte=earliest) | Q(closed_at__gte=earliest))
        .order_by()
        .values("currency")
        .annotate(**aggregates)
    )
    revenue = [p for p in goals if p.goal.kind == Goal.Kind.REVENUE]
    rates = currency_rates() if revenue else {}
    for p in goals:
        if p.goal.kind != Goal.Kind.REVENUE:
            p.done = sum(row[p.key] or 0 for row in rows)
            continue
        amounts = {row["currency"]: row[p.key] for row in rows if row[p.key]}
        total = convert(amounts, to=p.goal.currency, base=settings.DEFAULT_CURRENCY, rates=rates)
        p.done = total.amount
        p.unconverted = total.unconverted


def _stage_progress(goals: list[GoalProgress], earliest: datetime.datetime) -> None:
    """One query: each goal's distinct deals entering its stage from another stage."""
    aggregates = {}
    for p in goals:
        g = p.goal
        where = _owners(g, "deal__") & Q(
            to_stage_id=g.stage_id, timestamp__gte=p.since, timestamp__lt=p.until
        )
        # A status change inside the stage (won, lost, reopened) is not an entry.
        where &= ~Q(from_stage_id=g.stage_id)
        aggregates[p.key] = Count("deal_id", distinct=True, filter=where)
    counts = StageChange.objects.filter(
        to_stage_id__in={p.goal.stage_id for p in goals}, timestamp__gte=earliest
    ).aggregate(**aggregates)
    for p in goals:
        p.done = counts[p.key] or 0


def _activity_progress(goals: list[GoalProgress], earliest: datetime.datetime) -> None:
    """One query: each goal's activities done (or added) in its period."""
    aggregates = {}
    for p in goals:
        g = p.goal
        moment = "done_at" if g.kind == Goal.Kind.ACTIVITIES_DONE else "created_at"
        where = _owners(g) & Q(**{f"{moment}__gte": p.since, f"{moment}__lt": p.until})
        if g.activity_type:
            where &= Q(type=g.activity_type)
        aggregates[p.key] = Count("pk", filter=where)
    counts = Activity.objects.filter(
        Q(done_at__gte=earliest) | Q(created_at__gte=earliest)
    ).aggregate(**aggregates)
    for p in goals:
        p.done = counts[p.key] or 0


def _conversation_progress(goals: list[GoalProgress], earliest: datetime.datetime) -> None:
    """One grouped query: each (owner, person) pair's first done conversation, kept when it
    falls on or after the earliest period start; then counted per goal in Python."""
    owners = {p.goal.owner_id for p in goals if p.goal.owner_id}
    teams = {p.goal.team_id for p in goals if p.goal.team_id}
    company = any(not p.goal.owner_id and not p.goal.team_id for p in goals)
    qs = Activity.objects.filter(
        person__isnull=False, done_at__isnull=False, type__in=CONVERSATION_TYPES
    )
    if not company:
        qs = qs.filter(Q(owner_id__in=owners) | Q(owner__team_id__in=teams))
    firsts = list(
        qs.order_by()
        .values("owner_id", "owner__team_id", "person_id")
        .annotate(first=Min("done_at"))
        .filter(first__gte=earliest)
        .values_list("owner_id", "owner__team_id", "first")
    )
    for p in goals:
        g = p.goal
        p.done = sum(
            1
            for owner_id, team_id, first in firsts
            if p.since <= first < p.until
            and (
                (g.owner_id is not None and owner_id == g.owner_id)
                or (g.team_id is not None and team_id == g.team_id)
                or (g.owner_id is None and g.team_id is None)
            )
        )


# --- Pages -------------------------------------------------------------------------------------


def goal_list_with_progress(
    *, user: User, day: datetime.date | None = None, include_ended: bool = False
) -> list[GoalProgress]:
    """The goals page: every goal the user may see, running ones with their progress."""
    day = day or timezone.localdate()
    qs = goal_list_visible(user)
    if not include_ended:
        qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    goals = sorted(
        qs.select_related("owner", "team", "pipeline", "stage"),
        # The company's goals first, then each team's, then each person's.
        key=lambda g: (
            2 if g.owner_id else (1 if g.team_id else 0),
            str(g.owner or g.team or ""),
            g.kind,
            g.interval,
            g.pk,
        ),
    )
    return goal_progress_list(goals, day=day)


def goal_marks_for_board(
    *,
    user: User,
    stages: list[Stage],
    day: datetime.date | None = None,
    board_version: str | None = None,
) -> dict[int, list[GoalProgress]]:
    """Per stage id: the viewer's running "deals progressed into this stage" goals (their own,
    their team's, the company's) with progress. Queries: the goals, then one aggregate for all
    their counts — skipped when no goal applies, or when `board_version` is given and the
    counts of these goals at that version are cached.

    Why a cache: the count is exact, so its cost grows with the entries in the period (about
    30,000 stage changes a quarter on the 100,000-deal demo board, where the aggregate took
    longer than the rest of the board). Every deal write in a pipeline bumps a board version
    (`services._common.board_touch`: the pipeline's, or its owner's row), and the version given
    here covers every owner of the pipeline (`BoardVersions.everyone`), so counts cached under
    it stay right until the next change; the key also holds the goals' ids and edit times and the
    day. A team's new member shows in the team's mark at the next change of the board, or
    after MARKS_CACHE_SECONDS.
    """
    day = day or timezone.localdate()
    if not stages:
        return {}
    goals = list(
        goal_list_active(goal_list_for_viewer(user), day)
        .filter(kind=Goal.Kind.DEALS_PROGRESSED, stage_id__in=[s.pk for s in stages])
        .select_related("owner", "team")
        .order_by("interval", "id")
    )
    by_id = {s.pk: s for s in stages}
    for g in goals:
        # Already loaded with the board: no query. The filter on stage_id__in leaves no None.
        g.stage = by_id[cast(int, g.stage_id)]
    key = None
    cached: dict[int, int] | None = None
    if board_version is not None and goals:
        signature = ",".join(f"{g.pk}:{g.updated_at.timestamp()}" for g in goals)
        raw = f"{stages[0].pipeline_id}|{board_version}|{day.isoformat()}|{signature}"
        key = "goal-marks:" + hashlib.sha256(raw.encode()).hexdigest()
        cached = cache.get(key)
    if cached is not None and set(cached) == {g.pk for g in goals}:
        progress = []
        for g in goals:
            start, end = interval_bounds(g.interval, day)
            progress.append(GoalProgress(goal=g, start=start, end=end, done=cached[g.pk]))
    else:
        progress = goal_progress_list(goals, day=day)
        if key is not None:
            cache.set(key, {p.goal.pk: p.done for p in progress}, MARKS_CACHE_SECONDS)
    marks: dict[int, list[GoalProgress]] = defaultdict(list)
    for p in progress:
        marks[cast(int, p.goal.stage_id)].append(p)  # filtered on stage_id__in: never None
    for items in marks.values():
        # The viewer's own goal first, then the team's, then the company's.
        items.sort(key=lambda p: (p.goal.owner_id is None, p.goal.team_id is None))
    return dict(marks)
