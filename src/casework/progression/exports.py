"""CSV exports of "My tasks" and the unit board: audited as exports, and safe to open in a
spreadsheet (cells that would start a formula are neutralised)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.cases.models import Case
from casework.core import streaming
from casework.core.spreadsheets import CONTENT_TYPES, Table, spreadsheet_safe, tables_to_csv
from casework.core.streaming import safe_text
from casework.core.xlsx_stream import tables_to_xlsx
from casework.people import selectors as people
from casework.people.models import Team, Unit
from casework.progression import counts
from casework.progression.board import WorkItem
from casework.progression.board import _unit_cases as unit_cases
from casework.progression.choices import FailureKind

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


def _work_rows(section: str, tasks: QuerySet[Any], deadlines: QuerySet[Any], today: dt.date, sign: int) -> list[Row]:
    """One section's tasks and deadlines, merged by due date (tasks first on a tie, each in its own
    order, as the board shows them), read as tuples: a model per row (with its case, assignee and
    team) was most of the export's time."""
    lawyers = people.lawyer_names()
    teams = {team.pk: spreadsheet_safe(str(team)) for team in Team.objects.select_related("unit")}
    items = [
        (case_id, urn, f"Task: {title}", due_on, lawyers[assignee] if assignee else teams.get(team, ""))
        for case_id, urn, title, due_on, assignee, team in tasks.values_list(
            "case_id", "case__urn", "title", "due_on", "assignee_id", "team_id"
        )
    ] + [
        (case_id, urn, f"Deadline: {title}", due_on, lawyers[owner])
        for case_id, urn, title, due_on, owner in deadlines.values_list(
            "case_id", "case__urn", "title", "due_on", "owner_id"
        )
    ]
    items.sort(key=lambda item: item[3])
    return [
        (case_id, [section, safe_text(urn), safe_text(item), due_on.isoformat(), owner, sign * (today - due_on).days])
        for case_id, urn, item, due_on, owner in items
    ]


def _ctl_rows(cases: QuerySet[Case], today: dt.date) -> list[Row]:
    """The CTL failures and expiring limits, read as tuples; a defendant reads as Defendant does
    ("First names SURNAME") and a charge as its offence."""
    lawyers = people.lawyer_names()
    kinds = {str(value): str(label) for value, label in FailureKind.choices}
    rows: list[Row] = []
    failures = counts.ctl_failures(cases=cases, today=today).values_list(
        "case_id",
        "case__urn",
        "clock__charge__defendant__first_names",
        "clock__charge__defendant__last_name",
        "clock__charge__offence",
        "kind",
        "expired_on",
        "case__allocated_lawyer_id",
    )
    for case_id, urn, first_names, last_name, offence, kind, expired_on, lawyer in failures:
        item = f"{first_names} {last_name.upper()}: {offence} ({kinds.get(kind, kind)})"
        due, days = expired_on.isoformat(), (expired_on - today).days
        rows.append((case_id, ["CTL failure", safe_text(urn), safe_text(item), due, lawyers[lawyer], days]))
    expiring = counts.ctl_expiring(cases=cases, today=today, within_days=counts.CTL_WINDOWS[0]).values_list(
        "case_id",
        "case__urn",
        "charge__defendant__first_names",
        "charge__defendant__last_name",
        "charge__offence",
        "expires_on",
        "case__allocated_lawyer_id",
    )
    for case_id, urn, first_names, last_name, offence, expires, lawyer in expiring:
        item = f"{first_names} {last_name.upper()}: {offence}"
        # Dated: the board lists the limits expiring from today on.
        due, days = expires.isoformat(), (expires - today).days  # type: ignore[union-attr,operator]
        rows.append((case_id, ["CTL expiring", safe_text(urn), safe_text(item), due, lawyers[lawyer], days]))
    return rows


#: A board row and the case it names (None for a task without a case).
Row = tuple[int | None, list[Any]]


def board_rows(*, actor: Any, unit_id: int, today: dt.date, lawyer_id: int | None = None) -> list[Row]:
    """Every row of the unit's board, as the board page lists them (progression.board.unit_board
    with rows=None): its overdue and due-this-week work, CTL failures and expiring limits. Read
    straight from the same selectors, without the page's counts and chart."""
    cases = unit_cases(actor, unit_id, lawyer_id)
    return [
        *_work_rows(
            "Overdue",
            counts.tasks_overdue(cases=cases, today=today),
            counts.deadlines_overdue(cases=cases, today=today),
            today,
            1,
        ),
        *_work_rows(
            "Due this week",
            counts.tasks_due_soon(cases=cases, today=today),
            counts.deadlines_due_soon(cases=cases, today=today),
            today,
            -1,
        ),
        *_ctl_rows(cases, today),
    ]


@transaction.atomic
def board_export(
    *, actor: Any, unit: Unit, today: dt.date, lawyer_id: int | None, purpose: str, recipient: str
) -> Iterator[str]:
    """The unit's board as CSV lines, every row. The `disclose` event naming the cases is written
    before the first line leaves; the lines then go out in blocks."""
    rows = board_rows(actor=actor, unit_id=unit.pk, today=today, lawyer_id=lawyer_id)
    audit.record(
        actor=actor,
        action=Action.DISCLOSE,
        subject_type="progression.board",
        subject_label=f"Progression board CSV for {unit.name} on {today.isoformat()}"[:250],
        changes={"cases": [None, sorted({case_id for case_id, _row in rows if case_id is not None})]},
        justification=purpose,
        recipient=recipient,
    )
    cells = [row for _case_id, row in rows]
    size = streaming.CHUNK_SIZE
    return streaming.csv_lines(BOARD_HEADER, (cells[start : start + size] for start in range(0, len(cells), size)))


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
