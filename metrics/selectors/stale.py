"""Stale deals with their reasons, for the owners and their managers (the cleanup page)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from metrics.selectors.report import STALE_REASONS, stale_annotate, too_old_threshold
from metrics.selectors.scope import Scope, default_period
from pipeline.models import Deal, Pipeline
from pipeline.selectors.visibility import owner_ids_editable

REASON_LABELS = {
    "stuck": _("Stuck in stage"),
    "idle": _("Idle"),
    "no_next_step": _("No next step"),
    "overdue": _("Overdue activity"),
    "too_old": _("Too old"),
}


@dataclass
class StaleList:
    deals: list[Any]  # Deal rows with `days_in_stage` and `stale_reasons` set
    counts: dict[str, int]
    too_old_days: float | None
    total: int
    matching: int  # stale deals with the chosen reason (all stale deals without one)


def deal_list_stale(
    *,
    user: User,
    pipeline: Pipeline,
    owner_id: int | None = None,
    reason: str | None = None,
    as_of: datetime.datetime | None = None,
    limit: int = 100,
) -> StaleList:
    """Stale deals the user may clean up (their own; a manager's team; an admin's all), with
    one flag per reason, oldest in stage first. 3 queries: threshold, counts, rows."""
    as_of = as_of or timezone.now()
    start, end = default_period(timezone.localtime(as_of).date())
    scope = Scope(pipeline=pipeline, start=start, end=end, as_of=as_of)
    threshold = too_old_threshold(scope)
    qs: QuerySet[Any] = Deal.objects.filter(pipeline=pipeline)
    owners = owner_ids_editable(user)
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    # Annotated with one `_<reason>` flag per reason (and `_stale`, `_in_stage`): names the
    # type checker cannot know, so the annotated rows are read as `Any`.
    annotated: QuerySet[Any] = stale_annotate(qs, as_of=as_of, too_old_days=threshold)
    qs = annotated.filter(_stale=True)
    counts = qs.aggregate(
        total=Count("pk"),
        **{name: Count("pk", filter=Q(**{f"_{name}": True})) for name in STALE_REASONS},
    )
    if reason in STALE_REASONS:
        qs = qs.filter(**{f"_{reason}": True})
    deals = list(
        qs.select_related("stage", "owner", "organization", "next_activity").order_by(
            "owner__username", "-_in_stage", "pk"
        )[:limit]
    )
    for deal in deals:
        deal.days_in_stage = deal._in_stage
        deal.stale_reasons = [
            (name, REASON_LABELS[name]) for name in STALE_REASONS if getattr(deal, f"_{name}")
        ]
    total = counts.pop("total")
    matching = counts[reason] if reason in STALE_REASONS else total
    return StaleList(
        deals=deals, counts=counts, too_old_days=threshold, total=total, matching=matching
    )
