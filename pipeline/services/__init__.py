"""Writes: the only code that changes pipeline state. Import services from here."""

from pipeline.services.activities import (
    activity_complete,
    activity_create,
    activity_reschedule,
    deal_refresh_next_activity,
)
from pipeline.services.contacts import (
    note_create,
    organization_create,
    organization_update,
    person_create,
    person_update,
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
from pipeline.services.leads import (
    lead_archive,
    lead_convert,
    lead_create,
    lead_park,
    lead_restore,
    lead_unpark,
    lead_unpark_due,
)
from pipeline.services.planning import (
    activity_finish,
    activity_goal_set,
    activity_goals_save,
    activity_move,
    activity_reopen,
    activity_update,
    calendar_feed_revoke,
    calendar_feed_rotate,
)
from pipeline.services.reminders import reminders_send_due
from pipeline.services.totals import stage_totals_rebuild

__all__ = [
    "activity_complete",
    "activity_create",
    "activity_finish",
    "activity_goal_set",
    "activity_goals_save",
    "activity_move",
    "activity_reopen",
    "activity_reschedule",
    "activity_update",
    "calendar_feed_revoke",
    "calendar_feed_rotate",
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
    "lead_archive",
    "lead_convert",
    "lead_create",
    "lead_park",
    "lead_restore",
    "lead_unpark",
    "lead_unpark_due",
    "note_create",
    "organization_create",
    "organization_update",
    "person_create",
    "person_update",
    "reminders_send_due",
    "stage_totals_rebuild",
]
