"""The Resource and Efficiency Model's arithmetic: pure functions, no ORM, no clock.

Complexity bands, REM record completeness and currency, capacity and weighted caseload points,
allocation ranking and unit resilience findings. Policy (weights, thresholds, points, targets)
arrives as a `Policy` built from a versioned row, so every result can say which version made it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from casework.core.words import have, plural

FACTORS = (
    "defendants",
    "victims",
    "witnesses",
    "pages_of_evidence",
    "unused_material_pages",
    "trial_estimate_days",
    "international_element",
    "media_interest",
    "offence_type",
    "custody",
)
FACTOR_LABELS = {
    "defendants": "defendants",
    "victims": "victims",
    "witnesses": "witnesses",
    "pages_of_evidence": "pages of evidence",
    "unused_material_pages": "pages of unused material",
    "trial_estimate_days": "trial days estimated",
    "international_element": "international",
    "media_interest": "media interest",
    "offence_type": "offence type",
    "custody": "defendants in custody",
}
BOOLEAN_FACTORS = frozenset({"international_element", "media_interest"})
ROLES = ("lead", "deputy", "paralegal", "manager")


class PolicyError(ValueError):
    """The policy data is malformed; raised at load so a bad version is never put in force."""


# --- policy --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    min_score: int
    points: int  # weighted caseload points of a case in this band


@dataclass(frozen=True)
class Policy:
    """One version of the REM policy (complexity weights, bands, points, targets)."""

    version: int
    source: str
    #: factor -> ascending list of (at least this many, points); booleans use [[1, points]].
    thresholds: Mapping[str, tuple[tuple[int, int], ...]]
    #: offence category code -> points (the highest matching category counts once).
    offence_points: Mapping[str, int]
    bands: tuple[Band, ...]  # ascending by min_score
    stage_weights: Mapping[str, Decimal]
    role_weights: Mapping[str, Decimal]
    grade_targets: Mapping[str, int]  # grade code -> points a full-time person carries at 100%
    default_target: int
    standard_hours: Decimal
    currency_days: int
    high_band_codes: frozenset[str]
    sources: Mapping[str, str] = field(default_factory=dict)

    def band(self, code: str) -> Band:
        return next(b for b in self.bands if b.code == code)


def _int_pairs(raw: Any, where: str) -> tuple[tuple[int, int], ...]:
    try:
        pairs = tuple((int(a), int(b)) for a, b in raw)
    except (TypeError, ValueError) as error:
        raise PolicyError(f"{where}: expected a list of [at least, points] pairs") from error
    if [a for a, _ in pairs] != sorted({a for a, _ in pairs}):
        raise PolicyError(f"{where}: thresholds must be strictly ascending")
    return pairs


def policy_from_data(data: Mapping[str, Any], *, version: int, source: str) -> Policy:
    """Validate and build a Policy from its stored JSON. Raises PolicyError on anything doubtful."""
    thresholds = {}
    for name, raw in (data.get("thresholds") or {}).items():
        if name not in FACTORS or name == "offence_type":
            raise PolicyError(f"unknown complexity factor {name!r}")
        thresholds[name] = _int_pairs(raw, f"thresholds.{name}")
    bands = tuple(
        Band(str(b["code"]), str(b["label"]), int(b["min_score"]), int(b["points"])) for b in data.get("bands") or ()
    )
    if not bands or bands[0].min_score != 0:
        raise PolicyError("bands: the lowest band must start at score 0")
    if [b.min_score for b in bands] != sorted({b.min_score for b in bands}):
        raise PolicyError("bands: min_score must be strictly ascending")
    role_weights = {k: Decimal(str(v)) for k, v in (data.get("role_weights") or {}).items()}
    if set(role_weights) != set(ROLES):
        raise PolicyError(f"role_weights: give exactly {', '.join(ROLES)}")
    high = frozenset(data.get("high_band_codes") or ())
    if not high <= {b.code for b in bands}:
        raise PolicyError("high_band_codes: name existing bands")
    return Policy(
        version=version,
        source=source,
        thresholds=thresholds,
        offence_points={str(k): int(v) for k, v in (data.get("offence_points") or {}).items()},
        bands=bands,
        stage_weights={k: Decimal(str(v)) for k, v in (data.get("stage_weights") or {}).items()},
        role_weights=role_weights,
        grade_targets={k: int(v) for k, v in (data.get("grade_targets") or {}).items()},
        default_target=int(data.get("default_target", 100)),
        standard_hours=Decimal(str(data.get("standard_hours", "37"))),
        currency_days=int(data.get("currency_days", 14)),
        high_band_codes=high,
        sources={str(k): str(v) for k, v in (data.get("sources") or {}).items()},
    )


# --- complexity bands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseComplexityFacts:
    defendants: int = 0
    victims: int = 0
    witnesses: int = 0
    pages_of_evidence: int = 0
    unused_material_pages: int = 0
    trial_estimate_days: int = 0
    international_element: bool = False
    media_interest: bool = False
    custody: int = 0
    offence_categories: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Contribution:
    factor: str
    value: Any
    points: int
    text: str


@dataclass(frozen=True)
class BandResult:
    band: Band
    score: int
    contributions: tuple[Contribution, ...]
    policy_version: int

    @property
    def explanation(self) -> str:
        """'High: 7 defendants +3, 40,000 pages of evidence +2, international +2 = 7 ≥ 6'."""
        parts = ", ".join(f"{c.text} +{c.points}" for c in self.contributions) or "no weighted factors"
        return f"{self.band.label}: {parts} = {self.score} ≥ {self.band.min_score}"


def _points_for(value: int, pairs: Sequence[tuple[int, int]]) -> int:
    points = 0
    for at_least, award in pairs:
        if value >= at_least:
            points = award
    return points


def complexity_band(facts: CaseComplexityFacts, policy: Policy) -> BandResult:
    """Score each factor against its thresholds, sum, and pick the highest band reached."""
    contributions: list[Contribution] = []
    for name in FACTORS:
        if name == "offence_type":
            matched = sorted(
                ((policy.offence_points[c], c) for c in facts.offence_categories if c in policy.offence_points),
                reverse=True,
            )
            if matched and matched[0][0]:
                points, code = matched[0]
                contributions.append(Contribution(name, code, points, f"offence type {code}"))
            continue
        pairs = policy.thresholds.get(name)
        if not pairs:
            continue
        raw = getattr(facts, name)
        value = int(bool(raw)) if name in BOOLEAN_FACTORS else int(raw or 0)
        points = _points_for(value, pairs)
        if points:
            text = FACTOR_LABELS[name] if name in BOOLEAN_FACTORS else f"{value:,} {FACTOR_LABELS[name]}"
            contributions.append(Contribution(name, raw, points, text))
    score = sum(c.points for c in contributions)
    band = policy.bands[0]
    for candidate in policy.bands:
        if score >= candidate.min_score:
            band = candidate
    return BandResult(band=band, score=score, contributions=tuple(contributions), policy_version=policy.version)


#: The numeric and yes/no complexity facts, in CaseComplexityFacts' order, as `band_for_values` reads them
#: (the offence type is scored from the case's categories instead).
FACT_FIELDS = tuple(name for name in FACTORS if name != "offence_type")


@dataclass(frozen=True)
class ScoreTable:
    """A policy's thresholds laid out for scoring many cases fast (no explanation text)."""

    #: (position in FACT_FIELDS, ascending thresholds, points for reaching each threshold)
    scorers: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]
    offence_points: Mapping[str, int]
    bands: tuple[Band, ...]


