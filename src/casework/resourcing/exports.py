"""CSV and XLSX exports of a unit's resourcing report: audited, one sheet per view, and safe to open
in a spreadsheet (text that would start a formula is prefixed with an apostrophe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from openpyxl import Workbook

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.resourcing.reports import UnitReport

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet_safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: list[list[Any]]


def unit_tables(report: UnitReport, *, named: set[int]) -> list[Table]:
    groups = ["Group", "Headcount", "FTE", "Workload points", "Available points", "Capacity %"]
    tables = [
        Table(
            "By grade",
            groups,
            [[g.label, g.headcount, g.fte, g.workload_points, g.available_points, g.percent] for g in report.by_grade],
        ),
        Table(
            "By team",
            groups,
            [[g.label, g.headcount, g.fte, g.workload_points, g.available_points, g.percent] for g in report.by_team],
        ),
        Table(
            "Resilience",
            ["Finding", "Severity", "Cases"],
            [[f.text, f.severity, len(f.case_ids)] for f in report.findings],
        ),
    ]
    people = [p for p in report.people if p.person_id in named]
    if people:
        tables.insert(
            0,
            Table(
                "People",
                [
                    "Name",
                    "Grade",
                    "FTE",
                    "Hours available",
                    "Cases",
                    "Workload points",
                    "Available points",
                    "Capacity %",
                ],
                [
                    [
                        p.name,
                        p.grade_name,
                        p.fte,
                        p.hours_available,
                        p.cases,
                        p.workload_points,
                        p.available_points,
                        p.percent,
                    ]
                    for p in people
                ],
            ),
        )
    return tables


def to_csv(tables: Sequence[Table]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, table in enumerate(tables):
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


@transaction.atomic
def export_unit(*, actor: Any, report: UnitReport, named: set[int], fmt: str) -> bytes:
    tables = unit_tables(report, named=named)
    body = to_csv(tables) if fmt == "csv" else to_xlsx(tables)
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject=report.unit,
        subject_type="resourcing.unit_report",
        subject_label=f"Resourcing report {report.unit.name} on {report.on} ({fmt.upper()}, "
        f"{sum(len(t.rows) for t in tables)} rows, {len(tables[0].rows) if tables[0].title == 'People' else 0} named)"[
            :250
        ],
        justification="Resourcing report export",
        recipient=audit.actor_snapshot(actor).label,
    )
    return body
