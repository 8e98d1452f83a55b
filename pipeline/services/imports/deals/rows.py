"""Reading the rows of a deals CSV: each row parsed and checked on its own."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

from pipeline.models import Deal
from pipeline.services.imports.common import (
    ImportOptions,
    ImportReport,
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
from shared.currencies import currency_codes_enabled
from shared.numbers import non_ascii_digits_message

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
_T = TypeVar("_T")


@dataclass
class DealRow:
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


class _RowReader:
    """One row's cells, read column by column; each problem goes into the report."""

    def __init__(
        self,
        line: int,
        cells: list[str],
        index: dict[str, int],
        options: ImportOptions,
        report: ImportReport,
    ) -> None:
        self.line, self.cells, self.index = line, cells, index
        self.options, self.report = options, report

    def cell(self, column: str) -> str:
        return cell(self.cells, self.index, column)

    def bad(self, column: str, message: str) -> None:
        self.report.problem(self.line, column, message)

    def title(self) -> str:
        title = self.cell("title")
        if not title:
            self.bad("title", _("A deal needs a title."))
        elif len(title) > 200:
            self.bad("title", _("The title is longer than 200 characters."))
        return title

    def value(self) -> Decimal:
        raw = self.cell("value")
        if not raw:
            return Decimal("0")
        try:
            value = parse_decimal(raw, self.options.number_format)
        except NonAsciiDigits:
            self.bad("value", non_ascii_digits_message(raw))
            return Decimal("0")
        except ValueError:
            example = "1,234.50" if self.options.number_format == "point" else "1 234,50"
            self.bad(
                "value", _("%(raw)s is not a number like %(ex)s.") % {"raw": raw, "ex": example}
            )
            return Decimal("0")
        if value < 0:
            self.bad("value", _("The value cannot be negative."))
        elif value >= MAX_VALUE:
            self.bad("value", _("The value is too large."))
        elif value != value.quantize(_CENT):
            self.bad("value", _("The value has more than two decimals."))
        return value

    def currency(self, currencies: list[str]) -> str:
        currency = (self.cell("currency") or settings.DEFAULT_CURRENCY).upper()
        if len(currency) != 3 or not currency.isalpha():
            self.bad(
                "currency", _("%(raw)s is not a three-letter currency code.") % {"raw": currency}
            )
        elif currency not in currencies:
            self.bad(
                "currency",
                _(
                    "%(code)s is not one of the company's currencies (%(enabled)s): an admin can "
                    "enable it under Settings → Currencies, then import again."
                )
                % {"code": currency, "enabled": ", ".join(currencies)},
            )
        return currency

    def status(self) -> str:
        status = key(self.cell("status") or "open")
        if status not in _STATUSES:
            self.bad(
                "status",
                # Translators: %(open)s, %(won)s and %(lost)s are the codes the file must contain
                # ("open", "won", "lost"); they stay in English whatever the language.
                _("Unknown status %(raw)s; use %(open)s, %(won)s or %(lost)s.")
                % {"raw": self.cell("status"), **_STATUS_CODES},
            )
        return status

    def date(self, column: str) -> datetime.date | None:
        return self._when(column, parse_date)

    def moment(self, column: str) -> datetime.datetime | None:
        return self._when(column, parse_datetime)

    def _when(self, column: str, parse: Callable[[str, str], _T]) -> _T | None:
        raw = self.cell(column)
        if not raw:
            return None
        seen = slashed_date_order(raw)
        if seen:
            self.report.date_orders[seen] = self.report.date_orders.get(seen, 0) + 1
        date_format = self.options.date_format
        try:
            return parse(raw, date_format)
        except AmbiguousDate:
            return None  # the report asks for the order (date_order_needed)
        except ValueError:
            if seen and date_format:
                order = _("day/month/year") if date_format == "dmy" else _("month/day/year")
                self.bad(
                    column,
                    _("%(raw)s is not a date when read as %(order)s, as chosen.")
                    % {"raw": raw, "order": order},
                )
            else:
                self.bad(
                    column,
                    _("%(raw)s is not a date like 2024-03-31, 31.03.2024 or 31/03/2024.")
                    % {"raw": raw},
                )
            return None

    def check_closing(
        self,
        status: str,
        created: datetime.datetime | None,
        closed: datetime.datetime | None,
        lost_reason: str,
    ) -> None:
        if status in ("won", "lost") and closed is None and not self.cell("closed_at"):
            self.bad(
                "closed_at",
                # Translators: %(status)s is the file's status code, "won" or "lost", kept as is.
                _("A deal with status %(status)s needs its closing date.") % {"status": status},
            )
        if status == "open" and closed is not None:
            self.bad(
                "closed_at",
                # Translators: %(won)s and %(lost)s are the status codes "won" and "lost" of the
                # file; they stay in English whatever the language.
                _("An open deal has no closing date; set its status to %(won)s or %(lost)s.")
                % _STATUS_CODES,
            )
        if status == "lost" and not lost_reason:
            self.bad("lost_reason", _("A lost deal needs a lost reason."))
        if closed and created and closed < created:
            self.bad("closed_at", _("The deal closes before it was created."))

    def external_id(self) -> str:
        external_id = self.cell("external_id")
        if len(external_id) > 100:
            self.bad("external_id", _("The external id is longer than 100 characters."))
        return external_id


def _parse(
    line: int,
    cells: list[str],
    index: dict[str, int],
    options: ImportOptions,
    report: ImportReport,
    currencies: list[str],
) -> DealRow | None:
    problems = report.problem_count
    refuse_controls(line, cells, index, report)
    refuse_too_long(line, cells, index, report, _LIMITS)
    read = _RowReader(line, cells, index, options, report)
    title = read.title()
    value = read.value()
    currency = read.currency(currencies)
    status = read.status()
    expected = read.date("expected_close_date")
    created = read.moment("created_at")
    closed = read.moment("closed_at")
    lost_reason = read.cell("lost_reason")
    read.check_closing(status, created, closed, lost_reason)
    external_id = read.external_id()
    if report.problem_count > problems:
        return None
    return DealRow(
        line=line,
        title=title,
        value=value.quantize(_CENT),
        currency=currency,
        pipeline=key(read.cell("pipeline") or options.pipeline or ""),
        stage=key(read.cell("stage")),
        status=status,
        owner=read.cell("owner"),
        organization=key(read.cell("organization")),
        person=read.cell("person"),
        person_email=read.cell("person_email"),
        expected_close_date=expected,
        created_at=created,
        closed_at=closed,
        lost_reason=lost_reason,
        external_id=external_id,
    )


def deal_rows(
    source: str | Path | BinaryIO, options: ImportOptions, report: ImportReport
) -> Iterator[tuple[DealRow | None, list[str], dict[str, int]]]:
    fmt = csv_detect(source)
    index = column_index(fmt.header, DEAL_COLUMNS, options.mapping, "deals")
    if "title" not in index:
        report.problem(1, "title", _("No column is mapped to the deal title."))
        return
    currencies = currency_codes_enabled()
    for line, cells in csv_rows(source, fmt, row_problem(report)):
        yield _parse(line, cells, index, options, report, currencies), cells, index
