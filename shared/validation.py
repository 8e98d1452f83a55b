"""Input rules every door shares: which characters text may hold and which dates are accepted.

Text: C0 control characters other than tab, line feed and carriage return are never stored.
They are invisible, nobody can type them on purpose, and spreadsheet files cannot hold them
(openpyxl refuses the whole workbook). The text fields of the models strip them on every write
(forms, API, services, admin, importer: `CleanCharField` / `CleanTextField`), so the rule holds
whatever door a value comes through; exports strip them again for rows written before.

Dates: one range for every date a person types, imports or puts in a URL — 1900-01-01 to
2999-12-31. Outside it iCalendar feeds, week arithmetic and aggregates overflow.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# NUL to US except tab (09), line feed (0A) and carriage return (0D).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_chars(value: str) -> list[str]:
    """The C0 control characters in `value` (tab and line breaks allowed), as 'U+000B'.
    The importer reports them as row problems instead of stripping them: a file holding them
    is more likely damaged than typed, and the user should see which rows."""
    return sorted({f"U+{ord(c):04X}" for c in _CONTROLS.findall(value)})


def clean_text(value: str) -> str:
    """The text without the C0 control characters other than tab and line breaks."""
    if value.isprintable():  # the common case, no regex
        return value
    return _CONTROLS.sub("", value)


def too_long_message(field: str, value: str, max_length: int) -> str | None:
    """What to say when `value` does not fit its column (refused, never cut)."""
    if len(value) <= max_length:
        return None
    return str(
        _("%(field)s is at most %(max)s characters; this one has %(count)s. Shorten it.")
        % {"field": field, "max": max_length, "count": f"{len(value):,}"}
    )


def require_fits(value: str, max_length: int, field: object) -> str:
    """`value` unchanged when it fits `max_length` characters; otherwise a RuleViolation
    naming the field and both lengths (services: forms and the API answer 400 with it)."""
    from shared.errors import RuleViolation

    message = too_long_message(str(field), value, max_length)
    if message:
        raise RuleViolation(message)
    return value


def query_text(raw: object, limit: int = 100) -> str:
    """A search term from a query string: control characters dropped (PostgreSQL refuses a
    NUL in a query parameter), trimmed, at most `limit` characters (a search, not stored)."""
    return clean_text(str(raw or "")).strip()[:limit]


class _CleanTextMixin:
    """A model text field that stores `clean_text(value)`, through save(), update() and
    bulk_create() alike. It is a plain CharField/TextField to migrations."""

    migration_path: str

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)  # type: ignore[misc]  # a mixin: the model field comes later in the MRO
        if isinstance(value, str):
            value = clean_text(value)
            setattr(model_instance, self.attname, value)  # type: ignore[attr-defined]  # attname is the model field's
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]  # a mixin: the model field comes later in the MRO
        return clean_text(value) if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)  # type: ignore[misc]  # a mixin: the model field comes later in the MRO
        return clean_text(value) if isinstance(value, str) else value

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()  # type: ignore[misc]  # a mixin: the model field comes later in the MRO
        return name, self.migration_path, args, kwargs


class CleanCharField(_CleanTextMixin, models.CharField):
    migration_path = "django.db.models.CharField"


class CleanTextField(_CleanTextMixin, models.TextField):
    migration_path = "django.db.models.TextField"


# --- Ids --------------------------------------------------------------------------------
MAX_ID = 2**63 - 1


def is_id(raw: object) -> bool:
    """Whether a raw value (a query parameter, a form field) is a row id: ASCII digits only
    (`str.isdigit()` also accepts "²", which `int()` refuses) that fit a bigint column."""
    text = str(raw)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


# --- Dates ------------------------------------------------------------------------------
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def date_in_range(value: datetime.date) -> bool:
    day = value.date() if isinstance(value, datetime.datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


def date_range_message() -> str:
    return str(
        _("Choose a day between %(first)s and %(last)s.")
        % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
    )


def validate_date_range(value: datetime.date | None) -> None:
    """Validator for form, serializer and model date/datetime fields."""
    if value is not None and not date_in_range(value):
        raise ValidationError(date_range_message(), code="date_range")


def clamp_date(value: datetime.date) -> datetime.date:
    """A date from a query parameter, moved into the accepted range (URLs are not refused)."""
    return min(max(value, FIRST_DAY), LAST_DAY)


class ClampedDateField(forms.DateField):
    """A date query parameter (a filter, a week to show), clamped into the accepted range."""

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        return None if day is None else clamp_date(day)
