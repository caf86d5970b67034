"""CSV and XLSX output shared by every export: cells that a spreadsheet would run as a formula
are neutralised (CSV/XLSX injection), numbers stay numbers, and several tables can go in one file
(one CSV with blank-line-separated tables, or one XLSX sheet per table)."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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


#: Characters a worksheet title may not hold.
_SHEET_TITLE_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})


def xlsx_safe(value: Any) -> Any:
    """spreadsheet_safe, and without the control characters an XLSX file cannot hold (a stored
    operation name with one once broke an export for everyone): each becomes U+FFFD."""
    safe = spreadsheet_safe(value)
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", safe) if isinstance(safe, str) else safe


def sheet_title(title: str) -> str:
    """A worksheet title Excel accepts: no brackets, colon, star, question mark or slashes, 1 to 31 characters."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", str(title)).translate(_SHEET_TITLE_FORBIDDEN).strip("' ")
    return cleaned[:31] or "Sheet"


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


def tables_to_xlsx(tables: Sequence[Table | StreamedTable]) -> bytes:
    """One workbook, one sheet per table (sheet names are cut to Excel's 31 characters)."""
    workbook = Workbook(write_only=True)
    for table in tables:
        _append_sheet(workbook, table.title, table.header, table.rows)
    return _saved(workbook)


def sheet_to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet from rows read as they come (a generator): only the current row is held."""
    buffer = io.BytesIO()
    write_sheet_xlsx(buffer, title, header, rows)
    return buffer.getvalue()


def write_sheet_xlsx(
    target: str | os.PathLike[str] | IO[bytes], title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """sheet_to_xlsx into a file (a background export): memory stays bounded by one row."""
    workbook = Workbook(write_only=True)
    try:
        _append_sheet(workbook, title, header, rows)
        workbook.save(target)
    except BaseException:
        _discard(workbook)
        raise


def _discard(workbook: Workbook) -> None:
    """After a failure part way (the database went away, say): close each sheet's XML writer and
    remove its temporary file, which holds the rows written so far. openpyxl would otherwise keep
    it until the process exits, and a worker runs for weeks."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        rows = getattr(sheet, "_rows", None)
        with contextlib.suppress(Exception):  # the XML writer may refuse to close mid-row
            if rows is not None:
                rows.close()
        with contextlib.suppress(Exception):
            writer.close()
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def _append_sheet(workbook: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    # Write-only: rows are serialised (to a temporary file) as they are appended, so memory stays
    # bounded however large the export.
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append([xlsx_safe(cell) for cell in header])
    for row in rows:
        sheet.append([xlsx_safe(cell) for cell in row])


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
