"""Rebuilding the board's stage totals from the deals themselves."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum

from pipeline.models import Deal, Pipeline, StageTotal


@transaction.atomic
def stage_totals_rebuild(*, pipeline: Pipeline | None = None) -> int:
    """Recompute StageTotal rows from open, unparked deals; returns the rows written."""
    deals = Deal.objects.filter(status=Deal.Status.OPEN, parked_until__isnull=True)
    totals = StageTotal.objects.all()
    if pipeline is not None:
        deals = deals.filter(pipeline=pipeline)
        totals = totals.filter(stage__pipeline=pipeline)
    totals.delete()
    rows = [
        StageTotal(
            stage_id=row["stage_id"],
            owner_id=row["owner_id"],
            currency=row["currency"],
            open_count=row["n"],
            open_value=row["total"] or Decimal("0"),
        )
        for row in deals.values("stage_id", "owner_id", "currency").annotate(
            n=Count("id"), total=Sum("value")
        )
    ]
    StageTotal.objects.bulk_create(rows)
    return len(rows)
