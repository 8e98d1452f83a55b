"""Importing deals from CSV: validate every row first, then write all or nothing.

Two streamed passes over the file keep memory flat whatever its size: the first checks every
row and collects unknown names and duplicates (the preview); the second, in one transaction,
creates what is missing and bulk-inserts the deals with a history consistent with their
status, then rebuilds the board totals of the pipelines it touched.
"""

from pipeline.services.imports.deals.creating import new_stage_plan
from pipeline.services.imports.deals.rows import DEAL_COLUMNS
from pipeline.services.imports.deals.scan import deal_import_preview
from pipeline.services.imports.deals.writing import deal_import_apply

__all__ = ["DEAL_COLUMNS", "deal_import_apply", "deal_import_preview", "new_stage_plan"]
