"""My tasks, notices and the unit progression board: access, filters, CSV exports and the chart."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.identity.navigation import pages_for
from casework.progression import services
from casework.progression.models import Notice, Task
from tests.factories import DISCLOSURE, Personas, export_post, make_case
from tests.progression.conftest import date_fields

ALL_PERSONAS = [
    "prosecutor_a",
    "paralegal_a",
    "manager_a",
    "unithead_a",
    "prosecutor_b",
    "area_leader_a",
    "hq",
    "inspector",
    "police_x",
    "police_y",
    "admin",
]
TASK_USERS = {"prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b"}
BOARD_USERS = {"manager_a", "unithead_a", "area_leader_a", "hq", "inspector"}
TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


def _task(personas: Personas, case, title: str, due_on: dt.date, assignee=None) -> Task:
    return services.task_create(
        actor=personas.manager_a,
        case=case,
        title=title,
        due_on=due_on,
        assignee_id=(assignee or personas.prosecutor_a).pk,
    )


@pytest.mark.parametrize(
    "name", ["progression:tasks", "progression:tasks_export", "progression:task_add", "progression:calendar"]
)
@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_task_pages_only_for_caseworkers_and_managers(client, personas: Personas, name, persona) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse(name)).status_code == (200 if persona in TASK_USERS else 404)


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_board_access_by_role(client, personas: Personas, persona) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("progression:board")).status_code == (200 if persona in BOARD_USERS else 404)


def test_navigation_entries(personas: Personas, db) -> None:
    labels = set(pages_for(personas.prosecutor_a))
    assert "My tasks" in labels and "Progression board" not in labels
    assert {"My tasks", "Progression board"} <= set(pages_for(personas.manager_a))
    assert "Progression board" in set(pages_for(personas.hq))
    assert not {"My tasks", "Progression board"} & set(pages_for(personas.police_x))


# --- my tasks ----------------------------------------------------------------------------------


def test_my_tasks_lists_mine_and_filters(client, personas: Personas, case_a, case_b) -> None:
    _task(personas, case_a, "Overdue chase", TODAY - dt.timedelta(days=3))
    _task(personas, case_a, "This week review", TODAY + dt.timedelta(days=2))
    _task(personas, case_a, "Later work", TODAY + dt.timedelta(days=30))
    _task(personas, case_a, "Someone else's", TODAY, assignee=personas.paralegal_a)
    services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve bundle", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("progression:tasks")).content.decode()
    assert all(t in html for t in ["Overdue chase", "This week review", "Later work", "Serve bundle"])
    assert "Someone else&#x27;s" not in html and "Someone else's" not in html
    overdue = client.get(reverse("progression:tasks"), {"show": "overdue"}).content.decode()
    assert "Overdue chase" in overdue and "This week review" not in overdue and "Later work" not in overdue
    week = client.get(reverse("progression:tasks"), {"show": "week"}).content.decode()
    assert "This week review" in week and "Serve bundle" in week and "Overdue chase" not in week
    latest_first = client.get(reverse("progression:tasks"), {"sort": "-due"}).content.decode()
    assert latest_first.index("Later work") < latest_first.index("Overdue chase")


def test_csv_export_is_formula_safe_and_audited(client, personas: Personas, case_a) -> None:
    _task(personas, case_a, '=HYPERLINK("http://evil")', TODAY)
    _task(personas, case_a, "+1 call the OIC", TODAY)
    client.force_login(personas.prosecutor_a)
    response = export_post(client, reverse("progression:tasks_export"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Type", "Case URN", "Title"]
    titles = {row[2] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in titles and "'+1 call the OIC" in titles
    event = AuditEvent.objects.filter(action="disclose").latest("seq")
    assert "My tasks CSV: 2 rows" in event.subject_label and event.recipient == DISCLOSURE["recipient"]
    assert event.changes_dict["cases"] == [None, [case_a.pk]]


def test_general_task_create_and_complete(client, personas: Personas) -> None:
    client.force_login(personas.prosecutor_a)
    missing = client.post(reverse("progression:task_add"), {"title": "Team training", **date_fields("due_on", TODAY)})
    assert missing.status_code == 200 and "Assign the task to a person or a team." in missing.content.decode()
    response = client.post(
        reverse("progression:task_add"),
        {"title": "Read the new guidance", "assignee": personas.prosecutor_a.pk, **date_fields("due_on", TODAY)},
    )
    assert response.status_code == 302
    task = Task.objects.get(title="Read the new guidance")
    assert task.case is None and task.created_by == personas.prosecutor_a
    client.force_login(personas.prosecutor_b)
    assert client.post(reverse("progression:task_complete", args=[task.pk]), {"version": 1}).status_code == 404
    client.force_login(personas.prosecutor_a)
    assert client.post(reverse("progression:task_complete", args=[task.pk]), {"version": 1}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_task_on_invisible_case_is_404(client, personas: Personas, case_a) -> None:
    task = _task(personas, case_a, "Private", TODAY)
    client.force_login(personas.prosecutor_b)
    assert client.post(reverse("progression:task_complete", args=[task.pk]), {"version": 1}).status_code == 404
    client.force_login(personas.hq)  # sees the case, may not change it
    assert client.post(reverse("progression:task_complete", args=[task.pk]), {"version": 1}).status_code == 403


# --- notices -----------------------------------------------------------------------------------


def test_notices_list_and_mark_read(client, personas: Personas, case_a) -> None:
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    mine = Notice.objects.create(user=personas.prosecutor_a, case=case_a, key="a", text="Stage 1 moved", created_at=now)
    Notice.objects.create(user=personas.prosecutor_a, key="b", text="Other news", created_at=now)
    theirs = Notice.objects.create(user=personas.manager_a, key="c", text="Manager only", created_at=now)
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("progression:notices")).content.decode()
    assert "Stage 1 moved" in html and "Manager only" not in html and "2 unread" in html
    assert client.post(reverse("progression:notices_read"), {"notice": theirs.pk}).status_code == 404
    client.post(reverse("progression:notices_read"), {"notice": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post(reverse("progression:notices_read"))
    assert not Notice.objects.filter(user=personas.prosecutor_a, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- the board ---------------------------------------------------------------------------------


def _running_clock(personas: Personas, case, remanded_on: dt.date):
    from tests.progression.conftest import add_charge

    charge = add_charge(case, personas.prosecutor_a if case.unit_id == personas.unit_a.pk else personas.prosecutor_b)
    actor = personas.manager_a if case.unit_id == personas.unit_a.pk else personas.prosecutor_b
    ctl = services.custody_clock_open(actor=actor, charge=charge, initial_regime="summary")
    services.clock_event_record(actor=actor, clock=ctl, kind="remanded", occurred_on=remanded_on)
    ctl.refresh_from_db()
    return ctl


def test_board_shows_unit_work_and_chart(client, personas: Personas, case_a, case_b) -> None:
    ctl = _running_clock(personas, case_a, dt.date(2026, 1, 19))  # 56 days: Mon 16 Mar 2026
    _running_clock(personas, case_b, dt.date(2026, 1, 19))
    _task(personas, case_a, "Late task", TODAY - dt.timedelta(days=1))
    client.force_login(personas.manager_a)
    html = client.get(reverse("progression:board")).content.decode()
    assert ctl.expires_on == dt.date(2026, 3, 16)
    assert case_a.urn in html and case_b.urn not in html
    assert "Late task" in html and "Wessex CCU" in html
    assert "<svg" in html and "Custody time limit expiries by week" in html
    assert "2 March 2026 to 8 March 2026" in html  # the chart's data table


def test_area_leader_sees_their_area_unit(client, personas: Personas, case_a, case_b) -> None:
    _running_clock(personas, case_a, dt.date(2026, 1, 19))
    client.force_login(personas.area_leader_a)
    html = client.get(reverse("progression:board")).content.decode()
    assert "Wessex CCU" in html and case_a.urn in html


def test_hq_chooses_a_unit_and_exports(client, personas: Personas, case_a, case_b) -> None:
    _running_clock(personas, case_b, dt.date(2026, 1, 19))
    client.force_login(personas.hq)
    assert "Choose a unit to see its board" in client.get(reverse("progression:board")).content.decode()
    html = client.get(reverse("progression:board"), {"unit": personas.unit_b.pk}).content.decode()
    assert case_b.urn in html and case_a.urn not in html
    assert client.get(reverse("progression:board"), {"unit": 999999}).status_code == 404
    response = export_post(client, reverse("progression:board_export"), {"unit": personas.unit_b.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "Section" and any(row[0] == "CTL expiring" and row[1] == case_b.urn for row in rows)
    assert AuditEvent.objects.filter(action="disclose", subject_type="progression.board").exists()


def test_board_lawyer_filter(client, personas: Personas, case_a) -> None:
    other = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.manager_a.pk)
    _task(personas, case_a, "Task on A", TODAY)
    _task(personas, other, "Task on other", TODAY)
    client.force_login(personas.manager_a)
    html = client.get(reverse("progression:board"), {"lawyer": personas.prosecutor_a.pk}).content.decode()
    assert "Task on A" in html and "Task on other" not in html
