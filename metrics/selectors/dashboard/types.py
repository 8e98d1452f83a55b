"""The dashboard as types: `DashboardReport`, everything the page shows for one scope, and its
parts. The parts that are tables (the weekly trends, forecast accuracy, calibration, quota,
the calculator, a drill-down's total) are records like the metrics report's parts
(`metrics.selectors.report.types.Record`): frozen dataclasses that also read by key."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from metrics.selectors.report.types import MetricsReport, Record
from metrics.selectors.scope import Scope
from pipeline.selectors.goals import GoalProgress
from shared.money import Rate


@dataclass(frozen=True)
class Lever:
    """One of the four levers, with its value over the previous period of the same length."""

    key: str  # "deals", "value", "win_rate" or "cycle"
    label: str
    value: int | float | Decimal | None
    previous: int | float | Decimal | None
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


@dataclass(frozen=True, eq=False, kw_only=True)
class TrendWeek(Record):
    week: datetime.date  # its Monday
    new_deals: int
    won: int
    lost: int
    win_rate: float | None
    won_value: Decimal
    cycle_days: float | None  # mean days to close of the deals won that week


@dataclass(frozen=True, eq=False, kw_only=True)
class Quota(Record):
    """Revenue goals prorated over the period against what is won and weighted."""

    target: Decimal
    won: Decimal
    weighted: Decimal
    gap: Decimal
    won_share: float | None
    monthly_target: Decimal
    goals_unconverted: int  # goals in a currency without a rate, left out


@dataclass(frozen=True)
class CalculatorInput:
    """What the user typed into the funnel calculator (the measured rates fill the rest)."""

    target: Decimal
    weeks: int
    deal_size: Decimal | None = None
    win_rate: Decimal | None = None  # a percentage
    meetings_per_deal: Decimal | None = None
    calls_per_deal: Decimal | None = None


@dataclass(frozen=True, eq=False, kw_only=True)
class Calculator(Record):
    """What it takes to win `target` in `weeks` (None where a rate is missing)."""

    target: Decimal
    weeks: int
    deal_size: Decimal | None
    conversion: Decimal | None
    meetings_per_won: Decimal | None
    calls_per_won: Decimal | None
    won_needed: int | None
    new_deals: int | None
    new_deals_per_week: int | None
    meetings_per_week: int | None
    calls_per_week: int | None


@dataclass(frozen=True, eq=False, kw_only=True)
class AccuracyMonth(Record):
    month: str  # YYYY-MM
    forecast: Decimal | None  # None: no snapshot before the month
    won: Decimal
    accuracy: float | None


@dataclass(frozen=True, eq=False, kw_only=True)
class CalibrationRow(Record):
    stage: str
    probability: int  # the stage's win probability, %
    deals: int  # closed in the last year after being in the stage
    realised: float | None


@dataclass(frozen=True, eq=False, kw_only=True)
class DealListTotal(Record):
    """A drill-down's total row."""

    count: int
    value: Decimal  # in `currency`, at the scope's rates
    unconverted: int  # deals left out of `value`: no rate for their currency
    currency: str


@dataclass(frozen=True)
class DashboardReport:
    """Everything the dashboard shows for one scope (`metrics.selectors.dashboard.
    dashboard_report`): the page renders it, its CSV exports write its tables.

    `scope` is the scope shown: the stored period when the stored figures were used.
    A report for an export (`tables_only`) leaves out what no table exports: the levers,
    the quota, the calculator, the balance warnings and the goals are empty.
    """

    scope: Scope
    report: MetricsReport
    computed_at: datetime.datetime | None  # when stored figures were computed; None: live
    rates: list[Rate]  # the rates amounts were converted at, in code order
    levers: list[Lever]
    weeks: list[TrendWeek]
    this_month: str  # YYYY-MM: forecast months before it are overdue
    quota: Quota | None
    calculator: Calculator | None
    warnings: list[str]
    accuracy: list[AccuracyMonth]
    goals: list[GoalProgress]
    calibration: list[CalibrationRow]
