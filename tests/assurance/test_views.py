"""Assurance pages on a case: the compliance panel, re-check, history, exemptions, waivers,
sign-off requests and decisions, and the Case Management Panel, with who may reach each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casework.assurance import services
from casework.assurance.models import Exemption, PanelAction, PanelMeeting, PanelRegistration, SignOffRequest, Waiver
from casework.assurance.templatetags.assurance import panel_context
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from tests.assurance.conftest import CANNOT_SEE_CASE_A, SEES_CASE_A, SEES_NOT_MANAGER_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated(case_a):
    services.case_evaluate(case_id=case_a.pk)
    return case_a


# --- the panel on the case page -------------------------------------------------------------------


def test_case_page_shows_what_is_missing_first_with_why_and_how_to_fix(client_as, evaluated):
    page = client_as("prosecutor_a").get(reverse("cases:section", args=[evaluated.pk, "compliance"])).content.decode()
    assert 'id="assurance-heading"' in page
    assert "Acceptance basis recorded" in page and "No acceptance basis is recorded" in page
    assert "Why it matters" in page and "HMCPSI inspection of CPS Complex Casework Units" in page
    assert "acceptance.basis@v1" in page
    assert reverse("cases:edit", args=[evaluated.pk]) in page  # the link to fix it
    # High-severity failures come before medium and low ones.
    assert page.index("Acceptance basis recorded") < page.index("Case reviewed regularly")
    # A prosecutor may not waive; the case's manager may.
    assert reverse("assurance:waiver_grant", args=[evaluated.pk]) not in page
    manager_page = (
        client_as("manager_a").get(reverse("cases:section", args=[evaluated.pk, "compliance"])).content.decode()
    )
    assert reverse("assurance:waiver_grant", args=[evaluated.pk]) in manager_page


def test_case_panel_query_count_does_not_grow_with_verdicts(personas, evaluated, django_assert_num_queries):
    user = personas.manager_a
    _ = user.role_codes
    # As the case page loads it (case_open selects the staff with the case).
    case = Case.objects.select_related("allocated_lawyer", "legal_manager").get(pk=evaluated.pk)
    # verdicts (with rules), waivers, exemptions, a waiting re-check, checkpoints in force, sign-off requests
    with django_assert_num_queries(6):
        data = panel_context(user=user, case=case)
    shown = sum(len(data[key]) for key in ("not_met", "settled", "met", "not_applicable"))
    assert shown == evaluated.verdicts.filter(valid_to__isnull=True).count() >= 10


def test_waived_and_exempt_rules_show_approver_and_expiry(personas, client_as, evaluated):
    services.waiver_grant(
        actor=personas.unithead_a,
        case=evaluated,
        rule_code="acceptance.basis",
        reason="Review paused while the case is stayed by the court.",
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )
    services.rechecks_run()
    page = client_as("prosecutor_a").get(reverse("cases:section", args=[evaluated.pk, "compliance"])).content.decode()
    assert "Waived or exempt" in page and "Unithead Persona" in page
    assert "Review paused while the case is stayed by the court." in page


@pytest.mark.parametrize("persona", sorted(SEES_CASE_A))
def test_recheck_is_for_those_who_may_change_the_case(client_as, case_a, persona):
    """A recheck writes verdict rows: read-only roles (HQ, inspectors, Area leadership) get a 403."""
    response = client_as(persona).post(reverse("assurance:recheck", args=[case_a.pk]))
    if persona in {"hq", "inspector", "area_leader_a"}:
        assert response.status_code == 403
        return
    assert response.status_code == 302
    assert case_a.verdicts.filter(valid_to__isnull=True).exists()


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_recheck_and_history_are_404_for_outsiders(client_as, evaluated, persona):
    client = client_as(persona)
    assert client.post(reverse("assurance:recheck", args=[evaluated.pk])).status_code == 404
    assert client.get(reverse("assurance:history", args=[evaluated.pk])).status_code == 404
    assert client.get(reverse("assurance:panel", args=[evaluated.pk])).status_code == 404


def test_recheck_refuses_get(client_as, case_a):
    assert client_as("manager_a").get(reverse("assurance:recheck", args=[case_a.pk])).status_code == 405


def test_history_lists_every_period_with_rule_version_and_is_a_logged_consultation(client_as, evaluated):
    response = client_as("hq").get(reverse("assurance:history", args=[evaluated.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "acceptance.basis@v1" in page and "Current" in page
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "consult" and event.case_id == evaluated.pk and event.justification


# --- exemptions and waivers ------------------------------------------------------------------------


def test_manager_records_an_exemption(client_as, personas, evaluated, run_queued_tasks):
    client = client_as("manager_a")
    url = reverse("assurance:exemption", args=[evaluated.pk])
    assert client.get(url + "?document=psd").status_code == 200
    response = client.post(url, {"document": "psd", "reason": "Single-issue case agreed with the unit head."})
    # Back to the compliance section (its top, where the success banner is).
    assert response.status_code == 302 and response["Location"] == f"/cases/{evaluated.pk}/compliance/"
    exemption = Exemption.objects.get(case=evaluated)
    assert exemption.approver == personas.manager_a
    run_queued_tasks()
    assert evaluated.verdicts.get(rule_code="psd.present", valid_to__isnull=True).outcome == "exempt"


def test_exemption_form_shows_service_errors(client_as, evaluated):
    response = client_as("manager_a").post(
        reverse("assurance:exemption", args=[evaluated.pk]), {"document": "psd", "reason": "too short"}
    )
    assert response.status_code == 200
    assert "at least 20 characters" in response.content.decode()
    assert not Exemption.objects.exists()


@pytest.mark.parametrize("persona", SEES_NOT_MANAGER_A)
def test_exemption_waiver_and_panel_are_403_for_those_who_see_but_do_not_manage(client_as, evaluated, persona):
    client = client_as(persona)
    assert client.get(reverse("assurance:exemption", args=[evaluated.pk])).status_code == 403
    assert (
        client.post(
            reverse("assurance:exemption", args=[evaluated.pk]), {"document": "psd", "reason": "x" * 30}
        ).status_code
        == 403
    )
    assert client.get(reverse("assurance:waiver_grant", args=[evaluated.pk])).status_code == 403
    assert client.post(reverse("assurance:panel_register", args=[evaluated.pk])).status_code == 403
    assert client.get(reverse("assurance:panel_meeting", args=[evaluated.pk])).status_code == 403
    assert not Exemption.objects.exists() and not PanelRegistration.objects.exists()


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_exemption_waiver_and_panel_are_404_for_outsiders(client_as, evaluated, persona):
    client = client_as(persona)
    for name in (
        "assurance:exemption",
        "assurance:waiver_grant",
        "assurance:panel_meeting",
        "assurance:signoff_request",
    ):
        assert client.get(reverse(name, args=[evaluated.pk])).status_code == 404
    assert client.post(reverse("assurance:panel_register", args=[evaluated.pk])).status_code == 404


def test_waiver_grant_and_revoke(client_as, personas, evaluated, run_queued_tasks):
    client = client_as("unithead_a")
    expires = dt.date.today() + dt.timedelta(days=60)
    response = client.post(
        reverse("assurance:waiver_grant", args=[evaluated.pk]),
        {
            "rule_code": "acceptance.basis",
            "reason": "Stayed pending a Court of Appeal ruling.",
            "expires_on_day": expires.day,
            "expires_on_month": expires.month,
            "expires_on_year": expires.year,
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{evaluated.pk}/compliance/"
    waiver = Waiver.objects.get(case=evaluated)
    run_queued_tasks()
    assert evaluated.verdicts.get(rule_code="acceptance.basis", valid_to__isnull=True).outcome == "waived"
    revoke = reverse("assurance:waiver_revoke", args=[evaluated.pk, waiver.pk])
    assert client_as("prosecutor_a").post(revoke).status_code == 403
    assert client.get(revoke).status_code == 200
    revoked = client.post(revoke)
    assert revoked.status_code == 302 and revoked["Location"] == f"/cases/{evaluated.pk}/compliance/"
    waiver.refresh_from_db()
    assert waiver.revoked_at is not None
    assert AuditEvent.objects.order_by("-seq").first().action == "alter"
    assert client.get(revoke).status_code == 404  # already revoked


# --- sign-off ------------------------------------------------------------------------------------


def _request_signoff(client_as, case, checkpoint="before_ptph"):
    response = client_as("prosecutor_a").post(
        reverse("assurance:signoff_request", args=[case.pk]), {"checkpoint": checkpoint, "note": "Ready for PTPH."}
    )
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == f"/cases/{case.pk}/compliance/"
    return SignOffRequest.objects.get(case=case, checkpoint__code=checkpoint)


def test_signoff_request_routes_to_the_manager_who_approves_from_the_queue(client_as, personas, evaluated):
    signoff = _request_signoff(client_as, evaluated)
    assert signoff.approver == personas.manager_a
    queue = client_as("manager_a").get(reverse("assurance:approvals")).content.decode()
    assert evaluated.urn in queue and reverse("assurance:signoff_decide", args=[signoff.pk]) in queue
    assert evaluated.urn not in client_as("unithead_a").get(reverse("assurance:approvals")).content.decode()
    decide = reverse("assurance:signoff_decide", args=[signoff.pk])
    page = client_as("manager_a").get(decide).content.decode()
    assert f'name="version" value="{signoff.version}"' in page
    response = client_as("manager_a").post(
        decide, {"decision": "approve", "rationale_approve": "", "version": signoff.version}
    )
    assert response.status_code == 302
    signoff.refresh_from_db()
    assert signoff.status == "approved" and signoff.decided_by == personas.manager_a


def test_signoff_return_needs_rationale_and_stale_version_is_refused(client_as, evaluated):
    signoff = _request_signoff(client_as, evaluated)
    decide = reverse("assurance:signoff_decide", args=[signoff.pk])
    client = client_as("manager_a")
    # Returning reveals a required "why" box: left empty, the error is on that box.
    response = client.post(decide, {"decision": "return", "rationale_return": "", "version": signoff.version})
    page = response.content.decode()
    assert response.status_code == 200 and "Enter why you are returning it" in page
    assert 'href="#id_rationale_return"' in page
    response = client.post(decide, {"decision": "approve", "rationale_approve": "", "version": signoff.version + 5})
    assert response.status_code == 200 and "after you opened it" in response.content.decode()
    signoff.refresh_from_db()
    assert signoff.status == "pending"


@pytest.mark.parametrize(
    "persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "area_leader_a", "hq", "inspector", "police_x", "admin"]
)
def test_approvals_queue_is_404_for_non_managers(client_as, persona):
    assert client_as(persona).get(reverse("assurance:approvals")).status_code == 404


@pytest.mark.parametrize("persona", ["unithead_a", "prosecutor_a", "hq", "prosecutor_b", "police_x"])
def test_only_the_routed_approver_reaches_the_decision(client_as, evaluated, persona):
    signoff = _request_signoff(client_as, evaluated)
    decide = reverse("assurance:signoff_decide", args=[signoff.pk])
    assert client_as(persona).get(decide).status_code == 404
    assert client_as(persona).post(decide, {"decision": "approve", "version": 1}).status_code == 404


@pytest.mark.parametrize("persona", ["area_leader_a", "hq", "inspector"])  # read only
def test_signoff_request_is_403_for_read_only_viewers(client_as, evaluated, persona):
    assert client_as(persona).get(reverse("assurance:signoff_request", args=[evaluated.pk])).status_code == 403


# --- the Case Management Panel -------------------------------------------------------------------


def test_panel_register_meeting_and_action(client_as, personas, evaluated):
    client = client_as("manager_a")
    assert client.post(reverse("assurance:panel_register", args=[evaluated.pk])).status_code == 302
    assert PanelRegistration.objects.filter(case=evaluated).exists()
    url = reverse("assurance:panel_meeting", args=[evaluated.pk])
    assert client.get(url).status_code == 200
    today = dt.date.today()
    response = client.post(
        url,
        {
            "held_on_day": today.day,
            "held_on_month": today.month,
            "held_on_year": today.year,
            "members": [personas.manager_a.pk, personas.unithead_a.pk],
            "decisions": "Instruct leading counsel.",
            "rationale": "Trial estimate over 40 days.",
            "action_1_description": "Draft the case plan",
            "action_1_owner": personas.prosecutor_a.pk,
            "action_1_due_on_day": today.day,
            "action_1_due_on_month": today.month,
            "action_1_due_on_year": today.year,
            "action_2_description": "Brief the unit head",  # no owner: refused
        },
    )
    assert response.status_code == 200 and "Select who owns action 2" in response.content.decode()
    response = client.post(
        url,
        {
            "held_on_day": today.day,
            "held_on_month": today.month,
            "held_on_year": today.year,
            "members": [personas.manager_a.pk],
            "decisions": "Instruct leading counsel.",
            "rationale": "Trial estimate over 40 days.",
            "action_1_description": "Draft the case plan",
            "action_1_owner": personas.prosecutor_a.pk,
            "action_1_due_on_day": today.day,
            "action_1_due_on_month": today.month,
            "action_1_due_on_year": today.year,
        },
    )
    # Back to the panel page, which lists the meetings (it is reached from the compliance section).
    assert response.status_code == 302 and response["Location"] == reverse("assurance:panel", args=[evaluated.pk])
    meeting = PanelMeeting.objects.get(case=evaluated)
    action = PanelAction.objects.get(meeting=meeting)
    page = client_as("hq").get(reverse("assurance:panel", args=[evaluated.pk])).content.decode()
    assert "Instruct leading counsel." in page and "Draft the case plan" in page and "Mark done" not in page
    done = reverse("assurance:panel_action_done", args=[evaluated.pk, action.pk])
    assert client_as("hq").post(done, {"version": action.version}).status_code == 403
    assert client_as("prosecutor_a").post(done, {"version": action.version}).status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
