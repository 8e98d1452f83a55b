"""The figures of docs/metrics.md for one scope, each computed by aggregate SQL.

No function here iterates over deals: every query returns one row, or one row per stage,
status, month, owner or activity type. Money is summed over deals in the base currency only
(until exchange rates exist), and returned as Decimal.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from metrics.expressions import DaysBetween, days, money, percentiles
from metrics.selectors.scope import Scope
from pipeline.models import Activity, Deal, Stage, StageChange

WON, LOST, OPEN = Deal.Status.WON, Deal.Status.LOST, Deal.Status.OPEN
STALE_REASONS = ("stuck", "idle", "no_next_step", "overdue", "too_old")
ACTIVITY_TYPES = (
    Activity.Type.CALL,
    Activity.Type.MEETING,
    Activity.Type.EMAIL,
    Activity.Type.DEMO,
)
TOO_OLD_WINDOW_DAYS = 365


def _ratio(num: int | Decimal | float | None, den: int | Decimal | float | None) -> float | None:
    if num is None or not den:
        return None
    return round(float(num) / float(den), 4)


def _cycle() -> DaysBetween:
    return DaysBetween(F("closed_at"), F("created_at"))


def closed_in_period(scope: Scope) -> QuerySet[Deal]:
    """Deals won or lost in the period (their current status and close date)."""
    return scope.deals().filter(
        status__in=[WON, LOST], closed_at__gte=scope.start_dt, closed_at__lt=scope.end_dt
    )


def created_in_period(scope: Scope) -> QuerySet[Deal]:
    return scope.deals().filter(created_at__gte=scope.start_dt, created_at__lt=scope.end_dt)


def open_deals(scope: Scope) -> QuerySet[Deal]:
    """Open deals on the board: parked deals wait in the future pool and are left out."""
    return scope.deals().filter(status=OPEN, parked_until__isnull=True)


def outcomes(scope: Scope) -> dict[str, Any]:
    """Win rate, deal size and sales cycle of the deals closed in the period (3 queries)."""
    closed = closed_in_period(scope)
    won, base = Q(status=WON), Q(currency=scope.currency)
    row = closed.aggregate(
        won=Count("pk", filter=won),
        lost=Count("pk", filter=Q(status=LOST)),
        won_base=Count("pk", filter=won & base),
        won_value=Sum("value", filter=won & base),
        cycle_won=Avg(_cycle(), filter=won),
        cycle_lost=Avg(_cycle(), filter=Q(status=LOST)),
    )
    cycles = percentiles(closed, _cycle(), [0.5, 0.9], group="status")
    median_value = percentiles(closed.filter(won & base), F("value"), [0.5]).get(None, {})
    won_value = row["won_value"] or Decimal("0")
    return {
        "win_rate": _ratio(row["won"], row["won"] + row["lost"]),
        "won_count": row["won"],
        "lost_count": row["lost"],
        "won_value": won_value,
        "avg_won_value": (won_value / row["won_base"]).quantize(Decimal("0.01"))
        if row["won_base"]
        else None,
        "median_won_value": money(median_value.get(0.5)),
        "cycle_days_won": {
            "median": days(cycles.get(WON, {}).get(0.5)),
            "mean": days(row["cycle_won"]),
            "p90": days(cycles.get(WON, {}).get(0.9)),
        },
        "_cycle_won_exact": row["cycle_won"],
        "cycle_days_lost": {
            "median": days(cycles.get(LOST, {}).get(0.5)),
            "mean": days(row["cycle_lost"]),
            "p90": days(cycles.get(LOST, {}).get(0.9)),
        },
    }


def stages_of(scope: Scope) -> list[Stage]:
    return list(Stage.objects.filter(pipeline_id=scope.pipeline.pk, is_active=True))


def funnel(scope: Scope, stages: list[Stage]) -> dict[str, Any]:
    """How far the deals created in the period got (1 query: counts by furthest stage).

    A deal's furthest stage is the highest position it ever entered (history), or its current
    stage; a won deal counts as having reached every stage.
    """
    furthest = Subquery(
        StageChange.objects.filter(deal_id=OuterRef("pk"))
        .order_by()
        .values("deal_id")
        .annotate(m=Max("to_stage__position"))
        .values("m")
    )
    reach = Greatest(Coalesce(furthest, F("stage__position")), F("stage__position"))
    rows = list(
        created_in_period(scope)
        .annotate(_reach=reach)
        .order_by()
        .values_list("_reach", "status")
        .annotate(n=Count("pk"))
    )
    won = sum(n for _pos, status, n in rows if status == WON)
    out: list[dict[str, Any]] = []
    previous: int | None = None
    for stage in stages:
        reached = sum(n for pos, status, n in rows if status == WON or pos >= stage.position)
        out.append(
            {
                "stage": stage.name,
                "stage_id": stage.pk,
                "reached": reached,
                "conversion": None if previous is None else _ratio(reached, previous),
            }
        )
        previous = reached
    first = out[0]["reached"] if out else 0
    mot = next((s for s in stages if s.is_moment_of_truth), None)
    mot_reached = next((f["reached"] for f in out if f["stage_id"] == mot.pk), 0) if mot else 0
    return {
        "funnel": out,
        "created_count": sum(n for _pos, _status, n in rows),
        "created_won": won,
        "overall_conversion": _ratio(won, first),
        "moment_of_truth": None
        if mot is None
        else {
            "stage": mot.name,
            "reached": mot_reached,
            "won": won,
            "conversion": _ratio(won, mot_reached),
        },
    }


def stays_completed(scope: Scope) -> QuerySet[StageChange]:
    """Stays in a stage that ended in the period, as the history rows that ended them.

    A stay begins with a row that leaves the deal open in a stage (creation, move or reopen)
    and ends with the deal's next row, a move or a close: exactly the rows whose
    `from_status` is open, and their `from_stage` is the stage of the stay. So the stays
    ending in P are an index range scan of the rows in P, and only those look up their
    previous row (the stay's start), annotated `_start`; `_days` is the duration.
    """
    previous = (
        StageChange.objects.filter(deal_id=OuterRef("deal_id"))
        .filter(
            Q(timestamp__lt=OuterRef("timestamp"))
            | Q(timestamp=OuterRef("timestamp"), id__lt=OuterRef("id"))
        )
        .order_by("-timestamp", "-id")
        .values("timestamp")[:1]
    )
    return (
        stay_ends(scope)
        .annotate(_start=Subquery(previous, output_field=DateTimeField()))
        .annotate(_days=DaysBetween(F("timestamp"), F("_start")))
    )


def stay_ends(scope: Scope) -> QuerySet[StageChange]:
    """The history rows in the period that end a stay (moves and closes)."""
    return StageChange.objects.filter(
        pipeline_id=scope.pipeline.pk,
        from_status=OPEN,
        from_stage__isnull=False,
        timestamp__gte=scope.start_dt,
        timestamp__lt=scope.end_dt,
        **scope.owner_filter("deal__"),
    )


def time_in_stage(scope: Scope, stages: list[Stage]) -> list[dict[str, Any]]:
    """Median and 90th percentile of completed stays per stage; open stays apart (4 queries)."""
    completed = stays_completed(scope)
    done_pct = percentiles(completed, F("_days"), [0.5, 0.9], group="from_stage")
    # The count needs no start: every row ending a stay counts once.
    done_n = dict(stay_ends(scope).order_by().values_list("from_stage").annotate(n=Count("pk")))
    now = Value(scope.as_of, output_field=DateTimeField())
    current = open_deals(scope).filter(created_at__lt=scope.as_of)
    age = DaysBetween(now, F("stage_entered_at"))
    open_pct = percentiles(current, age, [0.5], group="stage")
    open_n = dict(current.order_by().values_list("stage").annotate(n=Count("pk")))
    return [
        {
            "stage": s.name,
            "stage_id": s.pk,
            "completed": done_n.get(s.pk, 0),
            "median_days": days(done_pct.get(s.pk, {}).get(0.5)),
            "p90_days": days(done_pct.get(s.pk, {}).get(0.9)),
            "in_progress": open_n.get(s.pk, 0),
            "in_progress_median_days": days(open_pct.get(s.pk, {}).get(0.5)),
        }
        for s in stages
    ]


def forecast(scope: Scope) -> dict[str, Any]:
    """Weighted open pipeline by expected close month (1 query, grouped by month and
    probability; the multiplication happens on those few sums, in Decimal)."""
    rows = (
        open_deals(scope)
        .filter(currency=scope.currency)
        .annotate(month=TruncMonth("expected_close_date"))
        .order_by()
        .values_list("month", "stage__win_probability")
        .annotate(n=Count("pk"), total=Sum("value"))
    )
    months: dict[datetime.date | None, dict[str, Any]] = {}
    for month, probability, n, total in rows:
        entry = months.setdefault(
            month, {"count": 0, "value": Decimal("0"), "weighted": Decimal("0")}
        )
        entry["count"] += n
        entry["value"] += total or Decimal("0")
        entry["weighted"] += (total or Decimal("0")) * probability / 100
    for entry in months.values():
        entry["weighted"] = entry["weighted"].quantize(Decimal("0.01"))
    undated = months.pop(None, {"count": 0, "value": Decimal("0"), "weighted": Decimal("0")})
    by_month = [
        {"month": m.strftime("%Y-%m"), **months[m]}
        for m in sorted(months, key=lambda d: (d.year, d.month))
    ]
    total = sum((e["weighted"] for e in by_month), Decimal("0")) + undated["weighted"]
    return {"weighted_pipeline": total, "forecast": by_month, "forecast_undated": undated}


def activity_ratios(scope: Scope, won_count: int) -> dict[str, float | None]:
    """Calls, meetings, emails and demos done in the period on the scope's deals, per deal
    won in the period (1 query)."""
    done = dict(
        Activity.objects.filter(
            deal__pipeline_id=scope.pipeline.pk,
            done_at__gte=scope.start_dt,
            done_at__lt=scope.end_dt,
            type__in=ACTIVITY_TYPES,
            **scope.owner_filter("deal__"),
        )
        .order_by()
        .values_list("type")
        .annotate(n=Count("pk"))
    )
    return {str(t): _ratio(done.get(t, 0), won_count) for t in ACTIVITY_TYPES} | {
        "done": {str(t): done.get(t, 0) for t in ACTIVITY_TYPES}
    }


def top20_org_share(scope: Scope) -> float | None:
    """Share of won revenue from the top 20% of organizations (2 queries).

    Among organizations with won revenue in the period, the top ⌈20%⌉ by revenue (ties by id)
    against all of them; deals without an organization are left out of both.
    """
    won = closed_in_period(scope).filter(
        status=WON, currency=scope.currency, organization_id__isnull=False
    )
    per_org = won.order_by().values("organization_id").annotate(t=Sum("value"))
    n = per_org.count()
    if not n:
        return None
    top = per_org.order_by("-t", "organization_id").values("organization_id")[: math.ceil(n / 5)]
    row = won.aggregate(
        total=Sum("value"), top=Sum("value", filter=Q(organization_id__in=Subquery(top)))
    )
    return _ratio(row["top"] or 0, row["total"])


def too_old_threshold(scope: Scope) -> float | None:
    """The 90th percentile of won sales cycles in the pipeline over the last year (1 query)."""
    since = scope.as_of - datetime.timedelta(days=TOO_OLD_WINDOW_DAYS)
    won = Deal.objects.filter(
        pipeline_id=scope.pipeline.pk, status=WON, closed_at__gte=since, closed_at__lt=scope.as_of
    )
    return percentiles(won, _cycle(), [0.9]).get(None, {}).get(0.9)


def stale_annotate(
    qs: QuerySet[Deal], *, as_of: datetime.datetime, too_old_days: float | None
) -> QuerySet[Deal]:
    """Open, not parked deals with one boolean per stale reason and `_stale` for any."""
    idle_since = as_of - datetime.timedelta(days=settings.STAGECOACH_IDLE_DAYS)
    today = timezone.localtime(as_of).date()
    now = Value(as_of, output_field=DateTimeField())
    recent_activity = Activity.objects.filter(
        deal_id=OuterRef("pk"), done_at__gte=idle_since, done_at__lt=as_of
    )
    reasons = {
        "stuck": Q(stage__rotting_days__isnull=False) & Q(_in_stage__gt=F("stage__rotting_days")),
        "idle": Q(updated_at__lt=idle_since) & ~Exists(recent_activity),
        "no_next_step": Q(next_activity_date__isnull=True),
        "overdue": Q(next_activity_date__lt=today),
        "too_old": Q(_age__gt=too_old_days) if too_old_days is not None else Q(pk__in=[]),
    }
    qs = qs.filter(status=OPEN, parked_until__isnull=True).annotate(
        _in_stage=DaysBetween(now, F("stage_entered_at")),
        _age=DaysBetween(now, F("created_at")),
    )
    qs = qs.annotate(
        **{
            f"_{name}": ExpressionWrapper(cond, output_field=BooleanField())
            for name, cond in reasons.items()
        }
    )
    any_reason = Q()
    for name in reasons:
        any_reason |= Q(**{f"_{name}": True})
    return qs.annotate(_stale=ExpressionWrapper(any_reason, output_field=BooleanField()))


def stale_counts(scope: Scope, too_old_days: float | None) -> dict[str, int]:
    """Stale deals now, by reason (1 query); `total` counts each deal once."""
    qs = stale_annotate(scope.deals(), as_of=scope.as_of, too_old_days=too_old_days)
    row = qs.aggregate(
        total=Count("pk", filter=Q(_stale=True)),
        **{name: Count("pk", filter=Q(**{f"_{name}": True})) for name in STALE_REASONS},
    )
    return {name: row[name] for name in (*STALE_REASONS, "total")}


def by_owner(scope: Scope) -> list[dict[str, Any]]:
    """Win rate, wins and won value per owner over the deals closed in the period (1 query)."""
    rows = (
        closed_in_period(scope)
        .order_by()
        .values("owner_id", "owner__username")
        .annotate(
            won=Count("pk", filter=Q(status=WON)),
            lost=Count("pk", filter=Q(status=LOST)),
            won_value=Sum("value", filter=Q(status=WON, currency=scope.currency)),
        )
    )
    out = [
        {
            "owner": r["owner__username"],
            "owner_id": r["owner_id"],
            "win_rate": _ratio(r["won"], r["won"] + r["lost"]),
            "won_count": r["won"],
            "lost_count": r["lost"],
            "won_value": r["won_value"] or Decimal("0"),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (-r["won_value"], r["owner"]))
    return out


_COMPUTE = object()


def metrics_report(scope: Scope, *, too_old_days: Any = _COMPUTE) -> dict[str, Any]:
    """Every figure of docs/metrics.md for the scope (about 20 queries, whatever the data).

    `too_old_days` is the same for every scope of a pipeline at one instant; the nightly run
    computes it once per pipeline and passes it in.
    """
    stages = stages_of(scope)
    result: dict[str, Any] = {
        "pipeline": scope.pipeline.name,
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "scope": scope.key,
        "currency": scope.currency,
    }
    result |= outcomes(scope)
    result |= funnel(scope, stages)
    result["time_in_stage"] = time_in_stage(scope, stages)
    result["open_count"] = open_deals(scope).count()
    # Velocity from the unrounded inputs: open × won ÷ (won + lost) × average ÷ cycle.
    cycle_mean = result.pop("_cycle_won_exact")
    closed_n = result["won_count"] + result["lost_count"]
    if not closed_n or result["avg_won_value"] is None or not cycle_mean:
        result["velocity"] = None
    else:
        velocity = (
            Decimal(result["open_count"])
            * Decimal(result["won_count"])
            / Decimal(closed_n)
            * result["avg_won_value"]
            / Decimal(repr(float(cycle_mean)))
        )
        result["velocity"] = velocity.quantize(Decimal("0.01"))
    result |= forecast(scope)
    result["activity_ratios"] = activity_ratios(scope, result["won_count"])
    result["top20_org_share"] = top20_org_share(scope)
    threshold = too_old_threshold(scope) if too_old_days is _COMPUTE else too_old_days
    result["too_old_days"] = days(threshold)
    result["stale_counts"] = stale_counts(scope, threshold)
    result["by_owner"] = by_owner(scope)
    return result


def jsonable(value: Any) -> Any:
    """Decimals as JSON numbers (amounts have two decimals, which a float prints exactly)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
