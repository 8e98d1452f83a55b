"""Configuration an admin changes: pipelines, their stages, and the lost reasons list.

Nothing here deletes a row. Archiving hides a pipeline, stage or lost reason from new work;
deals, their history and activities survive every change. Reordering stages rewrites only
`Stage.position`, never the history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from pipeline.models import Deal, Pipeline, Stage, StageChange
from pipeline.services._common import (
    board_touch,
    model_diff,
    model_update,
    stage_change_row,
    totals_add,
)
from pipeline.services.stages.checks import check_admin, clean_name, lock_pipeline
from pipeline.services.stages.fields import clean_stage_changes
from pipeline.services.stages.lost_reasons import (
    lost_reason_archive,
    lost_reason_create,
    lost_reason_restore,
    lost_reason_update,
)
from pipeline.services.stages.ordering import stage_move_step, stage_reorder
from shared.errors import RuleViolation

# Stages a new pipeline starts with unless the admin lists their own (Pipedrive's defaults).
DEFAULT_STAGE_NAMES = (
    "Qualified",
    "Contact made",
    "Demo scheduled",
    "Proposal made",
    "Negotiations started",
)
_MOVE_CHUNK = 2000


# --- Pipelines --------------------------------------------------------------------------------


def _check_pipeline_name_free(name: str, *, exclude_id: int | None = None) -> None:
    clash = Pipeline.objects.filter(name__iexact=name)
    if exclude_id:
        clash = clash.exclude(pk=exclude_id)
    if clash.exists():
        raise RuleViolation(
            _("A pipeline called %(name)s already exists (perhaps archived); choose another name.")
            % {"name": name}
        )


@transaction.atomic
def pipeline_create(
    *, name: str, actor: User, stage_names: Sequence[str] | None = None
) -> Pipeline:
    """Create a pipeline with its first stages (the defaults unless `stage_names` is given)."""
    check_admin(actor)
    name = clean_name(name, what=_("pipeline"))
    _check_pipeline_name_free(name)
    names = [clean_name(n, what=_("stage")) for n in (stage_names or []) if str(n).strip()]
    if not names:
        names = [str(_(n)) for n in DEFAULT_STAGE_NAMES]
    if len({n.lower() for n in names}) != len(names):
        raise RuleViolation(_("Two stages have the same name; give each stage its own name."))
    if len(names) > 30:
        raise RuleViolation(_("A pipeline can start with at most 30 stages."))
    last = Pipeline.objects.aggregate(m=Max("position"))["m"]
    pipeline = Pipeline.objects.create(name=name, position=0 if last is None else last + 1)
    # Probabilities rise evenly towards the last stage; the admin tunes them afterwards.
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            name=stage_name,
            position=i,
            win_probability=round((i + 1) * 100 / (len(names) + 1)),
        )
        for i, stage_name in enumerate(names)
    )
    return pipeline


@transaction.atomic
def pipeline_rename(*, pipeline: Pipeline, name: str, actor: User) -> Pipeline:
    check_admin(actor)
    name = clean_name(name, what=_("pipeline"))
    _check_pipeline_name_free(name, exclude_id=pipeline.pk)
    locked = lock_pipeline(pipeline.pk)
    if model_update(locked, {"name": name}):
        board_touch(locked.pk)
    pipeline.name = name
    return pipeline


@transaction.atomic
def pipeline_archive(*, pipeline: Pipeline, actor: User) -> Pipeline:
    """Hide a pipeline from the board. Its deals keep their stages and history, and it can be
    restored; the last active pipeline cannot be archived."""
    check_admin(actor)
    locked = lock_pipeline(pipeline.pk)
    if not locked.is_active:
        return locked
    if not Pipeline.objects.filter(is_active=True).exclude(pk=locked.pk).exists():
        raise RuleViolation(
            _("%(name)s is the only active pipeline; create another one before archiving it.")
            % {"name": locked.name}
        )
    Pipeline.objects.filter(pk=locked.pk).update(is_active=False)
    board_touch(locked.pk)
    pipeline.is_active = False
    return pipeline


@transaction.atomic
def pipeline_restore(*, pipeline: Pipeline, actor: User) -> Pipeline:
    check_admin(actor)
    locked = lock_pipeline(pipeline.pk)
    if not locked.is_active:
        Pipeline.objects.filter(pk=locked.pk).update(is_active=True)
        board_touch(locked.pk)
    pipeline.is_active = True
    return pipeline


# --- Stages -----------------------------------------------------------------------------------


def _claim_moment_of_truth(stage: Stage) -> None:
    """One moment of truth per pipeline: choosing a stage releases the previous one."""
    Stage.objects.filter(pipeline_id=stage.pipeline_id, is_moment_of_truth=True).exclude(
        pk=stage.pk
    ).update(is_moment_of_truth=False)


@transaction.atomic
def stage_create(
    *,
    pipeline: Pipeline,
    name: str,
    actor: User,
    win_probability: int = 0,
    rotting_days: int | None = None,
    definition_of_done: str = "",
    requirements: Iterable[str] = (),
    is_moment_of_truth: bool = False,
) -> Stage:
    """Add a stage at the end of the pipeline."""
    check_admin(actor)
    locked = lock_pipeline(pipeline.pk)
    if not locked.is_active:
        raise RuleViolation(_("This pipeline is archived; restore it before adding stages."))
    stage = Stage(pipeline=locked)
    fields = clean_stage_changes(
        stage,
        {
            "name": name,
            "win_probability": win_probability,
            "rotting_days": rotting_days,
            "definition_of_done": definition_of_done,
            "requirements": list(requirements),
            "is_moment_of_truth": is_moment_of_truth,
        },
    )
    for field, value in fields.items():
        setattr(stage, field, value)
    last = Stage.objects.filter(pipeline=locked).aggregate(m=Max("position"))["m"]
    stage.position = 0 if last is None else last + 1
    if stage.is_moment_of_truth:
        _claim_moment_of_truth(stage)
    stage.save(force_insert=True)
    board_touch(locked.pk)
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, actor: User, changes: dict[str, object]) -> Stage:
    """Change a stage's name, probability, rotting time, definition of done, requirements or
    moment-of-truth flag. Requirements apply to moves from now on; history is untouched."""
    check_admin(actor)
    lock_pipeline(stage.pipeline_id)
    locked = Stage.objects.get(pk=stage.pk)
    fields = clean_stage_changes(locked, changes)
    if fields.get("is_moment_of_truth") and not locked.is_active:
        raise RuleViolation(_("An archived stage cannot be the moment of truth."))
    fields = model_diff(locked, fields)
    if not fields:
        return locked
    if fields.get("is_moment_of_truth"):
        _claim_moment_of_truth(locked)
    model_update(locked, fields)
    board_touch(locked.pipeline_id)
    return locked


@dataclass(frozen=True)
class StageArchiveResult:
    stage: Stage
    moved_open: int
    moved_closed: int


@transaction.atomic
def stage_archive(*, stage: Stage, move_deals_to: Stage | None, actor: User) -> StageArchiveResult:
    """Archive a stage, first moving every deal in it (open, won and lost) to `move_deals_to`.

    Each moved deal gets a StageChange row (source "system", status unchanged), a new version
    (so an open board holding the old one is told what happened) and the board totals follow.
    All of it happens in this one transaction, or none of it.
    """
    check_admin(actor)
    pipeline = lock_pipeline(stage.pipeline_id)
    locked = Stage.objects.get(pk=stage.pk)
    if not locked.is_active:
        return StageArchiveResult(stage=locked, moved_open=0, moved_closed=0)
    others = Stage.objects.filter(pipeline=pipeline, is_active=True).exclude(pk=locked.pk)
    if not others.exists():
        raise RuleViolation(
            _("%(stage)s is the last stage of %(pipeline)s; archive the pipeline instead.")
            % {"stage": locked.name, "pipeline": pipeline.name}
        )
    deals = Deal.objects.filter(stage=locked)
    counts = deals.aggregate(total=Count("id"), open=Count("id", filter=Q(status=Deal.Status.OPEN)))
    if counts["total"]:
        if move_deals_to is None:
            raise RuleViolation(
                ngettext(
                    "%(stage)s still holds %(n)d deal; choose the stage it moves to.",
                    "%(stage)s still holds %(n)d deals; choose the stage they move to.",
                    counts["total"],
                )
                % {"stage": locked.name, "n": counts["total"]}
            )
        target = Stage.objects.filter(pk=move_deals_to.pk).first()
        if target is None or target.pipeline_id != pipeline.pk:
            raise RuleViolation(
                _("Choose a stage of %(pipeline)s for the deals.") % {"pipeline": pipeline.name}
            )
        if target.pk == locked.pk or not target.is_active:
            raise RuleViolation(_("Choose another active stage for the deals."))
        _move_all_deals(from_stage=locked, to_stage=target, actor=actor)
    updates: dict[str, object] = {"is_active": False, "is_moment_of_truth": False}
    Stage.objects.filter(pk=locked.pk).update(**updates)
    locked.is_active = False
    locked.is_moment_of_truth = False
    board_touch(pipeline.pk)
    return StageArchiveResult(
        stage=locked,
        moved_open=counts["open"],
        moved_closed=counts["total"] - counts["open"],
    )


def _move_all_deals(*, from_stage: Stage, to_stage: Stage, actor: User) -> None:
    """Set-based move of every deal in a stage: constant statements per chunk, not per deal.

    The history rows carry exactly what `record_change` writes for a move; they are inserted
    in bulk because a busy stage may hold tens of thousands of deals.
    """
    now = timezone.now()
    # Lock the deals first, so no deal service changes one between the totals and the move.
    ids = list(
        Deal.objects.select_for_update()
        .filter(stage=from_stage)
        .order_by("pk")
        .values_list("pk", "status")
    )
    # Board totals: open deals off the pool move with their currency sums.
    on_board = (
        Deal.objects.filter(stage=from_stage, status=Deal.Status.OPEN, parked_until__isnull=True)
        .values("owner_id", "currency")
        .annotate(n=Count("id"), v=Sum("value"))
        .order_by("owner_id", "currency")
    )
    for row in on_board:
        value = row["v"] or Decimal("0")
        totals_add(from_stage.pk, row["owner_id"], row["currency"], -row["n"], -value)
        totals_add(to_stage.pk, row["owner_id"], row["currency"], row["n"], value)
    for start in range(0, len(ids), _MOVE_CHUNK):
        chunk = ids[start : start + _MOVE_CHUNK]
        pks = [pk for pk, _status in chunk]
        Deal.objects.filter(pk__in=pks).update(
            stage=to_stage,
            stage_entered_at=now,
            updated_at=now,
            updated_by=actor,
            version=F("version") + 1,
        )
        # Each deal's latest history row so far: where the stay this move ends began.
        started = dict(
            StageChange.objects.filter(deal_id__in=pks, timestamp__lte=now)
            .order_by()
            .values_list("deal_id")
            .annotate(at=Max("timestamp"))
        )
        StageChange.objects.bulk_create(
            stage_change_row(
                deal_id=pk,
                pipeline_id=from_stage.pipeline_id,
                from_stage_id=from_stage.pk,
                to_stage_id=to_stage.pk,
                from_status=status,
                to_status=status,
                actor=actor,
                source=StageChange.Source.SYSTEM,
                at=now,
                stay_started_at=started.get(pk),
            )
            for pk, status in chunk
        )


@transaction.atomic
def stage_restore(*, stage: Stage, actor: User) -> Stage:
    """Bring an archived stage back, at the end of the pipeline."""
    check_admin(actor)
    pipeline = lock_pipeline(stage.pipeline_id)
    locked = Stage.objects.get(pk=stage.pk)
    if locked.is_active:
        return locked
    clash = Stage.objects.filter(pipeline=pipeline, is_active=True, name__iexact=locked.name)
    if clash.exists():
        raise RuleViolation(
            _("This pipeline already has an active stage called %(name)s; rename one first.")
            % {"name": locked.name}
        )
    Stage.objects.filter(pk=locked.pk).update(is_active=True)
    locked.is_active = True
    order = list(
        Stage.objects.filter(pipeline=pipeline, is_active=True)
        .exclude(pk=locked.pk)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    return stage_reorder(pipeline=pipeline, stage_ids=[*order, locked.pk], actor=actor)[-1]


__all__ = [
    "DEFAULT_STAGE_NAMES",
    "StageArchiveResult",
    "lost_reason_archive",
    "lost_reason_create",
    "lost_reason_restore",
    "lost_reason_update",
    "pipeline_archive",
    "pipeline_create",
    "pipeline_rename",
    "pipeline_restore",
    "stage_archive",
    "stage_create",
    "stage_move_step",
    "stage_reorder",
    "stage_restore",
    "stage_update",
]
