"""The nightly figures as the dashboard reads them ("dashboards read precomputed
figures instantly").

Besides one row per figure (what trends, forecast accuracy and scripts read), the nightly
recompute stores each scope's whole report in one row (`REPORT_METRIC`), encoded so that
Decimals and dates come back as exactly the Python values `metrics_report` returned. The
dashboard shows that report when the scope and period are the ones stored (everyone, a team or
one owner; the 90 days ending the snapshot's day), in the currency asked for, and the exchange
rates have not changed since; otherwise it computes the figures live. Reports are stored in the
base currency, and in each display currency users chose for the scopes those users open first
(`metrics.services`): amounts rounded in the base currency are never rescaled to another.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from metrics.models import MetricSnapshot
from metrics.selectors.report import MetricsReport, Record, metrics_report
from metrics.selectors.scope import DEFAULT_PERIOD_DAYS, Scope
from shared.money import Rate

REPORT_METRIC = "report"
# The scope kinds the nightly recompute stores (metrics.services._scopes).
STORED_KINDS = ("all", "team", "owner")


def encode_report(value: Any) -> Any:
    """JSON that `decode_report` turns back into equal Python values (a record, such as a
    `MetricsReport`, as the dict of its keys: `MetricsReport.from_dict` reads it back)."""
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$dict": [[encode_report(k), encode_report(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [encode_report(v) for v in value]
    if isinstance(value, Record):
        return {"$dict": [[encode_report(k), encode_report(v)] for k, v in value.pairs()]}
    return value


def decode_report(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_report(v) for v in value]
    if isinstance(value, dict):
        if "$decimal" in value:
            return Decimal(value["$decimal"])
        if "$datetime" in value:
            return datetime.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return datetime.date.fromisoformat(value["$date"])
        return {decode_report(k): decode_report(v) for k, v in value["$dict"]}
    return value


def report_metric(currency: str) -> str:
    """The metric a stored whole report is kept under: "report" in the base currency, and
    "report:HUF" for the copies in a display currency some users chose (see
    `metrics.services.snapshots_compute`)."""
    if currency == settings.DEFAULT_CURRENCY:
        return REPORT_METRIC
    return f"{REPORT_METRIC}:{currency}"


def rates_signature(rates: dict[str, Rate]) -> list[list[str]]:
    """The exchange rates a report converted at, comparable across runs."""
    return sorted(
        [code, str(rate.rate), rate.date.isoformat() if rate.date else ""]
        for code, rate in rates.items()
    )


def snapshot_value(report: MetricsReport, scope: Scope) -> dict[str, Any]:
    """What the nightly recompute stores under `REPORT_METRIC` for `scope`."""
    return {"report": encode_report(report), "rates": rates_signature(scope.rate_map())}


def report_from_snapshot(scope: Scope) -> tuple[MetricsReport, datetime.datetime] | None:
    """The stored report of `scope` and when it was computed, or None when none applies (a
    scope or period the recompute does not store, no snapshot that day in the scope's
    currency, rates changed since, or a report stored before a figure it lacks was added).
    One query (plus the rates, once per scope)."""
    stored_start = scope.end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if scope.kind not in STORED_KINDS or scope.start != stored_start:
        return None
    row = (
        MetricSnapshot.objects.filter(
            date=scope.end,
            pipeline=scope.pipeline,
            scope_key=scope.key,
            metric=report_metric(scope.currency),
        )
        .values_list("value", "computed_at")
        .first()
    )
    if row is None:
        return None
    value, computed_at = row
    if not isinstance(value, dict) or value.get("rates") != rates_signature(scope.rate_map()):
        return None
    try:
        report = MetricsReport.from_dict(decode_report(value["report"]))
    except (KeyError, TypeError, ValueError):
        # Stored by an older version without every figure of today's report: computed live.
        return None
    return report, computed_at


def scope_on_latest_snapshot(scope: Scope, days: list[datetime.date]) -> Scope:
    """`scope` moved to the 90 days ending on the first of `days` that has a stored report of
    its key (today after a "Recompute now", else last night's), or `scope` itself."""
    if scope.kind not in STORED_KINDS:
        return scope
    found = (
        MetricSnapshot.objects.filter(
            pipeline=scope.pipeline,
            scope_key=scope.key,
            metric=report_metric(scope.currency),
            date__in=days,
        )
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if found is None:
        return scope
    start = found - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return dataclasses.replace(scope, start=start, end=found, rates=scope.rates)


def report_stored_or_live(
    scope: Scope, *, latest_period: bool
) -> tuple[Scope, MetricsReport, datetime.datetime | None]:
    """The scope shown, its report, and when that report was computed (None: live now).

    `latest_period`: the user chose no dates, so the dashboard shows the newest stored period
    of the scope (ending today after a "Recompute now", else yesterday after the nightly run)
    when there is one, instead of the 90 days ending today computed live."""
    if latest_period:
        today = timezone.localdate()
        scope = scope_on_latest_snapshot(scope, [today, today - datetime.timedelta(days=1)])
    stored = report_from_snapshot(scope)
    if stored is not None:
        return scope, stored[0], stored[1]
    return scope, metrics_report(scope), None
