"""CSV and XLSX exports of the assurance dashboard and its drill-down: audited, and safe to open in
a spreadsheet (a cell that would start a formula is prefixed with an apostrophe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from casework.assurance import dashboard as reads
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock

#: A spreadsheet treats a cell starting with one of these as a formula (CSV/XLSX injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would run as a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: list[list[Any]]


def _percent(value: int | None) -> Any:
    return "" if value is None else value


def dashboard_tables(data: reads.Dashboard) -> list[Table]:
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
        Table(
            "By lawyer",
            ["Allocated lawyer", "Cases", "Applicable", "Not met", "Compliance %"],
            [[r["label"], r["cases"], r["applicable"], r["not_met"], _percent(r["percent"])] for r in data.by_lawyer],
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


def failing_table(rule_code: str, verdicts: Iterable[Any]) -> Table:
    return Table(
        f"Not met {rule_code}"[:31],
        [
            "URN",
            "Operation",
            "Unit",
            "Stage",
            "Allocated lawyer",
            "Reason",
            "What would satisfy it",
            "Rule version",
            "Since (UK time)",
        ],
        [
            [
                v.case.urn,
                v.case.operation_name,
                v.case.unit.name,
                v.case.get_stage_display(),
                v.case.allocated_lawyer.display_name if v.case.allocated_lawyer_id else "",
                v.reason,
                v.remedy,
                v.rule.version_label,
                clock.local(v.valid_from).strftime("%Y-%m-%d %H:%M"),
            ]
            for v in verdicts
        ],
    )


def to_csv(tables: Sequence[Table]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([spreadsheet_safe(table.title)])
        writer.writerow([spreadsheet_safe(cell) for cell in table.header])
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(title=table.title[:31])
        sheet.append([spreadsheet_safe(cell) for cell in table.header])
        for row in table.rows:
            sheet.append([spreadsheet_safe(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@transaction.atomic
def export_tables(*, actor: Any, tables: Sequence[Table], fmt: str, what: str, justification: str) -> bytes:
    """Render the tables and write the export event (who, why, to whom, what) in the same transaction."""
    body = to_csv(tables) if fmt == "csv" else to_xlsx(tables)
    rows = sum(len(table.rows) for table in tables)
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="assurance.dashboard",
        subject_label=f"{what} ({fmt.upper()}, {rows} rows)"[:250],
        justification=justification,
        recipient=audit.actor_snapshot(actor).label,
    )
    return body
