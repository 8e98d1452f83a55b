"""Handing one user's open work to another (used when an admin deactivates a user)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, Deal, Lead, Organization, Person
from pipeline.services._common import board_touch, totals_move_owner
from shared.errors import NotAllowed, RuleViolation


@dataclass(frozen=True)
class ReassignResult:
    deals: int
    leads: int
    activities: int
    organizations: int
    people: int


def _check_reassign(*, from_user: User, to_user: User, actor: User) -> None:
    """Only an admin reassigns, to another user who is active."""
    if not actor.is_admin:
        raise NotAllowed(_("Only an admin can reassign another user's work."))
    if from_user.pk == to_user.pk:
        raise RuleViolation(_("Choose a different user to take over the work."))
    if not to_user.is_active:
        raise RuleViolation(
            _("%(user)s is deactivated and cannot take over work.") % {"user": to_user}
        )


def _check_external_ids(*, from_user: User, to_user: User) -> None:
    """External ids are unique per owner: two books that share one cannot be merged blindly."""
    clashes = sorted(
        str(external_id)
        for external_id in Deal.objects.filter(owner=from_user, status=Deal.Status.OPEN)
        .filter(external_id__in=Deal.objects.filter(owner=to_user).values("external_id"))
        .values_list("external_id", flat=True)
    )
    if clashes:
        raise RuleViolation(
            _(
                "%(user)s already has deals with these external ids: %(ids)s. Give those "
                "deals to someone else first (on each deal's page), then reassign again."
            )
            % {"user": to_user, "ids": ", ".join(clashes[:20])}
        )


@transaction.atomic
def owner_reassign_open_work(*, from_user: User, to_user: User, actor: User) -> ReassignResult:
    """Give `to_user` every open deal, open lead and not-done activity of `from_user`, and the
    organizations and people they own. Won and lost deals and done activities keep their
    owner: they record who did the work.

    Each deal gets a new version and `updated_by = actor`; an open board holding the old
    version is told who changed the deal.
    """
    _check_reassign(from_user=from_user, to_user=to_user, actor=actor)
    now = timezone.now()
    # Lock the deals, then one set-based UPDATE: a rep's book can hold thousands of deals.
    # Each deal gets a new version and `updated_by = actor`, exactly as `deal_update` would
    # record an owner change, so an open board holding the old version is told who changed
    # it. Owner changes touch no history; the per-owner board totals move with the deals.
    locked = list(
        Deal.objects.select_for_update()
        .filter(owner=from_user, status=Deal.Status.OPEN)
        .order_by("pk")
        .values_list("pk", "pipeline_id")
    )  # under the lock, the UPDATE below matches exactly these rows
    _check_external_ids(from_user=from_user, to_user=to_user)
    deals = Deal.objects.filter(owner=from_user, status=Deal.Status.OPEN).update(
        owner=to_user, updated_by=actor, updated_at=now, version=F("version") + 1
    )
    totals_move_owner(from_owner_id=from_user.pk, to_owner_id=to_user.pk)
    for pipeline_id in sorted({pipeline for _pk, pipeline in locked}):
        board_touch(pipeline_id, from_user.pk, to_user.pk)
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
        deals=deals,
        leads=leads,
        activities=activities,
        organizations=organizations,
        people=people,
    )
