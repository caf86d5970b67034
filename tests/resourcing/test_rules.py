"""Pure REM arithmetic: bands and their explanations, policy validation and versioning, currency,
capacity (part-time, leave, reductions expiring), points, allocation ranking and resilience."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from casework.resourcing import rules
from casework.resourcing.policy_data import POLICY_V1

POLICY = rules.policy_from_data(POLICY_V1, version=1, source="test")
D = dt.date


def test_band_explains_itself() -> None:
    facts = rules.CaseComplexityFacts(defendants=7, pages_of_evidence=40_000, international_element=True)
    result = rules.complexity_band(facts, POLICY)
    assert result.score == 7
    assert result.band.code == "medium"
    assert result.explanation == "Medium: 7 defendants +3, 40,000 pages of evidence +2, international +2 = 7 ≥ 4"


@pytest.mark.parametrize(
    ("facts", "score", "band"),
    [
        (rules.CaseComplexityFacts(), 0, "standard"),
        (rules.CaseComplexityFacts(defendants=1), 0, "standard"),
        (rules.CaseComplexityFacts(defendants=2, media_interest=True, custody=1, trial_estimate_days=10), 4, "medium"),
        (
            rules.CaseComplexityFacts(
                defendants=6,
                pages_of_evidence=100_000,
                international_element=True,
                offence_categories=frozenset({"homicide", "fraud"}),
            ),
            10,
            "high",
        ),
        (
            rules.CaseComplexityFacts(
                defendants=6,
                pages_of_evidence=100_000,
                unused_material_pages=50_000,
                trial_estimate_days=40,
                international_element=True,
            ),
            13,
            "very_high",
        ),
    ],
)
def test_band_thresholds(facts: rules.CaseComplexityFacts, score: int, band: str) -> None:
    result = rules.complexity_band(facts, POLICY)
    assert (result.score, result.band.code) == (score, band)


def test_offence_type_counts_highest_category_once() -> None:
    result = rules.complexity_band(
        rules.CaseComplexityFacts(offence_categories=frozenset({"homicide", "fraud"})), POLICY
    )
    assert [(c.factor, c.value, c.points) for c in result.contributions] == [("offence_type", "homicide", 2)]


def test_new_policy_version_changes_band_and_records_version() -> None:
    data = copy.deepcopy(POLICY_V1)
    data["bands"][1]["min_score"] = 8  # medium now needs 8
    data["bands"][2]["min_score"] = 10
    v2 = rules.policy_from_data(data, version=2, source="test")
    facts = rules.CaseComplexityFacts(defendants=7, pages_of_evidence=40_000, international_element=True)
    assert rules.complexity_band(facts, POLICY).band.code == "medium"
    after = rules.complexity_band(facts, v2)
    assert (after.band.code, after.policy_version) == ("standard", 2)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["thresholds"].update(defendants=[[4, 2], [2, 1]]),
        lambda d: d["thresholds"].update(shoe_size=[[1, 1]]),
        lambda d: d["bands"][0].update(min_score=1),
        lambda d: d["role_weights"].pop("deputy"),
        lambda d: d.update(high_band_codes=["enormous"]),
    ],
)
def test_malformed_policy_is_refused(mutate) -> None:
    data = copy.deepcopy(POLICY_V1)
    mutate(data)
    with pytest.raises(rules.PolicyError):
        rules.policy_from_data(data, version=9, source="test")


# --- currency -----------------------------------------------------------------------------------


def _rec(**kw) -> rules.RecordFacts:
    base = dict(
        exists=True,
        stage="charged",
        stage_changed_on=D(2026, 5, 1),
        updated_on=D(2026, 5, 2),
        has_lead=True,
        has_estimate_for_stage=True,
        pages_recorded=True,
        counsel_answered=True,
    )
    return rules.RecordFacts(**{**base, **kw})


def test_record_complete_and_current() -> None:
    assert rules.record_currency(_rec(), today=D(2026, 6, 1), days=14).ok


def test_record_stale_after_stage_change_grace() -> None:
    stale = _rec(updated_on=D(2026, 4, 20))
    within = rules.record_currency(stale, today=D(2026, 5, 15), days=14)
    assert within.current and within.ok
    late = rules.record_currency(stale, today=D(2026, 5, 16), days=14)
    assert not late.current and late.complete
    assert "not updated within 14 days of the stage change (due by 15 May 2026)" in late.problems


def test_record_incomplete_lists_what_is_missing() -> None:
    verdict = rules.record_currency(
        _rec(has_estimate_for_stage=False, counsel_answered=False), today=D(2026, 5, 3), days=14
    )
    assert not verdict.complete and verdict.current
    assert verdict.problems == (
        "no estimated hours for the current stage",
        "whether counsel is instructed is not recorded",
    )


def test_missing_record_is_in_grace_then_due() -> None:
    missing = _rec(exists=False, updated_on=None)
    assert rules.record_currency(missing, today=D(2026, 5, 10), days=14).current
    assert not rules.record_currency(missing, today=D(2026, 5, 16), days=14).current


# --- capacity -------------------------------------------------------------------------------------


def test_part_time_pro_rata_points() -> None:
    hours = rules.available_hours(contracted_hours=Decimal("22.2"), reductions=[], on=D(2026, 5, 1))
    assert hours == Decimal("22.20")
    points = rules.available_points(
        target=100, contracted_hours=Decimal("22.2"), hours_available=hours, standard=Decimal("37")
    )
    assert points == Decimal("60.00")  # 0.6 FTE of a 100-point target


def test_reduction_counts_until_it_expires() -> None:
    training = rules.Reduction("training", D(2026, 5, 1), D(2026, 5, 31), Decimal("7.4"), "Advocacy course")
    during = rules.available_hours(contracted_hours=Decimal("37"), reductions=[training], on=D(2026, 5, 31))
    after = rules.available_hours(contracted_hours=Decimal("37"), reductions=[training], on=D(2026, 6, 1))
    assert (during, after) == (Decimal("29.60"), Decimal("37.00"))
    assert rules.available_points(
        target=120, contracted_hours=Decimal("37"), hours_available=during, standard=Decimal("37")
    ) == Decimal("96.00")


def test_full_absence_leaves_nothing_and_capacity_is_undefined() -> None:
    leave = rules.Reduction("annual_leave", D(2026, 5, 4), D(2026, 5, 8), None, "Leave")
    hours = rules.available_hours(contracted_hours=Decimal("37"), reductions=[leave], on=D(2026, 5, 6))
    assert hours == Decimal("0.00")
    assert rules.capacity_percent(Decimal("50"), Decimal("0")) is None


def test_case_points_band_stage_role() -> None:
    high = POLICY.band("high")
    assert rules.case_points(band=high, stage="trial", role="lead", policy=POLICY) == Decimal("45.00")
    assert rules.case_points(band=high, stage="trial", role="deputy", policy=POLICY) == Decimal("22.50")
    assert rules.case_points(band=high, stage="finalised", role="lead", policy=POLICY) == Decimal("0.00")
    assert rules.capacity_percent(Decimal("45"), Decimal("120")) == 38


# --- allocation -------------------------------------------------------------------------------------


def _cand(pid: int, name: str, **kw) -> rules.Candidate:
    base = dict(
        grade_code="senior-crown-prosecutor",
        grade_seniority=70,
        is_legal=True,
        specialisms=frozenset(),
        capacity_percent=50,
        absent_on=(),
        conflicts=(),
    )
    return rules.Candidate(person_id=pid, name=name, **{**base, **kw})


def test_ranking_prefers_headroom_specialism_and_avoids_leave() -> None:
    ranked = rules.rank_candidates(
        [
            _cand(1, "Busy", capacity_percent=95),
            _cand(2, "Specialist", capacity_percent=70, specialisms=frozenset({"fraud"})),
            _cand(3, "Free but on leave", capacity_percent=20, absent_on=(D(2026, 6, 1), D(2026, 6, 2))),
            _cand(4, "Conflicted", capacity_percent=0, conflicts=("already the deputy",)),
            _cand(5, "Paralegal", capacity_percent=0, is_legal=False),
            _cand(6, "Junior", capacity_percent=10, grade_seniority=60),
        ],
        wanted_specialisms=frozenset({"fraud"}),
        min_seniority=70,
    )
    assert [r.candidate.name for r in ranked] == [
        "Specialist",
        "Busy",
        "Free but on leave",
        "Conflicted",
        "Paralegal",
        "Junior",
    ]
    assert ranked[0].reasons == ("Capacity 70% (headroom 30)", "Specialism: fraud (+25)")
    assert ranked[2].score == 80 - 80 and "On leave on key dates: 1 June 2026, 2 June 2026 (−80)" in ranked[2].reasons
    assert not ranked[3].suitable and "Conflict: already the deputy" in ranked[3].reasons


# --- resilience -------------------------------------------------------------------------------------


def test_resilience_findings_on_constructed_unit() -> None:
    cases = [
        rules.CaseLoadFact(1, "A1", 10, None, "high", True),
        rules.CaseLoadFact(2, "A2", 10, 11, "high", True),
        rules.CaseLoadFact(3, "A3", 10, 11, "very_high", False),
        rules.CaseLoadFact(4, "A4", 12, 11, "high", True),
        rules.CaseLoadFact(5, "A5", 12, 10, "standard", False),
    ]
    key_dates = [
        rules.KeyDateFact(1, "A1", "Trial", D(2026, 6, 1), 10, lead_absent=True, deputy_available=False),
        rules.KeyDateFact(2, "A2", "Trial", D(2026, 6, 1), 10, lead_absent=True, deputy_available=True),
    ]
    findings = rules.resilience_findings(
        cases=cases, key_dates=key_dates, high_band_codes=frozenset({"high", "very_high"})
    )
    kinds = {(f.kind, f.case_ids) for f in findings}
    assert ("no_deputy", (1,)) in kinds
    assert ("concentration_high_band", (1, 2, 3)) in kinds  # 3 of 4 high-band cases with person 10
    assert ("concentration_custody", (1, 2)) in kinds  # 2 of 3 custody cases
    assert ("key_date_uncovered", (1,)) in kinds and ("key_date_uncovered", (2,)) not in kinds


def test_composition_spans_and_ratio() -> None:
    staff = [
        rules.StaffFact(1, "legal-manager-1", 80, True, True, None),
        rules.StaffFact(2, "senior-crown-prosecutor", 70, True, False, 1),
        rules.StaffFact(3, "crown-prosecutor", 60, True, False, 1),
        rules.StaffFact(4, "paralegal-officer", 30, False, False, 1),
        rules.StaffFact(5, "paralegal-officer", 30, False, False, 2),
    ]
    comp = rules.composition(staff)
    assert (comp.headcount, comp.managers, comp.largest_span) == (5, 1, 3)
    assert comp.grade_mix["paralegal-officer"] == 2
    assert comp.senior_to_junior == "1:1.5"
