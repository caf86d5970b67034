"""The deterministic demo data generator: plans of people and cases, built in plain Python.

Everything comes from one `random.Random(seed)` and one seeded Faker, consumed in a fixed order,
and every date is an offset from the anchor `today` — so one seed and one anchor give the same
data, and the demo is always current. Nothing here touches the database; `casework.demo.loader`
writes the plans. Cases are produced lazily so 100,000 of them never sit in memory at once.

Some cases are deliberately non-compliant (no PSD, no DMD, stale reviews, MG3 without rationale,
PSD without a disclosure strategy, missing or late hearing record sheets) so that dashboards and
the inspection tools have something to find.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from zoneinfo import ZoneInfo

from faker import Faker

from casework.cases.choices import CustodyStatus, DocumentKind, HearingType, ReviewKind, Stage
from casework.demo import staffing
from casework.demo import vocabulary as vocab
from casework.people.choices import RoleCode, WorkingPattern
from casework.resourcing import rules

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

#: Share of cases given each deliberate compliance gap.
GAP_RATES = {
    "missing_psd": 0.07,
    "psd_exemption": 0.25,  # of the cases without a PSD, how many have a formal exemption instead
    "missing_dmd": 0.08,
    "no_disclosure_strategy": 0.06,
    "psd_not_updated": 0.08,
    "mg3_without_rationale": 0.06,
    "stale_reviews": 0.10,
    "missing_hrs": 0.025,
    "late_hrs": 0.02,
}
PERSONA_OPEN_CASELOAD = 20


# --- plans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The reference data the generator draws on (loaded from the database by the loader)."""

    unit_sizes: dict[str, str]  # unit code -> size
    unit_forces: dict[str, list[str]]  # unit code -> force codes
    area_units: dict[str, str]  # area code -> unit code
    specialisms: list[str]
    criteria: list[str]
    offence_categories: list[str]


@dataclass(slots=True)
class AbsencePlan:
    kind: str
    starts_on: dt.date
    ends_on: dt.date
    hours_per_week: Decimal | None
    reason: str


@dataclass(slots=True)
class StaffPlan:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    unit: str | None = None
    area: str | None = None
    police_force: str | None = None
    grade: str | None = None
    team: str | None = None
    line_manager: str | None = None
    fte: Decimal = Decimal("1.00")
    contracted_hours: Decimal = Decimal("37.00")
    working_pattern: str = WorkingPattern.FULL_TIME
    specialisms: tuple[str, ...] = ()
    absences: list[AbsencePlan] = field(default_factory=list)
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@casework.example"


@dataclass(slots=True)
class ChargePlan:
    offence: str
    classification: str
    charged_on: dt.date | None


@dataclass(slots=True)
class DefendantPlan:
    first_names: str
    last_name: str
    date_of_birth: dt.date
    custody_status: str
    charges: list[ChargePlan]


@dataclass(slots=True)
class HearingPlan:
    hearing_type: str
    starts_at: dt.datetime
    court: str
    outcome: str


@dataclass(slots=True)
class VersionPlan:
    body: str
    rationale: str
    author: str | None
    created_at: dt.datetime
    metadata: dict[str, object]


@dataclass(slots=True)
class DocumentPlan:
    kind: str
    title: str
    versions: list[VersionPlan]


@dataclass(slots=True)
class ReviewPlan:
    kind: str
    reviewed_on: dt.date
    reviewer: str | None
    note: str


@dataclass(slots=True)
class StageEntryPlan:
    stage: str
    entered_at: dt.datetime
    entered_by: str | None
    reason: str


@dataclass(slots=True)
class CasePlan:
    urn: str
    operation_name: str
    summary: str
    unit: str
    lead_force: str
    acceptance_criterion: str | None
    ccp_direction_reason: str
    accepted_on: dt.date
    accepted_by: str
    stage: str
    allocated_lawyer: str
    deputy_lawyer: str | None
    paralegal: str | None
    legal_manager: str | None
    offence_categories: list[str]
    stage_entries: list[StageEntryPlan]
    defendants: list[DefendantPlan]
    hearings: list[HearingPlan]
    documents: list[DocumentPlan]
    reviews: list[ReviewPlan]
    gaps: tuple[str, ...]
    facts: dict[str, object] = field(default_factory=dict)  # assurance and resourcing facts on the case

    @property
    def created_at(self) -> dt.datetime:
        return self.stage_entries[0].entered_at

    @property
    def stage_changed_at(self) -> dt.datetime:
        return self.stage_entries[-1].entered_at


# --- personas -----------------------------------------------------------------------------------

PERSONA_UNIT_A = "ccu-wessex"
PERSONA_UNIT_B = "ccu-north-east"
PERSONA_AREA_A = "wessex"


@dataclass(frozen=True)
class Persona:
    username: str
    first_name: str
    last_name: str
    role: str
    grade: str | None = None
    unit: str | None = None
    area: str | None = None
    police_force: str | None = None
    description: str = ""


