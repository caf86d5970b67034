"""Case services: each change is checked, applied in one transaction and audited inside it."""

import datetime as dt

import pytest
from django.db import transaction

from casework.audit.models import AuditEvent
from casework.audit.verification import verify_chain
from casework.cases import services
from casework.cases.choices import CustodyStatus, DocumentKind, OffenceClassification, Stage
from casework.cases.models import AcceptanceCriterion, Case, CaseAccessGrant
from casework.core.errors import EditConflict, NotFound, PermissionDenied, TransitionRefused, ValidationFailed
from tests.factories import make_case


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


def test_case_create_records_collect_event(personas):
    criterion = AcceptanceCriterion.objects.get(code="complex-fraud")
    case = make_case(actor=personas.manager_a, urn="42ab1234526", acceptance_criterion_id=criterion.pk)
    assert case.urn == "42AB1234526"
    assert case.stage == Stage.PRE_CHARGE
    assert list(case.stage_entries.values_list("stage", flat=True)) == [Stage.PRE_CHARGE]
    event = last_event()
    assert (event.action, event.case_id, event.actor_id) == ("collect", case.pk, personas.manager_a.pk)
    assert event.changes_dict["urn"] == [None, "42AB1234526"]
    assert verify_chain().intact


def test_case_create_refuses_duplicate_urn_with_field_error(personas, case_a):
    with pytest.raises(ValidationFailed) as error:
        make_case(actor=personas.manager_a, urn=case_a.urn)
    assert "urn" in error.value.field_errors


def test_case_create_refuses_two_acceptance_bases(personas):
    criterion = AcceptanceCriterion.objects.first()
    with pytest.raises(ValidationFailed) as error:
        make_case(actor=personas.manager_a, acceptance_criterion_id=criterion.pk, ccp_direction_reason="CCP said so")
    assert "ccp_direction_reason" in error.value.field_errors


@pytest.mark.parametrize("persona", ["hq", "inspector", "police_x", "admin", "prosecutor_b", "area_leader_a"])
def test_case_create_denied_outside_own_unit(personas, persona):
    with pytest.raises(PermissionDenied):
        services.case_create(actor=getattr(personas, persona), unit_id=personas.unit_a.pk, urn="01XX0000001")


def test_case_update_audits_only_changed_fields(personas, case_a):
    changes = services.case_update(
        actor=personas.prosecutor_a,
        case=case_a,
        expected_version=case_a.version,
        operation_name="Operation Ash",
        summary="",
    )
    assert changes == {"operation_name": ["Operation Larch", "Operation Ash"]}
    case_a.refresh_from_db()
    assert (case_a.operation_name, case_a.version) == ("Operation Ash", 2)
    event = last_event()
    assert event.action == "alter" and event.changes_dict == changes


def test_stale_edit_is_refused_and_nothing_is_overwritten(personas, case_a):
    stale = Case.objects.get(pk=case_a.pk)
    services.case_update(actor=personas.manager_a, case=case_a, expected_version=1, operation_name="Operation Ash")
    events_before = AuditEvent.objects.count()
    with pytest.raises(EditConflict) as conflict:
        services.case_update(
            actor=personas.prosecutor_a, case=stale, expected_version=1, operation_name="Operation Elm"
        )
    assert conflict.value.current_version == 2
    assert conflict.value.changed == {"operation_name": ["Operation Larch", "Operation Ash"]}
    assert Case.objects.get(pk=case_a.pk).operation_name == "Operation Ash"
    assert AuditEvent.objects.count() == events_before


def test_unchanged_edit_writes_nothing(personas, case_a):
    before = AuditEvent.objects.count()
    assert (
        services.case_update(
            actor=personas.prosecutor_a, case=case_a, expected_version=1, operation_name="Operation Larch"
        )
        == {}
    )
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("persona", ["hq", "inspector", "area_leader_a"])
def test_readers_cannot_edit_visible_case(personas, case_a, persona):
    with pytest.raises(PermissionDenied):
        services.case_update(actor=getattr(personas, persona), case=case_a, expected_version=1, summary="x")


@pytest.mark.parametrize("persona", ["prosecutor_b", "paralegal_a", "police_x", "police_y", "admin"])
def test_outsiders_get_not_found_on_edit(personas, case_a, persona):
    with pytest.raises(NotFound):
        services.case_update(actor=getattr(personas, persona), case=case_a, expected_version=1, summary="x")


def test_update_rejects_fields_outside_the_editable_set(personas, case_a):
    with pytest.raises(ValidationFailed):
        services.case_update(actor=personas.manager_a, case=case_a, expected_version=1, unit_id=personas.unit_b.pk)


def test_stage_change_follows_the_stage_machine(personas, case_a):
    services.case_change_stage(
        actor=personas.prosecutor_a, case=case_a, expected_version=1, stage=Stage.CHARGING_DECISION
    )
    assert case_a.stage == Stage.CHARGING_DECISION
    assert list(case_a.stage_entries.values_list("stage", flat=True)) == [Stage.PRE_CHARGE, Stage.CHARGING_DECISION]
    with pytest.raises(TransitionRefused) as refused:
        services.case_change_stage(actor=personas.prosecutor_a, case=case_a, expected_version=2, stage=Stage.TRIAL)
    assert "cannot move to “Trial”" in refused.value.message
    assert Case.objects.get(pk=case_a.pk).stage == Stage.CHARGING_DECISION


