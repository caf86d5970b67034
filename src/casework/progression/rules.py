"""Time-limit rules: choosing the version of a rule, the standard key dates, and notice periods.
Pure functions: dates, rule rows and a calendar in; dates with their reasons out. The custody
clock itself is in `progression.ctl`.

Counting key dates: a calendar-day date that falls on a non-business day is shown as the last
business day before it, because a document served on a non-business day counts as served on the
next business day (Criminal Procedure Rules 2020, r. 4.11), which would be too late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from casework.core.working_days import WorkingCalendar, day_and_date

SERVICE_RULE = "Criminal Procedure Rules 2020, r. 4.11"


class Regime(StrEnum):
    SUMMARY = "summary"
    EITHER_WAY = "either_way"
    CROWN = "crown"
    RETRIAL = "retrial"


#: The court that hears an extension application under each regime (Crim PR r. 14.18(2)).
REGIME_COURT = {
    Regime.SUMMARY: "magistrates",
    Regime.EITHER_WAY: "magistrates",
    Regime.CROWN: "crown",
    Regime.RETRIAL: "crown",
}
COURT_LABEL = {"magistrates": "a magistrates' court", "crown": "the Crown Court"}


def version_label(code: str, effective_from: dt.date, custody: str = "any") -> str:
    return f"{code}@{effective_from.isoformat()}" + (f"/{custody}" if custody != "any" else "")


@dataclass(frozen=True)
class LimitRule:
    """One version of a time-limit rule, as the engine needs it (see rule_tables.RuleRow)."""

    code: str
    version: str
    days: int
    source: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    reduced_days: int | None = None
    reduced_if_decided_within_days: int | None = None
    anchor: str = ""
    working_days: bool = False
    custody: str = "any"
    title: str = ""
    kind: str = "offset"
    keyed_on: str = "regime_start"
    min_age_at_first_custody: int | None = None

    def applies_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class RuleNotFound(LookupError):
    pass


class InvalidInput(ValueError):
    """Bad facts given to the engine; the message says which and why."""


def select_rule(rules: Iterable[LimitRule], code: str, on: dt.date, custody: str = "any") -> LimitRule:
    """The version of rule `code` in force on `on`. Rows keyed on first custody are left out:
    `ctl.limit_rule` chooses those."""
    matches = [
        rule
        for rule in rules
        if rule.code == code
        and rule.keyed_on == "regime_start"
        and rule.applies_on(on)
        and (rule.custody in ("any", custody) or custody == "any")
    ]
    if not matches:
        raise RuleNotFound(f"no version of rule {code} is in force on {on.isoformat()}")
    return max(matches, key=lambda rule: rule.effective_from)


# --- dates that must fall on a business day ------------------------------------------------------


@dataclass(frozen=True)
class BusinessDay:
    """A date moved back to a business day if it fell on another day, with the reason."""

    due_on: dt.date
    counted: dt.date
    reason: str  # "" when the counted date was a business day


def last_business_day_on_or_before(day: dt.date, calendar: WorkingCalendar) -> BusinessDay:
    due, skipped = calendar.preceding_working_day(day)
    if not skipped:
        return BusinessDay(day, day, "")
    why = skipped[0][1]
    return BusinessDay(
        due,
        day,
        f"{day_and_date(day)} is {why}: due {day_and_date(due)}, the last business day before it "
        f"(service on a non-business day counts as the next business day, {SERVICE_RULE})",
    )


# --- the extension notice -------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeDate:
    due_on: dt.date
    court: str
    notice_days: int
    explanation: str
    rule_version: str
    source: str
    title: str = ""
    basis: str = ""


def extension_notice(
    *, expires_on: dt.date, court: str, rules: Sequence[LimitRule], calendar: WorkingCalendar
) -> NoticeDate | None:
    """The latest day to serve notice of an application to extend a custody time limit.

    The hearing must be before the limit expires (s.22(3) Prosecution of Offences Act 1985), so
    the latest hearing is the expiry day itself. The court hears the application after N days
    from the notice (Crim PR r. 14.18(2): 5 in the Crown Court, 2 in a magistrates' court); read
    as N clear days between the day of notice and the hearing, notice must be served by
    expiry - (N + 1) days, then moved back to a business day. Reading the rule as "N days before
    the hearing" would give a date one day later: the earlier reading is taken.
    """
    try:
        rule = select_rule(rules, f"ctl.extension_notice.{court}", expires_on)
    except RuleNotFound:
        return None
    days = rule.days
    counted = expires_on - dt.timedelta(days=days + 1)
    run_from, run_to = counted + dt.timedelta(days=1), expires_on - dt.timedelta(days=1)
    due = last_business_day_on_or_before(counted, calendar)
    text = (
        f"Extension notice ({COURT_LABEL[court]}): the court hears the application after {days} days from the "
        f"notice. For a hearing on the expiry day, {day_and_date(expires_on)}, the {days} days must run from "
        f"{day_and_date(run_from)} to {day_and_date(run_to)}, so serve notice by {day_and_date(counted)}"
    )
    if due.reason:
        text += f"; that day is not a business day, so serve it by {day_and_date(due.due_on)}"
    text += (
        f". This reads the rule as {days} clear days between notice and hearing, the earlier of the two possible "
        "readings. The court may shorten the period."
    )
    basis = (
        f"{days} clear days before a hearing on the expiry day ({day_and_date(expires_on)}) in {COURT_LABEL[court]}"
        + (f"; {due.reason}" if due.reason else "")
    )
    return NoticeDate(due.due_on, court, days, text, rule.version, rule.source, rule.title, basis[:300])


# --- key dates from triggers ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedDate:
    code: str
    title: str
    due_on: dt.date
    basis: str
    rule_version: str
    source: str
    met_on: dt.date | None = None  # set when the facts show the deadline was met


def offset_date(
    rule: LimitRule, anchor_name: str, anchor_date: dt.date, calendar: WorkingCalendar
) -> tuple[dt.date, str]:
    """The date an offset rule gives from its anchor, and how it was reached."""
    if rule.working_days:
        due = calendar.add_working_days(anchor_date, rule.days)
        unit = "working day" if abs(rule.days) == 1 else "working days"
        moved = ""
    else:
        business = last_business_day_on_or_before(anchor_date + dt.timedelta(days=rule.days), calendar)
        due = business.due_on
        unit = "day" if abs(rule.days) == 1 else "days"
        moved = f"; {business.reason}" if business.reason else ""
    direction = "after" if rule.days >= 0 else "before"
    basis = (
        f"{abs(rule.days)} {unit} {direction} the {anchor_name.replace('_', ' ')} ({day_and_date(anchor_date)}){moved}"
    )
    return due, basis


def key_dates(
    *,
    anchors: dict[str, dt.date],
    rules: Sequence[LimitRule],
    calendar: WorkingCalendar,
    in_custody: bool,
    codes: Iterable[str] | None = None,
) -> list[ProposedDate]:
    """Standard deadlines that follow from the anchor dates known so far.

    Derived anchors (Stage 1 → 2 → 3) are filled in as they are computed, so a change to the
    sending date flows through the whole timetable.
    """
    custody = "custody" if in_custody else "bail"
    known = dict(anchors)
    wanted = set(codes) if codes is not None else None
    proposals: list[ProposedDate] = []
    for code, candidates in _offset_rules_in_order(rules, custody):
        anchor_name = candidates[0].anchor
        anchor_date = known.get(anchor_name)
        if anchor_date is None:
            continue
        needed = wanted is None or code in wanted
        if not needed and not code.startswith("stage."):
            continue  # nothing else is counted from it
        rule = select_rule(candidates, code, anchor_date, custody)
        due, basis = offset_date(rule, anchor_name, anchor_date, calendar)
        if code.startswith("stage."):
            known[code.replace(".", "_")] = due
        if needed:
            proposals.append(ProposedDate(code, rule.title, due, basis[:300], rule.version, rule.source))
    return proposals


#: The last few rule tuples' offset rules by code, in derivation order, per custody status: the sweep
#: asks for each case's key dates with the same rules tens of thousands of times. Keyed by the
#: tuple's identity (a tuple cannot change; the entry's reference to it keeps the id from reuse).
_OFFSET_PLANS: dict[tuple[int, str], tuple[Sequence[LimitRule], list[tuple[str, list[LimitRule]]]]] = {}


def _offset_rules_in_order(rules: Sequence[LimitRule], custody: str) -> list[tuple[str, list[LimitRule]]]:
    """(code, the versions of that offset rule which apply to this custody status), in the order
    derived anchors need: a stage's date is known before the rules counted from it."""
    cached = _OFFSET_PLANS.get((id(rules), custody))
    if cached is not None and cached[0] is rules:
        return cached[1]
    by_code: dict[str, list[LimitRule]] = {}
    for rule in rules:
        if rule.anchor and rule.kind == "offset" and rule.custody in ("any", custody):
            by_code.setdefault(rule.code, []).append(rule)
    plan = [(code, by_code[code]) for code in sorted(by_code, key=lambda code: (_DERIVATION_ORDER.get(code, 99), code))]
    if not isinstance(rules, tuple):  # a list may change in place: worked out afresh each time
        return plan
    if len(_OFFSET_PLANS) >= 8:
        _OFFSET_PLANS.clear()
    _OFFSET_PLANS[(id(rules), custody)] = (rules, plan)
    return plan


_DERIVATION_ORDER: dict[str, int] = {
    "ptph.target": 0,
    "ptph.latest": 1,
    "ptph.form": 2,
    "stage.1": 3,
    "stage.2": 4,
    "stage.3": 5,
    "stage.4": 6,
    "hrs.return": 7,
    "ctl.extension_prepare": 8,
    "ctl.extension_task_due": 9,
    "ctl.extension_task_escalate": 10,
    "review.threshold_test": 11,
}
