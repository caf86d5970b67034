"""IQA arithmetic and statistics. Pure: no ORM, no clock; dates, facts and parameters in.

- Quarters and the quota (pro rata by FTE, reduced for long absence).
- Reproducible stratified sampling and the moderation draw.
- Answer validation (comment required when not fully met).
- Agreement between first and second marking; assessor leniency tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FULLY_MET, PARTIALLY_MET, NOT_MET, NA = "fully_met", "partially_met", "not_met", "na"
#: Score of each answer for "scores by standard": the share of the standard met.
ANSWER_SCORE = {FULLY_MET: 1.0, PARTIALLY_MET: 0.5, NOT_MET: 0.0}


# --- quarters -----------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, label: str) -> Quarter:
        try:
            year, q = label.upper().split("-Q")
            quarter = cls(int(year), int(q))
        except ValueError:
            raise ValueError(f"{label!r} is not a quarter like 2026-Q1") from None
        if not 1 <= quarter.number <= 4:
            raise ValueError(f"{label!r} is not a quarter like 2026-Q1")
        return quarter

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_on(self) -> dt.date:
        return self.next().starts_on - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


# --- quota --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaParams:
    per_quarter: int = 2
    long_absence_days: int = 28


@dataclass(frozen=True)
class Quota:
    expected: int
    explanation: str


def long_absence_days_in(absences: Iterable[tuple[dt.date, dt.date]], quarter: Quarter, threshold: int) -> int:
    """Days of the quarter covered by full absences that are each at least `threshold` days long.

    Short absences (a week's leave) do not reduce the quota: the quarter leaves time around them.
    Overlapping periods are counted once.
    """
    # The long absences clipped to the quarter, merged where they overlap or touch, then measured:
    # the same count as marking each covered day, without a step per day.
    first, last = quarter.starts_on, quarter.ends_on
    spans = sorted(
        (max(start, first), min(end, last)) for start, end in absences if (end - start).days + 1 >= threshold
    )
    days = 0
    current: tuple[dt.date, dt.date] | None = None
    for start, end in spans:
        if start > end:  # outside the quarter
            continue
        if current is not None and start <= current[1] + dt.timedelta(days=1):
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            days += (current[1] - current[0]).days + 1
        current = (start, end)
    if current is not None:
        days += (current[1] - current[0]).days + 1
    return days


def quota_for(*, fte: Decimal, absent_days: int, quarter: Quarter, params: QuotaParams) -> Quota:
    """expected = round_half_up(per_quarter × FTE × (1 − long-absence days ÷ days in quarter))."""
    available = Decimal(max(quarter.days - absent_days, 0)) / Decimal(quarter.days)
    raw = Decimal(params.per_quarter) * Decimal(fte) * available
    expected = int(raw.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    parts = [f"{params.per_quarter} per quarter", f"× FTE {Decimal(fte):.2f}"]
    if absent_days:
        parts.append(f"× {quarter.days - absent_days}/{quarter.days} days available (long absence)")
    return Quota(expected, f"{' '.join(parts)} = {raw:.2f}, rounded to {expected}")


# --- sampling -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    case_id: int
    stage: str
    case_type: str
    assessor_involved: bool = False  # the assessor is a lawyer on the case: not theirs to assess

    @property
    def stratum(self) -> str:
        return f"{self.stage} / {self.case_type}"


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def draw_sample(
    candidates: Sequence[Candidate], size: int, *, seed: str, exclude: Iterable[int] = ()
) -> list[Candidate]:
    """A reproducible stratified sample: the same candidates and seed always give the same cases.

    Strata are (stage, case type). They are visited in a seeded random order, taking one seeded
    random case from each in turn, so a sample of n covers n different strata where it can
    (a quota of 2 should not be two cases at the same stage). The assessor's own cases and any
    case in `exclude` never appear. Input order does not matter.
    """
    excluded = set(exclude)
    eligible = sorted(
        (c for c in candidates if not c.assessor_involved and c.case_id not in excluded), key=lambda c: c.case_id
    )
    rng = _rng(seed, "sample")
    strata: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in eligible:
        strata[candidate.stratum].append(candidate)
    for members in strata.values():
        rng.shuffle(members)
    order = sorted(strata)
    rng.shuffle(order)
    chosen: list[Candidate] = []
    while len(chosen) < size and any(strata[key] for key in order):
        for key in order:
            if strata[key] and len(chosen) < size:
                chosen.append(strata[key].pop())
    return chosen


def selected_for_moderation(*, assessment_id: int, seed: str, share: Decimal) -> bool:
    """A deterministic draw an assessor cannot predict without the policy seed: each assessment is
    second-marked with probability `share`."""
    digest = hashlib.sha256(f"{seed}:moderation:{assessment_id}".encode()).hexdigest()
    return Decimal(int(digest[:12], 16)) / Decimal(16**12) < share


# --- answers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    code: str
    scale: tuple[str, ...]
    comment_not_needed_for: tuple[str, ...]
    kinds: tuple[str, ...]
    stages: tuple[str, ...]

    def applies(self, kind: str, stage: str) -> bool:
        return kind in self.kinds and (not self.stages or stage in self.stages)


def answer_errors(
    questions: Sequence[QuestionSpec], answers: Mapping[str, tuple[str, str]], *, kind: str, stage: str, complete: bool
) -> dict[str, list[str]]:
    """Problems with a set of answers {question code: (value, comment)}, per question code.

    `complete`: every applicable question must be answered (on submission; drafts may be partial).
    """
    errors: dict[str, list[str]] = {}
    for question in questions:
        if not question.applies(kind, stage):
            continue
        value, comment = answers.get(question.code, ("", ""))
        if not value:
            if complete:
                errors[question.code] = ["Choose an answer"]
            continue
        if value not in question.scale:
            errors[question.code] = ["Choose one of the answers offered"]
        elif value not in question.comment_not_needed_for and not comment.strip():
            errors[question.code] = ["Explain what was missing: a comment is required when not fully met"]
    return errors


# --- agreement between first and second marking ------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    pairs: int
    agreed: int
    kappa: float | None  # Cohen's kappa; None when undefined (all answers one category)

    @property
    def rate(self) -> float | None:
        return self.agreed / self.pairs if self.pairs else None


def agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """Exact agreement and Cohen's kappa over (first, second) answer pairs."""
    return agreement_of_counts(Counter(pairs))


def agreement_of_counts(pairs: Mapping[tuple[str, str], int]) -> Agreement:
    """`agreement` from how many times each (first, second) pair was given."""
    n = sum(pairs.values())
    if not n:
        return Agreement(0, 0, None)
    agreed = sum(count for (first, second), count in pairs.items() if first == second)
    firsts: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    for (first, second), count in pairs.items():
        firsts[first] += count
        seconds[second] += count
    # In a fixed order: float sums depend on it, and a set's order can change from run to run.
    categories = sorted(firsts.keys() | seconds.keys())
    expected = sum((firsts[c] / n) * (seconds[c] / n) for c in categories)
    observed = agreed / n
    kappa = None if math.isclose(expected, 1.0) else (observed - expected) / (1 - expected)
    return Agreement(n, agreed, kappa)


def agreement_by(rows: Iterable[tuple[str, str, str]]) -> dict[str, Agreement]:
    """Agreement per key from (key, first, second) rows (key: question code or assessor)."""
    return agreement_by_counts((key, first, second, 1) for key, first, second in rows)


def agreement_by_counts(rows: Iterable[tuple[str, str, str, int]]) -> dict[str, Agreement]:
    """`agreement_by` from (key, first, second, how many) rows."""
    grouped: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for key, first, second, count in rows:
        grouped[key][(first, second)] += count
    return {key: agreement_of_counts(pairs) for key, pairs in sorted(grouped.items())}


# --- statistical tests --------------------------------------------------------------------------


def normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class TestResult:
    statistic: float
    p_value: float


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> TestResult | None:
    """Two-sided two-proportion z-test with pooled variance. None when it cannot be computed."""
    if not n1 or not n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return None
    z = (x1 / n1 - x2 / n2) / math.sqrt(variance)
    return TestResult(z, normal_two_sided_p(z))


def mcnemar_exact(b: int, c: int) -> TestResult | None:
    """Exact (binomial) McNemar test on discordant pairs: b = first marker fully met and second
    not; c = the reverse. Two-sided p = min(1, 2 × P(X ≤ min(b, c))), X ~ Bin(b + c, ½)."""
    n = b + c
    if not n:
        return None
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n
    return TestResult(float(b - c), min(1.0, 2 * tail))


@dataclass(frozen=True)
class Leniency:
    assessor_key: str
    answered: int
    fully_met: int
    peer_answered: int
    peer_fully_met: int
    peer_test: TestResult | None
    moderated_pairs: int
    lenient_pairs: int  # assessor fully met, moderator not
    severe_pairs: int  # moderator fully met, assessor not
    moderation_test: TestResult | None
    alpha: float

    @property
    def rate(self) -> float | None:
        return self.fully_met / self.answered if self.answered else None

    @property
    def peer_rate(self) -> float | None:
        return self.peer_fully_met / self.peer_answered if self.peer_answered else None

    @property
    def lenient_vs_peers(self) -> bool:
        return bool(self.peer_test and self.peer_test.p_value < self.alpha and self.peer_test.statistic > 0)

    @property
    def lenient_vs_moderation(self) -> bool:
        return bool(
            self.moderation_test
            and self.moderation_test.p_value < self.alpha
            and self.lenient_pairs > self.severe_pairs
        )

    @property
    def flagged(self) -> bool:
        return self.lenient_vs_peers or self.lenient_vs_moderation


def leniency(
    answers: Iterable[tuple[str, str]], moderated: Iterable[tuple[str, str, str]], *, alpha: float = 0.05
) -> list[Leniency]:
    """Per assessor: fully-met rate against all other assessors' answers (two-proportion z-test)
    and against second markers on the same questions (exact McNemar test).

    answers: (assessor key, answer) for every applicable answer (N/A excluded by the caller);
    moderated: (assessor key, first answer, second answer) for second-marked questions.
    """
    counts: dict[str, tuple[int, int]] = {}
    for key, value in answers:
        if value == NA:
            continue
        answered, fully_met = counts.get(key, (0, 0))
        counts[key] = (answered + 1, fully_met + (value == FULLY_MET))
    return leniency_of_counts(counts, ((key, first, second, 1) for key, first, second in moderated), alpha=alpha)


def leniency_of_counts(
    counts: Mapping[str, tuple[int, int]], moderated: Iterable[tuple[str, str, str, int]], *, alpha: float = 0.05
) -> list[Leniency]:
    """`leniency` from each assessor's answers already counted: (answered, fully met), N/A left out,
    and the second-marked pairs as (assessor key, first, second, how many). What the analytics use,
    so 100,000 answers are counted by the database, not one by one here."""
    discordant: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, first, second, count in moderated:
        if NA in (first, second):
            continue
        discordant[key][0] += count
        discordant[key][1] += count * (first == FULLY_MET and second != FULLY_MET)
        discordant[key][2] += count * (second == FULLY_MET and first != FULLY_MET)
    total_n = sum(n for n, _ in counts.values())
    total_x = sum(x for _, x in counts.values())
    results = []
    for key in sorted(set(counts) | set(discordant)):
        n, x = counts.get(key, (0, 0))
        pairs, lenient, severe = discordant[key]
        results.append(
            Leniency(
                assessor_key=key,
                answered=n,
                fully_met=x,
                peer_answered=total_n - n,
                peer_fully_met=total_x - x,
                peer_test=two_proportion_z(x, n, total_x - x, total_n - n),
                moderated_pairs=pairs,
                lenient_pairs=lenient,
                severe_pairs=severe,
                moderation_test=mcnemar_exact(lenient, severe),
                alpha=alpha,
            )
        )
    return results


# --- scores and timeliness ----------------------------------------------------------------------


def score(values: Iterable[str]) -> float | None:
    """Mean answer score (fully 1, partially ½, not met 0), N/A ignored; None if nothing applies."""
    scored = [ANSWER_SCORE[v] for v in values if v in ANSWER_SCORE]
    return sum(scored) / len(scored) if scored else None


def score_of_counts(fully_met: int, partially_met: int, not_met: int) -> float | None:
    """`score` from the answers already counted by kind: the same float (halves add up exactly)."""
    scored = fully_met + partially_met + not_met
    return (fully_met + partially_met * 0.5) / scored if scored else None


def feedback_overdue(*, submitted_on: dt.date, feedback_on: dt.date | None, today: dt.date, days: int) -> bool:
    """Feedback given late, or still not given after the allowed days."""
    due = submitted_on + dt.timedelta(days=days)
    return (feedback_on or today) > due


# --- editing a draft that changed meanwhile --------------------------------------------------------


def draft_changes(loaded: Mapping[str, Sequence[str]], current: Mapping[str, Sequence[str]]) -> list[str]:
    """The keys (question codes, "summary") whose saved value differs from what the user loaded, in
    the current draft's order: exactly what someone else saved since. A missing key is an empty one."""

    def value(snapshot: Mapping[str, Sequence[str]], key: str) -> tuple[str, ...]:
        parts = tuple(snapshot.get(key, ()))
        return parts if any(parts) else ()

    keys = list(current) + [key for key in loaded if key not in current]
    return [key for key in keys if value(loaded, key) != value(current, key)]
