"""Reads for the leads inbox, scoped by `lead_list_visible`."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from pipeline.models import Deal, Lead
from pipeline.selectors._common import text_search
from pipeline.selectors.visibility import deal_list_visible, lead_list_visible
from shared.errors import NotVisible
from shared.validation import is_id

VIEWS = {
    # Open leads waiting for a decision: the inbox.
    "inbox": Q(status=Lead.Status.OPEN, parked_until__isnull=True),
    # Open leads parked until a revisit date: the future pool.
    "parked": Q(status=Lead.Status.OPEN, parked_until__isnull=False),
    "archived": Q(status=Lead.Status.ARCHIVED),
    "converted": Q(status=Lead.Status.CONVERTED),
}


def lead_list(
    *, user: User, view: str = "inbox", q: str = "", owner: str = "", source: str = ""
) -> QuerySet[Lead]:
    qs = lead_list_visible(user).filter(VIEWS.get(view, VIEWS["inbox"]))
    if owner == "mine":
        qs = qs.filter(owner=user)
    elif is_id(owner):
        qs = qs.filter(owner_id=int(owner))
    if source:
        qs = qs.filter(source__iexact=source)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            text_search(q, "title", "person__name", "person__email", "organization__name")
        )
    order = ("parked_until", "-created_at", "-id") if view == "parked" else ("-created_at", "-id")
    return qs.select_related("owner", "person", "organization", "converted_deal").order_by(*order)


def lead_counts(*, user: User) -> dict[str, int]:
    """How many leads each tab holds, in one grouped query."""
    agg = lead_list_visible(user).aggregate(
        **{name: Count("id", filter=cond) for name, cond in VIEWS.items()}
    )
    return {name: agg[name] or 0 for name in VIEWS}


def lead_sources(*, user: User) -> list[str]:
    return sorted(
        {s for s in lead_list_visible(user).values_list("source", flat=True).distinct() if s}
    )


def lead_get_visible(user: User, lead_id: int | str) -> Lead:
    try:
        return (
            lead_list_visible(user)
            .select_related("owner", "person", "organization", "converted_deal")
            .get(pk=int(lead_id))
        )
    except (Lead.DoesNotExist, ValueError, TypeError) as exc:
        from django.utils.translation import gettext as _

        raise NotVisible(_("This lead does not exist or you may not see it.")) from exc


def deal_list_parked(*, user: User, q: str = "", owner: str = "") -> QuerySet[Deal]:
    """Open deals parked until a revisit date that `user` may see: the future pool lists them
    beside the parked leads, soonest revisit first."""
    qs = deal_list_visible(user).filter(status=Deal.Status.OPEN, parked_until__isnull=False)
    if owner == "mine":
        qs = qs.filter(owner=user)
    elif is_id(owner):
        qs = qs.filter(owner_id=int(owner))
    if q:
        qs = qs.filter(text_search(q, "title", "organization__name", "person__name"))
    return qs.select_related("owner", "organization", "person", "stage", "pipeline").order_by(
        "parked_until", "-id"
    )