def score_table(policy: Policy) -> ScoreTable:
    scorers = []
    for name in FACTORS:
        pairs = policy.thresholds.get(name)
        if pairs and name != "offence_type":
            scorers.append((FACT_FIELDS.index(name), tuple(a for a, _ in pairs), tuple(b for _, b in pairs)))
    return ScoreTable(tuple(scorers), dict(policy.offence_points), tuple(policy.bands))


def fact_values(facts: CaseComplexityFacts) -> tuple[int, ...]:
    """The facts as `band_for_values` takes them: counts as ints, yes/no as 1/0."""
    return tuple(
        int(bool(getattr(facts, name))) if name in BOOLEAN_FACTORS else int(getattr(facts, name) or 0)
        for name in FACT_FIELDS
    )


def band_for_values(values: Sequence[int], offence_categories: Iterable[str], table: ScoreTable) -> Band:
    """The band `complexity_band` would give, without building its explanation: the bulk reports
    band tens of thousands of cases and need only the band."""
    score = 0
    for index, thresholds, awards in table.scorers:
        reached = bisect_right(thresholds, values[index])  # thresholds reached, as `_points_for` counts
        if reached:
            score += awards[reached - 1]
    offence = table.offence_points
    matched = [offence[c] for c in offence_categories if c in offence]
    if matched:
        score += max(matched)
    band = table.bands[0]
    for candidate in table.bands:
        if score >= candidate.min_score:
            band = candidate
    return band


