"""Capacity by grade rolled up per Area and for the nation.

Each Area is served by one CCU (the two London Areas share one), and staff belong to units, so an
Area's figures are those of the unit serving it; the national figures count every unit once (adding
the Areas up would count the London unit twice). People's figures are the unit report's
(`selectors.capacity_for`, caseloads from the units' stored summaries) summed by unit and grade in
SQL (`selectors.capacity_totals`, no figure per person), so an Area's row for a grade always equals
the unit page's row for that grade (tests/resourcing/test_capacity_totals.py). Open vacancies are
summed by unit and grade in SQL and shown with the capacity the grade would have if they were filled.

Only aggregates leave this module: no person is named.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from casework.people.choices import NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Area, Unit
from casework.resourcing import rules, selectors, summaries
from casework.resourcing.models import RESOURCING_ROLES, Vacancy

NATION = "England and Wales"
ALL_GRADES = "All grades"
SORTS = {
    "area": "Area, then grade",
    "grade": "Grade, then Area",
    "capacity_desc": "Capacity used, highest first",
    "capacity_asc": "Capacity used, lowest first",
}


@dataclass
class GradeRollup:
    """One grade's capacity in one scope (an Area, or the nation)."""

    scope: str
    grade_code: str
    grade_name: str
    seniority: int = 0
    unit_name: str = ""
    headcount: int = 0
    fte: Decimal = Decimal("0")
    workload_points: Decimal = Decimal("0")
    available_points: Decimal = Decimal("0")
    vacant_fte: Decimal = Decimal("0")
    vacancy_points: Decimal = Decimal("0")  # available points the open vacancies would add if filled

    @property
    def percent(self) -> int | None:
        return rules.capacity_percent(self.workload_points, self.available_points)

    @property
    def percent_if_filled(self) -> int | None:
        return rules.capacity_percent(self.workload_points, self.available_points + self.vacancy_points)

    def absorb(self, other: GradeRollup) -> None:
        self.headcount += other.headcount
        self.fte += other.fte
        self.workload_points += other.workload_points
        self.available_points += other.available_points
        self.vacant_fte += other.vacant_fte
        self.vacancy_points += other.vacancy_points


@dataclass
class AreaRollup:
    area: Area
    unit_name: str
    grades: list[GradeRollup]
    total: GradeRollup


@dataclass
class Rollup:
    on: dt.date
    policy_version: int
    areas: list[AreaRollup]
    nation: list[GradeRollup] = field(default_factory=list)
    nation_total: GradeRollup | None = None
    #: The oldest stored unit summary counted (None: all worked out now); units worked out now and
    #: cases banded now for them.
    figures_as_of: dt.datetime | None = None
    units_now: int = 0
    banded_now: int = 0


# --- who may see what -----------------------------------------------------------------------------


def areas_visible_to(user: Any) -> QuerySet[Area]:
    """Areas whose roll-up the user may read, scoped as the units comparison is: HQ analysts and
    inspectors every Area; Area leadership their own Area; unit managers the Area(s) their unit
    serves. Caseworkers, police liaison officers and administrators: none."""
    roles = user.role_codes
    if not roles & RESOURCING_ROLES:
        return Area.objects.none()
    if roles & NATIONAL_READ_ROLES:
        return Area.objects.all()
    scope = Q(pk__in=[])
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        scope |= Q(pk=user.area_id)
    if roles & UNIT_MANAGER_ROLES and user.unit_id:
        scope |= Q(unit_id=user.unit_id)
    return Area.objects.filter(scope)


def sees_nation(user: Any) -> bool:
    return bool(user.role_codes & NATIONAL_READ_ROLES)


# --- arithmetic -----------------------------------------------------------------------------------


