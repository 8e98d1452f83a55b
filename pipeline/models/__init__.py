"""The sales domain's data, one module per domain: deals and stages, contacts, activities,
leads, goals, imports and integrations.

Rules that change state live in `pipeline/services/`; these classes hold data and the
constraints the database itself can enforce. Every model is importable from here
(`from pipeline.models import Deal`), as Django expects of an app's models.
"""

from pipeline.models._common import MONEY, MONEY_TOTAL, default_currency
from pipeline.models.activities import Activity, CalendarFeed, ReminderSent
from pipeline.models.contacts import Note, Organization, Person
from pipeline.models.deals import (
    BoardVersion,
    Deal,
    LostReason,
    Pipeline,
    Stage,
    StageChange,
    StageTotal,
)
from pipeline.models.goals import Goal
from pipeline.models.imports import ImportJob
from pipeline.models.integrations import Webhook, WebhookDelivery
from pipeline.models.leads import Lead

__all__ = [
    "MONEY",
    "MONEY_TOTAL",
    "Activity",
    "BoardVersion",
    "CalendarFeed",
    "Deal",
    "Goal",
    "ImportJob",
    "Lead",
    "LostReason",
    "Note",
    "Organization",
    "Person",
    "Pipeline",
    "ReminderSent",
    "Stage",
    "StageChange",
    "StageTotal",
    "Webhook",
    "WebhookDelivery",
    "default_currency",
]
