"""A case's status and its one next action, derived from the case's state (pure: facts in, status out).

Statuses follow the naming the CPS's own design research settled on: "Ready to ..." (or "... needed")
where someone here must act and has not started, "Waiting for ..." where the case is blocked on
something outside the unit. The court stage is a separate fact and is shown beside the status, never
folded into it. Urgency uses three words only, and red is kept for problems:

- "Due soon": the next action falls due within DUE_SOON_DAYS (or a custody time limit is that close);
- "Overdue": its date has passed;
- "Critically overdue": more than CRITICAL_DAYS past, or a custody time limit has run out.

The first rule that applies wins, in the order of harm if nothing is done: custody first, then
missing people, then overdue work, then the stage's own next step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Days ahead within which work is "Due soon".
DUE_SOON_DAYS = 7
#: Days past due beyond which work is "Critically overdue".
CRITICAL_DAYS = 7
#: A running custody time limit this close needs an extension application unless trial starts first
#: (the prosecution must give notice of an application: taking the safe side, from 28 days out).
EXTENSION_WINDOW_DAYS = 28

DUE_SOON = "Due soon"
OVERDUE = "Overdue"
CRITICALLY_OVERDUE = "Critically overdue"

OPEN_STAGES = frozenset(
    {"pre_charge", "charging_decision", "charged", "ptph", "trial_preparation", "trial", "sentence"}
)
PRE_CHARGE_STAGES = frozenset({"pre_charge", "charging_decision"})


@dataclass(frozen=True)
class CaseStatusFacts:
    """What the status rules need to know about one case (gathered in bulk by workday.status)."""

    stage: str
    has_prosecutor: bool
    #: The soonest expiry among the case's running custody time limits.
    ctl_expires_on: dt.date | None = None
    #: A running limit already past its date, or recorded as expired.
    ctl_expired: bool = False
    #: An extension application is being prepared or has been served for the soonest limit.
    extension_in_hand: bool = False
    #: The hearing date of an extension application that passed with no decision recorded.
    extension_hearing_undecided_on: dt.date | None = None
    next_trial_on: dt.date | None = None
    next_hearing_on: dt.date | None = None
    next_hearing_label: str = ""
    hearing_record_sheet_missing: bool = False
    review_overdue: bool = False
    signoff_waiting_since: dt.date | None = None
    #: The earliest open deadline and its title.
    next_deadline_on: dt.date | None = None
    next_deadline_title: str = ""


@dataclass(frozen=True)
class CaseStatus:
    label: str
    next_action: str
    urgency: str = ""
    #: The date the next action is due, if it has one.
    due_on: dt.date | None = None
    #: GOV.UK tag colour: red only for problems (overdue or custody at risk).
    colour: str = "blue"
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tag_class(self) -> str:
        return f"govuk-tag--{self.colour}"


def urgency_of(due_on: dt.date | None, today: dt.date) -> str:
    """The urgency word for something due on `due_on`: "" when it is further off than DUE_SOON_DAYS."""
    if due_on is None:
        return ""
    days = (due_on - today).days
    if days < -CRITICAL_DAYS:
        return CRITICALLY_OVERDUE
    if days < 0:
        return OVERDUE
    if days <= DUE_SOON_DAYS:
        return DUE_SOON
    return ""


def colour_of(urgency: str, default: str = "blue") -> str:
    return {CRITICALLY_OVERDUE: "red", OVERDUE: "red", DUE_SOON: "orange"}.get(urgency, default)


def _status(
    label: str, action: str, due_on: dt.date | None, today: dt.date, default_colour: str = "blue"
) -> CaseStatus:
    urgency = urgency_of(due_on, today)
    return CaseStatus(label, action, urgency, due_on, colour_of(urgency, default_colour))


def case_status(facts: CaseStatusFacts, today: dt.date) -> CaseStatus:
    """The one status and next action of a case on `today`."""
    if facts.stage not in OPEN_STAGES:
        return CaseStatus("Case finalised", "No action needed", colour="grey")
    custody = _custody_status(facts, today)
    if custody is not None:
        return custody
    if not facts.has_prosecutor:
        return CaseStatus("Ready to allocate", "Allocate a prosecutor", colour="purple")
    overdue_deadline = facts.next_deadline_on is not None and facts.next_deadline_on < today
    if overdue_deadline:
        return _status("Deadline overdue", facts.next_deadline_title, facts.next_deadline_on, today)
    if facts.hearing_record_sheet_missing:
        return CaseStatus("Waiting for hearing record sheet", "Add the hearing record sheet", OVERDUE, None, "red")
    if facts.signoff_waiting_since is not None:
        return CaseStatus("Waiting for sign-off", "A legal manager decides the sign-off", colour="light-blue")
    if facts.review_overdue:
        return CaseStatus("Ready for case review", "Review the case and record the review", OVERDUE, None, "red")
    if facts.stage in PRE_CHARGE_STAGES:
        return CaseStatus("Ready for charging decision", "Record the charging decision", colour="purple")
    if facts.next_deadline_on is not None and urgency_of(facts.next_deadline_on, today) == DUE_SOON:
        return _status("Deadline due soon", facts.next_deadline_title, facts.next_deadline_on, today)
    if facts.next_hearing_on is None:
        return CaseStatus("Waiting for a hearing date", "Add the next hearing when the court lists it", colour="grey")
    return CaseStatus(
        f"Waiting for {facts.next_hearing_label or 'next hearing'}",
        "Prepare for the hearing",
        due_on=facts.next_hearing_on,
        colour="grey",
    )


def _custody_status(facts: CaseStatusFacts, today: dt.date) -> CaseStatus | None:
    if facts.ctl_expired:
        return CaseStatus(
            "Custody time limit expired",
            "Record why the defendant is still held, or the release",
            CRITICALLY_OVERDUE,
            facts.ctl_expires_on,
            "red",
        )
    if facts.extension_hearing_undecided_on is not None:
        return CaseStatus(
            "Custody time limit: extension decision not recorded",
            "Record the court's decision on the extension",
            urgency_of(facts.extension_hearing_undecided_on, today) or OVERDUE,
            facts.extension_hearing_undecided_on,
            "red",
        )
    expires = facts.ctl_expires_on
    if expires is None or (expires - today).days > EXTENSION_WINDOW_DAYS:
        return None
    trial_first = facts.next_trial_on is not None and facts.next_trial_on <= expires
    if trial_first or facts.extension_in_hand:
        return None
    urgency = urgency_of(expires, today)
    return CaseStatus(
        "Custody time limit: extension needed",
        "Apply to extend the custody time limit",
        urgency,
        expires,
        "red" if urgency else "orange",
    )


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 case', '2 cases' (never 'case(s)')."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
