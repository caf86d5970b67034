"""Writes for resourcing: REM records, time entries and allocation decisions. Each runs in one
transaction and writes its audit event inside it; edits use optimistic locking (version)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from casework.audit import services as audit
from casework.audit.choices import Action
from casework.audit.versioned import versioned_update
from casework.cases import services as case_services
from casework.cases.choices import Stage
from casework.cases.models import Case
from casework.core import clock, dates
from casework.core.case_changes import notify_case_changed
from casework.core.errors import EditConflict, NotFound, PermissionDenied, ValidationFailed
from casework.people.choices import UNIT_MANAGER_ROLES
from casework.people.models import Grade, PoliceForce, Unit, User
from casework.resourcing import rules
from casework.resourcing.models import Activity, RemRecord, Scenario, TimeEntry, Vacancy, scenario_units
from casework.resourcing.selectors import units_visible_to

RECORD_FIELDS = (
    "victims",
    "witnesses",
    "pages_of_evidence",
    "unused_material_pages",
    "international_element",
    "media_interest",
    "counsel_instructed",
    "counsel_name",
    "estimated_hours",
)


def _validate_estimate(estimate: Any) -> dict[str, dict[str, float]]:
    """{stage: {grade code: hours}} with known stages and non-negative hours."""
    if not isinstance(estimate, dict):
        raise ValidationFailed("Estimated hours must be given by stage and grade.")
    clean: dict[str, dict[str, float]] = {}
    for stage, by_grade in estimate.items():
        if stage not in Stage.values or not isinstance(by_grade, dict):
            raise ValidationFailed(f"Unknown stage in estimate: {stage}", field_errors={"estimated_hours": [stage]})
        for grade, hours in by_grade.items():
            value = float(hours)
            if not 0 <= value <= 10_000:
                raise ValidationFailed(
                    "Estimated hours must be between 0 and 10,000.", field_errors={"estimated_hours": [grade]}
                )
            clean.setdefault(stage, {})[str(grade)] = value
    return clean


@transaction.atomic
def rem_record_save(*, actor: User, case: Case, expected_version: int | None, **values: Any) -> RemRecord:
    """Create the case's REM record (expected_version None) or change it (optimistic locking)."""
    case_services.require_case_editable(actor=actor, case=case)
    unknown = set(values) - set(RECORD_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    if "estimated_hours" in values:
        values["estimated_hours"] = _validate_estimate(values["estimated_hours"])
    record = RemRecord.objects.filter(case=case).first()
    if record is None:
        if expected_version is not None:
            raise EditConflict("The REM record was removed after you opened it.", current_version=0, changed={})
        now = clock.now()
        record = RemRecord.objects.create(case=case, created_at=now, updated_at=now, **values)
        audit.record(
            actor=actor,
            action=Action.COLLECT,
            subject=record,
            case_id=case.pk,
            changes=audit.diff({}, record.snapshot()),
        )
        record.remember_loaded_state()
        notify_case_changed(case.pk)
        return record
    if expected_version is None:
        raise EditConflict(
            "A REM record already exists for this case: review it and make your changes again.",
            current_version=record.version,
            changed={},
        )
    changes = versioned_update(
        actor=actor, instance=record, expected_version=expected_version, values=values, case_id=case.pk
    )
    if not changes:
        # Saving unchanged values still confirms the record is current (the stage-change check).
        rem_record_confirm(actor=actor, record=record, expected_version=expected_version)
    return record


@transaction.atomic
def rem_record_confirm(*, actor: User, record: RemRecord, expected_version: int) -> RemRecord:
    """Confirm the record is still right after a stage change, without changing its content."""
    case_services.require_case_editable(actor=actor, case=record.case)
    now = clock.now()
    updated = RemRecord.objects.filter(pk=record.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now
    )
    if updated != 1:
        current = RemRecord.objects.get(pk=record.pk)
        raise EditConflict(
            "Someone else changed the REM record after you opened it.", current_version=current.version, changed={}
        )
    record.version = expected_version + 1
    record.updated_at = now
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=record,
        case_id=record.case_id,
        changes={"confirmed_current_on": [None, clock.today().isoformat()]},
    )
    notify_case_changed(record.case_id)
    return record


