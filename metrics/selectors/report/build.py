"""One typed report from the passes (`metrics.selectors.report.passes`): `metrics_report` for
one scope, `metrics_reports` for many scopes of one pipeline and period at once."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from metrics.expressions import analytic_queries, days, money
from metrics.selectors.report.passes import (
    OwnerRows,
    Percentiles,
    Row,
    fold,
    outcome_rows,
    owner_rows,
    percentile_pass,
)
from metrics.selectors.report.queries import (
    ACTIVITY_TYPES,
    LOST,
    STALE_REASONS,
    WON,
    cents,
    ratio,
    stages_of,
    too_old_threshold,
)
from metrics.selectors.report.types import (
    ActivityCounts,
    ActivityRatios,
    ConversionRate,
    Cycle,
    Forecast,
    ForecastMonth,
    FunnelStep,
    MetricsReport,
    MomentOfTruth,
    Outcomes,
    OwnerFigures,
    StaleCounts,
    TimeInStage,
)
from metrics.selectors.scope import Scope
from pipeline.models import Stage
from shared.money import format_rate


@dataclass(frozen=True)
class _Closed:
    """The deals closed in the period of some owners, added up: before percentiles."""

    won: int
    lost: int
    won_converted: int  # won deals whose amount counts (a rate for their currency)
    won_sum: Decimal | None  # unrounded
    cycle_won_mean: float | None  # unrounded, for the velocity
    cycle_lost_mean: float | None

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    def avg_won_value(self, scope: Scope) -> Decimal | None:
        if not self.won_converted or self.won_sum is None:
            return None
        return cents(self.won_sum / self.won_converted, scope)


def _closed(rows: list[Row], owners: frozenset[int] | None) -> _Closed:
    out = fold(rows, owners, ()).get((), {})
    won_n, lost_n = out.get("won", 0), out.get("lost", 0)

    def mean(total: float | None, n: int) -> float | None:
        return (total or 0.0) / n if n else None

    return _Closed(
        won=won_n,
        lost=lost_n,
        won_converted=out.get("won_converted", 0),
        won_sum=out.get("won_value"),
        cycle_won_mean=mean(out.get("cycle_won_sum"), won_n),
        cycle_lost_mean=mean(out.get("cycle_lost_sum"), lost_n),
    )


def outcomes(scope: Scope) -> Outcomes:
    """Win rate, deal size and mean cycles of one scope without percentiles (1 query)."""
    closed = _closed(outcome_rows(scope), None)
    return Outcomes(
        win_rate=closed.win_rate,
        won_count=closed.won,
        lost_count=closed.lost,
        won_value=cents(closed.won_sum, scope),
        won_unconverted_count=closed.won - closed.won_converted,
        avg_won_value=closed.avg_won_value(scope),
        cycle_days_won=Cycle(median=None, mean=days(closed.cycle_won_mean), p90=None),
        cycle_days_lost=Cycle(median=None, mean=days(closed.cycle_lost_mean), p90=None),
    )


@dataclass(frozen=True)
class _Inputs:
    """What every report of one computation shares: the stages, the passes, the threshold."""

    stages: list[Stage]
    rows: OwnerRows
    too_old_days: float | None


def _report(
    scope: Scope, shared: _Inputs, pct: Percentiles, key: Any, owners: frozenset[int] | None
) -> MetricsReport:
    """The report of `scope`: the owner rows of `owners` added up, and the percentiles of the
    pass `pct` under `key` (None: the pass for the whole base scope)."""
    # Over 60 lines because it names each of the report's 31 fields once, in the JSON
    # contract's order; what takes more than a line is computed by a helper.
    rows = shared.rows
    closed = _closed(rows.outcomes, owners)
    avg_won_value = closed.avg_won_value(scope)
    cyc_won = pct.cycles.get((key, WON), {})
    cyc_lost = pct.cycles.get((key, LOST), {})
    time_in_stage, open_count = _time_in_stage(shared.stages, rows, pct, key, owners)
    funnel, created_count, created_won, overall, mot = _funnel(
        shared.stages, fold(rows.funnel, owners, ("_reach", "status"))
    )
    weighted, forecast, undated = _forecast(
        scope, fold(rows.forecast, owners, ("month", "probability"))
    )
    done = {k: v.get("n", 0) for (k,), v in fold(rows.activities, owners, ("type",)).items()}
    stale = fold(rows.stale, owners, ()).get((), {})
    return MetricsReport(
        pipeline=scope.pipeline.name,
        start=scope.start.isoformat(),
        end=scope.end.isoformat(),
        scope=scope.key,
        currency=scope.currency,
        rates={
            code: ConversionRate(
                rate=Decimal(format_rate(r.rate)), date=r.date.isoformat() if r.date else None
            )
            for code, r in sorted(scope.rates_to_target().items())
        },
        win_rate=closed.win_rate,
        won_count=closed.won,
        lost_count=closed.lost,
        won_value=cents(closed.won_sum, scope),
        # Won deals whose currency has no stored rate: counted, but in no amount.
        won_unconverted_count=closed.won - closed.won_converted,
        avg_won_value=avg_won_value,
        median_won_value=money(pct.won_value.get(key, {}).get(0.5), scope.currency),
        cycle_days_won=Cycle(
            median=days(cyc_won.get(0.5)),
            mean=days(closed.cycle_won_mean),
            p90=days(cyc_won.get(0.9)),
        ),
        cycle_days_lost=Cycle(
            median=days(cyc_lost.get(0.5)),
            mean=days(closed.cycle_lost_mean),
            p90=days(cyc_lost.get(0.9)),
        ),
        funnel=funnel,
        created_count=created_count,
        created_won=created_won,
        overall_conversion=overall,
        moment_of_truth=mot,
        time_in_stage=time_in_stage,
        open_count=open_count,
        velocity=_velocity(closed, avg_won_value, open_count),
        weighted_pipeline=weighted,
        forecast=forecast,
        forecast_undated=undated,
        activity_ratios=_activity_ratios(done, closed.won),
        top20_org_share=_top20(fold(rows.org_revenue, owners, ("organization_id",))),
        too_old_days=days(shared.too_old_days),
        stale_counts=StaleCounts(
            **{name: stale.get(name, 0) for name in (*STALE_REASONS, "total")}
        ),
        by_owner=_by_owner(scope, rows.outcomes, owners),
    )


def _velocity(closed: _Closed, avg_won_value: Decimal | None, open_count: int) -> Decimal | None:
    """From the unrounded inputs: open × won ÷ (won + lost) × average ÷ mean won cycle."""
    if not (closed.won + closed.lost) or avg_won_value is None or not closed.cycle_won_mean:
        return None
    velocity = (
        Decimal(open_count)
        * Decimal(closed.won)
        / Decimal(closed.won + closed.lost)
        * avg_won_value
        / Decimal(repr(float(closed.cycle_won_mean)))
    )
    return velocity.quantize(Decimal("0.01"))


def _activity_ratios(done: dict[str, int], won: int) -> ActivityRatios:
    """Calls, meetings, emails and demos done in the period, and per deal won in it."""
    n = {str(t): done.get(t, 0) for t in ACTIVITY_TYPES}
    return ActivityRatios(
        call=ratio(n["call"], won),
        meeting=ratio(n["meeting"], won),
        email=ratio(n["email"], won),
        demo=ratio(n["demo"], won),
        done=ActivityCounts(call=n["call"], meeting=n["meeting"], email=n["email"], demo=n["demo"]),
    )


def _time_in_stage(
    stages: list[Stage],
    rows: OwnerRows,
    pct: Percentiles,
    key: Any,
    owners: frozenset[int] | None,
) -> tuple[list[TimeInStage], int]:
    """Completed and open stays per stage, and the number of open deals."""
    stays_n = fold(rows.stays, owners, ("from_stage",))
    open_n = fold(rows.open, owners, ("stage",))
    per_stage = [
        TimeInStage(
            stage=s.name,
            stage_id=s.pk,
            completed=stays_n.get((s.pk,), {}).get("n", 0),
            median_days=days(pct.stays.get((key, s.pk), {}).get(0.5)),
            p90_days=days(pct.stays.get((key, s.pk), {}).get(0.9)),
            in_progress=open_n.get((s.pk,), {}).get("in_progress", 0),
            in_progress_median_days=days(pct.open_age.get((key, s.pk), {}).get(0.5)),
        )
        for s in stages
    ]
    return per_stage, sum(r.get("n", 0) for r in open_n.values())


def _funnel(
    stages: list[Stage], reach: dict[tuple, Row]
) -> tuple[list[FunnelStep], int, int, float | None, MomentOfTruth | None]:
    """How far the deals created in the period got, from counts by (furthest stage, status):
    the steps, deals created, of them won, overall conversion, moment-of-truth conversion.

    A deal's furthest stage is the highest position it ever entered (history), or its current
    stage; a won deal counts as having reached every stage.
    """
    rows = [(pos, status, v["n"]) for (pos, status), v in reach.items()]
    won = sum(n for _pos, status, n in rows if status == WON)
    steps: list[FunnelStep] = []
    previous: int | None = None
    for stage in stages:
        reached = sum(n for pos, status, n in rows if status == WON or pos >= stage.position)
        steps.append(
            FunnelStep(
                stage=stage.name,
                stage_id=stage.pk,
                reached=reached,
                conversion=None if previous is None else ratio(reached, previous),
            )
        )
        previous = reached
    first = steps[0].reached if steps else 0
    mot = next((s for s in stages if s.is_moment_of_truth), None)
    moment = None
    if mot is not None:
        mot_reached = next((f.reached for f in steps if f.stage_id == mot.pk), 0)
        moment = MomentOfTruth(
            stage=mot.name, reached=mot_reached, won=won, conversion=ratio(won, mot_reached)
        )
    created = sum(n for _pos, _status, n in rows)
    return steps, created, won, ratio(won, first), moment


def _forecast(
    scope: Scope, rows: dict[tuple, Row]
) -> tuple[Decimal, list[ForecastMonth], Forecast]:
    """Weighted open pipeline by expected close month, from sums by (month, probability) of
    converted values; the multiplication happens on those few sums, in Decimal. Returns the
    weighted total, the months in order and the deals without a date."""
    months: dict[datetime.date | None, dict[str, Any]] = {}
    for (month, probability), v in rows.items():
        entry = months.setdefault(
            month, {"count": 0, "value": Decimal("0"), "weighted": Decimal("0")}
        )
        total = v.get("total") or Decimal("0")
        entry["count"] += v.get("n", 0)
        entry["value"] += total
        entry["weighted"] += total * probability / 100
    sums = {
        month: Forecast(
            count=e["count"], value=cents(e["value"], scope), weighted=cents(e["weighted"], scope)
        )
        for month, e in months.items()
    }
    undated = sums.pop(None, None) or Forecast(
        count=0, value=Decimal("0.00"), weighted=Decimal("0.00")
    )
    dated: dict[datetime.date, Forecast] = {m: f for m, f in sums.items() if m is not None}
    by_month = [
        ForecastMonth(
            month=m.strftime("%Y-%m"),
            count=dated[m].count,
            value=dated[m].value,
            weighted=dated[m].weighted,
        )
        for m in sorted(dated, key=lambda d: (d.year, d.month))
    ]
    total = sum((e.weighted for e in by_month), Decimal("0")) + undated.weighted
    return total, by_month, undated


def _top20(per_org: dict[tuple, Row]) -> float | None:
    """Share of won revenue from the top ⌈20%⌉ of organizations by revenue (ties by id),
    from one sum per organization."""
    totals = sorted(((-v["total"], org) for (org,), v in per_org.items() if v.get("total")))
    if not totals:
        return None
    top = sum(-t for t, _org in totals[: math.ceil(len(totals) / 5)])
    return ratio(top, sum(-t for t, _org in totals))


def _by_owner(scope: Scope, rows: list[Row], owners: frozenset[int] | None) -> list[OwnerFigures]:
    out = [
        OwnerFigures(
            owner=r["username"],
            # The name people know (User.__str__): "Alex Rivera", the username without one.
            owner_name=" ".join(n for n in (r.get("first_name"), r.get("last_name")) if n)
            or r["username"],
            owner_id=r["_owner"],
            win_rate=ratio(r["won"], r["won"] + r["lost"]),
            won_count=r["won"],
            lost_count=r["lost"],
            won_value=cents(r["won_value"], scope),
        )
        for r in rows
        if owners is None or r["_owner"] in owners
    ]
    out.sort(key=lambda o: (-o.won_value, o.owner))
    return out


_COMPUTE = object()


def metrics_report(scope: Scope, *, too_old_days: Any = _COMPUTE) -> MetricsReport:
    """Every figure of docs/metrics.md for the scope (15 queries, whatever the data).

    `too_old_days` is the same for every scope of a pipeline at one instant; callers that
    report several scopes compute it once and pass it in.
    """
    with analytic_queries():
        threshold = too_old_threshold(scope) if too_old_days is _COMPUTE else too_old_days
        stages = stages_of(scope)
        rows = owner_rows(scope, threshold)
        pct = percentile_pass(scope, None)
    return _report(scope, _Inputs(stages, rows, threshold), pct, None, None)


def metrics_reports(
    base: Scope, scopes: list[Scope], *, too_old_days: Any = _COMPUTE
) -> list[MetricsReport]:
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


def _reports_together(base: Scope, scopes: list[Scope], too_old_days: Any) -> list[MetricsReport]:
    threshold = too_old_threshold(base) if too_old_days is _COMPUTE else too_old_days
    shared = _Inputs(stages_of(base), owner_rows(base, threshold), threshold)
    everyone = shared.rows.owners()
    kinds = {s.kind for s in scopes}
    passes: dict[str | None, Percentiles] = {None: percentile_pass(base, None)}
    teams_are_everyone = all(
        s.kind != "team" or everyone <= frozenset(s.owner_ids or ()) for s in scopes
    )
    if "team" in kinds and not teams_are_everyone:
        passes["team"] = percentile_pass(base, "team")
    if "owner" in kinds:
        passes["owner"] = percentile_pass(base, "owner")
    out = []
    for scope in scopes:
        owners = None if scope.owner_ids is None else frozenset(scope.owner_ids)
        if scope.kind == "all" or (scope.kind == "team" and teams_are_everyone):
            pct, key = passes[None], None
        elif scope.kind == "team":
            pct, key = passes["team"], int(scope.key.split(":", 1)[1])
        elif scope.kind == "owner" and scope.owner_ids:
            pct, key = passes["owner"], scope.owner_ids[0]
        else:
            raise ValueError(f"scope kind {scope.kind!r} is reported alone: metrics_report")
        out.append(_report(scope, shared, pct, key, owners))
    return out
