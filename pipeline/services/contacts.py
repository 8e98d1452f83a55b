"""People and organizations: creating and editing them, with a duplicate guard.

Contacts are the company's shared address book (everyone sees them, see
`pipeline.selectors.visibility`). A new person whose email is already known, or a new
organization whose name is already known, is refused with `DuplicateFound` carrying the
existing records, so the page can offer them; the user may still insist
(`allow_duplicate=True`): two branches of one company can share a name, and a shared inbox
can be two people's address. Nothing is merged silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Deal, Note, Organization, Person
from pipeline.selectors.visibility import deal_check_edit, owner_ids_editable
from pipeline.services._common import model_diff, model_update
from shared.errors import DuplicateFound, NotAllowed, RuleViolation
from shared.validation import require_fits

_PERSON_FIELDS = {
    "name",
    "organization",
    "job_title",
    "is_decision_maker",
    "email",
    "phone",
    "other_emails",
    "other_phones",
    "notes",
    "owner",
}
_ORG_FIELDS = {
    "name",
    "website",
    "industry",
    "address",
    "budget_notes",
    "timeline_notes",
    "notes",
    "owner",
}


def _clean_name(name: str, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleViolation(_("A %(what)s needs a name.") % {"what": what})
    return require_fits(name, 200, _("Name"))


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise RuleViolation(_("“%(email)s” is not an email address.") % {"email": email}) from exc
    return email


def _clean_list(values: object, *, emails: bool) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = values.replace(";", ",").replace("\n", ",").split(",")
    out: list[str] = []
    # Not a string: a list, as the form and the API hand it.
    for raw in cast("Iterable[object]", values):
        item = str(raw).strip()
        if emails:
            item = _clean_email(item)
        if item and item not in out:
            out.append(require_fits(item, 100, _("Email") if emails else _("Phone")))
    return out


def _clean_website(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = f"https://{url}"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise RuleViolation(_("“%(url)s” is not a web address.") % {"url": url}) from exc
    return require_fits(url, 200, _("Website"))


def _check_owner(actor: User, owner: User | None) -> None:
    if owner is None:
        return
    owners = owner_ids_editable(actor)
    if owners is not None and owner.pk not in owners:
        raise NotAllowed(_("You cannot give this contact to %(owner)s.") % {"owner": owner})


def contact_check_edit(actor: User, record: Person | Organization) -> None:
    """Contacts are shared for reading; changing one is for its owner, their managers and
    admins, or anyone when it has no owner. The pages and the API use this same rule."""
    owners = owner_ids_editable(actor)
    if owners is not None and record.owner_id is not None and record.owner_id not in owners:
        raise NotAllowed(
            _("You can see %(record)s but not change it: it belongs to %(owner)s.")
            % {"record": record, "owner": record.owner}
        )


def person_duplicates(*, email: str, exclude_id: int | None = None) -> list[Person]:
    """People whose main or other email is `email` (case-insensitive)."""
    email = (email or "").strip().lower()
    if not email:
        return []
    qs = Person.objects.filter(Q(email__iexact=email) | Q(other_emails__icontains=email))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    # `icontains` on the JSON list is a coarse prefilter; keep exact matches only.
    return [
        p
        for p in qs.select_related("organization")[:20]
        if p.email.lower() == email or email in [e.lower() for e in p.other_emails or []]
    ][:5]


def organization_duplicates(*, name: str, exclude_id: int | None = None) -> list[Organization]:
    name = " ".join((name or "").split())
    if not name:
        return []
    qs = Organization.objects.filter(name__iexact=name)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs[:5])


def _organization_by_name(actor: User, name: str) -> Organization | None:
    """The organization a person form names: the existing one with that name (linking is
    not duplicating), or a new one."""
    name = " ".join((name or "").split())
    if not name:
        return None
    found = organization_duplicates(name=name)
    if found:
        return found[0]
    return organization_create(actor=actor, name=name)


def _check_emails_free(addresses: list[object], *, exclude_id: int | None = None) -> None:
    """Raise `DuplicateFound` at the first address another person has already."""
    for address in addresses:
        found = person_duplicates(email=str(address), exclude_id=exclude_id)
        if found:
            raise DuplicateFound(
                _("%(name)s already has the email %(email)s.")
                % {"name": found[0].name, "email": address},
                existing=found,
            )


def _person_values(data: dict[str, object]) -> dict[str, object]:
    values = dict(data)
    if "name" in values:
        values["name"] = _clean_name(str(values["name"] or ""), str(_("person")))
    if "email" in values:
        values["email"] = _clean_email(str(values["email"] or ""))
    if "other_emails" in values:
        values["other_emails"] = _clean_list(values["other_emails"], emails=True)
    if "other_phones" in values:
        values["other_phones"] = _clean_list(values["other_phones"], emails=False)
    for key, limit, label in (("job_title", 100, _("Job title")), ("phone", 50, _("Phone"))):
        if key in values:
            values[key] = require_fits(str(values[key] or "").strip(), limit, label)
    if "notes" in values:
        values["notes"] = str(values["notes"] or "").strip()
    if "is_decision_maker" in values:
        values["is_decision_maker"] = bool(values["is_decision_maker"])
    return values


def _org_values(data: dict[str, object]) -> dict[str, object]:
    values = dict(data)
    if "name" in values:
        values["name"] = _clean_name(str(values["name"] or ""), str(_("organization")))
    if "website" in values:
        values["website"] = _clean_website(str(values["website"] or ""))
    if "industry" in values:
        values["industry"] = require_fits(str(values["industry"] or "").strip(), 100, _("Industry"))
    for key in ("address", "budget_notes", "timeline_notes", "notes"):
        if key in values:
            values[key] = str(values[key] or "").strip()
    return values


@transaction.atomic
def person_create(
    *,
    actor: User,
    name: str,
    organization: Organization | None = None,
    job_title: str = "",
    is_decision_maker: bool = False,
    email: str = "",
    phone: str = "",
    other_emails: list[str] | str | None = None,
    other_phones: list[str] | str | None = None,
    notes: str = "",
    owner: User | None = None,
    organization_name: str = "",
    allow_duplicate: bool = False,
) -> Person:
    """Add a person to the address book. An email already on file raises `DuplicateFound`
    unless `allow_duplicate`. `organization_name` links the organization of that name, or
    creates it."""
    values = _person_values(
        {
            "name": name,
            "organization": organization,
            "job_title": job_title,
            "is_decision_maker": is_decision_maker,
            "email": email,
            "phone": phone,
            "other_emails": other_emails,
            "other_phones": other_phones,
            "notes": notes,
        }
    )
    owner = owner or actor
    _check_owner(actor, owner)
    if organization is None and organization_name:
        values["organization"] = _organization_by_name(actor, organization_name)
    if not allow_duplicate:
        # `other_emails` is the list _person_values cleaned.
        _check_emails_free([values["email"], *cast("list[str]", values["other_emails"])])
    now = timezone.now()
    return Person.objects.create(**values, owner=owner, created_at=now, updated_at=now)


@transaction.atomic
def person_update(
    *, person: Person, actor: User, changes: dict[str, object], allow_duplicate: bool = False
) -> Person:
    """Edit a person's fields; a new email that another person has raises `DuplicateFound`."""
    changes = dict(changes)
    organization_name = changes.pop("organization_name", None)
    unknown = set(changes) - _PERSON_FIELDS
    if unknown:
        raise RuleViolation(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    locked = Person.objects.select_for_update().get(pk=person.pk)
    contact_check_edit(actor, locked)
    if organization_name is not None and "organization" not in changes:
        changes["organization"] = _organization_by_name(actor, str(organization_name))
    values = _person_values(changes)
    if "owner" in values and values["owner"] != locked.owner:
        _check_owner(actor, cast("User | None", values["owner"]))  # the form's owner field
    fields = model_diff(locked, values)
    if not fields:
        return locked
    if not allow_duplicate:
        new_addresses = []
        if "email" in fields:
            new_addresses.append(fields["email"])
        if "other_emails" in fields:
            # The list _person_values cleaned.
            added = cast("list[str]", fields["other_emails"])
            new_addresses += [e for e in added if e not in locked.other_emails]
        _check_emails_free(new_addresses, exclude_id=locked.pk)
    model_update(locked, fields, updated_at=timezone.now())
    return locked


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    website: str = "",
    industry: str = "",
    address: str = "",
    budget_notes: str = "",
    timeline_notes: str = "",
    notes: str = "",
    owner: User | None = None,
    allow_duplicate: bool = False,
) -> Organization:
    """Add an organization. A name already on file (ignoring case and spacing) raises
    `DuplicateFound` unless `allow_duplicate`."""
    values = _org_values(
        {
            "name": name,
            "website": website,
            "industry": industry,
            "address": address,
            "budget_notes": budget_notes,
            "timeline_notes": timeline_notes,
            "notes": notes,
        }
    )
    owner = owner or actor
    _check_owner(actor, owner)
    if not allow_duplicate:
        found = organization_duplicates(name=str(values["name"]))
        if found:
            raise DuplicateFound(
                _("An organization named %(name)s exists already.") % {"name": found[0].name},
                existing=found,
            )
    now = timezone.now()
    return Organization.objects.create(**values, owner=owner, created_at=now, updated_at=now)


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: User,
    changes: dict[str, object],
    allow_duplicate: bool = False,
) -> Organization:
    unknown = set(changes) - _ORG_FIELDS
    if unknown:
        raise RuleViolation(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    contact_check_edit(actor, locked)
    values = _org_values(changes)
    if "owner" in values and values["owner"] != locked.owner:
        _check_owner(actor, cast("User | None", values["owner"]))  # the form's owner field
    fields = model_diff(locked, values)
    if not fields:
        return locked
    if "name" in fields and not allow_duplicate:
        found = organization_duplicates(name=str(fields["name"]), exclude_id=locked.pk)
        if found:
            raise DuplicateFound(
                _("An organization named %(name)s exists already.") % {"name": found[0].name},
                existing=found,
            )
    model_update(locked, fields, updated_at=timezone.now())
    return locked


NOTE_MAX_LENGTH = 10_000


@transaction.atomic
def note_create(
    *,
    actor: User,
    body: str,
    deal: Deal | None = None,
    person: Person | None = None,
    organization: Organization | None = None,
) -> Note:
    """Add a note to exactly one of a deal, a person or an organization."""
    if sum(x is not None for x in (deal, person, organization)) != 1:
        raise RuleViolation(_("A note belongs to one deal, person or organization."))
    body = (body or "").strip()
    if not body:
        raise RuleViolation(_("Write something in the note."))
    if len(body) > NOTE_MAX_LENGTH:
        raise RuleViolation(
            _(
                "A note is at most %(max)s characters; this one has %(count)s. "
                "Shorten it or split it into two notes."
            )
            % {"max": f"{NOTE_MAX_LENGTH:,}", "count": f"{len(body):,}"}
        )
    if deal is not None:
        deal_check_edit(actor, deal)
    return Note.objects.create(
        body=body, deal=deal, person=person, organization=organization, author=actor
    )
