"""The progression board CSV: streamed, its disclosure written before any row leaves, and every row
exactly as the board lists it (tasks, deadlines, CTL failures and expiring limits)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core.spreadsheets import spreadsheet_safe
from casework.people.models import Team
from casework.progression import board as board_reads
from casework.progression import exports, services
from tests.factories import Personas, export_post, make_case
from tests.progression.conftest import add_charge

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


def _clock(personas: Personas, case, remanded_on: dt.date):
    charge = add_charge(case, personas.manager_a)
    ctl = services.custody_clock_open(actor=personas.manager_a, charge=charge, initial_regime="summary")
    services.clock_event_record(actor=personas.manager_a, clock=ctl, kind="remanded", occurred_on=remanded_on)
    return ctl


@pytest.fixture
def busy_board(personas: Personas, case_a):
    """A board with every kind of row: tasks for a person and for a team; deadlines with
    and without an owner (one formula-like); a CTL failure and a limit expiring."""
    from casework.progression.sweep import progression_sweep

    team = Team.objects.create(unit=personas.unit_a, name="Disclosure team")
    other = make_case(actor=personas.manager_a, operation_name="Operation Ash")
    services.task_create(
        actor=personas.manager_a,
        case=case_a,
        title="=Chase",
        due_on=TODAY - dt.timedelta(days=3),
        assignee_id=personas.prosecutor_a.pk,
    )
    services.task_create(
        actor=personas.manager_a,
        case=other,
        title="Team review",
        due_on=TODAY - dt.timedelta(days=3),
        team_id=team.pk,
    )
    services.task_create(
        actor=personas.manager_a,
        case=other,
        title="Prepare bundle",
        due_on=TODAY + dt.timedelta(days=2),
        assignee_id=personas.paralegal_a.pk,
    )
    for n, owner in enumerate([None, personas.paralegal_a.pk]):
        services.direction_add(
            actor=personas.manager_a,
            case=other,
            title=f"Serve part {n + 1}",
            due_on=TODAY - dt.timedelta(days=5 - n),
            owner_id=owner,
            reason="Directions hearing",
        )
    services.direction_add(
        actor=personas.manager_a,
        case=case_a,
        title="Skeleton",
        due_on=TODAY + dt.timedelta(days=1),
        owner_id=None,
        reason="Directions hearing",
    )
    _clock(personas, case_a, dt.date(2025, 12, 29))  # expired 23 Feb 2026 in custody: a failure
    _clock(personas, other, dt.date(2026, 1, 19))  # expires Mon 16 Mar 2026
    progression_sweep()
    return personas


def _rows_as_the_board_lists_them(personas: Personas) -> list[list[str]]:
    """The CSV the board export wrote before it read rows as tuples (from the board's own items)."""
    board = board_reads.unit_board(user=personas.manager_a, unit_id=personas.unit_a.pk, today=TODAY, rows=None)
    rows = []
    for section, items, sign in (("Overdue", board.overdue, 1), ("Due this week", board.due_this_week, -1)):
        for item in items:
            rows.append(
                [
                    section,
                    item.case.urn if item.case else "",
                    f"{item.kind}: {item.title}",
                    item.due_on.isoformat(),
                    item.owner,
                    sign * item.days_late(TODAY),
                ]
            )
    for failure in board.ctl_failures:
        charge = failure.clock.charge
        lawyer = failure.case.allocated_lawyer.display_name if failure.case.allocated_lawyer else ""
        item = f"{charge.defendant}: {charge.offence} ({failure.get_kind_display()})"
        rows.append(
            [
                "CTL failure",
                failure.case.urn,
                item,
                failure.expired_on.isoformat(),
                lawyer,
                (failure.expired_on - TODAY).days,
            ]
        )
    for ctl in board.ctl_expiring:
        lawyer = ctl.case.allocated_lawyer.display_name if ctl.case.allocated_lawyer else ""
        rows.append(
            [
                "CTL expiring",
                ctl.case.urn,
                f"{ctl.charge.defendant}: {ctl.charge.offence}",
                ctl.expires_on.isoformat(),
                lawyer,
                (ctl.expires_on - TODAY).days,
            ]
        )
    return [[str(spreadsheet_safe(cell)) for cell in row] for row in rows]


def test_the_csv_streams_every_row_as_the_board_lists_them(client, busy_board: Personas) -> None:
    client.force_login(busy_board.manager_a)
    response = export_post(client, reverse("progression:board_export"))
    assert response.status_code == 200 and response.streaming
    chunks = [chunk.decode() for chunk in response.streaming_content]
    assert chunks[0] == ",".join(exports.BOARD_HEADER) + "\r\n"
    rows = list(csv.reader(io.StringIO("".join(chunks[1:]))))
    expected = _rows_as_the_board_lists_them(busy_board)
    assert rows == expected
    sections = [row[0] for row in rows]
    assert {"Overdue", "Due this week", "CTL failure", "CTL expiring"} <= set(sections)
    owners = {row[2]: row[4] for row in rows}
    assert owners["Task: Team review"] == "Disclosure team (Wessex CCU)" and owners["Deadline: Serve part 1"] == ""
    assert "Task: =Chase" in owners  # starts with its kind, so no formula


def test_the_disclosure_is_written_before_the_first_row_leaves(client, busy_board: Personas) -> None:
    client.force_login(busy_board.manager_a)
    response = export_post(client, reverse("progression:board_export"))
    next(iter(response.streaming_content))
    event = AuditEvent.objects.get(action="disclose", subject_type="progression.board")
    board = board_reads.unit_board(user=busy_board.manager_a, unit_id=busy_board.unit_a.pk, today=TODAY, rows=None)
    assert event.changes_dict["cases"] == [None, board.case_ids()]
    assert event.subject_label == f"Progression board CSV for {busy_board.unit_a.name} on 2026-03-02"


def test_the_lawyer_filter_narrows_the_csv(client, busy_board: Personas, case_a) -> None:
    client.force_login(busy_board.manager_a)
    url = reverse("progression:board_export")
    body = b"".join(export_post(client, url, {"lawyer": busy_board.prosecutor_a.pk}).streaming_content).decode()
    urns = {row[1] for row in list(csv.reader(io.StringIO(body)))[1:]}
    assert urns == {case_a.urn}
