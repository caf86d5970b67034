"""CSV and XLSX exports of a unit's resourcing report: audited, one sheet per view, and safe to open
in a spreadsheet (text that would start a formula is prefixed with an apostrophe)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core.spreadsheets import Table, tables_to_csv, tables_to_xlsx
from casework.resourcing.reports import UnitReport


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


@transaction.atomic
def export_unit(*, actor: Any, report: UnitReport, named: set[int], fmt: str) -> bytes:
    tables = unit_tables(report, named=named)
    body = tables_to_csv(tables, titles=True) if fmt == "csv" else tables_to_xlsx(tables)
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
