"""Rows for CSV/XLSX exports, from querysets the caller already scoped by visibility.

Deal columns are exactly the importer's (pipeline.services.imports.DEAL_COLUMNS), so an export
re-imports as the same deals, stages, statuses and values.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import QuerySet

from pipeline.models import Activity, Deal, Organization, Person
from shared.spreadsheets import safe_cell

DEAL_EXPORT_COLUMNS = [
    "title",
    "value",
    "currency",
    "pipeline",
    "stage",
    "status",
    "owner",
    "organization",
    "person",
    "person_email",
    "expected_close_date",
    "created_at",
    "closed_at",
    "lost_reason",
    "external_id",
]
PERSON_EXPORT_COLUMNS = [
    "name",
    "email",
    "phone",
    "job_title",
    "organization",
    "owner",
    "is_decision_maker",
    "notes",
]
ORGANIZATION_EXPORT_COLUMNS = ["name", "website", "industry", "address", "owner", "notes"]
ACTIVITY_EXPORT_COLUMNS = [
    "type",
    "subject",
    "due_date",
    "due_time",
    "duration_minutes",
    "done_at",
    "deal",
    "person",
    "organization",
    "owner",
    "note",
]


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, (datetime.date, datetime.time, Decimal, int)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return safe_cell(value)


def deal_export_rows(queryset: QuerySet[Deal]) -> Iterator[list[str]]:
    deals = queryset.select_related(
        "pipeline", "stage", "owner", "organization", "person", "lost_reason"
    ).order_by("pipeline_id", "created_at", "id")
    for d in deals.iterator(chunk_size=2000):
        yield [
            text(d.title),
            str(d.value),
            d.currency,
            text(d.pipeline.name),
            text(d.stage.name),
            d.status,
            text(d.owner.username),
            text(d.organization.name if d.organization else ""),
            text(d.person.name if d.person else ""),
            text(d.person.email if d.person else ""),
            text(d.expected_close_date),
            text(d.created_at),
            text(d.closed_at),
            text(d.lost_reason.name if d.lost_reason else ""),
            text(d.external_id),
        ]


def person_export_rows(queryset: QuerySet[Person]) -> Iterator[list[str]]:
    for p in (
        queryset.select_related("organization", "owner")
        .order_by("name", "id")
        .iterator(chunk_size=2000)
    ):
        yield [
            text(p.name),
            text(p.email),
            text(p.phone),
            text(p.job_title),
            text(p.organization.name if p.organization else ""),
            text(p.owner.username if p.owner else ""),
            "yes" if p.is_decision_maker else "no",
            text(p.notes),
        ]


def organization_export_rows(queryset: QuerySet[Organization]) -> Iterator[list[str]]:
    for o in queryset.select_related("owner").order_by("name", "id").iterator(chunk_size=2000):
        yield [
            text(o.name),
            text(o.website),
            text(o.industry),
            text(o.address),
            text(o.owner.username if o.owner else ""),
            text(o.notes),
        ]


def activity_export_rows(queryset: QuerySet[Activity]) -> Iterator[list[str]]:
    activities = queryset.select_related("deal", "person", "organization", "owner").order_by(
        "due_date", "id"
    )
    for a in activities.iterator(chunk_size=2000):
        yield [
            a.type,
            text(a.subject),
            text(a.due_date),
            text(a.due_time),
            text(a.duration_minutes),
            text(a.done_at),
            text(a.deal.title if a.deal else ""),
            text(a.person.name if a.person else ""),
            text(a.organization.name if a.organization else ""),
            text(a.owner.username),
            text(a.note),
        ]
