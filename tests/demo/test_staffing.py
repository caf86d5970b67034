"""The demo staffs each unit for its planned work: typical units run at 80-110% of capacity, the
designed problem units stand out, at the default size and at larger ones.

The capacity here is worked out as casework.resourcing works it out (its pure rules: bands from the
complexity facts, points by stage and role, available points from hours and absences), over the
generator's plans with REM facts drawn as the resourcing demo draws them; no database is needed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from casework.demo import staffing
from casework.demo import vocabulary as vocab
from casework.demo.generator import PERSONAS, DemoGenerator, Reference
from casework.resourcing import rules

TODAY = dt.date(2026, 3, 10)
UNITS = {
    "ccu-wessex": "small",
    "ccu-north-east": "small",
    "ccu-south-west": "small",
    "ccu-east-of-england": "small",
    "ccu-wales": "medium",
    "ccu-east-midlands": "medium",
    "ccu-south-east": "medium",
    "ccu-london": "large",
    "ccu-west-midlands": "large",
    "ccu-north-west": "large",
}
REFERENCE = Reference(
    unit_sizes=UNITS,
    unit_forces={unit: [f"force-{unit}-{n}" for n in range(2)] for unit in UNITS},
    area_units={unit.removeprefix("ccu-"): unit for unit in UNITS},
    specialisms=["fraud", "homicide", "rasso", "organised-crime"],
    criteria=sorted(vocab.CRITERIA),
    offence_categories=sorted({code for _weight, codes in vocab.CRITERIA.values() for code in codes}),
)


def unit_capacity(generator: DemoGenerator, count: int) -> dict[str, int | None]:
    """Each unit's capacity %, as the resourcing unit report computes it, for `count` planned cases."""
    policy = generator.policy
    staff = generator.build_staff(count)
    available: dict[str, Decimal] = defaultdict(Decimal)
    for person in staff:
        if person.unit:
            available[person.unit] += staffing.available_points(person, policy=policy, on=TODAY)
    workload: dict[str, Decimal] = defaultdict(Decimal)
    rng, table = random.Random(99), rules.score_table(policy)
    for plan in generator.iter_cases(count):
        workload[plan.unit] += sum(staffing.case_points(plan, rng, policy, table).values(), Decimal("0"))
    return {unit: rules.capacity_percent(workload[unit], available[unit]) for unit in UNITS}


@pytest.mark.parametrize(("seed", "count"), [(2026, 3000), (7, 3000), (2026, 12000)])
def test_typical_units_run_at_80_to_110_percent_and_problem_units_stand_out(seed: int, count: int) -> None:
    generator = DemoGenerator(seed=seed, today=TODAY, reference=REFERENCE)
    capacity = unit_capacity(generator, count)
    typical = {unit: percent for unit, percent in capacity.items() if unit not in staffing.PRESSURED_UNITS}
    assert all(percent is not None and 80 <= percent <= 110 for percent in typical.values()), capacity
    for unit in staffing.PRESSURED_UNITS:
        percent = capacity[unit]
        assert percent is not None and percent > 115, capacity


def test_staff_grow_with_the_cases_and_the_base_team_is_the_floor() -> None:
    def headcount(count: int) -> dict[str, int]:
        staff = DemoGenerator(seed=2026, today=TODAY, reference=REFERENCE).build_staff(count)
        counts: dict[str, int] = defaultdict(int)
        for person in staff:
            if person.unit:
                counts[person.unit] += 1
        return counts

    few, default, many = headcount(60), headcount(3000), headcount(12000)
    base = headcount(0)
    assert few == base  # a handful of cases: every unit keeps its base team
    for unit in UNITS:
        assert base[unit] <= default[unit] < many[unit], unit
    assert many["ccu-london"] > 3 * default["ccu-london"]


def test_staffing_is_deterministic_and_keeps_the_personas() -> None:
    def staff(seed: int) -> list[tuple[str, str | None, str | None, str | None]]:
        plans = DemoGenerator(seed=seed, today=TODAY, reference=REFERENCE).build_staff(3000)
        return [(p.username, p.unit, p.grade, p.line_manager) for p in plans]

    first = staff(2026)
    assert first == staff(2026)
    assert first != staff(2027)
    by_name = {username: (unit, manager) for username, unit, _grade, manager in first}
    for persona in PERSONAS:
        assert persona.username in by_name
        if persona.unit:
            assert by_name[persona.username][0] == persona.unit
    assert by_name["prosecutor.a"][1] == "manager.a"
    assert by_name["paralegal.a"][1] == "manager.a"


def test_work_is_given_in_proportion_to_capacity() -> None:
    """A part-time lawyer is given about half the live cases of a full-time colleague, not as many."""
    generator = DemoGenerator(seed=2026, today=TODAY, reference=REFERENCE)
    generator.build_staff(8000)
    leads: dict[str, int] = defaultdict(int)
    for plan in generator.iter_cases(8000):
        if plan.stage in generator.policy.stage_weights:
            leads[plan.allocated_lawyer] += 1
    lawyers = [p for unit in ("ccu-london", "ccu-north-west", "ccu-wales") for p in generator.lawyers[unit]]

    def mean_leads(fte: Decimal) -> float:
        counts = [leads[p.username] for p in lawyers if p.fte == fte and p.grade == "senior-crown-prosecutor"]
        assert len(counts) >= 5, fte
        return sum(counts) / len(counts)

    assert mean_leads(Decimal("0.50")) < 0.7 * mean_leads(Decimal("1.00"))


def test_team_names_run_on_when_a_unit_has_more_managers_than_names() -> None:
    names = staffing.team_names(5, ["Economic Crime team", "Serious Crime team", "Organised Crime team"])
    assert names == [
        "Economic Crime team",
        "Serious Crime team",
        "Organised Crime team",
        "Economic Crime team 2",
        "Serious Crime team 2",
    ]
    assert len(set(staffing.team_names(40, ["A", "B", "C"]))) == 40


@pytest.mark.parametrize("seed", [7, 2026, 11])
def test_a_small_demo_gives_the_personas_units_work_at_every_stage(seed: int) -> None:
    """Whatever the seed, a demo of a couple of dozen cases still gives the demo logins of units A and
    B cases at every stage (a drawn split once left unit A empty)."""
    generator = DemoGenerator(seed=seed, today=TODAY, reference=REFERENCE)
    generator.build_staff(24)
    stages_by_unit: dict[str, set[str]] = defaultdict(set)
    for unit, stage in generator.case_slots:
        stages_by_unit[unit].add(stage)
    for unit in ("ccu-wessex", "ccu-north-east"):
        assert stages_by_unit[unit] == set(vocab.STAGE_WEIGHTS), unit
