"""The one way the app writes a spreadsheet cell or a CSV row (exports, dashboard CSVs).

Spreadsheet apps run a cell that starts with = + - @ (or tab/CR before one) as a formula. An
apostrophe in front keeps it text, and the importer strips it again. Excel splits a CSV on the
list separator of the user's locale (`;` in hu, fi, de…), not on the file's, so a value such as
`Acme;=HYPERLINK(…)` becomes a formula cell there: a formula start after any separator gets
the apostrophe too. Every field is quoted, and control characters openpyxl cannot store are
dropped (rows written before text was cleaned on input may hold them).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

from shared.validation import clean_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A list separator (comma, semicolon, tab, pipe), optional spaces, then a formula start.
_AFTER_SEPARATOR = re.compile(r"([,;\t|]\s*)(?=[=+\-@])")
# A plain number ("-12", "3.5", "-0.25") is data, not a formula.
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def safe_cell(value: object) -> str:
    """The text a spreadsheet shows as it is: no control characters, never a formula."""
    if value is None:
        return ""
    text = clean_text(str(value))
    if not text or _NUMBER.fullmatch(text):
        return text
    text = _AFTER_SEPARATOR.sub(r"\1'", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


class SafeCsvWriter:
    """csv.writer that quotes every field and passes every value through `safe_cell`."""

    def __init__(self, stream: _Writable) -> None:
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
