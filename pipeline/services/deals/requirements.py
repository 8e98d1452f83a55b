"""What a deal must show to enter a stage (its entry requirements)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from pipeline.models import Activity, Deal, Note, Stage
from shared.errors import RuleViolation

_DONE_TYPES = {
    Stage.Requirement.DONE_CALL: Activity.Type.CALL,
    Stage.Requirement.DONE_MEETING: Activity.Type.MEETING,
    Stage.Requirement.DONE_EMAIL: Activity.Type.EMAIL,
    Stage.Requirement.DONE_DEMO: Activity.Type.DEMO,
}
# Imports and system jobs write history as it happened; entry requirements guard people.
SOURCES_WITHOUT_REQUIREMENTS = {"import", "system"}


def deal_missing_requirements(
    *, deal: Deal, to_stage: Stage, entering_pipeline: bool = False
) -> list[str]:
    """What the deal still lacks to enter `to_stage`, as readable phrases.

    A forward move must satisfy the requirements of every stage it passes, since a deal that
    reaches a stage counts as having passed the earlier ones; a backward move only those of
    the target stage. A new deal (`entering_pipeline`) passes every stage up to its own.
    """
    missing = deal_missing_requirements_by_stage(
        deal=deal, to_stage=to_stage, entering_pipeline=entering_pipeline
    )
    return [str(Stage.Requirement(code).label) for _stage, codes in missing for code in codes]


def deal_requirement_codes(
    *, deal: Deal, to_stage: Stage, entering_pipeline: bool = False
) -> list[tuple[Stage, list[str]]]:
    """Every stage a move into `to_stage` passes that asks for something, with the codes it
    asks for, in pipeline order. A code asked by two stages is listed under the first."""
    if entering_pipeline:
        after_position = -1
    elif deal.stage.pipeline_id == to_stage.pipeline_id:
        after_position = deal.stage.position
    else:
        after_position = to_stage.position
    if to_stage.position > after_position + 1:
        stages = list(
            Stage.objects.filter(
                pipeline_id=to_stage.pipeline_id,
                is_active=True,
                position__gt=after_position,
                position__lt=to_stage.position,
            ).order_by("position")
        )
    else:
        stages = []
    stages.append(to_stage)
    return _codes_by_stage(stages)


def _codes_by_stage(stages: list[Stage]) -> list[tuple[Stage, list[str]]]:
    """The requirement codes each of `stages` (in pipeline order) adds to the ones before it:
    a code asked by two stages is listed under the first."""
    seen: set[str] = set()
    asked: list[tuple[Stage, list[str]]] = []
    for stage in stages:
        codes = [
            code
            for code in stage.requirements or []
            if code not in seen and code in Stage.Requirement.values
        ]
        seen.update(codes)
        if codes:
            asked.append((stage, codes))
    return asked


def stage_entry_codes(stages: list[Stage]) -> dict[int, list[str]]:
    """For each of a pipeline's active stages: what a new deal must show to be created in it
    (the requirements of every stage up to it, as `deal_create` checks them). The quick-add
    form offers the matching fields."""
    ordered = sorted(stages, key=lambda s: s.position)
    added = {stage.pk: codes for stage, codes in _codes_by_stage(ordered)}
    entry: dict[int, list[str]] = {}
    running: list[str] = []
    for stage in ordered:
        running = [*running, *added.get(stage.pk, [])]
        entry[stage.pk] = running
    return entry


def _met(deal: Deal, codes: list[str], done_types: set[str], with_note: bool) -> dict[str, bool]:
    """Whether the deal meets each requirement code (the notes are looked up only when asked)."""
    person = deal.person if deal.person_id else None
    # `with_note`: a new deal whose first note is written in the same transaction.
    has_note = with_note or (
        any(code in (Stage.Requirement.NOTE, Stage.Requirement.NOTE_OR_CONTACT) for code in codes)
        and bool(deal.pk and Note.objects.filter(deal_id=deal.pk).exists())
    )
    contact_note = (
        Stage.Requirement.NOTE_OR_CONTACT in codes
        and not has_note
        and person is not None
        and Note.objects.filter(person_id=person.pk).exists()
    )
    return {
        Stage.Requirement.VALUE: deal.value > 0,
        Stage.Requirement.CLOSE_DATE: deal.expected_close_date is not None,
        Stage.Requirement.ORGANIZATION: deal.organization_id is not None,
        Stage.Requirement.PERSON: person is not None,
        Stage.Requirement.DECISION_MAKER: person is not None and person.is_decision_maker,
        # Only a note on the deal itself counts, not one on its contact person.
        Stage.Requirement.NOTE: has_note,
        Stage.Requirement.NOTE_OR_CONTACT: has_note or contact_note,
        **{code: kind in done_types for code, kind in _DONE_TYPES.items()},
    }


def deal_missing_requirements_by_stage(
    *, deal: Deal, to_stage: Stage, entering_pipeline: bool = False, with_note: bool = False
) -> list[tuple[Stage, list[str]]]:
    """The unmet requirement codes of each stage a move into `to_stage` passes, so a refusal
    names the stage that asks, not the stage the deal was dropped on."""
    asked = deal_requirement_codes(
        deal=deal, to_stage=to_stage, entering_pipeline=entering_pipeline
    )
    if not asked:
        return []
    codes = [code for _stage, stage_codes in asked for code in stage_codes]
    done_types: set[str] = set()
    if deal.pk and any(code in _DONE_TYPES for code in codes):
        done_types = set(
            Activity.objects.filter(deal_id=deal.pk, done_at__isnull=False)
            .values_list("type", flat=True)
            .distinct()
        )
    met = _met(deal, codes, done_types, with_note)
    missing = []
    for stage, stage_codes in asked:
        unmet = [code for code in stage_codes if not met.get(code, True)]
        if unmet:
            missing.append((stage, unmet))
    return missing


def requirements_error(deal: Deal, missing: list[tuple[Stage, list[str]]]) -> RuleViolation:
    def phrase(code: str) -> str:
        label = str(Stage.Requirement(code).label)
        return label[0].lower() + label[1:]

    return RuleViolation(
        " ".join(
            _("%(stage)s needs first: %(missing)s.")
            % {"stage": stage.name, "missing": "; ".join(phrase(c) for c in codes)}
            for stage, codes in missing
        ),
        deal=deal,
        missing=[str(Stage.Requirement(c).label) for _stage, codes in missing for c in codes],
    )