@transaction.atomic
def time_entry_record(
    *, actor: User, case: Case, week_starting: dt.date, activity: str, hours: Decimal, person: User | None = None
) -> TimeEntry:
    """Record (or replace) a person's hours on a case for one activity in one week."""
    case_services.require_case_editable(actor=actor, case=case)
    dates.require_plausible(week_starting=week_starting)
    person = person or actor
    if person.pk != actor.pk and not (actor.role_codes & UNIT_MANAGER_ROLES and person.unit_id == actor.unit_id):
        raise PermissionDenied("Only a manager of the unit can record time for someone else.")
    if activity not in Activity.values:
        raise ValidationFailed("Choose an activity.", field_errors={"activity": ["Choose an activity."]})
    hours = Decimal(hours)
    if not Decimal("0") <= hours <= Decimal("80"):
        raise ValidationFailed("Hours must be between 0 and 80 a week.", field_errors={"hours": ["Between 0 and 80."]})
    week_starting = week_starting - dt.timedelta(days=week_starting.weekday())
    record = RemRecord.objects.filter(case=case).first()
    if record is None:
        raise ValidationFailed("Create the case's REM record before recording time.")
    entry = TimeEntry.objects.filter(
        record=record, person=person, week_starting=week_starting, activity=activity
    ).first()
    before = str(entry.hours) if entry else None
    if entry is None:
        entry = TimeEntry.objects.create(
            record=record,
            person=person,
            week_starting=week_starting,
            activity=activity,
            hours=hours,
            recorded_at=clock.now(),
        )
    else:
        entry.hours = hours
        entry.recorded_at = clock.now()
        entry.save(update_fields=["hours", "recorded_at"])
    audit.record(
        actor=actor,
        action=Action.COLLECT if before is None else Action.ALTER,
        subject=entry,
        case_id=case.pk,
        changes={
            "hours": [before, str(hours)],
            "person_id": [None, person.pk],
            "week_starting": [None, str(week_starting)],
            "activity": [None, activity],
        },
    )
    return entry


@transaction.atomic
def allocation_decide(
    *,
    actor: User,
    case: Case,
    expected_version: int,
    lead_id: int,
    deputy_id: int | None,
    reason: str,
    ranking: list[rules.Ranked] | None = None,
) -> Case:
    """A manager allocates the case. The change goes through case_update (audited there); the
    decision's reason and where the chosen lawyer stood in the ranking are audited alongside."""
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotFound("Case not found.")
    if not (actor.role_codes & UNIT_MANAGER_ROLES and actor.unit_id == case.unit_id):
        raise PermissionDenied("Only a legal manager or unit head of the case's unit allocates it.")
    if not reason.strip():
        raise ValidationFailed("Give the reason for the allocation.", field_errors={"reason": ["Give a reason."]})
    if deputy_id == lead_id:
        raise ValidationFailed(
            "The deputy must be someone other than the lead.", field_errors={"deputy_id": ["Same person."]}
        )
    before = {"lead": case.allocated_lawyer_id, "deputy": case.deputy_lawyer_id}
    try:
        # Who may be allocated is the case service's rule (active staff of the unit, fitting role).
        case_services.case_update(
            actor=actor,
            case=case,
            expected_version=expected_version,
            allocated_lawyer_id=lead_id,
            deputy_lawyer_id=deputy_id,
        )
    except ValidationFailed as error:
        names = {"allocated_lawyer_id": "lead_id", "deputy_lawyer_id": "deputy_id"}
        fields = {names.get(field, field): messages for field, messages in error.field_errors.items()}
        raise ValidationFailed(error.message, field_errors=fields) from error
    position = next((i + 1 for i, r in enumerate(ranking or []) if r.candidate.person_id == lead_id), None)
    audit.record(
        actor=actor,
        action=Action.ALTER,
        subject=case,
        subject_type="resourcing.allocation",
        case_id=case.pk,
        changes={
            "lead": [before["lead"], lead_id],
            "deputy": [before["deputy"], deputy_id],
            "reason": [None, reason.strip()[:500]],
            "ranking_position": [None, position],
        },
    )
    return case


@transaction.atomic
def people_report_consulted(*, actor: User, unit: Any, named_people: int) -> None:
    """Reading a report that names people's workload is a consultation (s.62): log who and why."""
    if not named_people:
        return
    audit.record(
        actor=actor,
        action=Action.CONSULT,
        subject=unit,
        subject_type="resourcing.unit_report",
        subject_label=f"Resourcing report for {unit} ({named_people} people named)"[:250],
        justification="Workload and capacity oversight",
    )


