"""A request may be sent with items still missing: both sides see the list, the CCU's response
times start only when the last item arrives, and the force can read back what it sent."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.core.bank_holidays import working_calendar
from casework.core.errors import NotFound, TransitionRefused, ValidationFailed
from casework.partners import rules, selectors, services
from casework.partners.models import Referral
from tests.factories import Personas
from tests.partners.conftest import ITEMS, submit

SENT = dt.date(2026, 3, 2)  # a Monday
COMPLETED = dt.date(2026, 3, 9)  # the next Monday


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> None:
    cache.clear()


@pytest.fixture
def incomplete(personas: Personas, time_machine) -> Referral:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    return submit(personas.police_x, specific_questions="", key_evidence="tbc")


def _changes(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.changes) if isinstance(event.changes, str) else event.changes


# --- service ---------------------------------------------------------------------------------------


def test_sent_with_missing_items_lists_them_and_no_clock_runs(incomplete: Referral) -> None:
    assert incomplete.missing_items == ["6. The specific questions", "7. Key evidential material"]
    assert incomplete.completed_on is None
    assert incomplete.acknowledge_due_on is None and incomplete.respond_due_on is None
    assert incomplete.key_evidence == "tbc"  # what the force wrote is kept, but does not count
    clocks = selectors.referral_clocks(incomplete, SENT + dt.timedelta(days=30))
    assert [c.state for c in clocks] == ["not_started", "not_started"]
    event = AuditEvent.objects.filter(subject_type="partners.referral", action="collect").latest("seq")
    assert "6. The specific questions" in str(_changes(event)["missing_items"][1])


def test_a_complete_request_starts_the_clock_the_day_it_is_sent(personas: Personas, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    referral = submit(personas.police_x)
    assert referral.missing_items == [] and referral.completed_on == SENT
    assert referral.acknowledge_due_on == rules.due_after(working_calendar(), SENT, 2)


def test_sending_the_last_items_completes_the_request_and_starts_the_clock(
    personas: Personas, incomplete: Referral, time_machine
) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC))
    services.referral_send_missing_items(
        actor=personas.police_x, referral=incomplete, items={"specific_questions": "Is conspiracy the charge?"}
    )
    incomplete.refresh_from_db()
    assert incomplete.missing_items == ["7. Key evidential material"] and incomplete.completed_on is None
    time_machine.move_to(dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC))
    services.referral_send_missing_items(
        actor=personas.police_x,
        referral=incomplete,
        items={"key_evidence": "Bank statements.", "factual_summary": "Not replaced: it was sent already."},
    )
    incomplete.refresh_from_db()
    assert incomplete.missing_items == [] and incomplete.completed_on == COMPLETED
    assert incomplete.factual_summary == ITEMS["factual_summary"]
    calendar = working_calendar()
    assert incomplete.acknowledge_due_on == rules.due_after(calendar, COMPLETED, 2)
    assert incomplete.respond_due_on == rules.due_after(calendar, COMPLETED, 10)
    event = AuditEvent.objects.filter(subject_type="partners.referral", action="alter").latest("seq")
    assert _changes(event)["completed_on"] == [None, COMPLETED.isoformat()]
    with pytest.raises(TransitionRefused):
        services.referral_send_missing_items(actor=personas.police_x, referral=incomplete, items={"key_evidence": "x"})


def test_an_empty_request_or_an_empty_top_up_is_refused(personas: Personas, incomplete: Referral) -> None:
    with pytest.raises(ValidationFailed):
        services.referral_submit(actor=personas.police_x, kind="referral", items={})
    with pytest.raises(ValidationFailed) as error:
        services.referral_send_missing_items(actor=personas.police_x, referral=incomplete, items={})
    assert "specific_questions" in error.value.field_errors


@pytest.mark.parametrize("persona", ["police_y", "manager_a", "prosecutor_b"])
def test_only_the_sending_force_tops_up_its_request(personas: Personas, incomplete: Referral, persona: str) -> None:
    with pytest.raises(NotFound):
        services.referral_send_missing_items(
            actor=getattr(personas, persona), referral=incomplete, items={"key_evidence": "Statements."}
        )


def test_mou_sla_compliance_counts_from_completion(personas: Personas, incomplete: Referral, time_machine) -> None:
    # Weeks go by before the items arrive: that wait is not the CCU's breach.
    late = SENT + dt.timedelta(days=40)
    performance = selectors.force_performance(user=personas.manager_a, force_id=personas.force_x.pk, today=late)
    assert performance["cps_sla"]["breached_open"] == 0 and performance["cps_sla"]["running"] == 0
    time_machine.move_to(dt.datetime(2026, 4, 13, 10, 0, tzinfo=dt.UTC))
    services.referral_send_missing_items(
        actor=personas.police_x,
        referral=incomplete,
        items={"specific_questions": "Is conspiracy the charge?", "key_evidence": "Bank statements."},
    )
    incomplete.refresh_from_db()
    services.referral_acknowledge(actor=personas.prosecutor_a, referral=incomplete)
    performance = selectors.force_performance(
        user=personas.manager_a, force_id=personas.force_x.pk, today=dt.date(2026, 4, 13)
    )
    assert performance["cps_sla"]["met"] == 1 and performance["cps_sla"]["breached_open"] == 0


# --- pages -----------------------------------------------------------------------------------------


def test_the_form_says_which_items_make_a_request_complete(client, personas: Personas) -> None:
    client.force_login(personas.police_x)
    page = client.get(reverse("partners:portal_submit")).content.decode()
    assert page.count("(needed for a complete request)") == 8
    for _name, number, label, _action in rules.EIA_ITEMS:
        assert f"{number}. {label} (optional)" not in page


def test_the_form_sends_an_incomplete_request_and_says_what_is_missing(client, personas: Personas) -> None:
    client.force_login(personas.police_x)
    data = {**ITEMS, "kind": "early_advice", "specific_questions": "", "key_evidence": "tbc"}
    response = client.post(reverse("partners:portal_submit"), data, follow=True)
    referral = Referral.objects.get()
    assert response.redirect_chain[-1][0] == reverse("partners:portal_referral", args=[referral.pk])
    page = response.content.decode()
    assert "with 2 items still missing" in page
    assert "Still missing" in page and "6. The specific questions" in page and "7. Key evidential material" in page
    assert "Starts when the request is complete" in page


def test_the_force_reads_back_its_own_submission(client, personas: Personas, incomplete: Referral) -> None:
    client.force_login(personas.police_x)
    before = AuditEvent.objects.count()
    page = client.get(reverse("partners:portal_referral", args=[incomplete.pk])).content.decode()
    assert "What you sent" in page and ITEMS["factual_summary"] in page
    assert "2 March 2026" in page  # the date sent
    assert "Still missing" in page and "Submitted" in page  # status
    assert 'name="specific_questions"' in page  # the form to send what is missing
    assert AuditEvent.objects.count() == before + 1  # a disclosure to the force


def test_the_force_sends_missing_items_from_its_page(client, personas: Personas, incomplete: Referral) -> None:
    client.force_login(personas.police_x)
    url = reverse("partners:portal_send_missing", args=[incomplete.pk])
    assert client.post(url, {}).status_code == 422
    response = client.post(url, {"specific_questions": "Is conspiracy the charge?", "key_evidence": "Statements."})
    assert response.status_code == 302
    incomplete.refresh_from_db()
    assert incomplete.completed_on is not None and incomplete.respond_due_on is not None


@pytest.mark.parametrize("persona", ["police_y", "manager_a", "prosecutor_a", "hq", "admin"])
def test_nobody_else_reaches_the_forces_page_or_tops_it_up(
    client, personas: Personas, incomplete: Referral, persona: str
) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("partners:portal_referral", args=[incomplete.pk])).status_code == 404
    url = reverse("partners:portal_send_missing", args=[incomplete.pk])
    assert client.post(url, {"specific_questions": "Someone else's"}).status_code == 404
    incomplete.refresh_from_db()
    assert incomplete.specific_questions == ""


def test_the_ccu_sees_the_missing_list_and_its_read_is_logged(client, personas: Personas, incomplete) -> None:
    client.force_login(personas.prosecutor_a)
    before = AuditEvent.objects.filter(action="consult", subject_type="partners.referral").count()
    page = client.get(reverse("partners:referral", args=[incomplete.pk])).content.decode()
    assert "Still missing" in page and "6. The specific questions" in page and "Not sent" in page
    after = AuditEvent.objects.filter(action="consult", subject_type="partners.referral")
    assert after.count() == before + 1 and after.latest("seq").subject_id == str(incomplete.pk)
    listing = client.get(reverse("partners:referrals")).content.decode()
    assert "2 items still missing" in listing


@pytest.mark.parametrize("persona", ["prosecutor_b", "admin", "police_x"])
def test_cps_roles_outside_the_unit_cannot_read_it(client, personas: Personas, incomplete, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("partners:referral", args=[incomplete.pk])).status_code == 404


def test_api_sends_an_incomplete_request(api_as) -> None:
    api = api_as("police_x")
    response = api.post("/partners/referrals", {**ITEMS, "kind": "referral", "key_evidence": ""})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["missing_items"] == ["7. Key evidential material"]
    assert body["completed_on"] is None and body["respond_due_on"] is None
    assert body["clocks"][0]["state"] == "not_started"
    assert api.post("/partners/referrals", {"kind": "referral"}).status_code == 422
