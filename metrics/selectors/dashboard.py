"""The managers' dashboard: the report, the four levers against the previous period, weekly
trends, quota and gap, the funnel calculator, pipeline balance and drill-downs.

A constant number of queries whatever the data (about 30): every figure is an aggregate.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metrics.expressions import DaysBetween
from metrics.models import MetricSnapshot
from metrics.selectors import report as r
from metrics.selectors.scope import Scope
from pipeline.models import Deal, Goal, StageChange
from pipeline.selectors.goals import GoalProgress, goal_list_active, goal_progress_list
from shared.dates import format_month
from shared.validation import is_id

TREND_WEEKS = 12


@dataclass
class Lever:
    key: str
    label: str
    value: Any
    previous: Any
    unit: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or not self.previous:
            return None
        return round((float(self.value) - float(self.previous)) / float(self.previous), 4)

    @property
    def better(self) -> bool | None:
        """Whether the change is good news (a shorter cycle is better)."""
        if self.change is None or self.change == 0:
            return None
        return (self.change < 0) if self.key == "cycle" else (self.change > 0)


def levers(scope: Scope, current: dict[str, Any]) -> list[Lever]:
    """Number of deals, deal value, conversion and time to close, with the previous period
    of the same length (4 queries)."""
    prev_scope = scope.previous()
    prev = r.outcomes(prev_scope)
    prev_created = r.created_in_period(prev_scope).count()
    return [
        Lever("deals", _("New deals"), current["created_count"], prev_created),
        Lever("value", _("Average won deal"), current["avg_won_value"], prev["avg_won_value"]),
        Lever("win_rate", _("Win rate"), current["win_rate"], prev["win_rate"], "%"),
        Lever(
            "cycle",
            _("Days to close (won, mean)"),
            current["cycle_days_won"]["mean"],
            prev["cycle_days_won"]["mean"],
        ),
    ]


def trends(scope: Scope) -> list[dict[str, Any]]:
    """Weekly new deals, wins, win rate, won value and mean won cycle over the last 12 weeks
    of the period (2 grouped queries)."""
    end = scope.end
    first_monday = end - datetime.timedelta(days=end.weekday() + 7 * (TREND_WEEKS - 1))
    weekly = Scope(
        pipeline=scope.pipeline,
        start=first_monday,
        end=end,
        owner_ids=scope.owner_ids,
        as_of=scope.as_of,
        rates=scope.rate_map(),
        to_currency=scope.to_currency,
    )
    closed = {
        row["week"].date() if hasattr(row["week"], "date") else row["week"]: row
        for row in r.closed_in_period(weekly)
        .annotate(week=TruncWeek("closed_at"), _amount=r.amount_in_base(weekly))
        .order_by()
        .values("week")
        .annotate(
            won=Count("pk", filter=Q(status=r.WON)),
            lost=Count("pk", filter=Q(status=r.LOST)),
            won_value=Sum("_amount", filter=Q(status=r.WON)),
            cycle=Avg(DaysBetween(F("closed_at"), F("created_at")), filter=Q(status=r.WON)),
        )
    }
    created = {
        (w.date() if hasattr(w, "date") else w): n
        for w, n in r.created_in_period(weekly)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values_list("week")
        .annotate(n=Count("pk"))
    }
    out = []
    for i in range(TREND_WEEKS):
        week = first_monday + datetime.timedelta(days=7 * i)
        row = closed.get(week, {})
        won, lost = row.get("won", 0), row.get("lost", 0)
        out.append(
            {
                "week": week,
                "new_deals": created.get(week, 0),
                "won": won,
                "lost": lost,
                "win_rate": r._ratio(won, won + lost),
                "won_value": r.cents(row.get("won_value"), scope),
                "cycle_days": None if row.get("cycle") is None else round(row["cycle"], 1),
            }
        )
    return out


def goals_for(scope: Scope) -> QuerySet[Goal]:
    """Revenue goals that apply to the scope: the owner's, the team's, or the company's (in
    any currency: `quota` converts them)."""
    qs = Goal.objects.filter(kind=Goal.Kind.REVENUE, starts_on__lte=scope.end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=scope.start)
    )
    qs = qs.filter(Q(pipeline__isnull=True) | Q(pipeline=scope.pipeline))
    if scope.kind == "owner" and scope.owner_ids:
        return qs.filter(owner_id=scope.owner_ids[0])
    if scope.kind == "team":
        return qs.filter(team_id=int(scope.key.split(":")[1]))
    return qs.filter(owner__isnull=True, team__isnull=True)


_PER_YEAR = {Goal.Interval.WEEK: 52, Goal.Interval.MONTH: 12, Goal.Interval.QUARTER: 4}


def quota(scope: Scope, current: dict[str, Any]) -> dict[str, Any] | None:
    """The revenue target for the period (goals prorated by days), won so far, the weighted
    open pipeline and the gap still to find in new deals (1 query).

    A goal set in another currency counts at the scope's rates; one in a currency without a
    rate cannot be added to the others and is left out (and counted in `goals_unconverted`).
    """
    goals, unconverted = [], 0
    for goal in goals_for(scope):
        amount = scope.to_scope_currency(goal.target, goal.currency)
        if amount is None:
            unconverted += 1
        else:
            goals.append((goal, amount))
    if not goals:
        return None
    target, monthly = Decimal("0"), Decimal("0")
    for goal, amount in goals:
        per_day = amount * _PER_YEAR[goal.interval] / Decimal("365")
        start = max(goal.starts_on, scope.start)
        end = min(goal.ends_on or scope.end, scope.end)
        target += per_day * Decimal(max((end - start).days + 1, 0))
        monthly += amount * _PER_YEAR[goal.interval] / 12
    target = target.quantize(Decimal("1"))
    monthly = monthly.quantize(Decimal("1"))
    won = current["won_value"]
    weighted = current["weighted_pipeline"]
    gap = max(target - won - weighted, Decimal("0"))
    return {
        "target": target,
        "won": won,
        "weighted": weighted,
        "gap": gap,
        "won_share": r._ratio(won, target),
        "monthly_target": monthly,
        "goals_unconverted": unconverted,
    }


def funnel_calculator(
    current: dict[str, Any],
    *,
    target: Decimal,
    weeks: int,
    deal_size: Decimal | None = None,
    win_rate: Decimal | None = None,
    meetings_per_deal: Decimal | None = None,
    calls_per_deal: Decimal | None = None,
) -> dict[str, Any]:
    """What it takes to win `target` in `weeks`: measured rates unless overridden.

    won needed = target ÷ deal size; new deals needed = won needed ÷ overall conversion
    (won ÷ deals created); meetings and calls = won needed × done per won deal.
    """
    size = deal_size or current["avg_won_value"]
    conv = (
        win_rate / 100
        if win_rate
        else (
            Decimal(repr(current["overall_conversion"])) if current["overall_conversion"] else None
        )
    )
    ratios = current["activity_ratios"]
    meetings = (
        meetings_per_deal
        if meetings_per_deal is not None
        else (Decimal(repr(ratios["meeting"])) if ratios["meeting"] is not None else None)
    )
    calls = (
        calls_per_deal
        if calls_per_deal is not None
        else (Decimal(repr(ratios["call"])) if ratios["call"] is not None else None)
    )
    out: dict[str, Any] = {
        "target": target,
        "weeks": weeks,
        "deal_size": size,
        "conversion": conv,
        "meetings_per_won": meetings,
        "calls_per_won": calls,
        "won_needed": None,
        "new_deals": None,
        "new_deals_per_week": None,
        "meetings_per_week": None,
        "calls_per_week": None,
    }
    if not size or not conv:
        return out
    won_needed = (target / size).to_integral_value(rounding=ROUND_CEILING)
    new_deals = (won_needed / conv).to_integral_value(rounding=ROUND_CEILING)
    out.update(
        won_needed=int(won_needed),
        new_deals=int(new_deals),
        new_deals_per_week=math.ceil(new_deals / weeks),
        meetings_per_week=None if meetings is None else math.ceil(won_needed * meetings / weeks),
        calls_per_week=None if calls is None else math.ceil(won_needed * calls / weeks),
    )
    return out


def balance_warnings(current: dict[str, Any]) -> list[str]:
    """Warnings about the shape of the open pipeline (from the stays in progress)."""
    stages = current["time_in_stage"]
    warnings = []
    for s in stages:
        if s["in_progress"] == 0:
            warnings.append(_("%(stage)s has no open deals.") % {"stage": s["stage"]})
    if len(stages) >= 2:
        half = len(stages) // 2
        early = sum(s["in_progress"] for s in stages[:half])
        late = sum(s["in_progress"] for s in stages[half:])
        if late > early:
            warnings.append(
                _(
                    "More deals are near closing (%(late)s) than in the early stages "
                    "(%(early)s): too few new conversations to feed next month."
                )
                % {"late": late, "early": early}
            )
        elif early > 0 and late * 10 < early:
            warnings.append(
                ngettext(
                    "Only %(late)s deal is in the later stages against %(early)s early: "
                    "deals are not progressing towards closing.",
                    "Only %(late)s deals are in the later stages against %(early)s early: "
                    "deals are not progressing towards closing.",
                    late,
                )
                % {"late": late, "early": early}
            )
    return warnings


FIGURES = {
    "won": _("Won in the period"),
    "lost": _("Lost in the period"),
    "created": _("Created in the period"),
    "open": _("Open deals"),
}


def _converted(qs: QuerySet[Deal], scope: Scope) -> QuerySet[Deal]:
    """Only deals whose amount counts (the base currency, or a currency with a stored rate)."""
    return qs.annotate(_amount=r.amount_in_base(scope)).filter(_amount__isnull=False)


def deal_list_for_figure(scope: Scope, figure: str) -> tuple[str, QuerySet[Deal]]:
    """The deals behind a number on the dashboard (the same filters that computed it)."""
    if figure == "won":
        return str(FIGURES[figure]), r.closed_in_period(scope).filter(status=r.WON)
    if figure == "lost":
        return str(FIGURES[figure]), r.closed_in_period(scope).filter(status=r.LOST)
    if figure == "created":
        return str(FIGURES[figure]), r.created_in_period(scope)
    if figure == "open":
        return str(FIGURES[figure]), r.open_deals(scope)
    kind, _sep, arg = figure.partition(":")
    if kind == "reached" and is_id(arg):
        stage = next((s for s in r.stages_of(scope) if s.pk == int(arg)), None)
        if stage is not None:
            entered = StageChange.objects.filter(
                deal_id=OuterRef("pk"), to_stage__position__gte=stage.position
            )
            qs = r.created_in_period(scope).filter(
                Q(status=r.WON) | Q(stage__position__gte=stage.position) | Exists(entered)
            )
            return _("Created in the period and reached %(stage)s") % {"stage": stage.name}, qs
    if kind == "owner_won" and is_id(arg):
        qs = r.closed_in_period(scope).filter(status=r.WON, owner_id=int(arg))
        return _("Won in the period by this owner"), qs
    if kind == "stage_open" and is_id(arg):
        return _("Open deals in this stage"), r.open_deals(scope).filter(stage_id=int(arg))
    if kind == "month" and arg:
        try:
            month = datetime.date.fromisoformat(f"{arg}-01")
        except ValueError:
            month = None
        if month is not None:
            qs = _converted(r.open_deals(scope), scope).filter(
                expected_close_date__year=month.year,
                expected_close_date__month=month.month,
            )
            return _("Open deals expected to close in %(month)s") % {
                "month": format_month(month)
            }, qs
    if figure == "undated":
        qs = _converted(r.open_deals(scope), scope).filter(expected_close_date__isnull=True)
        return _("Open deals without an expected close date"), qs
    return "", Deal.objects.none()


# Figures whose deals are closed: their lists read newest close first, so "Won in the period"
# sorts as the won figure is counted (by close date), not by creation.
_CLOSED_FIGURES = ("won", "lost", "owner_won")


def deal_list_ordering(figure: str) -> tuple[str, ...]:
    """How a drill-down lists its deals: by close date for closed figures, else by creation."""
    if figure.partition(":")[0] in _CLOSED_FIGURES:
        return ("-closed_at", "-pk")
    return ("-created_at", "-pk")


def deal_list_total(scope: Scope, qs: QuerySet[Deal]) -> dict[str, Any]:
    """The drill-down's total row: how many deals, their value in the scope's currency at the
    scope's rates, and how many were left out of the sum for want of a rate (1 query)."""
    totals = (
        qs.annotate(_amount=r.amount_in_base(scope))
        .order_by()
        .aggregate(
            count=Count("pk"),
            value=Sum("_amount"),
            unconverted=Count("pk", filter=Q(_amount__isnull=True)),
        )
    )
    return {
        "count": totals["count"],
        "value": r.cents(totals["value"], scope),
        "unconverted": totals["unconverted"],
        "currency": scope.currency,
    }


