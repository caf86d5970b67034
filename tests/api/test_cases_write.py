"""Writing cases: create, update with optimistic locking, stage changes; who may and may not."""

from __future__ import annotations

import json

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import Case
from tests.api.conftest import CANNOT_SEE_CASE_A, EDITS_CASE_A, SEES_BUT_CANNOT_EDIT_CASE_A

# --- create ---------------------------------------------------------------------------------


def test_manager_creates_a_case_in_their_unit(personas, api_as):
    response = api_as("manager_a").post(
        "/cases",
        {"urn": "42ab1234526", "operation_name": "Operation Elm", "allocated_lawyer_id": personas.prosecutor_a.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["urn"] == "42AB1234526"
    assert body["unit"]["id"] == personas.unit_a.pk
    assert body["stage"] == "pre_charge"
    assert body["allocated_lawyer"]["username"] == "prosecutor.a"
    case = Case.objects.get(pk=body["id"])
    assert AuditEvent.objects.filter(action="collect", case_id=case.pk, actor_id=personas.manager_a.pk).exists()


@pytest.mark.parametrize("persona", ["hq", "inspector", "police_x", "admin", "area_leader_a"])
def test_roles_without_a_unit_of_cases_cannot_create(personas, api_as, persona):
    response = api_as(persona).post("/cases", {"urn": "42AB1234599", "unit_id": personas.unit_a.pk})
    # A force's token reaches only the partner API: the endpoint does not exist for it.
    assert response.status_code == (404 if persona == "police_x" else 403)
    assert not Case.objects.filter(urn="42AB1234599").exists()


def test_cannot_create_in_another_unit(personas, api_as):
    response = api_as("prosecutor_b").post("/cases", {"urn": "42AB1234598", "unit_id": personas.unit_a.pk})
    assert response.status_code == 403
    assert not Case.objects.filter(urn="42AB1234598").exists()


@pytest.mark.parametrize("urn", ["abc", "AB-1234567", "A" * 21, "42AB 12345", ""])
def test_urn_is_validated(personas, api_as, urn):
    response = api_as("manager_a").post("/cases", {"urn": urn})
    assert response.status_code == 422
    assert "urn" in response.json()["errors"]


def test_duplicate_urn_is_422(personas, case_a, api_as):
    response = api_as("manager_a").post("/cases", {"urn": case_a.urn})
    assert response.status_code == 422
    assert response.json()["errors"]["urn"]


def test_unknown_references_are_422_not_a_database_error(personas, api_as):
    response = api_as("manager_a").post(
        "/cases",
        {"urn": "42AB1234597", "allocated_lawyer_id": 999_999, "lead_force_id": 999_999, "offence_category_ids": [999]},
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"allocated_lawyer_id", "lead_force_id", "offence_category_ids"}
    assert not Case.objects.filter(urn="42AB1234597").exists()


# --- update ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(EDITS_CASE_A))
def test_update_by_those_who_may_is_audited_as_an_alteration(personas, case_a, api_as, persona):
    response = api_as(persona).patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "Fraud on pension funds."})
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["summary"] == "Fraud on pension funds."
    event = AuditEvent.objects.filter(action="alter", case_id=case_a.pk).order_by("-seq").first()
    assert event.actor_id == getattr(personas, persona).pk
    assert event.changes_dict == {"summary": ["", "Fraud on pension funds."]}


@pytest.mark.parametrize("persona", SEES_BUT_CANNOT_EDIT_CASE_A)
def test_update_by_read_only_roles_is_403(personas, case_a, api_as, persona):
    response = api_as(persona).patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "x"})
    assert response.status_code == 403
    case_a.refresh_from_db()
    assert case_a.summary == "" and case_a.version == 1


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_update_by_those_who_cannot_see_is_404(personas, case_a, api_as, persona):
    client = api_as(persona)
    hidden = client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "x"})
    missing = client.patch("/cases/987654321", {"version": 1, "summary": "x"})
    assert hidden.status_code == 404
    assert hidden.content == missing.content
    case_a.refresh_from_db()
    assert case_a.summary == ""


def test_stale_version_is_409_with_what_differs(personas, case_a, api_as):
    client = api_as("manager_a")
    assert client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "First"}).status_code == 200
    response = client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "Second", "operation_name": "Same?"})
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["changed"] == {
        "summary": ["Second", "First"],
        "operation_name": ["Same?", "Operation Larch"],
    }
    assert "Someone else changed" in body["detail"]
    case_a.refresh_from_db()
    assert case_a.summary == "First"


def test_stale_version_that_changes_nothing_is_still_409(personas, case_a, api_as):
    client = api_as("manager_a")
    client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "First"})
    response = client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "First"})
    assert response.status_code == 409
    assert response.json()["changed"] == {}


def test_update_requires_a_version(personas, case_a, api_as):
    response = api_as("manager_a").patch(f"/cases/{case_a.pk}", {"summary": "x"})
    assert response.status_code == 422
    assert "version" in response.json()["errors"]


def test_null_clears_a_text_field(personas, case_a, api_as):
    client = api_as("manager_a")
    client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "Something"})
    response = client.patch(f"/cases/{case_a.pk}", {"version": 2, "summary": None})
    assert response.status_code == 200
    assert response.json()["summary"] == ""


def test_cannot_set_both_acceptance_bases(personas, case_a, api_as):
    from casework.cases.models import AcceptanceCriterion

    criterion = AcceptanceCriterion.objects.first()
    response = api_as("manager_a").patch(
        f"/cases/{case_a.pk}",
        {"version": 1, "acceptance_criterion_id": criterion.pk, "ccp_direction_reason": "Directed"},
    )
    assert response.status_code == 422
    assert "ccp_direction_reason" in response.json()["errors"]


