"""SQL pieces the metrics need that Django does not ship, each with a plain fallback.

- `DaysBetween(end, start)`: fractional days between two timestamps, in SQL on both databases;
  `whole_days_between` the full 24-hour periods (days in stage).
- `PercentileCont`: PostgreSQL's ordered-set aggregate `percentile_cont(f) WITHIN GROUP (…)`.
- `percentiles()`: continuous percentiles of an expression, optionally per group. On PostgreSQL
  one grouped statement with `PercentileCont`; elsewhere one statement that ranks the rows with
  `ROW_NUMBER()`/`COUNT(*)` window functions and returns only the (at most two) rows around
  each requested rank, which Python interpolates with the formula PostgreSQL itself uses. The
  tests run both paths on PostgreSQL and check that they agree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import NotSupportedError, connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Ceil, Floor, RowNumber

from shared.money import round_money


class DaysBetween(Func):
    """(end − start) in days, as a float: timestamps are compared in SQL, never in Python."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):  # noqa: ANN001, ANN201
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):  # noqa: ANN001, ANN201
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s))",
            arg_joiner=") - julianday(",
            **extra,
        )


def whole_days_between(end: Any, start: Any) -> Cast:
    """Full 24-hour periods between two timestamps, as an integer: days in stage as the board
    counts them (`shared.dates.days_in_stage`). Half a second of slack keeps a floating
    point 9.9999999 days (julianday on SQLite) from reading as 9."""
    return Cast(Floor(DaysBetween(end, start) + Value(0.5 / 86400)), IntegerField())


class PercentileCont(Aggregate):
    """`percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)` (PostgreSQL only)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[override]  # noqa: ANN001, ANN201 - Func.as_sql takes more keyword arguments than this passes on
        if connection.vendor != "postgresql":
            raise NotSupportedError("PercentileCont needs PostgreSQL; use percentiles().")
        return super().as_sql(compiler, connection, **extra_context)


@contextmanager
def analytic_queries() -> Iterator[None]:
    """Run a report's queries in one transaction, on PostgreSQL without JIT compilation.

    PostgreSQL compiles any statement whose estimated cost passes `jit_above_cost` (100,000)
    to machine code first; for these one-pass aggregates that compilation costs more than it
    saves (EXPLAIN ANALYZE of the funnel on 100,000 deals: 1.10 s with JIT, of which 0.61 s
    compiling, 0.46 s without). `SET LOCAL` ends with the transaction. Other databases: a
    no-op.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def lerp(lo: float, hi: float, proportion: float) -> float:
    """PostgreSQL's own interpolation (float8_lerp), so both paths round alike."""
    return lo + proportion * (hi - lo)


def percentiles(
    qs: QuerySet,
    expression: Any,
    fractions: Iterable[float],
    *,
    group: str | list[str] | None = None,
    method: str | None = None,
) -> dict[Any, dict[float, float]]:
    """Continuous percentiles (as PostgreSQL's percentile_cont) of `expression` over `qs`.

    Returns {group value: {fraction: percentile}} (the group is None when not grouped, a tuple
    of values when `group` is a list of fields); rows
    where the expression is NULL are ignored, and groups without rows are absent. `method`
    forces "aggregate" (PostgreSQL) or "window" (any database); by default PostgreSQL uses the
    aggregate.
    """
    fractions = list(fractions)
    method = method or ("aggregate" if connection.vendor == "postgresql" else "window")
    if isinstance(expression, str):
        expression = F(expression)
    base = qs.annotate(_pv=expression).filter(_pv__isnull=False)
    if method == "aggregate":
        aggs = {f"_p{i}": PercentileCont(F("_pv"), f) for i, f in enumerate(fractions)}
        out: dict[Any, dict[float, float]] = {}
        if group is None:
            row = base.aggregate(_n=Count("pk"), **aggs)
            if row["_n"]:
                out[None] = {f: row[f"_p{i}"] for i, f in enumerate(fractions)}
            return out
        fields = [group] if isinstance(group, str) else list(group)
        for row in base.order_by().values(*fields).annotate(**aggs):
            key = row[group] if isinstance(group, str) else tuple(row[g] for g in fields)
            out[key] = {f: row[f"_p{i}"] for i, f in enumerate(fractions)}
        return out
    return _percentiles_window(base, fractions, group)


def _percentiles_window(
    base: QuerySet, fractions: list[float], group: str | list[str] | None
) -> dict[Any, dict[float, float]]:
    fields = [] if group is None else [group] if isinstance(group, str) else list(group)
    partition = [F(g) for g in fields]
    ranked = base.annotate(
        _rn=Window(RowNumber(), partition_by=partition, order_by=[F("_pv").asc()]),
        _cnt=Window(Count("pk"), partition_by=partition),
    )
    # Keep only the rows at floor/ceil of each fraction's position (0-based: f × (n − 1)).
    wanted = Q()
    for f in fractions:
        pos = (F("_cnt") - 1) * f
        wanted |= Q(_rn=Floor(pos) + 1) | Q(_rn=Ceil(pos) + 1)
    rows: dict[Any, dict[int, float]] = defaultdict(dict)
    counts: dict[Any, int] = {}
    for values in ranked.filter(wanted).order_by().values_list(*fields, "_rn", "_cnt", "_pv"):
        key = None if group is None else values[0] if isinstance(group, str) else values[:-3]
        rn, cnt, value = values[-3:]
        rows[key][rn] = float(value)
        counts[key] = cnt
    out: dict[Any, dict[float, float]] = {}
    for key, by_rank in rows.items():
        n = counts[key]
        result = {}
        for f in fractions:
            at = f * (n - 1)
            lo, hi = math.floor(at), math.ceil(at)
            result[f] = lerp(by_rank[lo + 1], by_rank[hi + 1], at - lo)
        out[key] = result
    return out


AMOUNT: DecimalField = DecimalField(max_digits=34, decimal_places=12)
RATE: DecimalField = DecimalField(max_digits=20, decimal_places=10)


def base_amount(
    rates: Mapping[str, Decimal], base: str, *, value: str = "value", currency: str = "currency"
) -> Case:
    """A deal's value in the base currency at the stored rates, in SQL:
    `CASE currency WHEN base THEN value WHEN 'USD' THEN value * 0.92 … END` (numeric on
    PostgreSQL, so exact), NULL for a currency without a rate, which every SUM, COUNT of
    converted deals and percentile then leaves out: currencies are never mixed unconverted.
    """
    whens = [When(**{currency: base}, then=ExpressionWrapper(F(value), output_field=AMOUNT))]
    for code, rate in sorted(rates.items()):
        if code != base:
            whens.append(
                When(
                    **{currency: code},
                    then=ExpressionWrapper(
                        F(value) * Value(rate, output_field=RATE), output_field=AMOUNT
                    ),
                )
            )
    return Case(*whens, default=Value(None, output_field=AMOUNT), output_field=AMOUNT)


def money(value: float | Decimal | None, currency: str) -> Decimal | None:
    """A percentile of amounts, back to the currency's minor unit (half up, as people round
    money)."""
    if value is None:
        return None
    return round_money(Decimal(repr(float(value))), currency)


def days(value: float | None) -> float | None:
    """Days to two decimals: enough for a report, and equal on both databases."""
    return None if value is None else round(float(value) + 0.0, 2)
