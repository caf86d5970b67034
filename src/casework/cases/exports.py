"""CSV export of a case list: audited, streamed, capped, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.choices import Stage
from casework.cases.selectors import CaseFilters, case_queryset
from casework.core import clock
from casework.core.errors import CaseworkError
from casework.core.spreadsheets import spreadsheet_safe

#: Rows read from the database at a time while streaming.
CHUNK_SIZE = 2000
#: Used when settings.CASE_EXPORT_MAX_ROWS is not set.
DEFAULT_MAX_ROWS = 100_000

HEADER = ["URN", "Operation", "Stage", "Prosecutor", "Unit", "Updated (UK time)"]
#: A spreadsheet treats a cell starting with one of these as a formula (CSV injection).


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
    for urn, operation, stage, first_name, last_name, username, unit, updated_at in rows:
        # Same as User.display_name: the full name, else the username; no lawyer, blank.
        lawyer = (f"{first_name} {last_name}".strip() or username) if username else ""
        updated = clock.local(updated_at).strftime("%Y-%m-%d %H:%M")
        # Only the free-text cells can start like a formula; the stage label and the time cannot.
        safe = spreadsheet_safe
        yield [safe(urn), safe(operation), _STAGE_LABELS.get(stage, stage), safe(lawyer), safe(unit), updated]


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
    return _lines(queryset[:limit].values_list(*_COLUMNS).iterator(chunk_size=CHUNK_SIZE))
