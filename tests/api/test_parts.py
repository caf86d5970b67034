"""Defendants, charges and hearings through the API, with the same access rules as the case."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import Charge, Defendant, Hearing
from tests.api.conftest import CANNOT_SEE_CASE_A, SEES_BUT_CANNOT_EDIT_CASE_A

HEARING = {"hearing_type": "ptph", "starts_at": "2026-03-02T10:00:00+00:00", "court": "Winchester Crown Court"}


@pytest.fixture
def defendant(personas, case_a):
    return services.defendant_add(actor=personas.manager_a, case=case_a, first_names="Ann", last_name="Smith")


@pytest.fixture
def hearing(personas, case_a):
    from datetime import UTC, datetime

    return services.hearing_add(
        actor=personas.manager_a,
        case=case_a,
        hearing_type="ptph",
        starts_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
        court="Winchester Crown Court",
    )


# --- allowed paths ----------------------------------------------------------------------------


def test_add_defendant_charge_and_list_them(personas, case_a, api_as):
    client = api_as("prosecutor_a")
    response = client.post(
        f"/cases/{case_a.pk}/defendants", {"first_names": "Bea", "last_name": "Jones", "custody_status": "custody"}
    )
    assert response.status_code == 201, response.content
    defendant_id = response.json()["id"]
    assert response.json()["charges"] == []
    charge = client.post(
        f"/defendants/{defendant_id}/charges", {"offence": "Conspiracy to defraud", "classification": "indictable_only"}
    )
    assert charge.status_code == 201, charge.content
    listed = client.get(f"/cases/{case_a.pk}/defendants")
    assert listed.status_code == 200
    assert listed.json()[0]["charges"][0]["offence"] == "Conspiracy to defraud"
    assert AuditEvent.objects.filter(action="collect", subject_type="cases.charge").exists()
    assert AuditEvent.objects.filter(action="consult", case_id=case_a.pk, actor_id=personas.prosecutor_a.pk).exists()


def test_update_defendant_with_version(personas, defendant, api_as):
    client = api_as("manager_a")
    response = client.patch(f"/defendants/{defendant.pk}", {"version": 1, "custody_status": "bail"})
    assert response.status_code == 200, response.content
    assert response.json()["custody_status"] == "bail"
    assert response.json()["version"] == 2
    event = AuditEvent.objects.filter(action="alter", subject_type="cases.defendant").get()
    assert event.changes_dict == {"custody_status": ["not_arrested", "bail"]}
    stale = client.patch(f"/defendants/{defendant.pk}", {"version": 1, "custody_status": "custody"})
    assert stale.status_code == 409
    assert stale.json()["changed"] == {"custody_status": ["custody", "bail"]}


def test_required_defendant_fields_cannot_be_cleared(personas, defendant, api_as):
    response = api_as("manager_a").patch(f"/defendants/{defendant.pk}", {"version": 1, "last_name": None})
    assert response.status_code == 422
    assert "last_name" in response.json()["errors"]["__all__"][0]


def test_add_list_and_update_hearings(personas, case_a, api_as):
    client = api_as("manager_a")
    response = client.post(f"/cases/{case_a.pk}/hearings", HEARING)
    assert response.status_code == 201, response.content
    hearing_id = response.json()["id"]
    assert client.get(f"/cases/{case_a.pk}/hearings").json()[0]["court"] == "Winchester Crown Court"
    updated = client.patch(f"/hearings/{hearing_id}", {"version": 1, "outcome": "Not guilty pleas; trial fixed"})
    assert updated.status_code == 200
    assert updated.json()["outcome"] == "Not guilty pleas; trial fixed"
    assert Hearing.objects.get(pk=hearing_id).version == 2


def test_hearing_time_needs_a_utc_offset(personas, case_a, api_as):
    response = api_as("manager_a").post(f"/cases/{case_a.pk}/hearings", {**HEARING, "starts_at": "2026-03-02T10:00"})
    assert response.status_code == 422
    assert "starts_at" in response.json()["errors"]


# --- denials ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_outsiders_get_404_on_every_part_endpoint(personas, case_a, defendant, hearing, api_as, persona):
    client = api_as(persona)
    calls = [
        client.get(f"/cases/{case_a.pk}/defendants"),
        client.post(f"/cases/{case_a.pk}/defendants", {"first_names": "X", "last_name": "Y"}),
        client.patch(f"/defendants/{defendant.pk}", {"version": 1, "last_name": "Changed"}),
        client.post(f"/defendants/{defendant.pk}/charges", {"offence": "Theft", "classification": "either_way"}),
        client.get(f"/cases/{case_a.pk}/hearings"),
        client.post(f"/cases/{case_a.pk}/hearings", HEARING),
        client.patch(f"/hearings/{hearing.pk}", {"version": 1, "outcome": "x"}),
    ]
    assert [call.status_code for call in calls] == [404] * len(calls)
    assert {call.content for call in calls} == {b'{"detail": "Not found."}'}
    assert Defendant.objects.count() == 1 and Hearing.objects.count() == 1 and not Charge.objects.exists()


@pytest.mark.parametrize("persona", SEES_BUT_CANNOT_EDIT_CASE_A)
def test_read_only_roles_may_list_but_not_write_parts(personas, case_a, defendant, hearing, api_as, persona):
    client = api_as(persona)
    assert client.get(f"/cases/{case_a.pk}/defendants").status_code == 200
    assert client.get(f"/cases/{case_a.pk}/hearings").status_code == 200
    writes = [
        client.post(f"/cases/{case_a.pk}/defendants", {"first_names": "X", "last_name": "Y"}),
        client.patch(f"/defendants/{defendant.pk}", {"version": 1, "last_name": "Changed"}),
        client.post(f"/defendants/{defendant.pk}/charges", {"offence": "Theft", "classification": "either_way"}),
        client.post(f"/cases/{case_a.pk}/hearings", HEARING),
        client.patch(f"/hearings/{hearing.pk}", {"version": 1, "outcome": "x"}),
    ]
    assert [call.status_code for call in writes] == [403] * len(writes)
    defendant.refresh_from_db()
    assert defendant.last_name == "Smith" and not Charge.objects.exists()
