"""A PSD that records its sections (as structured PSDs and the demo data do) meets the disclosure
strategy rule when one of them is the disclosure strategy, without a separate flag."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.assurance import engine
from tests.assurance.test_rules import CTX, RULE_VERSIONS, base, doc, v

D = dt.date


@pytest.mark.parametrize(
    ("sections", "outcome"),
    [
        (["Case theory", "Disclosure strategy"], "met"),
        (["Case theory", "disclosure Strategy "], "met"),
        (["Case theory", "Lines of enquiry"], "not_met"),
        ([], "not_met"),
    ],
)
def test_disclosure_strategy_from_recorded_sections(sections, outcome):
    facts = base(documents=(doc("psd", v(1, D(2026, 5, 21), sections=sections)),))
    (verdict,) = engine.evaluate(facts, [RULE_VERSIONS["psd.disclosure_strategy"]], CTX)
    assert verdict.outcome == outcome
