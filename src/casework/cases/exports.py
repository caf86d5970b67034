"""CSV export of a case list: audited, streamed, capped, and safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.choices import Stage
from casework.cases.selectors import CaseFilters, case_queryset
from casework.core import streaming
from casework.core.errors import CaseworkError
from casework.people import selectors as people

#: Rows read from the database (and sent as one chunk) at a time while streaming.
CHUNK_SIZE = streaming.CHUNK_SIZE
#: Used when settings.CASE_EXPORT_MAX_ROWS is not set.
DEFAULT_MAX_ROWS = 100_000

#: The subject of the `disclose` event an export of a case list writes.
SUBJECT_TYPE = "cases.case"
HEADER = ["URN", "Operation", "Stage", "Prosecutor", "Unit", "Updated (UK time)"]
#: The columns each row needs, read as tuples straight from the cursor: building a Case (with its
#: unit and lawyer) per row cost twenty times the query at national scale. The lawyer and unit are
#: read as ids and named from a table of each read once, not joined per row.
_COLUMNS = ("pk", "urn", "operation_name", "stage", "allocated_lawyer_id", "unit_id", "updated_text")
_STAGE_LABELS = {str(value): str(label) for value, label in Stage.choices}


def _blocks(rows: Iterable[list[tuple[Any, ...]]]) -> Iterator[list[tuple[str, ...]]]:
    # Per-row work is kept to look-ups and plain string operations: at national scale this loop
    # is the export. Only the free-text cells can start like a formula (names are made safe once).
    lawyers = people.lawyer_names()
    units = people.unit_names()
    local_time = streaming.local_minutes()
    stages = _STAGE_LABELS
    safe = streaming.safe_text
    for block in rows:
        yield [
            (safe(urn), safe(operation), stages.get(stage, stage), lawyers[lawyer], units[unit], local_time(updated))
            for _pk, urn, operation, stage, lawyer, unit, updated in block
        ]


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


def disclosure_label(count: int, filters: CaseFilters, fmt: str = "CSV") -> str:
    """The `disclose` event's label: what the file is, how many cases, and the list's filters."""
    return f"Case list {fmt}: {count} case{'' if count == 1 else 's'} ({describe_filters(filters)})"[:250]


def case_list_rows(*, actor: Any, filters: CaseFilters) -> tuple[list[int], Iterator[list[tuple[str, ...]]]]:
    """The ids of the cases the export names, and its rows (formula-safe cells, in blocks, kept to
    those cases). Reading the rows starts only when the blocks are first iterated, so the caller
    records the disclosure first. Above the configured limit nothing is exported at all."""
    queryset = case_queryset(user=actor, filters=filters)
    limit = max_rows()
    # The ids read straight from the cursor in the table's own order (no sort): one past the limit
    # says the list is too large without counting it first.
    disclosed = streaming.column(queryset.order_by("pk").values_list("pk")[: limit + 1])
    if len(disclosed) > limit:
        count = queryset.count()
        raise ExportTooLarge(
            f"This list has {count:,} cases, more than the {limit:,} one export may hold. "
            "Filter the list (for example by stage, lawyer or unit) and export again."
        )
    # The slice keeps the limit, and only_disclosed the event's cases, even if cases are added
    # between the event and the read.
    rows = queryset.annotate(updated_text=streaming.utc_text("updated_at")).values_list(*_COLUMNS)[:limit]
    blocks = streaming.only_disclosed(streaming.cursor_blocks(rows, CHUNK_SIZE), frozenset(disclosed))
    return disclosed, _blocks(blocks)


@transaction.atomic
def case_list_export(*, actor: Any, filters: CaseFilters, purpose: str, recipient: str) -> Iterator[str]:
    """The filtered list as CSV lines, read in chunks so a large export never sits in memory.

    The `disclose` event (who, why, to whom, which cases) is written before any row leaves: if it
    cannot be written nothing is disclosed. Above the configured limit nothing is exported at all.
    """
    disclosed, blocks = case_list_rows(actor=actor, filters=filters)
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type=SUBJECT_TYPE,
        subject_label=disclosure_label(len(disclosed), filters),
        changes={"cases": [None, disclosed]},
        justification=purpose,
        recipient=recipient,
    )
    return streaming.csv_lines(HEADER, blocks)
