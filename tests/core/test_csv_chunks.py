"""Several tables as one streamed CSV: the same text as the whole file, and what comes before a
streamed table's rows leaves before they are read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from casework.core import spreadsheets
from casework.core.spreadsheets import StreamedTable, Table, csv_chunks, tables_to_csv


def _rows(count: int) -> Iterator[list[object]]:
    for index in range(count):
        yield [f"=name {index}", index, None, True]


def test_chunks_add_up_to_the_whole_file(monkeypatch):
    monkeypatch.setattr(spreadsheets, "CSV_CHUNK_ROWS", 3)
    listed = [Table("Before", ["A"], [["-1"]]), Table("Rows", ["Name", "N", "Blank", "Flag"], list(_rows(7)))]
    streamed = [listed[0], StreamedTable("Rows", ["Name", "N", "Blank", "Flag"], _rows(7), count=7)]
    chunks = list(csv_chunks(streamed))
    assert "".join(chunks).encode() == tables_to_csv(listed)
    assert len(chunks) == 4  # the first table and the header, two chunks of three rows, the last row
    assert chunks[1].startswith("'=name 0,0,,Yes")


def test_a_streamed_tables_rows_are_read_only_after_what_comes_before_leaves():
    def failing() -> Iterator[list[object]]:
        raise RuntimeError("read")
        yield []

    chunks = csv_chunks([Table("First", ["A"], [[1]]), StreamedTable("Second", ["B"], failing(), count=1)])
    assert next(chunks) == "First\r\nA\r\n1\r\n\r\nSecond\r\nB\r\n"
    with pytest.raises(RuntimeError):
        next(chunks)
