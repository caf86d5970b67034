"""The assurance rule library and sign-off checkpoints as shipped (version 1 of each).

Loaded into `AssuranceRule` and `Checkpoint` rows by a data migration. Administrators publish new
versions (with a later effective date) in the admin or with `casework assurance_rules`; existing
verdicts keep the version that produced them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SINCE = dt.date(2013, 1, 1)
#: PSD and DMD mandatory in all serious and complex cases (CPS Disclosure Manual, chapter 29).
PSD_DMD_FROM = dt.date(2013, 3, 1)
#: The HMCPSI report on the CCUs (recommendation 1, paragraph 6.26), accepted by the CPS.
HMCPSI_2021_FROM = dt.date(2021, 3, 2)
#: The Code for Crown Prosecutors, 8th edition (the Threshold Test in section 5).
CODE_2018_FROM = dt.date(2018, 10, 26)
HMCPSI_2021 = (
    "HMCPSI inspection of CPS Complex Casework Units (published 2 March 2021), recommendation 1, paragraph 6.26. "
    "https://www.cps.gov.uk/publication/cps-response-hmcpsi-review-complex-casework-units"
)
CPS_PSD = (
    "CPS Disclosure Manual, chapter 29 (Prosecution Strategy Document and Disclosure Management Document mandatory "
    "in all serious and complex cases since 1 March 2013). "
    "https://www.cps.gov.uk/legal-guidance/disclosure-manual-chapter-29-large-scale-case-administration"
)
CODE = (
    "Code for Crown Prosecutors (record the reasons for every charging decision). "
    "https://www.cps.gov.uk/publication/code-crown-prosecutors"
)
CODE_THRESHOLD = (
    "Code for Crown Prosecutors, 8th edition (26 October 2018), section 5: a Threshold Test charge is reviewed under "
    "the Full Code Test as soon as the anticipated evidence is received; period: local policy (configurable default). "
    "https://www.cps.gov.uk/publication/code-crown-prosecutors"
)
CPIA = "CPIA 1996 Code of Practice; CPS Disclosure Manual"
CTL_GUIDE = "CPS Custody Time Limits legal guidance. https://www.cps.gov.uk/legal-guidance/custody-time-limits"
LOCAL = "Local policy (configurable default)"

ALL_STAGES: tuple[str, ...] = (
    "pre_charge",
    "charging_decision",
    "charged",
    "ptph",
    "trial_preparation",
    "trial",
    "sentence",
    "finalised",
    "discontinued",
    "nfa",
)
OPEN_STAGES = ALL_STAGES[:7]
POST_CHARGE = ("charged", "ptph", "trial_preparation", "trial", "sentence")


@dataclass(frozen=True)
class RuleSpec:
    code: str
    title: str
    statement: str
    source: str
    scope: str  # pre_charge / post_charge / both
    severity: str
    evaluator: str
    stages: tuple[str, ...] = OPEN_STAGES
    categories: tuple[str, ...] = ()  # offence category codes; empty = every case
    parameters: dict[str, Any] = field(default_factory=dict)
    effective_from: dt.date = SINCE


RULES: list[RuleSpec] = [
    RuleSpec(
        "acceptance.basis",
        "Acceptance basis recorded",
        "Every case accepted into the unit records the listed criterion, or the CCP's direction, it was accepted on.",
        HMCPSI_2021,
        "both",
        "high",
        "acceptance_basis",
        stages=ALL_STAGES,
        effective_from=HMCPSI_2021_FROM,
    ),
    RuleSpec(
        "psd.present",
        "Prosecution Strategy Document or exemption",
        "A PSD is on every complex case, unless a formal exemption is recorded.",
        CPS_PSD,
        "both",
        "high",
        "document_present_or_exempt",
        parameters={"document": "psd", "label": "Prosecution Strategy Document", "grace_days": 28},
        effective_from=PSD_DMD_FROM,
    ),
    RuleSpec(
        "dmd.present",
        "Disclosure Management Document or exemption",
        "A DMD is on every charged complex case, unless a formal exemption is recorded.",
        CPS_PSD,
        "post_charge",
        "high",
        "document_present_or_exempt",
        stages=POST_CHARGE,
        parameters={"document": "dmd", "label": "Disclosure Management Document", "grace_days": 0},
        effective_from=PSD_DMD_FROM,
    ),
    RuleSpec(
        "psd.disclosure_strategy",
        "PSD contains a disclosure strategy",
        "The PSD includes a disclosure strategy section.",
        CPS_PSD,
        "both",
        "medium",
        "psd_has_disclosure_strategy",
        effective_from=PSD_DMD_FROM,
    ),
    RuleSpec(
        "psd.updated",
        "PSD updated after key events",
        "The PSD is updated after charge, after the PTPH and after each significant review.",
        CPS_PSD,
        "both",
        "medium",
        "psd_updated_after_events",
        parameters={"grace_days": 14, "significant_reviews": ["full_code_test", "manager", "pre_trial"]},
        effective_from=PSD_DMD_FROM,
    ),
    RuleSpec(
        "charging.rationale",
        "Rationale recorded for charging decisions",
        "Every charging decision or advice records its rationale.",
        CODE,
        "pre_charge",
        "high",
        "charging_rationale",
        stages=ALL_STAGES,
    ),
    RuleSpec(
        "review.threshold_test",
        "Full Code Test review after a Threshold Test charge",
        "A charge under the Threshold Test is reviewed under the Full Code Test within 28 days (the review date "
        "the case's progression timetable shows), and the review is recorded.",
        CODE_THRESHOLD,
        "both",
        "high",
        "threshold_test_review",
        stages=ALL_STAGES[:7],
        parameters={"days": 28},
        effective_from=CODE_2018_FROM,
    ),
    RuleSpec(
        "eia.requests",
        "Early advice requests complete; refusals recorded and communicated",
        "Early investigative advice requests contain the 8 items; a refusal is recorded with its reason and "
        "communicated to the police.",
        "CPS early investigative advice guidance",
        "pre_charge",
        "medium",
        "early_advice_requests",
    ),
    RuleSpec(
        "signoff.checkpoints",
        "Manager sign-off at each checkpoint",
        "A manager signs off the case at each configured assurance checkpoint.",
        f"{HMCPSI_2021}; {LOCAL}",
        "both",
        "high",
        "checkpoint_signoffs",
        stages=ALL_STAGES,
        effective_from=HMCPSI_2021_FROM,
    ),
    RuleSpec(
        "panel.oversight",
        "Case Management Panel oversight",
        "Cases over the panel thresholds are registered with the Case Management Panel and considered regularly.",
        f"CPS Case Management Panel guidance; thresholds: {LOCAL}",
        "both",
        "high",
        "case_management_panel",
        parameters={
            "trial_estimate_days": 40,
            "defendants": 8,
            "estimated_cost": 1_000_000,
            "meeting_interval_days": 90,
        },
    ),
    RuleSpec(
        "vhcc.case_plan",
        "Very high cost case plan within 15 days",
        "A very high cost case has a case plan agreed with counsel within 15 days of receipt.",
        "CPS very high cost case guidance",
        "post_charge",
        "medium",
        "vhcc_case_plan",
        parameters={"days": 15},
    ),
    RuleSpec(
        "hq.notification",
        "HQ notified of listed case types",
        "Listed case types are notified to CPS HQ.",
        LOCAL,
        "both",
        "medium",
        "hq_notification",
        stages=ALL_STAGES,
        parameters={
            "criteria": [
                "hate-murder",
                "major-murder",
                "media-interest",
                "professional-misconduct",
                "mercy-killing",
                "socpa",
            ]
        },
    ),
    RuleSpec(
        "ctl.log_current",
        "CTL case progression log current",
        "While a custody time limit runs, the CTL log is updated at each hearing and at least every 28 days.",
        CTL_GUIDE,
        "post_charge",
        "high",
        "ctl_log_current",
        parameters={"max_days_between_entries": 28},
        effective_from=dt.date(1991, 10, 1),
    ),
    RuleSpec(
        "hrs.timely",
        "Hearing record sheet within 1 working day",
        "After every hearing a hearing record sheet is on the case within 1 working day.",
        f"CPS hearing record sheet guidance; period: {LOCAL}",
        "post_charge",
        "medium",
        "hearing_record_sheets",
        stages=ALL_STAGES,
        parameters={"working_days": 1},
    ),
    RuleSpec(
        "review.current",
        "Case reviewed regularly",
        "An open case is reviewed at least every 90 days and the review recorded.",
        LOCAL,
        "both",
        "low",
        "review_current",
        parameters={"max_days_between_reviews": 90},
    ),
    RuleSpec(
        "finalisation.recorded",
        "Finalisation recorded",
        "A finalised case records its outcome and Principal Offence Category.",
        "CPS finalisation guidance",
        "post_charge",
        "medium",
        "finalisation_recorded",
        stages=("finalised", "discontinued", "nfa"),
    ),
]


#: Later versions of shipped rules: (code, version, effective from, the changes). A very high cost
#: case is one whose trial is estimated at MORE THAN 40 days; version 1 of both rules counted 40 days
#: itself. The corrected versions apply from the HMCPSI report's publication.
LATER_VERSIONS: list[tuple[str, int, dt.date, dict[str, Any]]] = [
    (
        "panel.oversight",
        2,
        HMCPSI_2021_FROM,
        {
            "parameters": {
                "trial_estimate_days_over": 40,
                "defendants": 8,
                "estimated_cost": 1_000_000,
                "meeting_interval_days": 90,
            },
            "statement": "Cases over the panel thresholds (a trial estimate of more than 40 days, 8 or more "
            "defendants, or an estimated cost of £1,000,000 or more) are registered with the Case Management Panel "
            "and considered regularly.",
        },
    ),
    (
        "vhcc.case_plan",
        2,
        HMCPSI_2021_FROM,
        {
            "parameters": {"days": 15, "trial_estimate_days_over": 40},
            "statement": "A very high cost case (marked as one, or with a trial estimated at more than 40 days) has a "
            "case plan agreed with counsel within 15 days of receipt.",
        },
    ),
]


@dataclass(frozen=True)
class CheckpointSpec:
    code: str
    title: str
    trigger_stage: str  # the case has entered (or is entering) this stage; "acceptance" for acceptance
    approver_roles: tuple[str, ...]
    blocking: bool
    source: str
    categories: tuple[str, ...] = ()


CHECKPOINTS: list[CheckpointSpec] = [
    CheckpointSpec(
        "acceptance", "Acceptance into the unit", "acceptance", ("legal_manager", "unit_head"), False, LOCAL
    ),
    CheckpointSpec(
        "charging",
        "Charging decision (homicide, serious sexual offences, trafficking)",
        "charged",
        ("legal_manager", "unit_head"),
        True,
        LOCAL,
        categories=("homicide", "sexual", "trafficking"),
    ),
    CheckpointSpec("before_ptph", "Before the PTPH", "ptph", ("legal_manager", "unit_head"), False, LOCAL),
    CheckpointSpec("before_trial", "Before trial", "trial", ("legal_manager", "unit_head"), True, LOCAL),
    CheckpointSpec("discontinuance", "Before discontinuance", "discontinued", ("unit_head",), True, LOCAL),
    CheckpointSpec("finalisation", "At finalisation", "finalised", ("legal_manager", "unit_head"), False, LOCAL),
]
