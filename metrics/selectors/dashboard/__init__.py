"""The managers' dashboard: one selector, `dashboard_report`, returns a typed
`DashboardReport` with everything the page shows (the metrics report, the four levers
against the previous period, weekly trends, quota and gap, the funnel calculator, pipeline
balance, forecast accuracy, calibration and goals); the view renders it and the CSV exports
write its tables. Drill-downs list the deals behind each number.

- `types`: `DashboardReport` and its parts;
- `figures`: each figure beyond the metrics report;
- `page`: `dashboard_report`;
- `drilldown`: the deals behind a number, their order and total.
"""

from metrics.selectors.dashboard.drilldown import (
    FIGURES,
    deal_list_for_figure,
    deal_list_ordering,
    deal_list_total,
)
from metrics.selectors.dashboard.figures import (
    TREND_WEEKS,
    balance_warnings,
    calibration,
    forecast_accuracy,
    funnel_calculator,
    goal_progress,
    goals_for,
    levers,
    quota,
    trends,
)
from metrics.selectors.dashboard.page import dashboard_report
from metrics.selectors.dashboard.types import (
    AccuracyMonth,
    Calculator,
    CalculatorInput,
    CalibrationRow,
    DashboardReport,
    DealListTotal,
    Lever,
    Quota,
    TrendWeek,
)

__all__ = [
    "FIGURES",
    "TREND_WEEKS",
    "AccuracyMonth",
    "Calculator",
    "CalculatorInput",
    "CalibrationRow",
    "DashboardReport",
    "DealListTotal",
    "Lever",
    "Quota",
    "TrendWeek",
    "balance_warnings",
    "calibration",
    "dashboard_report",
    "deal_list_for_figure",
    "deal_list_ordering",
    "deal_list_total",
    "forecast_accuracy",
    "funnel_calculator",
    "goal_progress",
    "goals_for",
    "levers",
    "quota",
    "trends",
]