def complexity_score_band(facts: CaseComplexityFacts, table: ScoreTable) -> Band:
    return band_for_values(fact_values(facts), facts.offence_categories, table)


# --- REM record completeness and currency ---------------------------------------------------------


@dataclass(frozen=True)
class RecordFacts:
    exists: bool
    stage: str
    stage_changed_on: dt.date | None
    updated_on: dt.date | None  # last time the REM record was saved or confirmed
    has_lead: bool
    has_estimate_for_stage: bool
    pages_recorded: bool
    counsel_answered: bool


@dataclass(frozen=True)
class CurrencyVerdict:
    complete: bool
    current: bool
    problems: tuple[str, ...]
    due_by: dt.date | None

    @property
    def ok(self) -> bool:
        return self.complete and self.current


def record_currency(facts: RecordFacts, *, today: dt.date, days: int) -> CurrencyVerdict:
    """Complete: lead, current-stage estimate, evidence volume, counsel answered. Current: saved on or
    after the last stage change, or the stage changed less than `days` days ago (still in grace)."""
    if not facts.exists:
        due = facts.stage_changed_on + dt.timedelta(days=days) if facts.stage_changed_on else None
        in_grace = due is not None and today <= due
        return CurrencyVerdict(False, in_grace, ("There is no REM record for the case.",), due)
    problems = []
    if not facts.has_lead:
        problems.append("no prosecutor is assigned")
    if not facts.has_estimate_for_stage:
        problems.append("no estimated hours for the current stage")
    if not facts.pages_recorded:
        problems.append("pages of evidence are not recorded")
    if not facts.counsel_answered:
        problems.append("whether counsel is instructed is not recorded")
    due = facts.stage_changed_on + dt.timedelta(days=days) if facts.stage_changed_on else None
    updated_since_change = facts.updated_on is not None and (
        facts.stage_changed_on is None or facts.updated_on >= facts.stage_changed_on
    )
    current = updated_since_change or (due is not None and today <= due)
    complete = not problems
    if not current and due is not None:
        problems.append(f"not updated within {days} days of the stage change (due by {due:%d %B %Y})")
    return CurrencyVerdict(complete, current, tuple(problems), due)


# --- capacity and points --------------------------------------------------------------------------


@dataclass(frozen=True)
class Reduction:
    kind: str
    starts_on: dt.date
    ends_on: dt.date
    hours_per_week: Decimal | None  # None: a full absence
    reason: str


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def available_hours(*, contracted_hours: Decimal, reductions: Iterable[Reduction], on: dt.date) -> Decimal:
    """Weekly hours available on a date: contracted hours less reductions in force that day. A full
    absence that day leaves nothing; a reduction past its expiry no longer counts."""
    hours = Decimal(contracted_hours)
    for item in reductions:
        if not item.starts_on <= on <= item.ends_on:
            continue
        if item.hours_per_week is None:
            return Decimal("0.00")
        hours -= Decimal(item.hours_per_week)
    return _q(max(hours, Decimal("0")))


def available_points(*, target: int, contracted_hours: Decimal, hours_available: Decimal, standard: Decimal) -> Decimal:
    """Probation-style: target × (contracted ÷ standard) × (available ÷ contracted)."""
    if contracted_hours <= 0 or standard <= 0:
        return Decimal("0.00")
    return _q(Decimal(target) * (Decimal(contracted_hours) / standard) * (hours_available / Decimal(contracted_hours)))


def case_points(*, band: Band, stage: str, role: str, policy: Policy) -> Decimal:
    """Points one case puts on one person: band points × stage weight × role weight."""
    return _q(Decimal(band.points) * policy.stage_weights.get(stage, Decimal("0")) * policy.role_weights[role])


