"""Creating and editing people, organizations and leads (API, import).

Issue 8 needed these writes for the API and the importers; the contacts issue (6) may bring
richer versions of the same services, in which case callers switch to those at merge.
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

_PERSON_FIELDS = {
    "name",
    "organization",
    "job_title",
    "is_decision_maker",
    "email",
    "phone",
    "notes",
    "owner",
}
_ORGANIZATION_FIELDS = {
    "name",
    "website",
    "industry",
    "address",
    "budget_notes",
    "timeline_notes",
    "notes",
    "owner",
}


def _check_record_owner(actor: User, owner: User | None) -> None:
    """A record may be given only to someone whose records the actor may change."""
    if owner is None:
        return
    owners = owner_ids_editable(actor)
    if owners is not None and owner.pk not in owners:
        raise NotAllowed(_("You cannot give this record to %(owner)s.") % {"owner": owner})


def record_check_edit(actor: User, record: Person | Organization) -> None:
    """Contacts are shared; changing one is for its owner, their managers, or anyone when it
    has no owner."""
    owners = owner_ids_editable(actor)
    if owners is not None and record.owner_id is not None and record.owner_id not in owners:
        raise NotAllowed(
            _("You can see %(record)s but not change it: it belongs to %(owner)s.")
            % {"record": record, "owner": record.owner}
        )


def _clean_name(value: object, message: str) -> str:
    name = str(value or "").strip()
    if not name:
        raise RuleViolation(message)
    return name[:200]


@transaction.atomic
def organization_create(
    *, actor: User, name: str, owner: User | None = None, **fields
) -> Organization:
    unknown = set(fields) - _ORGANIZATION_FIELDS
    if unknown:
        raise RuleViolation(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    _check_record_owner(actor, owner)
    now = timezone.now()
    return Organization.objects.create(
        name=_clean_name(name, _("An organization needs a name.")),
        owner=owner,
        created_at=now,
        updated_at=now,
        **fields,
    )


@transaction.atomic
def organization_update(
    *, organization: Organization, actor: User, changes: dict[str, object]
) -> Organization:
    unknown = set(changes) - _ORGANIZATION_FIELDS
    if unknown:
        raise RuleViolation(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    record_check_edit(actor, locked)
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"], _("An organization needs a name."))
    if "owner" in changes:
        _check_record_owner(actor, changes["owner"])  # type: ignore[arg-type]
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def person_create(*, actor: User, name: str, owner: User | None = None, **fields) -> Person:
    unknown = set(fields) - _PERSON_FIELDS
    if unknown:
        raise RuleViolation(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    _check_record_owner(actor, owner)
    now = timezone.now()
    fields["email"] = str(fields.get("email") or "").strip().lower()
    return Person.objects.create(
        name=_clean_name(name, _("A person needs a name.")),
        owner=owner,
        created_at=now,
        updated_at=now,
        **fields,
    )


@transaction.atomic
def person_update(*, person: Person, actor: User, changes: dict[str, object]) -> Person:
    unknown = set(changes) - _PERSON_FIELDS
    if unknown:
        raise RuleViolation(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    record_check_edit(actor, locked)
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"], _("A person needs a name."))
    if "email" in changes:
        changes["email"] = str(changes["email"] or "").strip().lower()
    if "owner" in changes:
        _check_record_owner(actor, changes["owner"])  # type: ignore[arg-type]
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save()
    return locked


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
        source=(source or "")[:100],
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
