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


def test_the_boards_custody_limits_agree_with_the_selectors_at_any_table_size(personas: Personas) -> None:
    """The board reads the expiring limits once for its chart, its window counts and its table; each
    must equal what the shared selectors give, and a short table must be the full table's first rows."""
    from casework.progression import counts
    from tests.progression.conftest import add_charge

    today = NOW.date()
    for days_left in (3, 5, 10, 20, 40, 50):
        case = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
        ctl = services.custody_clock_open(
            actor=personas.prosecutor_a, charge=add_charge(case, personas.prosecutor_a), initial_regime="summary"
        )
        services.clock_event_record(
            actor=personas.prosecutor_a,
            clock=ctl,
            kind="remanded",
            occurred_on=today - dt.timedelta(days=56 - days_left),
        )
    unit_id = personas.unit_a.pk
    short = board_reads.unit_board(user=personas.manager_a, unit_id=unit_id, today=today, rows=2)
    full = board_reads.unit_board(user=personas.manager_a, unit_id=unit_id, today=today, rows=None)
    cases = board_reads._unit_cases(personas.manager_a, unit_id, None)
    expected = {w: counts.ctl_expiring(cases=cases, today=today, within_days=w).count() for w in counts.CTL_WINDOWS}
    assert short.ctl_counts == full.ctl_counts == expected
    assert expected[28] >= 4 and expected[7] >= 2  # the cases above fall in every window
    assert [c.pk for c in full.ctl_expiring] == [
        c.pk for c in counts.ctl_expiring(cases=cases, today=today, within_days=counts.CTL_WINDOWS[0])
    ]
    assert [c.pk for c in short.ctl_expiring] == [c.pk for c in full.ctl_expiring][:2]
    horizon = board_reads.CHART_WEEKS * 7
    assert (
        sum(week["count"] for week in short.chart)
        == counts.ctl_expiring(cases=cases, today=today, within_days=horizon - 1).count()
    )
