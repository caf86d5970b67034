"""Resourcing over the API: a case's complexity band and REM record (read and write), and a unit's
capacity and resilience. Same access paths as the pages: a case outside Case.objects.visible_to or
a unit outside units_visible_to is a 404; individual figures only for people the caller may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from casework.cases.models import Case
from casework.core import clock
from casework.core.api_types import MAX_ID, ErrorOut
from casework.core.errors import NotFound
from casework.resourcing import reports, rollups, rules, selectors, services
from casework.resourcing.models import RESOURCING_ROLES, RemRecord

router = Router(tags=["resourcing"])
CaseId = Path(..., ge=1, le=MAX_ID, description="The case id.")
UnitId = Path(..., ge=1, le=MAX_ID, description="The unit id.")
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ContributionOut(Schema):
    factor: str
    points: int
    text: str


class RecordOut(Schema):
    victims: int
    witnesses: int
    pages_of_evidence: int | None
    unused_material_pages: int | None
    international_element: bool
    media_interest: bool
    counsel_instructed: bool | None
    counsel_name: str
    estimated_hours: dict[str, dict[str, float]]
    version: int


class CaseResourcingOut(Schema):
    case_id: int
    band: str
    score: int
    explanation: str
    contributions: list[ContributionOut]
    policy_version: int
    record: RecordOut | None
    record_complete: bool
    record_current: bool
    problems: list[str]


class RecordIn(Schema):
    version: int | None = Field(None, description="The version last read; omit to create the record.")
    victims: int = Field(0, ge=0, le=100_000)
    witnesses: int = Field(0, ge=0, le=100_000)
    pages_of_evidence: int | None = Field(None, ge=0, le=50_000_000)
    unused_material_pages: int | None = Field(None, ge=0, le=50_000_000)
    international_element: bool = False
    media_interest: bool = False
    counsel_instructed: bool | None = None
    counsel_name: str = Field("", max_length=200)
    estimated_hours: dict[str, dict[str, float]] = Field(default_factory=dict)


class GroupOut(Schema):
    label: str
    headcount: int
    workload_points: float
    available_points: float
    capacity_percent: int | None


class PersonOut(GroupOut):
    person_id: int
    grade: str
    hours_available: float
    cases: int


class FindingOut(Schema):
    kind: str
    severity: str
    text: str
    case_ids: list[int]


class VacancyOut(Schema):
    vacancy_id: int
    grade: str
    grade_name: str
    fte: float
    since: dt.date
    reason: str


class VacancyEffectOut(Schema):
    vacant_fte: float
    points_if_filled: float
    capacity_percent_now: int | None
    capacity_percent_if_filled: int | None


class UnitOut(Schema):
    unit_id: int
    on: dt.date
    policy_version: int
    open_cases: int
    total: GroupOut
    by_grade: list[GroupOut]
    people: list[PersonOut]
    people_withheld: int
    findings: list[FindingOut]
    vacancies: list[VacancyOut]
    vacancy_effect: VacancyEffectOut
    figures_as_at: dt.datetime | None = Field(
        description="When the unit's stored caseload figures (open cases, bands, points, findings) were worked "
        "out; null when they were worked out for this answer. Staff, hours and vacancies are always current."
    )


class GradeRollupOut(Schema):
    grade: str = Field(description="Grade code; empty for the all-grades total.")
    grade_name: str
    headcount: int
    fte: float
    workload_points: float
    available_points: float
    capacity_percent: int | None
    vacant_fte: float
    capacity_percent_if_filled: int | None


class AreaRollupOut(Schema):
    area: str
    area_name: str
    unit_name: str
    grades: list[GradeRollupOut]
    total: GradeRollupOut


class RollupOut(Schema):
    on: dt.date
    policy_version: int
    areas: list[AreaRollupOut]
    nation: list[GradeRollupOut] | None = Field(description="National figures: HQ analysts and inspectors only.")
    nation_total: GradeRollupOut | None


class RollupFilters(Schema):
    area: str = Field("", max_length=40, description="An Area code to narrow to.")
    grade: str = Field("", max_length=60, description="A grade code to narrow to.")


def _actor(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not (user.role_codes & RESOURCING_ROLES):
        raise NotFound("Not found.")
    return user


def _case(user: Any, case_id: int) -> Case:
    case = Case.objects.visible_to(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound("Case not found.")
    return case


def _case_out(case: Case) -> dict[str, Any]:
    today = clock.today()
    band = selectors.band_for_case(case, today)
    record = RemRecord.objects.filter(case=case).first()
    verdict = rules.record_currency(
        selectors.record_facts([case.pk])[case.pk], today=today, days=selectors.policy_on(today).currency_days
    )
    return {
        "case_id": case.pk,
        "band": band.band.code,
        "score": band.score,
        "explanation": band.explanation,
        "contributions": [{"factor": c.factor, "points": c.points, "text": c.text} for c in band.contributions],
        "policy_version": band.policy_version,
        "record": None if record is None else {f: getattr(record, f) for f in (*services.RECORD_FIELDS, "version")},
        "record_complete": verdict.complete,
        "record_current": verdict.current,
        "problems": list(verdict.problems),
    }


def _group(g: selectors.GroupCapacity) -> dict[str, Any]:
    return {
        "label": g.label,
        "headcount": g.headcount,
        "workload_points": float(g.workload_points),
        "available_points": float(g.available_points),
        "capacity_percent": g.percent,
    }


@router.get("/resourcing/cases/{case_id}", response={200: CaseResourcingOut, **ERRORS})
def case_resourcing(request: HttpRequest, case_id: int = CaseId) -> dict[str, Any]:
    return _case_out(_case(_actor(request), case_id))


@router.put("/resourcing/cases/{case_id}/record", response={200: CaseResourcingOut, **ERRORS})
def case_record_save(request: HttpRequest, body: RecordIn, case_id: int = CaseId) -> dict[str, Any]:
    user = _actor(request)
    case = _case(user, case_id)
    values = body.model_dump()
    version = values.pop("version")
    services.rem_record_save(actor=user, case=case, expected_version=version, **values)
    return _case_out(case)


@router.get("/resourcing/units/{unit_id}", response={200: UnitOut, **ERRORS})
def unit_resourcing(request: HttpRequest, unit_id: int = UnitId) -> dict[str, Any]:
    user = _actor(request)
    unit = selectors.units_visible_to(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("Unit not found.")
    report = reports.unit_report(unit, on=clock.today())
    named = set(selectors.named_people(user).filter(unit_id=unit.pk).values_list("pk", flat=True))
    people = [p for p in report.people if p.person_id in named]
    services.people_report_consulted(actor=user, unit=unit, named_people=len(people))
    return {
        "unit_id": unit.pk,
        "on": report.on,
        "policy_version": report.policy_version,
        "open_cases": report.open_cases,
        "total": _group(report.total),
        "by_grade": [_group(g) for g in report.by_grade],
        "people": [
            {
                **_group(_single(p)),
                "person_id": p.person_id,
                "grade": p.grade_name,
                "hours_available": float(p.hours_available),
                "cases": p.cases,
            }
            for p in people
        ],
        "people_withheld": len(report.people) - len(people),
        "findings": [
            {"kind": f.kind, "severity": f.severity, "text": f.text, "case_ids": list(f.case_ids)}
            for f in report.findings
        ],
        "vacancies": [
            {
                "vacancy_id": v.pk,
                "grade": v.grade.code,
                "grade_name": v.grade.name,
                "fte": float(v.fte),
                "since": v.since,
                "reason": v.reason,
            }
            for v in report.vacancies
        ],
        "vacancy_effect": {
            "vacant_fte": float(report.vacancy_effect.vacant_fte),
            "points_if_filled": float(report.vacancy_effect.points_if_filled),
            "capacity_percent_now": report.vacancy_effect.percent_now,
            "capacity_percent_if_filled": report.vacancy_effect.percent_if_filled,
        },
        "figures_as_at": report.as_of,
    }


def _grade_rollup(g: rollups.GradeRollup) -> dict[str, Any]:
    return {
        "grade": g.grade_code,
        "grade_name": g.grade_name,
        "headcount": g.headcount,
        "fte": float(g.fte),
        "workload_points": float(g.workload_points),
        "available_points": float(g.available_points),
        "capacity_percent": g.percent,
        "vacant_fte": float(g.vacant_fte),
        "capacity_percent_if_filled": g.percent_if_filled,
    }


@router.get("/resourcing/grades", response={200: RollupOut, **ERRORS})
def capacity_by_grade(request: HttpRequest, filters: Query[RollupFilters]) -> dict[str, Any]:
    """Capacity by grade per Area the caller may see, and nationally for HQ analysts and inspectors.
    Callers who may see no Area get 404; an Area outside their set is a 404 too."""
    user = _actor(request)
    areas = rollups.areas_visible_to(user)
    if filters.area:
        areas = areas.filter(code=filters.area)
    if not areas.exists():
        raise NotFound("Not found.")
    result = rollups.capacity_rollup(areas=areas, national=rollups.sees_nation(user), on=clock.today())

    def pick(rows: list[rollups.GradeRollup]) -> list[dict[str, Any]]:
        return [_grade_rollup(g) for g in rows if not filters.grade or g.grade_code == filters.grade]

    return {
        "on": result.on,
        "policy_version": result.policy_version,
        "areas": [
            {
                "area": a.area.code,
                "area_name": a.area.name,
                "unit_name": a.unit_name,
                "grades": pick(a.grades),
                "total": _grade_rollup(a.total),
            }
            for a in result.areas
        ],
        "nation": pick(result.nation) if result.nation_total is not None else None,
        "nation_total": _grade_rollup(result.nation_total) if result.nation_total is not None else None,
    }


def _single(person: selectors.PersonCapacity) -> selectors.GroupCapacity:
    group = selectors.GroupCapacity(person.name)
    group.add(person)
    return group
