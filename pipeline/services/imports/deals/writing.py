"""The second pass over a deals CSV: write every deal and its history in one transaction."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from pipeline.models import Deal, Pipeline, StageChange
from pipeline.services._common import board_touch, stage_change_row
from pipeline.services.imports.common import (
    BATCH,
    Finish,
    ImportOptions,
    ImportRefused,
    ImportReport,
    Progress,
    key,
)
from pipeline.services.imports.deals.creating import create_missing
from pipeline.services.imports.deals.lookups import DealLookups, existing_keys, is_duplicate
from pipeline.services.imports.deals.rows import DealRow, deal_rows
from pipeline.services.imports.deals.scan import scan
from pipeline.services.totals import stage_totals_rebuild

_DEAL_COLUMNS = [
    "title",
    "value",
    "currency",
    "pipeline_id",
    "stage_id",
    "owner_id",
    "organization_id",
    "person_id",
    "status",
    "lost_reason_id",
    "lost_note",
    "expected_close_date",
    "created_at",
    "stage_entered_at",
    "closed_at",
    "updated_at",
    "updated_by_id",
    "external_id",
    "version",
]
_HISTORY_COLUMNS = [
    "deal_id",
    "pipeline_id",
    "from_stage_id",
    "to_stage_id",
    "from_status",
    "to_status",
    "user_id",
    "timestamp",
    "stay_started_at",
    "source",
    "lost_reason_id",
    "note",
]
# Rows per INSERT statement: 19 columns x 400 rows stays under SQLite's variable limit.
_ROWS_PER_STATEMENT = 400


def _insert_sql(table: str, columns: list[str], rows: int, returning: bool) -> str:
    ops = connection.ops
    marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {ops.quote_name(table)} ({', '.join(ops.quote_name(c) for c in columns)}) "
        f"VALUES {', '.join([marks] * rows)}"
    )
    return sql + (f" RETURNING {ops.quote_name('id')}" if returning else "")


def _copy(cursor, table: str, columns: list[str], rows: list) -> None:  # noqa: ANN001
    """PostgreSQL's COPY: the fastest way in, constraints and foreign keys still checked."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_returning_ids(cursor, params: list, rows: int) -> list[int]:  # noqa: ANN001
    """Insert `rows` deals (`params` flat, in _DEAL_COLUMNS order); their ids, in order."""
    table = Deal._meta.db_table
    if connection.vendor == "postgresql":
        # Take the ids from the table's sequence first, then COPY the rows with them.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, rows],
        )
        ids = [r[0] for r in cursor.fetchall()]
        width = len(_DEAL_COLUMNS)
        _copy(
            cursor,
            table,
            ["id", *_DEAL_COLUMNS],
            [[ids[n], *params[n * width : (n + 1) * width]] for n in range(rows)],
        )
        return ids
    cursor.execute(_insert_sql(table, _DEAL_COLUMNS, rows, True), params)
    return [r[0] for r in cursor.fetchall()]


def _history_params(row: StageChange) -> tuple:
    """A history row built by `stage_change_row`, as the values of `_HISTORY_COLUMNS` (the
    importer writes them with COPY / executemany, faster than bulk_create at 100,000 rows)."""
    values = {name: getattr(row, name) for name in _HISTORY_COLUMNS}
    adapt_dt = connection.ops.adapt_datetimefield_value
    values["timestamp"] = adapt_dt(values["timestamp"])
    values["stay_started_at"] = adapt_dt(values["stay_started_at"])
    return tuple(values.values())


def _deal_params(d: dict, actor: User) -> list:
    """One deal's values in `_DEAL_COLUMNS` order, adapted for the database."""
    ops = connection.ops
    adapt_dt, adapt_date = ops.adapt_datetimefield_value, ops.adapt_datefield_value
    return [
        d["title"],
        ops.adapt_decimalfield_value(d["value"], 14, 2),
        d["currency"],
        d["pipeline_id"],
        d["stage_id"],
        d["owner_id"],
        d["organization_id"],
        d["person_id"],
        d["status"],
        d["lost_reason_id"],
        "",
        adapt_date(d["expected_close_date"]),
        adapt_dt(d["created_at"]),
        adapt_dt(d["stage_entered_at"]),
        adapt_dt(d["closed_at"]),
        adapt_dt(d["updated_at"]),
        actor.pk,
        d["external_id"],
        1,
    ]


