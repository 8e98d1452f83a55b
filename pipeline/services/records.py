"""The API's lead creation and activity PATCH.

People and organizations are created and changed through `pipeline.services.contacts`
(issue 6: the duplicate guard and the edit rule the pages use).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.errors import NotAllowed, RuleViolation
from pipeline.models import Activity, Lead, Organization, Person
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services.deals import _clean_currency, _clean_money
from pipeline.validation import require_fits


def _check_record_owner(actor: User, owner: User | None) -> None:
    """A record may be given only to someone whose records the actor may change."""
    if owner is None:
        return
    owners = owner_ids_editable(actor)
    if owners is not None and owner.pk not in owners:
        raise NotAllowed(_("You cannot give this record to %(owner)s.") % {"owner": owner})


def _clean_name(value: object, message: str) -> str:
    name = str(value or "").strip()
    if not name:
        raise RuleViolation(message)
    return require_fits(name, 200, _("Name"))


@transaction.atomic
def lead_create(
    *,
    actor: User,
    title: str,
    owner: User | None = None,
    source: str = "",
    person: Person | None = None,
    organization: Organization | None = None,
    expected_value: Decimal | str | int = Decimal("0"),
    currency: str | None = None,
    notes: str = "",
) -> Lead:
    from django.conf import settings

    owner = owner or actor
    _check_record_owner(actor, owner)
    now = timezone.now()
    return Lead.objects.create(
        title=_clean_name(title, _("A lead needs a title.")),
        owner=owner,
        source=require_fits(source or "", 100, _("Source")),
        person=person,
        organization=organization or (person.organization if person else None),
        expected_value=_clean_money(expected_value),
        currency=_clean_currency(currency or settings.DEFAULT_CURRENCY),
        notes=notes or "",
        created_at=now,
        updated_at=now,
    )


@transaction.atomic
def activity_update(*, activity: Activity, actor: User, changes: dict[str, object]) -> Activity:
    """Reschedule and/or mark done in one transaction (the API's PATCH)."""
    from pipeline.services.activities import activity_complete, activity_reschedule

    unknown = set(changes) - {"done", "due_date", "due_time"}
    if unknown:
        raise RuleViolation(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    if "due_date" in changes:
        activity = activity_reschedule(
            activity=activity,
            actor=actor,
            due_date=changes["due_date"],  # type: ignore[arg-type]
            due_time=changes.get("due_time", activity.due_time),  # type: ignore[arg-type]
        )
    if "done" in changes and bool(changes["done"]) != activity.is_done:
        activity = activity_complete(activity=activity, actor=actor, done=bool(changes["done"]))
    return activity