PERSONAS: tuple[Persona, ...] = (
    Persona("prosecutor.a", "Alex", "Morgan", RoleCode.PROSECUTOR, "senior-crown-prosecutor", PERSONA_UNIT_A),
    Persona("paralegal.a", "Leah", "Price", RoleCode.PARALEGAL, "paralegal-officer", PERSONA_UNIT_A),
    Persona("manager.a", "Sam", "Okafor", RoleCode.LEGAL_MANAGER, "legal-manager-1", PERSONA_UNIT_A),
    Persona("unithead.a", "Jo", "Whitfield", RoleCode.UNIT_HEAD, "unit-head", PERSONA_UNIT_A),
    Persona("prosecutor.b", "Chris", "Bell", RoleCode.PROSECUTOR, "senior-crown-prosecutor", PERSONA_UNIT_B),
    Persona("area.a", "Ruth", "Anand", RoleCode.AREA_LEADERSHIP, area=PERSONA_AREA_A),
    Persona("hq.analyst", "Tom", "Hale", RoleCode.HQ_ANALYST),
    Persona("hq.policy", "Nadia", "Brook", RoleCode.HQ_POLICY),
    Persona("inspector", "Maria", "Lewis", RoleCode.INSPECTOR),
    Persona("police.x", "Kate", "Marsh", RoleCode.POLICE_LIAISON, police_force="hampshire"),
    Persona("police.y", "Dan", "Foster", RoleCode.POLICE_LIAISON, police_force="durham"),
    Persona("admin", "Pat", "Evans", RoleCode.ADMINISTRATOR),
    # A unit role outside the legal grades: placed in the unit after its staff (casework.records).
    Persona("records.a", "Nia", "Hughes", RoleCode.RECORDS_OFFICER, unit=PERSONA_UNIT_A),
)
PERSONA_USERNAMES = frozenset(p.username for p in PERSONAS)


