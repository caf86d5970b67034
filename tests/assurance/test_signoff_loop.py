"""The sign-off loop: the case shows where each checkpoint stands and offers only those that may be
requested; the approver decides with the case's verdicts, key documents and days waiting in front of
them; the requester is told the decision and sees it with its rationale on the case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casework.assurance import services
from casework.assurance.models import SignOffRequest
from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.notifications.models import OutboundEmail
from tests.assurance.conftest import CANNOT_SEE_CASE_A

pytestmark = pytest.mark.django_db

REQUEST_AT = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
DECIDE_AT = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)  # seven days later


@pytest.fixture
def evaluated(case_a, time_machine):
    time_machine.move_to(REQUEST_AT, tick=False)
    services.case_evaluate(case_id=case_a.pk)
    return case_a


def _compliance(client, case) -> str:
    return client.get(reverse("cases:section", args=[case.pk, "compliance"])).content.decode()


def _request(client, case, checkpoint: str) -> SignOffRequest:
    response = client.post(
        reverse("assurance:signoff_request", args=[case.pk]), {"checkpoint": checkpoint, "note": "Ready."}
    )
    assert response.status_code == 302, response.content.decode()
    return SignOffRequest.objects.filter(case=case, checkpoint__code=checkpoint).latest("created_at")


def test_the_whole_loop(client_as, personas, evaluated, time_machine):
    personas.prosecutor_a.email = "prosecutor.a@example.test"
    personas.prosecutor_a.save(update_fields=["email"])
    prosecutor = client_as("prosecutor_a")
    case_services.document_add(
        actor=personas.prosecutor_a, case=evaluated, kind="psd", title="Strategy for Op Test", body="The plan."
    )
    page = _compliance(prosecutor, evaluated)
    assert 'id="signoffs-heading"' in page and "Not requested" in page
    request_page = prosecutor.get(reverse("assurance:signoff_request", args=[evaluated.pk])).content.decode()
    assert 'value="before_ptph"' in request_page

    signoff = _request(prosecutor, evaluated, "before_ptph")
    # Waiting: shown as such, and no longer offered.
    assert "Waiting for a decision" in _compliance(prosecutor, evaluated)
    request_page = prosecutor.get(reverse("assurance:signoff_request", args=[evaluated.pk])).content.decode()
    assert 'value="before_ptph"' not in request_page and "Waiting for a decision" in request_page
    # Asking for it anyway (a page open from before) is refused on the field, not a second request.
    response = prosecutor.post(reverse("assurance:signoff_request", args=[evaluated.pk]), {"checkpoint": "before_ptph"})
    assert response.status_code == 200 and "not already waiting for a decision or approved" in response.content.decode()
    assert SignOffRequest.objects.filter(case=evaluated, checkpoint__code="before_ptph").count() == 1

    # The manager decides a week later, with what they need on the page.
    time_machine.move_to(DECIDE_AT, tick=False)
    prosecutor, manager = client_as("prosecutor_a"), client_as("manager_a")  # sessions of the day
    decide = reverse("assurance:signoff_decide", args=[signoff.pk])
    before = AuditEvent.objects.filter(action="consult", case_id=evaluated.pk).count()
    page = manager.get(decide).content.decode()
    assert "7 days" in page
    assert "The case&#x27;s assurance" in page or "The case's assurance" in page
    assert "Acceptance basis recorded" in page  # a verdict not met on this case
    assert "Strategy for Op Test" in page and "Disclosure Management Document" in page and "Not on file" in page
    assert AuditEvent.objects.filter(action="consult", case_id=evaluated.pk).count() == before + 1
    response = manager.post(
        decide,
        {"decision": "return", "rationale_return": "Add the disclosure plan to the PSD first.", "version": 1},
    )
    assert response.status_code == 302

    # The requester is told (through the notifications app) and sees the decision with its rationale.
    email = OutboundEmail.objects.get(kind="signoff_decision")
    assert email.recipient_user == personas.prosecutor_a
    assert email.personalisation["decision"] == "returned to you"
    assert "#signoffs-heading" in email.personalisation["link"]
    assert "Add the disclosure plan" not in str(email.personalisation)  # no case free text in e-mail
    page = _compliance(prosecutor, evaluated)
    assert "Returned" in page and "Add the disclosure plan to the PSD first." in page
    assert personas.manager_a.display_name in page
    # Returned may be asked for again; once approved it is not offered.
    again = _request(prosecutor, evaluated, "before_ptph")
    assert again.pk != signoff.pk
    manager.post(reverse("assurance:signoff_decide", args=[again.pk]), {"decision": "approve", "version": 1})
    page = _compliance(prosecutor, evaluated)
    assert "Approved" in page
    request_page = prosecutor.get(reverse("assurance:signoff_request", args=[evaluated.pk])).content.decode()
    assert 'value="before_ptph"' not in request_page


def test_nothing_to_request_says_so_and_the_link_goes(client_as, personas, evaluated):
    from casework.assurance import selectors
    from casework.core import clock

    prosecutor = client_as("prosecutor_a")
    for checkpoint in selectors.checkpoints_in_force(clock.today()):
        services.signoff_request(actor=personas.prosecutor_a, case=evaluated, checkpoint_code=checkpoint.code)
    page = prosecutor.get(reverse("assurance:signoff_request", args=[evaluated.pk])).content.decode()
    assert "nothing to request" in page and 'name="checkpoint"' not in page
    assert reverse("assurance:signoff_request", args=[evaluated.pk]) not in _compliance(prosecutor, evaluated)


@pytest.mark.parametrize("persona", ["prosecutor_a", "unithead_a", "area_leader_a", "hq", "inspector", "paralegal_a"])
def test_only_the_routed_approver_decides_or_views(client_as, personas, evaluated, persona):
    signoff = services.signoff_request(actor=personas.prosecutor_a, case=evaluated, checkpoint_code="before_ptph")
    decide = reverse("assurance:signoff_decide", args=[signoff.pk])
    client = client_as(persona)
    assert client.get(decide).status_code == 404
    assert client.post(decide, {"decision": "approve", "version": 1}).status_code == 404
    signoff.refresh_from_db()
    assert signoff.status == "pending"


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_outsiders_see_no_checkpoints(client_as, evaluated, persona):
    assert client_as(persona).get(reverse("assurance:signoff_request", args=[evaluated.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["area_leader_a", "hq", "inspector"])
def test_read_only_viewers_see_the_states_but_cannot_request(client_as, personas, evaluated, persona):
    services.signoff_request(actor=personas.prosecutor_a, case=evaluated, checkpoint_code="before_ptph")
    client = client_as(persona)
    page = _compliance(client, evaluated)
    assert "Waiting for a decision" in page
    assert reverse("assurance:signoff_request", args=[evaluated.pk]) not in page
    assert client.get(reverse("assurance:signoff_request", args=[evaluated.pk])).status_code == 403
