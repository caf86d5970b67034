"""Streamed CSV exports: the header leaves at once, then the rows in blocks read straight from a
database cursor, so a national export starts within moments and never sits whole in memory
(`file_response` also sends a streamed XLSX, see xlsx_stream).

The disclosure event of an export is written before the first byte (see cases.exports and
assurance.exports); `only_disclosed` then keeps out any row the event does not name, so a case
added between writing the event and reading the rows cannot leave unrecorded. If the database
fails part way, the error propagates and the download breaks off (no file that looks complete
but is not); the event stays, as the rows already sent were disclosed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any

from django.db import connections
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.http import StreamingHttpResponse

from casework.core import clock
from casework.core.spreadsheets import CONTENT_TYPES, FORMULA_STARTS

#: Rows read from the database (and written as one chunk of the download) at a time.
CHUNK_SIZE = 2000

_FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_STARTS)


def safe_text(value: str | None) -> str:
    """spreadsheet_safe for a text cell, without its type checks (None becomes empty): a cell that
    a spreadsheet would run as a formula gets a leading apostrophe."""
    if not value:
        return ""
    return f"'{value}" if value[0] in _FORMULA_FIRST_CHARACTERS else value


def utc_text(field: str) -> Cast:
    """A datetime column read as its text in UTC ("YYYY-MM-DD HH:MM:SS..."): SQLite stores it so
    and PostgreSQL prints it so (Django sets the connection's time zone to UTC). Reading text skips
    the per-value datetime parsing, a fifth of a national export's time."""
    return Cast(field, output_field=CharField())


class _LocalHours(dict[str, str | None]):
    """UTC "YYYY-MM-DD HH" -> UK local "YYYY-MM-DD HH", worked out the first time each is asked;
    None where the offset is not whole hours (a TIME_ZONE other than the UK's)."""

    def __missing__(self, hour: str) -> str | None:
        instant = _parse_utc(hour + ":00")
        offset = clock.local(instant).utcoffset() or dt.timedelta(0)
        local = None if offset % dt.timedelta(hours=1) else (instant + offset).strftime("%Y-%m-%d %H")
        self[hour] = local
        return local


def local_minutes() -> Callable[[str], str]:
    """A function from a UTC time's text (see `utc_text`) to UK local time as "YYYY-MM-DD HH:MM".

    The UK offset is a whole number of hours and changes only on the hour (British Summer Time
    starts and ends at 01:00 UTC), so the local date and hour are looked up once per UTC hour and
    the minutes copied across: a dictionary look-up per row instead of a time-zone conversion."""
    hours = _LocalHours()

    def convert(text: str) -> str:
        local = hours[text[:13]]
        if local is None:
            return clock.local(_parse_utc(text)).strftime("%Y-%m-%d %H:%M")
        return local + text[13:16]

    return convert


def _parse_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text[:16]).replace(tzinfo=dt.UTC)


def cursor_blocks(queryset: QuerySet[Any, Any], size: int | None = None) -> Iterator[list[tuple[Any, ...]]]:
    """The query's rows as the database cursor gives them, `size` at a time, without the ORM's
    per-value converters (a third of an export's time). A server-side cursor on PostgreSQL, so
    memory stays bounded there too."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while block := cursor.fetchmany(size or CHUNK_SIZE):
            yield block


def column(queryset: QuerySet[Any, Any]) -> list[Any]:
    """One column of a values_list query as a list, read straight from the cursor."""
    return [row[0] for block in cursor_blocks(queryset, 10_000) for row in block]


class NameTable(dict[int | None, str]):
    """id -> formula-safe name for every row of a small table (units, users), read at once instead
    of joined per exported row; an id added since (made during the export) is read on its own.
    None (no lawyer, say) is blank."""

    def __init__(self, read: Callable[[QuerySet[Any, Any]], Iterable[tuple[int, str]]], queryset: QuerySet[Any, Any]):
        super().__init__({pk: safe_text(name) for pk, name in read(queryset)})
        self[None] = ""
        self._read = read
        self._queryset = queryset

    def __missing__(self, pk: int | None) -> str:
        name = next((safe_text(name) for _pk, name in self._read(self._queryset.filter(pk=pk))), "")
        self[pk] = name
        return name


def display_names(users: QuerySet[Any, Any]) -> Iterable[tuple[int, str]]:
    """(id, display name) of users, for a NameTable: the full name, else the username (as
    User.display_name)."""
    for pk, first_name, last_name, username in users.values_list("pk", "first_name", "last_name", "username"):
        yield pk, f"{first_name} {last_name}".strip() or username


def names(rows: QuerySet[Any, Any]) -> Iterable[tuple[int, str]]:
    """(id, name) of rows with a `name` field (units, say), for a NameTable."""
    return rows.values_list("pk", "name")


def csv_lines(header: Sequence[str], blocks: Iterable[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """The header alone first (the download starts straight away), then one chunk of CSV per block
    of rows (one write per block instead of one per row). Cells must already be spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for block in blocks:
        if not block:
            continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(block)
        yield buffer.getvalue()


def only_disclosed(
    blocks: Iterable[list[tuple[Any, ...]]], disclosed: Collection[int], position: int = 0
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows whose case (at `position`) the disclosure event names; the rest are dropped."""
    for block in blocks:
        yield [row for row in block if row[position] in disclosed]


def map_blocks(
    blocks: Iterable[list[tuple[Any, ...]]], make_row: Callable[[tuple[Any, ...]], Sequence[Any]]
) -> Iterator[list[Sequence[Any]]]:
    for block in blocks:
        yield [make_row(row) for row in block]


def csv_response(lines: Iterable[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def file_response(chunks: Iterable[str] | Iterable[bytes], fmt: str, filename: str) -> StreamingHttpResponse:
    """A streamed download: a CSV's text chunks or an XLSX's byte chunks (`xlsx_stream.xlsx_chunks`)."""
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
