"""Every service that adds or changes something an overview counts marks the case's unit and holders
as changed (in the writing transaction), so a stored overview count is never used after it."""

from __future__ import annotations

import datetime as dt

from casework.assurance import services as assurance_services
from casework.assurance.models import Checkpoint
from casework.cases import services as case_services
from casework.core import clock
from casework.progression import services as progression_services
from casework.workday.models import OverviewChange


def _marked(case) -> bool:
    return (
        OverviewChange.objects.filter(unit_id=case.unit_id).exists()
        and OverviewChange.objects.filter(person_id=case.allocated_lawyer_id).exists()
    )


def _reset() -> None:
    OverviewChange.objects.all().delete()


def test_a_direction_a_task_and_a_sign_off_request_mark_the_case_changed(personas, case_a) -> None:
    soon = clock.today() + dt.timedelta(days=10)
    _reset()
    progression_services.direction_add(
        actor=personas.manager_a,
        case=case_a,
        title="Serve the expert report",
        due_on=soon,
        owner_id=None,
        reason="Directions hearing",
    )
    assert _marked(case_a)
    _reset()
    progression_services.task_create(
        actor=personas.manager_a,
        title="Chase the phone download",
        due_on=soon,
        case=case_a,
        assignee_id=personas.prosecutor_a.pk,
    )
    assert _marked(case_a)
    _reset()
    checkpoint = Checkpoint.objects.order_by("pk").first()
    assurance_services.signoff_request(actor=personas.prosecutor_a, case=case_a, checkpoint_code=checkpoint.code)
    assert _marked(case_a)


def test_an_extension_application_and_a_dual_check_mark_the_case_changed(personas, case_a) -> None:
    defendant = case_services.defendant_add(actor=personas.manager_a, case=case_a, first_names="Jo", last_name="Bloggs")
    charge = case_services.charge_add(
        actor=personas.manager_a, defendant=defendant, offence="Robbery", classification="indictable_only"
    )
    custody = progression_services.custody_clock_open(actor=personas.manager_a, charge=charge, initial_regime="summary")
    progression_services.clock_event_record(
        actor=personas.manager_a, clock=custody, kind="remanded", occurred_on=clock.today()
    )
    custody.refresh_from_db()
    _reset()
    progression_services.extension_application_start(actor=personas.manager_a, clock=custody)
    assert _marked(case_a)
    _reset()
    progression_services.clock_dual_check(
        actor=personas.prosecutor_a, clock=custody, confirmed_expiry=custody.expires_on
    )
    assert _marked(case_a)
