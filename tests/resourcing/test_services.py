"""REM records, time, allocation and the assurance rule: services with audit and locking."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from casework.assurance import engine
from casework.assurance import rules as arules
from casework.assurance.models import AssuranceRule
from casework.assurance.selectors import facts_for_cases, rules_in_force
from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.cases.models import Defendant
from casework.core import clock
from casework.core.errors import EditConflict, NotFound, PermissionDenied, ValidationFailed
from casework.core.working_days import WorkingCalendar
from casework.people.models import Absence
from casework.resourcing import reports, selectors, services
from casework.resourcing.models import RemRecord, ResourcingPolicy, TimeEntry
from tests.factories import make_case


def _record(actor, case, **extra) -> RemRecord:
    values = {
        "pages_of_evidence": 40_000,
        "counsel_instructed": False,
        "international_element": True,
        "estimated_hours": {"pre_charge": {"senior-crown-prosecutor": 30}},
        **extra,
    }
    return services.rem_record_save(actor=actor, case=case, expected_version=None, **values)


def _rem_verdict(case_id: int, today: dt.date) -> engine.Verdict:
    facts = facts_for_cases([case_id], today)[case_id]
    ctx = arules.EvaluationContext(today=today, calendar=WorkingCalendar())
    chosen = [r for r in rules_in_force(today) if r.code == "rem.record_current"]
    return engine.evaluate(facts, chosen, ctx)[0]


def test_policy_and_rule_rows_loaded(db) -> None:
    assert ResourcingPolicy.objects.get(version=1).effective_from == dt.date(2026, 1, 1)
    rule = AssuranceRule.objects.get(code="rem.record_current")
    assert rule.evaluator in arules.EVALUATORS.by_key() and rule.parameters == {"days": 14}


def test_record_create_update_audit_and_band(personas, case_a) -> None:
    for n in range(7):
        Defendant.objects.create(
            case=case_a, first_names="D", last_name=f"X{n}", created_at=clock.now(), updated_at=clock.now()
        )
    record = _record(personas.prosecutor_a, case_a)
    assert AuditEvent.objects.filter(subject_type="resourcing.remrecord", action="collect").count() == 1
    band = selectors.band_for_case(case_a, clock.today())
    assert band.explanation == "Medium: 7 defendants +3, 40,000 pages of evidence +2, international +2 = 7 ≥ 4"
    services.rem_record_save(
        actor=personas.prosecutor_a, case=case_a, expected_version=record.version, media_interest=True
    )
    assert selectors.band_for_case(case_a, clock.today()).score == 8
    with pytest.raises(EditConflict):
        services.rem_record_save(actor=personas.manager_a, case=case_a, expected_version=1, victims=3)
    assert AuditEvent.objects.filter(subject_type="resourcing.remrecord", action="alter").count() == 1


def test_record_write_denied_outside_and_read_only(personas, case_a) -> None:
    with pytest.raises(NotFound):
        _record(personas.prosecutor_b, case_a)
    with pytest.raises(PermissionDenied):
        _record(personas.hq, case_a)
    with pytest.raises(ValidationFailed):
        _record(personas.prosecutor_a, case_a, estimated_hours={"lunch": {"x": 1}})


def test_assurance_rule_follows_stage_changes(personas, case_a, time_machine) -> None:
    today = clock.today()
    assert _rem_verdict(case_a.pk, today).outcome == "na"  # within 14 days of the case being recorded
    assert _rem_verdict(case_a.pk, today + dt.timedelta(days=15)).outcome == "not_met"
    record = _record(personas.prosecutor_a, case_a)
    assert _rem_verdict(case_a.pk, today).outcome == "met"
    time_machine.move_to(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC), tick=False)
    case_services.case_change_stage(
        actor=personas.prosecutor_a, case=case_a, expected_version=case_a.version, stage="charging_decision"
    )
    later = dt.date(2026, 6, 10)
    verdict = _rem_verdict(case_a.pk, later)
    assert verdict.outcome == "not_met"
    assert (
        "no estimated hours for the current stage" in verdict.reason and "not updated within 14 days" in verdict.reason
    )
    record.refresh_from_db()
    services.rem_record_save(
        actor=personas.prosecutor_a,
        case=case_a,
        expected_version=record.version,
        estimated_hours={"charging_decision": {"senior-crown-prosecutor": 12}},
    )
    assert _rem_verdict(case_a.pk, later).outcome == "met"


def test_confirm_unchanged_record_refreshes_currency(personas, case_a) -> None:
    record = _record(personas.prosecutor_a, case_a)
    services.rem_record_save(
        actor=personas.prosecutor_a, case=case_a, expected_version=record.version, pages_of_evidence=40_000
    )
    record.refresh_from_db()
    assert record.version == 2
    assert any(
        "confirmed_current_on" in (e.changes or "")
        for e in AuditEvent.objects.filter(subject_type="resourcing.remrecord", action="alter")
    )


def test_time_entries_upsert_by_week_and_activity(personas, case_a) -> None:
    _record(personas.prosecutor_a, case_a)
    wednesday = dt.date(2026, 5, 13)
    services.time_entry_record(
        actor=personas.prosecutor_a, case=case_a, week_starting=wednesday, activity="review", hours=Decimal("6")
    )
    services.time_entry_record(
        actor=personas.prosecutor_a, case=case_a, week_starting=wednesday, activity="review", hours=Decimal("7.5")
    )
    entry = TimeEntry.objects.get()
    assert (entry.week_starting, entry.hours) == (dt.date(2026, 5, 11), Decimal("7.50"))
    assert AuditEvent.objects.filter(subject_type="resourcing.timeentry").count() == 2
    with pytest.raises(PermissionDenied):
        services.time_entry_record(
            actor=personas.prosecutor_a,
            case=case_a,
            week_starting=wednesday,
            activity="review",
            hours=Decimal("1"),
            person=personas.manager_a,
        )
    with pytest.raises(ValidationFailed):
        services.time_entry_record(
            actor=personas.prosecutor_a, case=case_a, week_starting=wednesday, activity="review", hours=Decimal("81")
        )


def test_capacity_in_bulk_with_part_time_and_leave(personas, case_a, django_assert_max_num_queries) -> None:
    prosecutor = personas.prosecutor_a
    prosecutor.contracted_hours = Decimal("18.5")
    prosecutor.save()
    Absence.objects.create(
        person=prosecutor,
        kind="training",
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 5, 31),
        hours_per_week=Decimal("3.7"),
        reason="Course",
    )
    _record(prosecutor, case_a)
    policy = selectors.policy_on(clock.today())
    with django_assert_max_num_queries(12):
        capacity = selectors.capacity_for(
            type(prosecutor).objects.filter(unit=personas.unit_a), on=clock.today(), policy=policy
        )
    mine = capacity[prosecutor.pk]
    assert mine.hours_available == Decimal("14.80")
    assert mine.available_points == Decimal("48.00")  # 120 × 18.5/37 × 14.8/18.5
    # Medium band (international +2, 40k pages +2 = 4) 18 points × pre-charge 0.6 × lead 1.0
    assert (mine.workload_points, mine.cases, mine.percent) == (Decimal("10.80"), 1, 23)
    manager = capacity[personas.manager_a.pk]
    assert manager.workload_points == Decimal("1.08")  # manager weight 0.1


def test_unit_report_finds_single_points_of_failure(personas, time_machine) -> None:
    lead = personas.prosecutor_a
    cases = [make_case(actor=personas.manager_a, allocated_lawyer_id=lead.pk) for _ in range(3)]
    for case in cases:
        _record(
            lead,
            case,
            pages_of_evidence=100_000,
            international_element=True,
            estimated_hours={"pre_charge": {"x": 1}},
            unused_material_pages=50_000,
            media_interest=True,
        )
    report = reports.unit_report(personas.unit_a, on=clock.today())
    kinds = {f.kind for f in report.findings}
    assert {"no_deputy", "concentration_high_band"} <= kinds
    assert report.band_counts["high"] == 3


def test_allocation_ranks_and_decision_is_audited(personas, case_a) -> None:
    help_ = reports.allocation_help(case_a, on=clock.today())
    names = [r.candidate.person_id for r in help_.ranked]
    assert personas.prosecutor_a.pk in names and personas.prosecutor_b.pk not in names
    current = next(r for r in help_.ranked if r.candidate.person_id == personas.prosecutor_a.pk)
    assert not current.suitable and "Conflict: already leads this case" in current.reasons
    with pytest.raises(PermissionDenied):
        services.allocation_decide(
            actor=personas.prosecutor_a,
            case=case_a,
            expected_version=case_a.version,
            lead_id=personas.manager_a.pk,
            deputy_id=None,
            reason="x",
        )
    with pytest.raises(NotFound):
        services.allocation_decide(
            actor=personas.prosecutor_b,
            case=case_a,
            expected_version=case_a.version,
            lead_id=personas.prosecutor_b.pk,
            deputy_id=None,
            reason="x",
        )
    with pytest.raises(ValidationFailed):
        services.allocation_decide(
            actor=personas.manager_a,
            case=case_a,
            expected_version=case_a.version,
            lead_id=personas.prosecutor_b.pk,
            deputy_id=None,
            reason="Other unit",
        )
    services.allocation_decide(
        actor=personas.manager_a,
        case=case_a,
        expected_version=case_a.version,
        lead_id=personas.manager_a.pk,
        deputy_id=personas.prosecutor_a.pk,
        reason="Trial clash",
        ranking=help_.ranked,
    )
    case_a.refresh_from_db()
    assert (case_a.allocated_lawyer_id, case_a.deputy_lawyer_id) == (personas.manager_a.pk, personas.prosecutor_a.pk)
    event = AuditEvent.objects.get(subject_type="resourcing.allocation")
    changes = json.loads(event.changes) if isinstance(event.changes, str) else event.changes
    assert changes["reason"] == [None, "Trial clash"] and changes["ranking_position"][1] >= 1
    assert AuditEvent.objects.filter(subject_type="cases.case", action="alter", case_id=case_a.pk).exists()
