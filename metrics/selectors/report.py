"""The figures of docs/metrics.md, each computed by aggregate SQL, for one scope or for many
scopes of one pipeline and period at once.

No function here iterates over deals: every query returns one row, or one row per stage,
status, month, owner, organization or activity type. Money is converted to the base currency
at the stored rates in SQL (`metrics.expressions.base_amount`), summed as Decimal, and deals in
a currency without a rate are left out of amounts (and counted apart).

Several scopes at once (the nightly run: everyone, each team, each owner): figures that add up
(counts, sums) are computed once, grouped by owner, and each scope adds up its owners' rows;
figures that do not (percentiles) are computed once per kind of scope, grouped by owner or by
the owner's team. So a pipeline costs the same few passes whatever the number of reps.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
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

from metrics.expressions import (
    DaysBetween,
    analytic_queries,
    base_amount,
    days,
    money,
    percentiles,
    whole_days_between,
)
from metrics.selectors.scope import Scope
from pipeline.models import Activity, Deal, Stage, StageChange
from shared.money import format_rate, round_money

WON, LOST, OPEN = Deal.Status.WON, Deal.Status.LOST, Deal.Status.OPEN
STALE_REASONS = ("stuck", "idle", "no_next_step", "overdue", "too_old")
ACTIVITY_TYPES = (
    Activity.Type.CALL,
    Activity.Type.MEETING,
    Activity.Type.EMAIL,
    Activity.Type.DEMO,
)
TOO_OLD_WINDOW_DAYS = 365
# How a percentile pass groups the deals: one result for the whole scope, or one per owner,
# or one per owner's team (the path from a deal to its owner is prefixed where needed).
DIM_FIELDS = {"owner": "owner_id", "team": "owner__team_id"}


def _ratio(num: int | Decimal | float | None, den: int | Decimal | float | None) -> float | None:
    if num is None or not den:
        return None
    return round(float(num) / float(den), 4)


def _cycle() -> DaysBetween:
    return DaysBetween(F("closed_at"), F("created_at"))


def amount_in_base(scope: Scope, prefix: str = "") -> Any:
    """The deal's value in the scope's currency (the base currency unless the viewer picked
    another) at the scope's rates (NULL without a rate)."""
    return base_amount(
        scope.rate_values(),
        scope.currency,
        value=f"{prefix}value",
        currency=f"{prefix}currency",
    )


def cents(value: Decimal | None, scope: Scope) -> Decimal:
    return round_money(value or Decimal("0"), scope.currency)


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


def stages_of(scope: Scope) -> list[Stage]:
    return list(Stage.objects.filter(pipeline_id=scope.pipeline.pk, is_active=True))


def stay_ends(scope: Scope) -> QuerySet[StageChange]:
    """The history rows in the period that end a stay (moves and closes).

    A stay begins with a row that leaves the deal open in a stage (creation, move or reopen)
    and ends with the deal's next row, a move or a close: exactly the rows whose `from_status`
    is open, and their `from_stage` is the stage of the stay. Each row carries when the stay
    began (`stay_started_at`, written with the row), so `_days` is a plain column difference.
    """
    return StageChange.objects.filter(
        pipeline_id=scope.pipeline.pk,
        from_status=OPEN,
        from_stage__isnull=False,
        timestamp__gte=scope.start_dt,
        timestamp__lt=scope.end_dt,
        **scope.owner_filter("deal__"),
    ).annotate(_days=DaysBetween(F("timestamp"), F("stay_started_at")))


