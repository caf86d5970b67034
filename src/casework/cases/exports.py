"""CSV export of a case list: audited, streamed, capped, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
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


def _rows(cases: Iterable[Any]) -> Iterable[list[str]]:
    for case in cases:
        lawyer = case.allocated_lawyer.display_name if case.allocated_lawyer_id else ""
        updated = clock.local(case.updated_at).strftime("%Y-%m-%d %H:%M")
        yield [case.urn, case.operation_name, case.get_stage_display(), lawyer, case.unit.name, updated]


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


class _Line:
    """A file-like object whose write() hands back the CSV line instead of storing it."""

    def write(self, text: str) -> str:
        return text


def max_rows() -> int:
    return int(getattr(settings, "CASE_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def _lines(cases: Iterator[Any]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER)
    for row in _rows(cases):
        yield writer.writerow([spreadsheet_safe(cell) for cell in row])


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
    return _lines(queryset[:limit].iterator(chunk_size=CHUNK_SIZE))