# --- small helpers ------------------------------------------------------------------------------


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A London wall-clock time on `day`, as a UTC instant."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _weekday(day: dt.date) -> dt.date:
    """Courts sit on weekdays: move a weekend date to the Monday."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class DemoGenerator:
    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        reference: Reference,
        policy: rules.Policy | None = None,
        sized: bool = True,
    ) -> None:
        """`policy`: the REM policy the units are staffed against (version 1 if not given); `sized`:
        staff units for their planned cases (False keeps the base team of each unit size)."""
        self.seed = seed
        self.today = today
        self.policy = policy or staffing.default_policy()
        self.sized = sized
        self.now = _at(today, 8)  # the anchor instant: 08:00 London today
        self.ref = reference
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        # Name pools: drawing from Faker once keeps 100,000 cases fast and still varied.
        self.first_names = [self.fake.first_name() for _ in range(400)]
        self.last_names = [self.fake.last_name() for _ in range(800)]
        self.staff: list[StaffPlan] = []
        self._usernames: set[str] = set()
        self.lawyers: dict[str, list[StaffPlan]] = {}
        self.paralegals: dict[str, list[StaffPlan]] = {}
        self.unit_heads: dict[str, StaffPlan] = {}
        self.persona_open_cases = 0
        #: (unit, stage) of each planned case, drawn before anyone is staffed so staffing can follow the work.
        self.case_slots: list[tuple[str, str]] = []
        # Cumulative allocation weights per unit and group: work is given in proportion to capacity.
        self._weights: dict[tuple[str, str], list[float]] = {}

    # --- people ---------------------------------------------------------------------------------

    def build_staff(self, cases: int = 0) -> list[StaffPlan]:
        """Every unit's staff for `cases` planned cases (personas take their places in units A and B),
        area leaders, national roles."""
        personas_by_unit: dict[str, list[Persona]] = {}
        for persona in PERSONAS:
            if persona.unit:
                personas_by_unit.setdefault(persona.unit, []).append(persona)
        self.case_slots = self._plan_case_slots(cases)
        per_case = self._points_per_case() if self.sized and cases else None
        planned: dict[str, Counter[str]] = {unit: Counter() for unit in self.ref.unit_sizes}
        for unit, stage in self.case_slots:
            planned[unit][stage] += 1
        for unit_code in sorted(self.ref.unit_sizes):
            self._build_unit(unit_code, personas_by_unit.get(unit_code, []), planned[unit_code], per_case)
        for area_code in sorted(self.ref.area_units):
            if area_code == PERSONA_AREA_A:
                continue
            first, last = self._name()
            self._add(
                StaffPlan(
                    username=self._username(first, last),
                    first_name=first,
                    last_name=last,
                    roles=(RoleCode.AREA_LEADERSHIP,),
                    area=area_code,
                )
            )
        for persona in PERSONAS:
            if persona.unit is not None and persona.grade is None:
                head = self.unit_heads[persona.unit]
                self._add(
                    StaffPlan(
                        username=persona.username,
                        first_name=persona.first_name,
                        last_name=persona.last_name,
                        roles=(persona.role,),
                        unit=persona.unit,
                        line_manager=head.username,
                    )
                )
        for persona in PERSONAS:
            if persona.unit is None:
                self._add(
                    StaffPlan(
                        username=persona.username,
                        first_name=persona.first_name,
                        last_name=persona.last_name,
                        roles=(persona.role,),
                        area=persona.area,
                        police_force=persona.police_force,
                        is_staff=persona.role == RoleCode.ADMINISTRATOR,
                        is_superuser=persona.role == RoleCode.ADMINISTRATOR,
                    )
                )
        return self.staff

    def _plan_case_slots(self, count: int) -> list[tuple[str, str]]:
        """Each planned case's unit (in proportion to the units' base legal teams) and stage, from a
        stream of their own so the split does not depend on how many people the units are given."""
        units = sorted(self.ref.unit_sizes)
        weights = [
            sum(n for grade, n in vocab.COMPOSITION[self.ref.unit_sizes[u]] if grade in vocab.LAWYER_GRADES)
            for u in units
        ]
        rng = random.Random(f"{self.seed}:slots")
        stages = list(vocab.STAGE_WEIGHTS)
        # The first cases take every stage in turn in the personas' units A and then B, so even a
        # small demo gives every demo login work at each stage; the rest are drawn.
        first = [(unit, stage) for unit in (PERSONA_UNIT_A, PERSONA_UNIT_B) for stage in stages if unit in units]
        return [
            first[index]
            if index < len(first)
            else (rng.choices(units, weights=weights)[0], _weighted(rng, vocab.STAGE_WEIGHTS))
            for index in range(count)
        ]

    def _points_per_case(self) -> dict[str, staffing.PointsPerCase]:
        """Measure the average points a case at each stage carries, on a sample drawn by a base-staffed
        twin generator (the same number of cases at every stage that carries points)."""
        twin = DemoGenerator(seed=self.seed, today=self.today, reference=self.ref, policy=self.policy, sized=False)
        twin.build_staff()
        rng = random.Random(f"{self.seed}:calibration-units")
        units = sorted(self.ref.unit_sizes)
        twin.case_slots = [
            (rng.choice(units), stage)
            for stage, weight in self.policy.stage_weights.items()
            if weight and stage in vocab.STAGE_WEIGHTS
            for _ in range(staffing.CALIBRATION_CASES_PER_STAGE)
        ]
        return staffing.points_per_case(twin.iter_cases(len(twin.case_slots)), seed=self.seed, policy=self.policy)

    def _build_unit(
        self,
        unit_code: str,
        personas: list[Persona],
        cases: Counter[str],
        per_case: dict[str, staffing.PointsPerCase] | None,
    ) -> None:
        size = self.ref.unit_sizes[unit_code]
        waiting = {p.grade: p for p in personas}
        members: list[StaffPlan] = []
        for grade, count in vocab.COMPOSITION[size]:
            for _ in range(count):
                persona = waiting.pop(grade, None)
                if persona is not None:
                    first, last, username = persona.first_name, persona.last_name, persona.username
                    role = persona.role
                else:
                    first, last = self._name()
                    username = self._username(first, last)
                    role = self._role_for(grade)
                members.append(self._person(unit_code, grade, username, first, last, role))
        if per_case is not None:
            self._staff_for_work(unit_code, members, cases, per_case)
        head = next(m for m in members if m.grade == "unit-head")
        managers = [m for m in members if m.grade in vocab.MANAGER_GRADES]
        teams = staffing.team_names(len(managers), vocab.TEAM_NAMES)
        for manager, team in zip(managers, teams, strict=True):
            manager.line_manager, manager.team = head.username, team
        named_manager = next((m for m in managers if m.username in PERSONA_USERNAMES), None)
        others = [m for m in members if m is not head and m not in managers]
        for index, member in enumerate(others):
            manager = managers[index % len(managers)]
            if named_manager and member.username in PERSONA_USERNAMES:
                manager = named_manager  # manager.a line-manages prosecutor.a and paralegal.a
            member.line_manager, member.team = manager.username, manager.team
        for member in members:
            self._add(member)
        self.unit_heads[unit_code] = head
        self.lawyers[unit_code] = [m for m in members if m.grade in vocab.LAWYER_GRADES]
        self.paralegals[unit_code] = [m for m in members if m.grade in vocab.PARALEGAL_GRADES]
        for group, people in (
            (staffing.LAWYERS, self.lawyers[unit_code]),
            (staffing.PARALEGALS, self.paralegals[unit_code]),
        ):
            self._weights[(unit_code, group)] = list(
                accumulate(float(staffing.nominal_points(p, policy=self.policy)) for p in people)
            )

    def _staff_for_work(
        self, unit_code: str, members: list[StaffPlan], cases: Counter[str], per_case: dict[str, staffing.PointsPerCase]
    ) -> None:
        """Add people to the unit's base team, grade by grade in the base team's mix, until each group
        has the points its planned work needs at the unit's designed load. People who carry no cases
        (the unit head, operational delivery, records) count towards the unit's points, so the groups
        that carry cases make up the rest."""
        policy, today, load = self.policy, self.today, staffing.load_for(unit_code)
        grades = {
            staffing.LAWYERS: vocab.LAWYER_GRADES,
            staffing.PARALEGALS: vocab.PARALEGAL_GRADES,
            staffing.MANAGERS: vocab.MANAGER_GRADES,
        }
        work = {
            group: sum((per_case[stage].of(group) * n for stage, n in cases.items() if stage in per_case), Decimal("0"))
            for group in grades
        }
        total_work = sum(work.values(), Decimal("0"))
        if not total_work:
            return
        carriers = set().union(*grades.values())
        idle = sum(
            (staffing.available_points(m, policy=policy, on=today) for m in members if m.grade not in carriers),
            Decimal("0"),
        )
        idle += Decimal(policy.default_target) * sum(  # ungraded unit personas, placed after the staff
            1 for p in PERSONAS if p.unit == unit_code and p.grade is None
        )
        needed = max(total_work / load - idle, Decimal("0"))
        size = self.ref.unit_sizes[unit_code]

        def points_of(group_grades: frozenset[str]) -> Decimal:
            return sum(
                (staffing.available_points(m, policy=policy, on=today) for m in members if m.grade in group_grades),
                Decimal("0"),
            )

        have = {group: points_of(group_grades) for group, group_grades in grades.items()}
        targets = {group: needed * work[group] / total_work for group in grades}
        # A base team already larger than its share of the work leaves less for the other groups.
        surplus = sum((have[g] - targets[g] for g in grades if have[g] > targets[g]), Decimal("0"))
        short = sum((targets[g] for g in grades if have[g] < targets[g]), Decimal("0"))
        for group, group_grades in grades.items():
            if have[group] >= targets[group] or not short:
                continue
            target = targets[group] - surplus * targets[group] / short
            mix = [grade for grade, n in vocab.COMPOSITION[size] for _ in range(n) if grade in group_grades]
            added = 0
            # Stop within half a person of the target, so rounding to whole people does not bias the load.
            while have[group] + Decimal(policy.grade_targets.get(mix[added % len(mix)], 100)) / 2 < target:
                grade = mix[added % len(mix)]
                first, last = self._name()
                person = self._person(unit_code, grade, self._username(first, last), first, last, self._role_for(grade))
                members.append(person)
                have[group] += staffing.available_points(person, policy=policy, on=today)
                added += 1

    def _pick(self, unit: str, group: str) -> StaffPlan:
        """A member of the unit's group, chosen in proportion to the points they carry at 100%."""
        people = self.lawyers[unit] if group == staffing.LAWYERS else self.paralegals[unit]
        return self.rng.choices(people, cum_weights=self._weights[(unit, group)])[0]

    def _role_for(self, grade: str) -> str:
        if grade == "unit-head":
            return RoleCode.UNIT_HEAD
        if grade in vocab.MANAGER_GRADES:
            return RoleCode.LEGAL_MANAGER
        if grade in vocab.LAWYER_GRADES:
            return RoleCode.PROSECUTOR
        return RoleCode.PARALEGAL  # paralegal officers and the unit's administrators

    def _person(self, unit: str, grade: str, username: str, first: str, last: str, role: str) -> StaffPlan:
        rng = self.rng
        pattern = _weighted(
            rng,
            {WorkingPattern.FULL_TIME: 70, WorkingPattern.PART_TIME: 18, WorkingPattern.COMPRESSED: 8,
             WorkingPattern.JOB_SHARE: 4},
        )  # fmt: skip
        fte_by_pattern: dict[str, Decimal] = {
            WorkingPattern.FULL_TIME: Decimal("1.00"),
            WorkingPattern.COMPRESSED: Decimal("1.00"),
            WorkingPattern.JOB_SHARE: Decimal("0.50"),
            WorkingPattern.PART_TIME: rng.choice([Decimal("0.60"), Decimal("0.80")]),
        }
        fte = fte_by_pattern[pattern]
        is_lawyer = grade in vocab.LAWYER_GRADES or grade in vocab.MANAGER_GRADES or grade == "unit-head"
        specialism_count = rng.choice([1, 2, 2, 3]) if is_lawyer else rng.choice([0, 0, 1])
        specialisms = tuple(sorted(rng.sample(self.ref.specialisms, specialism_count)))
        return StaffPlan(
            username=username,
            first_name=first,
            last_name=last,
            roles=(role,),
            unit=unit,
            grade=grade,
            fte=fte,
            contracted_hours=(Decimal("37.00") * fte).quantize(Decimal("0.01")),
            working_pattern=pattern,
            specialisms=specialisms,
            absences=self._absences(),
        )

    def _absences(self) -> list[AbsencePlan]:
        rng, today = self.rng, self.today
        absences: list[AbsencePlan] = []
        if rng.random() < 0.45:  # annual leave, recent or booked
            start = today + dt.timedelta(days=rng.randint(-60, 90))
            absences.append(
                AbsencePlan("annual_leave", start, start + dt.timedelta(days=rng.randint(2, 13)), None,
                            rng.choice(vocab.ABSENCE_REASONS["annual_leave"]))
            )  # fmt: skip
        if rng.random() < 0.15:
            start = today + dt.timedelta(days=rng.randint(-30, 60))
            absences.append(
                AbsencePlan("training", start, start + dt.timedelta(days=rng.randint(0, 2)), None,
                            rng.choice(vocab.ABSENCE_REASONS["training"]))
            )  # fmt: skip
        if rng.random() < 0.05:
            start = today - dt.timedelta(days=rng.randint(1, 20))
            absences.append(
                AbsencePlan("sickness", start, start + dt.timedelta(days=rng.randint(3, 30)), None,
                            rng.choice(vocab.ABSENCE_REASONS["sickness"]))
            )  # fmt: skip
        if rng.random() < 0.12:  # a standing reduction with its reason and expiry
            kind = rng.choice(["other_reduction", "other_reduction", "trade_union"])
            start = today - dt.timedelta(days=rng.randint(10, 200))
            absences.append(
                AbsencePlan(kind, start, today + dt.timedelta(days=rng.randint(30, 270)),
                            Decimal(rng.choice(["3.70", "7.40", "11.10"])), rng.choice(vocab.ABSENCE_REASONS[kind]))
            )  # fmt: skip
        if rng.random() < 0.02:
            start = today - dt.timedelta(days=rng.randint(30, 120))
            absences.append(
                AbsencePlan("secondment", start, start + dt.timedelta(days=rng.randint(180, 365)), None,
                            vocab.ABSENCE_REASONS["secondment"][0])
            )  # fmt: skip
        return absences

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(self.first_names), self.rng.choice(self.last_names)

    def _username(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        candidate, n = base, 1
        while candidate in self._usernames or candidate in PERSONA_USERNAMES:
            n += 1
            candidate = f"{base}{n}"
        self._usernames.add(candidate)  # reserved now: a unit's members are added together later
        return candidate

    def _add(self, plan: StaffPlan) -> None:
        self._usernames.add(plan.username)
        self.staff.append(plan)

    # --- cases ----------------------------------------------------------------------------------

    def iter_cases(self, count: int) -> Iterator[CasePlan]:
        """`count` cases spread over the units in proportion to their base legal teams."""
        if not self.lawyers:
            self.build_staff(count)
        if len(self.case_slots) != count:
            raise ValueError(f"the staff were planned for {len(self.case_slots)} cases, not {count}")
        criteria = [c for c in vocab.CRITERIA if c in self.ref.criteria]
        criterion_weights = [vocab.CRITERIA[c][0] for c in criteria]
        for index, (unit, stage) in enumerate(self.case_slots):
            criterion = self.rng.choices(criteria, weights=criterion_weights)[0]
            yield self._case(index, unit, stage, criterion)

    def _case(self, index: int, unit: str, stage: str, criterion: str) -> CasePlan:
        rng = self.rng
        gaps = tuple(sorted(g for g, rate in GAP_RATES.items() if g != "psd_exemption" and rng.random() < rate))
        lawyer = self._allocate_lawyer(unit, stage)
        manager = lawyer.line_manager
        deputy = self._deputy(unit, lawyer).username if rng.random() < 0.3 else None
        paralegal = self._pick(unit, staffing.PARALEGALS).username if rng.random() < 0.75 else None
        accepted_by = manager if rng.random() < 0.75 else self.unit_heads[unit].username
        categories = sorted(rng.sample(vocab.CRITERIA[criterion][1], rng.randint(1, len(vocab.CRITERIA[criterion][1]))))
        categories = [c for c in categories if c in self.ref.offence_categories] or [self.ref.offence_categories[0]]
        ccp_reason = rng.choice(vocab.CCP_DIRECTION_REASONS) if rng.random() < 0.04 else ""
        entries = self._stage_entries(stage, lawyer.username, manager)
        accepted_on = self.local_date(entries[0].entered_at)
        force = rng.choice(self.ref.unit_forces[unit])
        operation = f"Operation {rng.choice(vocab.OPERATION_WORDS)}"
        yy = accepted_on.year % 100
        urn = f"{self.ref.unit_forces[unit].index(force) + 10:02d}{unit[4:6].upper()}{index + 1:06d}{yy:02d}"
        dates = {e.stage: self.local_date(e.entered_at) for e in entries}
        defendants = self._defendants(stage, categories, dates)
        hearings = self._hearings(
            unit, stage, dates, any(d.custody_status == CustodyStatus.IN_CUSTODY for d in defendants)
        )
        plan = CasePlan(
            urn=urn,
            operation_name=operation,
            summary=f"{vocab.SUMMARY_OPENINGS.get(categories[0], 'Complex offending')} ({operation}).",
            unit=unit,
            lead_force=force,
            acceptance_criterion=None if ccp_reason else criterion,
            ccp_direction_reason=ccp_reason,
            accepted_on=accepted_on,
            accepted_by=accepted_by or lawyer.username,
            stage=stage,
            allocated_lawyer=lawyer.username,
            deputy_lawyer=deputy,
            paralegal=paralegal,
            legal_manager=manager,
            offence_categories=categories,
            stage_entries=entries,
            defendants=defendants,
            hearings=hearings,
            documents=[],
            reviews=[],
            gaps=gaps,
        )
        plan.documents = self._documents(plan, dates)
        plan.reviews = self._reviews(plan, dates)
        self._update_psd_after_reviews(plan)
        plan.facts = self._facts(plan, dates, criterion)
        return plan

    def _facts(self, plan: CasePlan, dates: dict[str, dt.date], criterion: str) -> dict[str, object]:
        """Trial estimate, cost, VHCC case plan, HQ notification and the finalisation record."""
        rng = self.rng
        facts: dict[str, object] = {}
        defendants = len(plan.defendants)
        if Stage.CHARGED in dates:
            facts["trial_estimate_days"] = rng.randint(3, 10) + 2 * defendants
            facts["estimated_cost"] = Decimal(rng.randint(30, 250) * 1000 * defendants)
            if rng.random() < 0.04:
                received = dates[Stage.CHARGED] + dt.timedelta(days=rng.randint(7, 60))
                if received <= self.today:
                    facts["is_very_high_cost"] = True
                    facts["vhcc_received_on"] = received
                    late = rng.random() < 0.25  # some case plans agreed after the 15 days
                    agreed = received + dt.timedelta(days=rng.randint(20, 45) if late else rng.randint(3, 15))
                    if agreed <= self.today:
                        facts["case_plan_agreed_on"] = agreed
        if criterion in _HQ_NOTIFIABLE and rng.random() < 0.8:
            facts["hq_notified_on"] = min(plan.accepted_on + dt.timedelta(days=rng.randint(1, 10)), self.today)
        outcome = _CLOSED_OUTCOMES.get(plan.stage)
        if plan.stage == Stage.FINALISED:
            outcome = "convicted_all" if rng.random() < 0.75 else "convicted_some"
        if outcome:
            facts["outcome"] = outcome
            if rng.random() > 0.05:  # a few finalised without the Principal Offence Category
                facts["principal_offence_category"] = plan.offence_categories[0]
        return facts

    def local_date(self, instant: dt.datetime) -> dt.date:
        return instant.astimezone(LONDON).date()

    def _allocate_lawyer(self, unit: str, stage: str) -> StaffPlan:
        """A lawyer of the unit; prosecutor.a is favoured until they carry a realistic live caseload
        (PERSONA_OPEN_CASELOAD), and then gets no more live cases however many are generated."""
        lawyers = self.lawyers[unit]
        persona = next((m for m in lawyers if m.username == "prosecutor.a"), None)
        is_open = stage not in _CLOSED
        favour = self.rng.random() < 0.5
        if persona is not None and is_open and self.persona_open_cases < PERSONA_OPEN_CASELOAD and favour:
            choice = persona
        else:
            choice = self._pick(unit, staffing.LAWYERS)
        if choice is persona and is_open:
            if self.persona_open_cases >= PERSONA_OPEN_CASELOAD:
                choice = self._deputy(unit, persona)
            else:
                self.persona_open_cases += 1
        return choice

    def _deputy(self, unit: str, lead: StaffPlan) -> StaffPlan:
        """Another lawyer of the unit than `lead`, in proportion to capacity."""
        for _ in range(20):
            choice = self._pick(unit, staffing.LAWYERS)
            if choice is not lead:
                return choice
        return self.rng.choice([m for m in self.lawyers[unit] if m is not lead])

    def _stage_entries(self, stage: str, lawyer: str, manager: str | None) -> list[StageEntryPlan]:
        rng = self.rng
        if stage == Stage.DISCONTINUED:
            path = [*vocab.MAIN_PATH[: rng.randint(3, 5)], Stage.DISCONTINUED]
        elif stage == Stage.NO_FURTHER_ACTION:
            path = [*vocab.MAIN_PATH[: rng.randint(1, 2)], Stage.NO_FURTHER_ACTION]
        else:
            path = vocab.MAIN_PATH[: vocab.MAIN_PATH.index(stage) + 1]
        low, high = vocab.CURRENT_STAGE_DAYS[stage]
        day = self.today - dt.timedelta(days=rng.randint(low, high))
        days = [day]
        for earlier in reversed(path[:-1]):
            low, high = vocab.STAGE_DAYS[earlier]
            day -= dt.timedelta(days=rng.randint(low, high))
            days.append(day)
        days.reverse()
        entries = []
        for position, (entered, on) in enumerate(zip(path, days, strict=True)):
            hour = rng.randint(9, 17)
            instant = _at(on, hour, rng.randint(0, 59))
            if instant > self.now:
                instant = self.now - dt.timedelta(minutes=rng.randint(5, 90))
            by = manager if position == 0 and manager else lawyer
            entries.append(StageEntryPlan(entered, instant, by, _STAGE_REASONS.get(entered, "")))
        return entries

    def _defendants(self, stage: str, categories: list[str], dates: dict[str, dt.date]) -> list[DefendantPlan]:
        rng = self.rng
        count = rng.choices([1, 2, 3, 4, 5, 6, 7, 8], weights=[40, 20, 12, 10, 7, 5, 3, 3])[0]
        charged_on = dates.get(Stage.CHARGED)
        offences = [o for c in categories for o in vocab.OFFENCES.get(c, [])]
        defendants = []
        for _ in range(count):
            first, last = self._name()
            if rng.random() < 0.3:
                first = f"{first} {rng.choice(self.first_names)}"
            dob = self.today - dt.timedelta(days=rng.randint(18 * 365, 70 * 365))
            charges = [
                ChargePlan(offence, classification, charged_on)
                for offence, classification in rng.sample(offences, min(len(offences), rng.randint(1, 3)))
            ]
            defendants.append(DefendantPlan(first, last, dob, self._custody(stage), charges))
        return defendants

    def _custody(self, stage: str) -> str:
        roll = self.rng.random()
        if stage in (Stage.PRE_CHARGE, Stage.CHARGING_DECISION):
            return CustodyStatus.RUI if roll < 0.6 else CustodyStatus.NOT_ARRESTED if roll < 0.9 else CustodyStatus.BAIL
        if stage == Stage.FINALISED:
            return CustodyStatus.SERVING if roll < 0.7 else CustodyStatus.NOT_ARRESTED
        if stage in (Stage.DISCONTINUED, Stage.NO_FURTHER_ACTION):
            return CustodyStatus.NOT_ARRESTED
        return CustodyStatus.IN_CUSTODY if roll < 0.35 else CustodyStatus.BAIL

    def _hearings(self, unit: str, stage: str, dates: dict[str, dt.date], custody: bool) -> list[HearingPlan]:
        if Stage.CHARGED not in dates:
            return []
        rng = self.rng
        crown_courts, magistrates = vocab.COURTS.get(unit, vocab.DEFAULT_COURTS)
        crown = rng.choice(crown_courts)
        hearings: list[HearingPlan] = []

        def add(kind: str, day: dt.date, court: str, outcome: str) -> None:
            day = _weekday(day)
            starts_at = _at(day, 10)
            hearings.append(HearingPlan(kind, starts_at, court, outcome if starts_at < self.now else ""))

        sent = dates[Stage.CHARGED]
        add(HearingType.SENDING, sent, rng.choice(magistrates), "Sent to the Crown Court (s.51 CDA 1998).")
        add(HearingType.PTPH, sent + dt.timedelta(days=28), crown, "Not guilty pleas; trial fixed; stage dates set.")
        if stage in (Stage.PTPH, Stage.TRIAL_PREPARATION):
            trial = self.today + dt.timedelta(days=rng.randint(21, 300))
            prep_start = dates.get(Stage.TRIAL_PREPARATION, dates[Stage.PTPH])
            if rng.random() < 0.4 and prep_start < self.today:
                mention = prep_start + dt.timedelta(days=rng.randint(0, (self.today - prep_start).days))
                add(HearingType.MENTION, mention, crown, "Mention: disclosure timetable varied by the judge.")
            if custody and rng.random() < 0.5:
                add(HearingType.CTL_EXTENSION, trial - dt.timedelta(days=rng.randint(30, 60)), crown,
                    "Custody time limit extended to the trial date.")  # fmt: skip
            add(HearingType.PRE_TRIAL_REVIEW, trial - dt.timedelta(days=21), crown, "Trial remains effective.")
            add(HearingType.TRIAL, trial, crown, "")
        if Stage.TRIAL in dates:
            add(HearingType.TRIAL, dates[Stage.TRIAL], crown, "Trial opened; jury sworn.")
        if Stage.SENTENCE in dates:
            sentence_day = dates.get(Stage.FINALISED, self.today + dt.timedelta(days=rng.randint(7, 42)))
            add(HearingType.SENTENCE, sentence_day, crown, "Sentenced; confiscation timetable set.")
        if stage == Stage.DISCONTINUED:
            add(HearingType.MENTION, dates[Stage.DISCONTINUED], crown, "Prosecution offered no evidence.")
        return hearings

    # --- documents and reviews -----------------------------------------------------------------

    def _documents(self, plan: CasePlan, dates: dict[str, dt.date]) -> list[DocumentPlan]:
        rng = self.rng
        docs: list[DocumentPlan] = []
        accepted, lawyer, op = plan.accepted_on, plan.allocated_lawyer, plan.operation_name
        if "missing_psd" not in plan.gaps:
            sections = ["Case theory", "Lines of enquiry", "Evidential strategy", "Victims and witnesses"]
            if "no_disclosure_strategy" not in plan.gaps:
                sections.append("Disclosure strategy")
            versions = [
                self._version(accepted, 3, 14, lawyer, _psd_body(sections, "Initial strategy"), {"sections": sections})
            ]
            if Stage.CHARGED in dates and "psd_not_updated" not in plan.gaps:
                versions.append(
                    self._version(dates[Stage.CHARGED], 1, 7, lawyer, _psd_body(sections, "Updated after charge"),
                                  {"sections": sections, "trigger": "charge"})
                )  # fmt: skip
            if Stage.PTPH in dates and "psd_not_updated" not in plan.gaps:
                versions.append(
                    self._version(dates[Stage.PTPH], 1, 10, lawyer, _psd_body(sections, "Updated after PTPH"),
                                  {"sections": sections, "trigger": "ptph"})
                )  # fmt: skip
            docs.append(
                DocumentPlan(DocumentKind.PSD, f"Prosecution Strategy Document – {op}", _live(versions, self.now))
            )
        elif rng.random() < GAP_RATES["psd_exemption"]:
            exemption = self._version(
                accepted, 1, 10, plan.legal_manager, "PSD dispensed with: single-issue case with agreed facts.",
                {"exempts": "psd", "approver": plan.accepted_by, "reason": "Single-issue case; strategy in the MG3."},
            )  # fmt: skip
            docs.append(
                DocumentPlan(DocumentKind.EXEMPTION, f"Formal exemption (PSD) – {op}", _live([exemption], self.now))
            )
        if "missing_dmd" not in plan.gaps:
            dmd = self._version(
                accepted, 7, 30, lawyer,
                "Disclosure officer appointed. Reasonable lines of enquiry agreed. Digital material: search terms and "
                "sampling approach recorded. Third-party material requests sent.",
                {"sections": ["Disclosure officer", "Digital strategy", "Third-party material", "Unused schedules"]},
            )  # fmt: skip
            if dmd.created_at <= self.now:
                docs.append(DocumentPlan(DocumentKind.DMD, f"Disclosure Management Document – {op}", [dmd]))
        decided = dates.get(Stage.CHARGED) or dates.get(Stage.NO_FURTHER_ACTION)
        if decided is not None and Stage.CHARGING_DECISION in dates:
            threshold = rng.random() < 0.15
            test = "threshold" if threshold else "full_code"
            outcome = "charge" if Stage.CHARGED in dates else "no_further_action"
            rationale = (
                "" if "mg3_without_rationale" in plan.gaps else _mg3_rationale(test, outcome, len(plan.defendants))
            )
            mg3 = self._version(
                decided,
                0,
                0,
                lawyer,
                f"Charging decision: {outcome.replace('_', ' ')}.",
                {"test": test, "decision": outcome},
            )
            mg3.rationale = rationale
            docs.append(DocumentPlan(DocumentKind.MG3, f"MG3 charging decision – {op}", _live([mg3], self.now)))
        note = self._version(
            accepted, 0, 7, lawyer, "Initial review: case accepted; priorities and early actions set.", {}
        )
        docs.append(DocumentPlan(DocumentKind.REVIEW_NOTE, f"Initial review note – {op}", _live([note], self.now)))
        for hearing in plan.hearings:
            if hearing.starts_at >= self.now or (rng.random() < GAP_RATES["missing_hrs"]):
                continue
            delay = rng.randint(3, 8) if rng.random() < GAP_RATES["late_hrs"] else rng.randint(0, 1)
            hrs = self._version(
                self.local_date(hearing.starts_at), delay, delay, lawyer,
                f"Hearing record: {hearing.outcome}", {"hearing_type": hearing.hearing_type,
                                                       "hearing_on": self.local_date(hearing.starts_at).isoformat()},
            )  # fmt: skip
            if hrs.created_at <= self.now:
                docs.append(
                    DocumentPlan(DocumentKind.HEARING_RECORD_SHEET, f"Hearing record sheet – {hearing.court}", [hrs])
                )
        return [d for d in docs if d.versions]

    def _version(
        self, base: dt.date, low: int, high: int, author: str | None, body: str, metadata: dict[str, object]
    ) -> VersionPlan:
        day = base + dt.timedelta(days=self.rng.randint(low, high))
        return VersionPlan(body, "", author, _at(day, self.rng.randint(9, 18), self.rng.randint(0, 59)), metadata)

    def _update_psd_after_reviews(self, plan: CasePlan) -> None:
        """A diligent lawyer revises the PSD after each significant review (unless this case is one
        of the deliberate "PSD not updated" gaps)."""
        if "psd_not_updated" in plan.gaps:
            return
        psd = next((d for d in plan.documents if d.kind == DocumentKind.PSD and d.versions), None)
        if psd is None:
            return
        significant = {ReviewKind.FULL_CODE_TEST, ReviewKind.MANAGER, ReviewKind.PRE_TRIAL}
        for review in sorted(plan.reviews, key=lambda r: r.reviewed_on):
            if review.kind not in significant:
                continue
            if any(self.local_date(v.created_at) >= review.reviewed_on for v in psd.versions):
                continue
            sections = list(psd.versions[-1].metadata.get("sections", []))  # type: ignore[call-overload]
            version = self._version(review.reviewed_on, 0, 6, plan.allocated_lawyer,
                                    _psd_body(sections, f"Updated after the {review.kind.replace('_', ' ')} review"),
                                    {"sections": sections, "trigger": review.kind})  # fmt: skip
            if version.created_at <= self.now:
                psd.versions.append(version)
        psd.versions.sort(key=lambda v: v.created_at)

    def _reviews(self, plan: CasePlan, dates: dict[str, dt.date]) -> list[ReviewPlan]:
        rng = self.rng
        end = self.today
        if plan.stage in _CLOSED:
            end = self.local_date(plan.stage_changed_at)
        if "stale_reviews" in plan.gaps and plan.stage not in _CLOSED:
            end = self.today - dt.timedelta(days=rng.randint(100, 250))
        reviews = [ReviewPlan(ReviewKind.INITIAL, plan.accepted_on, plan.allocated_lawyer, "Initial review completed.")]
        if Stage.CHARGED in dates:
            reviews.append(
                ReviewPlan(ReviewKind.FULL_CODE_TEST, dates[Stage.CHARGED], plan.allocated_lawyer,
                           "Full Code Test met on the evidence now available.")
            )  # fmt: skip
        progression: list[ReviewPlan] = []
        day = plan.accepted_on + dt.timedelta(days=rng.randint(30, 60))
        while day <= end:
            manager_review = rng.random() < 0.2 and plan.legal_manager
            progression.append(
                ReviewPlan(
                    ReviewKind.MANAGER if manager_review else ReviewKind.CASE_PROGRESSION,
                    day,
                    plan.legal_manager if manager_review else plan.allocated_lawyer,
                    "Manager review: strategy and resourcing agreed." if manager_review
                    else "Case progression review: actions chased; next steps recorded.",
                )
            )  # fmt: skip
            day += dt.timedelta(days=rng.randint(30, 60))
        reviews.extend(progression[-6:])  # the recent history is enough for the demo
        return [r for r in reviews if r.reviewed_on <= self.today]


_CLOSED = frozenset({Stage.FINALISED, Stage.DISCONTINUED, Stage.NO_FURTHER_ACTION})
_CLOSED_OUTCOMES: dict[str, str] = {Stage.DISCONTINUED: "discontinued", Stage.NO_FURTHER_ACTION: "nfa"}
_HQ_NOTIFIABLE = frozenset({"major-murder", "hate-murder", "mercy-killing", "media-interest", "socpa"})
_STAGE_REASONS: dict[str, str] = {
    Stage.PRE_CHARGE: "Accepted into the unit",
    Stage.CHARGING_DECISION: "Full file received for a charging decision",
    Stage.CHARGED: "Charged and sent to the Crown Court",
    Stage.PTPH: "PTPH held",
    Stage.TRIAL_PREPARATION: "Trial preparation under the PTPH directions",
    Stage.TRIAL: "Trial started",
    Stage.SENTENCE: "Convicted; awaiting sentence",
    Stage.FINALISED: "Sentenced; case finalised",
    Stage.DISCONTINUED: "Discontinued after review",
    Stage.NO_FURTHER_ACTION: "No further action: evidential stage not met",
}


def _live(versions: list[VersionPlan], now: dt.datetime) -> list[VersionPlan]:
    """Only versions already written by `now` (a planned update can fall after the anchor)."""
    return [v for v in versions if v.created_at <= now]


def _psd_body(sections: list[str], heading: str) -> str:
    return f"{heading}.\n" + "\n".join(f"{section}: recorded." for section in sections)


def _mg3_rationale(test: str, outcome: str, defendants: int) -> str:
    if outcome == "no_further_action":
        return "Evidential stage not met: identification rests on a single fleeting glimpse and is unsupported."
    basis = (
        "Threshold Test applied: reasonable grounds to suspect, further evidence expected within 28 days; "
        "custody sought given the risk of absconding."
        if test == "threshold"
        else "Full Code Test met: realistic prospect of conviction on the documentary and witness evidence."
    )
    suspects = "the suspect" if defendants == 1 else f"all {defendants} suspects"
    return f"{basis} Public interest requires a prosecution of {suspects} given the harm caused."
