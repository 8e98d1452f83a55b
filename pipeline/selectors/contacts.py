"""Reads about people and organizations: searchable lists and each one's deals, activities
and timeline. Scoped through `pipeline.selectors.visibility`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from pipeline.models import Activity, Deal, Note, Organization, Person
from pipeline.selectors._common import text_search
from pipeline.selectors.visibility import (
    activity_list_visible,
    deal_list_visible,
    organization_list_visible,
    owner_ids_visible,
    person_list_visible,
)
from shared.errors import NotVisible


def _open_deals_count(user: User, relation: str) -> Count:
    """Open deals the user may see, counted per contact in the list query itself."""
    condition = Q(**{f"{relation}__status": Deal.Status.OPEN})
    owners = owner_ids_visible(user)
    if owners is not None:
        condition &= Q(**{f"{relation}__owner_id__in": owners})
    return Count(relation, filter=condition, distinct=True)


def person_list(*, user: User, q: str = "") -> QuerySet[Person]:
    """People by name, searchable by name, email, phone, job title or organization."""
    qs = person_list_visible(user).select_related("organization", "owner")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            text_search(
                q, "name", "email", "other_emails", "phone", "job_title", "organization__name"
            )
        )
    return qs.annotate(open_deals=_open_deals_count(user, "deals")).order_by("name", "id")


def organization_list(*, user: User, q: str = "") -> QuerySet[Organization]:
    qs = organization_list_visible(user).select_related("owner")
    q = (q or "").strip()
    if q:
        qs = qs.filter(text_search(q, "name", "industry", "website", "address"))
    return qs.annotate(
        open_deals=_open_deals_count(user, "deals"),
        people_count=Count("people", distinct=True),
    ).order_by("name", "id")


def person_get_visible(user: User, person_id: int | str) -> Person:
    try:
        return (
            person_list_visible(user).select_related("organization", "owner").get(pk=int(person_id))
        )
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        from django.utils.translation import gettext as _

        raise NotVisible(_("This person does not exist or you may not see them.")) from exc


def organization_get_visible(user: User, organization_id: int | str) -> Organization:
    try:
        return organization_list_visible(user).select_related("owner").get(pk=int(organization_id))
    except (Organization.DoesNotExist, ValueError, TypeError) as exc:
        from django.utils.translation import gettext as _

        raise NotVisible(_("This organization does not exist or you may not see it.")) from exc


@dataclass
class ContactTimelineEntry:
    when: datetime
    kind: str  # "activity", "note", "deal"
    obj: object


@dataclass
class ContactPage:
    deals: list[Deal]
    open_activities: list[Activity]
    timeline: list[ContactTimelineEntry]


def _page(
    user: User, *, deals: QuerySet[Deal], activities: QuerySet[Activity], notes: QuerySet[Note]
) -> ContactPage:
    deal_list = list(
        deals.select_related("stage", "owner", "pipeline").order_by("status", "-created_at")
    )
    acts = list(activities.select_related("owner", "deal").order_by("due_date", "due_time", "id"))
    entries = [ContactTimelineEntry(d.created_at, "deal", d) for d in deal_list]
    entries += [ContactTimelineEntry(a.done_at or a.created_at, "activity", a) for a in acts]
    entries += [
        ContactTimelineEntry(n.created_at, "note", n) for n in notes.select_related("author")
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return ContactPage(
        deals=deal_list,
        open_activities=[a for a in acts if a.done_at is None],
        timeline=entries,
    )


def person_page(*, user: User, person: Person) -> ContactPage:
    """The person's visible deals, activities and a timeline. Four queries."""
    return _page(
        user,
        deals=deal_list_visible(user).filter(person=person),
        activities=activity_list_visible(user).filter(person=person),
        notes=Note.objects.filter(person=person),
    )


def organization_page(*, user: User, organization: Organization) -> ContactPage:
    return _page(
        user,
        deals=deal_list_visible(user).filter(organization=organization),
        activities=activity_list_visible(user).filter(organization=organization),
        notes=Note.objects.filter(
            Q(organization=organization) | Q(person__organization=organization)
        ),
    )
