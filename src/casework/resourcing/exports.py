"""CSV and XLSX exports of a unit's resourcing report: audited, one sheet per view, and safe to open
in a spreadsheet (text that would start a formula is prefixed with an apostrophe)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.spreadsheets import Table, tables_to_csv
from casework.core.xlsx_stream import tables_to_xlsx
from casework.resourcing.reports import UnitReport
from casework.resourcing.rollups import GradeRollup, Rollup


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
        vacancy_table(report),
        about_table(report),
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


def about_table(report: UnitReport) -> Table:
    """When the case-derived figures were worked out: the stored unit summary's time, or now."""
    as_at = clock.local(report.as_of).strftime("%Y-%m-%d %H:%M") if report.as_of else "Worked out for this export"
    return Table(
        "About these figures",
        ["Item", "Value"],
        [
            ["Report for", report.on],
            ["Caseload figures as at", as_at],
            ["REM policy version", report.policy_version],
            ["Staff, hours, absences and vacancies", "Current when exported"],
        ],
    )


def vacancy_table(report: UnitReport) -> Table:
    """Open vacancies, then the unit's capacity now and if they were all filled."""
    effect = report.vacancy_effect
    rows: list[list[Any]] = [[v.grade.name, v.fte, v.since, v.reason, "Open"] for v in report.vacancies]
    rows.append(["All open vacancies", effect.vacant_fte, "", "", f"{effect.points_if_filled} points if filled"])
    rows.append(["Capacity used now (%)", "", "", "", effect.percent_now])
    rows.append(["Capacity used if filled (%)", "", "", "", effect.percent_if_filled])
    return Table("Vacancies", ["Grade", "FTE", "Vacant since", "Reason", "Status"], rows)


ROLLUP_HEADER = [
    "Area",
    "Unit",
    "Grade",
    "Headcount",
    "FTE",
    "Workload points",
    "Available points",
    "Capacity %",
    "Vacant FTE",
    "Capacity % if vacancies filled",
]


def _rollup_row(g: GradeRollup) -> list[Any]:
    return [
        g.scope,
        g.unit_name,
        g.grade_name,
        g.headcount,
        g.fte,
        g.workload_points,
        g.available_points,
        g.percent,
        g.vacant_fte,
        g.percent_if_filled,
    ]


def rollup_tables(rollup: Rollup, *, rows: list[GradeRollup], nation: list[GradeRollup]) -> list[Table]:
    tables = [
        Table("Areas by grade", ROLLUP_HEADER, [_rollup_row(g) for g in rows]),
        Table("Area totals", ROLLUP_HEADER, [_rollup_row(a.total) for a in rollup.areas]),
    ]
    if rollup.nation_total is not None:
        tables.append(
            Table("National by grade", ROLLUP_HEADER, [_rollup_row(g) for g in [*nation, rollup.nation_total]])
        )
    return tables


@transaction.atomic
def export_rollup(*, actor: Any, rollup: Rollup, rows: list[GradeRollup], nation: list[GradeRollup], fmt: str) -> bytes:
    """Capacity by grade per Area (and nationally): aggregates only, audited as an export."""
    tables = rollup_tables(rollup, rows=rows, nation=nation)
    body = tables_to_csv(tables, titles=True) if fmt == "csv" else tables_to_xlsx(tables)
    areas = ", ".join(a.area.name for a in rollup.areas)
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="resourcing.grade_rollup",
        subject_id=str(rollup.on),
        subject_label=f"Capacity by grade on {rollup.on} ({fmt.upper()}; "
        f"{'national and ' if rollup.nation_total else ''}{len(rollup.areas)} Area(s): {areas})"[:250],
        justification="Capacity by grade export",
        recipient=audit.actor_snapshot(actor).label,
    )
    return body


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
