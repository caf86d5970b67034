"""Reference data corrected after the legal review: rule effective dates and sources, a very high
cost case is a trial estimate of MORE THAN 40 days, the Threshold Test review, the central
divisions (SEOCID, SCCTD) and the CCU acceptance criteria."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.assurance import services
from casework.assurance.models import AssuranceRule
from casework.cases import services as case_services
from casework.cases.models import AcceptanceCriterion
from casework.core.errors import ValidationFailed
from casework.partners.choices import CentralDivision
from casework.partners.reference import divisions_on
from tests.factories import Personas

D = dt.date


def test_psd_and_dmd_rules_take_effect_on_1_march_2013_from_disclosure_manual_chapter_29(db) -> None:
    for code in ("psd.present", "dmd.present"):
        rule = AssuranceRule.objects.get(code=code, version=1)
        assert rule.effective_from == D(2013, 3, 1)
        assert "Disclosure Manual, chapter 29" in rule.source and "https://www.cps.gov.uk/" in rule.source


def test_a_trial_estimate_of_exactly_40_days_is_not_a_very_high_cost_case(personas: Personas, case_a) -> None:
    case_services.case_update(
        actor=personas.manager_a, case=case_a, expected_version=case_a.version, trial_estimate_days=40
    )
    verdicts = {v.rule_code: v for v in services.case_evaluate(case_id=case_a.pk, today=D(2026, 6, 1))}
    assert verdicts["vhcc.case_plan"].outcome == "na"
    assert verdicts["panel.oversight"].outcome == "na"
    case_a.refresh_from_db()
    case_services.case_update(
        actor=personas.manager_a, case=case_a, expected_version=case_a.version, trial_estimate_days=41
    )
    verdicts = {v.rule_code: v for v in services.case_evaluate(case_id=case_a.pk, today=D(2026, 6, 1))}
    assert verdicts["vhcc.case_plan"].outcome == "not_met"
    assert "trial estimate 41 days, more than 40" in verdicts["vhcc.case_plan"].reason
    assert verdicts["panel.oversight"].outcome == "not_met"
    assert AssuranceRule.objects.get(code="vhcc.case_plan", version=1).effective_to == D(2021, 3, 2)


def test_threshold_test_review_rule_is_in_force(db) -> None:
    rule = AssuranceRule.objects.get(code="review.threshold_test")
    assert rule.evaluator == "threshold_test_review" and rule.effective_from == D(2018, 10, 26)
    assert "Code for Crown Prosecutors" in rule.source and "https://" in rule.source


def test_central_divisions_are_seocid_and_scctd_now(db) -> None:
    assert [code for code, _name in divisions_on(D(2026, 6, 1))] == [CentralDivision.SEOCID, CentralDivision.SCCTD]
    # Before 1 April 2022 the fraud and international divisions still existed.
    assert CentralDivision.SPECIALIST_FRAUD in dict(divisions_on(D(2021, 6, 1)))
    assert CentralDivision.SEOCID not in dict(divisions_on(D(2021, 6, 1)))


def test_a_referral_cannot_be_sent_to_a_division_that_no_longer_exists(personas: Personas, time_machine) -> None:
    from casework.partners import services as partners
    from tests.partners.conftest import submit

    time_machine.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    referral = submit(personas.police_x, kind="referral")
    with pytest.raises(ValidationFailed) as refused:
        partners.referral_redirect(actor=personas.manager_a, referral=referral, division="special_crime", reason="x")
    assert "division" in refused.value.field_errors
    partners.referral_redirect(actor=personas.manager_a, referral=referral, division="scctd", reason="Terrorism")
    referral.refresh_from_db()
    assert referral.get_redirected_to_display().startswith("Special Crime and Counter Terrorism Division")


def test_assisted_suicide_is_not_a_ccu_acceptance_criterion(db) -> None:
    titles = list(AcceptanceCriterion.objects.values_list("title", flat=True))
    assert "Mercy killing" in titles
    assert not [title for title in titles if "assisted suicide" in title.lower()]
