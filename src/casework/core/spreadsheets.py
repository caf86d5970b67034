"""CSV and XLSX output shared by every export: cells that a spreadsheet would run as a formula
are neutralised (CSV/XLSX injection), numbers stay numbers, and several tables can go in one file
(one CSV with blank-line-separated tables, or one XLSX sheet per table: see xlsx_stream)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: A spreadsheet treats a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet_safe(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: text that would run as a formula gets a
    leading apostrophe; numbers are kept as numbers; None is empty; booleans read Yes/No."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


#: Characters an XLSX file cannot hold: control characters other than tab, line feed and carriage
#: return; halves of a surrogate pair (no UTF-8 form); U+FFFE and U+FFFF (not characters in XML).
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Characters a worksheet title may not hold (nor a line break or tab, which Excel cannot show).
_SHEET_TITLE_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\\t\r\n"})


def xlsx_safe(value: Any) -> Any:
    """spreadsheet_safe, and without the characters an XLSX file cannot hold (a stored operation
    name with a control character once broke an export for everyone): each becomes U+FFFD."""
    safe = spreadsheet_safe(value)
    return _NOT_XML_RE.sub("\ufffd", safe) if isinstance(safe, str) else safe


def sheet_title(title: str) -> str:
    """A worksheet title Excel accepts: no brackets, colon, star, question mark, slashes or line
    breaks, not starting or ending with an apostrophe, 1 to 31 characters."""
    cleaned = _NOT_XML_RE.sub("", str(title)).translate(_SHEET_TITLE_FORBIDDEN).strip("' ")
    return cleaned[:31].rstrip("' ") or "Sheet"  # nor start or end with an apostrophe


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class StreamedTable:
    """A table whose rows are read only as the file is written (once), e.g. from a generator, so
    a streamed CSV can send the tables before it first; `count` is its number of rows, known
    beforehand (for the export's audit label)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    count: int


#: Rows written as one chunk of a streamed CSV.
CSV_CHUNK_ROWS = 2000


def tables_to_csv(tables: Sequence[Table | StreamedTable], *, titles: bool | None = None) -> bytes:
    """One CSV; with several tables (or titles=True) each starts with its title row."""
    return "".join(csv_chunks(tables, titles=titles)).encode("utf-8")


def csv_chunks(tables: Sequence[Table | StreamedTable], *, titles: bool | None = None) -> Iterator[str]:
    """tables_to_csv as text chunks, for a streamed download: everything before a StreamedTable's
    rows leaves before they are read, then its rows CSV_CHUNK_ROWS at a time."""
    show_titles = len(tables) > 1 if titles is None else titles
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        if show_titles:
            writer.writerow([spreadsheet_safe(table.title)])
        writer.writerow([spreadsheet_safe(cell) for cell in table.header])
        if isinstance(table, StreamedTable):  # what is ready leaves before its rows are read
            yield taken()
        for written, row in enumerate(table.rows, start=1):
            writer.writerow([spreadsheet_safe(cell) for cell in row])
            if written % CSV_CHUNK_ROWS == 0:
                yield taken()
    if text := taken():
        yield text
