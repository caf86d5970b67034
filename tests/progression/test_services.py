"""Progression services: validation, permissions (404 outside the view, 403 read-only) and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import EditConflict, NotFound, PermissionDenied, ValidationFailed
from casework.core.models import NonWorkingDay
from casework.progression import services
from casework.progression.models import CustodyClock, Deadline
from tests.factories import Personas
from tests.progression.conftest import add_charge

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


def test_open_clock_is_audited_and_not_duplicated(personas: Personas, case_a) -> None:
    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="either_way")
    event = AuditEvent.objects.filter(subject_type="progression.custodyclock").get()
    assert event.action == "collect" and event.case_id == case_a.pk and ctl.status == "not_started"
    with pytest.raises(ValidationFailed):
        services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    other = add_charge(case_a, personas.prosecutor_a, offence="Money laundering")
    with pytest.raises(ValidationFailed) as error:
        services.custody_clock_open(actor=personas.prosecutor_a, charge=other, initial_regime="weekly")
    assert "initial_regime" in error.value.field_errors


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("prosecutor_b", NotFound),
        ("police_x", NotFound),
        ("admin", NotFound),
        ("hq", PermissionDenied),
        ("inspector", PermissionDenied),
    ],
)
def test_clock_writes_refused_outside_own_work(personas: Personas, case_a, persona, error) -> None:
    charge = add_charge(case_a, personas.prosecutor_a)
    with pytest.raises(error):
        services.custody_clock_open(actor=getattr(personas, persona), charge=charge, initial_regime="crown")
    assert not CustodyClock.objects.exists()


def test_event_validation_and_extension(personas: Personas, clock_a) -> None:
    actor = personas.prosecutor_a
    with pytest.raises(ValidationFailed) as error:
        services.clock_event_record(actor=actor, clock=clock_a, kind="extension_granted", occurred_on=TODAY)
    assert "new_expiry" in error.value.field_errors
    with pytest.raises(ValidationFailed):
        services.clock_event_record(actor=actor, clock=clock_a, kind="remanded", occurred_on=TODAY + dt.timedelta(5))
    services.clock_event_record(actor=actor, clock=clock_a, kind="remanded", occurred_on=dt.date(2026, 2, 9))
    application = services.extension_application_start(actor=actor, clock=clock_a)
    reading = services.clock_event_record(
        actor=actor, clock=clock_a, kind="extension_granted", occurred_on=TODAY, new_expiry=dt.date(2026, 10, 1)
    )
    application.refresh_from_db()
    assert reading.expires_on == dt.date(2026, 10, 1) and reading.extended
    assert application.status == "granted" and application.new_expiry == dt.date(2026, 10, 1)


def test_dual_check(personas: Personas, clock_a) -> None:
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=clock_a, kind="remanded", occurred_on=dt.date(2026, 2, 9)
    )
    clock_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.clock_dual_check(actor=personas.prosecutor_a, clock=clock_a, confirmed_expiry=clock_a.expires_on)
    with pytest.raises(ValidationFailed):
        services.clock_dual_check(actor=personas.manager_a, clock=clock_a, confirmed_expiry=TODAY)
    assert AuditEvent.objects.filter(changes__contains="dual_check_mismatch").exists()
    services.clock_dual_check(actor=personas.manager_a, clock=clock_a, confirmed_expiry=clock_a.expires_on)
    assert clock_a.dual_check_current
    # A later event moves the expiry: the check is no longer current.
    services.clock_event_record(
        actor=personas.manager_a,
        clock=clock_a,
        kind="extension_granted",
        occurred_on=TODAY,
        new_expiry=dt.date(2026, 12, 1),
    )
    clock_a.refresh_from_db()
    assert not clock_a.dual_check_current


def test_ctl_log_refuses_a_hearing_of_another_case(personas: Personas, case_a, case_b) -> None:
    from casework.cases import services as case_services

    hearing_b = case_services.hearing_add(
        actor=personas.prosecutor_b,
        case=case_b,
        hearing_type="mention",
        starts_at=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC),
        court="Durham",
    )
    with pytest.raises(ValidationFailed):
        services.ctl_log_add(
            actor=personas.prosecutor_a, case=case_a, entry_on=TODAY, note="x", hearing_id=hearing_b.pk
        )
    with pytest.raises(ValidationFailed):
        services.ctl_log_add(actor=personas.prosecutor_a, case=case_a, entry_on=TODAY, note="   ")


def test_directions_and_deadline_status(personas: Personas, case_a) -> None:
    first = services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve bundle", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    second = services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve expert", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    assert (first.key, second.key) == ("direction.1", "direction.2")
    assert first.owner == personas.prosecutor_a  # defaults to the allocated lawyer
    with pytest.raises(ValidationFailed):
        services.deadline_mark_missed(actor=personas.manager_a, deadline=first, expected_version=1, reason="weather")
    services.deadline_mark_missed(actor=personas.manager_a, deadline=first, expected_version=1, reason="defence")
    with pytest.raises(EditConflict):
        services.deadline_mark_met(
            actor=personas.manager_a, deadline=Deadline.objects.get(pk=first.pk), expected_version=1, met_on=TODAY
        )
    changed = AuditEvent.objects.filter(subject_type="progression.deadline", subject_id=str(first.pk), action="alter")
    assert changed.count() == 1


def test_task_validation(personas: Personas, case_a) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.task_create(
            actor=personas.manager_a,
            case=case_a,
            title="",
            due_on=TODAY,
            reminder_on=TODAY + dt.timedelta(1),
            escalate_on=TODAY - dt.timedelta(1),
        )
    assert set(error.value.field_errors) == {"title", "assignee", "reminder_on", "escalate_on"}
    general = services.task_create(
        actor=personas.prosecutor_a, title="Training", due_on=TODAY, assignee_id=personas.prosecutor_a.pk
    )
    with pytest.raises(NotFound):
        services.task_complete(actor=personas.manager_a, task=general, expected_version=1)
    services.task_complete(actor=personas.prosecutor_a, task=general, expected_version=1)
    assert general.status == "done"


def test_calendar_refresh_adds_and_renames_without_removing(db) -> None:
    new_day = dt.date(2036, 12, 25)
    existing = NonWorkingDay.objects.order_by("date").first()
    result = services.calendar_refresh(
        actor=None, days={new_day: "Christmas Day", existing.date: "Renamed"}, source="test"
    )
    assert result["added"] == ["2036-12-25"] and result["renamed"] == [existing.date.isoformat()]
    assert NonWorkingDay.objects.filter(date=existing.date, name="Renamed").exists()
    assert AuditEvent.objects.filter(action="config_change").count() == 1
    again = services.calendar_refresh(actor=None, days={new_day: "Christmas Day"}, source="test")
    assert again == {"added": [], "renamed": [], "unchanged": 1, "complete_years": []}
