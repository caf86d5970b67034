"""Unit and national resourcing reports assembled from the bulk selectors and the pure rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.people.models import Specialism, Unit, User
from casework.resourcing import rules, selectors, stored
from casework.resourcing.models import Vacancy

KEY_DATE_WINDOW_DAYS = 90


@dataclass
class UnitReport:
    unit: Unit
    on: dt.date
    policy_version: int
    people: list[selectors.PersonCapacity]
    by_grade: list[selectors.GroupCapacity]
    by_team: list[selectors.GroupCapacity]
    total: selectors.GroupCapacity
    composition: rules.Composition
    findings: list[rules.Finding]
    open_cases: int
    points_per_fte: Decimal | None
    band_counts: dict[str, int]
    vacancies: list[Any]
    vacancy_effect: rules.VacancyEffect
    #: When the stored unit summary these case figures come from was worked out (None: worked out
    #: now, `units_now` units) and how many cases were banded now for it.
    as_of: dt.datetime | None = None
    units_now: int = 0
    banded_now: int = 0


def _total(label: str, people: list[selectors.PersonCapacity]) -> selectors.GroupCapacity:
    group = selectors.GroupCapacity(label)
    for person in people:
        group.add(person)
    return group


def unit_report(unit: Unit, *, on: dt.date) -> UnitReport:
    return unit_reports(Unit.objects.filter(pk=unit.pk), on=on)[0]


def unit_reports(units: QuerySet[Unit], *, on: dt.date) -> list[UnitReport]:
    """Capacity, composition and resilience of every unit given, in bulk for all of them: people,
    their hours and absences and the vacancies read live, the case-derived figures (open cases,
    bands, findings, each holder's points) from each unit's stored summary while it is current for
    the unit's open cases, else worked out now (resourcing.summaries)."""
    from casework.resourcing import summaries  # summaries builds on this module

    policy = selectors.policy_on(on)
    unit_list = list(units)
    unit_ids = [u.pk for u in unit_list]
    people_qs = User.objects.filter(unit_id__in=unit_ids, is_active=True)
    stored_figures = summaries.read(unit_ids, on=on, policy=policy, detail=True)
    capacity = selectors.capacity_for(people_qs, on=on, policy=policy, bands={}, case_rows=())
    for loads in stored_figures.loads(unit_ids):
        selectors.add_loads(capacity, loads)
    figures = stored_figures.units
    open_vacancies = list(
        Vacancy.objects.filter(unit_id__in=unit_ids).open_on(on).select_related("grade").order_by("since", "pk")
    )

    # Group everything by unit in one pass each: filtering the whole list per unit was quadratic.
    people_by_unit: dict[int, list[selectors.PersonCapacity]] = defaultdict(list)
    for person in capacity.values():
        if person.unit_id is not None:
            people_by_unit[person.unit_id].append(person)
    vacancies_by_unit: dict[int, list[Vacancy]] = defaultdict(list)
    for vacancy in open_vacancies:
        vacancies_by_unit[vacancy.unit_id].append(vacancy)

    reports = []
    for unit in unit_list:
        unit_pk = unit.pk
        people = sorted(people_by_unit[unit_pk], key=lambda p: p.name)
        unit_figures = figures[unit_pk]
        total = _total(unit.name, people)
        reports.append(
            UnitReport(
                unit=unit,
                on=on,
                policy_version=policy.version,
                people=people,
                by_grade=selectors.group_by(people, lambda p: p.grade_code, lambda p: p.grade_name),
                by_team=selectors.group_by(
                    people, lambda p: p.team_id or 0, lambda p: f"Team {p.team_id}" if p.team_id else "No team"
                ),
                total=total,
                composition=rules.composition(
                    [
                        rules.StaffFact(
                            p.person_id, p.grade_code, p.seniority, p.is_legal, p.is_manager, p.line_manager_id
                        )
                        for p in people
                    ]
                ),
                findings=list(unit_figures.finding_list),
                open_cases=unit_figures.open_cases,
                points_per_fte=points_per_fte(total),
                band_counts=unit_figures.band_counts,
                vacancies=vacancies_by_unit[unit_pk],
                vacancy_effect=rules.vacancy_effect(
                    workload=total.workload_points,
                    available=total.available_points,
                    vacancies=[rules.VacancyFact(v.grade.code, v.fte) for v in vacancies_by_unit[unit_pk]],
                    targets=policy.grade_targets,
                    default_target=policy.default_target,
                ),
                as_of=stored_figures.as_of,
                units_now=stored_figures.units_now,
                banded_now=stored_figures.banded_now,
            )
        )
    return reports


@dataclass
class UnitOverview:
    """A unit's row on the overview: totals only, from its stored summary (resourcing.summaries)."""

    unit: Unit
    total: selectors.GroupCapacity
    open_cases: int
    points_per_fte: Decimal | None
    findings_count: int


@dataclass
class Overview:
    units: list[UnitOverview]
    #: The oldest stored summary used (None: every unit worked out now), units worked out now, and
    #: cases banded now.
    as_of: dt.datetime | None
    units_now: int
    banded_now: int


def unit_overview(units: Iterable[Unit], *, on: dt.date) -> Overview:
    """Each unit's capacity used, open cases, points per FTE and resilience findings: people and
    their hours read live, case-derived figures from each unit's stored summary."""
    from casework.resourcing import summaries  # summaries builds on this module

    policy = selectors.policy_on(on)
    unit_list = list(units)
    unit_ids = [u.pk for u in unit_list]
    figures = summaries.read(unit_ids, on=on, policy=policy, loads=False)
    sums = selectors.capacity_totals(
        unit_ids,
        on=on,
        policy=policy,
        by=("unit_id",),
        loads=figures.live_loads(),
        stored=figures.stored,
    )
    totals = {pk: selectors.GroupCapacity(unit.name) for pk, unit in zip(unit_ids, unit_list, strict=True)}
    for (unit_id,), group in sums.items():
        if unit_id in totals:
            total = totals[unit_id]
            total.headcount, total.fte = group.headcount, group.fte
            total.workload_points, total.available_points = group.workload_points, group.available_points
    rows = [
        UnitOverview(
            unit=unit,
            total=totals[unit.pk],
            open_cases=figures.units[unit.pk].open_cases,
            points_per_fte=points_per_fte(totals[unit.pk]),
            findings_count=figures.units[unit.pk].findings,
        )
        for unit in unit_list
    ]
    return Overview(rows, figures.as_of, figures.units_now, figures.banded_now)


def points_per_fte(total: selectors.GroupCapacity) -> Decimal | None:
    return (total.workload_points / total.fte).quantize(Decimal("0.1")) if total.fte else None


@dataclass
class CaseFigures:
    """What a unit's open cases give its report: counts per band, and resilience findings."""

    open_cases: int
    band_counts: dict[str, int]
    findings: list[rules.Finding]


def case_figures(
    unit_ids: list[int], scope: stored.OpenCases, *, on: dt.date, policy: rules.Policy
) -> dict[int, CaseFigures]:
    """Each unit's band counts and resilience findings from its open cases (`scope`, read with
    their bands) and their key dates in the next KEY_DATE_WINDOW_DAYS days."""
    bands, custody = scope.bands, scope.custody
    cases = [
        {"id": r[0], "urn": r[1], "unit_id": r[2], "allocated_lawyer_id": r[4], "deputy_lawyer_id": r[5]}
        for r in scope.rows
    ]
    end = on + dt.timedelta(days=KEY_DATE_WINDOW_DAYS)
    dates = selectors.key_dates(Case.objects.filter(unit_id__in=unit_ids, stage__in=OPEN_STAGES), start=on, end=end)
    case_by_id = {c["id"]: c for c in cases}
    staff_ids = {c["allocated_lawyer_id"] for c in cases} | {c["deputy_lawyer_id"] for c in cases}
    spans = selectors.full_absences([pk for pk in staff_ids if pk], start=on, end=end)
    cases_by_unit: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in cases:
        cases_by_unit[c["unit_id"]].append(c)
    dates_by_unit: dict[int, list[tuple[int, str, dt.date]]] = defaultdict(list)
    for item in dates:
        dated = case_by_id.get(item[0])
        if dated is not None:
            dates_by_unit[dated["unit_id"]].append(item)
    result = {}
    for unit_pk in unit_ids:
        loads = [
            rules.CaseLoadFact(
                c["id"],
                c["urn"],
                c["allocated_lawyer_id"],
                c["deputy_lawyer_id"],
                bands[c["id"]].code,
                c["id"] in custody,
            )
            for c in cases_by_unit[unit_pk]
        ]
        kds = []
        for case_id, what, day in dates_by_unit[unit_pk]:
            c = case_by_id[case_id]
            deputy = c["deputy_lawyer_id"]
            kds.append(
                rules.KeyDateFact(
                    case_id,
                    c["urn"],
                    what,
                    day,
                    c["allocated_lawyer_id"],
                    selectors.absent_on(spans, c["allocated_lawyer_id"], day),
                    bool(deputy) and not selectors.absent_on(spans, deputy, day),
                )
            )
        band_counts: dict[str, int] = {b.code: 0 for b in policy.bands}
        for load in loads:
            band_counts[load.band_code] += 1
        result[unit_pk] = CaseFigures(
            open_cases=len(loads),
            band_counts=band_counts,
            findings=rules.resilience_findings(cases=loads, key_dates=kds, high_band_codes=policy.high_band_codes),
        )
    return result


# --- allocation help ----------------------------------------------------------------------------------

ALLOCATION_HORIZON_DAYS = 180
SENIOR_BAND_MIN_SENIORITY = 70  # high-band cases want a Senior Crown Prosecutor or above
DEFAULT_MIN_SENIORITY = 60


@dataclass
class AllocationHelp:
    band: rules.BandResult
    key_dates: list[tuple[int, str, dt.date]]
    ranked: list[rules.Ranked]
    wanted_specialisms: frozenset[str]
    #: When the stored unit summaries giving the lawyers' caseloads were worked out (None: now).
    as_of: dt.datetime | None = None
    banded_now: int = 0


def allocation_help(case: Case, *, on: dt.date) -> AllocationHelp:
    """Rank the lawyers of the case's unit to lead it, with reasons (bulk reads, no per-person queries).

    Their caseloads come from the stored summaries of the units where they hold open cases (each
    checked against its unit's open cases, else worked out now): the same points as reading every
    case they hold, without reading them."""
    from casework.resourcing import summaries  # summaries builds on this module

    policy = selectors.policy_on(on)
    band = selectors.explained_band(case, policy)
    people = User.objects.filter(unit_id=case.unit_id, is_active=True, grade__is_legal=True)
    capacity = selectors.capacity_for(people, on=on, policy=policy, bands={}, case_rows=())
    held_in = selectors.units_holding(people)
    caseloads = summaries.read(held_in, on=on, policy=policy, detail=True)
    for loads in caseloads.loads(held_in):
        selectors.add_loads(capacity, loads)
    dates = selectors.key_dates(
        Case.objects.filter(pk=case.pk), start=on, end=on + dt.timedelta(days=ALLOCATION_HORIZON_DAYS)
    )
    spans = selectors.full_absences(capacity.keys(), start=on, end=on + dt.timedelta(days=ALLOCATION_HORIZON_DAYS))
    specialisms: dict[int, set[str]] = {}
    for pid, code in User.specialisms.through.objects.filter(user_id__in=list(capacity)).values_list(
        "user_id", "specialism__code"
    ):
        specialisms.setdefault(pid, set()).add(code)
    categories = set(case.offence_categories.values_list("code", flat=True))
    # Offence categories and specialisms share some codes (fraud, homicide, drugs, trafficking...).
    wanted = frozenset(categories & set(Specialism.objects.values_list("code", flat=True)))
    candidates = []
    for p in capacity.values():
        conflicts = []
        if case.deputy_lawyer_id == p.person_id:
            conflicts.append("already the deputy on this case")
        if case.allocated_lawyer_id == p.person_id:
            conflicts.append("already leads this case")
        candidates.append(
            rules.Candidate(
                person_id=p.person_id,
                name=p.name,
                grade_code=p.grade_code,
                grade_seniority=p.seniority,
                is_legal=p.is_legal,
                specialisms=frozenset(specialisms.get(p.person_id, ())),
                capacity_percent=p.percent,
                absent_on=tuple(day for _, _, day in dates if selectors.absent_on(spans, p.person_id, day)),
                conflicts=tuple(conflicts),
            )
        )
    min_seniority = SENIOR_BAND_MIN_SENIORITY if band.band.code in policy.high_band_codes else DEFAULT_MIN_SENIORITY
    return AllocationHelp(
        band=band,
        key_dates=dates,
        ranked=rules.rank_candidates(candidates, wanted_specialisms=wanted, min_seniority=min_seniority),
        wanted_specialisms=wanted,
        as_of=caseloads.as_of,
        banded_now=caseloads.banded_now,
    )