def capacity_percent(workload: Decimal, available: Decimal) -> int | None:
    """Workload as a share of available points; None when nobody is available to carry it."""
    if available <= 0:
        return None
    return int(_q(workload * 100 / available).to_integral_value(rounding=ROUND_HALF_UP))


# --- allocation help ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    grade_code: str
    grade_seniority: int
    is_legal: bool
    specialisms: frozenset[str]
    capacity_percent: int | None
    absent_on: tuple[dt.date, ...]  # key dates that fall in their leave
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: int
    suitable: bool
    reasons: tuple[str, ...]


def rank_candidates(
    candidates: Iterable[Candidate], *, wanted_specialisms: frozenset[str], min_seniority: int
) -> list[Ranked]:
    """Order who could lead a case: unsuitable last (conflict, not a lawyer, below grade, no capacity
    figure); then more headroom, specialism match and fewer clashes with key dates first."""
    ranked = []
    for c in candidates:
        reasons: list[str] = []
        suitable = True
        score = 0
        if c.conflicts:
            suitable = False
            reasons.extend(f"Conflict: {text}" for text in c.conflicts)
        if not c.is_legal:
            suitable = False
            reasons.append("Not a lawyer grade")
        elif c.grade_seniority < min_seniority:
            suitable = False
            reasons.append("Grade below what the case's band needs")
        if c.capacity_percent is None:
            suitable = False
            reasons.append("No available hours (absent or no contracted hours)")
        else:
            headroom = 100 - c.capacity_percent
            score += headroom
            reasons.append(
                f"Capacity {c.capacity_percent}% ({'headroom' if headroom >= 0 else 'over'} {abs(headroom)})"
            )
        matched = sorted(c.specialisms & wanted_specialisms)
        if matched:
            score += 25 * len(matched)
            reasons.append(f"Specialism: {', '.join(matched)} (+{25 * len(matched)})")
        if c.absent_on:
            score -= 40 * len(c.absent_on)
            dates = ", ".join(f"{d.day} {d:%B %Y}" for d in c.absent_on)
            on = "a key date" if len(c.absent_on) == 1 else "key dates"
            reasons.append(f"On leave on {on}: {dates} (−{40 * len(c.absent_on)})")
        ranked.append(Ranked(c, score, suitable, tuple(reasons)))
    return sorted(ranked, key=lambda r: (not r.suitable, -r.score, r.candidate.name))


# --- staffing composition and resilience ------------------------------------------------------------


@dataclass(frozen=True)
class StaffFact:
    person_id: int
    grade_code: str
    seniority: int
    is_legal: bool
    is_manager: bool
    line_manager_id: int | None


class CaseLoadFact(NamedTuple):
    """One open case as the resilience checks see it (a named tuple: a unit report makes one per case)."""

    case_id: int
    urn: str
    lead_id: int | None
    deputy_id: int | None
    band_code: str
    custody: bool


@dataclass(frozen=True)
class KeyDateFact:
    case_id: int
    urn: str
    what: str
    on: dt.date
    lead_id: int | None
    lead_absent: bool
    deputy_available: bool


@dataclass(frozen=True)
class Finding:
    kind: str
    severity: str  # "high" | "medium"
    text: str
    case_ids: tuple[int, ...] = ()
    person_id: int | None = None


@dataclass(frozen=True)
class Composition:
    headcount: int
    grade_mix: dict[str, int]
    managers: int
    largest_span: int
    senior_lawyers: int
    junior_staff: int

    @property
    def senior_to_junior(self) -> str:
        return f"1:{self.junior_staff / self.senior_lawyers:.1f}" if self.senior_lawyers else "no senior lawyers"


SENIOR_SENIORITY = 70  # Senior Crown Prosecutor (Grade 7) and above


def composition(staff: Sequence[StaffFact]) -> Composition:
    spans = Counter(s.line_manager_id for s in staff if s.line_manager_id)
    return Composition(
        headcount=len(staff),
        grade_mix=dict(sorted(Counter(s.grade_code or "ungraded" for s in staff).items())),
        managers=sum(1 for s in staff if s.is_manager),
        largest_span=max(spans.values(), default=0),
        senior_lawyers=sum(1 for s in staff if s.is_legal and s.seniority >= SENIOR_SENIORITY),
        junior_staff=sum(1 for s in staff if s.seniority < SENIOR_SENIORITY),
    )


