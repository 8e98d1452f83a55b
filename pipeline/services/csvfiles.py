"""Reading spreadsheets people export: encoding, delimiter, numbers and dates.

Nothing here touches the database; the importers build on it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _

from pipeline.validation import date_in_range

DELIMITERS = [",", ";", "\t"]
SNIFF_BYTES = 64 * 1024


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


def csv_detect(source: str | Path | BinaryIO) -> CsvFormat:
    """Encoding (UTF-8, with or without BOM), delimiter (, ; or tab) and the header row."""
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
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise CsvFormatError(_("The file is empty or its first line (the header) is blank."))
    try:
        delimiter = (
            csv.Sniffer().sniff(text[:SNIFF_BYTES], delimiters="".join(DELIMITERS)).delimiter
        )
    except csv.Error:
        delimiter = max(DELIMITERS, key=first_line.count)
    # The sniffer can be fooled by commas inside values; the header decides between candidates.
    if first_line.count(delimiter) == 0:
        delimiter = max(DELIMITERS, key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    header = [h.strip() for h in header]
    if not any(header):
        raise CsvFormatError(_("The first line must name the columns."))
    return CsvFormat(encoding=encoding, delimiter=delimiter, header=header)


def csv_rows(source: str | Path | BinaryIO, fmt: CsvFormat) -> Iterator[tuple[int, list[str]]]:
    """Data rows with their line-based row number (the header is row 1), streamed."""
    stream = _open_binary(source)
    text = io.TextIOWrapper(stream, encoding=fmt.encoding, newline="")
    try:
        reader = csv.reader(text, delimiter=fmt.delimiter)
        try:
            next(reader)
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise CsvFormatError(
                _("The file is not UTF-8 text near row %(row)d. Save it as CSV UTF-8 and retry.")
                % {"row": reader.line_num + 1}
            ) from exc
        except csv.Error as exc:
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
    """'1 234,50' (comma) or '1,234.50' (point) → Decimal('1234.50'). Raises ValueError.

    Thousands groups must have three digits, so '1,5' in the point format is refused rather
    than read as 15.
    """
    group, decimal_mark = NUMBER_FORMATS[number_format]
    text = _SPACES.sub("", raw.strip())
    sign = ""
    if text and text[0] in "+-":
        sign, text = text[0], text[1:]
    if text.count(decimal_mark) > 1:
        raise ValueError(raw)
    whole, _mark, fraction = text.partition(decimal_mark)
    if group in whole:
        if not re.fullmatch(r"\d{1,3}(" + re.escape(group) + r"\d{3})+", whole):
            raise ValueError(raw)
        whole = whole.replace(group, "")
    if not re.fullmatch(r"\d+", whole) or (_mark and not re.fullmatch(r"\d+", fraction)):
        raise ValueError(raw)
    return Decimal(f"{sign}{whole}.{fraction or 0}")


_DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
_DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"]


def parse_date(raw: str) -> datetime.date:
    text = raw.strip()
    day = _parse_day(text)
    if not date_in_range(day):
        raise ValueError(raw)
    return day


def _parse_day(text: str) -> datetime.date:
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
    return parse_datetime(text).date()


def parse_datetime(raw: str) -> datetime.datetime:
    """ISO 8601 (with or without offset), 'YYYY-MM-DD HH:MM', dates, or 'DD.MM.YYYY'.
    Times without an offset are in the company's time zone."""
    text = raw.strip()
    value: datetime.datetime | None = None
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
