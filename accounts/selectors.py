"""Reads for the accounts pages."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import User


def user_list_for_admin() -> QuerySet[User]:
    """Every user with their team and how much open work they own (one query)."""
    return (
        User.objects.select_related("team")
        .annotate(
            open_deals=Count("deals", filter=Q(deals__status="open"), distinct=True),
        )
        .order_by("-is_active", "first_name", "last_name", "username")
    )
