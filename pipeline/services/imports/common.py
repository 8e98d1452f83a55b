"""What every importer shares: options, the report, column mapping and name lookups."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User

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

    def problem(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"row": row, "column": column, "message": message})

    def can_apply(self, create_missing: bool) -> bool:
        return self.problem_count == 0 and (create_missing or not self.unknown)

    def summary(self) -> str:
        parts = [
            # Each count is its own plural message (issue 22).
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
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def column_index(
    header: list[str], fields: list[str], mapping: dict[str, str] | None
) -> dict[str, int]:
    """Target field -> index in the row. Unmapped fields are simply absent."""
    positions = {_norm(h): i for i, h in enumerate(header) if h}
    exact = {h: i for i, h in enumerate(header) if h}
    index: dict[str, int] = {}
    for target in fields:
        if mapping is not None:
            column = mapping.get(target)
            if column and column in exact:
                index[target] = exact[column]
        elif _norm(target) in positions:
            index[target] = positions[_norm(target)]
    return index


_GUARDED = ("'=", "'+", "'-", "'@")


def cell(row: list[str], index: dict[str, int], name: str) -> str:
    i = index.get(name)
    if i is None or i >= len(row):
        return ""
    value = row[i].strip()
    # Exports guard cells that spreadsheets would run as formulas with an apostrophe.
    return value[1:] if value.startswith(_GUARDED) else value


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
