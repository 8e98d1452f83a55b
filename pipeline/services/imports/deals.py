"""Importing deals from CSV: validate every row first, then write all or nothing.

Two streamed passes over the file keep memory flat whatever its size: the first checks every
row and collects unknown names and duplicates (the preview); the second, in one transaction,
creates what is missing and bulk-inserts the deals with a history consistent with their
status, then rebuilds the board totals of the pipelines it touched.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from pipeline.models import Deal, LostReason, Organization, Person, Pipeline, Stage, StageChange
from pipeline.selectors.visibility import deal_list_visible, owner_ids_editable
from pipeline.services._common import board_touch, stage_change_row
from pipeline.services.imports.common import (
    BATCH,
    Finish,
    ImportOptions,
    ImportRefused,
    ImportReport,
    Progress,
    UserLookup,
    cell,
    column_index,
    key,
    refuse_controls,
    refuse_too_long,
    row_problem,
)
from pipeline.services.imports.csvfiles import (
    AmbiguousDate,
    NonAsciiDigits,
    csv_detect,
    csv_rows,
    parse_date,
    parse_datetime,
    parse_decimal,
    slashed_date_order,
)
from pipeline.services.stages import stage_reorder
from pipeline.services.totals import stage_totals_rebuild
from shared.currencies import currency_codes_enabled
from shared.numbers import non_ascii_digits_message
from shared.validation import is_id

DEAL_COLUMNS = [
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
MAX_VALUE = Decimal("1e12")
# What each name column holds (pipeline/models.py); longer values are row problems.
_LIMITS = {"pipeline": 100, "stage": 100, "lost_reason": 100, "organization": 200}
_LIMITS |= {"person": 200, "person_email": 254, "external_id": 100}
_STATUSES = frozenset(Deal.Status.values)
# The status codes a file uses, put into messages as values so translations keep them literal.
_STATUS_CODES = {"open": "open", "won": "won", "lost": "lost"}
_CENT = Decimal("0.01")


@dataclass
class _Row:
    line: int
    title: str
    value: Decimal
    currency: str
    pipeline: str  # key of the pipeline name
    stage: str  # key of the stage name
    status: str
    owner: str
    organization: str
    person: str
    person_email: str
    expected_close_date: datetime.date | None
    created_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    lost_reason: str
    external_id: str


class _Lookups:
    """Names in the database, keyed case-insensitively; rebuilt after creating missing ones."""

    def __init__(self, matches: dict[str, dict[str, str]] | None = None) -> None:
        self.pipelines = {key(p.name): p for p in Pipeline.objects.all()}
        self.default_pipeline = next(iter(self.pipelines.values()), None)
        self.stages: dict[tuple[str, str], Stage] = {}
        self.first_stage: dict[str, Stage] = {}
        for stage in Stage.objects.select_related("pipeline").order_by("pipeline", "position"):
            pkey = key(stage.pipeline.name)
            self.stages.setdefault((pkey, key(stage.name)), stage)
            if stage.is_active:
                self.first_stage.setdefault(pkey, stage)
        self.lost_reasons = {key(r.name): r for r in LostReason.objects.all()}
        self.organizations: dict[str, int] = {}
        for org_id, name in Organization.objects.values_list("id", "name").order_by("id"):
            self.organizations.setdefault(key(name), org_id)
        self.people_by_email: dict[str, int] = {}
        self.people_by_name: dict[tuple[str, int | None], int] = {}
        for pid, name, email, org_id in Person.objects.values_list(
            "id", "name", "email", "organization_id"
        ).order_by("id"):
            if email:
                self.people_by_email.setdefault(email.casefold(), pid)
            self.people_by_name.setdefault((key(name), org_id), pid)
        self.users = UserLookup()
        if matches:
            self._apply_matches(matches)

    def _apply_matches(self, matches: dict[str, dict[str, str]]) -> None:
        """Names the user matched to existing records in the preview ("Alex R." → alex)."""

        def ids(kind: str) -> dict[str, int]:
            out = {}
            for name, raw in (matches.get(kind) or {}).items():
                if is_id(raw):
                    out[name] = int(raw)
            return out

        users = User.objects.in_bulk(list(ids("owners").values()))
        for name, pk in ids("owners").items():
            if pk in users:
                self.users.by_key[key(name)] = users[pk]
        stages = Stage.objects.in_bulk(list(ids("stages").values()))
        for label, pk in ids("stages").items():
            pipe, _sep, stage = label.rpartition(" / ")
            pipeline = self.pipelines.get(key(pipe))
            # A stage can only stand for a stage of the same pipeline.
            if pk in stages and pipeline and stages[pk].pipeline_id == pipeline.pk:
                self.stages[(key(pipe), key(stage))] = stages[pk]
        reasons = LostReason.objects.in_bulk(list(ids("lost_reasons").values()))
        for name, pk in ids("lost_reasons").items():
            if pk in reasons:
                self.lost_reasons[key(name)] = reasons[pk]
        orgs = set(
            Organization.objects.filter(pk__in=ids("organizations").values()).values_list(
                "pk", flat=True
            )
        )
        for name, pk in ids("organizations").items():
            if pk in orgs:
                self.organizations[key(name)] = pk

    def person(self, row: _Row) -> int | None:
        if row.person_email and row.person_email.casefold() in self.people_by_email:
            return self.people_by_email[row.person_email.casefold()]
        if row.person:
            org_id = self.organizations.get(row.organization) if row.organization else None
            return self.people_by_name.get((key(row.person), org_id))
        return None


def _existing_keys(actor: User) -> tuple[set[tuple[int, str]], dict[tuple[str, str], set[str]]]:
    """Only the deals the importing user may see: a row never reports a hidden deal as
    "already imported" (issue 15). External ids are unique per owner, and every owner a row
    may name is one whose deals the user sees, so the per-owner check stays complete."""
    visible = deal_list_visible(actor)
    external = set(
        visible.exclude(external_id=None).values_list("owner_id", "external_id").iterator()
    )
    titled: dict[tuple[str, str], set[str]] = {}
    for title, org_name, created in visible.values_list(
        "title", "organization__name", "created_at"
    ).iterator(chunk_size=5000):
        titled.setdefault((key(title), key(org_name or "")), set()).add(created.isoformat())
    return external, titled


def _is_duplicate(
    row: _Row,
    external: set[tuple[int, str]],
    titled: dict[tuple[str, str], set[str]],
    owner_id: int | None,
) -> bool:
    """A stable external id (per owner), else title + organization + first-contact time (any
    time when the file has none). Marks the row as seen, so a repeated row counts once."""
    if row.external_id:
        if (owner_id, row.external_id) in external:
            return True
        external.add((owner_id, row.external_id))  # type: ignore[arg-type]
        return False
    created = row.created_at.isoformat() if row.created_at else ""
    seen = titled.setdefault((key(row.title), row.organization), set())
    if (created and created in seen) or (not created and seen):
        return True
    seen.add(created or "-")
    return False


def _parse(
    line: int,
    cells: list[str],
    index: dict[str, int],
    options: ImportOptions,
    report: ImportReport,
    currencies: list[str],
) -> _Row | None:
    problems = report.problem_count

    def bad(column: str, message: str) -> None:
        report.problem(line, column, message)

    refuse_controls(line, cells, index, report)
    refuse_too_long(line, cells, index, report, _LIMITS)

    title = cell(cells, index, "title")
    if not title:
        bad("title", _("A deal needs a title."))
    elif len(title) > 200:
        bad("title", _("The title is longer than 200 characters."))

    value = Decimal("0")
    raw = cell(cells, index, "value")
    if raw:
        try:
            value = parse_decimal(raw, options.number_format)
        except NonAsciiDigits:
            bad("value", non_ascii_digits_message(raw))
        except ValueError:
            example = "1,234.50" if options.number_format == "point" else "1 234,50"
            bad("value", _("%(raw)s is not a number like %(ex)s.") % {"raw": raw, "ex": example})
        else:
            if value < 0:
                bad("value", _("The value cannot be negative."))
            elif value >= MAX_VALUE:
                bad("value", _("The value is too large."))
            elif value != value.quantize(_CENT):
                bad("value", _("The value has more than two decimals."))

    currency = (cell(cells, index, "currency") or settings.DEFAULT_CURRENCY).upper()
    if len(currency) != 3 or not currency.isalpha():
        bad("currency", _("%(raw)s is not a three-letter currency code.") % {"raw": currency})
    elif currency not in currencies:
        bad(
            "currency",
            _(
                "%(code)s is not one of the company's currencies (%(enabled)s): an admin can "
                "enable it under Settings → Currencies, then import again."
            )
            % {"code": currency, "enabled": ", ".join(currencies)},
        )

    status = key(cell(cells, index, "status") or "open")
    if status not in _STATUSES:
        bad(
            "status",
            # Translators: %(open)s, %(won)s and %(lost)s are the codes the file must contain
            # ("open", "won", "lost"); they stay in English whatever the language.
            _("Unknown status %(raw)s; use %(open)s, %(won)s or %(lost)s.")
            % {"raw": cell(cells, index, "status"), **_STATUS_CODES},
        )

    def when(column: str, date_only: bool = False):  # noqa: ANN202
        raw = cell(cells, index, column)
        if not raw:
            return None
        seen = slashed_date_order(raw)
        if seen:
            report.date_orders[seen] = report.date_orders.get(seen, 0) + 1
        try:
            if date_only:
                return parse_date(raw, options.date_format)
            return parse_datetime(raw, options.date_format)
        except AmbiguousDate:
            return None  # the report asks for the order (date_order_needed)
        except ValueError:
            if seen and options.date_format:
                order = _("day/month/year") if options.date_format == "dmy" else _("month/day/year")
                bad(
                    column,
                    _("%(raw)s is not a date when read as %(order)s, as chosen.")
                    % {"raw": raw, "order": order},
                )
            else:
                bad(
                    column,
                    _("%(raw)s is not a date like 2024-03-31, 31.03.2024 or 31/03/2024.")
                    % {"raw": raw},
                )
            return None

    expected = when("expected_close_date", date_only=True)
    created = when("created_at")
    closed = when("closed_at")
    lost_reason = cell(cells, index, "lost_reason")
    if status in ("won", "lost") and closed is None and not cell(cells, index, "closed_at"):
        bad(
            "closed_at",
            # Translators: %(status)s is the file's status code, "won" or "lost", kept as is.
            _("A deal with status %(status)s needs its closing date.") % {"status": status},
        )
    if status == "open" and closed is not None:
        bad(
            "closed_at",
            # Translators: %(won)s and %(lost)s are the status codes "won" and "lost" of the
            # file; they stay in English whatever the language.
            _("An open deal has no closing date; set its status to %(won)s or %(lost)s.")
            % _STATUS_CODES,
        )
    if status == "lost" and not lost_reason:
        bad("lost_reason", _("A lost deal needs a lost reason."))
    if closed and created and closed < created:
        bad("closed_at", _("The deal closes before it was created."))

    external_id = cell(cells, index, "external_id")
    if len(external_id) > 100:
        bad("external_id", _("The external id is longer than 100 characters."))

    if report.problem_count > problems:
        return None
    return _Row(
        line=line,
        title=title,
        value=value.quantize(_CENT),
        currency=currency,
        pipeline=key(cell(cells, index, "pipeline") or options.pipeline or ""),
        stage=key(cell(cells, index, "stage")),
        status=status,
        owner=cell(cells, index, "owner"),
        organization=key(cell(cells, index, "organization")),
        person=cell(cells, index, "person"),
        person_email=cell(cells, index, "person_email"),
        expected_close_date=expected,
        created_at=created,
        closed_at=closed,
        lost_reason=lost_reason,
        external_id=external_id,
    )


def _rows(
    source: str | Path | BinaryIO, options: ImportOptions, report: ImportReport
) -> Iterator[tuple[_Row | None, list[str], dict[str, int]]]:
    fmt = csv_detect(source)
    index = column_index(fmt.header, DEAL_COLUMNS, options.mapping, "deals")
    if "title" not in index:
        report.problem(1, "title", _("No column is mapped to the deal title."))
        return
    currencies = currency_codes_enabled()
    for line, cells in csv_rows(source, fmt, row_problem(report)):
        yield _parse(line, cells, index, options, report, currencies), cells, index


def _check_names(
    row: _Row,
    cells: list[str],
    index: dict[str, int],
    lookups: _Lookups,
    unknown: dict[str, set[str]],
    report: ImportReport,
    editable: list[int] | None,
    actor: User,
    new_people: dict[tuple[str, str], tuple[str, str, str]],
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
    if row.owner:
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
    if row.lost_reason and key(row.lost_reason) not in lookups.lost_reasons:
        unknown["lost_reasons"].add(row.lost_reason)


def _scan(
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress: Progress | None,
) -> tuple[ImportReport, dict[tuple[str, str], tuple[str, str, str]]]:
    report = ImportReport()
    lookups = _Lookups(options.matches)
    external, titled = _existing_keys(actor)
    unknown: dict[str, set[str]] = {
        k: set()
        for k in ("pipelines", "stages", "owners", "organizations", "people", "lost_reasons")
    }
    new_people: dict[tuple[str, str], tuple[str, str, str]] = {}
    stage_stats: dict[str, dict[str, int]] = {}
    editable = owner_ids_editable(actor)
    for row, cells, index in _rows(source, options, report):
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
                if _is_duplicate(row, external, titled, owner.pk if owner else None):
                    report.duplicates += 1
                else:
                    report.to_create += 1
        if progress and report.rows % BATCH == 0:
            progress("checking", report.rows)
    report.unknown = {k: sorted(v, key=str.casefold) for k, v in unknown.items() if v}
    orders = report.date_orders
    report.date_order_needed = not options.date_format and bool(
        orders.get("ambiguous") or (orders.get("dmy") and orders.get("mdy"))
    )
    report.stage_stats = {
        label: counts for label, counts in stage_stats.items() if label in unknown["stages"]
    }
    return report, new_people


def deal_import_preview(
    *,
    source: str | Path | BinaryIO,
    actor: User,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row and say what applying would do. Writes nothing."""
    return _scan(source, actor, options, progress)[0]