def _history_of(deal_id: int, d: dict, actor: User) -> list[tuple]:
    """An imported deal's history: its entry, then its closing when it is won or lost."""
    source = StageChange.Source.IMPORT.value
    opened = Deal.Status.OPEN.value
    entry = stage_change_row(
        deal_id=deal_id,
        pipeline_id=d["pipeline_id"],
        from_stage_id=None,
        to_stage_id=d["stage_id"],
        from_status="",
        to_status=opened,
        actor=actor,
        source=source,
        at=d["created_at"],
        stay_started_at=None,
    )
    rows = [_history_params(entry)]
    if d["status"] != opened:
        closed = stage_change_row(
            deal_id=deal_id,
            pipeline_id=d["pipeline_id"],
            from_stage_id=d["stage_id"],
            to_stage_id=d["stage_id"],
            from_status=opened,
            to_status=d["status"],
            actor=actor,
            source=source,
            at=d["closed_at"],
            stay_started_at=d["created_at"],  # the stay began at the entry
            lost_reason_id=d["lost_reason_id"],
        )
        rows.append(_history_params(closed))
    return rows


def _insert_deals(batch: list[dict], actor: User) -> None:
    """Multi-row INSERT … RETURNING id with values adapted once, then the history rows.

    The same statement Django's bulk_create would send (both SQLite and PostgreSQL return the
    ids in VALUES order), without its per-value preparation, which dominated the time of a
    100,000-row import; the rows are checked by the preview and by the table's constraints.
    """
    history: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(batch), _ROWS_PER_STATEMENT):
            chunk = batch[start : start + _ROWS_PER_STATEMENT]
            params: list = []
            for d in chunk:
                params += _deal_params(d, actor)
            ids = _insert_returning_ids(cursor, params, len(chunk))
            for deal_id, d in zip(ids, chunk, strict=True):
                history += _history_of(deal_id, d, actor)
        if connection.vendor == "postgresql":
            _copy(cursor, StageChange._meta.db_table, _HISTORY_COLUMNS, history)
        else:
            cursor.executemany(
                _insert_sql(StageChange._meta.db_table, _HISTORY_COLUMNS, 1, False), history
            )


def _deal_values(
    row: DealRow, lookups: DealLookups, owner: User, pipeline: Pipeline, now: datetime.datetime
) -> dict:
    """What `_insert_deals` writes for one checked row."""
    pkey = key(pipeline.name)
    stage = lookups.stages[(pkey, row.stage)] if row.stage else lookups.first_stage[pkey]
    created = row.created_at or now
    return {
        "title": row.title,
        "value": row.value,
        "currency": row.currency,
        "pipeline_id": pipeline.pk,
        "stage_id": stage.pk,
        "owner_id": owner.pk,
        "organization_id": lookups.organizations.get(row.organization)
        if row.organization
        else None,
        "person_id": lookups.person(row),
        "status": row.status,
        "lost_reason_id": lookups.lost_reasons[key(row.lost_reason)].pk
        if row.status == "lost"
        else None,
        "expected_close_date": row.expected_close_date,
        "created_at": created,
        "stage_entered_at": created,
        "closed_at": row.closed_at if row.status != "open" else None,
        "updated_at": now,
        "external_id": row.external_id or None,
    }


def deal_import_apply(
    *,
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress: Progress | None = None,
    finish: Finish | None = None,
) -> ImportReport:
    """Validate, then write every new deal in one transaction, or nothing.

    Raises ImportRefused (nothing written) when a row has a problem, or when names are
    unknown and `options.create_missing` is off. `finish(report)` runs last inside the
    transaction (the import job marks itself done there, so rows and status commit together).
    """
    report, new_people = scan(source, actor, options, progress)
    if not report.can_apply(options.create_missing):
        raise ImportRefused(report)
    with transaction.atomic():
        lookups = DealLookups(options.matches)
        if report.unknown:
            create_missing(report, lookups, new_people, options.new_stages, actor)
            lookups = DealLookups(options.matches)
        external, titled = existing_keys(actor)
        now = timezone.now()
        touched: set[int] = set()
        batch: list[dict] = []
        inserted = 0

        def flush() -> None:
            nonlocal inserted
            _insert_deals(batch, actor)
            inserted += len(batch)
            batch.clear()
            if progress:
                progress("importing", inserted)

        for row, _cells, _index in deal_rows(source, options, ImportReport()):
            if row is None:
                continue
            owner = lookups.users.find(row.owner) if row.owner else actor
            if is_duplicate(row, external, titled, owner.pk if owner else None):
                continue
            pipeline = lookups.pipelines.get(row.pipeline) if row.pipeline else None
            pipeline = pipeline or lookups.default_pipeline
            # The scan refused the file unless every owner and pipeline named now exists.
            assert owner is not None and pipeline is not None
            batch.append(_deal_values(row, lookups, owner, pipeline, now))
            touched.add(pipeline.pk)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        for pipeline in Pipeline.objects.filter(pk__in=touched):
            stage_totals_rebuild(pipeline=pipeline)
            board_touch(pipeline.pk)
        report.created["deals"] = inserted
        report.applied = True
        if finish:
            finish(report)
    return report
