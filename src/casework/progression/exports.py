"""CSV exports of "My tasks" and the unit board: audited as exports, and safe to open in a
spreadsheet (cells that would start a formula are neutralised)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.core.spreadsheets import CONTENT_TYPES, Table, spreadsheet_safe, tables_to_csv, tables_to_xlsx
from casework.progression.board import Board, WorkItem

WORK_HEADER = ["Type", "Case URN", "Title", "Due", "Owner", "Status"]
BOARD_HEADER = ["Section", "Case URN", "Item", "Due or expiry", "Owner or lawyer", "Days late or left"]


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _work_row(item: WorkItem) -> list[Any]:
    return [item.kind, item.case.urn if item.case else "", item.title, item.due_on.isoformat(), item.owner, item.status]


@transaction.atomic
def my_work_export(*, actor: Any, items: list[WorkItem], filters: str, purpose: str, recipient: str) -> str:
    body = _csv(WORK_HEADER, (_work_row(item) for item in items))
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type="progression.task",
        subject_label=f"My tasks CSV: {len(items)} rows ({filters})"[:250],
        changes={"cases": [None, sorted({item.case.pk for item in items if item.case is not None})]},
        justification=purpose,
        recipient=recipient,
    )
    return body


def _board_rows(board: Board) -> Iterable[list[Any]]:
    today = board.today
    for item in board.overdue:
        yield [
            "Overdue",
            item.case.urn if item.case else "",
            f"{item.kind}: {item.title}",
            item.due_on.isoformat(),
            item.owner,
            item.days_late(today),
        ]
    for item in board.due_this_week:
        yield [
            "Due this week",
            item.case.urn if item.case else "",
            f"{item.kind}: {item.title}",
            item.due_on.isoformat(),
            item.owner,
            -item.days_late(today),
        ]
    for failure in board.ctl_failures:
        yield [
            "CTL failure",
            failure.case.urn,
            f"{failure.clock.charge.defendant}: {failure.clock.charge.offence} ({failure.get_kind_display()})",
            failure.expired_on.isoformat(),
            failure.case.allocated_lawyer.display_name if failure.case.allocated_lawyer else "",
            (failure.expired_on - today).days,
        ]
    for clock in board.ctl_expiring:
        lawyer = clock.case.allocated_lawyer.display_name if clock.case.allocated_lawyer else ""
        expires: dt.date = clock.expires_on  # type: ignore[assignment]  # the board only lists dated clocks
        yield [
            "CTL expiring",
            clock.case.urn,
            f"{clock.charge.defendant}: {clock.charge.offence}",
            expires.isoformat(),
            lawyer,
            (expires - today).days,
        ]


@transaction.atomic
def board_export(*, actor: Any, board: Board, purpose: str, recipient: str) -> str:
    body = _csv(BOARD_HEADER, _board_rows(board))
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type="progression.board",
        subject_label=f"Progression board CSV for {board.unit.name} on {board.today.isoformat()}"[:250],
        changes={"cases": [None, board.case_ids()]},
        justification=purpose,
        recipient=recipient,
    )
    return body


NOTICES_HEADER = ["Group", "Case", "What about", "Notice", "Defendants and charges", "Date", "Sent", "Read"]


@transaction.atomic
def notices_export(*, actor: Any, groups: Iterable[Any], purpose: str, recipient: str) -> str:
    """The notices page's items (as filtered, one row per case and event) as CSV, recorded as a
    disclosure of the cases they name."""
    rows: list[list[Any]] = []
    case_ids: set[int] = set()
    for group in groups:
        for item in group.items:
            notice = item.latest
            if notice.case_id:
                case_ids.add(notice.case_id)
            people = "; ".join(f"{s['defendant']}: {', '.join(s['charges'])}" for s in item.subjects)
            rows.append(
                [
                    group.heading,
                    notice.case.urn if notice.case else "",
                    notice.get_event_display() if notice.event else "",
                    notice.text,
                    people,
                    notice.due_on.isoformat() if notice.due_on else "",
                    notice.created_at.isoformat(),
                    "no" if item.unread else "yes",
                ]
            )
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type="progression.notice",
        subject_label=f"Notices CSV ({len(rows)} items)"[:250],
        changes={"cases": [None, sorted(case_ids)]},
        justification=purpose,
        recipient=recipient,
    )
    return _csv(NOTICES_HEADER, rows)


@transaction.atomic
def reckoner_export(*, actor: Any, table: Table, file_format: str) -> tuple[bytes, str]:
    """The yearly CTL ready reckoner as CSV or XLSX (reference data, audited as an export)."""
    body = tables_to_xlsx([table]) if file_format == "xlsx" else tables_to_csv([table])
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        subject_type="progression.timelimitrule",
        subject_label=f"{table.title} ({file_format.upper()}, {len(table.rows)} rows)"[:250],
        justification="Custody time limit ready reckoner (no case data)",
        recipient=audit.actor_snapshot(actor).label,
    )
    return body, CONTENT_TYPES["xlsx" if file_format == "xlsx" else "csv"]
