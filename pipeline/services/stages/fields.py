"""Cleaning the fields an admin sets on a stage."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from pipeline.models import Stage
from pipeline.services.stages.checks import clean_name
from shared.errors import RuleViolation

_STAGE_FIELDS = {
    "name",
    "win_probability",
    "rotting_days",
    "definition_of_done",
    "requirements",
    "is_moment_of_truth",
}


def _whole_number(raw: object, message: str) -> int:
    """`raw` as an int (a form sends text, the API a number), or `message` refused."""
    if not isinstance(raw, str | int | float | Decimal):
        raise RuleViolation(message)
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise RuleViolation(message) from exc


def _clean_stage_name(stage: Stage, raw: object) -> str:
    value = clean_name(raw, what=_("stage"))
    clash = Stage.objects.filter(pipeline_id=stage.pipeline_id, is_active=True, name__iexact=value)
    if stage.pk:
        clash = clash.exclude(pk=stage.pk)
    if clash.exists():
        raise RuleViolation(
            _("This pipeline already has a stage called %(name)s.") % {"name": value}
        )
    return value


def _clean_win_probability(raw: object) -> int:
    value = _whole_number(raw, _("The win probability must be a whole number."))
    if not 0 <= value <= 100:
        raise RuleViolation(_("The win probability must be between 0 and 100 %."))
    return value


def _clean_rotting_days(raw: object) -> int | None:
    if raw in (None, ""):
        return None
    value = _whole_number(raw, _("Rotting days must be a whole number."))
    if not 1 <= value <= 3650:
        raise RuleViolation(_("Rotting days must be between 1 and 3650, or empty for never."))
    return value


def _clean_definition_of_done(raw: object) -> str:
    value = str(raw or "").strip()
    if len(value) > 2000:
        raise RuleViolation(_("Keep the definition of done under 2000 characters."))
    return value


def _clean_requirements(raw: object) -> list[str]:
    codes = [str(c) for c in (raw or [])] if isinstance(raw, Iterable) else []
    bad = [c for c in codes if c not in Stage.Requirement.values]
    if bad:
        raise RuleViolation(
            _("Unknown requirement %(code)s; choose from: %(choices)s.")
            % {"code": bad[0], "choices": ", ".join(Stage.Requirement.values)}
        )
    # The order of the checklist follows the list of choices, duplicates dropped.
    return [c for c in Stage.Requirement.values if c in codes]


def clean_stage_changes(stage: Stage, changes: dict[str, object]) -> dict[str, object]:
    unknown = set(changes) - _STAGE_FIELDS
    if unknown:
        raise RuleViolation(
            _("These stage fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    clean: dict[str, object] = {}
    for field, raw in changes.items():
        value: object
        if field == "name":
            value = _clean_stage_name(stage, raw)
        elif field == "win_probability":
            value = _clean_win_probability(raw)
        elif field == "rotting_days":
            value = _clean_rotting_days(raw)
        elif field == "definition_of_done":
            value = _clean_definition_of_done(raw)
        elif field == "requirements":
            value = _clean_requirements(raw)
        else:  # is_moment_of_truth
            value = bool(raw)
        clean[field] = value
    return clean
