"""The figures of docs/metrics.md, each computed by aggregate SQL, for one scope or for many
scopes of one pipeline and period at once, returned as a typed `MetricsReport`.

No function here iterates over deals: every query returns one row, or one row per stage,
status, month, owner, organization or activity type. Money is converted to the base currency
at the stored rates in SQL (`metrics.expressions.base_amount`), summed as Decimal, and deals in
a currency without a rate are left out of amounts (and counted apart).

Several scopes at once (the nightly run: everyone, each team, each owner): figures that add up
(counts, sums) are computed once, grouped by owner, and each scope adds up its owners' rows;
figures that do not (percentiles) are computed once per kind of scope, grouped by owner or by
the owner's team. So a pipeline costs the same few passes whatever the number of reps.

- `types`: the report's frozen dataclasses (`MetricsReport` and its parts) and `jsonable`;
- `queries`: the deals and history rows each figure is computed over;
- `passes`: the grouped passes over them (per owner; percentiles per kind of scope);
- `build`: one report from the passes, `metrics_report` and `metrics_reports`.
"""

from metrics.selectors.report.build import metrics_report, metrics_reports, outcomes
from metrics.selectors.report.queries import (
    ACTIVITY_TYPES,
    LOST,
    OPEN,
    STALE_REASONS,
    TOO_OLD_WINDOW_DAYS,
    WON,
    amount_in_base,
    cents,
    closed_in_period,
    created_in_period,
    open_deals,
    ratio,
    stages_of,
    stale_annotate,
    stay_ends,
    stays_completed,
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
    Record,
    StaleCounts,
    TimeInStage,
    jsonable,
)

__all__ = [
    "ACTIVITY_TYPES",
    "LOST",
    "OPEN",
    "STALE_REASONS",
    "TOO_OLD_WINDOW_DAYS",
    "WON",
    "ActivityCounts",
    "ActivityRatios",
    "ConversionRate",
    "Cycle",
    "Forecast",
    "ForecastMonth",
    "FunnelStep",
    "MetricsReport",
    "MomentOfTruth",
    "Outcomes",
    "OwnerFigures",
    "Record",
    "StaleCounts",
    "TimeInStage",
    "amount_in_base",
    "cents",
    "closed_in_period",
    "created_in_period",
    "jsonable",
    "metrics_report",
    "metrics_reports",
    "open_deals",
    "outcomes",
    "ratio",
    "stages_of",
    "stale_annotate",
    "stay_ends",
    "stays_completed",
    "too_old_threshold",
]
