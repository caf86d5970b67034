"""Records management fixtures: a records officer for unit A and finalised cases full of
personal data, closed long enough ago to be past their retention."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core import clock
from casework.people.choices import RoleCode
from casework.people.models import User
from tests.factories import Personas, make_case, make_user

#: Values that must leave the database when the case is disposed of.
PERSONAL = ("Quentella", "Brackenshaw", "1961-07-19", "Halfpenny Lane embezzlement", "Operation Wisteria")


@pytest.fixture
def records_a(personas: Personas) -> User:
    return make_user("records.a", RoleCode.RECORDS_OFFICER, unit=personas.unit_a)


@dataclass
class OldCase:
    case: Case
    defendant_id: int


def finalise(case: Case, actor: User, *, outcome: str = "convicted_all") -> None:
    for stage in ("charging_decision", "charged", "ptph", "sentence", "finalised"):
        case.refresh_from_db()
        case_services.case_change_stage(actor=actor, case=case, expected_version=case.version, stage=stage)
    case.refresh_from_db()
    case_services.case_update(actor=actor, case=case, expected_version=case.version, outcome=outcome)


def make_old_case(
    personas: Personas,
    *,
    closed_on: dt.date = dt.date(2016, 3, 14),
    outcome: str = "convicted_all",
    names: tuple[str, str] = ("Quentella", "Brackenshaw"),
    operation: str = "Operation Wisteria",
    born: dt.date = dt.date(1961, 7, 19),
    summary: str = "Halfpenny Lane embezzlement by the treasurer",
) -> OldCase:
    """A unit A case with a defendant, a charge, a hearing and a document, finalised on `closed_on`."""
    actor = personas.manager_a
    with time_machine.travel(dt.datetime.combine(closed_on - dt.timedelta(days=400), dt.time(10), tzinfo=dt.UTC)):
        case = make_case(
            actor=actor,
            operation_name=operation,
            summary=summary,
            allocated_lawyer_id=personas.prosecutor_a.pk,
        )
        defendant = case_services.defendant_add(
            actor=actor, case=case, first_names=names[0], last_name=names[1], date_of_birth=born
        )
        case_services.charge_add(
            actor=actor, defendant=defendant, offence="Fraud by abuse of position", classification="either_way"
        )
        case_services.hearing_add(
            actor=actor,
            case=case,
            hearing_type="ptph",
            starts_at=clock.now() + dt.timedelta(days=30),
            court="Winchester Crown Court",
        )
        case_services.document_add(
            actor=actor,
            case=case,
            kind="psd",
            title="Strategy",
            body=f"Strategy for {names[0]} {names[1]}, born {born:%d/%m/%Y}",
        )
        case_services.case_open(
            actor=personas.prosecutor_a, case_id=case.pk, justification=f"Preparing {names[1]} file"
        )
    with time_machine.travel(dt.datetime.combine(closed_on, dt.time(10), tzinfo=dt.UTC)):
        finalise(case, actor, outcome=outcome)
    case.refresh_from_db()
    return OldCase(case=case, defendant_id=defendant.pk)
