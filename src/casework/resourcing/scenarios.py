"""What-if scenarios computed against the unit's baseline on a date: bulk reads, then pure rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.people.models import Grade, User
from casework.resourcing import forecast, rules, selectors
from casework.resourcing.models import Scenario, Vacancy


@dataclass
class ScenarioResult:
    scenario: Scenario
    on: dt.date
    policy_version: int
    changes: rules.ScenarioChanges
    grades: list[rules.GradeComparison]
    total: rules.GradeComparison
    moved_out_cases: int
    moved_in_cases: int
    baseline_forecast: forecast.Forecast
    scenario_forecast: forecast.Forecast
    filled_vacancies: tuple[rules.StaffChange, ...] = ()


def _baseline_by_grade(capacity: dict[int, selectors.PersonCapacity]) -> list[rules.GradeLoad]:
    sums: dict[str, list[Decimal]] = {}
    names: dict[str, str] = {}
    for p in capacity.values():
        row = sums.setdefault(p.grade_code, [Decimal("0"), Decimal("0"), Decimal("0")])
        row[0] += p.fte
        row[1] += p.workload_points
        row[2] += p.available_points
        names[p.grade_code] = p.grade_name
    return [rules.GradeLoad(code, names[code], *values) for code, values in sums.items()]


def points_by_grade(cases: QuerySet[Case], policy: rules.Policy) -> dict[str, Decimal]:
    """Weighted points the open cases put on each grade, by the grade of whoever holds each role."""
    open_cases = cases.filter(stage__in=OPEN_STAGES)
    bands = selectors.bands_for(open_cases, policy)
    rows = list(open_cases.values("id", "stage", *(column for column, _ in selectors.ROLE_COLUMNS)))
    holders = {pk for row in rows for column, _ in selectors.ROLE_COLUMNS if (pk := row[column])}
    grade_of = dict(User.objects.filter(pk__in=holders).values_list("pk", "grade__code"))
    points: dict[str, Decimal] = {}
    for row in rows:
        for column, role in selectors.ROLE_COLUMNS:
            holder = row[column]
            if holder is None or row["id"] not in bands:
                continue
            code = grade_of.get(holder) or ""
            value = rules.case_points(band=bands[row["id"]], stage=row["stage"], role=role, policy=policy)
            points[code] = points.get(code, Decimal("0")) + value
    return points


def moved_cases(scenario: Scenario, changes: rules.ScenarioChanges) -> tuple[QuerySet[Case], QuerySet[Case]]:
    """(cases leaving the scenario's unit, cases arriving in it)."""
    code = scenario.unit.code
    leaving = Q(pk__in=[])
    arriving = Q(pk__in=[])
    for move in changes.moves:
        match = Q(lead_force__code=move.ref) if move.kind == "force" else Q(urn=move.ref)
        if move.to_unit == code:
            arriving |= match
        else:
            leaving |= match
    out = Case.objects.filter(unit_id=scenario.unit_id).filter(leaving)
    into = Case.objects.exclude(unit_id=scenario.unit_id).filter(arriving)
    return out, into


def vacancies_as_staff(unit_id: int, *, on: dt.date) -> tuple[rules.StaffChange, ...]:
    """The unit's vacancies open on the day, as staff additions (filling them)."""
    rows = Vacancy.objects.filter(unit_id=unit_id).open_on(on).values_list("grade__code", "fte")
    return tuple(rules.StaffChange(code, fte) for code, fte in rows)


def compute(scenario: Scenario, *, on: dt.date) -> ScenarioResult:
    policy = selectors.policy_on(on)
    grades = dict(Grade.objects.values_list("code", "name"))
    changes = rules.scenario_changes_from(scenario.changes, grade_codes=grades)
    filled = vacancies_as_staff(scenario.unit_id, on=on) if changes.fill_vacancies else ()
    changes = dataclasses.replace(changes, staff=changes.staff + filled)
    people = User.objects.filter(unit_id=scenario.unit_id, is_active=True)
    baseline = _baseline_by_grade(selectors.capacity_for(people, on=on, policy=policy))
    out, into = moved_cases(scenario, changes)
    comparisons = rules.scenario_grades(
        baseline,
        changes=changes,
        grade_names=grades,
        targets=policy.grade_targets,
        default_target=policy.default_target,
        moved_out=points_by_grade(out, policy),
        moved_in=points_by_grade(into, policy),
    )
    unit_cases = Case.objects.filter(unit_id=scenario.unit_id)
    scenario_cases = Case.objects.filter(Q(unit_id=scenario.unit_id) | Q(pk__in=into.values("pk"))).exclude(
        pk__in=out.values("pk")
    )
    multiplier = float(1 + changes.referral_change_percent / 100)
    return ScenarioResult(
        scenario=scenario,
        on=on,
        policy_version=policy.version,
        changes=changes,
        grades=comparisons,
        total=rules.GradeComparison(
            _sum("All grades", [c.baseline for c in comparisons]), _sum("All grades", [c.scenario for c in comparisons])
        ),
        moved_out_cases=out.filter(stage__in=OPEN_STAGES).count(),
        moved_in_cases=into.filter(stage__in=OPEN_STAGES).count(),
        baseline_forecast=selectors.unit_forecast(unit_cases, today=on),
        scenario_forecast=selectors.unit_forecast(scenario_cases, today=on, referral_multiplier=multiplier),
        filled_vacancies=filled,
    )


def _sum(label: str, loads: list[rules.GradeLoad]) -> rules.GradeLoad:
    return rules.GradeLoad(
        "",
        label,
        sum((g.fte for g in loads), Decimal("0")),
        sum((g.workload for g in loads), Decimal("0")),
        sum((g.available for g in loads), Decimal("0")),
    )
