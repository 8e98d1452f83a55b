"""What every importer shares: options, the report, column mapping and name lookups."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from pipeline.services.imports.csvfiles import control_chars

# How many problems a report keeps in full (all are counted); a file with 90,000 bad dates
# needs the first screens of them, not a 50 MB preview.
MAX_PROBLEMS = 1000
BATCH = 2000

Progress = Callable[[str, int], None]
# Called with the report as the last step inside an apply's transaction.
Finish = Callable[["ImportReport"], None]


class ImportRefused(Exception):
    """The file has problems or unknown names; nothing was written. `report` says what."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.summary())
        self.report = report


@dataclass
class ImportOptions:
    # target field -> column name in the file; None: columns named like the fields.
    mapping: dict[str, str] | None = None
    # "point": 1,234.50 — "comma": 1 234,50 or 1.234,50
    number_format: str = "point"
    # Pipeline for rows without a pipeline column or value.
    pipeline: str | None = None
    # Create unknown stages, owners, organizations, people and lost reasons.
    create_missing: bool = False
    # kind -> {name in the file: id of the existing record it means} (chosen in the preview)
    matches: dict[str, dict[str, str]] = field(default_factory=dict)
    # How dates like 03/04/2027 are written: "dmy", "mdy", or "" (ask when the file is unclear).
    date_format: str = ""
    # New stages, "Pipeline / Stage" -> {"order": n, "probability": p} (set in the preview).
    new_stages: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


# What the report's kinds of records are called on screen and in messages.
KIND_LABELS = {
    "pipelines": gettext_lazy("pipelines"),
    "stages": gettext_lazy("stages"),
    "owners": gettext_lazy("owners"),
    "organizations": gettext_lazy("organizations"),
    "people": gettext_lazy("people"),
    "lost_reasons": gettext_lazy("lost reasons"),
    "deals": gettext_lazy("deals"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind.replace("_", " ")))


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    to_create: int = 0
    duplicates: int = 0
    problem_count: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    # kind -> names the database does not know ("owners", "organizations", ...)
    unknown: dict[str, list[str]] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    applied: bool = False
    # Dates written with slashes: how many read only day-first ("dmy"), only month-first
    # ("mdy"), or either way ("ambiguous"); the user must choose when the file is unclear.
    date_orders: dict[str, int] = field(default_factory=dict)
    date_order_needed: bool = False
    # Unknown stages, "Pipeline / Stage" -> {"open": n, "won": n, "lost": n}: what the file
    # says about where each stands in the funnel (see suggested_stage_order).
    stage_stats: dict[str, dict[str, int]] = field(default_factory=dict)

    def problem(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"row": row, "column": column, "message": message})

    def can_apply(self, create_missing: bool) -> bool:
        return (
            self.problem_count == 0
            and not self.date_order_needed
            and (create_missing or not self.unknown)
        )

    def summary(self) -> str:
        parts = [
            # Each count is its own plural message.
            _("%(rows)s: %(new)s, %(dup)s, %(bad)s.")
            % {
                "rows": ngettext("%(n)d row", "%(n)d rows", self.rows) % {"n": self.rows},
                "new": ngettext("%(n)d new", "%(n)d new", self.to_create) % {"n": self.to_create},
                "dup": ngettext("%(n)d already imported", "%(n)d already imported", self.duplicates)
                % {"n": self.duplicates},
                "bad": ngettext("%(n)d problem", "%(n)d problems", self.problem_count)
                % {"n": self.problem_count},
            }
        ]
        if self.date_order_needed:
            parts.append(_("Choose how the file writes dates such as 03/04/2027."))
        for kind, names in self.unknown.items():
            parts.append(
                _("Unknown %(kind)s: %(names)s")
                % {"kind": kind_label(kind), "names": ", ".join(names[:20])}
                + (" …" if len(names) > 20 else "")
            )
        return " ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.:/()]+", "", name.strip().casefold())