def _resolve_moves(*, actor: User, changes: rules.ScenarioChanges) -> None:
    """Every move names a known force or a case the actor can see, and a unit that exists."""
    for move in changes.moves:
        if not Unit.objects.filter(code=move.to_unit).exists():
            raise ValidationFailed(f"No unit with code {move.to_unit!r}.", field_errors={"moves": [move.to_unit]})
        if move.kind == "force" and not PoliceForce.objects.filter(code=move.ref).exists():
            raise ValidationFailed(f"No police force with code {move.ref!r}.", field_errors={"moves": [move.ref]})
        if move.kind == "case" and not Case.objects.visible_to(actor).filter(urn=move.ref).exists():
            raise ValidationFailed(f"No case with URN {move.ref!r}.", field_errors={"moves": [move.ref]})


@transaction.atomic
def scenario_save(*, actor: User, name: str, unit: Any, changes: dict[str, Any]) -> Scenario:
    """Save a what-if scenario for a unit the actor may plan for (validated changes; audited)."""
    if not scenario_units(actor).filter(pk=unit.pk).exists():
        raise NotFound("Unit not found.")
    if not name.strip():
        raise ValidationFailed("Give the scenario a name.", field_errors={"name": ["Give a name."]})
    try:
        parsed = rules.scenario_changes_from(changes, grade_codes=Grade.objects.values_list("code", flat=True))
    except ValueError as error:
        raise ValidationFailed(str(error), field_errors={"changes": [str(error)]}) from error
    if not (parsed.staff or parsed.referral_change_percent or parsed.moves or parsed.fill_vacancies):
        raise ValidationFailed("Change at least one thing: staff, vacancies, referral volume or moves.")
    _resolve_moves(actor=actor, changes=parsed)
    scenario = Scenario.objects.create(
        name=name.strip()[:120], unit=unit, created_by=actor, created_at=clock.now(), changes=parsed.as_data()
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=scenario,
        changes={"name": [None, scenario.name], "unit": [None, unit.code], "changes": [None, scenario.changes]},
    )
    return scenario


# --- vacancies ----------------------------------------------------------------------------------------


def require_unit_manager(*, actor: User, unit: Any) -> None:
    """Vacancies and timesheets are the unit's managers' to keep: outside the viewer's units 404, else 403."""
    if not units_visible_to(actor).filter(pk=unit.pk).exists():
        raise NotFound("Unit not found.")
    if not (actor.role_codes & UNIT_MANAGER_ROLES and actor.unit_id == unit.pk):
        raise PermissionDenied("Only a legal manager or unit head of the unit can do this.")


@transaction.atomic
def vacancy_record(*, actor: User, unit: Any, grade: Any, fte: Decimal, since: dt.date, reason: str) -> Vacancy:
    """Record an unfilled post in the actor's unit (audited)."""
    require_unit_manager(actor=actor, unit=unit)
    dates.require_plausible(since=since)
    fte = Decimal(fte)
    if not Decimal("0") < fte <= Decimal("1"):
        raise ValidationFailed(
            "A post's FTE must be above 0 and at most 1.", field_errors={"fte": ["Between 0 and 1."]}
        )
    if since > clock.today():
        raise ValidationFailed("A vacancy cannot start in the future.", field_errors={"since": ["Not in the future."]})
    if not reason.strip():
        raise ValidationFailed("Give the reason for the vacancy.", field_errors={"reason": ["Give a reason."]})
    vacancy = Vacancy.objects.create(
        unit=unit,
        grade=grade,
        fte=fte,
        since=since,
        reason=reason.strip()[:300],
        created_by=actor,
        created_at=clock.now(),
    )
    audit.record(
        actor=actor,
        action=Action.COLLECT,
        subject=vacancy,
        changes={
            "unit": [None, unit.code],
            "grade": [None, grade.code],
            "fte": [None, str(fte)],
            "since": [None, since.isoformat()],
            "reason": [None, vacancy.reason],
        },
    )
    return vacancy


@transaction.atomic
def vacancy_fill(*, actor: User, vacancy: Vacancy, filled_on: dt.date) -> Vacancy:
    """Mark a vacancy filled on a day (audited alteration); from then it no longer counts."""
    require_unit_manager(actor=actor, unit=vacancy.unit)
    dates.require_plausible(filled_on=filled_on)
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    if vacancy.filled_on is not None:
        raise ValidationFailed("This vacancy is already filled.")
    if filled_on < vacancy.since or filled_on > clock.today():
        raise ValidationFailed(
            "The post is filled on or after the day it became vacant, and not in the future.",
            field_errors={"filled_on": ["Between the vacancy date and today."]},
        )
    vacancy.filled_on = filled_on
    vacancy.save(update_fields=["filled_on"])
    audit.record(
        actor=actor, action=Action.ALTER, subject=vacancy, changes={"filled_on": [None, filled_on.isoformat()]}
    )
    return vacancy
