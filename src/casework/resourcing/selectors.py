"""Reads for resourcing, all in bulk: a fixed number of queries however many cases or people.

Facts are read with `values()` and grouped aggregates, then the pure rules do the arithmetic.
Access: cases through Case.objects.visible_to; people's individual figures only for those the
viewer may see (themselves, their reports, their unit for managers, their Area for leadership).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from casework.cases.choices import OPEN_STAGES, CustodyStatus, HearingType
from casework.cases.models import Case, CaseStageEntry, Defendant, Hearing
from casework.core.clock import LONDON
from casework.core.id_lists import among
from casework.people.choices import NATIONAL_READ_ROLES, UNIT_MANAGER_ROLES, RoleCode
from casework.people.models import Absence, Unit, User
from casework.progression import selectors as progression_selectors
from casework.resourcing import forecast, rules
from casework.resourcing.models import RemRecord, ResourcingPolicy, UnitLoad

_POLICY_CACHE: dict[int, rules.Policy] = {}


def policy_on(on: dt.date) -> rules.Policy:
    row = ResourcingPolicy.objects.in_force(on).first()
    if row is None:
        raise LookupError(f"No REM policy is in force on {on}.")
    cached = _POLICY_CACHE.get(row.pk)
    if cached is None or cached.version != row.version:
        cached = rules.policy_from_data(row.data, version=row.version, source=row.source)
        _POLICY_CACHE[row.pk] = cached
    return cached


# --- complexity -----------------------------------------------------------------------------------


_NO_RECORD = (0, 0, 0, 0, False, False)
_NO_CATEGORIES: frozenset[str] = frozenset()


def complexity_values(
    cases: QuerySet[Case], *, base: Iterable[tuple[int, int | None]] | None = None
) -> dict[int, tuple[tuple[int, ...], frozenset[str]]]:
    """Each case's complexity facts as (values in rules.FACT_FIELDS order, offence categories).

    Five queries (four when the caller has already read each case's (id, trial estimate) as `base`),
    read as tuples: building a dict or dataclass per row cost more than the queries at 100,000 cases."""
    ids = cases.values("pk")
    defendants = dict(
        Defendant.objects.filter(case_id__in=ids).values("case_id").annotate(n=Count("id")).values_list("case_id", "n")
    )
    custody = dict(
        Defendant.objects.filter(case_id__in=ids, custody_status=CustodyStatus.IN_CUSTODY)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    categories: dict[int, set[str]] = defaultdict(set)
    for case_id, code in Case.offence_categories.through.objects.filter(case_id__in=ids).values_list(
        "case_id", "offencecategory__code"
    ):
        categories[case_id].add(code)
    records = {
        row[0]: row[1:]
        for row in RemRecord.objects.filter(case_id__in=ids).values_list(
            "case_id",
            "victims",
            "witnesses",
            "pages_of_evidence",
            "unused_material_pages",
            "international_element",
            "media_interest",
        )
    }
    result: dict[int, tuple[tuple[int, ...], frozenset[str]]] = {}
    for case_id, trial_days in cases.values_list("id", "trial_estimate_days") if base is None else base:
        victims, witnesses, pages, unused, international, media = records.get(case_id, _NO_RECORD)
        found = categories.get(case_id)
        values = (
            defendants.get(case_id, 0),
            victims or 0,
            witnesses or 0,
            pages or 0,
            unused or 0,
            trial_days or 0,
            1 if international else 0,
            1 if media else 0,
            custody.get(case_id, 0),
        )
        result[case_id] = (values, frozenset(found) if found else _NO_CATEGORIES)
    return result


def complexity_facts(cases: QuerySet[Case]) -> dict[int, rules.CaseComplexityFacts]:
    """Complexity facts for every case in the queryset, for explaining bands."""
    return {
        pk: rules.CaseComplexityFacts(
            defendants=values[0],
            victims=values[1],
            witnesses=values[2],
            pages_of_evidence=values[3],
            unused_material_pages=values[4],
            trial_estimate_days=values[5],
            international_element=bool(values[6]),
            media_interest=bool(values[7]),
            custody=values[8],
            offence_categories=found,
        )
        for pk, (values, found) in complexity_values(cases).items()
    }


def bands_for(cases: QuerySet[Case], policy: rules.Policy) -> dict[int, rules.Band]:
    """Each case's band, for bulk figures (no explanation; `band_for_case` explains one case)."""
    return bands_from_values(complexity_values(cases), policy)


def bands_from_values(
    values: dict[int, tuple[tuple[int, ...], frozenset[str]]], policy: rules.Policy
) -> dict[int, rules.Band]:
    table = rules.score_table(policy)
    return {pk: rules.band_for_values(facts, found, table) for pk, (facts, found) in values.items()}


def explained_band(case: Case, policy: rules.Policy) -> rules.BandResult:
    return rules.complexity_band(complexity_facts(Case.objects.filter(pk=case.pk))[case.pk], policy)


def band_for_case(case: Case, on: dt.date) -> rules.BandResult:
    return explained_band(case, policy_on(on))


# --- REM record currency ----------------------------------------------------------------------------


def _local_date(instant: dt.datetime | None) -> dt.date | None:
    return instant.astimezone(LONDON).date() if instant else None


def record_facts(case_ids: list[int]) -> dict[int, rules.RecordFacts]:
    cases = Case.objects.filter(pk__in=among(case_ids)).values("id", "stage", "stage_changed_at", "allocated_lawyer_id")
    records = {
        r["case_id"]: r
        for r in RemRecord.objects.filter(case_id__in=among(case_ids)).values(
            "case_id", "updated_at", "pages_of_evidence", "counsel_instructed", "estimated_hours"
        )
    }
    result = {}
    for c in cases:
        rec: dict[str, Any] | None = records.get(c["id"])  # type: ignore[assignment]
        estimate = (rec or {}).get("estimated_hours") or {}
        result[c["id"]] = rules.RecordFacts(
            exists=rec is not None,
            stage=c["stage"],
            stage_changed_on=_local_date(c["stage_changed_at"]),
            updated_on=_local_date(rec["updated_at"]) if rec else None,
            has_lead=bool(c["allocated_lawyer_id"]),
            has_estimate_for_stage=bool(estimate.get(c["stage"])),
            pages_recorded=rec is not None and rec["pages_of_evidence"] is not None,
            counsel_answered=rec is not None and rec["counsel_instructed"] is not None,
        )
    return result


def assurance_facts(case_ids: list[int], today: dt.date) -> dict[int, Any]:
    """The facts provider for the assurance engine (CaseFacts.extra['rem'])."""
    try:
        days = policy_on(today).currency_days
    except LookupError:
        days = 14
    return {pk: {"facts": facts, "days": days} for pk, facts in record_facts(case_ids).items()}


# --- capacity ---------------------------------------------------------------------------------------


@dataclass
class PersonCapacity:
    person_id: int
    name: str
    unit_id: int | None
    team_id: int | None
    line_manager_id: int | None
    grade_code: str
    grade_name: str
    seniority: int
    is_legal: bool
    is_manager: bool
    fte: Decimal
    contracted_hours: Decimal
    hours_available: Decimal
    available_points: Decimal
    workload_points: Decimal = Decimal("0")
    cases: int = 0
    reductions: list[rules.Reduction] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return rules.capacity_percent(self.workload_points, self.available_points)


@dataclass
class GroupCapacity:
    label: str
    headcount: int = 0
    fte: Decimal = Decimal("0")
    workload_points: Decimal = Decimal("0")
    available_points: Decimal = Decimal("0")

    def add(self, person: PersonCapacity) -> None:
        self.headcount += 1
        self.fte += person.fte
        self.workload_points += person.workload_points
        self.available_points += person.available_points

    @property
    def percent(self) -> int | None:
        return rules.capacity_percent(self.workload_points, self.available_points)


ROLE_COLUMNS = (
    ("allocated_lawyer_id", "lead"),
    ("deputy_lawyer_id", "deputy"),
    ("paralegal_id", "paralegal"),
    ("legal_manager_id", "manager"),
)


def open_cases_for_people(people: QuerySet[User]) -> QuerySet[Case]:
    ids = people.values("pk")
    return Case.objects.filter(stage__in=OPEN_STAGES).filter(
        Q(allocated_lawyer_id__in=ids)
        | Q(deputy_lawyer_id__in=ids)
        | Q(paralegal_id__in=ids)
        | Q(legal_manager_id__in=ids)
    )


def units_holding(people: QuerySet[User]) -> list[int]:
    """The units of the open cases these people hold (in any role)."""
    return sorted(set(open_cases_for_people(people).values_list("unit_id", flat=True).distinct()))


def capacity_for(
    people: QuerySet[User],
    *,
    on: dt.date,
    policy: rules.Policy,
    bands: dict[int, rules.Band] | None = None,
    case_rows: Iterable[tuple[Any, ...]] | None = None,
) -> dict[int, PersonCapacity]:
    """Capacity and weighted caseload of each person: a handful of queries for any number.

    `case_rows` ((id, stage, lead, deputy, paralegal, manager) of cases already read, with their
    `bands`) spares the read of the people's open cases; roles held by others are ignored."""
    rows = people.filter(is_active=True).values(
        "id",
        "first_name",
        "last_name",
        "username",
        "unit_id",
        "team_id",
        "line_manager_id",
        "grade__code",
        "grade__name",
        "grade__seniority",
        "grade__is_legal",
        "grade__is_manager",
        "fte",
        "contracted_hours",
    )
    reductions: dict[int, list[rules.Reduction]] = defaultdict(list)
    for a in Absence.objects.filter(person__in=people.values("pk"), starts_on__lte=on, ends_on__gte=on).values(
        "person_id", "kind", "starts_on", "ends_on", "hours_per_week", "reason"
    ):
        reductions[a["person_id"]].append(
            rules.Reduction(a["kind"], a["starts_on"], a["ends_on"], a["hours_per_week"], a["reason"])
        )
    result: dict[int, PersonCapacity] = {}
    for r in rows:
        hours = rules.available_hours(contracted_hours=r["contracted_hours"], reductions=reductions[r["id"]], on=on)
        target = policy.grade_targets.get(r["grade__code"] or "", policy.default_target)
        result[r["id"]] = PersonCapacity(
            person_id=r["id"],
            name=f"{r['first_name']} {r['last_name']}".strip() or r["username"],
            unit_id=r["unit_id"],
            team_id=r["team_id"],
            line_manager_id=r["line_manager_id"],
            grade_code=r["grade__code"] or "",
            grade_name=r["grade__name"] or "Ungraded",
            seniority=r["grade__seniority"] or 0,
            is_legal=bool(r["grade__is_legal"]),
            is_manager=bool(r["grade__is_manager"]),
            fte=r["fte"],
            contracted_hours=r["contracted_hours"],
            hours_available=hours,
            available_points=rules.available_points(
                target=target,
                contracted_hours=r["contracted_hours"],
                hours_available=hours,
                standard=policy.standard_hours,
            ),
            reductions=reductions[r["id"]],
        )
    if case_rows is None:
        from casework.resourcing import stored  # stored reads through this module

        cases = open_cases_for_people(people)
        if bands is None:
            read = stored.read_with_bands(cases, policy)
            bands, case_rows = read.bands, [(r[0], r[3], *r[4:]) for r in read.rows]
        else:
            case_rows = cases.values_list("id", "stage", *(column for column, _ in ROLE_COLUMNS))
    assert bands is not None, "case_rows come with their bands"
    add_loads(result, case_loads(case_rows, bands, policy))
    return result


Loads = dict[int, tuple[Decimal, int]]
_CENT = Decimal("0.01")


def capacity_totals(
    unit_ids: Sequence[int],
    *,
    on: dt.date,
    policy: rules.Policy,
    by: tuple[str, ...],
    loads: Iterable[Loads] = (),
    stored: Sequence[int] = (),
) -> dict[tuple[Any, ...], GroupCapacity]:
    """Headcount, FTE, available and workload points of the units' active people grouped by the `by`
    fields (a key tuple of their values): the sums `capacity_for` then `GroupCapacity.add` give, exactly,
    without working out a figure per person (seconds of Python for a national register).

    Available points depend only on grade target and contracted hours unless a reduction is in force,
    so they are worked out once per (group, grade, hours) counted in SQL, then corrected for the few
    people with a reduction today. Caseloads go to the holder's group (anyone else's are ignored):
    those of the stored unit summaries `stored` summed by group in SQL, and `loads` ({holder:
    (points, cases)}, of units worked out now) by holder. Three or four queries for any number."""
    ids = list(unit_ids)
    active = User.objects.filter(unit_id__in=ids, is_active=True)
    # Other tables' rows filtered through a join, not `person__in=<subquery>`: SQLite would look
    # each (summary, person) pair up instead of reading the summaries' rows (4x slower).
    theirs = {"person__unit_id__in": ids, "person__is_active": True}
    columns = list(dict.fromkeys([*by, "grade__code", "contracted_hours"]))
    width, code_at, hours_at = len(by), columns.index("grade__code"), columns.index("contracted_hours")
    standard = policy.standard_hours
    full_points: dict[tuple[str, Decimal], Decimal] = {}

    def available(code: str, contracted: Decimal, reductions: list[rules.Reduction]) -> Decimal:
        hours = rules.available_hours(contracted_hours=contracted, reductions=reductions, on=on)
        target = policy.grade_targets.get(code, policy.default_target)
        return rules.available_points(
            target=target, contracted_hours=contracted, hours_available=hours, standard=standard
        )

    def full(code: str, contracted: Decimal) -> Decimal:
        found = full_points.get((code, contracted))
        if found is None:
            found = full_points[(code, contracted)] = available(code, contracted, [])
        return found

    totals: dict[tuple[Any, ...], GroupCapacity] = {}
    for row in (
        active.values(*columns)
        .annotate(n=Count("id"), fte_sum=Sum("fte"))
        .order_by()
        .values_list(*columns, "n", "fte_sum")
    ):
        key, code, contracted, count = row[:width], row[code_at] or "", row[hours_at], row[-2]
        group = totals.get(key)
        if group is None:
            group = totals[key] = GroupCapacity("")
        group.headcount += count
        # SQLite sums decimals as floats: back to the column's two places, which each person's FTE has.
        group.fte += Decimal(row[-1]).quantize(_CENT)
        group.available_points += full(code, contracted) * count
    # Those with a reduction in force today: their own available points instead of the full ones.
    reduced: dict[int, tuple[tuple[Any, ...], str, Decimal, list[rules.Reduction]]] = {}
    for a in Absence.objects.filter(**theirs, starts_on__lte=on, ends_on__gte=on).values_list(
        "person_id",
        *(f"person__{name}" for name in columns),
        "kind",
        "starts_on",
        "ends_on",
        "hours_per_week",
        "reason",
    ):
        person = a[1 : 1 + len(columns)]
        entry = reduced.setdefault(a[0], (person[:width], person[code_at] or "", person[hours_at], []))
        entry[3].append(rules.Reduction(*a[1 + len(columns) :]))
    for key, code, contracted, reductions in reduced.values():
        if key in totals:  # else they arrived between the two reads: counted nowhere, as in neither
            totals[key].available_points += available(code, contracted, reductions) - full(code, contracted)
    if stored:
        person_by = [f"person__{name}" for name in by]
        for row in (
            UnitLoad.objects.filter(summary_id__in=list(stored), **theirs)
            .values(*person_by)
            .annotate(points=Sum("points"))
            .order_by()
            .values_list(*person_by, "points")
        ):
            if row[:width] in totals:  # as FTE above: the column's two places, which each load has
                totals[row[:width]].workload_points += Decimal(row[-1]).quantize(_CENT)
    loads = [held for held in loads if held]
    if loads:
        wanted = set().union(*loads)
        holders = {row[0]: row[1:] for row in active.filter(pk__in=among(wanted)).values_list("pk", *by)}
        for held in loads:
            for holder, (points, _) in held.items():
                key = holders.get(holder)
                if key is not None and key in totals:
                    totals[key].workload_points += points
    return totals


def case_loads(
    case_rows: Iterable[tuple[Any, ...]], bands: dict[int, rules.Band], policy: rules.Policy
) -> dict[int, tuple[Decimal, int]]:
    """{holder id: (weighted points, cases held)} from (id, stage, lead, deputy, paralegal, manager)
    rows; cases without a band count nowhere."""
    # Points depend only on (band, stage, role): a few dozen combinations for any number of cases.
    points: dict[tuple[str, str, str], Decimal] = {}
    loads: dict[int, tuple[Decimal, int]] = {}
    for case_id, stage, *holders in case_rows:
        band = bands.get(case_id)
        if band is None:
            continue
        for holder, (_, role) in zip(holders, ROLE_COLUMNS, strict=True):
            if not holder:
                continue
            key = (band.code, stage, role)
            value = points.get(key)
            if value is None:
                value = points[key] = rules.case_points(band=band, stage=stage, role=role, policy=policy)
            total, count = loads.get(holder, (Decimal("0"), 0))
            loads[holder] = (total + value, count + 1)
    return loads


def add_loads(people: dict[int, PersonCapacity], loads: dict[int, tuple[Decimal, int]]) -> None:
    """Add caseloads to the people they belong to (loads of anyone else are ignored)."""
    for holder, (points, count) in loads.items():
        person = people.get(holder)
        if person is not None:
            person.workload_points += points
            person.cases += count


def group_by(people: Iterable[PersonCapacity], key: Any, label: Any) -> list[GroupCapacity]:
    groups: dict[Any, GroupCapacity] = {}
    for person in people:
        k = key(person)
        groups.setdefault(k, GroupCapacity(label(person))).add(person)
    return sorted(groups.values(), key=lambda g: g.label)


# --- who may see what -----------------------------------------------------------------------------


def units_visible_to(user: Any) -> QuerySet[Unit]:
    """Units whose resourcing pages the user may open (names only for those in named_people)."""
    roles = user.role_codes
    if roles & NATIONAL_READ_ROLES:
        return Unit.objects.all()
    scope = Q(pk__in=[])
    if roles & UNIT_MANAGER_ROLES and user.unit_id:
        scope |= Q(pk=user.unit_id)
    if RoleCode.AREA_LEADERSHIP in roles and user.area_id:
        scope |= Q(areas=user.area_id)
    return Unit.objects.filter(scope).distinct()


def named_people(user: Any) -> QuerySet[User]:
    """People whose individual figures the viewer may see: themselves, their direct reports, their
    unit for unit managers, their Area for leadership. National readers and administrators: none."""
    roles = user.role_codes
    if roles & (NATIONAL_READ_ROLES | {RoleCode.ADMINISTRATOR, RoleCode.POLICE_LIAISON}):
        return User.objects.none()
    return User.objects.filter(Q(pk__in=User.objects.visible_to(user).values("pk")) | Q(line_manager=user))


# --- key dates and resilience -------------------------------------------------------------------------


KEY_HEARINGS = (HearingType.PTPH, HearingType.TRIAL, HearingType.SENTENCE)


def _london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def key_dates(cases: QuerySet[Case], *, start: dt.date, end: dt.date) -> list[tuple[int, str, dt.date]]:
    """(case id, what, date) for PTPH, trials, sentences and CTL expiries in [start, end]."""
    found: list[tuple[int, str, dt.date]] = []
    ids = cases.values("pk")
    labels: dict[str, str] = {str(kind): str(HearingType(kind).label) for kind in KEY_HEARINGS}
    # An instant range rather than `starts_at__date`: SQLite would cast every row in Python.
    for case_id, kind, starts_at in Hearing.objects.filter(
        case_id__in=ids,
        hearing_type__in=KEY_HEARINGS,
        starts_at__gte=_london_midnight(start),
        starts_at__lt=_london_midnight(end + dt.timedelta(days=1)),
    ).values_list("case_id", "hearing_type", "starts_at"):
        found.append((case_id, labels[kind], starts_at.astimezone(LONDON).date()))
    for case_id, expires_on in progression_selectors.running_clock_expiries(ids, start=start, end=end):
        found.append((case_id, "Custody time limit expiry", expires_on))
    return sorted(found, key=lambda item: (item[2], item[0]))


def full_absences(
    person_ids: Iterable[int], *, start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    spans: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for pid, s, e in Absence.objects.filter(
        person_id__in=list(set(person_ids)), hours_per_week__isnull=True, starts_on__lte=end, ends_on__gte=start
    ).values_list("person_id", "starts_on", "ends_on"):
        spans[pid].append((s, e))
    return spans


def absent_on(spans: dict[int, list[tuple[dt.date, dt.date]]], person_id: int | None, day: dt.date) -> bool:
    return person_id is not None and any(s <= day <= e for s, e in spans.get(person_id, ()))


# --- forecast facts ---------------------------------------------------------------------------------

_CLOSED_STAGES = ("finalised", "discontinued", "nfa")


def case_histories(cases: QuerySet[Case]) -> list[forecast.CaseHistory]:
    """Each case's referral, charge, trial and closure dates from its stage entries: one query."""
    firsts: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for case_id, stage, entered_at in (
        CaseStageEntry.objects.filter(case__in=cases.values("pk"))
        .order_by("case_id", "entered_at")
        .values_list("case_id", "stage", "entered_at")
    ):
        firsts[case_id].setdefault(stage, entered_at.astimezone(LONDON).date())
    result = []
    for case_id, seen in firsts.items():
        referred = min(seen.values())
        charged = seen.get("charged")
        closed = min((seen[s] for s in _CLOSED_STAGES if s in seen), default=None)
        result.append(
            forecast.CaseHistory(
                case_id=case_id,
                referred_on=referred,
                charged_on=charged,
                closed_pre_charge_on=closed if charged is None else None,
                trial_on=seen.get("trial"),
                closed_on=closed,
            )
        )
    return result


def listed_trials(cases: QuerySet[Case], *, after: dt.date) -> dict[int, dt.date]:
    """The first trial hearing listed after `after` for each case: one query."""
    found: dict[int, dt.date] = {}
    for case_id, starts_at in (
        Hearing.objects.filter(case__in=cases.values("pk"), hearing_type=HearingType.TRIAL, starts_at__date__gt=after)
        .order_by("starts_at")
        .values_list("case_id", "starts_at")
    ):
        found.setdefault(case_id, starts_at.astimezone(LONDON).date())
    return found


def unit_forecast(
    cases: QuerySet[Case], *, today: dt.date, referral_multiplier: float = 1.0, seed: int = 0
) -> forecast.Forecast:
    return forecast.forecast(
        case_histories(cases),
        today=today,
        listed_trials=listed_trials(cases, after=today),
        referral_multiplier=referral_multiplier,
        seed=seed,
    )
