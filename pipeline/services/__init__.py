"""Writes: the only code that changes pipeline state. Import services from here."""

from pipeline.services.activities import (
    activity_complete,
    activity_create,
    activity_reschedule,
    deal_refresh_next_activity,
)
from pipeline.services.config import (
    lost_reason_archive,
    lost_reason_create,
    lost_reason_restore,
    lost_reason_update,
    pipeline_archive,
    pipeline_create,
    pipeline_rename,
    pipeline_restore,
    stage_archive,
    stage_create,
    stage_move_step,
    stage_reorder,
    stage_restore,
    stage_update,
)
from pipeline.services.deals import (
    deal_create,
    deal_lose,
    deal_missing_requirements,
    deal_move,
    deal_park,
    deal_reopen,
    deal_unpark,
    deal_unpark_due,
    deal_update,
    deal_win,
)
from pipeline.services.leads import lead_convert
from pipeline.services.reassign import owner_reassign_open_work
from pipeline.services.totals import stage_totals_rebuild

__all__ = [
    "activity_complete",
    "activity_create",
    "activity_reschedule",
    "deal_create",
    "deal_lose",
    "deal_missing_requirements",
    "deal_move",
    "deal_park",
    "deal_refresh_next_activity",
    "deal_reopen",
    "deal_unpark",
    "deal_unpark_due",
    "deal_update",
    "deal_win",
    "lead_convert",
    "lost_reason_archive",
    "lost_reason_create",
    "lost_reason_restore",
    "lost_reason_update",
    "owner_reassign_open_work",
    "pipeline_archive",
    "pipeline_create",
    "pipeline_rename",
    "pipeline_restore",
    "stage_archive",
    "stage_create",
    "stage_move_step",
    "stage_reorder",
    "stage_restore",
    "stage_totals_rebuild",
    "stage_update",
]
