"""The future pool: open deals parked off the board until a revisit date."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Activity, Deal
from pipeline.selectors.visibility import deal_check_edit
from pipeline.services._common import (
    check_version,
    deal_lock,
    totals_snapshot,
    write_deal,
)
from pipeline.services.activities import activity_create
from pipeline.services.deals.checks import lock_for_edit, totals_refresh
from shared.errors import RuleViolation


@transaction.atomic
def deal_park(*, deal: Deal, until: datetime.date, expected_version: int, actor: User) -> Deal:
    """Put an open deal in the future pool: it stays open but leaves the board until `until`."""
    locked = lock_for_edit(deal, actor, expected_version)
    if locked.status != Deal.Status.OPEN:
        raise RuleViolation(_("Only open deals can be parked."), deal=locked)
    if until <= timezone.localdate():
        raise RuleViolation(_("Choose a revisit date in the future."), deal=locked)
    before = totals_snapshot(locked)
    write_deal(locked, expected_version, actor, parked_until=until)
    return totals_refresh(locked, before)


@transaction.atomic
def deal_unpark(*, deal: Deal, actor: User | None, expected_version: int | None = None) -> Deal:
    """Bring a parked deal back to the board (its revisit date came, or a user asked). A user
    sends the version they saw; the nightly return (`actor` None) has none to send."""
    locked = deal_lock(deal.pk)
    if actor is not None:
        deal_check_edit(actor, locked)
    check_version(locked, expected_version)
    if locked.parked_until is None:
        return locked
    before = totals_snapshot(locked)
    write_deal(locked, locked.version, actor, parked_until=None)
    return totals_refresh(locked, before)


def deal_unpark_due(*, today: datetime.date) -> int:
    """Return every deal whose revisit date has come to the board; returns how many.

    Each deal comes back with a follow-up task for its owner, due `today`, in the same
    transaction as the unpark. Each deal is its own transaction and re-checks the deal under
    the lock, so a crash part-way loses nothing, a re-run picks up exactly the rest, and a
    re-delivered task never adds a second follow-up.
    """
    count = 0
    due = Deal.objects.filter(
        status=Deal.Status.OPEN, parked_until__isnull=False, parked_until__lte=today
    ).values_list("pk", flat=True)
    for deal_id in list(due.iterator()):
        count += _deal_return_from_pool(deal_id, today)
    return count


@transaction.atomic
def _deal_return_from_pool(deal_id: int, today: datetime.date) -> int:
    locked = deal_lock(deal_id)
    if (
        locked.status != Deal.Status.OPEN
        or locked.parked_until is None
        or locked.parked_until > today
    ):
        return 0
    deal_unpark(deal=locked, actor=None)
    activity_create(
        actor=locked.owner,
        owner=locked.owner,
        type=Activity.Type.TASK,
        subject=_("Follow up: back from the future pool"),
        due_date=today,
        deal=locked,
        done=False,
    )
    return 1
