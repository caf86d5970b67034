"""The streamed XLSX writer: its files open in openpyxl (read whole and read-only) with the same
sheets and cells as openpyxl's write-only workbook gave (the writer the exports used before), it
sends its first chunk before a streamed table's rows are read, holds a bounded amount of memory
however many rows it writes, and writes a valid zip whose content types name every part."""

from __future__ import annotations

import gc
import io
import sys
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.xml.functions import fromstring

from casework.core.spreadsheets import StreamedTable, Table, sheet_title, xlsx_safe
from casework.core.xlsx_stream import (
    XLSX_CHUNK_BYTES,
    distinct_titles,
    sheet_to_xlsx,
    tables_to_xlsx,
    write_sheet_xlsx,
    xlsx_chunks,
)

# --- the writer before, for comparison ------------------------------------------------------------


def _openpyxl_xlsx(tables: Sequence[Table]) -> bytes:
    """openpyxl's write-only workbook, each cell made safe as before: what the exports wrote until
    the streamed writer replaced it."""
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=sheet_title(table.title))
        sheet.append([xlsx_safe(cell) for cell in table.header])
        for row in table.rows:
            sheet.append([xlsx_safe(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read(body: bytes, *, read_only: bool) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(body), read_only=read_only)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}
    finally:
        workbook.close()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(new: Any, old: Any, sent: Any) -> bool:
    """The cell as the new writer reads back equals the old writer's, type and value; or it was a
    number, which openpyxl rounded to 16 significant digits (and wrote a whole float as an integer)
    and the new writer keeps exactly."""
    if type(new) is type(old) and (new == old or (new != new and old != old)):
        return True
    return _is_number(sent) and type(new) is type(sent) and new == sent and old == float(f"{sent:.16g}")


def _sent(table: Table, row: int, column: int) -> Any:
    cells = table.header if row == 0 else table.rows[row - 1]
    return xlsx_safe(cells[column]) if column < len(cells) else None


# Text with what XML, a spreadsheet or an XLSX file treats specially: markup characters, quotes,
# leading and trailing spaces, formula starts, control characters, non-characters, a lone surrogate.
_SPECIAL = st.sampled_from(
    list("<>&\"'=+-@ \t\r\n\x00\x01\x08\x0b\x0c\x1f\x7f\x85\xa0\u2028\ufffd\ufffe\uffff\ud800\U0001f600]]>")
)
_TEXT = st.text(st.one_of(st.characters(), _SPECIAL), max_size=40)
_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    _TEXT,
    st.integers(min_value=-(2**63), max_value=2**63),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.decimals(allow_nan=False, allow_infinity=False),
)
_ROWS = st.lists(st.lists(_CELLS, max_size=8), max_size=12)
_TABLES = st.lists(
    st.builds(Table, title=_TEXT, header=st.lists(_TEXT, max_size=6), rows=_ROWS),
    min_size=1,
    max_size=3,
    unique_by=lambda table: sheet_title(table.title).casefold(),
)


def _assert_reads_as_openpyxl_wrote(tables: Sequence[Table], new_body: bytes) -> None:
    old_body = _openpyxl_xlsx(tables)
    for read_only in (False, True):
        new, old = _read(new_body, read_only=read_only), _read(old_body, read_only=read_only)
        assert list(new) == list(old) == [sheet_title(table.title) for table in tables]
        for table, (title, new_rows) in zip(tables, new.items(), strict=True):
            old_rows = old[title]
            assert len(new_rows) == len(old_rows) and [len(r) for r in new_rows] == [len(r) for r in old_rows]
            for row, (new_row, old_row) in enumerate(zip(new_rows, old_rows, strict=True)):
                for column, (new_cell, old_cell) in enumerate(zip(new_row, old_row, strict=True)):
                    sent = _sent(table, row, column)
                    assert _same(new_cell, old_cell, sent), (title, row, column, sent, new_cell, old_cell)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TABLES)
def test_the_cells_read_back_as_the_openpyxl_writer_gave_them(tables: list[Table]) -> None:
    _assert_reads_as_openpyxl_wrote(tables, tables_to_xlsx(tables))


def _expected(value: Any) -> Any:
    """What a cell should read back as: text as made safe, numbers exactly, an empty cell (and a
    number no spreadsheet holds) as None."""
    safe = xlsx_safe(value)
    if safe == "" or (isinstance(safe, float) and (safe != safe or safe in (float("inf"), float("-inf")))):
        return None
    return safe