# What each field is called on screen (the mapping form, problem lists).
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "value": gettext_lazy("Value"),
    "currency": gettext_lazy("Currency"),
    "pipeline": gettext_lazy("Pipeline"),
    "stage": gettext_lazy("Stage"),
    "status": gettext_lazy("Status (open, won, lost)"),
    "owner": gettext_lazy("Owner"),
    "organization": gettext_lazy("Organization"),
    "person": gettext_lazy("Contact person"),
    "person_email": gettext_lazy("Contact person's email"),
    "expected_close_date": gettext_lazy("Expected close date"),
    "created_at": gettext_lazy("Created"),
    "closed_at": gettext_lazy("Closed (won or lost)"),
    "lost_reason": gettext_lazy("Lost reason"),
    "external_id": gettext_lazy("External id"),
    "name": gettext_lazy("Name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "job_title": gettext_lazy("Job title"),
    "is_decision_maker": gettext_lazy("Decision maker"),
    "notes": gettext_lazy("Notes"),
    "website": gettext_lazy("Website"),
    "industry": gettext_lazy("Industry"),
    "address": gettext_lazy("Address"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


# Header names other CRMs and spreadsheets use, per kind of file (compared without case,
# spaces, dashes and dots). The field's own name and its label (in English and in the
# uploader's language) match too.
SYNONYMS: dict[str, dict[str, list[str]]] = {
    "deals": {
        "title": ["deal", "deal name", "deal title", "name", "opportunity", "subject"],
        "value": ["amount", "deal value", "price", "sum", "total", "deal amount"],
        "currency": ["currency code", "deal currency"],
        "pipeline": ["pipeline name", "funnel", "sales pipeline"],
        "stage": ["deal stage", "stage name", "phase", "pipeline stage", "sales stage"],
        "status": ["state", "deal status", "result", "outcome"],
        "owner": ["deal owner", "assigned to", "sales rep", "rep", "user", "owner name"],
        "organization": [
            "company",
            "company name",
            "organisation",
            "organization name",
            "account",
            "account name",
            "org",
        ],
        "person": ["contact", "contact person", "contact name", "person name"],
        "person_email": ["email", "e-mail", "contact email", "person email", "email address"],
        "expected_close_date": [
            "expected close",
            "expected closing date",
            "expected close date",
            "close date",
            "closing date",
            "expected closing",
        ],
        "created_at": ["created", "created on", "created date", "date created", "add time"],
        "closed_at": ["closed", "closed on", "closed date", "date closed", "close time"],
        "lost_reason": ["reason lost", "loss reason", "lost because", "reason"],
        "external_id": ["id", "deal id", "external id", "crm id"],
    },
    "people": {
        "name": ["full name", "contact name", "person", "person name", "contact"],
        "email": ["e-mail", "email address", "mail"],
        "phone": ["telephone", "phone number", "mobile", "tel"],
        "job_title": ["title", "position", "role", "job"],
        "organization": ["company", "company name", "organisation", "account", "org"],
        "owner": ["contact owner", "assigned to", "user"],
        "is_decision_maker": ["decision maker", "decider"],
        "notes": ["note", "comments", "comment", "description"],
    },
    "organizations": {
        "name": [
            "organization",
            "organisation",
            "organization name",
            "company",
            "company name",
            "account",
            "account name",
        ],
        "website": ["web", "url", "site", "homepage", "web site", "domain"],
        "industry": ["sector", "branch"],
        "address": ["street address", "location", "full address"],
        "owner": ["account owner", "assigned to", "user"],
        "notes": ["note", "comments", "comment", "description"],
    },
}


def _labels(field: str) -> list[str]:
    """The field's label in the active language and untranslated."""
    label = FIELD_LABELS.get(field)
    if label is None:
        return []
    with translation.override(None):
        source = str(label)
    return [str(label), source]


def column_index(
    header: list[str],
    fields: list[str],
    mapping: dict[str, str] | None,
    kind: str | None = None,
) -> dict[str, int]:
    """Target field -> index in the row. Unmapped fields are simply absent.

    Without a mapping, a column named like the field wins, then one named like its label or
    one of its synonyms (SYNONYMS[kind]); each column serves one field."""
    exact = {h: i for i, h in enumerate(header) if h}
    index: dict[str, int] = {}
    if mapping is not None:
        for target in fields:
            column = mapping.get(target)
            if column and column in exact:
                index[target] = exact[column]
        return index
    positions: dict[str, int] = {}
    for i, h in enumerate(header):
        if h:
            positions.setdefault(_norm(h), i)
    used: set[int] = set()
    for target in fields:
        if _norm(target) in positions:
            index[target] = positions[_norm(target)]
            used.add(index[target])
    synonyms = SYNONYMS.get(kind or "", {})
    for target in fields:
        if target in index:
            continue
        names = [*_labels(target), *synonyms.get(target, [])]
        for name in names:
            found = positions.get(_norm(name))
            if found is not None and found not in used:
                index[target] = found
                used.add(found)
                break
    return index


_GUARDED = ("'=", "'+", "'-", "'@")


def cell(row: list[str], index: dict[str, int], name: str) -> str:
    i = index.get(name)
    if i is None or i >= len(row):
        return ""
    value = row[i].strip()
    # Exports guard cells that spreadsheets would run as formulas with an apostrophe.
    return value[1:] if value.startswith(_GUARDED) else value


def refuse_controls(
    line: int, cells: list[str], index: dict[str, int], report: ImportReport
) -> None:
    """A problem for each mapped cell holding a control character (NUL, vertical tab…):
    PostgreSQL cannot store NUL, and Excel exports cannot hold the others."""
    for name, i in index.items():
        if i < len(cells):
            controls = control_chars(cells[i])
            if controls:
                report.problem(
                    line,
                    name,
                    _(
                        "Contains control characters (%(chars)s) that cannot be stored; "
                        "remove them and upload the file again."
                    )
                    % {"chars": ", ".join(controls)},
                )


def refuse_too_long(
    line: int,
    cells: list[str],
    index: dict[str, int],
    report: ImportReport,
    limits: dict[str, int],
) -> None:
    """A problem for each mapped cell longer than its column holds (a value is
    refused with its length, never cut to fit)."""
    for name, limit in limits.items():
        value = cell(cells, index, name) if name in index else ""
        if len(value) > limit:
            report.problem(
                line,
                name,
                _("At most %(max)s characters; this one has %(count)s. Shorten it.")
                % {"max": limit, "count": f"{len(value):,}"},
            )


def row_problem(report: ImportReport) -> Callable[[int, str], None]:
    """What csv_rows calls for a problem of the file's structure (an unclosed quote)."""
    return lambda line, message: report.problem(line, "", message)


def key(text: str) -> str:
    """Case- and space-insensitive name used to match rows to records."""
    return " ".join(text.split()).casefold()


class UserLookup:
    """Owners match by username, email or full name (case-insensitive)."""

    def __init__(self) -> None:
        self.by_key: dict[str, User] = {}
        for user in User.objects.all():
            for name in (user.username, user.email, user.get_full_name()):
                if name:
                    self.by_key.setdefault(key(name), user)

    def find(self, name: str) -> User | None:
        return self.by_key.get(key(name))

    def create(self, name: str) -> User:
        """An owner the company does not have yet: a user who cannot log in until an admin
        invites them (unusable password)."""
        text = " ".join(name.split())
        email = text if "@" in text else ""
        first, _sp, last = ("" if email else text).partition(" ")
        base = slugify(email.split("@")[0] if email else text)[:140] or "imported"
        username, n = base, 1
        while User.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}-{n}"
        user = User.objects.create(
            username=username,
            email=email,
            first_name=first[:150],
            last_name=last[:150],
            password=make_password(None),
            role=User.Role.REP,
        )
        for alias in (username, email, text):
            if alias:
                self.by_key[key(alias)] = user
        return user
