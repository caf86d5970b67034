"""XLSX files written as a stream of byte chunks while their rows are read, so a download starts at
once and memory stays bounded however many rows there are.

An XLSX file is a zip of XML parts. The parts that describe the workbook (its content types,
relationships, sheet names and one plain cell style) are small and known before any row is read,
so they leave first; then each table's sheet, one row element per row, deflated as it is written.
The zip is written to a sink that cannot seek, so each part's sizes and checksum follow its data
(a data descriptor) instead of being written back into its header, and the zip's directory comes
last, as always.

Cells are made safe as for every export (`xlsx_safe`: no formula, no character an XLSX file cannot
hold); text is written as inline strings, numbers as numbers. Empty cells are written as empty
elements, so a file reads back the same as one written by openpyxl's write-only workbook, which the
exports used before. The one difference: numbers are written exactly (Python's shortest round-trip
form), where openpyxl rounded them to 16 significant digits and wrote a whole float as an integer.

A sheet may hold up to 2 GiB of XML (zipfile's limit without ZIP64 extensions, which not every
reader accepts): some millions of rows, far beyond the largest export (100,000 rows).
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from casework.core.spreadsheets import StreamedTable, Table, sheet_title, xlsx_safe

#: Bytes gathered before a chunk is handed on (the deflated output of a few thousand rows).
XLSX_CHUNK_BYTES = 64 * 1024
#: Rows serialised together and passed to the compressor in one write.
XLSX_BATCH_ROWS = 256
#: zlib's level: at 100,000 rows, 3 took about three quarters of the time of the default (6) for a
#: file 8% larger; 1 saved little more time for a file 26% larger.
XLSX_COMPRESSION_LEVEL = 3

_XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

#: Excel's sheet name limit.
_TITLE_LIMIT = 31

#: (title, header, rows) of one sheet.
Sheet = tuple[str, Sequence[Any], Iterable[Sequence[Any]]]


class _Sink:
    """Where the zip is written: bytes are gathered until taken as a chunk. It has no `tell` or
    `seek`, so zipfile writes every part with a data descriptor and never goes back."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def taken(self) -> bytes:
        chunk = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return chunk


#: Escapes for an attribute's value: markup, its quotes, and the white space XML would otherwise
#: read back as plain spaces.
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)


def _attribute(text: str) -> str:
    return text.translate(_ATTRIBUTE_ESCAPES)


