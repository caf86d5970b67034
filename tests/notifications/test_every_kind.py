"""Every kind of e-mail, raised by the event that causes it, reaching the right person with only
what they may see. Police contacts receive their force's references and never CPS case content."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.assurance import services as assurance_services
from casework.notifications.catalogue import CASE_FIELDS, KINDS
from casework.notifications.models import OutboundEmail
from casework.partners.sweep import partners_sweep
from casework.people.choices import RoleCode
from casework.progression import services as progression_services
from casework.progression.sweep import progression_sweep
from casework.quality import services as quality_services
from casework.quality.emails import send_overdue_reminders
from casework.quality.models import Moderation
from tests.factories import make_user
from tests.partners.conftest import submit
from tests.progression.conftest import add_charge
from tests.quality.conftest import submitted


def sent(kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(kind=kind).order_by("pk"))


def test_the_catalogue_lists_every_kind_the_issue_names():
    assert set(KINDS) == {
        "daily_digest",
        "signoff_decision",
        "iqa_request",
        "iqa_reminder",
        "ctl_warning",
        "police_sla_breach",
        "police_escalation",
        "invitation",
        "password_reset",
    }


def test_signoff_decision_goes_to_the_requester(addressed, case_a):
    request = assurance_services.signoff_request(
        actor=addressed.prosecutor_a, case=case_a, checkpoint_code="acceptance"
    )
    assurance_services.signoff_decide(
        actor=addressed.manager_a, request=request, expected_version=1, approve=False, rationale="Needs the PSD first"
    )
    (email,) = sent("signoff_decision")
    assert email.to_email == "prosecutor.a@example.test" and email.status == "queued"
    assert email.personalisation["urn"] == case_a.urn and email.personalisation["decision"] == "returned to you"
    assert "Needs the PSD" not in str(email.personalisation)  # the rationale stays in the service


def test_ctl_warnings_go_to_the_lawyer_and_the_manager(addressed, case_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))
    charge = add_charge(case_a, addressed.prosecutor_a)
    ctl = progression_services.custody_clock_open(actor=addressed.prosecutor_a, charge=charge, initial_regime="summary")
    progression_services.clock_event_record(
        actor=addressed.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 1, 19)
    )
    progression_sweep()
    progression_sweep()  # the same threshold is not e-mailed twice
    emails = sent("ctl_warning")
    assert sorted(e.to_email for e in emails) == ["manager.a@example.test", "prosecutor.a@example.test"]
    assert {e.personalisation["urn"] for e in emails} == {case_a.urn} and all(e.case_ids == [case_a.pk] for e in emails)


def test_iqa_requests_and_a_single_reminder(addressed, case_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 11, 10, 0, tzinfo=dt.UTC))
    moderator = make_user("manager.a2", RoleCode.LEGAL_MANAGER, unit=addressed.unit_a, email="manager.a2@example.test")
    assessment = submitted(addressed.manager_a, case_a)
    moderation = Moderation.objects.filter(assessment=assessment).first()
    # Second marking, when drawn for this assessment, asks the moderator first.
    assert [e.to_email for e in sent("iqa_request")] == ([moderation.moderator.email] if moderation else [])
    assert moderator.email  # a second manager exists, so second marking can be routed
    quality_services.assessment_feedback_record(
        actor=addressed.manager_a,
        assessment_id=assessment.pk,
        expected_version=3,
        meeting_on=dt.date(2026, 5, 11),
        notes="Discussed.",
    )
    ask = sent("iqa_request")[-1]
    assert ask.to_email == "prosecutor.a@example.test" and ask.personalisation["urn"] == case_a.urn
    assert "acknowledge" in ask.personalisation["step"]
    later = dt.date(2026, 7, 1)
    assert send_overdue_reminders(today=later) == 1
    assert send_overdue_reminders(today=later) == 0
    (reminder,) = sent("iqa_reminder")
    assert (
        reminder.to_email == "prosecutor.a@example.test" and reminder.personalisation["step"] == "Acknowledge feedback"
    )


def test_moderator_is_asked_to_second_mark(addressed, case_a):
    assessment = submitted(addressed.manager_a, case_a)
    moderation = Moderation.objects.filter(assessment=assessment).first() or quality_services.moderation_assign(
        actor=addressed.manager_a, assessment=assessment
    )
    (ask,) = sent("iqa_request")
    assert ask.to_email == moderation.moderator.email and "Second-mark" in ask.personalisation["step"]
    assert ask.personalisation["link"].endswith(f"/quality/moderation/{moderation.pk}/")


@pytest.fixture
def force_contact(addressed):
    force = addressed.force_x
    force.notification_contact_name, force.notification_email = (
        "Hampshire CCU liaison desk",
        "ccu.liaison@hampshire.example",
    )
    force.save()
    return force


def test_police_sla_breach_and_escalation_go_to_the_forces_named_contact_without_case_content(
    addressed, force_contact, time_machine
):
    time_machine.move_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC))
    referral = submit(addressed.police_x)
    partners_sweep(today=dt.date(2026, 4, 21))
    (breach,) = sent("police_sla_breach")
    assert breach.to_email == "ccu.liaison@hampshire.example" and breach.case_ids == []
    assert breach.personalisation["referral_reference"] == referral.reference
    assert breach.personalisation["contact_name"] == "Hampshire CCU liaison desk"
    partners_sweep(today=dt.date(2026, 4, 24))
    (escalation,) = sent("police_escalation")
    assert escalation.to_email == "ccu.liaison@hampshire.example" and escalation.personalisation["level"] == "2"
    for email in (breach, escalation):
        assert not CASE_FIELDS & set(email.personalisation)
        assert "/partners/portal/" in email.personalisation["link"]


def test_without_a_named_contact_the_referring_officer_is_told(addressed, time_machine):
    time_machine.move_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC))
    submit(addressed.police_x)
    partners_sweep(today=dt.date(2026, 4, 21))
    assert [e.to_email for e in sent("police_sla_breach")] == ["police.x@example.test"]


def test_another_forces_contact_never_gets_the_notice(addressed, force_contact, time_machine):
    time_machine.move_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC))
    durham = addressed.force_y
    durham.notification_email = "durham@example.test"
    durham.save()
    submit(addressed.police_x)
    partners_sweep(today=dt.date(2026, 4, 21))
    assert [e.to_email for e in OutboundEmail.objects.all()] == ["ccu.liaison@hampshire.example"]
