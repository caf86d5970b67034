"""The time-limit rule tables as shipped. Loaded into `TimeLimitRule` rows by a data migration
(and re-checkable with `casework progression_rules --check`); administrators add new versions in
the admin, never by editing history. Every row names its source.

Kinds:
- "ctl": a custody time limit regime; `days` is the limit. Either-way rows may carry a reduced
  limit that applies when summary trial is decided within `reduced_if_decided_within_days`.
- "offset": a key date counted from an anchor (`anchor`), `days` later (negative: earlier);
  `working_days` counts working days instead of calendar days; `custody` restricts a row to
  custody ("custody") or bail ("bail") cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CTL_REGS = "Prosecution of Offences (Custody Time Limits) Regulations 1987 (SI 1987/299)"
CTL_COVID = "Prosecution of Offences (Custody Time Limits) (Coronavirus) (Amendment) Regulations 2020 (SI 2020/953)"
CRIM_PR = "Criminal Procedure Rules and Better Case Management: standard directions for the Crown Court"
LOCAL = "Local policy (configurable default)"

ALWAYS = dt.date(1987, 4, 1)
COVID_FROM = dt.date(2020, 9, 28)
COVID_TO = dt.date(2021, 6, 28)


@dataclass(frozen=True)
class RuleRow:
    code: str
    title: str
    kind: str  # "ctl" or "offset"
    days: int
    effective_from: dt.date
    source: str
    effective_to: dt.date | None = None
    anchor: str = ""
    working_days: bool = False
    custody: str = "any"  # "any", "custody", "bail"
    reduced_days: int | None = None
    reduced_if_decided_within_days: int | None = None
    notes: str = ""


# Anchors an "offset" rule may count from.
ANCHORS = {
    "sending": "date the case was sent to the Crown Court",
    "ptph": "date of the PTPH",
    "stage_1": "Stage 1 date",
    "stage_2": "Stage 2 date",
    "stage_3": "Stage 3 date",
    "hearing": "date of the hearing",
    "ctl_expiry": "custody time limit expiry",
    "charge": "date of charge",
    "threshold_charge": "date of a Threshold Test charge",
}

RULES: list[RuleRow] = [
    # --- custody time limits ---------------------------------------------------------------
    RuleRow(
        "ctl.summary",
        "Summary-only offence: first appearance to start of summary trial",
        "ctl",
        56,
        ALWAYS,
        f"{CTL_REGS}, reg. 4(4)",
    ),
    RuleRow(
        "ctl.either_way",
        "Either-way offence tried summarily: first appearance to start of summary trial",
        "ctl",
        70,
        ALWAYS,
        f"{CTL_REGS}, reg. 4(2), (2A)",
        reduced_days=56,
        reduced_if_decided_within_days=56,
        notes="56 days if the court decides on summary trial within 56 days of first appearance.",
    ),
    RuleRow(
        "ctl.crown",
        "Sent to the Crown Court: sending to start of trial, less days in magistrates' custody",
        "ctl",
        182,
        ALWAYS,
        f"{CTL_REGS}, reg. 5(6B)",
        effective_to=COVID_FROM,
    ),
    RuleRow(
        "ctl.crown",
        "Sent to the Crown Court (temporary coronavirus limit)",
        "ctl",
        238,
        COVID_FROM,
        CTL_COVID,
        effective_to=COVID_TO,
        notes="Applies to custody periods that began in the temporary period.",
    ),
    RuleRow(
        "ctl.crown",
        "Sent to the Crown Court: sending to start of trial, less days in magistrates' custody",
        "ctl",
        182,
        COVID_TO,
        f"{CTL_REGS}, reg. 5(6B)",
    ),
    RuleRow(
        "ctl.retrial",
        "Voluntary bill of indictment or retrial: to arraignment",
        "ctl",
        112,
        ALWAYS,
        f"{CTL_REGS}, reg. 5(3)(a), (6A)",
        effective_to=COVID_FROM,
    ),
    RuleRow(
        "ctl.retrial",
        "Voluntary bill of indictment or retrial (temporary coronavirus limit)",
        "ctl",
        168,
        COVID_FROM,
        CTL_COVID,
        effective_to=COVID_TO,
    ),
    RuleRow(
        "ctl.retrial",
        "Voluntary bill of indictment or retrial: to arraignment",
        "ctl",
        112,
        COVID_TO,
        f"{CTL_REGS}, reg. 5(3)(a), (6A)",
    ),
    # --- CTL management ----------------------------------------------------------------------
    RuleRow(
        "ctl.extension_prepare",
        "Prepare the CTL extension application",
        "offset",
        -14,
        ALWAYS,
        "CPS Custody Time Limits legal guidance (good practice)",
        anchor="ctl_expiry",
    ),
    RuleRow(
        "ctl.extension_notice",
        "Serve notice of the CTL extension application",
        "offset",
        -2,
        ALWAYS,
        f"{CTL_REGS}, reg. 7(1) (notice at least 2 days before the hearing)",
        anchor="ctl_expiry",
        working_days=True,
    ),
    # --- Crown Court timetable ----------------------------------------------------------------
    RuleRow(
        "ptph.target", "Plea and trial preparation hearing (normal)", "offset", 28, ALWAYS, CRIM_PR, anchor="sending"
    ),
    RuleRow(
        "ptph.latest", "Plea and trial preparation hearing (latest)", "offset", 35, ALWAYS, CRIM_PR, anchor="sending"
    ),
    RuleRow("ptph.form", "Serve the prosecution part of the PTPH form", "offset", -7, ALWAYS, CRIM_PR, anchor="ptph"),
    RuleRow(
        "stage.1",
        "Stage 1: serve the prosecution case (custody)",
        "offset",
        50,
        ALWAYS,
        CRIM_PR,
        anchor="sending",
        custody="custody",
    ),
    RuleRow(
        "stage.1",
        "Stage 1: serve the prosecution case (bail)",
        "offset",
        70,
        ALWAYS,
        CRIM_PR,
        anchor="sending",
        custody="bail",
    ),
    RuleRow(
        "stage.2",
        "Stage 2: defence response including defence statement",
        "offset",
        28,
        ALWAYS,
        CRIM_PR,
        anchor="stage_1",
    ),
    RuleRow(
        "stage.3",
        "Stage 3: prosecution response including further disclosure",
        "offset",
        14,
        ALWAYS,
        LOCAL,
        anchor="stage_2",
    ),
    RuleRow("stage.4", "Stage 4: defence applications for disclosure", "offset", 14, ALWAYS, LOCAL, anchor="stage_3"),
    RuleRow(
        "hrs.return",
        "Hearing record sheet on the case",
        "offset",
        1,
        ALWAYS,
        LOCAL,
        anchor="hearing",
        working_days=True,
    ),
    RuleRow(
        "review.threshold_test",
        "Full Code Test review after a Threshold Test charge",
        "offset",
        28,
        ALWAYS,
        f"Code for Crown Prosecutors, para. 5.10; period: {LOCAL}",
        anchor="threshold_charge",
    ),
]
