"""The deals behind a number on the dashboard (`/metrics/deals/?figure=…`): the same filters
that computed the number, their order and their total row."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from metrics.selectors import report as r
from metrics.selectors.dashboard.types import DealListTotal
from metrics.selectors.scope import Scope
from pipeline.models import Deal, StageChange
from shared.dates import format_month
from shared.validation import is_id

FIGURES = {
    "won": _("Won in the period"),
    "lost": _("Lost in the period"),
    "created": _("Created in the period"),
    "open": _("Open deals"),
}


def _converted(qs: QuerySet[Deal], scope: Scope) -> QuerySet[Deal]:
    """Only deals whose amount counts (the base currency, or a currency with a stored rate)."""
    return qs.annotate(_amount=r.amount_in_base(scope)).filter(_amount__isnull=False)


def deal_list_for_figure(scope: Scope, figure: str) -> tuple[str, QuerySet[Deal]]:
    """The deals behind a number on the dashboard (the same filters that computed it), and
    the list's title ("" for an unknown figure)."""
    if figure == "won":
        return str(FIGURES[figure]), r.closed_in_period(scope).filter(status=r.WON)
    if figure == "lost":
        return str(FIGURES[figure]), r.closed_in_period(scope).filter(status=r.LOST)
    if figure == "created":
        return str(FIGURES[figure]), r.created_in_period(scope)
    if figure == "open":
        return str(FIGURES[figure]), r.open_deals(scope)
    kind, _sep, arg = figure.partition(":")
    if kind == "reached" and is_id(arg):
        stage = next((s for s in r.stages_of(scope) if s.pk == int(arg)), None)
        if stage is not None:
            entered = StageChange.objects.filter(
                deal_id=OuterRef("pk"), to_stage__position__gte=stage.position
            )
            qs = r.created_in_period(scope).filter(
                Q(status=r.WON) | Q(stage__position__gte=stage.position) | Exists(entered)
            )
            return _("Created in the period and reached %(stage)s") % {"stage": stage.name}, qs
    if kind == "owner_won" and is_id(arg):
        qs = r.closed_in_period(scope).filter(status=r.WON, owner_id=int(arg))
        return _("Won in the period by this owner"), qs
    if kind == "stage_open" and is_id(arg):
        return _("Open deals in this stage"), r.open_deals(scope).filter(stage_id=int(arg))
    if kind == "month" and arg:
        return _deals_of_month(scope, arg)
    if figure == "undated":
        qs = _converted(r.open_deals(scope), scope).filter(expected_close_date__isnull=True)
        return _("Open deals without an expected close date"), qs
    return "", Deal.objects.none()


def _deals_of_month(scope: Scope, arg: str) -> tuple[str, QuerySet[Deal]]:
    """Open deals expected to close in the month `arg` (YYYY-MM) that count in the forecast."""
    try:
        month = datetime.date.fromisoformat(f"{arg}-01")
    except ValueError:
        return "", Deal.objects.none()
    qs = _converted(r.open_deals(scope), scope).filter(
        expected_close_date__year=month.year,
        expected_close_date__month=month.month,
    )
    return _("Open deals expected to close in %(month)s") % {"month": format_month(month)}, qs


# Figures whose deals are closed: their lists read newest close first, so "Won in the period"
# sorts as the won figure is counted (by close date), not by creation.
_CLOSED_FIGURES = ("won", "lost", "owner_won")


def deal_list_ordering(figure: str) -> tuple[str, ...]:
    """How a drill-down lists its deals: by close date for closed figures, else by creation."""
    if figure.partition(":")[0] in _CLOSED_FIGURES:
        return ("-closed_at", "-pk")
    return ("-created_at", "-pk")


def deal_list_total(scope: Scope, qs: QuerySet[Deal]) -> DealListTotal:
    """The drill-down's total row: how many deals, their value in the scope's currency at the
    scope's rates, and how many were left out of the sum for want of a rate (1 query)."""
    totals = (
        qs.annotate(_amount=r.amount_in_base(scope))
        .order_by()
        .aggregate(
            count=Count("pk"),
            value=Sum("_amount"),
            unconverted=Count("pk", filter=Q(_amount__isnull=True)),
        )
    )
    return DealListTotal(
        count=totals["count"],
        value=r.cents(totals["value"], scope),
        unconverted=totals["unconverted"],
        currency=scope.currency,
    )