def forecast_accuracy(scope: Scope, months: int = 6) -> list[dict[str, Any]]:
    """For each of the last complete months: the weighted forecast the nightly snapshot held
    for it on the eve of the month, against what was won in it (2 queries).

    Needs the snapshots of the scope's key (everyone, a team, an owner); a month without a
    snapshot before it shows no forecast. Snapshots hold base-currency amounts: in another
    currency, a stored forecast is converted at the scope's (today's stored) rate.
    """
    first = scope.end.replace(day=1)
    starts = []
    for _i in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        starts.append(first)
    starts.reverse()
    if not starts:
        return []
    # A custom scope (a manager's "deals I may see") has no snapshot of its own: its forecast
    # is the sum of its owners' snapshots, since weighted amounts add up across owners.
    keys, base = [scope.key], settings.DEFAULT_CURRENCY
    if scope.kind == "visible" and scope.owner_ids:
        keys = [f"owner:{pk}" for pk in scope.owner_ids]
    by_date: dict[datetime.date, dict[str, Decimal]] = {}
    for date, value in (
        MetricSnapshot.objects.filter(
            pipeline_id=scope.pipeline.pk,
            scope_key__in=keys,
            metric="forecast",
            date__gte=starts[0] - datetime.timedelta(days=92),
            date__lt=starts[-1],
        )
        .order_by("date")
        .values_list("date", "value")
    ):
        months_of_day = by_date.setdefault(date, {})
        for entry in value or []:
            amount = Decimal(str(entry["weighted"]))
            if scope.currency != base:
                amount = r.cents(scope.to_scope_currency(amount, base), scope)
            months_of_day[entry["month"]] = months_of_day.get(entry["month"], 0) + amount
    snaps = sorted(by_date.items())
    won_scope = Scope(
        pipeline=scope.pipeline,
        start=starts[0],
        end=scope.end.replace(day=1) - datetime.timedelta(days=1),
        owner_ids=scope.owner_ids,
        as_of=scope.as_of,
        rates=scope.rate_map(),
        to_currency=scope.to_currency,
    )
    won = {
        (m.date() if hasattr(m, "date") else m): v
        for m, v in r.closed_in_period(won_scope)
        .filter(status=r.WON)
        .annotate(m=TruncMonth("closed_at"), _amount=r.amount_in_base(won_scope))
        .order_by()
        .values_list("m")
        .annotate(v=Sum("_amount"))
    }
    out = []
    for month in starts:
        key = month.strftime("%Y-%m")
        forecast = None
        for date, months_of_day in snaps:
            if date < month:
                forecast = months_of_day.get(key, Decimal("0"))
        actual = r.cents(won.get(month), scope)
        out.append(
            {
                "month": key,
                "forecast": forecast,
                "won": actual,
                "accuracy": r._ratio(actual, forecast) if forecast else None,
            }
        )
    return out


