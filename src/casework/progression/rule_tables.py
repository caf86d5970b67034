"""The time-limit rule tables as shipped. Loaded into `TimeLimitRule` rows by data migrations;
administrators add new versions in the admin, never by editing history. Every row names its
source: the instrument, the paragraph and a public address.

Kinds:
- "ctl": a custody time limit regime; `days` is the limit. Either-way rows may carry a reduced
  limit that applies when summary trial is decided within `reduced_if_decided_within_days` of the
  first appearance. A row `keyed_on` "first_custody" applies according to the date the defendant
  was first in custody for the offence (the temporary coronavirus limits), and a row with
  `min_age_at_first_custody` only to defendants at least that old then.
- "offset": a key date counted from an anchor (`anchor`), `days` later (negative: earlier);
  `working_days` counts working days instead of calendar days; `custody` restricts a row to
  custody ("custody") or bail ("bail") cases. A calendar-day date that falls on a non-business
  day is shown as the last business day before it (a document served on a non-business day
  counts as served on the next one).
- "notice": a notice period before a hearing (`days` clear days must run between the notice and
  the hearing); the latest day to serve is counted back from the latest possible hearing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casework.progression.rules import LimitRule, version_label

LEGISLATION = "https://www.legislation.gov.uk"
CTL_REGS = "Prosecution of Offences (Custody Time Limits) Regulations 1987 (SI 1987/299)"
CTL_REG4 = f"{LEGISLATION}/uksi/1987/299/regulation/4"
CTL_REG5 = f"{LEGISLATION}/uksi/1987/299/regulation/5"
CTL_COVID = (
    "Prosecution of Offences (Custody Time Limits) (Coronavirus) (Amendment) Regulations 2020 (SI 2020/953), "
    "regs. 1A, 2 and 3, as amended by SI 2021/91"
)
CTL_COVID_URL = f"{LEGISLATION}/uksi/2020/953"
CRIM_PR = "Criminal Procedure Rules 2020 (SI 2020/759)"
CRIM_PR_PART3 = f"{LEGISLATION}/uksi/2020/759/part/3"
CRIM_PR_1418 = f"{LEGISLATION}/uksi/2020/759/rule/14.18"
BCM = (
    f"{CRIM_PR}, Part 3 (case management), and the Better Case Management standard directions in the PTPH "
    "form (in force in the Crown Court from 5 January 2016)"
)
CPS_CTL_GUIDANCE = "https://www.cps.gov.uk/legal-guidance/custody-time-limits"
CODE_FOR_CROWN_PROSECUTORS = "https://www.cps.gov.uk/publication/code-crown-prosecutors"
LOCAL = "Local policy (configurable default)"

#: The Regulations applied in every area of England and Wales from this date (SI 1991/1515
#: revoked the list of areas in reg. 3); before it they applied only in named areas.
CTL_NATIONAL = dt.date(1991, 10, 1)
#: Sending for trial under s.51 Crime and Disorder Act 1998 in every area, with reg. 5(6B)
#: (inserted by SI 2000/3284) giving the 182-day limit from sending.
SENDING_NATIONAL = dt.date(2001, 1, 15)
COVID_FROM = dt.date(2020, 9, 28)
COVID_TO = dt.date(2021, 6, 28)
CRIM_PR_2020 = dt.date(2020, 10, 5)
BCM_FROM = dt.date(2016, 1, 5)
CODE_2018 = dt.date(2018, 10, 26)


@dataclass(frozen=True)
class RuleRow:
    code: str
    title: str
    kind: str  # "ctl", "offset" or "notice"
    days: int
    effective_from: dt.date
    source: str
    effective_to: dt.date | None = None
    anchor: str = ""
    working_days: bool = False
    custody: str = "any"  # "any", "custody", "bail"
    reduced_days: int | None = None
    reduced_if_decided_within_days: int | None = None
    keyed_on: str = "regime_start"  # or "first_custody"
    min_age_at_first_custody: int | None = None
    notes: str = ""


# Anchors an "offset" or "notice" rule may count from.
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


def source(text: str, url: str) -> str:
    return f"{text}. {url}"


RULES: list[RuleRow] = [
    # --- custody time limits -------------------------------------------------------------------
    RuleRow(
        "ctl.summary",
        "Summary-only offence: first appearance to the start of the summary trial",
        "ctl",
        56,
        CTL_NATIONAL,
        source(f"{CTL_REGS}, reg. 4(4)", CTL_REG4),
        notes="Effective date: the Regulations applied nationally from 1 October 1991. The date the summary-only "
        "limit itself was inserted is not confirmed here; no case in this service starts before it.",
    ),
    RuleRow(
        "ctl.either_way",
        "Either-way offence tried summarily: first appearance to the start of the summary trial",
        "ctl",
        70,
        CTL_NATIONAL,
        source(f"{CTL_REGS}, reg. 4(2) and (3)", CTL_REG4),
        reduced_days=56,
        reduced_if_decided_within_days=56,
        notes="56 days if the court decides on summary trial before the end of the 56 days following the day of "
        "the first appearance (reg. 4(3)); the test is always measured from the first appearance.",
    ),
    RuleRow(
        "ctl.crown",
        "Sent to the Crown Court: sending to the start of the trial, less days in the magistrates' court's custody",
        "ctl",
        182,
        SENDING_NATIONAL,
        source(f"{CTL_REGS}, reg. 5(6B) (inserted by SI 2000/3284)", CTL_REG5),
    ),
    RuleRow(
        "ctl.crown",
        "Sent to the Crown Court (temporary coronavirus limit, first in custody 28 September 2020 to 27 June 2021)",
        "ctl",
        238,
        COVID_FROM,
        source(CTL_COVID, CTL_COVID_URL),
        effective_to=COVID_TO,
        keyed_on="first_custody",
        min_age_at_first_custody=18,
        notes="Applies to a defendant first in custody for the offence on or after 28 September 2020 and before "
        "28 June 2021 (reg. 3), aged 18 or over then (reg. 1A, inserted by SI 2021/91 with effect back to "
        "28 September 2020).",
    ),
    RuleRow(
        "ctl.retrial",
        "Voluntary bill of indictment or retrial: to the start of the trial",
        "ctl",
        112,
        CTL_NATIONAL,
        source(f"{CTL_REGS}, reg. 5(3) (the 1987 text ran to arraignment; now to the start of the trial)", CTL_REG5),
    ),
    RuleRow(
        "ctl.retrial",
        "Voluntary bill of indictment or retrial (temporary coronavirus limit, first in custody 28 September 2020 "
        "to 27 June 2021)",
        "ctl",
        168,
        COVID_FROM,
        source(CTL_COVID, CTL_COVID_URL),
        effective_to=COVID_TO,
        keyed_on="first_custody",
        min_age_at_first_custody=18,
        notes="As for the temporary Crown Court limit: first custody in the period, aged 18 or over then.",
    ),
    # --- CTL management ----------------------------------------------------------------------
    RuleRow(
        "ctl.extension_notice.crown",
        "Serve notice of the CTL extension application (Crown Court)",
        "notice",
        5,
        CRIM_PR_2020,
        source(f"{CRIM_PR}, r. 14.18(2)(a): the hearing is after 5 days from the notice", CRIM_PR_1418),
        anchor="ctl_expiry",
        notes="The court may shorten the period (r. 14.18(3)); the hearing must be before expiry (s.22(3) "
        "Prosecution of Offences Act 1985).",
    ),
    RuleRow(
        "ctl.extension_notice.magistrates",
        "Serve notice of the CTL extension application (magistrates' court)",
        "notice",
        2,
        CRIM_PR_2020,
        source(f"{CRIM_PR}, r. 14.18(2)(b): the hearing is after 2 days from the notice", CRIM_PR_1418),
        anchor="ctl_expiry",
        notes="The court may shorten the period (r. 14.18(3)).",
    ),
    RuleRow(
        "ctl.extension_prepare",
        "Prepare the CTL extension application",
        "offset",
        -14,
        CTL_NATIONAL,
        source(
            "CPS Custody Time Limits legal guidance (prepare extension applications in good time)", CPS_CTL_GUIDANCE
        ),
        anchor="ctl_expiry",
        notes="14 days is a local default.",
    ),
    RuleRow(
        "ctl.extension_task_due",
        "CTL extension task: due date",
        "offset",
        -7,
        CTL_NATIONAL,
        source(f"{LOCAL}; CPS Custody Time Limits legal guidance", CPS_CTL_GUIDANCE),
        anchor="ctl_expiry",
        notes="The task the nightly sweep raises is due this many days before expiry.",
    ),
    RuleRow(
        "ctl.extension_task_escalate",
        "CTL extension task: escalation to the legal manager",
        "offset",
        -5,
        CTL_NATIONAL,
        source(f"{LOCAL}; CPS Custody Time Limits legal guidance", CPS_CTL_GUIDANCE),
        anchor="ctl_expiry",
        notes="A task still open after this date goes to the case's legal manager.",
    ),
    # --- Crown Court timetable ----------------------------------------------------------------
    RuleRow(
        "ptph.target",
        "Plea and trial preparation hearing (normal)",
        "offset",
        28,
        BCM_FROM,
        source(BCM, CRIM_PR_PART3),
        anchor="sending",
    ),
    RuleRow(
        "ptph.latest",
        "Plea and trial preparation hearing (latest)",
        "offset",
        35,
        BCM_FROM,
        source(BCM, CRIM_PR_PART3),
        anchor="sending",
    ),
    RuleRow(
        "ptph.form",
        "Serve the prosecution part of the PTPH form",
        "offset",
        -7,
        BCM_FROM,
        source(BCM, CRIM_PR_PART3),
        anchor="ptph",
    ),
    RuleRow(
        "stage.1",
        "Stage 1: serve the prosecution case (custody)",
        "offset",
        50,
        BCM_FROM,
        source(BCM, CRIM_PR_PART3),
        anchor="sending",
        custody="custody",
    ),
    RuleRow(
        "stage.1",
        "Stage 1: serve the prosecution case (bail)",
        "offset",
        70,
        BCM_FROM,
        source(BCM, CRIM_PR_PART3),
        anchor="sending",
        custody="bail",
    ),
    RuleRow(
        "stage.2",
        "Stage 2: defence response including defence statement",
        "offset",
        28,
        BCM_FROM,
        source(BCM, CRIM_PR_PART3),
        anchor="stage_1",
    ),
    RuleRow(
        "stage.3",
        "Stage 3: prosecution response including further disclosure",
        "offset",
        14,
        BCM_FROM,
        source(f"{LOCAL}, following the Better Case Management stage dates", CRIM_PR_PART3),
        anchor="stage_2",
    ),
    RuleRow(
        "stage.4",
        "Stage 4: defence applications for disclosure",
        "offset",
        14,
        BCM_FROM,
        source(f"{LOCAL}, following the Better Case Management stage dates", CRIM_PR_PART3),
        anchor="stage_3",
    ),
    RuleRow(
        "hrs.return",
        "Hearing record sheet on the case",
        "offset",
        1,
        BCM_FROM,
        source(f"{LOCAL}; CPS hearing record sheet practice", CPS_CTL_GUIDANCE),
        anchor="hearing",
        working_days=True,
    ),
    RuleRow(
        "review.threshold_test",
        "Full Code Test review after a Threshold Test charge",
        "offset",
        28,
        CODE_2018,
        source(
            "Code for Crown Prosecutors (8th edition, 26 October 2018), section 5 (the Threshold Test: the case must "
            f"be reviewed under the Full Code Test as soon as the anticipated evidence is received); period: {LOCAL}",
            CODE_FOR_CROWN_PROSECUTORS,
        ),
        anchor="threshold_charge",
    ),
]


def as_engine_rules(rows: list[RuleRow] | None = None) -> list[LimitRule]:
    """The shipped rows as the engine reads them (for checks and tests without a database)."""
    return [
        LimitRule(
            code=row.code,
            version=version_label(row.code, row.effective_from, row.custody),
            days=row.days,
            source=row.source,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            reduced_days=row.reduced_days,
            reduced_if_decided_within_days=row.reduced_if_decided_within_days,
            anchor=row.anchor,
            working_days=row.working_days,
            custody=row.custody,
            title=row.title,
            kind=row.kind,
            keyed_on=row.keyed_on,
            min_age_at_first_custody=row.min_age_at_first_custody,
        )
        for row in (RULES if rows is None else rows)
    ]


#: Rows shipped before and withdrawn because they were wrong: one notice period (2 working days)
#: for every court, and the "back to 182/112 days from 28 June 2021" rows that the first-custody
#: keyed temporary rows make unnecessary (the ordinary limit now runs without a gap).
WITHDRAWN: list[tuple[str, str, dt.date | None]] = [
    ("ctl.extension_notice", "any", None),
    ("ctl.crown", "any", COVID_TO),
    ("ctl.retrial", "any", COVID_TO),
]
#: Rows first shipped with the commencement of the 1987 Regulations as their effective date.
FIRST_SHIPPED_FROM = dt.date(1987, 4, 1)
