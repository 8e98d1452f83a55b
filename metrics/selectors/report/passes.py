"""The passes over a pipeline's data that every report is assembled from.

Additive figures (counts, sums) take one pass grouped by owner, and each scope adds up its
owners' rows (`fold`); percentiles, which do not add up, take one pass per kind of scope: the
whole base scope, per owner, or per owner's team. The rows here are the database's own
(`QuerySet.values()`), read only by `metrics.selectors.report.build`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DateTimeField, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncMonth

from metrics.expressions import DaysBetween, percentiles
from metrics.selectors.report.queries import (
    ACTIVITY_TYPES,
    LOST,
    STALE_REASONS,
    WON,
    amount_in_base,
    closed_in_period,
    created_in_period,
    cycle,
    open_deals,
    stale_annotate,
    stay_ends,
)
from metrics.selectors.scope import Scope
from pipeline.models import Activity, StageChange

# One row of a grouped query, as `QuerySet.values()` returns it.
Row = dict[str, Any]
# How a percentile pass groups the deals: one result for the whole scope, or one per owner,
# or one per owner's team (the path from a deal to its owner is prefixed where needed).
DIM_FIELDS = {"owner": "owner_id", "team": "owner__team_id"}


def fold(
    rows: Iterable[Row], owners: frozenset[int] | None, keys: tuple[str, ...]
) -> dict[tuple, Row]:
    """Add up the numeric fields of the rows of `owners` (all when None), per `keys`."""
    out: dict[tuple, Row] = {}
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

    outcomes: list[Row]
    funnel: list[Row]
    stays: list[Row]
    open: list[Row]
    forecast: list[Row]
    activities: list[Row]
    org_revenue: list[Row]
    stale: list[Row]

    def owners(self) -> frozenset[int]:
        """Every owner that appears in any figure of the base scope."""
        found: set[int] = set()
        for part in (
            self.outcomes,
            self.funnel,
            self.stays,
            self.open,
            self.forecast,
            self.activities,
            self.org_revenue,
            self.stale,
        ):
            found.update(r["_owner"] for r in part)
        return frozenset(found)


def outcome_rows(scope: Scope) -> list[Row]:
    """Deals closed in the period, per owner: counts, converted won value, cycle sums."""
    won, lost = Q(status=WON), Q(status=LOST)
    return list(
        closed_in_period(scope)
        .annotate(_amount=amount_in_base(scope), _cycle=cycle())
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


def owner_rows(base: Scope, too_old_days: float | None) -> OwnerRows:
    """Every additive figure of `base` grouped by owner (8 queries)."""
    return OwnerRows(
        outcomes=outcome_rows(base),
        funnel=_funnel_rows(base),
        stays=list(
            stay_ends(base)
            .order_by()
            .values("from_stage", _owner=F("deal__owner_id"))
            .annotate(n=Count("pk"))
        ),
        open=list(
            open_deals(base)
            .order_by()
            .values("stage", _owner=F("owner_id"))
            .annotate(n=Count("pk"), in_progress=Count("pk", filter=Q(created_at__lt=base.as_of)))
        ),
        forecast=list(
            open_deals(base)
            .annotate(_amount=amount_in_base(base), month=TruncMonth("expected_close_date"))
            .filter(_amount__isnull=False)
            .order_by()
            .values("month", probability=F("stage__win_probability"), _owner=F("owner_id"))
            .annotate(n=Count("pk"), total=Sum("_amount"))
        ),
        activities=_activity_rows(base),
        org_revenue=list(
            closed_in_period(base)
            .filter(status=WON, organization_id__isnull=False)
            .annotate(_amount=amount_in_base(base))
            .filter(_amount__isnull=False)
            .order_by()
            .values("organization_id", _owner=F("owner_id"))
            .annotate(total=Sum("_amount"))
        ),
        stale=_stale_rows(base, too_old_days),
    )


def _funnel_rows(base: Scope) -> list[Row]:
    """Deals created in the period by (furthest stage position reached, status, owner)."""
    furthest = Subquery(
        StageChange.objects.filter(deal_id=OuterRef("pk"))
        .order_by()
        .values("deal_id")
        .annotate(m=Max("to_stage__position"))
        .values("m")
    )
    reach = Greatest(Coalesce(furthest, F("stage__position")), F("stage__position"))
    return list(
        created_in_period(base)
        .annotate(_reach=reach)
        .order_by()
        .values("_reach", "status", _owner=F("owner_id"))
        .annotate(n=Count("pk"))
    )


def _activity_rows(base: Scope) -> list[Row]:
    """Calls, meetings, emails and demos done in the period, by type and deal owner."""
    return list(
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


def _stale_rows(base: Scope, too_old_days: float | None) -> list[Row]:
    """Stale deals per owner: one count per reason, and the total of deals with any."""
    stale_qs = stale_annotate(base.deals(), as_of=base.as_of, too_old_days=too_old_days)
    return list(
        stale_qs.order_by()
        .values(_owner=F("owner_id"))
        .annotate(
            total=Count("pk", filter=Q(_stale=True)),
            **{name: Count("pk", filter=Q(**{f"_{name}": True})) for name in STALE_REASONS},
        )
    )


@dataclass
class Percentiles:
    cycles: dict[Any, dict[float, float]]  # (key, status)
    won_value: dict[Any, dict[float, float]]  # key
    stays: dict[Any, dict[float, float]]  # (key, stage)
    open_age: dict[Any, dict[float, float]]  # (key, stage)


def percentile_pass(base: Scope, dim: str | None) -> Percentiles:
    """The percentile figures of `base`, for the whole of it (`dim` None, keys None) or per
    owner or team (keys are the owner's or team's id): 4 queries."""
    field = DIM_FIELDS.get(dim or "")
    by = [field] if field else []
    closed = closed_in_period(base)
    cycles = percentiles(closed, cycle(), [0.5, 0.9], group=[*by, "status"])
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
