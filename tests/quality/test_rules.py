"""Pure IQA arithmetic and statistics: table-driven, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from casework.quality import rules
from casework.quality.question_sets import DEFAULT_SET, QuestionSetInvalid, validate

Q2 = rules.Quarter(2026, 2)  # 1 Apr – 30 Jun 2026: 91 days
PARAMS = rules.QuotaParams(per_quarter=2, long_absence_days=28)


def test_quarter_arithmetic() -> None:
    assert rules.Quarter.of(dt.date(2026, 5, 17)) == Q2
    assert (Q2.starts_on, Q2.ends_on, Q2.days) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30), 91)
    assert rules.Quarter.parse("2026-q1").previous().label == "2025-Q4"
    assert rules.Quarter(2025, 4).next().label == "2026-Q1"
    with pytest.raises(ValueError):
        rules.Quarter.parse("2026-Q5")


@pytest.mark.parametrize(
    ("fte", "absences", "expected"),
    [
        (Decimal("1.00"), [], 2),
        (Decimal("0.50"), [], 1),  # part-time: pro rata
        (Decimal("0.60"), [], 1),  # 1.2 rounds to 1
        (Decimal("0.80"), [], 2),  # 1.6 rounds to 2
        (Decimal("0.20"), [], 0),  # 0.4 rounds to 0
        (Decimal("1.00"), [(dt.date(2026, 4, 1), dt.date(2026, 4, 20))], 2),  # 20 days: not a long absence
        (Decimal("1.00"), [(dt.date(2026, 5, 17), dt.date(2026, 7, 31))], 1),  # 45 of 91 days away: 2 × 46/91 ≈ 1.01
        (Decimal("1.00"), [(dt.date(2026, 3, 1), dt.date(2026, 8, 1))], 0),  # away all quarter
        (
            Decimal("0.50"),
            [(dt.date(2026, 4, 1), dt.date(2026, 5, 15))],
            1,
        ),  # part-time and away: 2 × 0.5 × 46/91 = 0.51
        (Decimal("0.50"), [(dt.date(2026, 4, 1), dt.date(2026, 5, 31))], 0),  # 2 × 0.5 × 30/91 = 0.33
    ],
)
def test_quota(fte: Decimal, absences: list[tuple[dt.date, dt.date]], expected: int) -> None:
    absent = rules.long_absence_days_in(absences, Q2, PARAMS.long_absence_days)
    quota = rules.quota_for(fte=fte, absent_days=absent, quarter=Q2, params=PARAMS)
    assert quota.expected == expected, quota.explanation


def test_long_absence_days_counts_overlaps_once_and_clips_to_quarter() -> None:
    absences = [(dt.date(2026, 3, 1), dt.date(2026, 4, 10)), (dt.date(2026, 4, 5), dt.date(2026, 5, 10))]
    assert rules.long_absence_days_in(absences, Q2, 28) == 40  # 1 Apr – 10 May


def _days_marked(absences: list[tuple[dt.date, dt.date]], quarter: rules.Quarter, threshold: int) -> int:
    """The definition, day by day: each quarter day inside an absence at least `threshold` days long."""
    covered = set()
    for start, end in absences:
        if (end - start).days + 1 >= threshold:
            day = max(start, quarter.starts_on)
            while day <= min(end, quarter.ends_on):
                covered.add(day)
                day += dt.timedelta(days=1)
    return len(covered)


def test_long_absence_days_equal_marking_each_day_on_random_absences() -> None:
    import random

    rng = random.Random(62)
    for _ in range(3000):
        quarter = rules.Quarter(2026, rng.randint(1, 4))
        absences = []
        for _ in range(rng.randint(0, 5)):
            start = quarter.starts_on + dt.timedelta(days=rng.randint(-120, 100))
            absences.append((start, start + dt.timedelta(days=rng.choice([0, 6, 26, 27, 28, 40, 90, 200]))))
        threshold = rng.choice([1, 14, 28])
        assert rules.long_absence_days_in(absences, quarter, threshold) == _days_marked(absences, quarter, threshold)


def test_quota_explanation_states_the_arithmetic() -> None:
    quota = rules.quota_for(fte=Decimal("0.5"), absent_days=0, quarter=Q2, params=PARAMS)
    assert quota.explanation == "2 per quarter × FTE 0.50 = 1.00, rounded to 1"


CANDIDATES = [
    rules.Candidate(case_id, stage, kind, assessor_involved=(case_id == 7))
    for case_id, stage, kind in [
        (1, "charged", "fraud"),
        (2, "charged", "fraud"),
        (3, "charged", "fraud"),
        (4, "trial", "fraud"),
        (5, "trial", "drugs"),
        (6, "pre_charge", "drugs"),
        (7, "pre_charge", "homicide"),
        (8, "ptph", "drugs"),
    ]
]


def test_same_seed_same_sample_whatever_the_input_order() -> None:
    first = rules.draw_sample(CANDIDATES, 3, seed="s1")
    again = rules.draw_sample(list(reversed(CANDIDATES)), 3, seed="s1")
    assert [c.case_id for c in first] == [c.case_id for c in again]


def test_different_seeds_give_different_samples() -> None:
    samples = {tuple(c.case_id for c in rules.draw_sample(CANDIDATES, 2, seed=f"seed-{i}")) for i in range(20)}
    assert len(samples) > 3


def test_assessors_own_cases_and_exclusions_never_sampled() -> None:
    for i in range(50):
        chosen = {c.case_id for c in rules.draw_sample(CANDIDATES, 7, seed=str(i), exclude=[1])}
        assert 7 not in chosen and 1 not in chosen
        assert len(chosen) == 6  # every other eligible case


def test_sample_is_stratified_across_stage_and_case_type() -> None:
    strata = {c.stratum for c in CANDIDATES if not c.assessor_involved}
    for i in range(50):
        chosen = rules.draw_sample(CANDIDATES, len(strata), seed=str(i))
        # as many strata as cases: each stratum exactly once, though "charged / fraud" has 3 cases
        assert {c.stratum for c in chosen} == strata


def test_moderation_draw_is_deterministic_and_near_the_share() -> None:
    share = Decimal("0.10")
    picks = [rules.selected_for_moderation(assessment_id=i, seed="iqa", share=share) for i in range(1, 5001)]
    assert picks == [rules.selected_for_moderation(assessment_id=i, seed="iqa", share=share) for i in range(1, 5001)]
    assert 0.08 < sum(picks) / len(picks) < 0.12
    assert not any(rules.selected_for_moderation(assessment_id=i, seed="iqa", share=Decimal(0)) for i in range(100))


SPECS = [
    rules.QuestionSpec("a", ("fully_met", "partially_met", "not_met", "na"), ("fully_met", "na"), ("casework",), ()),
    rules.QuestionSpec("b", ("fully_met", "partially_met", "not_met", "na"), ("fully_met", "na"), ("advocacy",), ()),
    rules.QuestionSpec("c", ("fully_met", "not_met"), ("fully_met",), ("casework",), ("trial",)),
]


def test_answers_require_a_comment_unless_fully_met_or_na() -> None:
    answers = {"a": ("partially_met", "  ")}
    assert rules.answer_errors(SPECS, answers, kind="casework", stage="charged", complete=False) == {
        "a": ["Explain what was missing: a comment is required when not fully met"]
    }
    assert rules.answer_errors(SPECS, {"a": ("na", "")}, kind="casework", stage="charged", complete=True) == {}


def test_submission_needs_every_applicable_question_and_scale_is_per_question() -> None:
    errors = rules.answer_errors(SPECS, {}, kind="casework", stage="trial", complete=True)
    assert set(errors) == {"a", "c"}  # b is advocacy only
    errors = rules.answer_errors(
        SPECS, {"a": ("fully_met", ""), "c": ("partially_met", "x")}, kind="casework", stage="trial", complete=True
    )
    assert errors == {"c": ["Choose one of the answers offered"]}


def test_agreement_worked_example() -> None:
    f, p, n = "fully_met", "partially_met", "not_met"
    pairs = [(f, f), (f, f), (f, p), (p, p), (n, p), (f, f), (n, n), (p, f), (f, f), (f, n)]
    result = rules.agreement(pairs)
    # 6 of 10 agree. Chance agreement: first marker F .6 P .2 N .2; second F .5 P .3 N .2
    # p_e = .6×.5 + .2×.3 + .2×.2 = .40, so kappa = (.6 − .4) / (1 − .4) = 1/3.
    assert (result.pairs, result.agreed, result.rate) == (10, 6, 0.6)
    assert result.kappa == pytest.approx(1 / 3)
    by = rules.agreement_by([("q1", f, f), ("q1", f, p), ("q2", n, n)])
    assert (by["q1"].rate, by["q2"].rate) == (0.5, 1.0)
    assert by["q2"].kappa is None  # one category only: kappa undefined


def test_two_proportion_z_worked_example() -> None:
    # 45/50 fully met against 60/100: pooled .7, SE = sqrt(.7 × .3 × (1/50 + 1/100)) = .07937
    result = rules.two_proportion_z(45, 50, 60, 100)
    assert result is not None
    assert result.statistic == pytest.approx(3.7796, abs=1e-4)
    assert result.p_value == pytest.approx(0.000157, abs=2e-6)
    assert rules.two_proportion_z(0, 0, 1, 2) is None


def test_mcnemar_exact_worked_example() -> None:
    result = rules.mcnemar_exact(8, 1)  # P = 2 × (C(9,0) + C(9,1)) / 2^9 = 20/512
    assert result is not None and result.p_value == pytest.approx(20 / 512)
    assert rules.mcnemar_exact(3, 3).p_value == 1.0  # type: ignore[union-attr]


def _answers(assessor: str, fully: int, other: int) -> list[tuple[str, str]]:
    return [(assessor, "fully_met")] * fully + [(assessor, "partially_met")] * other


def test_lenient_assessor_is_flagged_and_fair_one_is_not() -> None:
    answers = _answers("lenient", 58, 2) + _answers("fair1", 36, 24) + _answers("fair2", 34, 26)
    moderated = [("lenient", "fully_met", "partially_met")] * 8 + [("lenient", "fully_met", "fully_met")] * 4
    moderated += [("fair1", "fully_met", "partially_met")] * 2 + [("fair1", "partially_met", "fully_met")] * 2
    results = {r.assessor_key: r for r in rules.leniency(answers, moderated)}
    assert results["lenient"].lenient_vs_peers and results["lenient"].lenient_vs_moderation
    assert results["lenient"].flagged
    assert not results["fair1"].flagged and not results["fair2"].flagged
    assert results["lenient"].rate == pytest.approx(58 / 60)


def test_score_and_feedback_timeliness() -> None:
    assert rules.score(["fully_met", "partially_met", "not_met", "na"]) == 0.5
    assert rules.score(["na"]) is None
    day = dt.date(2026, 3, 2)
    assert not rules.feedback_overdue(submitted_on=day, feedback_on=day + dt.timedelta(days=14), today=day, days=14)
    assert rules.feedback_overdue(submitted_on=day, feedback_on=None, today=day + dt.timedelta(days=15), days=14)


def test_default_question_set_is_valid_with_disclosure_section() -> None:
    validate(DEFAULT_SET)
    codes = [s["code"] for s in DEFAULT_SET["sections"]]
    assert codes == ["victims", "decisions", "preparation", "court", "disclosure"]
    with pytest.raises(QuestionSetInvalid):
        validate({**DEFAULT_SET, "sections": [{"code": "x", "questions": []}]})


def test_counted_score_and_leniency_equal_the_answer_by_answer_ones() -> None:
    """The analytics add up counts from the database: the floats must be exactly the same."""
    import itertools
    import random
    from collections import Counter

    rng = random.Random(3)
    values = ["fully_met", "partially_met", "not_met", "na"]
    for size in (0, 1, 2, 7, 31, 400):
        sample = [rng.choice(values) for _ in range(size)]
        counts = [sample.count(v) for v in values[:3]]
        assert rules.score_of_counts(*counts) == rules.score(sample)
    answers = [(f"Assessor {rng.randrange(4)}", rng.choice(values)) for _ in range(300)]
    moderated = [(f"Assessor {rng.randrange(5)}", rng.choice(values), rng.choice(values)) for _ in range(60)]
    counted: dict[str, tuple[int, int]] = {}
    for key, group in itertools.groupby(sorted(answers), key=lambda row: row[0]):
        given = [value for _, value in group]
        counted[key] = (sum(v != "na" for v in given), given.count("fully_met"))
    assert all(fully for _, fully in counted.values())
    weighted = [(*row, n) for row, n in Counter(moderated).items()]
    assert rules.leniency_of_counts(counted, weighted) == rules.leniency(answers, moderated)
    assert rules.agreement_by_counts(weighted) == rules.agreement_by(moderated)
