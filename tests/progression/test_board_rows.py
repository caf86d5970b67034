"""The progression board shows each table's most urgent rows, says how many there are in all and
links to the full lists; its figures still count everything and its CSV has every row."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.progression import board as board_reads
from casework.progression import services
from tests.factories import Personas, export_post, make_case

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(NOW)


@pytest.fixture
def overdue_directions(personas: Personas) -> list:
    made = []
    for n in range(5):
        case = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
        made.append(
            services.direction_add(
                actor=personas.manager_a,
                case=case,
                title=f"Serve the schedule, part {n + 1}",
                due_on=NOW.date() - dt.timedelta(days=10 - n),
                owner_id=None,
                reason="Directions hearing",
            )
        )
    return made


def test_the_board_shows_the_most_urgent_rows_and_counts_them_all(
    client, personas: Personas, overdue_directions, monkeypatch
) -> None:
    monkeypatch.setattr(board_reads, "BOARD_ROWS", 2)
    client.force_login(personas.manager_a)
    before = AuditEvent.objects.filter(action="consult").count()
    page = client.get(reverse("progression:board")).content.decode()
    assert 'data-figure="deadlines-overdue" data-figure-count="5"' in page
    assert "Showing the 2 most urgent of 5." in page
    assert "Serve the schedule, part 1" in page and "Serve the schedule, part 2" in page
    assert "Serve the schedule, part 3" not in page
    assert reverse("workday:figure", args=["deadlines-overdue"]) in page
    # Only the cases shown are consulted.
    assert AuditEvent.objects.filter(action="consult").count() == before + 2


def test_the_board_csv_has_every_row(client, personas: Personas, overdue_directions, monkeypatch) -> None:
    monkeypatch.setattr(board_reads, "BOARD_ROWS", 2)
    client.force_login(personas.manager_a)
    response = export_post(client, reverse("progression:board_export"))
    body = b"".join(response.streaming_content).decode()
    rows = [row for row in csv.reader(io.StringIO(body)) if row and row[0] == "Overdue"]
    assert len(rows) == 5


def test_a_small_board_shows_everything_without_the_note(client, personas: Personas, overdue_directions) -> None:
    client.force_login(personas.manager_a)
    page = client.get(reverse("progression:board")).content.decode()
    assert all(f"Serve the schedule, part {n}" in page for n in range(1, 6))
    assert "most urgent of" not in page
