"""The person page: what it shows, that opening it is logged, and who may open whose record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core import clock
from casework.people.models import Absence, Specialism, Team
from tests.factories import Personas

#: Who may open prosecutor_a's record (unit A), per User.objects.visible_to.
SEES_PROSECUTOR_A = {"prosecutor_a", "manager_a", "unithead_a", "area_leader_a", "hq", "inspector", "admin"}
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


def person_url(user) -> str:
    return reverse("people:detail", args=[user.pk])


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_who_may_open_a_unit_a_prosecutor(client, personas: Personas, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    response = client.get(person_url(personas.prosecutor_a))
    expected = 200 if persona in SEES_PROSECUTOR_A else 404
    assert response.status_code == expected
    opened = AuditEvent.objects.filter(action="consult", subject_type="people.user").exists()
    assert opened == (expected == 200)
    if expected == 404:
        assert "Role and position" not in response.content.decode()


@pytest.mark.parametrize("persona", ["prosecutor_b", "police_x", "police_y", "paralegal_a", "prosecutor_a"])
def test_others_records_are_404_for_staff_without_oversight(client, personas: Personas, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(person_url(personas.manager_a)).status_code == 404


def test_everyone_may_open_their_own_record(client, personas: Personas) -> None:
    for name, user in personas.all().items():
        client.force_login(user)
        # Police liaison officers reach only the police portal (casework.partners.middleware).
        expected = 404 if name.startswith("police_") else 200
        assert client.get(person_url(user)).status_code == expected


def test_person_page_needs_sign_in(client, personas: Personas) -> None:
    response = client.get(person_url(personas.prosecutor_a))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_person_page_shows_the_record_and_logs_the_consultation(client, personas: Personas) -> None:
    person = personas.prosecutor_a
    person.team = Team.objects.create(unit=personas.unit_a, name="Fraud team")
    person.fte = Decimal("0.80")
    person.contracted_hours = Decimal("29.60")
    person.working_pattern = "part_time"
    person.save()
    person.specialisms.set([Specialism.objects.create(code="fraud-test", name="Fraud (test)")])
    today = clock.today()
    Absence.objects.create(
        person=person,
        kind="annual_leave",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
        reason="Leave now",
    )
    Absence.objects.create(
        person=person,
        kind="training",
        starts_on=today + dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=11),
        reason="Course ahead",
    )
    Absence.objects.create(
        person=person,
        kind="sickness",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=20),
        reason="Long over",
    )
    client.force_login(personas.manager_a)
    html = client.get(person_url(person)).content.decode()
    for text in (
        "Senior Crown Prosecutor",
        "Wessex",
        "Fraud team",
        "0.80",
        "29.60 a week",
        "Part time",
        "Fraud (test)",
    ):
        assert text in html, text
    assert "Leave now" in html and "Course ahead" in html and "Long over" not in html
    assert html.index("Leave now") < html.index("Course ahead")
    # The line manager (the viewer) is linked: they may open their own record.
    assert f'href="{person_url(personas.manager_a)}"' in html
    event = AuditEvent.objects.filter(action="consult", subject_type="people.user").latest("seq")
    assert event.actor_id == personas.manager_a.pk and event.subject_id == str(person.pk)
    assert event.justification


def test_case_page_links_staff_the_viewer_may_open(
    client, personas: Personas, case_a: Case, django_assert_max_num_queries
) -> None:
    prosecutor_link = f'href="{person_url(personas.prosecutor_a)}"'
    manager_link = f'href="{person_url(personas.manager_a)}"'
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert prosecutor_link in html and manager_link not in html  # a prosecutor sees only their own record
    client.force_login(personas.manager_a)
    html = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert prosecutor_link in html and manager_link in html
    client.force_login(personas.hq)
    html = client.get(reverse("cases:detail", args=[case_a.pk])).content.decode()
    assert prosecutor_link in html and manager_link in html