def resilience_findings(
    *,
    cases: Sequence[CaseLoadFact],
    key_dates: Sequence[KeyDateFact],
    high_band_codes: frozenset[str],
    concentration_share: Decimal = Decimal("0.5"),
    min_cases_for_concentration: int = 3,
) -> list[Finding]:
    """Single points of failure: open cases with a lead but no deputy; one person holding at least
    `concentration_share` of the unit's high-band or custody cases; key dates in the lead's leave
    with no deputy available to cover."""
    findings: list[Finding] = []
    no_deputy = tuple(c.case_id for c in cases if c.lead_id and not c.deputy_id)
    if no_deputy:
        findings.append(
            Finding(
                "no_deputy",
                "medium",
                f"{plural(len(no_deputy), 'case')} {have(len(no_deputy))} a prosecutor but no deputy.",
                no_deputy,
            )
        )
    for label, selected in (
        ("high-band", [c for c in cases if c.band_code in high_band_codes]),
        ("custody", [c for c in cases if c.custody]),
    ):
        held = Counter(c.lead_id for c in selected if c.lead_id)
        total = len(selected)
        if total < min_cases_for_concentration:
            continue
        for person_id, count in held.items():
            if Decimal(count) / total >= concentration_share:
                findings.append(
                    Finding(
                        f"concentration_{label.replace('-', '_')}",
                        "high",
                        f"One lawyer leads {count} of the unit's {total} {label} cases ({count * 100 // total}%).",
                        tuple(c.case_id for c in selected if c.lead_id == person_id),
                        person_id,
                    )
                )
    for kd in key_dates:
        if kd.lead_absent and not kd.deputy_available:
            findings.append(
                Finding(
                    "key_date_uncovered",
                    "high",
                    f"{kd.urn}: {kd.what} on {kd.on.day} {kd.on:%B %Y} falls in the prosecutor's leave "
                    "with no deputy to cover.",
                    (kd.case_id,),
                    kd.lead_id,
                )
            )
    return findings


# --- what-if scenarios ----------------------------------------------------------------------------

MAX_FTE_CHANGE = Decimal("50")
MAX_REFERRAL_CHANGE = Decimal("200")


@dataclass(frozen=True)
class StaffChange:
    grade_code: str
    fte: Decimal  # positive adds, negative removes


@dataclass(frozen=True)
class Move:
    """Move a police force's cases (`ref` is the force code) or one case (`ref` is its URN) to a unit."""

    kind: str  # "force" | "case"
    ref: str
    to_unit: str


@dataclass(frozen=True)
class ScenarioChanges:
    staff: tuple[StaffChange, ...] = ()
    referral_change_percent: Decimal = Decimal("0")
    moves: tuple[Move, ...] = ()
    #: Fill the unit's open vacancies (each becomes a staff addition of its grade and FTE).
    fill_vacancies: bool = False

    def as_data(self) -> dict[str, Any]:
        return {
            "staff": [{"grade": s.grade_code, "fte": str(s.fte)} for s in self.staff],
            "referral_change_percent": str(self.referral_change_percent),
            "moves": [{"kind": m.kind, "ref": m.ref, "to_unit": m.to_unit} for m in self.moves],
            "fill_vacancies": self.fill_vacancies,
        }