def stays_completed(scope: Scope) -> QuerySet[StageChange]:
    """Stays in a stage that ended in the period, as the history rows that ended them."""
    return stay_ends(scope)


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
    """Open, not parked deals with one boolean per stale reason and `_stale` for any.

    "Idle" reads the deal's `last_done_activity_at` (kept by the activity services), so no
    reason looks at another table.
    """
    idle_since = as_of - datetime.timedelta(days=settings.STAGECOACH_IDLE_DAYS)
    today = timezone.localtime(as_of).date()
    now = Value(as_of, output_field=DateTimeField())
    reasons = {
        "stuck": Q(stage__rotting_days__isnull=False) & Q(_in_stage__gt=F("stage__rotting_days")),
        "idle": Q(updated_at__lt=idle_since)
        & (Q(last_done_activity_at__isnull=True) | Q(last_done_activity_at__lt=idle_since)),
        "no_next_step": Q(next_activity_date__isnull=True),
        "overdue": Q(next_activity_date__lt=today),
        "too_old": Q(_age__gt=too_old_days) if too_old_days is not None else Q(pk__in=[]),
    }
    qs = qs.filter(status=OPEN, parked_until__isnull=True).annotate(
        _in_stage=whole_days_between(now, F("stage_entered_at")),
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


# --- Additive figures: one pass grouped by owner, each scope adds up its owners' rows -------


def _fold(
    rows: Iterable[dict[str, Any]], owners: frozenset[int] | None, keys: tuple[str, ...]
) -> dict[tuple, dict[str, Any]]:
    """Add up the numeric fields of the rows of `owners` (all when None), per `keys`."""
    out: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        if owners is not None and row["_owner"] not in owners:
            continue
        key = tuple(row[k] for k in keys)
        acc = out.setdefault(key, {})
        for name, value in row.items():
            if name.startswith("_") or name in keys or isinstance(value, str):
                continue
            if value is not None:
                acc[name] = (acc.get(name) or 0) + value
            else:
                acc.setdefault(name, None)
    return out


@dataclass
class OwnerRows:
    """The additive figures of a base scope, one row per owner (and stage, month, …)."""

    outcomes: list[dict[str, Any]]
    funnel: list[dict[str, Any]]
    stays: list[dict[str, Any]]
    open: list[dict[str, Any]]
    forecast: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    org_revenue: list[dict[str, Any]]
    stale: list[dict[str, Any]]


def _outcome_rows(scope: Scope) -> list[dict[str, Any]]:
    """Deals closed in the period, per owner: counts, converted won value, cycle sums."""
    won, lost = Q(status=WON), Q(status=LOST)
    return list(
        closed_in_period(scope)
        .annotate(_amount=amount_in_base(scope), _cycle=_cycle())
        .order_by()
        .values(
            _owner=F("owner_id"),
            username=F("owner__username"),
            first_name=F("owner__first_name"),
            last_name=F("owner__last_name"),
        )
        .annotate(
            won=Count("pk", filter=won),
            lost=Count("pk", filter=lost),
            won_converted=Count("pk", filter=won & Q(_amount__isnull=False)),
            won_value=Sum("_amount", filter=won),
            cycle_won_sum=Sum("_cycle", filter=won),
            cycle_lost_sum=Sum("_cycle", filter=lost),
        )
    )


def _outcomes(
    scope: Scope, rows: list[dict[str, Any]], owners: frozenset[int] | None
) -> dict[str, Any]:
    """Win rate, counts, converted won value, average and mean cycles from the owner rows."""
    out = _fold(rows, owners, ()).get((), {})
    won_n, lost_n = out.get("won", 0), out.get("lost", 0)
    won_conv = out.get("won_converted", 0)

    def mean(total: float | None, n: int) -> float | None:
        return (total or 0.0) / n if n else None

    return {
        "win_rate": _ratio(won_n, won_n + lost_n),
        "won_count": won_n,
        "lost_count": lost_n,
        "won_value": cents(out.get("won_value"), scope),
        # Won deals whose currency has no stored rate: counted, but in no amount.
        "won_unconverted_count": won_n - won_conv,
        "avg_won_value": cents(out["won_value"] / won_conv, scope) if won_conv else None,
        "_cycle_won": mean(out.get("cycle_won_sum"), won_n),
        "_cycle_lost": mean(out.get("cycle_lost_sum"), lost_n),
    }


def outcomes(scope: Scope) -> dict[str, Any]:
    """Win rate, deal size and mean cycles of one scope without percentiles (1 query)."""
    result = _outcomes(scope, _outcome_rows(scope), None)
    result["cycle_days_won"] = {"mean": days(result.pop("_cycle_won"))}
    result["cycle_days_lost"] = {"mean": days(result.pop("_cycle_lost"))}
    return result


def _owner_rows(base: Scope, too_old_days: float | None) -> OwnerRows:
    """Every additive figure of `base` grouped by owner (8 queries)."""
    amount = amount_in_base(base)
    outcomes = _outcome_rows(base)
    furthest = Subquery(
        StageChange.objects.filter(deal_id=OuterRef("pk"))
        .order_by()
        .values("deal_id")
        .annotate(m=Max("to_stage__position"))
        .values("m")
    )
    reach = Greatest(Coalesce(furthest, F("stage__position")), F("stage__position"))
    funnel = list(
        created_in_period(base)
        .annotate(_reach=reach)
        .order_by()
        .values("_reach", "status", _owner=F("owner_id"))
        .annotate(n=Count("pk"))
    )
    stays = list(
        stay_ends(base)
        .order_by()
        .values("from_stage", _owner=F("deal__owner_id"))
        .annotate(n=Count("pk"))
    )
    open_ = list(
        open_deals(base)
        .order_by()
        .values("stage", _owner=F("owner_id"))
        .annotate(n=Count("pk"), in_progress=Count("pk", filter=Q(created_at__lt=base.as_of)))
    )
    forecast = list(
        open_deals(base)
        .annotate(_amount=amount, month=TruncMonth("expected_close_date"))
        .filter(_amount__isnull=False)
        .order_by()
        .values("month", probability=F("stage__win_probability"), _owner=F("owner_id"))
        .annotate(n=Count("pk"), total=Sum("_amount"))
    )
    activities = list(
        Activity.objects.filter(
            deal__pipeline_id=base.pipeline.pk,
            done_at__gte=base.start_dt,
            done_at__lt=base.end_dt,
            type__in=ACTIVITY_TYPES,
            **base.owner_filter("deal__"),
        )
        .order_by()
        .values("type", _owner=F("deal__owner_id"))
        .annotate(n=Count("pk"))
    )
    org_revenue = list(
        closed_in_period(base)
        .filter(status=WON, organization_id__isnull=False)
        .annotate(_amount=amount)
        .filter(_amount__isnull=False)
        .order_by()
        .values("organization_id", _owner=F("owner_id"))
        .annotate(total=Sum("_amount"))
    )
    stale_qs = stale_annotate(base.deals(), as_of=base.as_of, too_old_days=too_old_days)
    stale = list(
        stale_qs.order_by()
        .values(_owner=F("owner_id"))
        .annotate(
            total=Count("pk", filter=Q(_stale=True)),
            **{name: Count("pk", filter=Q(**{f"_{name}": True})) for name in STALE_REASONS},
        )
    )
    return OwnerRows(outcomes, funnel, stays, open_, forecast, activities, org_revenue, stale)


# --- Percentiles: one pass per kind of scope (the whole base, per owner, per team) ----------


@dataclass
class Percentiles:
    cycles: dict[Any, dict[float, float]]  # (key, status)
    won_value: dict[Any, dict[float, float]]  # key
    stays: dict[Any, dict[float, float]]  # (key, stage)
    open_age: dict[Any, dict[float, float]]  # (key, stage)


def _percentiles(base: Scope, dim: str | None) -> Percentiles:
    """The percentile figures of `base`, for the whole of it (`dim` None, keys None) or per
    owner or team (keys are the owner's or team's id): 4 queries."""
    field = DIM_FIELDS.get(dim or "")
    by = [field] if field else []
    closed = closed_in_period(base)
    cycles = percentiles(closed, _cycle(), [0.5, 0.9], group=[*by, "status"])
    won_value = percentiles(
        closed.filter(status=WON), amount_in_base(base), [0.5], group=by[0] if by else None
    )
    stays = percentiles(
        stay_ends(base),
        F("_days"),
        [0.5, 0.9],
        group=[*(f"deal__{f}" for f in by), "from_stage"],
    )
    now = Value(base.as_of, output_field=DateTimeField())
    open_age = percentiles(
        open_deals(base).filter(created_at__lt=base.as_of),
        DaysBetween(now, F("stage_entered_at")),
        [0.5],
        group=[*by, "stage"],
    )

    def key(k: Any) -> Any:  # (owner/team, x) or (x,) → always (key, x)
        return k if by else (None, *k)

    return Percentiles(
        cycles={key(k): v for k, v in cycles.items()},
        won_value=won_value,
        stays={key(k): v for k, v in stays.items()},
        open_age={key(k): v for k, v in open_age.items()},
    )


# --- One report from the rows -----------------------------------------------------------------


def _report(
    scope: Scope,
    stages: list[Stage],
    rows: OwnerRows,
    pct: Percentiles,
    key: Any,
    too_old_days: float | None,
    owners: frozenset[int] | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "pipeline": scope.pipeline.name,
        "from": scope.start.isoformat(),
        "to": scope.end.isoformat(),
        "scope": scope.key,
        "currency": scope.currency,
        "rates": {
            code: {
                "rate": Decimal(format_rate(r.rate)),
                "date": r.date.isoformat() if r.date else None,
            }
            for code, r in sorted(scope.rates_to_target().items())
        },
    }
    # Outcomes.
    result |= _outcomes(scope, rows.outcomes, owners)
    won_n, lost_n = result["won_count"], result["lost_count"]
    cycle_won, cycle_lost = result.pop("_cycle_won"), result.pop("_cycle_lost")
    cyc_won = pct.cycles.get((key, WON), {})
    cyc_lost = pct.cycles.get((key, LOST), {})
    result |= {
        "median_won_value": money(pct.won_value.get(key, {}).get(0.5), scope.currency),
        "cycle_days_won": {
            "median": days(cyc_won.get(0.5)),
            "mean": days(cycle_won),
            "p90": days(cyc_won.get(0.9)),
        },
        "cycle_days_lost": {
            "median": days(cyc_lost.get(0.5)),
            "mean": days(cycle_lost),
            "p90": days(cyc_lost.get(0.9)),
        },
    }
    result |= _funnel(stages, _fold(rows.funnel, owners, ("_reach", "status")))
    # Time in stage.
    stays_n = _fold(rows.stays, owners, ("from_stage",))
    open_n = _fold(rows.open, owners, ("stage",))
    result["time_in_stage"] = [
        {
            "stage": s.name,
            "stage_id": s.pk,
            "completed": stays_n.get((s.pk,), {}).get("n", 0),
            "median_days": days(pct.stays.get((key, s.pk), {}).get(0.5)),
            "p90_days": days(pct.stays.get((key, s.pk), {}).get(0.9)),
            "in_progress": open_n.get((s.pk,), {}).get("in_progress", 0),
            "in_progress_median_days": days(pct.open_age.get((key, s.pk), {}).get(0.5)),
        }
        for s in stages
    ]
    result["open_count"] = sum(r.get("n", 0) for r in open_n.values())
    # Velocity from the unrounded inputs: open × won ÷ (won + lost) × average ÷ cycle.
    if not (won_n + lost_n) or result["avg_won_value"] is None or not cycle_won:
        result["velocity"] = None
    else:
        velocity = (
            Decimal(result["open_count"])
            * Decimal(won_n)
            / Decimal(won_n + lost_n)
            * result["avg_won_value"]
            / Decimal(repr(float(cycle_won)))
        )
        result["velocity"] = velocity.quantize(Decimal("0.01"))
    result |= _forecast(scope, _fold(rows.forecast, owners, ("month", "probability")))
    done = {k: v.get("n", 0) for (k,), v in _fold(rows.activities, owners, ("type",)).items()}
    result["activity_ratios"] = {str(t): _ratio(done.get(t, 0), won_n) for t in ACTIVITY_TYPES} | {
        "done": {str(t): done.get(t, 0) for t in ACTIVITY_TYPES}
    }
    result["top20_org_share"] = _top20(_fold(rows.org_revenue, owners, ("organization_id",)))
    result["too_old_days"] = days(too_old_days)
    stale = _fold(rows.stale, owners, ()).get((), {})
    result["stale_counts"] = {name: stale.get(name, 0) for name in (*STALE_REASONS, "total")}
    result["by_owner"] = _by_owner(scope, rows.outcomes, owners)
    return result


def _funnel(stages: list[Stage], reach: dict[tuple, dict[str, Any]]) -> dict[str, Any]:
    """How far the deals created in the period got, from counts by (furthest stage, status).

    A deal's furthest stage is the highest position it ever entered (history), or its current
    stage; a won deal counts as having reached every stage.
    """
    rows = [(pos, status, v["n"]) for (pos, status), v in reach.items()]
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


def _forecast(scope: Scope, rows: dict[tuple, dict[str, Any]]) -> dict[str, Any]:
    """Weighted open pipeline by expected close month, from sums by (month, probability) of
    converted values; the multiplication happens on those few sums, in Decimal."""
    months: dict[datetime.date | None, dict[str, Any]] = {}
    for (month, probability), v in rows.items():
        entry = months.setdefault(
            month, {"count": 0, "value": Decimal("0"), "weighted": Decimal("0")}
        )
        total = v.get("total") or Decimal("0")
        entry["count"] += v.get("n", 0)
        entry["value"] += total
        entry["weighted"] += total * probability / 100
    for entry in months.values():
        entry["value"] = cents(entry["value"], scope)
        entry["weighted"] = cents(entry["weighted"], scope)
    empty = {"count": 0, "value": Decimal("0.00"), "weighted": Decimal("0.00")}
    undated = months.pop(None, empty)
    by_month = [
        {"month": m.strftime("%Y-%m"), **months[m]}
        for m in sorted(months, key=lambda d: (d.year, d.month))
    ]
    total = sum((e["weighted"] for e in by_month), Decimal("0")) + undated["weighted"]
    return {"weighted_pipeline": total, "forecast": by_month, "forecast_undated": undated}


def _top20(per_org: dict[tuple, dict[str, Any]]) -> float | None:
    """Share of won revenue from the top ⌈20%⌉ of organizations by revenue (ties by id),
    from one sum per organization."""
    totals = sorted(((-v["total"], org) for (org,), v in per_org.items() if v.get("total")))
    if not totals:
        return None
    top = sum(-t for t, _org in totals[: math.ceil(len(totals) / 5)])
    return _ratio(top, sum(-t for t, _org in totals))


def _by_owner(
    scope: Scope, rows: list[dict[str, Any]], owners: frozenset[int] | None
) -> list[dict[str, Any]]:
    out = [
        {
            "owner": r["username"],
            # The name people know (User.__str__): "Alex Rivera", the username without one.
            "owner_name": " ".join(n for n in (r.get("first_name"), r.get("last_name")) if n)
            or r["username"],
            "owner_id": r["_owner"],
            "win_rate": _ratio(r["won"], r["won"] + r["lost"]),
            "won_count": r["won"],
            "lost_count": r["lost"],
            "won_value": cents(r["won_value"], scope),
        }
        for r in rows
        if owners is None or r["_owner"] in owners
    ]
    out.sort(key=lambda r: (-r["won_value"], r["owner"]))
    return out


_COMPUTE = object()


def metrics_report(scope: Scope, *, too_old_days: Any = _COMPUTE) -> dict[str, Any]:
    """Every figure of docs/metrics.md for the scope (15 queries, whatever the data).

    `too_old_days` is the same for every scope of a pipeline at one instant; callers that
    report several scopes compute it once and pass it in.
    """
    with analytic_queries():
        threshold = too_old_threshold(scope) if too_old_days is _COMPUTE else too_old_days
        stages = stages_of(scope)
        rows = _owner_rows(scope, threshold)
        pct = _percentiles(scope, None)
    return _report(scope, stages, rows, pct, None, threshold, None)


def metrics_reports(
    base: Scope, scopes: list[Scope], *, too_old_days: Any = _COMPUTE
) -> list[dict[str, Any]]:
    """The reports of several scopes of one pipeline, period and instant, computed together.

    `base` has no owner restriction; each scope is `base` narrowed to everyone (kind "all"),
    a team (kind "team", key "team:<id>", its members as owners) or one owner (kind "owner").
    The additive figures take one pass over `base` grouped by owner; the percentiles one pass
    for everyone, one grouped by team (skipped when every team scope covers every owner of
    `base`, whose figures are then everyone's) and one grouped by owner. Each report equals
    `metrics_report` of its scope (the tests check it).
    """
    assert base.owner_ids is None, "the base scope covers every owner"
    with analytic_queries():
        return _reports_together(base, scopes, too_old_days)


def _reports_together(base: Scope, scopes: list[Scope], too_old_days: Any) -> list[dict[str, Any]]:
    threshold = too_old_threshold(base) if too_old_days is _COMPUTE else too_old_days
    stages = stages_of(base)
    rows = _owner_rows(base, threshold)
    everyone = _all_owners(rows)
    kinds = {s.kind for s in scopes}
    passes: dict[str | None, Percentiles] = {None: _percentiles(base, None)}
    teams_are_everyone = all(
        s.kind != "team" or everyone <= frozenset(s.owner_ids or ()) for s in scopes
    )
    if "team" in kinds and not teams_are_everyone:
        passes["team"] = _percentiles(base, "team")
    if "owner" in kinds:
        passes["owner"] = _percentiles(base, "owner")
    out = []
    for scope in scopes:
        owners = None if scope.owner_ids is None else frozenset(scope.owner_ids)
        if scope.kind == "all" or (scope.kind == "team" and teams_are_everyone):
            pct, key = passes[None], None
        elif scope.kind == "team":
            pct, key = passes["team"], int(scope.key.split(":", 1)[1])
        elif scope.kind == "owner":
            pct, key = passes["owner"], scope.owner_ids[0]  # type: ignore[index]
        else:
            raise ValueError(f"scope kind {scope.kind!r} is reported alone: metrics_report")
        out.append(_report(scope, stages, rows, pct, key, threshold, owners))
    return out


def _all_owners(rows: OwnerRows) -> frozenset[int]:
    """Every owner that appears in any figure of the base scope."""
    found: set[int] = set()
    for part in (
        rows.outcomes,
        rows.funnel,
        rows.stays,
        rows.open,
        rows.forecast,
        rows.activities,
        rows.org_revenue,
        rows.stale,
    ):
        found.update(r["_owner"] for r in part)
    return frozenset(found)


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
