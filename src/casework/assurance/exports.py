"""CSV and XLSX exports of the assurance dashboard and its drill-down: audited, and safe to open in
a spreadsheet (a cell that would start a formula is prefixed with an apostrophe)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from casework.assurance import dashboard as reads
from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core import clock
from casework.core.spreadsheets import Table, tables_to_csv, tables_to_xlsx


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
            ["Prosecutor", "Cases", "Applicable", "Not met", "Compliance %"],
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
            "Prosecutor",
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


@transaction.atomic
def export_tables(
    *,
    actor: Any,
    tables: Sequence[Table],
    fmt: str,
    what: str,
    justification: str,
    recipient: str = "",
    case_ids: Sequence[int] | None = None,
) -> bytes:
    """Render the tables and write the export event (who, why, to whom, what) in the same transaction.

    Tables naming cases (`case_ids`) are a disclosure to the recipient the user stated; figures
    alone are an export to the user."""
    body = tables_to_csv(tables) if fmt == "csv" else tables_to_xlsx(tables)
    rows = sum(len(table.rows) for table in tables)
    audit.record(
        actor=actor,
        action=Action.EXPORT if case_ids is None else Action.DISCLOSE,
        subject_type="assurance.dashboard",
        subject_label=f"{what} ({fmt.upper()}, {rows} rows)"[:250],
        changes=None if case_ids is None else {"cases": [None, sorted(set(case_ids))]},
        justification=justification,
        recipient=recipient or audit.actor_snapshot(actor).label,
    )
    return body
