"""The dashboard's figures beyond the metrics report: the four levers against the previous
period, weekly trends, quota and gap, the funnel calculator, pipeline balance, forecast
accuracy, stage calibration and goal progress. Each is a fixed number of aggregate queries."""

from __future__ import annotations

import datetime
import math
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metrics.expressions import DaysBetween
from metrics.models import MetricSnapshot
from metrics.selectors import report as r
from metrics.selectors.dashboard.types import (
    AccuracyMonth,
    Calculator,
    CalibrationRow,
    Lever,
    Quota,
    TrendWeek,
)
from metrics.selectors.report import MetricsReport
from metrics.selectors.scope import Scope
from pipeline.models import Goal, StageChange
from pipeline.selectors.goals import GoalProgress, goal_list_active, goal_progress_list

TREND_WEEKS = 12


def levers(scope: Scope, current: MetricsReport) -> list[Lever]:
    """Number of deals, deal value, conversion and time to close, with the previous period
    of the same length (4 queries)."""
    prev_scope = scope.previous()
    prev = r.outcomes(prev_scope)
    prev_created = r.created_in_period(prev_scope).count()
    return [
        Lever("deals", _("New deals"), current.created_count, prev_created),
        Lever("value", _("Average won deal"), current.avg_won_value, prev.avg_won_value),
        Lever("win_rate", _("Win rate"), current.win_rate, prev.win_rate, "%"),
        Lever(
            "cycle",
            _("Days to close (won, mean)"),
            current.cycle_days_won.mean,
            prev.cycle_days_won.mean,
        ),
    ]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    """A truncated week or month as a date (SQLite returns datetimes, PostgreSQL dates)."""
    return value.date() if isinstance(value, datetime.datetime) else value


def trends(scope: Scope) -> list[TrendWeek]:
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
        _as_date(row["week"]): row
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
        _as_date(w): n
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
            TrendWeek(
                week=week,
                new_deals=created.get(week, 0),
                won=won,
                lost=lost,
                win_rate=r.ratio(won, won + lost),
                won_value=r.cents(row.get("won_value"), scope),
                cycle_days=None if row.get("cycle") is None else round(row["cycle"], 1),
            )
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


def quota(scope: Scope, current: MetricsReport) -> Quota | None:
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
        per_year = _PER_YEAR[Goal.Interval(goal.interval)]
        per_day = amount * per_year / Decimal("365")
        start = max(goal.starts_on, scope.start)
        end = min(goal.ends_on or scope.end, scope.end)
        target += per_day * Decimal(max((end - start).days + 1, 0))
        monthly += amount * per_year / 12
    target = target.quantize(Decimal("1"))
    won = current.won_value
    weighted = current.weighted_pipeline
    return Quota(
        target=target,
        won=won,
        weighted=weighted,
        gap=max(target - won - weighted, Decimal("0")),
        won_share=r.ratio(won, target),
        monthly_target=monthly.quantize(Decimal("1")),
        goals_unconverted=unconverted,
    )


def _measured(value: float | None) -> Decimal | None:
    return Decimal(repr(value)) if value is not None else None


def funnel_calculator(
    current: MetricsReport,
    *,
    target: Decimal,
    weeks: int,
    deal_size: Decimal | None = None,
    win_rate: Decimal | None = None,
    meetings_per_deal: Decimal | None = None,
    calls_per_deal: Decimal | None = None,
) -> Calculator:
    """What it takes to win `target` in `weeks`: measured rates unless overridden.

    won needed = target ÷ deal size; new deals needed = won needed ÷ overall conversion
    (won ÷ deals created); meetings and calls = won needed × done per won deal.
    """
    size = deal_size or current.avg_won_value
    if win_rate:
        conv: Decimal | None = win_rate / 100
    else:
        # A measured conversion of 0 is no conversion: nothing can be planned from it.
        conv = _measured(current.overall_conversion) if current.overall_conversion else None
    ratios = current.activity_ratios
    meetings = meetings_per_deal if meetings_per_deal is not None else _measured(ratios.meeting)
    calls = calls_per_deal if calls_per_deal is not None else _measured(ratios.call)
    won_needed = new_deals = None
    if size and conv:
        won_needed = (target / size).to_integral_value(rounding=ROUND_CEILING)
        new_deals = (won_needed / conv).to_integral_value(rounding=ROUND_CEILING)
    return Calculator(
        target=target,
        weeks=weeks,
        deal_size=size,
        conversion=conv,
        meetings_per_won=meetings,
        calls_per_won=calls,
        won_needed=None if won_needed is None else int(won_needed),
        new_deals=None if new_deals is None else int(new_deals),
        new_deals_per_week=None if new_deals is None else math.ceil(new_deals / weeks),
        meetings_per_week=None
        if won_needed is None or meetings is None
        else math.ceil(won_needed * meetings / weeks),
        calls_per_week=None
        if won_needed is None or calls is None
        else math.ceil(won_needed * calls / weeks),
    )


def balance_warnings(current: MetricsReport) -> list[str]:
    """Warnings about the shape of the open pipeline (from the stays in progress)."""
    stages = current.time_in_stage
    warnings = []
    for s in stages:
        if s.in_progress == 0:
            warnings.append(_("%(stage)s has no open deals.") % {"stage": s.stage})
    if len(stages) >= 2:
        half = len(stages) // 2
        early = sum(s.in_progress for s in stages[:half])
        late = sum(s.in_progress for s in stages[half:])
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


def _months_before(end: datetime.date, months: int) -> list[datetime.date]:
    """The first days of the `months` complete months before the one `end` falls in."""
    first = end.replace(day=1)
    starts = []
    for _i in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
        starts.append(first)
    starts.reverse()
    return starts


def _stored_forecasts(
    scope: Scope, since: datetime.date, until: datetime.date
) -> list[tuple[datetime.date, dict[str, Decimal]]]:
    """The weighted forecast by month that each nightly snapshot of the scope held, by date,
    in the scope's currency (1 query)."""
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
            date__gte=since,
            date__lt=until,
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
    return sorted(by_date.items())


def forecast_accuracy(scope: Scope, months: int = 6) -> list[AccuracyMonth]:
    """For each of the last complete months: the weighted forecast the nightly snapshot held
    for it on the eve of the month, against what was won in it (2 queries).

    Needs the snapshots of the scope's key (everyone, a team, an owner); a month without a
    snapshot before it shows no forecast. Snapshots hold base-currency amounts: in another
    currency, a stored forecast is converted at the scope's (today's stored) rate.
    """
    starts = _months_before(scope.end, months)
    if not starts:
        return []
    snaps = _stored_forecasts(scope, starts[0] - datetime.timedelta(days=92), starts[-1])
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
        _as_date(m): v
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
            AccuracyMonth(
                month=key,
                forecast=forecast,
                won=actual,
                accuracy=r.ratio(actual, forecast) if forecast else None,
            )
        )
    return out


def calibration(scope: Scope) -> list[CalibrationRow]:
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
        CalibrationRow(
            stage=s.name,
            probability=s.win_probability,
            deals=rows.get(s.pk, {}).get("closed", 0),
            realised=r.ratio(rows.get(s.pk, {}).get("won", 0), rows.get(s.pk, {}).get("closed")),
        )
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