def new_stage_plan(
    *, report: ImportReport, chosen: dict[str, dict[str, int]] | None = None
) -> dict[str, dict[str, int]]:
    """Where each stage the import creates goes, and its win probability:
    "Pipeline / Stage" -> {"order": 1.., "probability": 0..100}.

    Unless the user chose otherwise in the preview, the file's history orders them: a stage
    whose closed deals were won more often comes later (won deals sit in the last stages,
    deals lost early in the first), and between equals the one holding more deals comes first
    (a funnel narrows). Probabilities are spread evenly from the pipeline's last existing
    stage up to 100 %, so the weighted forecast is sensible until someone tunes them."""
    chosen = chosen or {}
    by_pipeline: dict[str, list[str]] = {}
    for label in report.unknown.get("stages", []):
        by_pipeline.setdefault(label.rpartition(" / ")[0], []).append(label)
    tops = {
        key(name): top or 0
        for name, top in Pipeline.objects.annotate(top=Max("stages__win_probability")).values_list(
            "name", "top"
        )
    }
    plan: dict[str, dict[str, int]] = {}
    for pipe_name, labels in by_pipeline.items():

        def history(label: str) -> tuple[float, int]:
            counts = report.stage_stats.get(label, {})
            won, lost = counts.get("won", 0), counts.get("lost", 0)
            rate = won / (won + lost) if won + lost else 0.0
            return rate, -sum(counts.values())

        suggested = sorted(labels, key=lambda label: (*history(label), label.casefold()))
        base = min(tops.get(key(pipe_name), 0), 99)
        ordered = sorted(
            suggested,
            key=lambda label: chosen.get(label, {}).get("order", suggested.index(label) + 1),
        )
        for n, label in enumerate(ordered):
            spread = base + round((n + 1) * (100 - base) / (len(ordered) + 1))
            probability = chosen.get(label, {}).get("probability", spread)
            plan[label] = {"order": n + 1, "probability": max(0, min(int(probability), 100))}
            if "after" in chosen.get(label, {}):
                # An existing stage's id, or 0 for the start (chosen in the preview).
                plan[label]["after"] = int(chosen[label]["after"])
    return plan


