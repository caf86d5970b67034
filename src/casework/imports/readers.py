"""Reading CSV and XLSX files into plain tables, refusing files that are unsafe or unreadable.

Limits are deliberately generous for real exports and tight enough that a hostile file (a huge
cell, a row of a million columns, a zip bomb of a workbook) fails fast with a clear message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from casework.core.errors import ValidationFailed
from casework.imports.mapping import Mapping

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CELL_CHARS = 20_000
MAX_COLUMNS = 100
MAX_ROWS = 250_000
#: Uncompressed size allowed for an XLSX (it is a zip: a small file can expand enormously).
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024

Cell = str | dt.date | dt.datetime | None


@dataclass
class Table:
    section: str
    sheet: str
    headers: list[str]
    #: (spreadsheet row number, cells); row 1 is the header.
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


@dataclass
class CellProblem:
    sheet: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Source:
    tables: dict[str, Table]
    problems: list[CellProblem]


def looks_like_formula(value: str) -> bool:
    """Text a spreadsheet would run as a formula (=HYPERLINK(...), +cmd, @SUM...). A leading minus
    is allowed on a plain number, so negative figures still import."""
    text = value.lstrip()
    if not text:
        return False
    if text[0] in "=+@\t\r":
        return True
    if text[0] != "-" or len(text) == 1:
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def _plain(value: Any) -> Cell:
    if value is None or isinstance(value, str | dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Collector:
    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.tables: dict[str, Table] = {}
        self.problems: list[CellProblem] = []

    def add_sheet(self, sheet_name: str, rows: Any, section: str | None = None) -> None:
        section = section or self.mapping.section_for_sheet(sheet_name)
        if section is None:
            expected = ", ".join(spec.sheet for spec in self.mapping.sections.values())
            raise ValidationFailed(
                f"The sheet or file {sheet_name!r} is not one this mapping reads (expected: {expected})."
            )
        if section in self.tables:
            raise ValidationFailed(f"Two sheets or files hold {section}: give each only once.")
        iterator = iter(rows)
        header_row = next(iterator, None)
        if not header_row:
            raise ValidationFailed(f"{sheet_name!r} is empty: the first row must hold the column headings.")
        headers = [str(_plain(cell) or "").strip() for cell in header_row]
        while headers and not headers[-1]:
            headers.pop()
        self._check_width(sheet_name, 1, len(headers))
        self._check_columns(section, sheet_name, headers)
        table = Table(section=section, sheet=sheet_name, headers=headers)
        for number, raw in enumerate(iterator, start=2):
            if number > MAX_ROWS + 1:
                raise ValidationFailed(f"{sheet_name!r} has more than {MAX_ROWS:,} rows: split the file.")
            cells = [_plain(cell) for cell in raw]
            while cells and (cells[-1] is None or cells[-1] == ""):
                cells.pop()
            if not cells:
                continue  # blank lines are not rows
            self._check_width(sheet_name, number, len(cells))
            for index, cell in enumerate(cells):
                if isinstance(cell, str):
                    column = headers[index] if index < len(headers) else f"column {index + 1}"
                    if len(cell) > MAX_CELL_CHARS:
                        self.problems.append(
                            CellProblem(
                                sheet_name,
                                number,
                                column,
                                cell[:60] + "…",
                                f"Longer than {MAX_CELL_CHARS:,} characters.",
                            )
                        )
                        cells[index] = ""
                    elif looks_like_formula(cell):
                        self.problems.append(
                            CellProblem(
                                sheet_name,
                                number,
                                column,
                                cell[:250],
                                "Formulas are not accepted: enter the value itself.",
                            )
                        )
            table.rows.append((number, cells))
        self.tables[section] = table

    def _check_width(self, sheet: str, row: int, width: int) -> None:
        if width > MAX_COLUMNS:
            raise ValidationFailed(f"{sheet!r} row {row} has {width} columns; at most {MAX_COLUMNS} are read.")

    def _check_columns(self, section: str, sheet: str, headers: list[str]) -> None:
        spec = self.mapping.sections[section]
        missing = [spec.columns[name] for name in spec.required if spec.columns[name] not in headers]
        if missing:
            raise ValidationFailed(f"{sheet!r} is missing the column(s): {', '.join(missing)}.")


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationFailed(
            f"{name} is not UTF-8 text (byte {error.start}). Save it as 'CSV UTF-8' and try again."
        ) from error


def _read_csv(collector: _Collector, name: str, data: bytes) -> None:
    text = _decode(data, name)
    if "\x00" in text:
        raise ValidationFailed(f"{name} contains NUL characters: it is not a CSV text file.")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        rows = list(reader)
    except csv.Error as error:
        raise ValidationFailed(f"{name} is not a readable CSV file: {error}.") from error
    collector.add_sheet(Path(name).stem, rows)


def _read_xlsx(collector: _Collector, name: str, data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ValidationFailed(f"{name} expands to more than {MAX_XLSX_UNCOMPRESSED // 2**20} MB: split it.")
        # Formulas are kept as text (not cached results) so they can be refused.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as error:
        raise ValidationFailed(f"{name} is not a readable XLSX workbook.") from error
    try:
        for sheet in workbook.worksheets:
            collector.add_sheet(sheet.title, sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_files(files: list[tuple[str, bytes]], mapping: Mapping) -> Source:
    """Read (name, content) pairs: one XLSX with a sheet per section, or one CSV per section
    (named after the section's sheet, e.g. cases.csv and hearings.csv)."""
    collector = _Collector(mapping)
    for name, data in files:
        if len(data) > MAX_FILE_BYTES:
            raise ValidationFailed(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB: split it.")
        suffix = Path(name).suffix.lower()
        if suffix == ".csv":
            _read_csv(collector, name, data)
        elif suffix == ".xlsx":
            _read_xlsx(collector, name, data)
        else:
            raise ValidationFailed(f"{name}: only .csv and .xlsx files can be imported.")
    main = mapping.main_section
    if main not in collector.tables:
        raise ValidationFailed(f"No {main} sheet or file: expected one named {mapping.sections[main].sheet!r}.")
    return Source(tables=collector.tables, problems=collector.problems)