# --- stage ----------------------------------------------------------------------------------


def test_stage_change_is_recorded(personas, case_a, api_as):
    response = api_as("prosecutor_a").post(
        f"/cases/{case_a.pk}/stage", {"stage": "charging_decision", "version": 1, "reason": "File received"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "charging_decision"
    assert response.json()["version"] == 2
    event = AuditEvent.objects.filter(action="alter", case_id=case_a.pk).order_by("-seq").first()
    assert json.loads(event.changes)["stage"] == ["pre_charge", "charging_decision"]


def test_refused_transition_is_409_with_the_reason(personas, case_a, api_as):
    response = api_as("manager_a").post(f"/cases/{case_a.pk}/stage", {"stage": "trial", "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert "cannot move" in body["detail"]
    assert body["errors"]["stage"]
    case_a.refresh_from_db()
    assert case_a.stage == "pre_charge"


def test_stale_stage_change_is_409(personas, case_a, api_as):
    services.case_update(actor=personas.manager_a, case=case_a, expected_version=1, summary="moved on")
    response = api_as("manager_a").post(f"/cases/{case_a.pk}/stage", {"stage": "charging_decision", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert response.json()["changed"] == {"stage": ["charging_decision", "pre_charge"]}


@pytest.mark.parametrize("persona", SEES_BUT_CANNOT_EDIT_CASE_A)
def test_stage_change_by_read_only_roles_is_403(personas, case_a, api_as, persona):
    response = api_as(persona).post(f"/cases/{case_a.pk}/stage", {"stage": "charging_decision", "version": 1})
    assert response.status_code == 403


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_stage_change_by_those_who_cannot_see_is_404(personas, case_a, api_as, persona):
    response = api_as(persona).post(f"/cases/{case_a.pk}/stage", {"stage": "charging_decision", "version": 1})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("persona", SEES_BUT_CANNOT_EDIT_CASE_A)
def test_read_only_roles_cannot_probe_ids_through_update(personas, case_a, api_as, persona):
    client = api_as(persona)
    real = client.patch(f"/cases/{case_a.pk}", {"version": 1, "allocated_lawyer_id": personas.prosecutor_b.pk})
    bogus = client.patch(f"/cases/{case_a.pk}", {"version": 1, "allocated_lawyer_id": 999_999})
    assert real.status_code == bogus.status_code == (404 if persona == "police_x" else 403)
    assert real.content == bogus.content


@pytest.mark.parametrize("persona", ["hq", "police_x", "prosecutor_b"])
def test_outsiders_cannot_probe_ids_through_create(personas, api_as, persona):
    client = api_as(persona)
    body = {"urn": "42AB1234596", "unit_id": personas.unit_a.pk}
    real = client.post("/cases", {**body, "allocated_lawyer_id": personas.prosecutor_a.pk})
    bogus = client.post("/cases", {**body, "allocated_lawyer_id": 999_999})
    assert real.status_code == bogus.status_code == (404 if persona == "police_x" else 403)
    assert real.content == bogus.content


@pytest.mark.parametrize("endpoint", ["update", "stage"])
def test_a_write_whose_response_cannot_be_read_is_not_saved(personas, case_a, api_as, monkeypatch, endpoint):
    # The response is read inside the write's transaction, so a database failure at that point
    # (e.g. the connection dropping) rolls the change back: an error answer never hides a saved write.
    from django.db import OperationalError

    from casework.api.routers import cases as router

    def fail(*args, **kwargs):
        raise OperationalError("connection lost")

    monkeypatch.setattr(router, "_reload", fail)
    client = api_as("manager_a")
    client.client.raise_request_exception = False
    if endpoint == "update":
        response = client.patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "Never saved."})
    else:
        response = client.post(f"/cases/{case_a.pk}/stage", {"version": 1, "stage": "charging_decision", "reason": "x"})
    assert response.status_code == 503
    case_a.refresh_from_db()
    assert (case_a.version, case_a.summary, case_a.stage) == (1, "", "pre_charge")
    assert not AuditEvent.objects.filter(case_id=case_a.pk, action="alter").exists()


def test_an_edit_leaves_the_re_check_to_the_worker_and_its_failure_never_touches_the_write(
    personas, case_a, api_as, django_capture_on_commit_callbacks, run_queued_tasks, monkeypatch
):
    # The edit queues the case's re-check in its own transaction and does nothing after the commit;
    # the worker's re-check failing (e.g. the database going away) is retried, and the saved write
    # stays saved and answered as such.
    from django.db import OperationalError

    from casework.assurance import services as assurance
    from casework.assurance.models import PendingRecheck

    run_queued_tasks()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_as("manager_a").patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "Saved."})
    assert callbacks == [], "nothing runs after the commit in the request"
    assert response.status_code == 200, response.content
    assert PendingRecheck.objects.filter(case=case_a).exists()

    def fail(*args, **kwargs):
        raise OperationalError("connection lost")

    monkeypatch.setattr(assurance, "cases_evaluate", fail)
    run_queued_tasks()
    case_a.refresh_from_db()
    assert (case_a.version, case_a.summary) == (2, "Saved.")
    waiting = PendingRecheck.objects.get(case=case_a)
    assert waiting.attempts == 1 and "connection lost" in waiting.last_error and waiting.retry_after is not None