def _place_new_stages(pipeline_id: int, placed: list[tuple[Stage, int]], actor: User) -> None:
    """Move new stages from the end of an existing pipeline to where the preview put them
    (after an existing stage, or 0: at the start), through the one reorder service, which
    only admins may use (the preview offers the choice to them only)."""
    if not actor.is_admin:
        return
    placed_ids = {stage.pk for stage, _after in placed}
    order = list(
        Stage.objects.filter(pipeline_id=pipeline_id, is_active=True)
        .exclude(pk__in=placed_ids)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    # Inserted last to first right after their anchor, so stages sharing one keep their order.
    for stage, after in reversed(placed):
        index = 0 if after == 0 else (order.index(after) + 1 if after in order else len(order))
        order.insert(index, stage.pk)
    stage_reorder(pipeline=Pipeline(pk=pipeline_id), stage_ids=order, actor=actor)


def _create_missing(
    report: ImportReport,
    lookups: _Lookups,
    new_people: dict[tuple[str, str], tuple[str, str, str]],
    new_stages: dict[str, dict[str, int]],
    actor: User,
) -> None:
    """Create what the preview listed as unknown, in the order names depend on each other."""
    created = report.created
    now = timezone.now()
    # Pipelines and stages: "Pipeline / Stage" pairs, new stages at the end of the pipeline.
    pipe_names = report.unknown.get("pipelines", [])
    position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    for offset, name in enumerate(pipe_names):
        Pipeline.objects.create(name=name, position=position + offset)
    created["pipelines"] = len(pipe_names)
    pipelines = {key(p.name): p for p in Pipeline.objects.all()}
    stage_count = 0
    plan = new_stage_plan(report=report, chosen=new_stages)
    placed: dict[int, list[tuple[Stage, int]]] = {}
    for label in sorted(plan, key=lambda label: plan[label]["order"]):
        pipe_name, _sep, stage_name = label.rpartition(" / ")
        pipeline = pipelines[key(pipe_name)]
        top = pipeline.stages.aggregate(m=Max("position"))["m"]
        stage = Stage.objects.create(
            pipeline=pipeline,
            name=stage_name,
            position=0 if top is None else top + 1,
            win_probability=plan[label]["probability"],
        )
        if "after" in plan[label]:
            placed.setdefault(pipeline.pk, []).append((stage, plan[label]["after"]))
        stage_count += 1
    for pipeline_id, stages in placed.items():
        _place_new_stages(pipeline_id, stages, actor)
    created["stages"] = stage_count
    for name in report.unknown.get("lost_reasons", []):
        LostReason.objects.create(name=name)
    created["lost_reasons"] = len(report.unknown.get("lost_reasons", []))
    for name in report.unknown.get("owners", []):
        lookups.users.create(name)
    created["owners"] = len(report.unknown.get("owners", []))
    orgs = [
        Organization(name=name, created_at=now, updated_at=now)
        for name in report.unknown.get("organizations", [])
    ]
    Organization.objects.bulk_create(orgs, batch_size=BATCH)
    created["organizations"] = len(orgs)
    if new_people:
        org_ids = {key(n): i for i, n in Organization.objects.values_list("id", "name")}
        people = [
            Person(
                name=name,
                email=email.lower(),
                organization_id=org_ids.get(org) if org else None,
                created_at=now,
                updated_at=now,
            )
            for name, email, org in new_people.values()
        ]
        Person.objects.bulk_create(people, batch_size=BATCH)
        created["people"] = len(people)


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


def _insert_deals(batch: list[dict], actor: User) -> None:
    """Multi-row INSERT … RETURNING id with values adapted once, then the history rows.

    The same statement Django's bulk_create would send (both SQLite and PostgreSQL return the
    ids in VALUES order), without its per-value preparation, which dominated the time of a
    100,000-row import; the rows are checked by the preview and by the table's constraints.
    """
    ops = connection.ops
    adapt_dt, adapt_date = ops.adapt_datetimefield_value, ops.adapt_datefield_value
    source = StageChange.Source.IMPORT.value
    opened = Deal.Status.OPEN.value
    history: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(batch), _ROWS_PER_STATEMENT):
            chunk = batch[start : start + _ROWS_PER_STATEMENT]
            params: list = []
            for d in chunk:
                params += [
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
            ids = _insert_returning_ids(cursor, params, len(chunk))
            for deal_id, d in zip(ids, chunk, strict=True):
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
                history.append(_history_params(entry))
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
                    history.append(_history_params(closed))
        if connection.vendor == "postgresql":
            _copy(cursor, StageChange._meta.db_table, _HISTORY_COLUMNS, history)
        else:
            cursor.executemany(
                _insert_sql(StageChange._meta.db_table, _HISTORY_COLUMNS, 1, False), history
            )


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
    report, new_people = _scan(source, actor, options, progress)
    if not report.can_apply(options.create_missing):
        raise ImportRefused(report)
    with transaction.atomic():
        lookups = _Lookups(options.matches)
        if report.unknown:
            _create_missing(report, lookups, new_people, options.new_stages, actor)
            lookups = _Lookups(options.matches)
        external, titled = _existing_keys(actor)
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

        for row, _cells, _index in _rows(source, options, ImportReport()):
            if row is None:
                continue
            owner = lookups.users.find(row.owner) if row.owner else actor
            if _is_duplicate(row, external, titled, owner.pk if owner else None):
                continue
            pipeline = lookups.pipelines.get(row.pipeline) if row.pipeline else None
            pipeline = pipeline or lookups.default_pipeline
            pkey = key(pipeline.name)
            stage = lookups.stages[(pkey, row.stage)] if row.stage else lookups.first_stage[pkey]
            created = row.created_at or now
            batch.append(
                {
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
            )
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
