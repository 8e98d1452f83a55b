"""Reading spreadsheets people export: encoding, delimiter, numbers and dates.

Nothing here touches the database; the importers build on it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from shared.numbers import decimal_normalized, non_ascii_digits
from shared.validation import control_chars, date_in_range

DELIMITERS = [",", ";", "\t"]
# The header must end within the first SNIFF_BYTES; the delimiter is chosen by parsing the
# first DETECT_BYTES (at most DETECT_RECORDS records) once per candidate. Both bounds keep the
# cost of reading a file nobody has validated yet to a few milliseconds, whatever it holds
# (csv.Sniffer's regular expressions took minutes on 64 KB of quotes and newlines).
SNIFF_BYTES = 64 * 1024
DETECT_BYTES = 16 * 1024
DETECT_RECORDS = 50


class CsvFormatError(ValueError):
    """The file cannot be read as CSV at all (encoding, no header)."""


@dataclass(frozen=True)
class CsvFormat:
    encoding: str  # "utf-8-sig" when the file starts with a BOM, else "utf-8"
    delimiter: str
    header: list[str]


def _open_binary(source: str | Path | BinaryIO) -> BinaryIO:
    if isinstance(source, (str, Path)):
        return open(source, "rb")  # noqa: SIM115 - the caller closes it through csv_rows
    source.seek(0)
    return source


def _fields(text: str, delimiter: str) -> list[list[str]]:
    """The first records of `text` split with `delimiter` (linear time, bounded input)."""
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text), delimiter=delimiter):
            records.append(record)
            if len(records) >= DETECT_RECORDS:
                break
    except csv.Error:
        pass
    return records


def _delimiter(first_line: str, sample: str) -> str:
    """The candidate that splits the header into several columns; between several, the one
    whose data rows have as many fields as the header most often."""
    scores = []
    for delimiter in DELIMITERS:
        width = len(next(csv.reader([first_line], delimiter=delimiter)))
        if width < 2:
            continue
        records = _fields(sample, delimiter)[1:]
        consistent = sum(1 for r in records if len(r) == width)
        scores.append((consistent, width, delimiter))
    return max(scores)[2] if scores else DELIMITERS[0]


def csv_detect(source: str | Path | BinaryIO) -> CsvFormat:
    """Encoding (UTF-8, with or without BOM), delimiter (, ; or tab) and the header row.

    Reads at most SNIFF_BYTES and parses a bounded sample, so it costs milliseconds on any
    input (see bench/import_detect.py)."""
    stream = _open_binary(source)
    try:
        head = stream.read(SNIFF_BYTES)
    finally:
        if isinstance(source, (str, Path)):
            stream.close()
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    # The sample may end inside a multi-byte character: decode leniently only at the cut.
    try:
        text = head.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise CsvFormatError(
                _("The file is not UTF-8 text (byte %(pos)d). Save it as CSV UTF-8 and retry.")
                % {"pos": exc.start + 1}
            ) from exc
        text = head[: exc.start].decode(encoding)
    # Only line feeds and carriage returns end a line (str.splitlines also splits on form
    # feeds and other controls, which are refused below instead).
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    if not first_line.strip():
        raise CsvFormatError(_("The file is empty or its first line (the header) is blank."))
    if len(first_line) == len(text) and len(head) == SNIFF_BYTES:
        raise CsvFormatError(
            _("The first line (the header) is longer than 64 KB; is this a CSV file?")
        )
    if first_line.count('"') % 2:
        raise CsvFormatError(
            _("A quote in the first line (the header) is never closed; close it and retry.")
        )
    controls = control_chars(first_line)
    if controls:
        raise CsvFormatError(
            _(
                "The first line (the header) contains control characters (%(chars)s); "
                "remove them and retry."
            )
            % {"chars": ", ".join(controls)}
        )
    sample = text[:DETECT_BYTES]
    if len(text) > DETECT_BYTES:
        sample = sample[: sample.rfind("\n") + 1] or sample
    delimiter = _delimiter(first_line, sample)
    header = next(csv.reader([first_line], delimiter=delimiter))
    header = [h.strip() for h in header]
    if not any(header):
        raise CsvFormatError(_("The first line must name the columns."))
    return CsvFormat(encoding=encoding, delimiter=delimiter, header=header)


RowProblem = Callable[[int, str], None]


class _LineCounter:
    """The file's lines as the csv reader asks for them, counting the quote characters read,
    so a record can tell whether its quotes balance."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text
        self.quotes = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.text:
            self.quotes += line.count('"')
            yield line


def _swallowed(row: list[str], delimiter: str, width: int) -> bool:
    """A value holding a line break followed by what looks like a whole row of the file
    (as many delimiters as a row has; at least two, so a note with a comma is no row)."""
    return any(
        part.count(delimiter) >= max(width - 1, 2)
        for value in row
        if "\n" in value or "\r" in value
        for part in re.split(r"\r\n|\r|\n", value)[1:]
    )


