"""The custody time limit clock: the whole custody history in, the expiry with its reasons out.
Pure: no ORM, no clock, no I/O.

Law (Prosecution of Offences (Custody Time Limits) Regulations 1987, SI 1987/299):
- reg. 2(4): the day custody began is not counted, so after a first remand on day D with a limit
  of N days the limit ends on D + N;
- reg. 2(5): a limit that would end on a Saturday, Sunday, Christmas Day, Good Friday or a bank
  holiday ends on the preceding day that is none of those;
- reg. 4(2), (3): either-way offences 70 days, or 56 if the court decides on summary trial before
  the end of the 56 days following the day of the first appearance;
- reg. 5(6B): sent to the Crown Court, 182 days from sending less the days in the magistrates'
  court's custody; reg. 5(3): voluntary bill or retrial, 112 days to the start of the trial;
- SI 2020/953: 238 and 168 days for a defendant first in custody for the offence from
  28 September 2020 to 27 June 2021 and aged 18 or over then (reg. 1A, inserted by SI 2021/91);
- s.22(3) Prosecution of Offences Act 1985: a limit can be extended only before it expires.

Conventions where the text leaves a choice (CPS CTL guidance; the safe side, the earlier expiry):
- the "day not counted" discount applies only to the first remand on the charge: a re-remand
  day counts, so after a re-remand on day R with L days left the limit ends on R + L - 1;
- days used before bail are counted as bail date - remand date (the bail day counts as a day in
  custody); for a period that began with a re-remand both ends count (bail date - remand + 1);
- the 56-day test for either-way offences is measured from the first appearance; when the first
  appearance is not known separately, the first remand is taken as it (which can only shorten
  the limit);
- without a date of birth the temporary coronavirus limits are not applied (they exclude
  under-18s); without a date of first custody the first remand in the history is taken as it;
- a court's new expiry that falls on a non-working day is treated as ending on the preceding
  working day (reg. 2(5)) and flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from casework.core.working_days import WorkingCalendar, day_and_date
from casework.progression.rules import (
    REGIME_COURT,
    InvalidInput,
    LimitRule,
    NoticeDate,
    Regime,
    RuleNotFound,
    extension_notice,
    select_rule,
)

REG_2_4 = "reg. 2(4)"
REG_2_5 = "reg. 2(5)"


class ClockEventKind(StrEnum):
    REMANDED = "remanded"  # remanded in custody (starts or resumes the clock)
    BAILED = "bailed"  # stops the clock
    SENT = "sent"  # sent to the Crown Court: the Crown Court limit now runs
    PLEA = "plea"  # guilty plea: the clock ends
    TRIAL_STARTED = "trial_started"  # the clock ends
    EXTENSION_GRANTED = "extension_granted"  # the court set a new expiry date
    RETRIAL_ORDERED = "retrial_ordered"  # the retrial or voluntary bill limit now runs


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
    EXPIRED = "expired"  # the expiry passed while the defendant was in custody


class ExtensionAfterExpiry(InvalidInput):
    """An extension granted after the limit expired: impossible (s.22(3) POA 1985)."""

    def __init__(self, *, granted_on: dt.date, expired_on: dt.date) -> None:
        self.granted_on = granted_on
        self.expired_on = expired_on
        super().__init__(
            f"the custody time limit expired on {day_and_date(expired_on)}; a court cannot extend a limit that has "
            f"expired (s.22(3) Prosecution of Offences Act 1985), so an extension granted on "
            f"{day_and_date(granted_on)} is not possible. This is a custody time limit failure to report"
        )


@dataclass(frozen=True)
class CtlFailure:
    """The limit ran out while the defendant was still in custody."""

    expired_on: dt.date
    found_on: dt.date  # the first day in custody beyond the limit that the history shows
    reason: str


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
    source: str = ""
    days_left_in_limit: int | None = None  # on bail: the days of the limit still to run
    unadjusted_expiry: dt.date | None = None
    failure: CtlFailure | None = None
    warnings: list[str] = field(default_factory=list)
    notice: NoticeDate | None = None

    @property
    def court(self) -> str:
        return REGIME_COURT[self.regime]


#: The order of events on one day. In custody at the start of the day, a bail comes first (bailed,
#: then perhaps remanded again); not in custody, a remand comes first (remanded, then perhaps
#: bailed the same day). A summary trial decision comes after bail and sending, before a remand.
_EVENT_ORDER = {
    ClockEventKind.BAILED: 0,
    ClockEventKind.SENT: 1,
    ClockEventKind.RETRIAL_ORDERED: 1,
    ClockEventKind.REMANDED: 3,
    ClockEventKind.EXTENSION_GRANTED: 4,
    ClockEventKind.PLEA: 5,
    ClockEventKind.TRIAL_STARTED: 5,
}
_ORDER_OUT_OF_CUSTODY = {**_EVENT_ORDER, ClockEventKind.BAILED: 4.5}
_DECISION_ORDER = 2


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def limit_rule(
    rules: Sequence[LimitRule],
    regime: Regime,
    regime_start: dt.date,
    first_custody: dt.date,
    born: dt.date | None,
    first_custody_given: bool,
) -> tuple[LimitRule, list[str]]:
    """The limit for a regime, with the lines explaining the choice.

    A row keyed on first custody (the temporary coronavirus limits) applies when the defendant was
    first in custody for the offence in its period and was old enough then; otherwise the version
    in force when the regime began.
    """
    code = f"ctl.{regime.value}"
    notes: list[str] = []
    for row in sorted(rules, key=lambda r: r.effective_from, reverse=True):
        if row.code != code or row.keyed_on != "first_custody" or not row.applies_on(first_custody):
            continue
        assumed = "" if first_custody_given else " (taken as the first remand in this history)"
        period = f"between {day_and_date(row.effective_from)} and " + (
            f"{day_and_date(row.effective_to - dt.timedelta(days=1))}" if row.effective_to else "now"
        )
        if row.min_age_at_first_custody is not None:
            if born is None:
                notes.append(
                    f"First in custody for the offence on {day_and_date(first_custody)}{assumed}, {period}, "
                    "but no date of "
                    f"birth is recorded: the temporary {row.days}-day limit does not apply to anyone under "
                    f"{row.min_age_at_first_custody} then, so the ordinary limit is used (the earlier expiry). "
                    "Record the date of birth to check."
                )
                break
            age = age_on(born, first_custody)
            if age < row.min_age_at_first_custody:
                notes.append(
                    f"First in custody for the offence on {day_and_date(first_custody)}{assumed}, {period}, "
                    f"aged {age}: the "
                    f"temporary {row.days}-day limit does not apply to a defendant under "
                    f"{row.min_age_at_first_custody} then (SI 2020/953 reg. 1A), so the ordinary limit applies."
                )
                break
            notes.append(
                f"First in custody for the offence on {day_and_date(first_custody)}{assumed}, {period}, aged "
                f"{age}: the "
                f"temporary {row.days}-day limit applies (SI 2020/953 reg. 3)."
            )
            return row, notes
        notes.append(
            f"First in custody for the offence on {day_and_date(first_custody)}{assumed}, {period}: the temporary "
            f"{row.days}-day limit applies."
        )
        return row, notes
    return select_rule(rules, code, regime_start), notes


@dataclass
class _Clock:
    """The state of the clock while the history is replayed."""

    regime: Regime
    rules: Sequence[LimitRule]
    calendar: WorkingCalendar
    first_custody_on: dt.date | None
    born_on: dt.date | None
    prior_custody_days: int
    decided_on: dt.date | None
    in_custody: bool = False
    ever_in_custody: bool = False
    period_start: dt.date | None = None
    period_counts_first_day: bool = False  # a re-remand day counts; the first remand day does not
    raw_end: dt.date | None = None  # while in custody: the last day of the limit before reg. 2(5)
    days_left: int | None = None  # while on bail: days of the limit still to run
    used_before_period: int = 0
    magistrates_days: int = 0
    regime_started: dt.date | None = None
    rule: LimitRule | None = None
    limit_days: int = 0
    extended_to: dt.date | None = None  # the court's date while this custody period runs
    court_extended: bool = False  # the limit under this regime was extended (kept through bail)
    ended: bool = False
    sent_on: dt.date | None = None
    decision_applied: bool = False
    first_appearance: dt.date | None = None
    failure: CtlFailure | None = None
    first_remand: dt.date | None = None  # the first remand in the whole history given
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    # --- what the clock says now ---------------------------------------------------------------

    def expiry(self) -> dt.date | None:
        """The day the limit ends (after reg. 2(5)) while the defendant is in custody."""
        end = self.extended_to or self.raw_end
        if end is None:
            return None
        return self.calendar.preceding_working_day(end)[0]

    def used_to(self, day: dt.date) -> int:
        """Days used in this regime up to and including `day`."""
        if not self.in_custody or self.period_start is None:
            return self.used_before_period
        return self.used_before_period + self.period_days(day)

    def period_days(self, day: dt.date) -> int:
        assert self.period_start is not None
        return max(0, (day - self.period_start).days + (1 if self.period_counts_first_day else 0))

    def check_breach(self, on: dt.date, what: str) -> None:
        """Record a failure when the history shows custody beyond the expiry."""
        expiry = self.expiry()
        if self.failure is None and self.in_custody and expiry is not None and on > expiry:
            self.failure = CtlFailure(
                expiry,
                on,
                f"The limit expired on {day_and_date(expiry)} while the defendant was still in custody ({what} on "
                f"{day_and_date(on)}): this is a custody time limit failure to report.",
            )
            self.notes.append(self.failure.reason)

    # --- choosing the limit --------------------------------------------------------------------

    def choose_limit(self, regime_start: dt.date, first_custody: dt.date) -> None:
        rule, notes = limit_rule(
            self.rules,
            self.regime,
            regime_start,
            first_custody,
            self.born_on,
            self.first_custody_on is not None,
        )
        self.rule, self.limit_days = rule, rule.days
        self.notes.extend(notes)
        self.notes.append(f"Limit: {rule.days} days ({rule.title}). Rule {rule.version}. Source: {rule.source}")

    # --- events ----------------------------------------------------------------------------------

    def remanded(self, on: dt.date, first_custody_default: dt.date) -> None:
        if self.ended:
            raise InvalidInput(
                f"a remand in custody on {day_and_date(on)} comes after the clock ended; record a retrial or "
                "voluntary bill "
                "first if a new limit runs"
            )
        if self.in_custody:
            self.notes.append(
                f"Remanded in custody on {day_and_date(on)} while already in custody: the clock carries on unchanged."
            )
            return
        if self.rule is None:
            if self.regime_started is None:
                self.regime_started = on
            first = self.first_custody_on or first_custody_default
            self.choose_limit(self.regime_started, first)
            if self.regime in (Regime.SUMMARY, Regime.EITHER_WAY):
                self.first_appearance = on
        prior = self.magistrates_days if self.regime is Regime.CROWN else 0
        if self.prior_custody_days and self.prior_custody_days >= self.limit_days:
            raise InvalidInput(
                f"days already in custody ({self.prior_custody_days}) must be fewer than the limit "
                f"({self.limit_days} days)"
            )
        if self.days_left is None:
            self.days_left = self.limit_days - prior - self.used_before_period
        left = self.days_left
        self.in_custody, self.period_start = True, on
        if not self.ever_in_custody:
            self.ever_in_custody = True
            self.period_counts_first_day = False
            self.raw_end = on + dt.timedelta(days=left)
            self.notes.append(self._first_custody_words(on, left))
        else:
            self.period_counts_first_day = True
            self.raw_end = on + dt.timedelta(days=left - 1)
            self.notes.append(
                f"Remanded in custody again on {day_and_date(on)} with {left} days of the limit left. The "
                "day of a re-remand "
                f"counts as a day in custody (the {REG_2_4} discount applies only to the first remand), so the limit "
                f"ends on {day_and_date(on)} + {left} - 1 days = {day_and_date(self.raw_end)}."
            )
        self.days_left = None
        self._apply_decision_if_due(on)
        self._note_exhausted(on)

    def _first_custody_words(self, on: dt.date, left: int) -> str:
        assert self.raw_end is not None
        if self.regime in (Regime.SUMMARY, Regime.EITHER_WAY):
            what = f"First remanded in custody on {day_and_date(on)}"
        elif self.regime is Regime.CROWN:
            what = (
                f"In the Crown Court's custody from {day_and_date(on)} "
                "(sent in custody, or first remanded after sending)"
            )
            if self.magistrates_days:
                what += f", after {self.magistrates_days} days in the magistrates' court's custody"
        else:
            what = f"In custody on the retrial or voluntary bill from {day_and_date(on)}"
        return (
            f"{what}: that day is not counted ({REG_2_4}), so the limit ends on {day_and_date(on)} + {left} days = "
            f"{day_and_date(self.raw_end)}."
        )

    def _note_exhausted(self, on: dt.date) -> None:
        expiry = self.expiry()
        if expiry is not None and expiry < on:
            self.check_breach(on, "remanded")

    def bailed(self, on: dt.date) -> None:
        if not self.in_custody:
            raise InvalidInput(
                f"bailed on {day_and_date(on)}, but the defendant was not in custody then: record the remand first"
            )
        self.check_breach(on, "bailed")
        assert self.period_start is not None
        period = self.period_days(on)
        end = self.extended_to or self.raw_end
        assert end is not None
        self.days_left = (end - on).days
        how = (
            f"bail date - remand date, {day_and_date(on)} - {day_and_date(self.period_start)}"
            if not self.period_counts_first_day
            else f"{day_and_date(self.period_start)} to {day_and_date(on)}, counting both days"
        )
        self.used_before_period += period
        self.in_custody, self.period_start, self.raw_end, self.extended_to = False, None, None, None
        self.notes.append(
            f"Bailed on {day_and_date(on)}: {period} days in custody this time ({how}); "
            f"{self.used_before_period} days used "
            f"under this limit, {max(self.days_left, 0)} days left. The clock stops until a further remand in custody."
        )

    def sent(self, on: dt.date) -> None:
        if self.ended:
            raise InvalidInput(f"sent to the Crown Court on {day_and_date(on)} after the clock ended")
        if self.sent_on is not None or self.regime is Regime.RETRIAL:
            raise InvalidInput(
                f"sent to the Crown Court on {day_and_date(on)}, but the clock is already under the "
                f"{'Crown Court' if self.regime is Regime.CROWN else 'retrial'} limit"
            )
        if self.decided_on is not None and self.decided_on > on:
            raise InvalidInput("the summary trial decision cannot come after the sending to the Crown Court")
        self.check_breach(on, "sent to the Crown Court")
        # On a clock opened under the Crown Court limit, custody before the sending is magistrates'
        # court custody too; it adds to any days given as already spent there.
        if self.in_custody:
            self.magistrates_days += self.used_to(on)
            how = "while in custody"
        else:
            self.magistrates_days += self.used_before_period
            how = "while not in custody"
        self.regime, self.sent_on = Regime.CROWN, on
        self.used_before_period, self.extended_to, self.regime_started = 0, None, on
        self.court_extended = False
        first = self.first_custody_on or self.first_remand or on
        self.rule = None
        self.choose_limit(on, first)
        left = self.limit_days - self.magistrates_days
        self.notes.append(
            f"Sent to the Crown Court on {day_and_date(on)} {how}, after {self.magistrates_days} days in the "
            "magistrates' "
            f"court's custody: {self.limit_days} - {self.magistrates_days} = {left} days of the Crown Court limit "
            "(reg. 5(6B))."
        )
        if self.in_custody:
            self.period_start, self.period_counts_first_day = on, False
            self.raw_end = on + dt.timedelta(days=left)
            self.notes.append(
                f"The day of sending counts in the magistrates' court's custody, so the Crown Court limit ends on "
                f"{day_and_date(on)} + {left} days = {day_and_date(self.raw_end)}."
            )
            self._note_exhausted(on)
        else:
            self.days_left = left

    def retrial(self, on: dt.date) -> None:
        self.check_breach(on, "retrial or voluntary bill")
        self.ended = False
        self.regime, self.magistrates_days, self.used_before_period = Regime.RETRIAL, 0, 0
        self.extended_to, self.regime_started, self.rule, self.court_extended = None, on, None, False
        first = self.first_custody_on or self.first_remand or on
        self.choose_limit(on, first)
        self.notes.append(
            f"Retrial ordered or voluntary bill preferred on {day_and_date(on)}: a new limit of "
            f"{self.limit_days} days runs "
            "to the start of the trial (reg. 5(3))."
        )
        if self.in_custody:
            self.period_start, self.period_counts_first_day = on, False
            self.raw_end = on + dt.timedelta(days=self.limit_days)
            self.notes.append(
                f"In custody on that day: it is not counted, so the limit ends on {day_and_date(on)} + "
                f"{self.limit_days} days "
                f"= {day_and_date(self.raw_end)}."
            )
        else:
            self.days_left = self.limit_days

    def extended(self, on: dt.date, new_expiry: dt.date | None) -> None:
        if new_expiry is None:
            raise InvalidInput("an extension needs the new expiry date the court set")
        if self.ended or not self.in_custody:
            raise InvalidInput(
                f"an extension on {day_and_date(on)} can only be recorded while the defendant is in custody "
                "under a running "
                "limit"
            )
        current = self.expiry()
        assert current is not None
        if on > current:
            raise ExtensionAfterExpiry(granted_on=on, expired_on=current)
        if new_expiry <= current:
            raise InvalidInput(
                f"the new expiry the court set ({day_and_date(new_expiry)}) must be later than the current expiry "
                f"({day_and_date(current)}): an extension cannot shorten the limit"
            )
        self.extended_to, self.court_extended = new_expiry, True
        self.notes.append(
            f"Extended by the court on {day_and_date(on)} from {day_and_date(current)} to {day_and_date(new_expiry)}."
        )
        reason = self.calendar.non_working_reason(new_expiry)
        if reason is not None:
            treated = self.calendar.preceding_working_day(new_expiry)[0]
            warning = (
                f"The new expiry the court set, {day_and_date(new_expiry)}, is {reason}, not a working day. Under "
                f"{REG_2_5} a limit ending on such a day ends on the preceding working day, so it is treated as "
                f"{day_and_date(treated)} (the earlier date). Check the order with the court."
            )
            self.warnings.append(warning)
            self.notes.append(warning)

    def ended_by(self, kind: ClockEventKind, on: dt.date) -> None:
        what = "Guilty plea" if kind is ClockEventKind.PLEA else "Trial started"
        self.check_breach(on, what.lower())
        if self.in_custody:
            self.used_before_period += self.period_days(on)
        self.in_custody, self.period_start, self.raw_end, self.ended = False, None, None, True
        self.notes.append(f"{what} on {day_and_date(on)}: the custody time limit no longer applies.")

    # --- the summary trial decision -----------------------------------------------------------------

    def decision(self, on: dt.date) -> None:
        """Record that the court decided on summary trial; the limit drops to 56 days if that was
        within 56 days of the first appearance. Applied when its date is reached."""
        self._apply_decision_if_due(on)

    def _apply_decision_if_due(self, today: dt.date) -> None:
        if self.decision_applied or self.decided_on is None or self.decided_on > today or self.rule is None:
            return
        if self.ended:
            return
        if self.regime is not Regime.EITHER_WAY:
            return
        self.decision_applied = True
        rule = self.rule
        window, reduced = rule.reduced_if_decided_within_days, rule.reduced_days
        first = self.first_appearance
        assert first is not None
        if self.decided_on < first:
            raise InvalidInput(
                f"the summary trial decision ({day_and_date(self.decided_on)}) cannot be before the first "
                "appearance, taken "
                f"as the first remand in custody ({day_and_date(first)})"
            )
        after = (self.decided_on - first).days
        measured = f"{after} days after the first appearance on {day_and_date(first)} (the first remand is taken as it)"
        if window is None or reduced is None or after > window:
            self.notes.append(
                f"Summary trial decided on {day_and_date(self.decided_on)}, {measured}: not within {window} "
                "days, so the limit "
                f"stays {self.limit_days} days."
            )
            return
        cut = self.limit_days - reduced
        self.limit_days = reduced
        if self.in_custody and self.raw_end is not None:
            self.raw_end -= dt.timedelta(days=cut)
            if self.extended_to is None:
                shown = f"the limit now ends on {day_and_date(self.raw_end)}"
            else:
                shown = "the court's extended date stands"
        else:
            self.days_left = (self.days_left or 0) - cut
            shown = f"{max(self.days_left, 0)} days are left"
        self.notes.append(
            f"Summary trial decided on {day_and_date(self.decided_on)}, {measured}: within {window} days, so "
            "the limit is "
            f"{reduced} days (reg. 4(3)), {cut} days fewer; {shown}."
        )
        self._note_exhausted(self.decided_on)


def ctl_clock(
    *,
    initial_regime: Regime,
    events: Sequence[ClockEvent],
    rules: Sequence[LimitRule],
    calendar: WorkingCalendar,
    today: dt.date,
    summary_trial_decided_on: dt.date | None = None,
    prior_custody_days: int = 0,
    first_custody_on: dt.date | None = None,
    born_on: dt.date | None = None,
    include_future: bool = False,
) -> ClockReading:
    """Read the custody clock on `today` from its whole history.

    Events after `today` are left out unless `include_future` (a what-if), in which case the
    reading is the clock at the end of the history given.
    """
    _check_facts(initial_regime, prior_custody_days, summary_trial_decided_on, born_on, first_custody_on)
    ordered = sorted(events, key=lambda e: (e.on, _EVENT_ORDER[e.kind]))
    for event in ordered:
        if event.on > today:  # not replayed below unless a what-if, but a date no calendar covers is an error
            calendar.check_covered(event.on)
    remands = [e.on for e in ordered if e.kind is ClockEventKind.REMANDED]
    clock = _Clock(
        regime=initial_regime,
        rules=rules,
        calendar=calendar,
        first_custody_on=first_custody_on,
        born_on=born_on,
        prior_custody_days=prior_custody_days,
        decided_on=summary_trial_decided_on,
        magistrates_days=prior_custody_days if initial_regime is Regime.CROWN else 0,
    )
    clock.first_remand = remands[0] if remands else None
    if first_custody_on is not None and remands and first_custody_on > remands[0]:
        raise InvalidInput(
            f"the date first in custody ({day_and_date(first_custody_on)}) cannot be after the first remand in custody "
            f"({day_and_date(remands[0])})"
        )
    if born_on is not None and remands and born_on >= remands[0]:
        raise InvalidInput("the date of birth must be before the first remand in custody")
    future = [e for e in ordered if e.on > today]
    if not include_future:
        ordered = [e for e in ordered if e.on <= today]
    elif future:
        clock.warnings.append(
            f"{len(future)} event(s) after today are included as what-ifs: the reading is for the end of the history "
            "given."
        )
    days: dict[dt.date, list[ClockEvent | None]] = {}
    for event in ordered:
        days.setdefault(event.on, []).append(event)
    if summary_trial_decided_on is not None and (include_future or summary_trial_decided_on <= today):
        days.setdefault(summary_trial_decided_on, []).append(None)
    for day in sorted(days):
        order = _EVENT_ORDER if clock.in_custody else _ORDER_OUT_OF_CUSTODY
        for step in sorted(days[day], key=lambda item: _DECISION_ORDER if item is None else order[item.kind]):
            if step is None:
                clock.decision(day)
            else:
                _apply(clock, step, remands[0] if remands else step.on)
    return _reading(clock, today, include_future)


def _check_facts(
    regime: Regime,
    prior_custody_days: int,
    decided_on: dt.date | None,
    born_on: dt.date | None,
    first_custody_on: dt.date | None,
) -> None:
    if prior_custody_days < 0:
        raise InvalidInput("days already in custody cannot be negative")
    if prior_custody_days and regime is not Regime.CROWN:
        raise InvalidInput(
            "days already in custody are taken off only the Crown Court limit (reg. 5(6B)); on the magistrates' "
            "court and retrial limits give the custody history instead (the bail and remand dates)"
        )
    if decided_on is not None and regime is not Regime.EITHER_WAY:
        raise InvalidInput("a summary trial decision date applies only to the either-way regime")
    if born_on is not None and first_custody_on is not None and born_on >= first_custody_on:
        raise InvalidInput("the date of birth must be before the date first in custody")


def _apply(clock: _Clock, event: ClockEvent, first_remand: dt.date) -> None:
    kind = event.kind
    if kind is ClockEventKind.REMANDED:
        clock.remanded(event.on, first_remand)
    elif kind is ClockEventKind.BAILED:
        clock.bailed(event.on)
    elif kind is ClockEventKind.SENT:
        clock.sent(event.on)
    elif kind is ClockEventKind.RETRIAL_ORDERED:
        clock.retrial(event.on)
    elif kind is ClockEventKind.EXTENSION_GRANTED:
        clock.extended(event.on, event.new_expiry)
    else:
        clock.ended_by(kind, event.on)


def _expiry_words(clock: _Clock, expiry: dt.date) -> str:
    end = clock.extended_to or clock.raw_end
    assert end is not None
    reason = clock.calendar.non_working_reason(end)
    if reason is None:
        return f"The limit ends on {day_and_date(end)}, a working day: expires {day_and_date(expiry)}."
    skipped = clock.calendar.preceding_working_day(end)[1]
    before = [_short(day, why) for day, why in skipped[1:]]
    precede = f"; {_join(before)} precede{'s' if len(before) == 1 else ''} it" if before else ""
    return (
        f"The limit would end on {day_and_date(end)}, {reason}{precede}; expires {day_and_date(expiry)} (the "
        "preceding working day, "
        f"{REG_2_5})."
    )


def _short(day: dt.date, reason: str) -> str:
    if reason.startswith("a bank holiday ("):
        return reason[len("a bank holiday (") : -1]
    return f"{day:%a}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _calendar_notes(clock: _Clock, start: dt.date | None, end: dt.date | None) -> list[str]:
    if start is None or end is None:
        return []
    years = clock.calendar.years_by_rule(start, end)
    if not years:
        return []
    listed = ", ".join(str(year) for year in years)
    return [
        f"Bank holidays for {listed} are not in the service's loaded calendar: they were worked out from the usual "
        "England-and-Wales rules. A holiday announced later for that year would not be included; an administrator "
        "can load the published list (calendar_refresh)."
    ]


def _reading(clock: _Clock, today: dt.date, include_future: bool) -> ClockReading:
    rule = clock.rule
    base = {
        "regime": clock.regime,
        "rule_code": rule.code if rule else "",
        "rule_version": rule.version if rule else "",
        "source": rule.source if rule else "",
        "extended": clock.court_extended,
        "warnings": clock.warnings,
    }
    if not clock.ever_in_custody and not clock.ended:
        return ClockReading(
            ClockStatus.NOT_STARTED,
            days_used=0,
            expires_on=None,
            days_remaining=None,
            limit_days=rule.days if rule else None,
            explanation=[*clock.notes, "The defendant has not been remanded in custody on this charge."],
            **base,  # type: ignore[arg-type]
        )
    if clock.ended:
        return ClockReading(
            ClockStatus.ENDED,
            expires_on=None,
            days_remaining=None,
            days_used=clock.used_before_period,
            limit_days=clock.limit_days or None,
            explanation=list(clock.notes),
            failure=clock.failure,
            **base,  # type: ignore[arg-type]
        )
    if not clock.in_custody:
        left = clock.days_left if clock.days_left is not None else clock.limit_days
        explanation = list(clock.notes)
        if left > 0:
            explanation.append(
                f"On bail: {left} days of the limit are left. If remanded in custody again on a day R, the limit "
                f"ends on R + {left} - 1 days (the re-remand day counts)."
            )
        else:
            explanation.append(
                "On bail: no days of the limit are left; a further remand in custody would be beyond it."
            )
        return ClockReading(
            ClockStatus.PAUSED,
            expires_on=None,
            days_remaining=None,
            days_used=clock.used_before_period,
            limit_days=clock.limit_days,
            explanation=explanation,
            days_left_in_limit=left,
            failure=clock.failure,
            **base,  # type: ignore[arg-type]
        )
    expiry = clock.expiry()
    assert expiry is not None and clock.period_start is not None
    end = clock.extended_to or clock.raw_end
    explanation = [*clock.notes, _expiry_words(clock, expiry)]
    last_day = max(today, clock.period_start) if include_future else today
    clock.check_breach(last_day, "still in custody")
    if clock.failure is not None and clock.failure.reason not in explanation:
        explanation.append(clock.failure.reason)
    status = ClockStatus.EXPIRED if today > expiry else ClockStatus.RUNNING
    notice = extension_notice(
        expires_on=expiry, court=REGIME_COURT[clock.regime], rules=clock.rules, calendar=clock.calendar
    )
    if notice is not None:
        explanation.append(notice.explanation)
    explanation.extend(_calendar_notes(clock, clock.regime_started or clock.period_start, end))
    return ClockReading(
        status,
        expires_on=expiry,
        days_remaining=(expiry - today).days,
        days_used=clock.used_to(max(today, clock.period_start)),
        limit_days=clock.limit_days,
        explanation=explanation,
        unadjusted_expiry=end,
        failure=clock.failure,
        notice=notice,
        **base,  # type: ignore[arg-type]
    )


__all__ = [
    "ClockEvent",
    "ClockEventKind",
    "ClockReading",
    "ClockStatus",
    "CtlFailure",
    "ExtensionAfterExpiry",
    "InvalidInput",
    "RuleNotFound",
    "age_on",
    "ctl_clock",
    "limit_rule",
]
