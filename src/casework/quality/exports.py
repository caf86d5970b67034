"""CSV and XLSX exports of IQA coverage and analytics: audited as exports, and safe to open in a
spreadsheet (cells that would start a formula are neutralised, in both formats)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core.spreadsheets import Table, csv_chunks
from casework.core.xlsx_stream import xlsx_chunks
from casework.quality.selectors import Analytics, CoverageRow

COVERAGE_HEADER = ["Prosecutor", "Unit", "Team", "Expected", "Received", "Behind", "How the quota was worked out"]
ANALYTICS_HEADER = ["Measure", "Group", "Value", "Count"]


def coverage_rows(rows: Iterable[CoverageRow]) -> list[list[Any]]:
    return [[r.name, r.unit, r.team, r.expected, r.received, r.behind, r.explanation] for r in rows]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def analytics_rows(data: Analytics) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for measure, bars in (
        ("Score by standard", data.by_standard),
        ("Score by question", data.by_question),
        ("Score by unit", data.by_unit),
        ("Score by team", data.by_team),
        ("Score by prosecutor", data.by_prosecutor),
        ("Score by quarter", data.by_quarter),
        ("Common failure point (share not fully met)", data.failure_points),
    ):
        rows.extend([measure, bar.label, _pct(bar.value), bar.count] for bar in bars)
    for key, item in data.leniency:
        flag = "flagged" if item.flagged else "not flagged"
        rows.append(["Assessor fully-met rate", key, _pct(item.rate), item.answered])
        rows.append(["Assessor leniency", key, flag, item.moderated_pairs])
    for key, agreement in data.agreement_by_question:
        rows.append(["Moderation agreement by question", key, _pct(agreement.rate), agreement.pairs])
    if data.feedback_on_time:
        rows.append(
            [
                "Feedback timeliness",
                data.feedback_on_time.label,
                _pct(data.feedback_on_time.value),
                data.feedback_on_time.count,
            ]
        )
    return rows


def _record(*, actor: Any, what: str, fmt: str, rows: int, description: str, justification: str) -> None:
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type=f"quality.{what}",
        subject_label=f"IQA {what} {fmt.upper()}: {rows} rows ({description})"[:250],
        justification=justification,
        recipient=audit.actor_snapshot(actor).label,
    )


def export(
    *, actor: Any, what: str, fmt: str, header: list[str], rows: list[list[Any]], description: str, justification: str
) -> Iterator[str] | Iterator[bytes]:
    """The export, with its event recorded first (the rows are already worked out), then the file
    as chunks, so a national file starts at once rather than after every row is written: a CSV as
    text, an XLSX as bytes (cells made safe as in the CSV, numbers kept as numbers)."""
    with transaction.atomic():
        _record(actor=actor, what=what, fmt=fmt, rows=len(rows), description=description, justification=justification)
    table = Table(what, header, rows)
    if fmt == "csv":
        return csv_chunks([table], titles=False)
    return xlsx_chunks([table])