def calibration(scope: Scope) -> list[dict[str, Any]]:
    """Each stage's win probability against the win rate realised by the deals that were in
    it and closed in the last year (1 query)."""
    since = scope.as_of - datetime.timedelta(days=365)
    closed = Q(deal__closed_at__gte=since, deal__closed_at__lt=scope.as_of)
    rows = {
        row["to_stage"]: row
        for row in StageChange.objects.filter(
            pipeline_id=scope.pipeline.pk, **scope.owner_filter("deal__")
        )
        .filter(closed)
        .order_by()
        .values("to_stage")
        .annotate(
            won=Count("deal", distinct=True, filter=Q(deal__status=r.WON)),
            closed=Count("deal", distinct=True, filter=Q(deal__status__in=[r.WON, r.LOST])),
        )
    }
    return [
        {
            "stage": s.name,
            "probability": s.win_probability,
            "deals": rows.get(s.pk, {}).get("closed", 0),
            "realised": r._ratio(
                rows.get(s.pk, {}).get("won", 0), rows.get(s.pk, {}).get("closed")
            ),
        }
        for s in r.stages_of(scope)
    ]


def goal_progress(scope: Scope, limit: int = 20) -> list[GoalProgress]:
    """Every goal that applies to the scope (its owner's or team's and the company's, for the
    scope's pipeline or every pipeline) with its progress in the interval that contains the
    period's last day: the shared computation of `pipeline.selectors.goals`, a fixed number
    of queries for up to `limit` goals."""
    qs = goal_list_active(
        Goal.objects.filter(Q(pipeline__isnull=True) | Q(pipeline=scope.pipeline)), scope.end
    )
    company = Q(owner__isnull=True, team__isnull=True)
    if scope.kind == "owner" and scope.owner_ids:
        qs = qs.filter(company | Q(owner_id=scope.owner_ids[0]))
    elif scope.kind == "team":
        qs = qs.filter(company | Q(team_id=int(scope.key.split(":")[1])))
    elif scope.owner_ids is not None:
        qs = qs.filter(company | Q(owner_id__in=scope.owner_ids))
    goals = list(qs.select_related("owner", "team", "stage")[:limit])
    return goal_progress_list(goals, day=scope.end)
