"""The nightly progression sweep: idempotent, visible date moves, CTL work raised once, escalation once."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.progression import services
from casework.progression.models import Deadline, Notice, Task
from casework.progression.sweep import progression_sweep
from tests.factories import Personas
from tests.progression.conftest import add_charge


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC))


def _sending(case, actor, day: dt.date):
    return case_services.hearing_add(
        actor=actor,
        case=case,
        hearing_type="sending",
        court="Winchester Crown Court",
        starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC),
    )


def test_second_run_changes_nothing(personas: Personas, case_a) -> None:
    _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    first = progression_sweep()
    assert first.deadlines_created >= 5
    events = AuditEvent.objects.count()
    counts = (Deadline.objects.count(), Task.objects.count(), Notice.objects.count())
    second = progression_sweep()
    assert (second.deadlines_created, second.deadlines_moved, second.tasks_created, second.notices_created) == (0,) * 4
    assert AuditEvent.objects.count() == events
    assert (Deadline.objects.count(), Task.objects.count(), Notice.objects.count()) == counts


def test_moved_sending_moves_stage_dates_audited_and_told(personas: Personas, case_a) -> None:
    hearing = _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    progression_sweep()
    stage1 = Deadline.objects.get(case=case_a, key="stage.1")
    assert stage1.due_on == dt.date(2026, 2, 2) + dt.timedelta(days=70)
    case_services.hearing_update(
        actor=personas.prosecutor_a,
        hearing=hearing,
        expected_version=hearing.version,
        starts_at=dt.datetime(2026, 2, 9, 10, tzinfo=dt.UTC),
    )
    report = progression_sweep()
    stage1.refresh_from_db()
    assert stage1.due_on == dt.date(2026, 4, 20) and report.deadlines_moved >= 4
    change = AuditEvent.objects.filter(subject_type="progression.deadline", subject_id=str(stage1.pk)).latest("seq")
    assert change.action == "alter" and "due_on" in change.changes_dict
    notice = Notice.objects.get(user=personas.prosecutor_a, key=f"moved:{stage1.pk}:2026-04-20")
    assert case_a.urn in notice.text


def test_direction_keeps_its_date_when_the_trigger_moves(personas: Personas, case_a) -> None:
    hearing = _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    progression_sweep()
    stage2 = Deadline.objects.get(case=case_a, key="stage.2")
    services.deadline_direct(
        actor=personas.manager_a,
        deadline=stage2,
        expected_version=stage2.version,
        due_on=dt.date(2026, 6, 1),
        reason="PTPH order",
    )
    case_services.hearing_update(
        actor=personas.prosecutor_a,
        hearing=hearing,
        expected_version=hearing.version,
        starts_at=dt.datetime(2026, 2, 9, 10, tzinfo=dt.UTC),
    )
    progression_sweep()
    stage2.refresh_from_db()
    assert stage2.due_on == dt.date(2026, 6, 1) and stage2.proposed_due_on == dt.date(2026, 2, 9) + dt.timedelta(98)


def test_ctl_within_14_days_raises_the_extension_task_once(personas: Personas, case_a) -> None:
    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    # 56 days from 19 Jan 2026 = Mon 16 Mar 2026: 14 days after 2 Mar.
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 1, 19)
    )
    first = progression_sweep()
    second = progression_sweep()
    tasks = Task.objects.filter(case=case_a, engine_key__startswith="ctl.extension.")
    assert first.tasks_created == 1 and second.tasks_created == 0 and tasks.count() == 1
    task = tasks.get()
    assert task.assignee == personas.prosecutor_a and "16 Mar 2026" in task.title
    assert Notice.objects.filter(user=personas.manager_a, key__startswith=f"ctl-case:{case_a.pk}:").count() == 1


def test_extension_application_in_hand_means_no_task(personas: Personas, case_a) -> None:
    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 1, 19)
    )
    services.extension_application_start(actor=personas.prosecutor_a, clock=ctl)
    assert progression_sweep().tasks_created == 0


def test_overdue_task_escalates_once_to_the_legal_manager(personas: Personas, case_a) -> None:
    task = services.task_create(
        actor=personas.prosecutor_a,
        case=case_a,
        title="Serve the PTPH form",
        assignee_id=personas.prosecutor_a.pk,
        due_on=dt.date(2026, 2, 20),
        escalate_on=dt.date(2026, 2, 25),
    )
    first = progression_sweep()
    second = progression_sweep()
    assert first.tasks_escalated == 1 and second.tasks_escalated == 0
    task.refresh_from_db()
    assert task.escalated_at is not None
    (notice,) = Notice.objects.filter(user=personas.manager_a, key=f"escalated:{task.pk}")
    assert "Serve the PTPH form" in notice.text
    assert (
        AuditEvent.objects.filter(subject_type="progression.task", subject_id=str(task.pk), action="alter").count() == 1
    )


def test_unit_option_sweeps_only_that_unit(personas: Personas, case_b) -> None:
    _sending(case_b, personas.prosecutor_b, dt.date(2026, 2, 2))
    assert progression_sweep(unit_id=personas.unit_a.pk).cases == 0
    assert not Deadline.objects.filter(case=case_b).exists()


# --- one bad case does not stop the sweep (and CTL failures it finds) ----------------------------


def test_a_case_with_a_broken_date_is_reported_and_every_later_case_is_swept(personas: Personas, case_a) -> None:
    from casework.cases.models import Case
    from casework.progression.models import CustodyClockEvent
    from tests.factories import make_case

    broken = make_case(
        actor=personas.manager_a,
        operation_name="Broken",
        allocated_lawyer_id=personas.prosecutor_a.pk,
        legal_manager_id=personas.manager_a.pk,
    )
    later = [make_case(actor=personas.manager_a, operation_name=f"Later {n}") for n in range(3)]
    assert all(case.pk > broken.pk for case in later)
    charge = add_charge(broken, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 1, 19)
    )
    # A date typed as 2150 (outside any bank-holiday calendar) reaches the table directly.
    CustodyClockEvent.objects.filter(clock=ctl).update(occurred_on=dt.date(2150, 1, 19))
    for case in [case_a, *later]:
        _sending(case, personas.manager_a, dt.date(2026, 2, 2))
    report = progression_sweep()
    assert report.cases == Case.objects.count()
    assert [failed["case"] for failed in report.cases_failed] == [broken.urn]
    assert "2150" in report.cases_failed[0]["error"]
    for case in [case_a, *later]:
        assert Deadline.objects.filter(case=case, key="stage.1").exists(), case.urn
    assert not Deadline.objects.filter(case=broken).exists()
    notice = Notice.objects.get(user=personas.manager_a, case=broken, key="sweep-error:2026-03-02")
    assert "could not work out" in notice.text
    assert progression_sweep().cases_failed  # still reported the next night; the notice is not repeated
    assert Notice.objects.filter(case=broken, key__startswith="sweep-error:").count() == 1


def test_the_sweep_command_exits_non_zero_after_sweeping_the_rest(personas: Personas, case_a) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from casework.progression.models import CustodyClockEvent

    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    # A bail with no remand before it: an impossible history that reached the table directly.
    CustodyClockEvent.objects.create(
        clock=ctl, kind="bailed", occurred_on=dt.date(2026, 2, 1), recorded_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 case\\(s\\) could not be worked out"):
        call_command("progression_sweep", stdout=io.StringIO(), stderr=err)
    assert (
        f"Could not work out case {case_a.urn}: bailed on Sunday 1 February 2026, but the defendant was not in custody"
        in (err.getvalue())
    )


def test_the_sweep_records_a_ctl_failure_once_and_withdraws_it_if_the_history_changes(
    personas: Personas, case_a, time_machine
) -> None:
    from casework.progression.models import CtlFailure

    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    # Remanded Mon 5 Jan 2026: 56 days = Mon 2 Mar. On Tue 3 Mar still in custody: a CTL failure.
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 1, 5)
    )
    time_machine.move_to(dt.datetime(2026, 3, 3, 2, 0, tzinfo=dt.UTC))
    first = progression_sweep()
    second = progression_sweep()
    failure = CtlFailure.objects.get(clock=ctl)
    assert (first.ctl_failures_recorded, second.ctl_failures_recorded) == (1, 0)
    assert (failure.expired_on, failure.kind, failure.found_on) == (
        dt.date(2026, 3, 2),
        "expired_in_custody",
        dt.date(2026, 3, 3),
    )
    assert Notice.objects.filter(key=f"ctl-failure-case:{ctl.case_id}:2026-03-02").count() == 2  # lawyer and manager
    # The trial in fact started on Mon 2 Mar: no failure after all; it is withdrawn, with the reason.
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="trial_started", occurred_on=dt.date(2026, 3, 2)
    )
    failure.refresh_from_db()
    assert failure.withdrawn_at is not None and "did not run out" in failure.withdrawn_reason
    assert AuditEvent.objects.filter(subject_type="progression.ctlfailure", action="alter").count() == 1


def test_new_deadlines_are_written_with_every_column_a_saved_one_has(personas: Personas, case_a) -> None:
    """The sweep writes new deadlines as rows, not through save(): every column is named, and each
    holds what the model would have stored (its defaults included)."""
    from casework.progression.sweep import NEW_DEADLINE_COLUMNS

    columns = {f.name for f in Deadline._meta.concrete_fields if not f.primary_key}
    assert set(NEW_DEADLINE_COLUMNS) == columns and len(NEW_DEADLINE_COLUMNS) == len(columns)
    _sending(case_a, personas.prosecutor_a, dt.date(2026, 2, 2))
    progression_sweep()
    created = Deadline.objects.filter(case=case_a).exclude(key__startswith="direction.")
    assert created.exists()
    now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
    for deadline in created:
        assert (deadline.version, deadline.direction_reason, deadline.missed_reason, deadline.missed_note) == (
            1,
            "",
            "",
            "",
        )
        assert deadline.created_at == deadline.updated_at
        assert dt.timedelta(0) <= deadline.created_at - now < dt.timedelta(minutes=1)
        assert deadline.proposed_due_on == deadline.due_on and deadline.title and deadline.rule_version
        assert deadline.owner_id == (case_a.allocated_lawyer_id or case_a.legal_manager_id)
        deadline.full_clean()  # every value fits its field
