"""Services: templates, agreements and their lifecycle, referrals and triage, SLA clocks, sweeps.
Each asserts the audit event the change wrote."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from casework.audit.models import AuditEvent
from casework.cases.models import AcceptanceCriterion, Case
from casework.core.bank_holidays import working_calendar
from casework.core.errors import EditConflict, NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.partners import selectors, services
from casework.partners.models import Agreement, AgreementDeviation, Escalation, MouTemplate, Referral
from casework.partners.sweep import partners_sweep
from casework.people.choices import RoleCode
from casework.progression.models import Task
from tests.factories import Personas, make_user
from tests.partners.conftest import ITEMS, signed_agreement, submit

TODAY = dt.date(2026, 4, 2)  # Thursday before Good Friday 2026


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC))


def last_event(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).order_by("-seq").first()


def changes(event: AuditEvent) -> dict:
    return json.loads(event.changes) if isinstance(event.changes, str) else event.changes


# --- templates -------------------------------------------------------------------------------------


def test_template_v1_is_loaded_as_data(db) -> None:
    template = MouTemplate.objects.get(number=1)
    assert template.status == "published" and selectors.current_template(TODAY) == template
    assert [r["cps"] for r in template.content["ladder"]] == [
        "Reviewing lawyer",
        "Legal manager",
        "Unit Head",
        "DCCP / CCP",
    ]


def test_publishing_a_version_records_its_changes(personas: Personas, hq_policy) -> None:
    v1 = MouTemplate.objects.get(number=1)
    content = copy.deepcopy(v1.content)
    content["parameters"][1]["default"] = 8
    v2 = services.template_publish(
        actor=hq_policy, content=content, title="", effective_from=TODAY, change_note="Faster advice", source=""
    )
    assert v2.number == 2 and selectors.current_template(TODAY) == v2
    assert [c.summary for c in selectors.template_changes(v2)] == [
        "Changed parameter CCU gives a triage decision or early advice within"
    ]
    event = last_event(subject_type="partners.moutemplate")
    assert event.action == "config_change" and changes(event)["version"] == [1, 2]
    with pytest.raises(ValidationFailed, match="identical"):
        services.template_publish(
            actor=hq_policy, content=content, title="", effective_from=TODAY, change_note="Again", source=""
        )


@pytest.mark.parametrize("persona", ["manager_a", "prosecutor_a", "inspector", "police_x", "hq", "admin"])
def test_only_the_hq_policy_lead_publishes_templates(personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.template_publish(
            actor=getattr(personas, persona), content={}, title="", effective_from=TODAY, change_note="x", source=""
        )


# --- agreements ------------------------------------------------------------------------------------


def test_agreement_lifecycle_with_audit_and_locking(personas: Personas) -> None:
    manager, force = personas.manager_a, personas.force_x
    agreement = services.agreement_create(actor=manager, force_id=force.pk, parameters={"respond_days": 12})
    assert agreement.status == "draft" and agreement.unit == personas.unit_a
    assert last_event(subject_type="partners.agreement").action == "collect"
    services.agreement_record_deviation(
        actor=manager,
        agreement=agreement,
        clause_code="liaison.2",
        text="Meetings by video every {operational_meeting_weeks} weeks.",
        reason="Rural force",
    )
    clause = {c.code: c for c in selectors.agreement_clauses(agreement)}["liaison.2"]
    assert clause.status == "varied" and clause.agreed_text == "Meetings by video every 4 weeks."
    stale = agreement.version
    services.agreement_transition(actor=manager, agreement=agreement, expected_version=stale, target="negotiating")
    with pytest.raises(EditConflict):
        services.agreement_transition(
            actor=manager, agreement=Agreement.objects.get(pk=agreement.pk), expected_version=stale, target="draft"
        )
    with pytest.raises(ValidationFailed) as missing:
        services.agreement_transition(
            actor=manager, agreement=agreement, expected_version=agreement.version, target="signed"
        )
    assert set(missing.value.field_errors) == {"cps_signatory", "police_signatory", "signed_on"}
    services.agreement_transition(
        actor=manager,
        agreement=agreement,
        expected_version=agreement.version,
        target="signed",
        cps_signatory="Jo Whitfield",
        police_signatory="ACC Stone",
        signed_on=dt.date(2026, 3, 31),
    )
    agreement.refresh_from_db()
    assert agreement.status == "signed" and agreement.review_due_on == dt.date(2027, 3, 31)
    assert agreement.expires_on == dt.date(2027, 9, 30)
    event = last_event(subject_type="partners.agreement", subject_id=str(agreement.pk))
    assert event.action == "alter" and changes(event)["status"] == ["negotiating", "signed"]
    with pytest.raises(TransitionRefused):
        services.agreement_record_deviation(
            actor=manager, agreement=agreement, clause_code="review.1", text="x", reason="y"
        )
    with pytest.raises(TransitionRefused, match="cannot become draft"):
        services.agreement_transition(
            actor=manager, agreement=agreement, expected_version=agreement.version, target="draft"
        )


def test_required_clause_cannot_be_omitted_and_parameters_stay_in_range(personas: Personas) -> None:
    agreement = services.agreement_create(actor=personas.manager_a, force_id=personas.force_x.pk)
    with pytest.raises(ValidationFailed, match="required"):
        services.agreement_record_deviation(
            actor=personas.manager_a, agreement=agreement, clause_code="referral.1", omitted=True, reason="Local"
        )
    with pytest.raises(ValidationFailed) as error:
        services.agreement_update(
            actor=personas.manager_a,
            agreement=agreement,
            expected_version=agreement.version,
            parameters={"acknowledge_days": 40},
        )
    assert "between 1 and 10" in error.value.field_errors["acknowledge_days"][0]


def test_agreements_are_made_only_by_the_serving_units_managers(personas: Personas) -> None:
    with pytest.raises(NotFound):  # Durham is outside unit A's view
        services.agreement_create(actor=personas.manager_a, force_id=personas.force_y.pk)
    for persona in ("prosecutor_a", "hq"):
        with pytest.raises(PermissionDenied):
            services.agreement_create(actor=getattr(personas, persona), force_id=personas.force_x.pk)
    with pytest.raises(PermissionDenied):
        services.agreement_create(actor=personas.police_x, force_id=personas.force_x.pk)
    with pytest.raises(NotFound):
        services.agreement_create(actor=personas.police_x, force_id=personas.force_y.pk)


def test_revision_onto_a_new_version_supersedes_when_signed(personas: Personas) -> None:
    manager = personas.manager_a
    old = signed_agreement(manager, personas.force_x.pk, dt.date(2025, 6, 1))
    services.agreement_record_deviation  # noqa: B018  (old is signed: variations were carried below)
    AgreementDeviation.objects.create(
        agreement=old,
        clause_code="progression.4",
        omitted=True,
        reason="Local",
        recorded_by=manager,
        recorded_at=old.created_at,
    )
    v1 = MouTemplate.objects.get(number=1)
    content = copy.deepcopy(v1.content)
    content["sections"][5]["clauses"][3]["required"] = True
    v2 = services.template_publish(
        actor=make_user("hq.policy", RoleCode.HQ_POLICY),
        content=content,
        title="",
        effective_from=TODAY,
        change_note="Trial reviews now required",
        source="",
    )
    assert "Clause progression.4 is now required" in " ".join(selectors.migration_plan(old, v2))
    new = services.agreement_start_revision(actor=manager, agreement=old, template_number=2)
    assert new.template == v2 and new.status == "draft"
    assert not new.deviations.exists()  # an omitted clause that is now required is not carried over
    services.agreement_transition(actor=manager, agreement=new, expected_version=new.version, target="negotiating")
    services.agreement_transition(
        actor=manager,
        agreement=new,
        expected_version=new.version,
        target="signed",
        cps_signatory="A",
        police_signatory="B",
        signed_on=TODAY,
    )
    old.refresh_from_db()
    assert old.status == "superseded" and old.superseded_by == new
    assert selectors.agreement_for_force(personas.force_x.pk) == new


def test_review_sweep_reminds_then_marks_due_then_expires(personas: Personas) -> None:
    agreement = signed_agreement(personas.unithead_a, personas.force_x.pk, dt.date(2025, 5, 1))
    assert agreement.review_due_on == dt.date(2026, 5, 1)
    counts = services.agreements_review_sweep(today=TODAY)  # within the 60-day reminder window
    assert counts["reminders"] == 1
    task = Task.objects.get(assignee=personas.unithead_a)
    assert "Review the MoU with Hampshire" in task.title
    assert services.agreements_review_sweep(today=TODAY)["reminders"] == 0  # once only
    services.agreements_review_sweep(today=dt.date(2026, 5, 2))
    agreement.refresh_from_db()
    assert agreement.status == "review_due"
    services.agreements_review_sweep(today=dt.date(2026, 11, 2))
    agreement.refresh_from_db()
    assert agreement.status == "expired"
    assert last_event(subject_type="partners.agreement").actor_label == "system"


# --- referrals ---------------------------------------------------------------------------------------


def test_incomplete_request_is_sent_with_its_missing_items(personas: Personas) -> None:
    referral = submit(personas.police_x, specific_questions="", key_evidence="tbc")
    assert referral.missing_items == ["6. The specific questions", "7. Key evidential material"]
    assert referral.respond_due_on is None


@pytest.mark.parametrize("persona", ["prosecutor_a", "manager_a", "hq", "admin"])
def test_only_police_submit(personas: Personas, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        submit(getattr(personas, persona))


def test_sla_clocks_come_from_the_agreement_and_the_bank_holiday_calendar(personas: Personas) -> None:
    signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5), acknowledge_days=1, respond_days=3)
    referral = submit(personas.police_x)
    calendar = working_calendar()
    assert not calendar.is_working_day(dt.date(2026, 4, 3)) and not calendar.is_working_day(dt.date(2026, 4, 6))
    # Thursday 2 April + 1 working day skips Good Friday, the weekend and Easter Monday.
    assert referral.acknowledge_due_on == dt.date(2026, 4, 7)
    assert referral.respond_due_on == dt.date(2026, 4, 9)
    assert referral.reference.startswith("EIA-HAMP-") and referral.agreement is not None
    event = last_event(subject_type="partners.referral")
    assert event.action == "collect" and event.actor_id == personas.police_x.pk


def test_without_an_agreement_hq_defaults_apply(personas: Personas) -> None:
    referral = submit(personas.police_y, kind="referral")
    assert referral.agreement is None and referral.unit == personas.unit_b
    assert referral.respond_due_on == dt.date(2026, 4, 20)  # 10 working days over Easter


def test_accept_creates_the_case_on_a_listed_criterion(personas: Personas) -> None:
    referral = submit(personas.police_x, kind="referral")
    criterion = AcceptanceCriterion.objects.order_by("pk").first()
    services.referral_accept(actor=personas.manager_a, referral=referral, criterion_id=criterion.pk, urn="44HX7777726")
    referral.refresh_from_db()
    case = Case.objects.get(urn="44HX7777726")
    assert referral.status == "accepted" and referral.case == case and referral.responded_on == TODAY
    assert case.acceptance_criterion == criterion and case.lead_force == personas.force_x
    assert case.unit == personas.unit_a and case.accepted_on == TODAY
    with pytest.raises(TransitionRefused):
        services.referral_decline(actor=personas.manager_a, referral=referral, reason="Changed our mind entirely")


def test_decline_is_communicated_with_reason_and_feeds_assurance(personas: Personas) -> None:
    referral = submit(personas.police_x)
    with pytest.raises(ValidationFailed):
        services.referral_decline(actor=personas.prosecutor_a, referral=referral, reason="")
    services.referral_decline(
        actor=personas.prosecutor_a,
        referral=referral,
        reason="The questions are for the investigating officer to decide.",
    )
    referral.refresh_from_db()
    assert referral.status == "declined" and referral.decline_communicated_on == TODAY
    event = last_event(subject_type="partners.referral")
    assert changes(event)["status"] == ["submitted", "declined"]


def test_early_advice_facts_for_the_assurance_rule(personas: Personas, case_a: Case) -> None:
    referral = submit(personas.police_x)
    services.referral_decline(actor=personas.prosecutor_a, referral=referral, reason="Not a CCU matter at all.")
    Referral.objects.filter(pk=referral.pk).update(case=case_a)  # test setup: link the request to a case
    facts = selectors.early_advice_facts([case_a.pk], TODAY)
    assert facts[case_a.pk] == [
        {
            "reference": referral.reference,
            "missing_items": [],
            "refused": True,
            "refusal_reason": "Not a CCU matter at all.",
            "refusal_communicated_on": TODAY,
        }
    ]


def test_other_units_cannot_triage(personas: Personas) -> None:
    referral = submit(personas.police_x, kind="referral")
    with pytest.raises(NotFound):
        services.referral_acknowledge(actor=personas.prosecutor_b, referral=referral)
    with pytest.raises(PermissionDenied):  # a prosecutor sees it but triage is for managers
        services.referral_redirect(
            actor=personas.prosecutor_a, referral=referral, division="special_crime", reason="Over threshold"
        )
    with pytest.raises(NotFound):
        services.referral_advise(actor=personas.police_y, referral=referral, advice="Some advice for you")


def test_action_plan_answered_only_by_the_force(personas: Personas) -> None:
    referral = submit(personas.police_x)
    plan = services.action_plan_issue(actor=personas.prosecutor_a, referral=referral, actions="Get the phone data.")
    assert plan.response_due_on == dt.date(2026, 4, 27)  # 15 working days over Easter
    with pytest.raises(NotFound):
        services.action_plan_answer(actor=personas.police_y, plan_id=plan.pk, answer="Done")
    services.action_plan_answer(actor=personas.police_x, plan_id=plan.pk, answer="Downloads requested.")
    plan.refresh_from_db()
    assert plan.answered_on == TODAY and last_event(subject_type="partners.actionplan").action == "alter"


def test_escalation_request_climbs_the_ladder(personas: Personas) -> None:
    referral = submit(personas.police_x)
    first = services.escalation_request(actor=personas.police_x, referral=referral, reason="We need this urgently.")
    assert (first.level, first.police_role, first.cps_role) == (1, "Officer in the case", "Reviewing lawyer")
    assert first.response_due_on == dt.date(2026, 4, 8)
    second = services.escalation_request(actor=personas.police_x, referral=referral, reason="Still no answer here.")
    first.refresh_from_db()
    assert second.level == 2 and first.status == "superseded" and second.previous == first
    services.escalation_resolve(actor=personas.manager_a, escalation_id=second.pk, outcome="Advice by Friday.")
    second.refresh_from_db()
    assert second.status == "resolved"


def test_sweep_escalates_breaches_and_moves_unanswered_escalations_up(personas: Personas) -> None:
    referral = submit(personas.police_x)  # respond by 20 April (HQ default 10 working days)
    assert partners_sweep(today=dt.date(2026, 4, 20))["breaches_escalated"] == 0
    report = partners_sweep(today=dt.date(2026, 4, 21))
    assert report["breaches_escalated"] == 1
    level_1 = Escalation.objects.get(referral=referral)
    assert level_1.level == 1 and level_1.response_due_on == dt.date(2026, 4, 23)
    assert partners_sweep(today=dt.date(2026, 4, 21))["breaches_escalated"] == 0  # idempotent
    assert partners_sweep(today=dt.date(2026, 4, 24))["escalations_raised_a_level"] == 1
    levels = list(Escalation.objects.filter(referral=referral).values_list("level", "status"))
    assert levels == [(1, "superseded"), (2, "open")]
    referral.refresh_from_db()
    assert referral.escalation_level == 2
    services.referral_advise(actor=personas.prosecutor_a, referral=referral, advice="Charge conspiracy to defraud.")
    assert not Escalation.objects.filter(referral=referral, status="open").exists()


def test_police_action_plan_breach_is_escalated(personas: Personas) -> None:
    referral = submit(personas.police_x)
    services.referral_advise(actor=personas.prosecutor_a, referral=referral, advice="Advice given in full here.")
    plan = services.action_plan_issue(actor=personas.prosecutor_a, referral=referral, actions="Phone data.")
    partners_sweep(today=plan.response_due_on + dt.timedelta(days=1))
    escalation = Escalation.objects.get(referral=referral)
    assert escalation.raised_side == "cps" and "action plan" in escalation.reason


def test_meetings_and_disagreements(personas: Personas) -> None:
    agreement = signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5))
    meeting = services.meeting_record(
        actor=personas.prosecutor_a,
        agreement=agreement,
        kind="operational",
        held_on=TODAY,
        cps_attendees="A Morgan",
        police_attendees="DI Roe",
        actions=[
            {
                "description": "Share the file standard",
                "owner": "DI Roe",
                "side": "police",
                "due_on": dt.date(2026, 4, 30),
            }
        ],
    )
    action = meeting.actions.get()
    services.meeting_action_complete(actor=personas.manager_a, action_id=action.pk)
    with pytest.raises(NotFound):
        services.meeting_action_complete(actor=personas.prosecutor_b, action_id=action.pk)
    disagreement = services.disagreement_record(
        actor=personas.manager_a,
        force_id=personas.force_x.pk,
        subject="Charging threshold",
        cps_position="Not met",
        police_position="Met",
    )
    services.disagreement_resolve(
        actor=personas.manager_a, disagreement_id=disagreement.pk, outcome="cps_view", note="Further enquiries agreed."
    )
    disagreement.refresh_from_db()
    assert disagreement.outcome == "cps_view" and disagreement.resolved_on == TODAY
    perf = selectors.force_performance(user=personas.manager_a, force_id=personas.force_x.pk, today=TODAY)
    assert (perf["actions_done"], perf["actions_total"], perf["disagreements"]) == (1, 1, 1)


def test_coverage_counts_only_signed_in_date_current_agreements(personas: Personas) -> None:
    signed_agreement(personas.manager_a, personas.force_x.pk, dt.date(2026, 1, 5))
    data = selectors.coverage(user=personas.hq, today=TODAY)
    assert data["total"] == 43 and data["covered"] == 1
    assert data["gaps"]["No agreement"] == 42
    wessex = selectors.coverage(user=personas.manager_a, today=TODAY)
    assert {r.force.code for r in wessex["rows"]} == {"dorset", "hampshire", "wiltshire"}


def test_item_fields_are_the_eight() -> None:
    assert len(ITEMS) == 8