@settings(max_examples=120, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=10))
def test_each_cell_reads_back_exactly_as_made_safe(cells: list[Any]) -> None:
    body = sheet_to_xlsx("Cells", ["Value"] * len(cells), [cells])
    for read_only in (False, True):
        row = _read(body, read_only=read_only)["Cells"][1]
        expected = [_expected(cell) for cell in cells]
        assert list(row) == expected
        assert [type(cell) for cell in row] == [type(cell) for cell in expected]


def test_numbers_stay_numbers_and_text_never_becomes_a_formula() -> None:
    rows = [[12, 2**62, 10**20, 0.1 + 0.2, Decimal("2.50"), True, None, "=SUM(A1:A2)", "+1", " padded "]]
    row = _read(sheet_to_xlsx("T", list("ABCDEFGHIJ"), rows), read_only=False)["T"][1]
    assert row == (12, 2**62, 10**20, 0.30000000000000004, 2.5, "Yes", None, "'=SUM(A1:A2)", "'+1", " padded ")
    sheet = load_workbook(io.BytesIO(sheet_to_xlsx("T", ["A"], [["=1+1"], [5]]))).active
    assert sheet["A2"].data_type == "s" and sheet["A3"].data_type == "n"


def test_characters_an_xlsx_file_cannot_hold_are_replaced() -> None:
    body = sheet_to_xlsx("T", ["A"], [["a\x00b\x1fc\ufffed\uffffe\ud800f\tg\rh\ni"]])
    assert _read(body, read_only=False)["T"][1] == ("a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\tg\rh\ni",)


# --- sheet names ----------------------------------------------------------------------------------


def test_sheet_names_are_made_valid_and_distinct() -> None:
    long = "A very long title for a sheet that goes on"
    titles = ["By unit", "By unit", "by UNIT", "Unit: a/b [x]?", "", "'quoted'", long, long, "x" * 30 + "'"]
    names = distinct_titles(titles)
    assert names == [
        "By unit",
        "By unit1",
        "by UNIT2",
        "Unit  a b  x",
        "Sheet",
        "quoted",
        long[:31],
        long[:30] + "1",
        "x" * 30,
    ]
    assert len({name.casefold() for name in names}) == len(names) and all(1 <= len(name) <= 31 for name in names)
    body = tables_to_xlsx([Table(title, ["A"], []) for title in titles])
    assert load_workbook(io.BytesIO(body)).sheetnames == names
    assert load_workbook(io.BytesIO(_openpyxl_xlsx([Table(t, ["A"], []) for t in titles[:3]]))).sheetnames == names[:3]


def test_a_sheet_name_with_markup_is_escaped() -> None:
    body = tables_to_xlsx([Table('Tom & "Jerry" <1>', ["A"], [[1]])])
    assert load_workbook(io.BytesIO(body)).sheetnames == ['Tom & "Jerry" <1>']


# --- streaming ------------------------------------------------------------------------------------