def test_case_open_logs_consultation_with_relationship(personas, case_a):
    services.case_open(actor=personas.prosecutor_a, case_id=case_a.pk)
    assert last_event().justification == "Prosecutor"
    services.case_open(actor=personas.inspector, case_id=case_a.pk)
    event = last_event()
    assert (event.action, event.justification, event.actor_id) == (
        "consult",
        "Inspection (HMCPSI)",
        personas.inspector.pk,
    )


@pytest.mark.parametrize("persona", ["prosecutor_b", "paralegal_a", "police_x", "police_y", "admin"])
def test_case_open_is_not_found_for_outsiders_and_logs_nothing(personas, case_a, persona):
    before = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        services.case_open(actor=getattr(personas, persona), case_id=case_a.pk)
    assert AuditEvent.objects.count() == before


def test_break_glass_needs_a_reason_and_is_audited(personas, case_a):
    colleague = personas.paralegal_a
    with pytest.raises(ValidationFailed):
        services.case_break_glass(actor=colleague, urn=case_a.urn, justification="need")
    services.case_break_glass(
        actor=colleague, urn=case_a.urn.lower(), justification="Covering the PTPH tomorrow for a colleague"
    )
    assert Case.objects.visible_to(colleague).filter(pk=case_a.pk).exists()
    event = last_event()
    assert event.action == "break_glass" and "Covering the PTPH" in event.justification
    services.case_open(actor=colleague, case_id=case_a.pk)
    assert last_event().justification.startswith("Access outside own work: Covering the PTPH")


def test_break_glass_grant_expires(personas, case_a, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    services.case_break_glass(actor=personas.paralegal_a, urn=case_a.urn, justification="Covering a hearing today")
    time_machine.move_to(dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.UTC))
    assert not Case.objects.visible_to(personas.paralegal_a).filter(pk=case_a.pk).exists()


def test_break_glass_cannot_reach_another_unit(personas, case_b):
    with pytest.raises(NotFound):
        services.case_break_glass(actor=personas.prosecutor_a, urn=case_b.urn, justification="Just curious about it")
    assert not CaseAccessGrant.objects.exists()


def test_access_grant_review_by_unit_manager_only(personas, case_a):
    services.case_break_glass(actor=personas.paralegal_a, urn=case_a.urn, justification="Covering a hearing today")
    grant = CaseAccessGrant.objects.get()
    with pytest.raises(NotFound):
        services.access_grant_review(actor=personas.prosecutor_b, grant_id=grant.pk, note="ok")
    services.access_grant_review(actor=personas.manager_a, grant_id=grant.pk, note="Agreed: cover arrangement")
    grant.refresh_from_db()
    assert grant.reviewed_by == personas.manager_a


def test_parts_of_a_case_are_audited(personas, case_a):
    actor = personas.prosecutor_a
    defendant = services.defendant_add(
        actor=actor, case=case_a, first_names="Alex", last_name="Doe", custody_status=CustodyStatus.IN_CUSTODY
    )
    charge = services.charge_add(
        actor=actor,
        defendant=defendant,
        offence="Fraud by false representation",
        classification=OffenceClassification.EITHER_WAY,
    )
    services.charge_update(actor=actor, charge=charge, expected_version=1, charged_on=dt.date(2026, 1, 5))
    services.defendant_update(actor=actor, defendant=defendant, expected_version=1, custody_status=CustodyStatus.BAIL)
    hearing = services.hearing_add(
        actor=actor,
        case=case_a,
        hearing_type="ptph",
        court="Winchester Crown Court",
        starts_at=dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC),
    )
    services.hearing_update(actor=actor, hearing=hearing, expected_version=1, outcome="Not guilty pleas; trial fixed")
    document = services.document_add(actor=actor, case=case_a, kind=DocumentKind.PSD, title="Strategy", body="v1")
    version = services.document_revise(actor=actor, document=document, expected_version=1, body="v2")
    services.review_add(actor=actor, case=case_a, kind="initial", reviewed_on=dt.date(2026, 1, 2), note="Reviewed")
    assert version.number == 2 and list(document.versions.values_list("number", flat=True)) == [2, 1]
    actions = list(AuditEvent.objects.filter(case_id=case_a.pk).order_by("seq").values_list("action", "subject_type"))
    assert actions == [
        ("collect", "cases.case"),
        ("collect", "cases.defendant"),
        ("collect", "cases.charge"),
        ("alter", "cases.charge"),
        ("alter", "cases.defendant"),
        ("collect", "cases.hearing"),
        ("alter", "cases.hearing"),
        ("collect", "cases.casedocument"),
        ("alter", "cases.casedocument"),
        ("collect", "cases.casereview"),
    ]
    assert verify_chain().intact


def test_failed_audit_write_rolls_back_the_change(personas, case_a, monkeypatch):
    from casework.audit import services as audit_services

    def broken(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit_services, "record_many", broken)  # every audit write goes through it
    with pytest.raises(RuntimeError):
        services.case_update(actor=personas.manager_a, case=case_a, expected_version=1, summary="Changed")
    assert Case.objects.get(pk=case_a.pk).summary == ""


def test_change_and_event_commit_together(personas, case_a):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.case_update(actor=personas.manager_a, case=case_a, expected_version=1, summary="Changed")
        1 / 0  # noqa: B018
    assert Case.objects.get(pk=case_a.pk).summary == ""
    assert not AuditEvent.objects.filter(case_id=case_a.pk, action="alter").exists()
