"""XLSX and CSV exports of the oversight dashboard tables. An export is a disclosure of aggregate
figures, so it is audited as an `export` event with why and to whom, and every cell passes through
spreadsheet_safe (text that a spreadsheet would run as a formula is neutralised)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.errors import ValidationFailed
from casework.core.spreadsheets import Table, tables_to_csv
from casework.core.xlsx_stream import tables_to_xlsx
from casework.oversight.dashboard import OversightDashboard

FORMATS = ("xlsx", "csv")

_UNIT_HEADER = [
    "Open cases",
    "All cases",
    "Deadlines met",
    "Deadlines missed",
    "Deadlines overdue",
    "Timeliness %",
    "Missed per 100 open",
    "Overdue per 100 open",
    "CTL running",
    "CTL expiring soon",
    "CTL expired",
    "CTL failures (12 months)",
    "Applicable verdicts",
    "Not met",
    "Compliance %",
    "Expected not met for case mix",
    "Observed / expected",
    "Caseworker FTE",
    "Open cases per FTE",
    "IQA due this quarter",
    "IQA received",
    "IQA coverage %",
    "IQA answers fully met %",
    "IQA answers fully or partially met %",
    "REM applicable open cases",
    "REM not current",
    "REM current %",
    "MoU CCU commitments due",
    "MoU CCU on time %",
    "MoU police commitments due",
    "MoU police on time %",
    "Break-glass accesses (365 days)",
    "Break-glass reviewed %",
    "Break-glass ended unreviewed",
]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _unit_cells(row: dict[str, Any]) -> list[Any]:
    keys = (
        "open_cases",
        "total_cases",
        "deadlines_met",
        "deadlines_missed",
        "deadlines_overdue",
        "timeliness",
        "missed_per_100",
        "overdue_per_100",
        "ctl_running",
        "ctl_expiring",
        "ctl_expired",
        "ctl_failures",
        "verdicts_applicable",
        "verdicts_not_met",
        "compliance",
        "expected_not_met",
        "mix_ratio",
        "staff_fte",
        "open_per_fte",
        "iqa_expected",
        "iqa_received",
        "iqa_coverage",
        "iqa_fully_pct",
        "iqa_met_pct",
        "rem_applicable",
        "rem_not_met",
        "rem_compliance",
        "mou_cps_due",
        "mou_cps_on_time",
        "mou_police_due",
        "mou_police_on_time",
        "audit_grants",
        "audit_reviewed_pct",
        "audit_grants_unreviewed",
    )
    return [_blank(row[key]) for key in keys]


def dashboard_tables(data: OversightDashboard) -> list[Table]:
    """The dashboard's tables, as the page shows them (one sheet each)."""
    as_of = f"{clock.local(data.as_of):%Y-%m-%d %H:%M}" + (" (computed live)" if data.live else "")
    tables = [
        Table(
            "Recommendation areas",
            ["Area of recommendation", "Measure", "Result (%, or as stated)", "Figures as at"],
            [
                [a["name"], a["measure"], _blank(a.get("result") or a["percent"]), as_of]
                for a in data.recommendation_areas
            ],
        ),
        Table(
            "Units",
            ["Unit", *_UNIT_HEADER],
            [[row["unit"].name, *_unit_cells(row)] for row in data.units] + [["Total", *_unit_cells(data.totals)]],
        ),
    ]
    if data.areas:
        tables.append(
            Table(
                "Areas",
                ["Area", "Unit", *_UNIT_HEADER],
                [[r["area"].name, r["unit"].name, *_unit_cells(r)] for r in data.areas],
            )
        )
    tables += [
        Table(
            "By rule",
            ["Rule", "Title", "Version", "Applicable", "Not met", "Waived", "Exempt", "Compliance %", "Active waivers"],
            [
                [
                    r["code"],
                    r["title"],
                    r["version"],
                    r["applicable"],
                    r["not_met"],
                    r["waived"],
                    r["exempt"],
                    _blank(r["percent"]),
                    r["waivers"],
                ]
                for r in data.by_rule
            ],
        ),
        Table(
            "Trend",
            ["Month end", "Applicable", "Not met", "Compliance %"],
            [[r["label"], r["applicable"], r["not_met"], _blank(r["percent"])] for r in data.trend],
        ),
        Table(
            "Case mix",
            ["Unit", "Acceptance criterion", "Open cases"],
            [[r["unit"], r["acceptance_criterion__title"] or "Not recorded", r["n"]] for r in data.mix],
        ),
    ]
    return tables


@transaction.atomic
def export_dashboard(*, actor: Any, data: OversightDashboard, fmt: str, justification: str, recipient: str) -> bytes:
    """Render the dashboard tables and write the `export` event in the same transaction."""
    if fmt not in FORMATS:
        raise ValidationFailed("Choose XLSX or CSV.")
    if not justification.strip() or not recipient.strip():
        raise ValidationFailed("Give the justification and the recipient of this export (DPA 2018 s.62).")
    tables = dashboard_tables(data)
    body = tables_to_xlsx(tables) if fmt == "xlsx" else tables_to_csv(tables)
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="oversight.dashboard",
        subject_label=f"Oversight dashboard: {data.scope.label} ({fmt.upper()})"[:250],
        justification=justification.strip(),
        recipient=recipient.strip(),
    )
    return body
