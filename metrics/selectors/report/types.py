"""The metrics report as types: what `metrics_report` returns, field by field.

Each part is a frozen dataclass that also reads as the JSON object it is sent as (a read-only
mapping of its keys), so the API serializer (`metrics.api.MetricsReportSerializer`, which
describes the same fields), the command's JSON, the stored snapshots and the templates read
it by key, while Python code reads attributes that mypy checks. The keys are the field names,
except the period's `from`/`to` (`start`/`end` in Python, where `from` is a keyword).

Money is Decimal in the report's currency; fractions (win rates, conversions) are floats
rounded to 4 places; days are floats rounded to 2 places (`metrics.expressions.days`).
"""

from __future__ import annotations

import dataclasses
import datetime
import types
import typing
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Self

_KEYS: dict[type, dict[str, str]] = {}
_HINTS: dict[type, dict[str, Any]] = {}


def _keys_of(cls: type) -> dict[str, str]:
    """{key: field name} of a record class, in field order (worked out once per class)."""
    keys = _KEYS.get(cls)
    if keys is None:
        keys = {f.metadata.get("key", f.name): f.name for f in dataclasses.fields(cls)}
        _KEYS[cls] = keys
    return keys


def _hints_of(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


class Record:
    """Base of the report's frozen dataclasses: read-only by key, in field order, equal to a
    dict with the same keys and values (what the report was before it had types, and what
    its JSON is), and back from such a dict with `from_dict`.

    Subclasses are `@dataclass(frozen=True, eq=False, kw_only=True)` (`eq=False` keeps this
    class's equality). A record is registered as a `Mapping` (below), so DRF serializers and
    templates read it by key, rather than inheriting from it: an ABC subclass makes every
    `isinstance(x, Record)` of the serialisers that walk each report's hundreds of values an
    ABC check, which doubled the time to write a report as JSON.
    """

    __hash__ = None  # type: ignore[assignment]  # equal to dicts, so unhashable like them

    def __getitem__(self, key: str) -> Any:
        name = _keys_of(type(self)).get(key)
        if name is None:
            raise KeyError(key)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(_keys_of(type(self)))

    def __len__(self) -> int:
        return len(_keys_of(type(self)))

    def __contains__(self, key: object) -> bool:
        return key in _keys_of(type(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return dict(self.pairs()) == dict(other.pairs())
        if isinstance(other, Mapping):
            return dict(self.pairs()) == dict(other.items())
        return NotImplemented

    def keys(self) -> KeysView[str]:
        return _keys_of(type(self)).keys()

    def items(self) -> ItemsView[str, Any]:
        return dict(self.pairs()).items()

    def values(self) -> ValuesView[Any]:
        return dict(self.pairs()).values()

    def get(self, key: str, default: Any = None) -> Any:
        name = _keys_of(type(self)).get(key)
        return default if name is None else getattr(self, name)

    def pairs(self) -> list[tuple[str, Any]]:
        """(key, value) in field order: `items()` without the mapping protocol's detours
        (a lookup per key), for the serialisers that walk every report."""
        return [(key, getattr(self, name)) for key, name in _keys_of(type(self)).items()]

    def to_dict(self) -> dict[str, Any]:
        """Plain dicts and lists all the way down; Decimals and dates stay as they are."""
        return {key: _plain(value) for key, value in self.pairs()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record of `to_dict`'s output (nested records are built from their type hints).

        Raises KeyError for a missing key and TypeError for a value of the wrong shape."""
        hints = _hints_of(cls)
        values = {name: _build(hints[name], data[key]) for key, name in _keys_of(cls).items()}
        return cls(**values)


Mapping.register(Record)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _build(hint: Any, value: Any) -> Any:
    """`value` (plain JSON-like data) as the type `hint` names: records, lists and dicts of
    records, optional records; anything else is taken as it is."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(hint) if a is not type(None)]
        return _build(kinds[0], value) if len(kinds) == 1 else value
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_build(item, v) for v in value]
    if origin is dict:
        _key, item = typing.get_args(hint)
        return {k: _build(item, v) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Record):
        if not isinstance(value, Mapping):
            raise TypeError(f"{hint.__name__} from {type(value).__name__}")
        return hint.from_dict(value)
    return value


@dataclass(frozen=True, eq=False, kw_only=True)
class Cycle(Record):
    """Sales cycle of the deals closed in the period, in days."""

    median: float | None
    mean: float | None
    p90: float | None


@dataclass(frozen=True, eq=False, kw_only=True)
class FunnelStep(Record):
    stage: str
    stage_id: int
    reached: int  # deals created in the period that reached the stage
    conversion: float | None  # reached ÷ the previous stage's; None for the first


@dataclass(frozen=True, eq=False, kw_only=True)
class MomentOfTruth(Record):
    stage: str
    reached: int
    won: int
    conversion: float | None


@dataclass(frozen=True, eq=False, kw_only=True)
class TimeInStage(Record):
    stage: str
    stage_id: int
    completed: int  # stays that ended in the period
    median_days: float | None
    p90_days: float | None
    in_progress: int
    in_progress_median_days: float | None


@dataclass(frozen=True, eq=False, kw_only=True)
class Forecast(Record):
    """Open deals (of one expected close month, or without a date): value and weighted."""

    count: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True, eq=False, kw_only=True)
class ForecastMonth(Record):
    month: str  # YYYY-MM
    count: int
    value: Decimal
    weighted: Decimal


@dataclass(frozen=True, eq=False, kw_only=True)
class ActivityCounts(Record):
    call: int
    meeting: int
    email: int
    demo: int


@dataclass(frozen=True, eq=False, kw_only=True)
class ActivityRatios(Record):
    """Activities done in the period per deal won in it (None when none was won)."""

    call: float | None
    meeting: float | None
    email: float | None
    demo: float | None
    done: ActivityCounts


@dataclass(frozen=True, eq=False, kw_only=True)
class StaleCounts(Record):
    stuck: int
    idle: int
    no_next_step: int
    overdue: int
    too_old: int
    total: int  # each stale deal once


@dataclass(frozen=True, eq=False, kw_only=True)
class OwnerFigures(Record):
    owner: str  # username
    owner_name: str  # full name, or the username without one
    owner_id: int
    win_rate: float | None
    won_count: int
    lost_count: int
    won_value: Decimal


@dataclass(frozen=True, eq=False, kw_only=True)
class ConversionRate(Record):
    """Units of the report's currency per unit of another, as stored on `date`."""

    rate: Decimal
    date: str | None  # ISO date of the (older) stored rate


@dataclass(frozen=True, eq=False, kw_only=True)
class Outcomes(Record):
    """The deals closed in the period without percentiles (the levers' previous period)."""

    win_rate: float | None
    won_count: int
    lost_count: int
    won_value: Decimal
    won_unconverted_count: int  # won deals in a currency without a rate: in no amount
    avg_won_value: Decimal | None
    cycle_days_won: Cycle
    cycle_days_lost: Cycle


@dataclass(frozen=True, eq=False, kw_only=True)
class MetricsReport(Record):
    """Every figure of docs/metrics.md for one scope; its keys are the JSON contract of
    `manage.py metrics_report --format json` and `GET /api/metrics/`."""

    pipeline: str  # the pipeline's name
    start: str = field(metadata={"key": "from"})  # ISO date, first day
    end: str = field(metadata={"key": "to"})  # ISO date, last day included
    scope: str  # "all", "visible", "team:<id>" or "owner:<id>"
    currency: str  # of every amount
    rates: dict[str, ConversionRate]  # by currency code, sorted
    win_rate: float | None
    won_count: int
    lost_count: int
    won_value: Decimal
    won_unconverted_count: int
    avg_won_value: Decimal | None
    median_won_value: Decimal | None
    cycle_days_won: Cycle
    cycle_days_lost: Cycle
    funnel: list[FunnelStep]
    created_count: int
    created_won: int
    overall_conversion: float | None
    moment_of_truth: MomentOfTruth | None
    time_in_stage: list[TimeInStage]
    open_count: int
    velocity: Decimal | None  # money per day
    weighted_pipeline: Decimal
    forecast: list[ForecastMonth]
    forecast_undated: Forecast
    activity_ratios: ActivityRatios
    top20_org_share: float | None
    too_old_days: float | None
    stale_counts: StaleCounts
    by_owner: list[OwnerFigures]


def jsonable(value: Any) -> Any:
    """Decimals as JSON numbers (amounts have two decimals, which a float prints exactly),
    records and dicts as objects in key order, dates as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Record):
        return {k: jsonable(v) for k, v in value.pairs()}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