def _unit_grades(
    unit_ids: list[int], *, on: dt.date, policy: rules.Policy
) -> tuple[dict[int, dict[str, GradeRollup]], summaries.Summaries]:
    """{unit id: {grade code: figures}} for the given units: people and their hours read live,
    their caseloads from the units' stored summaries (which count only these units' open cases:
    people's roles on cases outside these units count nowhere here, as before)."""
    scope = summaries.read(unit_ids, on=on, policy=policy, loads=False)
    totals = selectors.capacity_totals(
        unit_ids,
        on=on,
        policy=policy,
        by=("unit_id", "grade__code", "grade__name", "grade__seniority"),
        loads=scope.live_loads(),
        stored=scope.stored,
    )
    result: dict[int, dict[str, GradeRollup]] = defaultdict(dict)

    def row(unit_id: int, code: str | None, name: str | None, seniority: int | None) -> GradeRollup:
        found = result[unit_id].get(code or "")
        if found is None:
            found = result[unit_id][code or ""] = GradeRollup("", code or "", name or "Ungraded", seniority or 0)
        return found

    for (unit_id, code, name, seniority), group in totals.items():
        if unit_id is None:
            continue
        target = row(unit_id, code, name, seniority)
        target.headcount += group.headcount
        target.fte += group.fte
        target.workload_points += group.workload_points
        target.available_points += group.available_points
    # Open vacancies, summed by unit and grade in the database.
    for unit_id, code, name, seniority, fte in (
        Vacancy.objects.filter(unit_id__in=unit_ids)
        .open_on(on)
        .values("unit_id", "grade__code", "grade__name", "grade__seniority")
        .annotate(fte=Sum("fte"))
        .values_list("unit_id", "grade__code", "grade__name", "grade__seniority", "fte")
    ):
        target = row(unit_id, code, name, seniority)
        target.vacant_fte += fte
        target.vacancy_points += Decimal(policy.grade_targets.get(code, policy.default_target)) * fte
    return result, scope


def _ordered(rows: list[GradeRollup]) -> list[GradeRollup]:
    return sorted(rows, key=lambda g: (-g.seniority, g.grade_name))


def _sum(scope: str, rows: list[GradeRollup], unit_name: str = "") -> GradeRollup:
    total = GradeRollup(scope, "", ALL_GRADES, unit_name=unit_name)
    for g in rows:
        total.absorb(g)
    return total


def capacity_rollup(*, areas: QuerySet[Area], national: bool, on: dt.date) -> Rollup:
    """Capacity % by grade for each Area given and, when `national`, for the nation."""
    policy = selectors.policy_on(on)
    area_list = list(areas.select_related("unit").order_by("name"))
    unit_ids = sorted({a.unit_id for a in area_list})
    if national:
        unit_ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
    by_unit, scope = _unit_grades(unit_ids, on=on, policy=policy)
    rollup = Rollup(
        on=on,
        policy_version=policy.version,
        areas=[],
        figures_as_of=scope.as_of,
        units_now=scope.units_now,
        banded_now=scope.banded_now,
    )
    for area in area_list:
        grades = []
        for g in by_unit.get(area.unit_id, {}).values():
            copy = GradeRollup(area.name, g.grade_code, g.grade_name, g.seniority, area.unit.name)
            copy.absorb(g)
            grades.append(copy)
        grades = _ordered(grades)
        rollup.areas.append(AreaRollup(area, area.unit.name, grades, _sum(area.name, grades, area.unit.name)))
    if national:
        nation: dict[str, GradeRollup] = {}
        for unit_rows in by_unit.values():
            for code, g in unit_rows.items():
                nation.setdefault(code, GradeRollup(NATION, code, g.grade_name, g.seniority)).absorb(g)
        rollup.nation = _ordered(list(nation.values()))
        rollup.nation_total = _sum(NATION, rollup.nation)
    return rollup


def area_rows(rollup: Rollup, *, grade: str = "", sort: str = "area") -> list[GradeRollup]:
    """The Areas' grade rows as one list, filtered to a grade and sorted as asked."""
    rows = [g for a in rollup.areas for g in a.grades if not grade or g.grade_code == grade]
    if sort == "grade":
        rows.sort(key=lambda g: (-g.seniority, g.grade_name, g.scope))
    elif sort in ("capacity_desc", "capacity_asc"):
        # Rows with no available points (no capacity figure) go last either way.
        sign = -1 if sort == "capacity_desc" else 1
        rows.sort(key=lambda g: (g.percent is None, sign * (g.percent or 0), g.scope, -g.seniority))
    return rows
