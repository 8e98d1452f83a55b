"""Reads of the stage-change history, scoped by deal visibility."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from pipeline.models import StageChange
from pipeline.selectors.visibility import deal_list_visible, owner_ids_visible


def stage_change_list_visible(user: User) -> QuerySet[StageChange]:
    """History rows of the deals `user` may see (same rule as `deal_list_visible`)."""
    qs = StageChange.objects.all()
    if owner_ids_visible(user) is None:
        return qs
    return qs.filter(deal__in=deal_list_visible(user).values("pk"))
