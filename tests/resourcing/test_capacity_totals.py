"""The national resourcing figures summed without a figure per person (`selectors.capacity_totals`)
equal, to the last decimal place and digit shown, those summed person by person as the pages did
before (`capacity_for` then `GroupCapacity.add`, kept below as the reference): on a demo register
with part-time staff, reductions (overlapping, larger than the hours, expired, future), full
absences, leavers holding cases, people with no grade, no unit or no team, zero contracted hours and
caseloads held across units, with the stored summaries and worked out live. The overview, capacity
by grade, its CSV export and the API answer are compared whole with the old computation."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from casework.cases.choices import OPEN_STAGES
from casework.cases.models import Case
from casework.core import clock
from casework.people.choices import AbsenceKind
from casework.people.models import Absence, Grade, Unit, User
from casework.resourcing import reports, rollups, selectors, summaries
from casework.resourcing.models import UnitSummary, Vacancy
from tests.factories import make_user

READERS = ["hq.analyst", "inspector", "area.a", "unithead.a"]
GRADE_KEY = ("unit_id", "grade__code", "grade__name", "grade__seniority")


# --- the per-person computation the pages used before, as the reference ---------------------------


def _old_unit_grades(unit_ids: list[int], *, on: dt.date, policy: Any) -> tuple[dict, Any]:
    names = {
        code: (name, seniority) for code, name, seniority in Grade.objects.values_list("code", "name", "seniority")
    }
    scope = summaries.read(unit_ids, on=on, policy=policy)
    people = selectors.capacity_for(
        User.objects.filter(unit_id__in=unit_ids, is_active=True), on=on, policy=policy, bands={}, case_rows=()
    )
    for loads in scope.loads(unit_ids):
        selectors.add_loads(people, loads)
    result: dict[int, dict[str, rollups.GradeRollup]] = defaultdict(dict)

    def row(unit_id: int, code: str) -> rollups.GradeRollup:
        found = result[unit_id].get(code)
        if found is None:
            name, seniority = names.get(code, ("Ungraded", 0))
            found = result[unit_id][code] = rollups.GradeRollup("", code, name, seniority)
        return found

    for person in people.values():
        if person.unit_id is None:
            continue
        target = row(person.unit_id, person.grade_code)
        target.headcount += 1
        target.fte += person.fte
        target.workload_points += person.workload_points
        target.available_points += person.available_points
    for unit_id, code, fte in (
        Vacancy.objects.filter(unit_id__in=unit_ids)
        .open_on(on)
        .values("unit_id", "grade__code")
        .annotate(fte=Sum("fte"))
        .values_list("unit_id", "grade__code", "fte")
    ):
        target = row(unit_id, code)
        target.vacant_fte += fte
        target.vacancy_points += Decimal(policy.grade_targets.get(code, policy.default_target)) * fte
    return result, scope


def _old_unit_overview(units: Any, *, on: dt.date) -> reports.Overview:
    policy = selectors.policy_on(on)
    unit_list = list(units)
    unit_ids = [u.pk for u in unit_list]
    figures = summaries.read(unit_ids, on=on, policy=policy)
    capacity = selectors.capacity_for(
        User.objects.filter(unit_id__in=unit_ids, is_active=True), on=on, policy=policy, bands={}, case_rows=()
    )
    for loads in figures.loads(unit_ids):
        selectors.add_loads(capacity, loads)
    totals = {pk: selectors.GroupCapacity(unit.name) for pk, unit in zip(unit_ids, unit_list, strict=True)}
    for person in capacity.values():
        if person.unit_id in totals:
            totals[person.unit_id].add(person)
    rows = [
        reports.UnitOverview(
            unit=unit,
            total=totals[unit.pk],
            open_cases=figures.units[unit.pk].open_cases,
            points_per_fte=reports.points_per_fte(totals[unit.pk]),
            findings_count=figures.units[unit.pk].findings,
        )
        for unit in unit_list
    ]
    return reports.Overview(rows, figures.as_of, figures.units_now, figures.banded_now)


# --- the register ---------------------------------------------------------------------------------


def _absence(person: User, start: int, end: int, hours: str | None, kind: str = AbsenceKind.TRAINING) -> None:
    today = clock.today()
    Absence.objects.create(
        person=person,
        kind=kind,
        starts_on=today + dt.timedelta(days=start),
        ends_on=today + dt.timedelta(days=end),
        hours_per_week=None if hours is None else Decimal(hours),
        reason="Varied",
    )


@pytest.fixture
def varied(db: Any) -> dict[str, Any]:
    """A demo register (its people have part-time patterns, absences and caseloads) and, on top, the
    awkward cases of each figure."""
    call_command("load_demo", cases=40, seed=2026, verbosity=0)
    units = list(Unit.objects.order_by("pk"))
    busiest = Counter(Case.objects.filter(stage__in=OPEN_STAGES).values_list("unit_id", flat=True)).most_common(2)
    a, b = (Unit.objects.get(pk=pk) for pk, _ in busiest)
    grades = list(Grade.objects.order_by("seniority"))
    lawyer = Grade.objects.filter(is_legal=True).order_by("seniority").first()
    odd = [
        make_user("v.part", "prosecutor", unit=a, grade=lawyer, fte=Decimal("0.6"), contracted_hours=Decimal("22.2")),
        make_user("v.tiny", "prosecutor", unit=a, grade=lawyer, fte=Decimal("0.13"), contracted_hours=Decimal("4.81")),
        make_user("v.zero", "paralegal", unit=a, grade=grades[0], fte=Decimal("0.00"), contracted_hours=Decimal("0")),
        make_user("v.ungraded", "paralegal", unit=a, grade=None, fte=Decimal("0.77")),
        make_user("v.b", "prosecutor", unit=b, grade=lawyer, fte=Decimal("0.33"), contracted_hours=Decimal("12.21")),
    ]
    part, tiny, zero, ungraded, other = odd
    leaver = make_user("v.leaver", "prosecutor", unit=a, grade=lawyer, is_active=False)  # their cases stay theirs
    nowhere = make_user("v.nowhere", "prosecutor", unit=None, grade=lawyer)
    _absence(part, -3, 3, "7.4")
    _absence(part, -1, 1, "3.33")  # overlapping reductions
    _absence(tiny, 0, 0, "10")  # more than the hours: nothing left
    _absence(ungraded, -2, 9, None, AbsenceKind.ANNUAL_LEAVE)
    _absence(ungraded, -2, 2, "5")  # a reduction during a full absence
    _absence(other, -10, -1, "5")  # expired
    _absence(other, 1, 5, None, AbsenceKind.ANNUAL_LEAVE)  # not yet
    _absence(leaver, -1, 1, "5")
    _absence(nowhere, -1, 1, "5")
    # Held as the register may hold them (a leaver, someone with no unit or no lawyer grade), so set
    # on the rows rather than through allocation, which would refuse them.
    open_in_a = list(Case.objects.filter(unit=a, stage__in=OPEN_STAGES).order_by("pk").values_list("pk", flat=True))
    holders = (part, tiny, zero, ungraded, other, leaver, nowhere)
    assert len(open_in_a) >= len(holders)
    for case_id, holder in zip(open_in_a, holders, strict=False):
        Case.objects.filter(pk=case_id).update(allocated_lawyer_id=holder.pk, deputy_lawyer_id=other.pk)
    Case.objects.filter(unit=b, stage__in=OPEN_STAGES).update(paralegal_id=ungraded.pk)  # across units
    UnitSummary.objects.all().delete()  # worked out live unless a test stores them
    return {"units": units, "busiest": a}


def _store(how: str, varied: dict[str, Any]) -> None:
    """Figures worked out live, all stored, or stored but for the busiest unit (written to since)."""
    if how != "live":
        summaries.refresh()
    if how == "mixed":
        UnitSummary.objects.filter(unit=varied["busiest"]).delete()


def _figures(group: Any) -> tuple[Any, ...]:
    """A group's figures as shown: str() keeps each Decimal's places."""
    return (
        group.headcount,
        str(group.fte),
        str(group.workload_points),
        str(group.available_points),
        group.percent,
    )


def _by_hand(people: dict[int, selectors.PersonCapacity], key: Any) -> dict[Any, tuple[Any, ...]]:
    groups: dict[Any, selectors.GroupCapacity] = {}
    for person in people.values():
        groups.setdefault(key(person), selectors.GroupCapacity("")).add(person)
    return {k: _figures(g) for k, g in groups.items()}


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored", ["live", "stored", "mixed"])
def test_totals_equal_the_sum_over_people(varied, stored) -> None:
    _store(stored, varied)
    on = clock.today()
    policy = selectors.policy_on(on)
    unit_ids = [u.pk for u in varied["units"]]
    people = User.objects.filter(unit_id__in=unit_ids, is_active=True)
    scope = summaries.read(unit_ids, on=on, policy=policy)
    assert scope.units_now == {"live": len(unit_ids), "stored": 0, "mixed": 1}[stored]
    each = selectors.capacity_for(people, on=on, policy=policy, bands={}, case_rows=())
    for loads in scope.loads(unit_ids):
        selectors.add_loads(each, loads)
    assert {p.hours_available for p in each.values()} >= {Decimal("0.00")}  # someone has no hours today
    assert len({(p.contracted_hours, bool(p.reductions)) for p in each.values()}) > 3

    cases = {
        ("unit_id",): lambda p: (p.unit_id,),
        GRADE_KEY: lambda p: (p.unit_id, p.grade_code or None, p.grade_name, p.seniority),
        ("unit_id", "team_id"): lambda p: (p.unit_id, p.team_id),
    }
    # Caseloads given person by person, or (read with loads=False) the stored ones summed in SQL.
    in_sql = summaries.read(unit_ids, on=on, policy=policy, loads=False)
    assert len(in_sql.stored) == len(unit_ids) - scope.units_now
    with pytest.raises(ValueError):
        in_sql.loads(unit_ids)
    for by, key in cases.items():
        for totals in (
            selectors.capacity_totals(unit_ids, on=on, policy=policy, by=by, loads=scope.loads(unit_ids)),
            selectors.capacity_totals(
                unit_ids, on=on, policy=policy, by=by, loads=in_sql.live_loads(), stored=in_sql.stored
            ),
        ):
            found = {k: _figures(g) for k, g in totals.items()}
            if by == GRADE_KEY:  # no grade: the query gives None for name and seniority
                found = {(k[0], k[1], k[2] or "Ungraded", k[3] or 0): v for k, v in found.items()}
            assert found == _by_hand(each, key)


@pytest.mark.parametrize("stored", ["live", "stored", "mixed"])
def test_grade_rollup_and_overview_equal_the_old_computation(varied, stored, monkeypatch) -> None:
    _store(stored, varied)
    on = clock.today()
    policy = selectors.policy_on(on)
    unit_ids = [u.pk for u in varied["units"]]
    new, _ = rollups._unit_grades(unit_ids, on=on, policy=policy)
    old, _ = _old_unit_grades(unit_ids, on=on, policy=policy)

    def shown(by_unit: dict) -> dict:
        return {
            unit: {code: (*_figures(g), g.grade_name, g.seniority, str(g.vacant_fte)) for code, g in rows.items()}
            for unit, rows in by_unit.items()
        }

    assert shown(new) == shown(old)
    assert any(code == "" for rows in new.values() for code in rows)  # the ungraded person has a row

    units = Unit.objects.order_by("name")
    new_rows = reports.unit_overview(units, on=on).units
    old_rows = _old_unit_overview(units, on=on).units
    assert [(r.unit.pk, *_figures(r.total), str(r.points_per_fte)) for r in new_rows] == [
        (r.unit.pk, *_figures(r.total), str(r.points_per_fte)) for r in old_rows
    ]


def _pages(client: Client, api: Any) -> list[bytes]:
    bodies = []
    for name, query in (
        ("resourcing:home", ""),
        ("resourcing:grades", ""),
        ("resourcing:grades", "?sort=capacity_desc"),
        ("resourcing:grades_csv", ""),
    ):
        response = client.get(reverse(name) + query)
        assert response.status_code == 200
        # Forms carry a fresh CSRF token on every answer.
        bodies.append(re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content))
    response = api.get("/resourcing/grades")
    assert response.status_code == 200
    bodies.append(response.content)
    return bodies


@pytest.mark.parametrize("stored", ["live", "stored", "mixed"])
def test_pages_exports_and_api_show_what_they_showed(varied, stored, monkeypatch) -> None:
    from casework.api import services as api_services
    from tests.api.conftest import ApiClient

    _store(stored, varied)
    for username in READERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        api = ApiClient(api_services.api_token_issue(actor=user, name="tests").token)
        new = _pages(client, api)
        with monkeypatch.context() as old:
            old.setattr(rollups, "_unit_grades", _old_unit_grades)
            old.setattr(reports, "unit_overview", _old_unit_overview)
            before = _pages(client, api)
        assert new == before, username
