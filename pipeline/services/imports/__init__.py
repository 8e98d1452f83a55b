"""CSV imports of deals, people and organizations (preview, then all-or-nothing apply)."""

from pipeline.services.imports.common import ImportOptions, ImportRefused, ImportReport
from pipeline.services.imports.contacts import (
    ORGANIZATION_COLUMNS,
    PERSON_COLUMNS,
    organization_import_apply,
    organization_import_preview,
    person_import_apply,
    person_import_preview,
)
from pipeline.services.imports.deals import DEAL_COLUMNS, deal_import_apply, deal_import_preview

# kind -> (columns, preview, apply): what the UI and the Celery task dispatch on.
IMPORTERS = {
    "deals": (DEAL_COLUMNS, deal_import_preview, deal_import_apply),
    "people": (PERSON_COLUMNS, person_import_preview, person_import_apply),
    "organizations": (ORGANIZATION_COLUMNS, organization_import_preview, organization_import_apply),
}

__all__ = [
    "DEAL_COLUMNS",
    "IMPORTERS",
    "ORGANIZATION_COLUMNS",
    "PERSON_COLUMNS",
    "organization_import_apply",
    "organization_import_preview",
    "person_import_apply",
    "person_import_preview",
    "ImportOptions",
    "ImportRefused",
    "ImportReport",
    "deal_import_apply",
    "deal_import_preview",
]
