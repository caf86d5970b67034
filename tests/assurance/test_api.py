"""Assurance API: verdicts per case (logged), compliance per unit, sign-off request and decision,
with denial tests for every role that must not reach them."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.assurance import services, tallies
from casework.assurance.models import DashboardTallyUnit, SignOffRequest
from casework.audit.models import AuditEvent
from tests.assurance.conftest import CANNOT_SEE_CASE_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(case_a):
    services.case_evaluate(case_id=case_a.pk)
    return case_a


def test_case_verdicts_carry_rule_version_reason_remedy_and_facts_and_are_logged(api_as, evaluated):
    response = api_as("prosecutor_a").get(f"/cases/{evaluated.pk}/verdicts")
    assert response.status_code == 200
    verdicts = {v["rule_code"]: v for v in response.json()}
    accept = verdicts["acceptance.basis"]
    assert accept["rule_version"] == 1 and accept["outcome"] == "not_met" and accept["remedy"]
    assert "acceptance_criterion" in accept["facts"]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "consult" and event.case_id == evaluated.pk


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_case_verdicts_are_404_for_outsiders(api_as, evaluated, persona):
    response = api_as(persona).get(f"/cases/{evaluated.pk}/verdicts")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_unauthenticated_calls_are_401(evaluated):
    from tests.api.conftest import ApiClient

    assert ApiClient().get(f"/cases/{evaluated.pk}/verdicts").status_code == 401
    assert ApiClient().post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_ptph"}).status_code == 401


@pytest.mark.parametrize("persona", ["manager_a", "unithead_a", "area_leader_a", "hq", "inspector"])
def test_unit_compliance_for_those_who_oversee_the_unit(api_as, personas, evaluated, persona):
    response = api_as(persona).get(f"/units/{personas.unit_a.pk}/compliance")
    assert response.status_code == 200
    body = response.json()
    rules = {r["code"]: r for r in body["rules"]}
    assert rules["acceptance.basis"]["applicable"] == 1 and rules["acceptance.basis"]["not_met"] == 1
    assert body["unit_id"] == personas.unit_a.pk


def _by_code(body):
    counted = ("applicable", "not_met", "waived", "exempt", "compliance")
    return {r["code"]: {k: r[k] for k in counted} for r in body["rules"]}


@pytest.mark.parametrize("persona", ["manager_a", "hq"])
def test_unit_compliance_reads_the_stored_figures_and_they_equal_a_live_count(api_as, personas, evaluated, persona):
    live = api_as(persona).get(f"/units/{personas.unit_a.pk}/compliance").json()
    assert live["stored"] is False  # never refreshed: counted for the request
    # Unit B's figures are stored too and must not leak into unit A's answer.
    from tests.factories import make_case

    other = make_case(actor=personas.prosecutor_b, operation_name="Elsewhere")
    services.case_evaluate(case_id=other.pk)
    tallies.refresh()
    stored = api_as(persona).get(f"/units/{personas.unit_a.pk}/compliance").json()
    assert stored["stored"] is True
    as_of = DashboardTallyUnit.objects.get(unit=personas.unit_a).as_of
    answered = dt.datetime.fromisoformat(stored["figures_as_at"].replace("Z", "+00:00"))
    assert abs(answered - as_of) < dt.timedelta(milliseconds=1)  # JSON carries milliseconds
    assert _by_code(stored) == _by_code(live)
    assert stored["compliance"] == live["compliance"]


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"])
def test_unit_compliance_is_404_for_other_roles(api_as, personas, persona):
    assert api_as(persona).get(f"/units/{personas.unit_a.pk}/compliance").status_code == 404


def test_unit_compliance_of_another_unit_is_404_for_a_manager(api_as, personas):
    assert api_as("manager_a").get(f"/units/{personas.unit_b.pk}/compliance").status_code == 404


def test_signoff_request_and_decision(api_as, personas, evaluated):
    response = api_as("prosecutor_a").post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_ptph"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["approver_id"] == personas.manager_a.pk and body["status"] == "pending"
    # Stale version: 409; the routed approver with the right version: approved.
    stale = api_as("manager_a").post(
        f"/signoffs/{body['id']}/decision", {"decision": "approve", "version": body["version"] + 1}
    )
    assert stale.status_code == 409
    decided = api_as("manager_a").post(
        f"/signoffs/{body['id']}/decision", {"decision": "approve", "version": body["version"]}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"


def test_return_without_rationale_is_refused(api_as, evaluated):
    body = api_as("prosecutor_a").post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_ptph"}).json()
    response = api_as("manager_a").post(f"/signoffs/{body['id']}/decision", {"decision": "return", "version": 1})
    assert response.status_code == 422 and "rationale" in response.json()["errors"]


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_signoff_endpoints_are_404_for_outsiders(api_as, evaluated, persona):
    body = api_as("prosecutor_a").post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_ptph"}).json()
    assert api_as(persona).post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_trial"}).status_code == 404
    response = api_as(persona).post(f"/signoffs/{body['id']}/decision", {"decision": "approve", "version": 1})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["unithead_a", "prosecutor_a", "hq", "inspector", "area_leader_a"])
def test_only_the_routed_approver_decides(api_as, evaluated, persona):
    body = api_as("prosecutor_a").post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_ptph"}).json()
    response = api_as(persona).post(f"/signoffs/{body['id']}/decision", {"decision": "approve", "version": 1})
    assert response.status_code == 403
    assert SignOffRequest.objects.get(pk=body["id"]).status == "pending"


@pytest.mark.parametrize("persona", ["hq", "inspector", "area_leader_a"])
def test_read_only_viewers_cannot_request_signoff(api_as, evaluated, persona):
    response = api_as(persona).post(f"/cases/{evaluated.pk}/signoffs", {"checkpoint": "before_ptph"})
    assert response.status_code == 403
