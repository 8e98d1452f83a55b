"""The deals and history rows each figure is computed over, and the small helpers every
figure shares (a ratio, an amount in the scope's currency, rounding to the minor unit)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    BooleanField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from metrics.expressions import DaysBetween, base_amount, percentiles, whole_days_between
from metrics.selectors.scope import Scope
from pipeline.models import Activity, Deal, Stage, StageChange
from shared.money import round_money

WON, LOST, OPEN = Deal.Status.WON, Deal.Status.LOST, Deal.Status.OPEN
STALE_REASONS = ("stuck", "idle", "no_next_step", "overdue", "too_old")
ACTIVITY_TYPES = (
    Activity.Type.CALL,
    Activity.Type.MEETING,
    Activity.Type.EMAIL,
    Activity.Type.DEMO,
)
TOO_OLD_WINDOW_DAYS = 365


def ratio(num: int | Decimal | float | None, den: int | Decimal | float | None) -> float | None:
    """num ÷ den to 4 places; None without a numerator or a denominator."""
    if num is None or not den:
        return None
    return round(float(num) / float(den), 4)


def cycle() -> DaysBetween:
    """A closed deal's sales cycle in days."""
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
    return percentiles(won, cycle(), [0.9]).get(None, {}).get(0.9)


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
