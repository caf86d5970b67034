"""The bulk reports band cases with `complexity_score_band` (no explanation text); it must give the
band `complexity_band` explains, for every combination of facts and for odd policies."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.resourcing import rules
from casework.resourcing.policy_data import POLICY_V1

POLICY = rules.policy_from_data(POLICY_V1, version=1, source="test")
ODD_DATA = copy.deepcopy(POLICY_V1)
# A boolean factor that scores when false, a zero threshold, and a negative offence weight.
ODD_DATA["thresholds"]["media_interest"] = [[0, 1], [1, 3]]
ODD_DATA["thresholds"]["victims"] = [[0, 1], [5, 2]]
ODD_DATA["offence_points"]["fraud"] = -1
ODD = rules.policy_from_data(ODD_DATA, version=2, source="test")

facts_strategy = st.builds(
    rules.CaseComplexityFacts,
    defendants=st.integers(0, 12),
    victims=st.integers(0, 40),
    witnesses=st.integers(0, 200),
    pages_of_evidence=st.integers(0, 150_000),
    unused_material_pages=st.integers(0, 80_000),
    trial_estimate_days=st.integers(0, 60),
    international_element=st.booleans(),
    media_interest=st.booleans(),
    custody=st.integers(0, 5),
    offence_categories=st.frozensets(st.sampled_from(["homicide", "fraud", "sexual", "drugs", "trafficking"])),
)


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy)
def test_fast_band_equals_explained_band(facts: rules.CaseComplexityFacts) -> None:
    for policy in (POLICY, ODD):
        assert (
            rules.complexity_score_band(facts, rules.score_table(policy)) == rules.complexity_band(facts, policy).band
        )


def test_fast_band_reaches_every_band() -> None:
    table = rules.score_table(POLICY)
    quiet = rules.CaseComplexityFacts()
    loud = rules.CaseComplexityFacts(
        defendants=7, pages_of_evidence=120_000, international_element=True, witnesses=140, victims=25, custody=3
    )
    assert rules.complexity_score_band(quiet, table).code == "standard"
    assert rules.complexity_score_band(loud, table).code == "very_high"
