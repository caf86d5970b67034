"""The time-limit engine. Pure functions: dates, rule rows and a calendar in; verdicts out.

Counting follows regulation 2(4) and (5) of the Prosecution of Offences (Custody Time Limits)
Regulations 1987: the day a period starts is not counted (expiry = start + limit days), and a
limit that would expire on a Saturday, Sunday, Christmas Day, Good Friday or bank holiday expires
on the preceding day that is none of those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from casework.progression.calendar import WorkingCalendar, fmt


class Regime(StrEnum):
    SUMMARY = "summary"
    EITHER_WAY = "either_way"
    CROWN = "crown"
    RETRIAL = "retrial"


REGIME_START_LABEL = {
    Regime.SUMMARY: "first appearance",
    Regime.EITHER_WAY: "first appearance",
    Regime.CROWN: "sending",
    Regime.RETRIAL: "start of custody on the bill or retrial",
}


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

    def applies_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)


class RuleNotFound(LookupError):
    pass


def select_rule(rules: Iterable[LimitRule], code: str, on: dt.date, custody: str = "any") -> LimitRule:
    """The version of rule `code` in force on `on` (for CTLs: the day the custody period began)."""
    matches = [
        rule
        for rule in rules
        if rule.code == code and rule.applies_on(on) and (rule.custody in ("any", custody) or custody == "any")
    ]
    if not matches:
        raise RuleNotFound(f"no version of rule {code} is in force on {on.isoformat()}")
    return max(matches, key=lambda rule: rule.effective_from)


class InvalidInput(ValueError):
    """Bad facts given to the engine; the message says which and why."""


@dataclass(frozen=True)
class CtlComputation:
    expires_on: dt.date
    limit_days: int
    unadjusted_expiry: dt.date
    explanation: list[str]
    rule_code: str
    rule_version: str
    source: str


def ctl_expiry(
    *,
    regime: Regime,
    start: dt.date,
    rule: LimitRule,
    calendar: WorkingCalendar,
    prior_custody_days: int = 0,
    summary_trial_decided_on: dt.date | None = None,
) -> CtlComputation:
    """Expiry of one uninterrupted custody period that began on `start`."""
    limit = rule.days
    explanation = [f"Rule {rule.code} (version {rule.version}): {limit} days. Source: {rule.source}."]
    if regime is Regime.EITHER_WAY and summary_trial_decided_on is not None:
        if summary_trial_decided_on < start:
            raise InvalidInput("the summary trial decision cannot be before the first appearance")
        window = rule.reduced_if_decided_within_days
        if rule.reduced_days is not None and window is not None:
            decided_within = (summary_trial_decided_on - start).days
            if decided_within <= window:
                limit = rule.reduced_days
                explanation.append(
                    f"Summary trial decided on {fmt(summary_trial_decided_on)}, {decided_within} days after first "
                    f"appearance (within {window}): the limit is {limit} days."
                )
            else:
                explanation.append(
                    f"Summary trial decided on {fmt(summary_trial_decided_on)}, {decided_within} days after first "
                    f"appearance (more than {window}): the limit stays {limit} days."
                )
    elif summary_trial_decided_on is not None:
        raise InvalidInput("a summary trial decision date applies only to the either-way regime")
    if prior_custody_days < 0:
        raise InvalidInput("days already in custody cannot be negative")
    if prior_custody_days:
        if prior_custody_days >= limit:
            raise InvalidInput(
                f"days already in custody ({prior_custody_days}) must be fewer than the limit ({limit} days)"
            )
        explanation.append(
            f"Less {prior_custody_days} days already spent in custody: {limit - prior_custody_days} days remain."
        )
    days = limit - prior_custody_days
    raw_expiry = start + dt.timedelta(days=days)
    label = REGIME_START_LABEL[regime]
    reason = calendar.non_working_reason(raw_expiry)
    if reason is None:
        explanation.append(f"{label} {fmt(start)} + {days} days = {fmt(raw_expiry)}; expires {fmt(raw_expiry)}.")
        expires = raw_expiry
    else:
        expires, skipped = calendar.preceding_working_day(raw_expiry)
        preceding = [_short(day, why) for day, why in skipped[1:]]
        precede_text = f"; {_join(preceding)} precede{'s' if len(preceding) == 1 else ''} it" if preceding else ""
        explanation.append(
            f"{label} {fmt(start)} + {days} days = {fmt(raw_expiry)}, {reason}{precede_text}; expires {fmt(expires)} "
            "(the preceding working day)."
        )
    return CtlComputation(
        expires_on=expires,
        limit_days=limit,
        unadjusted_expiry=raw_expiry,
        explanation=explanation,
        rule_code=rule.code,
        rule_version=rule.version,
        source=rule.source,
    )


def _short(day: dt.date, reason: str) -> str:
    if reason.startswith("a bank holiday ("):
        return reason[len("a bank holiday (") : -1]
    return f"{day:%a}"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


# --- the custody clock: stop/start events for one defendant on one charge ------------------------


class ClockEventKind(StrEnum):
    REMANDED = "remanded"  # remanded in custody (starts or resumes the clock)
    BAILED = "bailed"  # stops the clock
    SENT = "sent"  # sent to the Crown Court: the Crown Court limit now runs
    PLEA = "plea"  # guilty plea: the clock ends
    TRIAL_STARTED = "trial_started"  # the clock ends
    EXTENSION_GRANTED = "extension_granted"  # the court set a new expiry date
    RETRIAL_ORDERED = "retrial_ordered"  # the retrial limit now runs


@dataclass(frozen=True)
class ClockEvent:
    kind: ClockEventKind
    on: dt.date
    new_expiry: dt.date | None = None


class ClockStatus(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"  # on bail: the clock is stopped but may resume
    ENDED = "ended"  # plea or trial started
    EXPIRED = "expired"  # the expiry passed while the clock was running


@dataclass(frozen=True)
class ClockReading:
    status: ClockStatus
    regime: Regime
    expires_on: dt.date | None
    days_remaining: int | None
    days_used: int
    limit_days: int | None
    explanation: list[str]
    rule_code: str = ""
    rule_version: str = ""
    extended: bool = False


@dataclass
class _ClockState:
    regime: Regime
    running_since: dt.date | None = None
    days_used: int = 0  # days in custody under the current regime, before running_since
    magistrates_days: int = 0  # carried into the Crown Court limit
    regime_started: dt.date | None = None
    ended: bool = False
    extended_to: dt.date | None = None
    notes: list[str] = field(default_factory=list)


def ctl_clock(
    *,
    initial_regime: Regime,
    events: Sequence[ClockEvent],
    rules: Sequence[LimitRule],
    calendar: WorkingCalendar,
    today: dt.date,
    summary_trial_decided_on: dt.date | None = None,
) -> ClockReading:
    """Read the custody clock on `today` from its events (processed in date order).

    Days in custody accumulate across remands; a later remand resumes the clock with the days
    left. Sending to the Crown Court starts the Crown Court limit, less the days already spent in
    magistrates' custody. An extension sets the expiry the court gave. A plea or the start of
    trial ends the clock.
    """
    state = _ClockState(regime=initial_regime)
    for event in sorted(events, key=lambda e: (e.on, _EVENT_ORDER[e.kind])):
        if event.on > today:
            continue
        _apply(state, event)
    if state.regime_started is None:
        return ClockReading(
            ClockStatus.NOT_STARTED,
            state.regime,
            None,
            None,
            0,
            None,
            ["The defendant has not been remanded in custody on this charge."],
        )
    rule = select_rule(rules, f"ctl.{state.regime.value}", state.regime_started)
    prior = state.magistrates_days if state.regime in (Regime.CROWN,) else 0
    used_now = state.days_used + ((today - state.running_since).days if state.running_since else 0)
    if state.ended:
        return ClockReading(
            ClockStatus.ENDED,
            state.regime,
            None,
            None,
            used_now,
            rule.days,
            [*state.notes, "The custody time limit no longer applies."],
            rule.code,
            rule.version,
        )
    explanation = list(state.notes)
    resume_from = state.running_since or today
    try:
        computation = ctl_expiry(
            regime=state.regime,
            start=resume_from,
            rule=rule,
            calendar=calendar,
            prior_custody_days=prior + state.days_used,
            summary_trial_decided_on=summary_trial_decided_on if state.regime is Regime.EITHER_WAY else None,
        )
    except InvalidInput:
        # Every day of the limit was used before this custody period began.
        explanation.append(f"All {rule.days} days of the limit have been used: it has expired.")
        return ClockReading(
            ClockStatus.EXPIRED,
            state.regime,
            None,
            None,
            used_now,
            rule.days,
            explanation,
            rule.code,
            rule.version,
            state.extended_to is not None,
        )
    explanation.extend(computation.explanation)
    expires = computation.expires_on
    if state.extended_to is not None:
        explanation.append(f"Extended by the court to {fmt(state.extended_to)}.")
        expires = state.extended_to
    if state.running_since is None:
        explanation.append(
            f"On bail: the clock is stopped with {computation.limit_days - prior - state.days_used} days left; "
            "it resumes on a later remand in custody."
        )
        return ClockReading(
            ClockStatus.PAUSED,
            state.regime,
            None,
            None,
            used_now,
            computation.limit_days,
            explanation,
            rule.code,
            rule.version,
            state.extended_to is not None,
        )
    remaining = (expires - today).days
    status = ClockStatus.EXPIRED if remaining < 0 else ClockStatus.RUNNING
    return ClockReading(
        status,
        state.regime,
        expires,
        remaining,
        used_now,
        computation.limit_days,
        explanation,
        rule.code,
        rule.version,
        state.extended_to is not None,
    )


_EVENT_ORDER = {
    ClockEventKind.BAILED: 0,
    ClockEventKind.SENT: 1,
    ClockEventKind.RETRIAL_ORDERED: 1,
    ClockEventKind.REMANDED: 2,
    ClockEventKind.EXTENSION_GRANTED: 3,
    ClockEventKind.PLEA: 4,
    ClockEventKind.TRIAL_STARTED: 4,
}


def _stop(state: _ClockState, on: dt.date) -> None:
    if state.running_since is not None:
        state.days_used += (on - state.running_since).days
        state.running_since = None


def _apply(state: _ClockState, event: ClockEvent) -> None:
    if state.ended:
        return
    kind = event.kind
    if kind is ClockEventKind.REMANDED:
        if state.running_since is None:
            state.running_since = event.on
            if state.regime_started is None:
                state.regime_started = event.on
                state.notes.append(f"Remanded in custody on {fmt(event.on)}.")
            else:
                state.notes.append(f"Remanded in custody again on {fmt(event.on)}: the clock resumes.")
    elif kind is ClockEventKind.BAILED:
        if state.running_since is not None:
            _stop(state, event.on)
            state.notes.append(f"Bailed on {fmt(event.on)} after {state.days_used} days in custody: the clock stops.")
    elif kind in (ClockEventKind.SENT, ClockEventKind.RETRIAL_ORDERED):
        was_running = state.running_since is not None
        _stop(state, event.on)
        new_regime = Regime.CROWN if kind is ClockEventKind.SENT else Regime.RETRIAL
        if new_regime is Regime.CROWN:
            state.magistrates_days = state.days_used
            state.notes.append(
                f"Sent to the Crown Court on {fmt(event.on)} with {state.magistrates_days} days already in "
                "magistrates' custody."
            )
        else:
            state.magistrates_days = 0
            state.notes.append(f"Retrial or voluntary bill on {fmt(event.on)}: the retrial limit runs.")
        state.regime = new_regime
        state.days_used = 0
        state.extended_to = None
        state.regime_started = event.on
        if was_running:
            state.running_since = event.on
    elif kind is ClockEventKind.EXTENSION_GRANTED:
        if event.new_expiry is None:
            raise InvalidInput("an extension needs the new expiry date the court set")
        state.extended_to = event.new_expiry
    elif kind in (ClockEventKind.PLEA, ClockEventKind.TRIAL_STARTED):
        _stop(state, event.on)
        state.ended = True
        what = "Guilty plea" if kind is ClockEventKind.PLEA else "Trial started"
        state.notes.append(f"{what} on {fmt(event.on)}.")


# --- key dates from triggers ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedDate:
    code: str
    title: str
    due_on: dt.date
    basis: str
    rule_version: str
    source: str


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
    offset_rules = sorted({r.code for r in rules if r.anchor}, key=lambda code: (_DERIVATION_ORDER.get(code, 99), code))
    for code in offset_rules:
        candidates = [r for r in rules if r.code == code and r.custody in ("any", custody)]
        if not candidates:
            continue
        anchor_name = candidates[0].anchor
        anchor_date = known.get(anchor_name)
        if anchor_date is None:
            continue
        rule = select_rule(candidates, code, anchor_date, custody)
        if rule.working_days:
            due = calendar.add_working_days(anchor_date, rule.days)
            unit = "working day" if abs(rule.days) == 1 else "working days"
        else:
            due = anchor_date + dt.timedelta(days=rule.days)
            unit = "day" if abs(rule.days) == 1 else "days"
        direction = "after" if rule.days >= 0 else "before"
        basis = f"{abs(rule.days)} {unit} {direction} the {anchor_name.replace('_', ' ')} ({fmt(anchor_date)})"
        if code.startswith("stage."):
            known[code.replace(".", "_")] = due
        if wanted is None or code in wanted:
            proposals.append(ProposedDate(code, rule.title, due, basis, rule.version, rule.source))
    return proposals


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
    "ctl.extension_notice": 9,
    "review.threshold_test": 10,
}