class _Counted:
    """Rows from a generator that records how many have been read."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.read = 0

    def __iter__(self) -> Iterator[list[Any]]:
        for index in range(self.count):
            self.read += 1
            yield [f"Prosecutor {index}", f"Unit {index % 40}", index, index / 7, None, f"=note {index * 7919}"]


HEADER = ["Name", "Unit", "Number", "Share", "Blank", "Note"]


def test_the_first_chunk_leaves_before_a_streamed_tables_rows_are_read() -> None:
    rows = _Counted(40_000)
    chunks = xlsx_chunks([Table("Before", ["A"], [["x"]]), StreamedTable("Rows", HEADER, rows, count=rows.count)])
    first = next(chunks)
    assert rows.read == 0 and first.startswith(b"PK\x03\x04")
    read_at: list[int] = []
    sizes: list[int] = []
    for chunk in chunks:
        read_at.append(rows.read)
        sizes.append(len(chunk))
    assert read_at[0] == 0  # the first table, before the rows are read
    assert len(sizes) > 4, "a big table leaves in several chunks"
    assert read_at[1] < rows.count // 4, "the first chunk of rows leaves long before the last row is read"
    assert read_at == sorted(read_at) and read_at[-2] < rows.count
    assert all(XLSX_CHUNK_BYTES <= size < 2 * XLSX_CHUNK_BYTES for size in sizes[1:-1])


def test_the_chunks_make_the_whole_file() -> None:
    tables = [Table("A", HEADER, list(_Counted(5_000))), Table("B", ["X"], [[1]])]
    whole = b"".join(xlsx_chunks(tables))
    assert whole == tables_to_xlsx(tables)
    _assert_reads_as_openpyxl_wrote(tables, whole)


def test_memory_stays_bounded_however_many_rows() -> None:
    rows = _Counted(200_000)
    tracemalloc.start()
    try:
        size = sum(len(chunk) for chunk in xlsx_chunks([StreamedTable("Rows", HEADER, rows, count=rows.count)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows.read == rows.count and size > 4_000_000
    assert peak < 1_500_000, f"peak {peak:,} bytes for a file of {size:,}"


# --- the package ----------------------------------------------------------------------------------

_NS = {
    "types": "http://schemas.openxmlformats.org/package/2006/content-types",
    "rels": "http://schemas.openxmlformats.org/package/2006/relationships",
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
}


def test_the_zip_is_valid_and_the_content_types_name_every_part() -> None:
    body = tables_to_xlsx([Table("One", ["A"], [[1]]), Table("Two", ["B"], [["x"]]), Table("Three", [], [])])
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names[0] == "[Content_Types].xml" and len(names) == len(set(names))
    types = fromstring(archive.read("[Content_Types].xml"))
    overrides = {o.get("PartName") for o in types.findall("types:Override", _NS)}
    defaults = {d.get("Extension") for d in types.findall("types:Default", _NS)}
    parts = {f"/{name}" for name in names if name != "[Content_Types].xml"}
    assert parts == overrides | {"/_rels/.rels", "/xl/_rels/workbook.xml.rels"} and defaults == {"rels", "xml"}
    assert {f"/xl/worksheets/sheet{n}.xml" for n in (1, 2, 3)} | {"/xl/workbook.xml", "/xl/styles.xml"} == overrides
    # Each relationship points at a part that is there.
    workbook_rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): "xl/" + r.get("Target", "") for r in workbook_rels.findall("rels:Relationship", _NS)}
    assert set(targets.values()) <= set(names)
    workbook = fromstring(archive.read("xl/workbook.xml"))
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    sheets = workbook.findall("main:sheets/main:sheet", _NS)
    assert [(s.get("name"), targets[s.get(rel_id, "")]) for s in sheets] == [
        ("One", "xl/worksheets/sheet1.xml"),
        ("Two", "xl/worksheets/sheet2.xml"),
        ("Three", "xl/worksheets/sheet3.xml"),
    ]
    package = fromstring(archive.read("_rels/.rels"))
    assert [r.get("Target") for r in package.findall("rels:Relationship", _NS)] == ["xl/workbook.xml"]
    # Written as a stream: each part's sizes follow its data.
    assert all(info.flag_bits & 0x08 for info in archive.infolist())


# --- files (background exports) -------------------------------------------------------------------


def test_a_sheet_written_to_a_file_opens(tmp_path) -> None:
    path = tmp_path / "export.xlsx"
    write_sheet_xlsx(path, "Cases", HEADER, iter(_Counted(3_000)))
    buffer = io.BytesIO()
    write_sheet_xlsx(buffer, "Cases", HEADER, iter(_Counted(3_000)))
    assert path.read_bytes() == buffer.getvalue() == sheet_to_xlsx("Cases", HEADER, _Counted(3_000))
    assert len(_read(path.read_bytes(), read_only=True)["Cases"]) == 3_001


def test_a_failure_part_way_leaves_no_file_behind(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    path = tmp_path / "exports" / "export.xlsx.part"
    path.parent.mkdir()

    def failing() -> Iterator[list[Any]]:
        yield from _Counted(20_000)
        raise ConnectionError("the database went away")

    with pytest.raises(ConnectionError):
        write_sheet_xlsx(path, "Cases", HEADER, failing())
    assert not path.exists() and list(path.parent.iterdir()) == [] and list(temporary.iterdir()) == []


def test_a_download_broken_off_part_way_closes_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    rows = _Counted(50_000)
    chunks = xlsx_chunks([StreamedTable("Rows", HEADER, rows, count=rows.count)])
    taken = [next(chunks) for _ in range(3)]
    chunks.close()  # the client went away
    del chunks
    gc.collect()
    assert all(taken) and rows.read < rows.count and unraisable == []
