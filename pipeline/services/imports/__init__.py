"""CSV imports of deals, people and organizations (preview, then all-or-nothing apply)."""

from pipeline.services.imports.common import ImportOptions, ImportRefused, ImportReport
from pipeline.services.imports.deals import DEAL_COLUMNS, deal_import_apply, deal_import_preview

__all__ = [
    "DEAL_COLUMNS",
    "ImportOptions",
    "ImportRefused",
    "ImportReport",
    "deal_import_apply",
    "deal_import_preview",
]
