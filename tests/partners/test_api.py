"""The partnership API: a force's token sees its own force only; the same 404 for another force's
records as for records that do not exist; CCU staff see their unit's; reads by police are disclosures."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.audit.models import AuditEvent
from casework.partners import services
from tests.factories import Personas
from tests.partners.conftest import ITEMS, signed_agreement, submit


@pytest.fixture
def referral_x(personas: Personas):
    return submit(personas.police_x)


def test_force_submits_and_reads_its_own_referral(api_as, personas: Personas) -> None:
    api = api_as("police_x")
    response = api.post("/partners/referrals", {**ITEMS, "kind": "early_advice"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("EIA-HAMP-") and body["clocks"][0]["name"] == "Acknowledge"
    listed = api.get("/partners/referrals").json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert AuditEvent.objects.filter(action="disclose", recipient=str(personas.force_x)).exists()


def test_incomplete_submission_names_each_item(api_as) -> None:
    response = api_as("police_x").post("/partners/referrals", {**ITEMS, "kind": "referral", "key_evidence": ""})
    assert response.status_code == 201
    assert response.json()["missing_items"] == ["7. Key evidential material"]


def test_other_force_gets_the_same_404_as_a_missing_record(api_as, referral_x) -> None:
    api = api_as("police_y")
    other = api.get(f"/partners/referrals/{referral_x.pk}")
    missing = api.get(f"/partners/referrals/{referral_x.pk + 999}")
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert api.get("/partners/referrals").json() == []
    assert (
        api.post(f"/partners/referrals/{referral_x.pk}/escalations", {"reason": "Escalate another force"}).status_code
        == 404
    )


def test_other_force_cannot_answer_an_action_plan(api_as, personas: Personas, referral_x) -> None:
    plan = services.action_plan_issue(actor=personas.prosecutor_a, referral=referral_x, actions="Phone data.")
    assert api_as("police_y").post(f"/partners/action-plans/{plan.pk}/answer", {"answer": "x"}).status_code == 404
    response = api_as("police_x").post(f"/partners/action-plans/{plan.pk}/answer", {"answer": "Requested."})
    assert response.status_code == 200 and response.json()["answer"] == "Requested."


def test_agreement_status_per_force(api_as, personas: Personas) -> None:
    agreement = signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5))
    mine = api_as("police_x").get("/partners/agreements").json()
    assert [(a["force"], a["status"], a["current_template"]) for a in mine] == [(str(personas.force_x), "signed", True)]
    assert api_as("police_y").get("/partners/agreements").json() == []
    assert api_as("police_y").get(f"/partners/agreements/{agreement.pk}").status_code == 404
    assert api_as("prosecutor_b").get(f"/partners/agreements/{agreement.pk}").status_code == 404
    assert api_as("hq").get(f"/partners/agreements/{agreement.pk}").status_code == 200


@pytest.mark.parametrize("persona", ["prosecutor_b", "admin"])
def test_staff_outside_the_unit_and_admin_see_no_referrals(api_as, persona: str, referral_x) -> None:
    api = api_as(persona)
    assert api.get("/partners/referrals").json() == []
    assert api.get(f"/partners/referrals/{referral_x.pk}").status_code == 404


@pytest.mark.parametrize("persona", ["prosecutor_a", "manager_a", "hq", "admin"])
def test_only_police_submit_over_the_api(api_as, persona: str) -> None:
    assert api_as(persona).post("/partners/referrals", {**ITEMS, "kind": "referral"}).status_code == 403


@pytest.mark.parametrize("persona", ["police_x", "police_y"])
def test_police_tokens_reach_no_case_data(api_as, persona: str, case_a) -> None:
    api = api_as(persona)
    assert api.get(f"/cases/{case_a.pk}").status_code == 404
    listed = api.get("/cases")
    assert listed.status_code == 404 and case_a.urn not in listed.content.decode()


def test_api_needs_authentication(db) -> None:
    from tests.api.conftest import ApiClient

    assert ApiClient().get("/partners/referrals").status_code == 401
