"""The order of a pipeline's stages: a full reorder, or one step left or right."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Pipeline, Stage
from pipeline.services._common import board_touch
from pipeline.services.stages.checks import check_admin, lock_pipeline
from shared.errors import RuleViolation

# Far above any real position: the first phase of a reorder parks every stage up there so the
# second phase can write the final positions without ever colliding on the unique constraint.
_REORDER_OFFSET = 1_000_000


@transaction.atomic
def stage_reorder(*, pipeline: Pipeline, stage_ids: Sequence[int], actor: User) -> list[Stage]:
    """Put the pipeline's active stages in the given order (archived ones follow them).

    Positions are unique per pipeline, so the rewrite is two-phase inside one transaction:
    first every stage moves above `_REORDER_OFFSET`, then each gets its final position.
    """
    check_admin(actor)
    locked = lock_pipeline(pipeline.pk)
    current = list(Stage.objects.filter(pipeline=locked).order_by("position", "id"))
    active_ids = [s.pk for s in current if s.is_active]
    try:
        wanted = [int(i) for i in stage_ids]
    except (TypeError, ValueError) as exc:
        raise RuleViolation(_("The new order is not a list of stages; reload the page.")) from exc
    if len(wanted) != len(set(wanted)) or set(wanted) != set(active_ids):
        raise RuleViolation(
            _("The stages of %(pipeline)s changed while you were reordering them; reload the page.")
            % {"pipeline": locked.name}
        )
    archived_ids = [s.pk for s in current if not s.is_active]
    final = {stage_id: i for i, stage_id in enumerate(wanted + archived_ids)}
    by_id = {s.pk: s for s in current}
    if all(by_id[i].position == p for i, p in final.items()):
        return [by_id[i] for i in wanted]
    Stage.objects.filter(pipeline=locked).update(position=F("position") + _REORDER_OFFSET)
    for stage_id, position in final.items():
        Stage.objects.filter(pk=stage_id).update(position=position)
        by_id[stage_id].position = position
    board_touch(locked.pk)
    return [by_id[i] for i in wanted]


@transaction.atomic
def stage_move_step(*, stage: Stage, offset: int, actor: User) -> list[Stage]:
    """Move a stage one place left (-1) or right (+1): the keyboard alternative to dragging."""
    if offset not in (-1, 1):
        raise RuleViolation(_("A stage moves one place at a time."))
    order = list(
        Stage.objects.filter(pipeline_id=stage.pipeline_id, is_active=True)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    if stage.pk not in order:
        raise RuleViolation(_("An archived stage has no place on the board."))
    index = order.index(stage.pk)
    target = index + offset
    if not 0 <= target < len(order):
        return list(Stage.objects.filter(pk__in=order).order_by("position"))
    order[index], order[target] = order[target], order[index]
    return stage_reorder(pipeline=stage.pipeline, stage_ids=order, actor=actor)
