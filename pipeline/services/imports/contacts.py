"""Importing organizations and people from CSV: same rules as deals (check every row first,
then all or nothing; a row already in the address book is skipped, not duplicated)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Organization, Person
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services.imports.common import (
    BATCH,
    Finish,
    ImportOptions,
    ImportRefused,
    ImportReport,
    Progress,
    UserLookup,
    cell,
    column_index,
    key,
    refuse_controls,
    refuse_too_long,
    row_problem,
)
from pipeline.services.imports.csvfiles import csv_detect, csv_rows

ORGANIZATION_COLUMNS = ["name", "website", "industry", "address", "owner", "notes"]
PERSON_COLUMNS = [
    "name",
    "email",
    "phone",
    "job_title",
    "organization",
    "owner",
    "is_decision_maker",
    "notes",
]
# What each column holds (pipeline/models.py); longer values are row problems.
_LIMITS = {"name": 200, "website": 200, "industry": 100, "email": 254, "phone": 50}
_LIMITS |= {"job_title": 100, "organization": 200}
_TRUE = {"1", "yes", "y", "true", "x", "ja", "oui", "si", "kyllä", "igen", "có", "是"}


def _owner(
    raw: str,
    line: int,
    users: UserLookup,
    actor: User,
    editable: list[int] | None,
    report: ImportReport,
    unknown: dict[str, set[str]],
) -> None:
    if not raw:
        return
    owner = users.find(raw)
    if owner is None:
        if actor.is_admin:
            unknown["owners"].add(raw)
        else:
            report.problem(line, "owner", _("No user %(name)s.") % {"name": raw})
    elif editable is not None and owner.pk not in editable:
        report.problem(line, "owner", _("You cannot give records to %(owner)s.") % {"owner": owner})


def _run(
    *,
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    columns: list[str],
    check: Callable[
        [int, list[str], dict[str, int], ImportReport, dict[str, set[str]]], str | None
    ],
    progress: Progress | None,
) -> tuple[ImportReport, list[tuple[int, list[str], dict[str, int]]]]:
    """Check every row; return the report and the new rows (line, cells, index) to write."""
    report = ImportReport()
    fmt = csv_detect(source)
    index = column_index(
        fmt.header,
        columns,
        options.mapping,
        "people" if columns is PERSON_COLUMNS else "organizations",
    )
    if "name" not in index:
        report.problem(1, "name", _("No column is mapped to the name."))
        return report, []
    unknown: dict[str, set[str]] = {"owners": set(), "organizations": set()}
    seen: set[str] = set()
    fresh: list[tuple[int, list[str], dict[str, int]]] = []
    for line, cells in csv_rows(source, fmt, row_problem(report)):
        report.rows += 1
        before = report.problem_count
        refuse_controls(line, cells, index, report)
        refuse_too_long(line, cells, index, report, _LIMITS)
        ident = check(line, cells, index, report, unknown)
        if report.problem_count == before and ident is not None:
            report.valid += 1
            if ident == "existing" or ident in seen:
                report.duplicates += 1
            else:
                seen.add(ident)
                report.to_create += 1
                fresh.append((line, cells, index))
        if progress and report.rows % BATCH == 0:
            progress("checking", report.rows)
    report.unknown = {k: sorted(v, key=str.casefold) for k, v in unknown.items() if v}
    return report, fresh


def _organizations(source, actor, options, progress):  # noqa: ANN001, ANN202
    users = UserLookup()
    editable = owner_ids_editable(actor)
    existing = {key(n) for n in Organization.objects.values_list("name", flat=True)}
    url = URLValidator()

    def check(line, cells, index, report, unknown):  # noqa: ANN001, ANN202
        name = cell(cells, index, "name")
        if not name:
            report.problem(line, "name", _("An organization needs a name."))
        website = cell(cells, index, "website")
        if website and "://" not in website and len(website) <= 200 < len(website) + 8:
            # "https://" is added in front: refused like any value too long to store.
            refuse_too_long(line, [f"https://{website}"], {"website": 0}, report, _LIMITS)
        if website:
            try:
                url(website if "://" in website else f"https://{website}")
            except ValidationError:
                report.problem(
                    line, "website", _("%(raw)s is not a web address.") % {"raw": website}
                )
        _owner(cell(cells, index, "owner"), line, users, actor, editable, report, unknown)
        if not name:
            return None
        return "existing" if key(name) in existing else key(name)

    report, fresh = _run(
        source=source,
        actor=actor,
        options=options,
        columns=ORGANIZATION_COLUMNS,
        check=check,
        progress=progress,
    )
    return report, fresh, users


def _refuse_or_create_owners(report: ImportReport, options: ImportOptions, users) -> None:  # noqa: ANN001
    """Refuse a file with problems (or unknown names without `create_missing`); otherwise
    create the owners it names that do not exist yet, as users who cannot log in."""
    if not report.can_apply(options.create_missing):
        raise ImportRefused(report)
    for name in report.unknown.get("owners", []):
        users.create(name)
    report.created["owners"] = len(report.unknown.get("owners", []))


def organization_import_preview(
    *, source: str | Path | BinaryIO, actor: User, options: ImportOptions, progress=None
) -> ImportReport:  # noqa: ANN001
    return _organizations(source, actor, options, progress)[0]


@transaction.atomic
def organization_import_apply(
    *,
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress=None,  # noqa: ANN001
    finish: Finish | None = None,
) -> ImportReport:
    report, fresh, users = _organizations(source, actor, options, progress)
    _refuse_or_create_owners(report, options, users)
    now = timezone.now()
    orgs = []
    for _line, cells, index in fresh:
        website = cell(cells, index, "website")
        owner = cell(cells, index, "owner")
        orgs.append(
            Organization(
                name=cell(cells, index, "name"),
                website=website if "://" in website or not website else f"https://{website}",
                industry=cell(cells, index, "industry"),
                address=cell(cells, index, "address"),
                notes=cell(cells, index, "notes"),
                owner=users.find(owner) if owner else None,
                created_at=now,
                updated_at=now,
            )
        )
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    report.created["organizations"] = len(orgs)
    report.applied = True
    if finish:
        finish(report)
    return report


def _people(source, actor, options, progress):  # noqa: ANN001, ANN202
    users = UserLookup()
    editable = owner_ids_editable(actor)
    orgs = {key(n): i for i, n in Organization.objects.values_list("id", "name").order_by("-id")}
    by_email = {
        e.casefold() for e in Person.objects.exclude(email="").values_list("email", flat=True)
    }
    by_name = {
        (key(n), o) for n, o in Person.objects.filter(email="").values_list("name", "organization")
    }

    def check(line, cells, index, report, unknown):  # noqa: ANN001, ANN202
        name = cell(cells, index, "name")
        email = cell(cells, index, "email")
        if not name and not email:
            report.problem(line, "name", _("A person needs a name or an email."))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                report.problem(
                    line, "email", _("%(raw)s is not an email address.") % {"raw": email}
                )
        org = cell(cells, index, "organization")
        if org and key(org) not in orgs:
            unknown["organizations"].add(org)
        _owner(cell(cells, index, "owner"), line, users, actor, editable, report, unknown)
        if email:
            return "existing" if email.casefold() in by_email else f"@{email.casefold()}"
        if (key(name), orgs.get(key(org)) if org else None) in by_name:
            return "existing"
        return f"{key(name)}|{key(org)}"

    report, fresh = _run(
        source=source,
        actor=actor,
        options=options,
        columns=PERSON_COLUMNS,
        check=check,
        progress=progress,
    )
    return report, fresh, users


def person_import_preview(
    *, source: str | Path | BinaryIO, actor: User, options: ImportOptions, progress=None
) -> ImportReport:  # noqa: ANN001
    return _people(source, actor, options, progress)[0]


@transaction.atomic
def person_import_apply(
    *,
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress=None,  # noqa: ANN001
    finish: Finish | None = None,
) -> ImportReport:
    report, fresh, users = _people(source, actor, options, progress)
    _refuse_or_create_owners(report, options, users)
    now = timezone.now()
    new_orgs = [
        Organization(name=n, created_at=now, updated_at=now)
        for n in report.unknown.get("organizations", [])
    ]
    Organization.objects.bulk_create(new_orgs)
    report.created["organizations"] = len(new_orgs)
    orgs = {key(n): i for i, n in Organization.objects.values_list("id", "name").order_by("-id")}
    people = []
    for _line, cells, index in fresh:
        email = cell(cells, index, "email")
        org = cell(cells, index, "organization")
        owner = cell(cells, index, "owner")
        people.append(
            Person(
                name=cell(cells, index, "name") or email,
                email=email.lower(),
                phone=cell(cells, index, "phone"),
                job_title=cell(cells, index, "job_title"),
                organization_id=orgs.get(key(org)) if org else None,
                is_decision_maker=key(cell(cells, index, "is_decision_maker")) in _TRUE,
                notes=cell(cells, index, "notes"),
                owner=users.find(owner) if owner else None,
                created_at=now,
                updated_at=now,
            )
        )
    Person.objects.bulk_create(people, batch_size=BATCH)
    report.created["people"] = len(people)
    report.applied = True
    if finish:
        finish(report)
    return report
