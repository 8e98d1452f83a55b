"""The first pass over a deals CSV: check every row, collect unknown names (the preview)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.selectors.visibility import owner_ids_editable
from pipeline.services.imports.common import BATCH, ImportOptions, ImportReport, Progress, cell, key
from pipeline.services.imports.deals.lookups import DealLookups, existing_keys, is_duplicate
from pipeline.services.imports.deals.rows import DealRow, deal_rows


def _check_pipeline_and_stage(
    row: DealRow,
    cells: list[str],
    index: dict[str, int],
    lookups: DealLookups,
    unknown: dict[str, set[str]],
    report: ImportReport,
    options_pipeline: str,
    stage_stats: dict[str, dict[str, int]],
) -> None:
    pipeline_key = row.pipeline or (
        key(lookups.default_pipeline.name) if lookups.default_pipeline else ""
    )
    known = lookups.pipelines.get(pipeline_key)
    pipeline_name = known.name if known else (cell(cells, index, "pipeline") or options_pipeline)
    if not pipeline_key:
        report.problem(row.line, "pipeline", _("Name the pipeline (column or --pipeline)."))
    elif pipeline_key not in lookups.pipelines:
        unknown["pipelines"].add(pipeline_name)
    if row.stage:
        stage = lookups.stages.get((pipeline_key, row.stage))
        if stage is None:
            label = f"{pipeline_name or pipeline_key} / {cell(cells, index, 'stage')}"
            unknown["stages"].add(label)
            counts = stage_stats.setdefault(label, {})
            counts[row.status] = counts.get(row.status, 0) + 1
        elif not stage.is_active and row.status == "open":
            report.problem(
                row.line,
                "stage",
                _("%(stage)s is archived; open deals cannot be put there.") % {"stage": stage},
            )
    elif pipeline_key in lookups.pipelines and pipeline_key not in lookups.first_stage:
        report.problem(row.line, "stage", _("The pipeline has no active stage."))
    elif pipeline_key not in lookups.pipelines:
        report.problem(row.line, "stage", _("Name the stage of a new pipeline."))


def _check_owner(
    row: DealRow,
    lookups: DealLookups,
    unknown: dict[str, set[str]],
    report: ImportReport,
    editable: list[int] | None,
    actor: User,
) -> None:
    owner = lookups.users.find(row.owner)
    if owner is None:
        if actor.is_admin:
            unknown["owners"].add(row.owner)
        else:
            report.problem(
                row.line,
                "owner",
                _("No user %(name)s; an admin must add them first.") % {"name": row.owner},
            )
    elif editable is not None and owner.pk not in editable:
        report.problem(
            row.line,
            "owner",
            _("You cannot import deals for %(owner)s.") % {"owner": owner},
        )
    elif not owner.is_active:
        report.problem(
            row.line,
            "owner",
            _("%(owner)s is deactivated and cannot own deals.") % {"owner": owner},
        )


def _check_contacts(
    row: DealRow,
    cells: list[str],
    index: dict[str, int],
    lookups: DealLookups,
    unknown: dict[str, set[str]],
    new_people: dict[tuple[str, str], tuple[str, str, str]],
) -> None:
    if row.organization and row.organization not in lookups.organizations:
        unknown["organizations"].add(cell(cells, index, "organization"))
    if (row.person or row.person_email) and lookups.person(row) is None:
        label = row.person or row.person_email
        if row.person and row.person_email:
            label = f"{row.person} <{row.person_email}>"
        unknown["people"].add(label)
        ident = (
            (row.person_email.casefold(), "")
            if row.person_email
            else (key(row.person), row.organization)
        )
        new_people.setdefault(
            ident, (row.person or row.person_email, row.person_email, row.organization)
        )


def _check_names(
    row: DealRow,
    cells: list[str],
    index: dict[str, int],
    lookups: DealLookups,
    unknown: dict[str, set[str]],
    report: ImportReport,
    editable: list[int] | None,
    actor: User,
    new_people: dict[tuple[str, str], tuple[str, str, str]],
    options_pipeline: str,
    stage_stats: dict[str, dict[str, int]],
) -> None:
    _check_pipeline_and_stage(
        row, cells, index, lookups, unknown, report, options_pipeline, stage_stats
    )
    if row.owner:
        _check_owner(row, lookups, unknown, report, editable, actor)
    _check_contacts(row, cells, index, lookups, unknown, new_people)
    if row.lost_reason and key(row.lost_reason) not in lookups.lost_reasons:
        unknown["lost_reasons"].add(row.lost_reason)


def _summarize(
    report: ImportReport,
    unknown: dict[str, set[str]],
    stage_stats: dict[str, dict[str, int]],
    options: ImportOptions,
) -> None:
    """What the preview shows once every row is read: unknown names, date order, stage history."""
    report.unknown = {k: sorted(v, key=str.casefold) for k, v in unknown.items() if v}
    orders = report.date_orders
    report.date_order_needed = not options.date_format and bool(
        orders.get("ambiguous") or (orders.get("dmy") and orders.get("mdy"))
    )
    report.stage_stats = {
        label: counts for label, counts in stage_stats.items() if label in unknown["stages"]
    }


def scan(
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress: Progress | None,
) -> tuple[ImportReport, dict[tuple[str, str], tuple[str, str, str]]]:
    report = ImportReport()
    lookups = DealLookups(options.matches)
    external, titled = existing_keys(actor)
    unknown: dict[str, set[str]] = {
        k: set()
        for k in ("pipelines", "stages", "owners", "organizations", "people", "lost_reasons")
    }
    new_people: dict[tuple[str, str], tuple[str, str, str]] = {}
    stage_stats: dict[str, dict[str, int]] = {}
    editable = owner_ids_editable(actor)
    for row, cells, index in deal_rows(source, options, report):
        report.rows += 1
        if row is not None:
            before = report.problem_count
            _check_names(
                row,
                cells,
                index,
                lookups,
                unknown,
                report,
                editable,
                actor,
                new_people,
                options.pipeline or "",
                stage_stats,
            )
            if report.problem_count == before:
                report.valid += 1
                owner = lookups.users.find(row.owner) if row.owner else actor
                if is_duplicate(row, external, titled, owner.pk if owner else None):
                    report.duplicates += 1
                else:
                    report.to_create += 1
        if progress and report.rows % BATCH == 0:
            progress("checking", report.rows)
    _summarize(report, unknown, stage_stats, options)
    return report, new_people


def deal_import_preview(
    *,
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row and say what applying would do. Writes nothing."""
    return scan(source, actor, options, progress)[0]