def _column_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def distinct_titles(titles: Iterable[str]) -> list[str]:
    """Each table's sheet name (`sheet_title`); a name already given, whatever its case (Excel
    compares sheet names without case), gets the lowest number that makes it distinct, the name
    cut so the whole stays within 31 characters: "By unit", "By unit1", "By unit2"."""
    given: list[str] = []
    taken: set[str] = set()
    for title in titles:
        name = sheet_title(title)
        number = 0
        while name.casefold() in taken:
            number += 1
            suffix = str(number)
            name = sheet_title(title)[: _TITLE_LIMIT - len(suffix)] + suffix
        given.append(name)
        taken.add(name.casefold())
    return given


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{_SPREADSHEET_TYPE}.worksheet+xml"/>'
        for number in range(1, count + 1)
    )
    return (
        f'{_XML_HEADER}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SPREADSHEET_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SPREADSHEET_TYPE}.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _package_relationships() -> str:
    return (
        f'{_XML_HEADER}<Relationships xmlns="{_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{_OFFICE_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )


def _workbook(titles: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name="{_attribute(title)}" sheetId="{number}" r:id="rId{number}"/>'
        for number, title in enumerate(titles, start=1)
    )
    return (
        f'{_XML_HEADER}<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE_RELATIONSHIPS}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets></workbook>'
    )


def _workbook_relationships(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{number}" Type="{_OFFICE_RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, count + 1)
    )
    styles = f'<Relationship Id="rId{count + 1}" Type="{_OFFICE_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEADER}<Relationships xmlns="{_RELATIONSHIPS}">{sheets}{styles}</Relationships>'


#: One font, the two fills Excel expects, one border and the one cell format every cell uses.
_STYLES = (
    f'{_XML_HEADER}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = f'{_XML_HEADER}<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"


class _Columns(list[str]):
    """Column names by position, worked out once each."""

    def reaching(self, count: int) -> _Columns:
        while len(self) < count:
            self.append(_column_name(len(self)))
        return self


def _row_xml(number: int, cells: Sequence[Any], columns: _Columns) -> str:
    """One row element: text as an inline string (spaces kept where they lead or trail; a carriage
    return as a character reference, which XML would otherwise read as a line feed), numbers as
    numbers, an empty cell (or a number no spreadsheet holds: infinite, not a number) as an empty
    element."""
    parts = [f'<row r="{number}">']
    append = parts.append
    for column, cell in zip(columns.reaching(len(cells)), cells, strict=False):
        value = xlsx_safe(cell)
        if isinstance(value, str):
            if not value:
                append(f'<c r="{column}{number}"/>')
                continue
            text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if "\r" in text:
                text = text.replace("\r", "&#13;")
            if value[0].isspace() or value[-1].isspace():
                append(f'<c r="{column}{number}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
            else:
                append(f'<c r="{column}{number}" t="inlineStr"><is><t>{text}</t></is></c>')
        elif isinstance(value, int):
            append(f'<c r="{column}{number}"><v>{int(value)}</v></c>')
        elif math.isfinite(value):
            append(f'<c r="{column}{number}"><v>{float(value)!r}</v></c>')
        else:
            append(f'<c r="{column}{number}"/>')
    append("</row>")
    return "".join(parts)


def sheets_chunks(sheets: Sequence[Sheet]) -> Generator[bytes, None, None]:
    """The workbook of these sheets as byte chunks of about XLSX_CHUNK_BYTES. The parts before
    each sheet's rows leave before its rows are read; the rows are then read (once) and written
    XLSX_BATCH_ROWS at a time. Held in memory: one batch of rows, one chunk and the compressor's
    window."""
    titles = distinct_titles(title for title, _header, _rows in sheets)
    sink = _Sink()
    columns = _Columns()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=XLSX_COMPRESSION_LEVEL) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _package_relationships())
        archive.writestr("xl/workbook.xml", _workbook(titles))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_relationships(len(sheets)))
        archive.writestr("xl/styles.xml", _STYLES)
        for number, (_title, header, rows) in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                part.write((_SHEET_START + _row_xml(1, header, columns)).encode())
                yield sink.taken()  # what is ready leaves before the rows are read
                batch: list[str] = []
                for row_number, row in enumerate(rows, start=2):
                    batch.append(_row_xml(row_number, row, columns))
                    if len(batch) == XLSX_BATCH_ROWS:
                        part.write("".join(batch).encode())
                        batch.clear()
                        if sink.size >= XLSX_CHUNK_BYTES:
                            yield sink.taken()
                batch.append(_SHEET_END)
                part.write("".join(batch).encode())
    yield sink.taken()


def xlsx_chunks(tables: Sequence[Table | StreamedTable]) -> Generator[bytes, None, None]:
    """One workbook, one sheet per table, as byte chunks for a streamed download: a StreamedTable's
    rows are read only as the file is written, after everything before them has left."""
    return sheets_chunks([(table.title, table.header, table.rows) for table in tables])


def tables_to_xlsx(tables: Sequence[Table | StreamedTable]) -> bytes:
    """One workbook, one sheet per table (sheet names are cut to Excel's 31 characters)."""
    return b"".join(xlsx_chunks(tables))


def sheet_to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet from rows read as they come (a generator)."""
    return b"".join(sheets_chunks([(title, header, rows)]))


def write_sheet_xlsx(
    target: str | os.PathLike[str] | IO[bytes], title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """One sheet into a file (a background export), chunk by chunk: memory stays bounded. If
    writing fails part way (the database went away, say), a file this opened by name is removed
    rather than left holding part of a workbook."""
    chunks = sheets_chunks([(title, header, rows)])
    if not isinstance(target, str | os.PathLike):
        target.writelines(chunks)
        return
    path = Path(target)
    try:
        with path.open("wb") as out:
            out.writelines(chunks)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
