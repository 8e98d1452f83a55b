"""Handing one user's open work to another (used when an admin deactivates a user)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.errors import NotAllowed, RuleViolation
from pipeline.models import Activity, Deal, Lead, Organization, Person
from pipeline.services.deals import deal_update


@dataclass(frozen=True)
class ReassignResult:
    deals: int
    leads: int
    activities: int
    organizations: int
    people: int


@transaction.atomic
def owner_reassign_open_work(*, from_user: User, to_user: User, actor: User) -> ReassignResult:
    """Give `to_user` every open deal, open lead and not-done activity of `from_user`, and the
    organizations and people they own. Won and lost deals and done activities keep their
    owner: they record who did the work.

    Deals go through `deal_update`, so each gets a new version and `updated_by = actor`; an
    open board holding the old version is told who changed the deal.
    """
    if not actor.is_admin:
        raise NotAllowed(_("Only an admin can reassign another user's work."))
    if from_user.pk == to_user.pk:
        raise RuleViolation(_("Choose a different user to take over the work."))
    if not to_user.is_active:
        raise RuleViolation(
            _("%(user)s is deactivated and cannot take over work.") % {"user": to_user}
        )
    deal_ids = list(
        Deal.objects.filter(owner=from_user, status=Deal.Status.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for deal_id in deal_ids:
        locked = Deal.objects.only("pk", "version").get(pk=deal_id)
        deal_update(
            deal=locked, expected_version=locked.version, actor=actor, changes={"owner": to_user}
        )
    now = timezone.now()
    leads = Lead.objects.filter(owner=from_user, status=Lead.Status.OPEN).update(
        owner=to_user, updated_at=now
    )
    activities = Activity.objects.filter(owner=from_user, done_at__isnull=True).update(
        owner=to_user, updated_at=now
    )
    organizations = Organization.objects.filter(owner=from_user).update(
        owner=to_user, updated_at=now
    )
    people = Person.objects.filter(owner=from_user).update(owner=to_user, updated_at=now)
    return ReassignResult(
        deals=len(deal_ids),
        leads=leads,
        activities=activities,
        organizations=organizations,
        people=people,
    )
