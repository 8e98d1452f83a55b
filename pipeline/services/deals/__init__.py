"""The only code that creates deals or changes their stage or status.

Every service runs in one transaction, locks the deal row, checks the version the client
read, writes with a conditional update, appends a StageChange row, keeps the board totals
and bumps the version. See docs/architecture.md.
"""

from pipeline.services.deals.changes import (
    deal_lose,
    deal_move,
    deal_reopen,
    deal_update,
    deal_win,
)
from pipeline.services.deals.checks import TITLE_MAX_LENGTH
from pipeline.services.deals.creating import deal_create, deal_quick_add
from pipeline.services.deals.pool import deal_park, deal_unpark, deal_unpark_due
from pipeline.services.deals.requirements import (
    deal_missing_requirements,
    deal_missing_requirements_by_stage,
    deal_requirement_codes,
    stage_entry_codes,
)

__all__ = [
    "TITLE_MAX_LENGTH",
    "deal_create",
    "deal_lose",
    "deal_missing_requirements",
    "deal_missing_requirements_by_stage",
    "deal_move",
    "deal_park",
    "deal_quick_add",
    "deal_reopen",
    "deal_requirement_codes",
    "deal_unpark",
    "deal_unpark_due",
    "deal_update",
    "deal_win",
    "stage_entry_codes",
]
