"""CSV and XLSX exports of the assurance dashboard and its drill-down: audited, and safe to open in
a spreadsheet (a cell that would start a formula is prefixed with an apostrophe)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from casework.assurance import dashboard as reads
from casework.assurance.models import AssuranceRule, VerdictPeriod
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.choices import Stage
from casework.core import streaming
from casework.core.spreadsheets import StreamedTable, Table, csv_chunks
from casework.core.xlsx_stream import xlsx_chunks
from casework.people import selectors as people


def _percent(value: int | None) -> Any:
    return "" if value is None else value


def _lawyer_cells(data: reads.Dashboard) -> Iterator[list[Any]]:
    for block in reads.lawyer_blocks(data.lawyer_counts):
        for r in block:
            yield [r["label"], r["cases"], r["applicable"], r["not_met"], _percent(r["percent"])]


def dashboard_tables(data: reads.Dashboard) -> list[Table | StreamedTable]:
    """The dashboard's tables, with every lawyer (the page shows at most reads.LAWYER_TABLE_LIMIT):
    their rows are read by name as the file is written (once), after the tables before them."""
    return [
        Table(
            "By rule",
            [
                "Rule",
                "Title",
                "Version",
                "Severity",
                "Applicable",
                "Not met",
                "Waived",
                "Exempt",
                "Compliance %",
                "Active waivers",
                "Waiver share %",
                "Too many waivers",
            ],
            [
                [
                    r["code"],
                    r["title"],
                    r["version"],
                    r["severity"],
                    r["applicable"],
                    r["not_met"],
                    r["waived"],
                    r["exempt"],
                    _percent(r["percent"]),
                    r["waivers"],
                    r["waiver_percent"],
                    r["too_many_waivers"],
                ]
                for r in data.by_rule
            ],
        ),
        StreamedTable(
            "By lawyer",
            ["Prosecutor", "Cases", "Applicable", "Not met", "Compliance %"],
            _lawyer_cells(data),
            count=data.lawyers_total,
        ),
        Table(
            "By stage",
            ["Stage", "Cases", "Applicable", "Not met", "Compliance %"],
            [[r["label"], r["cases"], r["applicable"], r["not_met"], _percent(r["percent"])] for r in data.by_stage],
        ),
        Table(
            "Trend",
            ["Month end", "Applicable", "Not met", "Compliance %"],
            [[r["label"], r["applicable"], r["not_met"], _percent(r["percent"])] for r in data.trend],
        ),
    ]


#: The subject of the `disclose` event of a failing-rule export.
FAILING_SUBJECT_TYPE = "assurance.dashboard"
FAILING_HEADER = [
    "URN",
    "Operation",
    "Unit",
    "Stage",
    "Prosecutor",
    "Reason",
    "What would satisfy it",
    "Rule version",
    "Since (UK time)",
]
#: A failing verdict's columns, read as tuples straight from the cursor (a VerdictPeriod with its
#: case, unit, lawyer and rule per row cost 25 s for 35,000 rows); units, lawyers and rule versions
#: are named from small tables read once.
_FAILING_COLUMNS = (
    "case_id",
    "case__urn",
    "case__operation_name",
    "case__unit_id",
    "case__stage",
    "case__allocated_lawyer_id",
    "reason",
    "remedy",
    "rule_id",
    "since_text",
)
_STAGE_LABELS = {str(value): str(label) for value, label in Stage.choices}


def _rule_versions(rules: QuerySet[Any, Any]) -> Iterable[tuple[int, str]]:
    # Same as AssuranceRule.version_label.
    for pk, code, version in rules.values_list("pk", "code", "version"):
        yield pk, f"{code}@v{version}"


def _failing_blocks(rule_code: str, blocks: Iterable[list[tuple[Any, ...]]]) -> Iterator[list[tuple[str, ...]]]:
    units = people.unit_names()
    lawyers = people.lawyer_names()
    rules = streaming.NameTable(_rule_versions, AssuranceRule.objects.filter(code=rule_code))
    local_time = streaming.local_minutes()
    safe = streaming.safe_text
    stages = _STAGE_LABELS
    for block in blocks:
        yield [
            (
                safe(urn),
                safe(operation),
                units[unit],
                stages.get(stage, stage),
                lawyers[lawyer],
                safe(reason),
                safe(remedy),
                rules[rule],
                local_time(since),
            )
            for _case, urn, operation, unit, stage, lawyer, reason, remedy, rule, since in block
        ]


@transaction.atomic
def _disclose_failing(
    *, actor: Any, case_ids: list[int], fmt: str, what: str, justification: str, recipient: str
) -> None:
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type=FAILING_SUBJECT_TYPE,
        subject_label=failing_label(what, fmt, len(case_ids)),
        changes={"cases": [None, sorted(set(case_ids))]},
        justification=justification,
        recipient=recipient or audit.actor_snapshot(actor).label,
    )


def failing_rows(
    *, verdicts: QuerySet[VerdictPeriod], rule_code: str
) -> tuple[list[int], Iterator[list[tuple[str, ...]]]]:
    """The ids of the cases failing the rule (one current verdict per case and rule: one row each)
    and the rows, in blocks, kept to those cases; rows are read only when the blocks are iterated."""
    case_ids = streaming.column(verdicts.order_by().values_list("case_id"))
    rows = verdicts.annotate(since_text=streaming.utc_text("valid_from")).values_list(*_FAILING_COLUMNS)
    blocks = streaming.only_disclosed(streaming.cursor_blocks(rows), frozenset(case_ids))
    return case_ids, _failing_blocks(rule_code, blocks)


def failing_sheet_title(rule_code: str) -> str:
    return f"Not met {rule_code}"[:31]


def failing_label(what: str, fmt: str, rows: int) -> str:
    return f"{what} ({fmt.upper()}, {rows} rows)"[:250]


def failing_export(
    *,
    actor: Any,
    verdicts: QuerySet[VerdictPeriod],
    rule_code: str,
    fmt: str,
    what: str,
    justification: str,
    recipient: str,
) -> Iterator[str] | Iterator[bytes]:
    """The cases failing one rule (the drill-down's `verdicts`) as CSV lines or XLSX byte chunks.

    The `disclose` event naming every case is written first, from the case ids alone; the file then
    streams, its rows read a block at a time and kept to the cases the event names."""
    case_ids, blocks = failing_rows(verdicts=verdicts, rule_code=rule_code)
    _disclose_failing(
        actor=actor, case_ids=case_ids, fmt=fmt, what=what, justification=justification, recipient=recipient
    )
    if fmt == "csv":
        return streaming.csv_lines(FAILING_HEADER, blocks)
    rows = (row for block in blocks for row in block)
    return xlsx_chunks([StreamedTable(failing_sheet_title(rule_code), FAILING_HEADER, rows, count=len(case_ids))])


def dashboard_export(
    *, actor: Any, data: reads.Dashboard, fmt: str, what: str, justification: str
) -> Iterator[str] | Iterator[bytes]:
    """The dashboard's figures (no case is named: an `export` to the user) as CSV text chunks or
    XLSX byte chunks.

    The event is written first and the file then streams, so at national scale its first bytes
    leave before the thousands of lawyers' rows are read (all figures, counted before the event)."""
    tables = dashboard_tables(data)
    with transaction.atomic():
        _record_export(actor=actor, tables=tables, fmt=fmt, what=what, justification=justification)
    return csv_chunks(tables) if fmt == "csv" else xlsx_chunks(tables)


def _record_export(
    *, actor: Any, tables: Sequence[Table | StreamedTable], fmt: str, what: str, justification: str
) -> None:
    rows = sum(table.count if isinstance(table, StreamedTable) else len(table.rows) for table in tables)
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="assurance.dashboard",
        subject_label=f"{what} ({fmt.upper()}, {rows} rows)"[:250],
        justification=justification,
        recipient=audit.actor_snapshot(actor).label,
    )