def scenario_changes_from(data: Mapping[str, Any], *, grade_codes: Iterable[str]) -> ScenarioChanges:
    """Validate stored or submitted scenario changes; ValueError names the first problem."""
    grades = set(grade_codes)
    staff = []
    for item in data.get("staff") or ():
        code = str(item.get("grade", ""))
        if code not in grades:
            raise ValueError(f"Unknown grade {code!r}.")
        try:
            fte = Decimal(str(item.get("fte")))
        except ArithmeticError as error:
            raise ValueError(f"FTE for {code} must be a number.") from error
        if not fte.is_finite() or fte == 0 or abs(fte) > MAX_FTE_CHANGE:
            raise ValueError(f"FTE change for {code} must be non-zero and at most {MAX_FTE_CHANGE} either way.")
        staff.append(StaffChange(code, fte.quantize(Decimal("0.01"))))
    try:
        percent = Decimal(str(data.get("referral_change_percent") or "0"))
    except ArithmeticError as error:
        raise ValueError("The referral volume change must be a percentage.") from error
    if not percent.is_finite() or not -100 <= percent <= MAX_REFERRAL_CHANGE:
        raise ValueError(f"The referral volume change must be between -100% and +{MAX_REFERRAL_CHANGE}%.")
    moves = []
    for item in data.get("moves") or ():
        kind, ref, to_unit = str(item.get("kind", "")), str(item.get("ref", "")).strip(), str(item.get("to_unit", ""))
        if kind not in ("force", "case") or not ref or not to_unit:
            raise ValueError("Each move needs a force code or case URN and a destination unit.")
        moves.append(Move(kind, ref, to_unit))
    return ScenarioChanges(
        tuple(staff), percent.quantize(Decimal("0.1")), tuple(moves), fill_vacancies=bool(data.get("fill_vacancies"))
    )


@dataclass(frozen=True)
class VacancyFact:
    grade_code: str
    fte: Decimal


@dataclass(frozen=True)
class VacancyEffect:
    """A unit's capacity used now and if its open vacancies were filled (at each grade's target)."""

    vacant_fte: Decimal
    points_if_filled: Decimal
    percent_now: int | None
    percent_if_filled: int | None


def vacancy_effect(
    *,
    workload: Decimal,
    available: Decimal,
    vacancies: Sequence[VacancyFact],
    targets: Mapping[str, int],
    default_target: int,
) -> VacancyEffect:
    """Filling a post adds target × FTE available points, as a scenario's staff addition does."""
    added = sum((Decimal(targets.get(v.grade_code, default_target)) * v.fte for v in vacancies), Decimal("0"))
    return VacancyEffect(
        vacant_fte=_q(sum((v.fte for v in vacancies), Decimal("0"))),
        points_if_filled=_q(added),
        percent_now=capacity_percent(workload, available),
        percent_if_filled=capacity_percent(workload, available + added),
    )


@dataclass(frozen=True)
class GradeLoad:
    grade_code: str
    grade_name: str
    fte: Decimal
    workload: Decimal
    available: Decimal

    @property
    def percent(self) -> int | None:
        return capacity_percent(self.workload, self.available)


@dataclass(frozen=True)
class GradeComparison:
    baseline: GradeLoad
    scenario: GradeLoad

    @property
    def change(self) -> int | None:
        if self.baseline.percent is None or self.scenario.percent is None:
            return None
        return self.scenario.percent - self.baseline.percent


def scenario_grades(
    baseline: Sequence[GradeLoad],
    *,
    changes: ScenarioChanges,
    grade_names: Mapping[str, str],
    targets: Mapping[str, int],
    default_target: int,
    moved_out: Mapping[str, Decimal],
    moved_in: Mapping[str, Decimal],
) -> list[GradeComparison]:
    """Capacity by grade under the scenario. Staff changes add or remove target × FTE available points;
    moved cases take their points off (or bring them to) the grade holding each role; a referral
    volume change scales the remaining workload by the same percentage (at steady state the caseload
    is proportional to the arrival rate: Little's law)."""
    by_code = {g.grade_code: g for g in baseline}
    fte_change: dict[str, Decimal] = {}
    for s in changes.staff:
        fte_change[s.grade_code] = fte_change.get(s.grade_code, Decimal("0")) + s.fte
    codes = sorted(set(by_code) | set(fte_change) | set(moved_in), key=lambda c: grade_names.get(c, c))
    factor = 1 + changes.referral_change_percent / 100
    result = []
    for code in codes:
        base = by_code.get(code) or GradeLoad(
            code, grade_names.get(code, code), Decimal("0"), Decimal("0"), Decimal("0")
        )
        delta = fte_change.get(code, Decimal("0"))
        fte = max(base.fte + delta, Decimal("0"))
        available = max(base.available + Decimal(targets.get(code, default_target)) * delta, Decimal("0"))
        workload = max(base.workload - moved_out.get(code, Decimal("0")) + moved_in.get(code, Decimal("0")), Decimal(0))
        result.append(
            GradeComparison(base, GradeLoad(code, base.grade_name, _q(fte), _q(workload * factor), _q(available)))
        )
    return result
