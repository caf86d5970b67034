"""Every assurance rule, table-driven: met / not met / not applicable / waived / exempt.

Pure: facts are built by hand and the rules come from the shipped rule library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from casework.assurance import engine
from casework.assurance.facts import (
    CaseFacts,
    DocumentFact,
    ExemptionFact,
    HearingFact,
    SignOffFact,
    VersionFact,
    WaiverFact,
)
from casework.assurance.rule_library import CHECKPOINTS, RULES
from casework.assurance.rules import EVALUATORS, EvaluationContext
from casework.core.working_days import WorkingCalendar

D = dt.date
TODAY = D(2026, 6, 1)
CAL = WorkingCalendar({D(2026, 5, 25): "Spring Bank Holiday"})
CHECKS = tuple(
    engine.CheckpointRule(
        code=c.code,
        title=c.title,
        trigger_stage=c.trigger_stage,
        categories=frozenset(c.categories),
        approver_roles=c.approver_roles,
        blocking=c.blocking,
    )
    for c in CHECKPOINTS
)
CTX = EvaluationContext(today=TODAY, calendar=CAL, checkpoints=CHECKS)
RULE_VERSIONS = {
    spec.code: engine.RuleVersion(
        code=spec.code,
        version=1,
        pk=i,
        title=spec.title,
        source=spec.source,
        severity=spec.severity,
        evaluator=spec.evaluator,
        stages=frozenset(spec.stages),
        categories=frozenset(spec.categories),
        parameters=spec.parameters,
    )
    for i, spec in enumerate(RULES, start=1)
}


def base(**changes) -> CaseFacts:
    facts = CaseFacts(
        case_id=1,
        urn="01TS0000001",
        stage="pre_charge",
        stage_entered={"pre_charge": D(2026, 5, 20)},
        categories=frozenset({"fraud"}),
        acceptance_criterion="complex-fraud",
        acceptance_criterion_title="Substantial or complex fraud",
        ccp_direction=False,
        accepted_on=D(2026, 5, 20),
        defendant_count=2,
        trial_estimate_days=None,
        estimated_cost=None,
        is_very_high_cost=False,
        vhcc_received_on=None,
        case_plan_agreed_on=None,
        hq_notified_on=None,
        outcome="",
        has_principal_offence_category=False,
    )
    return replace(facts, **changes)


def doc(kind, *versions, title="Doc"):
    return DocumentFact(kind, title, tuple(versions))


def v(number, on, rationale=True, **metadata):
    return VersionFact(number, on, rationale, metadata)


CHARGED = {
    "stage": "charged",
    "stage_entered": {"pre_charge": D(2026, 1, 5), "charged": D(2026, 3, 1)},
    "accepted_on": D(2026, 1, 5),
}

CASES = [
    # (rule, facts, expected outcome, words in the reason)
    ("acceptance.basis", base(), "met", "Substantial or complex fraud"),
    ("acceptance.basis", base(acceptance_criterion="", ccp_direction=True), "met", "CCP direction"),
    ("acceptance.basis", base(acceptance_criterion=""), "not_met", "No acceptance basis"),
    ("psd.present", base(documents=(doc("psd", v(1, D(2026, 5, 21))),)), "met", "is on the case"),
    ("psd.present", base(), "na", "Not yet due"),
    ("psd.present", base(accepted_on=D(2026, 1, 5)), "not_met", "no Prosecution Strategy Document"),
    (
        "psd.present",
        base(
            accepted_on=D(2026, 1, 5),
            exemptions={"psd": ExemptionFact("psd", D(2026, 2, 1), "Ann Manager", "Single issue case")},
        ),
        "exempt",
        "Formally exempted",
    ),
    (
        "psd.present",
        base(
            accepted_on=D(2026, 1, 5),
            waivers={"psd.present": WaiverFact("psd.present", D(2026, 7, 1), "Ann Manager", "Awaiting")},
        ),
        "waived",
        "Waived until",
    ),
    (
        "psd.present",
        base(
            accepted_on=D(2026, 1, 5),
            waivers={"psd.present": WaiverFact("psd.present", D(2026, 5, 1), "Ann Manager", "Expired")},
        ),
        "not_met",
        "no Prosecution Strategy Document",
    ),
    ("dmd.present", base(), "na", "other stages"),
    ("dmd.present", base(**CHARGED), "not_met", "no Disclosure Management Document"),
    ("dmd.present", base(**CHARGED, documents=(doc("dmd", v(1, D(2026, 3, 2))),)), "met", "is on the case"),
    ("psd.disclosure_strategy", base(), "na", "no PSD yet"),
    (
        "psd.disclosure_strategy",
        base(documents=(doc("psd", v(2, D(2026, 5, 22), has_disclosure_strategy=True)),)),
        "met",
        "contains a disclosure strategy",
    ),
    (
        "psd.disclosure_strategy",
        base(documents=(doc("psd", v(1, D(2026, 5, 21))),)),
        "not_met",
        "no disclosure strategy",
    ),
    ("psd.updated", base(documents=(doc("psd", v(1, D(2026, 1, 6))),)), "na", "No charge, PTPH"),
    (
        "psd.updated",
        base(**CHARGED, documents=(doc("psd", v(1, D(2026, 1, 6))),)),
        "not_met",
        "not updated after charge",
    ),
    (
        "psd.updated",
        base(**CHARGED, documents=(doc("psd", v(2, D(2026, 3, 5)), v(1, D(2026, 1, 6))),)),
        "met",
        "updated after each",
    ),
    (
        "psd.updated",
        base(
            **CHARGED,
            documents=(doc("psd", v(2, D(2026, 3, 5)), v(1, D(2026, 1, 6))),),
            reviews=(("full_code_test", D(2026, 4, 1)),),
        ),
        "not_met",
        "full code test review",
    ),
    # Full Code Test review after a Threshold Test charge: 28 days, moved back to a working day.
    ("review.threshold_test", base(), "na", "No charging decision under the Threshold Test"),
    (
        "review.threshold_test",  # charged 1 Apr 2026: due Wed 29 Apr, nothing by 1 Jun
        base(documents=(doc("mg3", v(1, D(2026, 4, 1), test="threshold", decision="charge")),)),
        "not_met",
        "was due by Wed 29 Apr 2026 and none is recorded",
    ),
    (
        "review.threshold_test",  # charged 27 Apr: 28 days is Mon 25 May (Spring bank holiday), so Fri 22 May
        base(documents=(doc("mg3", v(1, D(2026, 4, 27), test="threshold")),)),
        "not_met",
        "due by Fri 22 May 2026 (the last working day on or before Mon 25 May 2026)",
    ),
    (
        "review.threshold_test",  # charged 20 May: due 17 Jun, after today (1 Jun)
        base(documents=(doc("mg3", v(1, D(2026, 5, 20), test="threshold")),)),
        "na",
        "review due by Wed 17 Jun 2026",
    ),
    (
        "review.threshold_test",
        base(
            documents=(doc("mg3", v(1, D(2026, 4, 1), test="threshold")),),
            reviews=(("full_code_test", D(2026, 4, 20)),),
        ),
        "met",
        "Full Code Test review recorded on Mon 20 Apr 2026",
    ),
    (
        "review.threshold_test",  # a Full Code Test charge is not a Threshold Test charge
        base(documents=(doc("mg3", v(1, D(2026, 4, 1), test="full_code")),)),
        "na",
        "No charging decision under the Threshold Test",
    ),
    ("charging.rationale", base(), "na", "No charging decision"),
    (
        "charging.rationale",
        base(documents=(doc("mg3", v(1, D(2026, 5, 21), rationale=False), title="MG3"),)),
        "not_met",
        "has no rationale",
    ),
    (
        "charging.rationale",
        base(documents=(doc("mg3", v(1, D(2026, 5, 21)), title="MG3"),)),
        "met",
        "carry a rationale",
    ),
    ("eia.requests", base(), "na", "No early investigative advice"),
    (
        "eia.requests",
        base(extra={"early_advice": [{"reference": "EA1", "missing_items": ["factual summary"]}]}),
        "not_met",
        "lacks factual summary",
    ),
    (
        "eia.requests",
        base(
            extra={
                "early_advice": [
                    {
                        "reference": "EA1",
                        "missing_items": [],
                        "refused": True,
                        "refusal_reason": "Premature",
                        "refusal_communicated_on": "2026-05-01",
                    }
                ]
            }
        ),
        "met",
        "complete",
    ),
    ("signoff.checkpoints", base(accepted_on=None), "na", "No sign-off checkpoint"),
    ("signoff.checkpoints", base(), "not_met", "Acceptance into the unit"),
    (
        "signoff.checkpoints",
        base(signoffs={"acceptance": SignOffFact("acceptance", "approved", D(2026, 5, 21))}),
        "met",
        "every checkpoint",
    ),
    (
        "signoff.checkpoints",
        base(signoffs={"acceptance": SignOffFact("acceptance", "returned", D(2026, 5, 21))}),
        "not_met",
        "(returned)",
    ),
    ("panel.oversight", base(), "na", "Below the Case Management Panel"),
    ("panel.oversight", base(defendant_count=9), "not_met", "9 defendants ≥ 8"),
    (
        "panel.oversight",
        base(trial_estimate_days=60, panel_registered_on=D(2026, 5, 1)),
        "met",
        "Under panel oversight",
    ),
    (
        "panel.oversight",
        base(estimated_cost=2_500_000.0, panel_registered_on=D(2026, 1, 1)),
        "not_met",
        "No panel meeting since",
    ),
    ("vhcc.case_plan", base(), "na", "Not a very high cost case"),
    ("vhcc.case_plan", base(is_very_high_cost=True, vhcc_received_on=D(2026, 5, 25)), "na", "not yet due"),
    ("vhcc.case_plan", base(is_very_high_cost=True, vhcc_received_on=D(2026, 5, 1)), "not_met", "No case plan"),
    (
        "vhcc.case_plan",
        base(is_very_high_cost=True, vhcc_received_on=D(2026, 5, 1), case_plan_agreed_on=D(2026, 5, 10)),
        "met",
        "within 15 days",
    ),
    (
        "vhcc.case_plan",
        base(is_very_high_cost=True, vhcc_received_on=D(2026, 5, 1), case_plan_agreed_on=D(2026, 5, 20)),
        "not_met",
        "after the 15-day limit",
    ),
    ("hq.notification", base(), "na", "Not a case type"),
    ("hq.notification", base(acceptance_criterion="major-murder"), "not_met", "must be notified to HQ"),
    ("hq.notification", base(acceptance_criterion="major-murder", hq_notified_on=D(2026, 5, 21)), "met", "HQ notified"),
    ("ctl.log_current", base(**CHARGED), "na", "No custody time limit"),
    ("ctl.log_current", base(**CHARGED, running_ctl_clocks=1), "not_met", "has no entries"),
    (
        "ctl.log_current",
        base(**CHARGED, running_ctl_clocks=1, ctl_log_dates=(D(2026, 5, 20),)),
        "met",
        "CTL log current",
    ),
    (
        "ctl.log_current",
        base(**CHARGED, running_ctl_clocks=1, ctl_log_dates=(D(2026, 4, 1),)),
        "not_met",
        "more than 28 days ago",
    ),
    (
        "ctl.log_current",
        base(
            **CHARGED,
            running_ctl_clocks=1,
            ctl_log_dates=(D(2026, 5, 20),),
            hearings=(HearingFact(1, "mention", D(2026, 5, 28)),),
        ),
        "not_met",
        "not updated after the hearing",
    ),
    ("hrs.timely", base(), "na", "No hearings"),
    ("hrs.timely", base(hearings=(HearingFact(1, "ptph", D(2026, 5, 22)),)), "not_met", "(no sheet)"),
    (
        "hrs.timely",
        base(hearings=(HearingFact(1, "ptph", D(2026, 5, 22)),), hrs_filed_on=(D(2026, 5, 26),)),
        "met",
        "timely",
    ),  # Fri 22 May -> weekend and bank holiday -> due Tue 26 May
    (
        "hrs.timely",
        base(hearings=(HearingFact(1, "ptph", D(2026, 5, 22)),), hrs_filed_on=(D(2026, 5, 27),)),
        "not_met",
        "sheet late",
    ),
    ("review.current", base(), "met", "Not yet due"),
    ("review.current", base(accepted_on=D(2026, 1, 5)), "not_met", "No review is recorded"),
    (
        "review.current",
        base(accepted_on=D(2026, 1, 5), reviews=(("initial", D(2026, 4, 1)),)),
        "met",
        "Reviewed within",
    ),
    ("finalisation.recorded", base(), "na", "other stages"),
    ("finalisation.recorded", base(stage="finalised"), "not_met", "the outcome and the Principal Offence Category"),
    (
        "finalisation.recorded",
        base(stage="finalised", outcome="convicted_all", has_principal_offence_category=True),
        "met",
        "recorded",
    ),
]


@pytest.mark.parametrize(
    ("rule_code", "facts", "outcome", "words"), CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_verdicts(rule_code, facts, outcome, words):
    (verdict,) = engine.evaluate(facts, [RULE_VERSIONS[rule_code]], CTX)
    assert verdict.outcome == outcome, verdict.reason
    assert words in verdict.reason
    assert verdict.rule_code == rule_code and verdict.source
    if outcome == "not_met":
        assert verdict.remedy, "a failing verdict says what would satisfy it"


def test_every_shipped_rule_has_an_evaluator_and_test_cases():
    tested = {case[0] for case in CASES}
    for spec in RULES:
        assert spec.evaluator in EVALUATORS.by_key()
        assert spec.code in tested
        outcomes = {case[2] for case in CASES if case[0] == spec.code}
        assert {"met", "not_met"} <= outcomes or spec.code in {"acceptance.basis"}, spec.code
        assert "na" in outcomes or spec.code in {"acceptance.basis", "review.current"}, spec.code


def test_waiver_applies_to_any_rule():
    waived = base(
        acceptance_criterion="",
        waivers={"acceptance.basis": WaiverFact("acceptance.basis", D(2026, 6, 30), "Ann Manager", "Legacy case")},
    )
    (verdict,) = engine.evaluate(waived, [RULE_VERSIONS["acceptance.basis"]], CTX)
    assert verdict.outcome == "waived" and "Legacy case" in verdict.reason and "No acceptance basis" in verdict.reason


def test_unknown_evaluator_fails_loudly():
    bad = replace(RULE_VERSIONS["acceptance.basis"], evaluator="nope")
    with pytest.raises(engine.UnknownEvaluator):
        engine.evaluate(base(), [bad], CTX)


def test_compliance_rate_ignores_not_applicable():
    verdicts = engine.evaluate(base(accepted_on=D(2026, 1, 5)), list(RULE_VERSIONS.values()), CTX)
    rate = engine.compliance_rate(verdicts)
    applicable = [v for v in verdicts if v.outcome != "na"]
    assert rate == sum(v.outcome != "not_met" for v in applicable) / len(applicable)
