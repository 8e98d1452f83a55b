"""`dashboard_report`: everything the dashboard page shows for one scope, in one call."""

from __future__ import annotations

import dataclasses

from django.utils import timezone

from metrics.selectors.dashboard.figures import (
    balance_warnings,
    calibration,
    forecast_accuracy,
    funnel_calculator,
    goal_progress,
    levers,
    quota,
    trends,
)
from metrics.selectors.dashboard.types import (
    Calculator,
    CalculatorInput,
    DashboardReport,
    Quota,
)
from metrics.selectors.report import MetricsReport
from metrics.selectors.scope import Scope
from metrics.selectors.snapshots import report_stored_or_live

# Weeks the funnel calculator plans over until the user says otherwise: a quarter.
DEFAULT_WEEKS = 13


def dashboard_report(
    scope: Scope,
    *,
    latest_period: bool,
    calculator: CalculatorInput | None = None,
    tables_only: bool = False,
) -> DashboardReport:
    """The dashboard of `scope`: the metrics report (the stored nightly figures when they
    apply, else computed live), the levers, weekly trends, quota, funnel calculator, balance
    warnings, forecast accuracy, goals and calibration. A constant number of queries whatever
    the data (about 30): every figure is an aggregate.

    `latest_period`: the user chose no dates, so the newest stored period of the scope is
    shown when there is one (`report_stored_or_live`). `calculator`: what the user typed into
    the funnel calculator; without it the calculator plans the quota's gap over 13 weeks.
    `tables_only`: for a CSV export, only what the tables hold (no levers, quota, calculator,
    warnings or goals, whose queries an export does not need).
    """
    scope, report, computed_at = report_stored_or_live(scope, latest_period=latest_period)
    page = not tables_only
    goal = quota(scope, report) if page else None
    return DashboardReport(
        scope=scope,
        report=report,
        computed_at=computed_at,
        # The rates the amounts were converted at, as the page words them (the report keeps
        # them exact, under "rates"; a stored report is used only while they are unchanged).
        rates=[rate for _code, rate in sorted(scope.rates_to_target().items())],
        levers=levers(scope, report) if page else [],
        weeks=trends(scope),
        # Forecast months before this one are overdue (their expected close date has passed).
        this_month=timezone.localdate().strftime("%Y-%m"),
        quota=goal,
        calculator=_plan(report, goal, calculator) if page else None,
        warnings=balance_warnings(report) if page else [],
        accuracy=forecast_accuracy(scope),
        goals=goal_progress(scope) if page else [],
        calibration=calibration(scope),
    )


def _plan(
    report: MetricsReport, goal: Quota | None, typed: CalculatorInput | None
) -> Calculator | None:
    """The funnel calculator: what the user typed, else the quota's gap (or, with no gap
    left, the whole target) over a quarter, else nothing to plan."""
    if typed is not None:
        return funnel_calculator(report, **dataclasses.asdict(typed))
    if goal is not None:
        return funnel_calculator(report, target=goal.gap or goal.target, weeks=DEFAULT_WEEKS)
    return None
