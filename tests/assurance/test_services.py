"""Assurance services: verdict history, rule versions, exemptions, waivers, sign-off and the panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from casework.assurance import selectors, services
from casework.assurance.models import AssuranceRule, Exemption, SignOffRequest, VerdictPeriod, Waiver
from casework.assurance.sweep import assurance_sweep
from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.cases.choices import Stage
from casework.cases.models import AcceptanceCriterion, Case, OffenceCategory
from casework.core.deferred_indexes import secondary_indexes
from casework.core.errors import NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from casework.people.models import Absence
from tests.factories import make_case


def current(case, code):
    return VerdictPeriod.objects.get(case=case, rule_code=code, valid_to__isnull=True)


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


@pytest.fixture
def accepted_case(personas, case_a):
    criterion = AcceptanceCriterion.objects.get(code="complex-fraud")
    case_services.case_update(
        actor=personas.manager_a,
        case=case_a,
        expected_version=case_a.version,
        acceptance_criterion_id=criterion.pk,
        accepted_on=dt.date(2026, 1, 5),
    )
    return case_a


def test_evaluation_stores_one_current_verdict_per_rule(accepted_case):
    verdicts = services.case_evaluate(case_id=accepted_case.pk, today=dt.date(2026, 6, 1))
    assert len(verdicts) == AssuranceRule.objects.values("code").distinct().count()
    assert current(accepted_case, "acceptance.basis").outcome == "met"
    assert current(accepted_case, "psd.present").outcome == "not_met"
    # Re-evaluating with nothing changed opens no new periods.
    before = VerdictPeriod.objects.count()
    services.case_evaluate(case_id=accepted_case.pk, today=dt.date(2026, 6, 1))
    assert VerdictPeriod.objects.count() == before


def test_verdict_history_shows_compliance_on_a_past_date(personas, accepted_case, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    services.case_evaluate(case_id=accepted_case.pk)
    time_machine.move_to(dt.datetime(2026, 6, 2, 9, tzinfo=dt.UTC))
    case_services.document_add(
        actor=personas.prosecutor_a, case=accepted_case, kind="psd", title="PSD", body="Strategy"
    )
    services.case_evaluate(case_id=accepted_case.pk)
    then = selectors.verdicts_on(case_ids=[accepted_case.pk], instant=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))
    now = selectors.verdicts_on(case_ids=[accepted_case.pk], instant=dt.datetime(2026, 6, 2, 12, tzinfo=dt.UTC))
    assert then.get(rule_code="psd.present").outcome == "not_met"
    assert now.get(rule_code="psd.present").outcome == "met"


def test_changing_a_rule_makes_a_new_version_and_old_verdicts_keep_theirs(personas, accepted_case, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    services.case_evaluate(case_id=accepted_case.pk)
    old = current(accepted_case, "review.current")
    assert old.rule.version == 1
    new = services.rule_publish_version(
        actor=personas.admin,
        code="review.current",
        effective_from=dt.date(2026, 6, 2),
        changes={"parameters": {"max_days_between_reviews": 400}},
    )
    assert new.version == 2 and AssuranceRule.objects.filter(code="review.current").count() == 2
    assert last_event().action == "config_change"
    time_machine.move_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC))
    services.case_evaluate(case_id=accepted_case.pk)
    old.refresh_from_db()
    assert old.rule.version == 1 and old.valid_to is not None and old.outcome == "not_met"
    assert current(accepted_case, "review.current").rule.version == 2
    assert current(accepted_case, "review.current").outcome == "met"


@pytest.mark.parametrize("persona", ["prosecutor_a", "manager_a", "hq", "inspector"])
def test_only_administrators_publish_rule_versions(personas, persona):
    with pytest.raises(PermissionDenied):
        services.rule_publish_version(
            actor=getattr(personas, persona), code="review.current", effective_from=dt.date(2030, 1, 1), changes={}
        )


def test_exemption_is_audited_and_makes_the_verdict_exempt(personas, accepted_case):
    exemption = services.exemption_grant(
        actor=personas.manager_a,
        case=accepted_case,
        document="psd",
        reason="Single-issue case: the MG3 records the whole strategy.",
    )
    event = last_event()
    assert (event.action, event.subject_type, event.actor_id) == (
        "collect",
        "assurance.exemption",
        personas.manager_a.pk,
    )
    assert exemption.approver == personas.manager_a
    services.rechecks_run()  # what the worker does next
    assert current(accepted_case, "psd.present").outcome == "exempt"


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("prosecutor_a", PermissionDenied),
        ("hq", PermissionDenied),
        ("inspector", PermissionDenied),
        ("prosecutor_b", NotFound),
        ("police_x", NotFound),
        ("admin", NotFound),
    ],
)
def test_exemption_denied_for_non_managers(personas, accepted_case, persona, error):
    with pytest.raises(error):
        services.exemption_grant(
            actor=getattr(personas, persona),
            case=accepted_case,
            document="psd",
            reason="A reason that is long enough to pass.",
        )
    assert not Exemption.objects.exists()


def test_exemption_needs_a_real_reason(personas, accepted_case):
    with pytest.raises(ValidationFailed) as error:
        services.exemption_grant(actor=personas.manager_a, case=accepted_case, document="psd", reason="n/a")
    assert "reason" in error.value.field_errors


def test_manager_cannot_exempt_own_work(personas, accepted_case):
    case_services.case_update(
        actor=personas.manager_a,
        case=accepted_case,
        expected_version=accepted_case.version,
        allocated_lawyer_id=personas.manager_a.pk,
    )
    with pytest.raises(PermissionDenied, match="own work"):
        services.exemption_grant(
            actor=personas.manager_a, case=accepted_case, document="dmd", reason="A reason that is long enough to pass."
        )


def test_waiver_is_audited_expires_and_can_be_revoked(personas, accepted_case, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    waiver = services.waiver_grant(
        actor=personas.manager_a,
        case=accepted_case,
        rule_code="psd.present",
        reason="PSD being rewritten after new evidence arrived.",
        expires_on=dt.date(2026, 6, 15),
    )
    assert last_event().subject_type == "assurance.waiver"
    services.rechecks_run()
    assert current(accepted_case, "psd.present").outcome == "waived"
    time_machine.move_to(dt.datetime(2026, 6, 16, 9, tzinfo=dt.UTC))
    services.case_evaluate(case_id=accepted_case.pk)
    assert current(accepted_case, "psd.present").outcome == "not_met"
    services.waiver_revoke(actor=personas.unithead_a, waiver=waiver)
    assert Waiver.objects.get().revoked_at is not None and last_event().action == "alter"


def test_waiver_limits(personas, accepted_case):
    with pytest.raises(ValidationFailed) as error:
        services.waiver_grant(
            actor=personas.manager_a,
            case=accepted_case,
            rule_code="psd.present",
            reason="A reason that is long enough to pass.",
            expires_on=dt.date(2099, 1, 1),
        )
    assert "expires_on" in error.value.field_errors
    with pytest.raises(PermissionDenied):
        services.waiver_grant(
            actor=personas.prosecutor_a,
            case=accepted_case,
            rule_code="psd.present",
            reason="A reason that is long enough to pass.",
            expires_on=dt.date(2099, 1, 1),
        )


def test_signoff_routes_to_the_case_manager_and_is_decided_with_audit(personas, accepted_case):
    request = services.signoff_request(actor=personas.prosecutor_a, case=accepted_case, checkpoint_code="acceptance")
    assert request.approver == personas.manager_a and request.routed_because == "The case's legal manager"
    assert last_event().subject_type == "assurance.signoffrequest"
    with pytest.raises(PermissionDenied):
        services.signoff_decide(
            actor=personas.unithead_a, request=request, expected_version=1, approve=True, rationale=""
        )
    services.signoff_decide(
        actor=personas.manager_a,
        request=request,
        expected_version=1,
        approve=True,
        rationale="Meets the fraud criterion",
    )
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == personas.manager_a
    assert last_event().changes_dict["status"] == ["pending", "approved"]


def test_signoff_routes_to_a_deputy_when_the_manager_is_absent(personas, accepted_case):
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    deputy = make_user("deputy.a", RoleCode.LEGAL_MANAGER, unit=personas.unit_a, last_name="Aardvark")
    today = dt.date.today()
    Absence.objects.create(
        person=personas.manager_a,
        kind="annual_leave",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        reason="Leave",
    )
    request = services.signoff_request(actor=personas.prosecutor_a, case=accepted_case, checkpoint_code="acceptance")
    assert request.approver == deputy and "absent" in request.routed_because


def test_returning_a_signoff_needs_reasons(personas, accepted_case):
    request = services.signoff_request(actor=personas.prosecutor_a, case=accepted_case, checkpoint_code="acceptance")
    with pytest.raises(ValidationFailed):
        services.signoff_decide(
            actor=personas.manager_a, request=request, expected_version=1, approve=False, rationale=""
        )
    services.signoff_decide(
        actor=personas.manager_a,
        request=request,
        expected_version=1,
        approve=False,
        rationale="Record the CCP direction instead",
    )
    assert SignOffRequest.objects.get().status == "returned"


def test_blocking_checkpoint_refuses_the_stage_change_until_approved(personas, accepted_case):
    accepted_case.offence_categories.add(OffenceCategory.objects.get(code="homicide"))
    case_services.case_change_stage(
        actor=personas.prosecutor_a,
        case=accepted_case,
        expected_version=accepted_case.version,
        stage=Stage.CHARGING_DECISION,
    )
    with pytest.raises(TransitionRefused, match="needs a manager's sign-off"):
        case_services.case_change_stage(
            actor=personas.prosecutor_a, case=accepted_case, expected_version=accepted_case.version, stage=Stage.CHARGED
        )
    request = services.signoff_request(actor=personas.prosecutor_a, case=accepted_case, checkpoint_code="charging")
    services.signoff_decide(
        actor=personas.manager_a, request=request, expected_version=1, approve=True, rationale="Agreed"
    )
    case_services.case_change_stage(
        actor=personas.prosecutor_a, case=accepted_case, expected_version=accepted_case.version, stage=Stage.CHARGED
    )
    assert accepted_case.stage == Stage.CHARGED


def test_case_changes_are_rechecked_by_the_worker(personas, accepted_case, run_queued_tasks):
    run_queued_tasks()
    assert current(accepted_case, "psd.present").outcome == "not_met"
    case_services.document_add(actor=personas.prosecutor_a, case=accepted_case, kind="psd", title="PSD", body="x")
    case_services.review_add(
        actor=personas.prosecutor_a, case=accepted_case, kind="initial", reviewed_on=dt.date.today(), note="Reviewed"
    )
    assert current(accepted_case, "psd.present").outcome == "not_met", "the request thread evaluates nothing"
    assert run_queued_tasks() == 1  # two changes, one re-check
    assert current(accepted_case, "psd.present").outcome == "met"


def test_panel_registration_and_meeting(personas, accepted_case):
    for i in range(8):
        case_services.defendant_add(actor=personas.manager_a, case=accepted_case, first_names=f"D{i}", last_name="Doe")
    services.case_evaluate(case_id=accepted_case.pk)
    assert current(accepted_case, "panel.oversight").outcome == "not_met"
    registration = services.panel_register(actor=personas.manager_a, case=accepted_case)
    assert registration.thresholds_met == ["8 defendants ≥ 8"]
    with pytest.raises(ValidationFailed):
        services.panel_meeting_record(
            actor=personas.manager_a,
            case=accepted_case,
            held_on=dt.date.today(),
            member_ids=[],
            decisions="",
            rationale="",
        )
    services.panel_meeting_record(
        actor=personas.manager_a,
        case=accepted_case,
        held_on=dt.date.today(),
        member_ids=[personas.manager_a.pk, personas.unithead_a.pk],
        decisions="Instruct leading counsel",
        rationale="Trial length and complexity",
        actions=[
            {
                "description": "Instruct counsel",
                "owner_id": personas.prosecutor_a.pk,
                "due_on": dt.date.today() + dt.timedelta(days=14),
            }
        ],
    )
    services.case_evaluate(case_id=accepted_case.pk)
    assert current(accepted_case, "panel.oversight").outcome == "met"


def test_sweep_is_idempotent_and_counts(personas, accepted_case, case_b):
    report = assurance_sweep(today=dt.date(2026, 6, 1))
    assert report.cases == 2 and report.opened == report.verdicts
    assert report.not_met_by_rule["psd.present"] >= 1
    again = assurance_sweep(today=dt.date(2026, 6, 1))
    # Nothing changed on the same day: nothing is evaluated again, nothing stored.
    assert again.opened == 0 and again.closed == 0
    assert again.cases == 0 and again.cases_unchanged == 2


def test_sweep_query_count_does_not_grow_with_cases(personas, django_assert_max_num_queries):
    for _ in range(30):
        make_case(actor=personas.manager_a)
    # The first sweep (no verdict stored yet): 46 for the sweep (its marks, the re-check queue and
    # the cases its figures count included), 4 to find and keep the verdict indexes and one each to
    # drop and to build every index again, and a fixed 6 for storing the dashboard's figures. On
    # PostgreSQL 3 more: the table lock, and the loaded rows' foreign-key checks run and deferred again.
    indexes, cases = len(secondary_indexes(VerdictPeriod)), Case.objects.count()
    postgresql = 3 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(50 + 2 * indexes + postgresql):
        assert assurance_sweep(today=dt.date(2026, 6, 1)).cases == cases
    # A later sweep (the first of the month: every case again): 45 for the sweep, and a fixed 10
    # for refreshing the dashboard's stored figures afterwards.
    with django_assert_max_num_queries(55):
        assert assurance_sweep(today=dt.date(2026, 7, 1)).cases == cases
