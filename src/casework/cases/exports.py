"""CSV export of a case list: audited, streamed, capped, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import QuerySet

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.choices import Stage
from casework.cases.selectors import CaseFilters, case_queryset
from casework.core import clock
from casework.core.errors import CaseworkError
from casework.core.spreadsheets import FORMULA_STARTS

#: Rows read from the database at a time while streaming.
CHUNK_SIZE = 2000
#: Used when settings.CASE_EXPORT_MAX_ROWS is not set.
DEFAULT_MAX_ROWS = 100_000

HEADER = ["URN", "Operation", "Stage", "Prosecutor", "Unit", "Updated (UK time)"]
#: The columns each row needs, read as tuples: building a Case (with its unit and lawyer) per row
#: cost twenty times the query at national scale.
_COLUMNS = (
    "urn",
    "operation_name",
    "stage",
    "allocated_lawyer__first_name",
    "allocated_lawyer__last_name",
    "allocated_lawyer__username",
    "unit__name",
    "updated_at",
)
_STAGE_LABELS = {str(value): str(label) for value, label in Stage.choices}


def _rows(rows: Iterable[tuple[Any, ...]]) -> Iterable[list[str]]:
    # Per-row work is kept to plain string operations: at national scale this loop is the export.
    local_time = _LocalMinutes()
    safe = _safe_text
    for urn, operation, stage, first_name, last_name, username, unit, updated_at in rows:
        # Same as User.display_name: the full name, else the username; no lawyer, blank.
        lawyer = (f"{first_name} {last_name}".strip() or username) if username else ""
        # Only the free-text cells can start like a formula; the stage label and the time cannot.
        yield [
            safe(urn),
            safe(operation),
            _STAGE_LABELS.get(stage, stage),
            safe(lawyer),
            safe(unit),
            local_time(updated_at),
        ]


def _tuples(queryset: QuerySet[Any, Any]) -> Iterator[tuple[Any, ...]]:
    """The rows as the database cursor gives them, CHUNK_SIZE at a time, without the ORM's per-value
    converters (a third of the export's time). Only the time column needs one: SQLite gives it as a
    naive datetime (or ISO text) in UTC, PostgreSQL as an aware datetime; all are read as UTC."""
    sql, params = queryset.query.sql_with_params()
    # chunked_cursor: a server-side cursor on PostgreSQL, so memory stays bounded there too.
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while block := cursor.fetchmany(CHUNK_SIZE):
            for row in block:
                updated_at = row[-1]
                if isinstance(updated_at, str):
                    updated_at = dt.datetime.fromisoformat(updated_at)
                if updated_at.tzinfo is None:
                    updated_at = updated_at.replace(tzinfo=dt.UTC)
                elif updated_at.utcoffset():
                    updated_at = updated_at.astimezone(dt.UTC)
                yield (*row[:-1], updated_at)


def _safe_text(value: str | None) -> str:
    """spreadsheet_safe for the text columns, without its type checks (a None becomes empty)."""
    if not value:
        return ""
    return f"'{value}" if value[0] in _FORMULA_FIRST_CHARACTERS else value


_FORMULA_FIRST_CHARACTERS = frozenset(FORMULA_STARTS)


class _LocalMinutes:
    """UK local time as "YYYY-MM-DD HH:MM". The offset from UTC changes only on the hour (British
    Summer Time starts and ends at 01:00 UTC), so it is looked up once per UTC hour, not per row."""

    def __init__(self) -> None:
        self._offsets: dict[dt.datetime, dt.timedelta] = {}

    def __call__(self, instant: dt.datetime) -> str:
        hour = instant.replace(minute=0, second=0, microsecond=0)
        offset = self._offsets.get(hour)
        if offset is None:
            offset = self._offsets[hour] = clock.local(hour).utcoffset() or dt.timedelta(0)
        moment = instant + offset
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"


def describe_filters(filters: CaseFilters) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("unit", filters.unit_id),
            ("stage", filters.stage),
            ("lawyer", filters.lawyer_id),
            ("text", filters.text),
            ("mine", filters.mine or ""),
        )
        if value
    ]
    return ", ".join(parts) or "no filters"


class ExportTooLarge(CaseworkError):
    """More rows than one export may hold: the user should narrow the list first."""

    status_code = 422


def max_rows() -> int:
    return int(getattr(settings, "CASE_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def _lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    """The header at once (the download starts straight away), then blocks of CHUNK_SIZE lines:
    one write per block instead of one per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    yield buffer.getvalue()
    block: list[list[str]] = []
    for row in _rows(rows):
        block.append(row)
        if len(block) == CHUNK_SIZE:
            yield _block(block)
            block = []
    if block:
        yield _block(block)


def _block(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


@transaction.atomic
def case_list_export(*, actor: Any, filters: CaseFilters, purpose: str, recipient: str) -> Iterator[str]:
    """The filtered list as CSV lines, read in chunks so a large export never sits in memory.

    The `disclose` event (who, why, to whom, which cases) is written before any row leaves: if it
    cannot be written nothing is disclosed. Above the configured limit nothing is exported at all.
    """
    queryset = case_queryset(user=actor, filters=filters)
    limit = max_rows()
    count = queryset.count()
    if count > limit:
        raise ExportTooLarge(
            f"This list has {count:,} cases, more than the {limit:,} one export may hold. "
            "Filter the list (for example by stage, lawyer or unit) and export again."
        )
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type="cases.case",
        subject_label=f"Case list CSV: {count} case{'' if count == 1 else 's'} ({describe_filters(filters)})"[:250],
        changes={"cases": [None, sorted(queryset[:limit].values_list("pk", flat=True))]},
        justification=purpose,
        recipient=recipient,
    )
    # The slice keeps the limit even if cases are added between the count and the read.
    return _lines(_tuples(queryset[:limit].values_list(*_COLUMNS)))