def csv_rows(
    source: str | Path | BinaryIO, fmt: CsvFormat, on_problem: RowProblem | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Data rows with their line-based row number (the header is row 1), streamed.

    A quote that is never closed makes the rest of the file one value: `on_problem(line,
    message)` is told, with the line where the quote opened, before that row is yielded."""
    stream = _open_binary(source)
    text = io.TextIOWrapper(stream, encoding=fmt.encoding, newline="")
    lines = _LineCounter(text)
    try:
        reader = csv.reader(lines, delimiter=fmt.delimiter)
        start = 1
        try:
            next(reader)
            start, quotes = reader.line_num + 1, lines.quotes
            for row in reader:
                end = reader.line_num
                if on_problem and end > start:
                    unbalanced = (lines.quotes - quotes) % 2 == 1
                    if unbalanced or _swallowed(row, fmt.delimiter, len(fmt.header)):
                        on_problem(
                            start,
                            _(
                                "A quote opened on line %(start)d is not closed where the "
                                "value ends, so lines %(start)d to %(end)d were read as one "
                                "row. Close the quote and upload the file again."
                            )
                            % {"start": start, "end": end},
                        )
                start, quotes = end + 1, lines.quotes
                if not any(cell.strip() for cell in row):
                    continue
                yield end, row
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                _("The file is not UTF-8 text near row %(row)d. Save it as CSV UTF-8 and retry.")
                % {"row": reader.line_num + 1}
            ) from exc
        except csv.Error as exc:
            if "field limit" in str(exc):
                # A value past 128 KB is, in practice, a quote that is never closed.
                raise CsvFormatError(
                    _(
                        "A value starting on line %(start)d is longer than 128 KB: most "
                        "likely a quote opened there is never closed. Close it and upload the "
                        "file again."
                    )
                    % {"start": start}
                ) from exc
            raise CsvFormatError(
                _("Row %(row)d cannot be read: %(error)s") % {"row": reader.line_num, "error": exc}
            ) from exc
    finally:
        text.detach()
        if isinstance(source, (str, Path)):
            stream.close()


# --- Values ---------------------------------------------------------------------------------
NUMBER_FORMATS = {
    # 1,234.50 — comma groups thousands, point separates decimals.
    "point": (",", "."),
    # 1 234,50 or 1.234,50 — space or point groups thousands, comma separates decimals.
    "comma": (".", ","),
}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


def parse_decimal(raw: str, number_format: str) -> Decimal:
    """'1 234,50' (comma) or '1,234.50' (point) → Decimal('1234.50'). Raises ValueError
    (NonAsciiDigits for digits other than 0-9).

    Thousands groups must have three digits, so '1,5' in the point format is refused rather
    than read as 15. '-0' is zero without a sign.
    """
    if non_ascii_digits(raw):
        raise NonAsciiDigits(raw)
    group, decimal_mark = NUMBER_FORMATS[number_format]
    text = _SPACES.sub("", raw.strip())
    sign = ""
    if text and text[0] in "+-":
        sign, text = text[0], text[1:]
    if text.count(decimal_mark) > 1:
        raise ValueError(raw)
    whole, _mark, fraction = text.partition(decimal_mark)
    if group in whole:
        if not re.fullmatch(r"[0-9]{1,3}(" + re.escape(group) + r"[0-9]{3})+", whole):
            raise ValueError(raw)
        whole = whole.replace(group, "")
    if not re.fullmatch(r"[0-9]+", whole) or (_mark and not re.fullmatch(r"[0-9]+", fraction)):
        raise ValueError(raw)
    return decimal_normalized(Decimal(f"{sign}{whole}.{fraction or 0}"))


class NonAsciiDigits(ValueError):
    """A number written with digits other than 0-9."""


# Year first is never ambiguous: 2027-01-15, 2027.01.15. (Hungarian), 2027/01/15 (Chinese).
_DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%Y.%m.%d.", "%Y.%m.%d", "%Y/%m/%d"]
_DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y.%m.%d. %H:%M",
    "%Y/%m/%d %H:%M",
]
# 15/01/2027 (day first) or 01/15/2027 (month first), with an optional time.
_SLASHED = re.compile(
    r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
)
DATE_ORDERS = ("dmy", "mdy")


class AmbiguousDate(ValueError):
    """03/04/2027 without a chosen order: the 3rd of April or the 4th of March."""


def slashed_date_order(raw: str) -> str | None:
    """For a date like 15/01/2027: "dmy" or "mdy" when only one reading is a date,
    "ambiguous" when both are, None when it is not written with slashes."""
    match = _SLASHED.fullmatch(raw.strip())
    if not match:
        return None
    first, second = int(match[1]), int(match[2])
    if first > 12 >= second:
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return "ambiguous"


def _slashed(text: str, order: str) -> datetime.datetime | None:
    match = _SLASHED.fullmatch(text)
    if not match:
        return None
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    if not order:
        seen = slashed_date_order(text)
        if seen == "ambiguous":
            raise AmbiguousDate(text)
        order = seen or "dmy"
    day, month = (first, second) if order == "dmy" else (second, first)
    hour, minute, second_ = (int(match[i] or 0) for i in (4, 5, 6))
    return datetime.datetime(year, month, day, hour, minute, second_)  # ValueError if no date


def parse_date(raw: str, order: str = "") -> datetime.date:
    """ISO (2027-01-15), 15.01.2027, or 15/01/2027 / 01/15/2027 read in `order` ("dmy" or
    "mdy"; without one, a slashed date is read the only way it is a date, and AmbiguousDate
    is raised when both ways are)."""
    text = raw.strip()
    day = _parse_day(text, order)
    if not date_in_range(day):
        raise ValueError(raw)
    return day


def _parse_day(text: str, order: str) -> datetime.date:
    if len(text) == 10 and text[4] == "-":
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return parse_datetime(text, order).date()


def parse_datetime(raw: str, order: str = "") -> datetime.datetime:
    """ISO 8601 (with or without offset), 'YYYY-MM-DD HH:MM', dates, 'DD.MM.YYYY', or slashed
    dates as parse_date reads them. Times without an offset are in the company's time zone."""
    text = raw.strip()
    value: datetime.datetime | None = _slashed(text, order)
    if value is None:
        try:
            value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
                try:
                    value = datetime.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
    if value is None:
        raise ValueError(raw)
    if not date_in_range(value):
        raise ValueError(raw)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value
