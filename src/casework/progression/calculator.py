"""The custody time limit calculator, not tied to a case: the command line (`casework ctl_expiry`),
the calculator page and the yearly ready reckoner all go through here, and through the same engine
(`progression.ctl.ctl_clock`) as the case pages, the board, the digest and oversight.

A history is the start (the first remand; for the Crown Court regime the sending in custody; for
a retrial the order or bill) and any later events, which may be in the future (what-ifs: "if
bailed today and remanded again on ...").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.core.spreadsheets import Table
from casework.core.working_days import WorkingCalendar, day_and_date
from casework.progression import ctl
from casework.progression.rules import InvalidInput, LimitRule, Regime

#: Event names accepted by the calculator, with the engine's event kind.
EVENT_NAMES: dict[str, ctl.ClockEventKind] = {
    "remanded": ctl.ClockEventKind.REMANDED,
    "bailed": ctl.ClockEventKind.BAILED,
    "sent": ctl.ClockEventKind.SENT,
    "extended": ctl.ClockEventKind.EXTENSION_GRANTED,
    "retrial": ctl.ClockEventKind.RETRIAL_ORDERED,
    "plea": ctl.ClockEventKind.PLEA,
    "trial": ctl.ClockEventKind.TRIAL_STARTED,
}
EVENT_HELP = (
    "bailed:YYYY-MM-DD, remanded:YYYY-MM-DD, sent:YYYY-MM-DD, retrial:YYYY-MM-DD, plea:YYYY-MM-DD, "
    "trial:YYYY-MM-DD, extended:GRANTED_ON:NEW_EXPIRY"
)

START_LABEL = {
    Regime.SUMMARY: "first remand in custody",
    Regime.EITHER_WAY: "first remand in custody",
    Regime.CROWN: "sending to the Crown Court in custody",
    Regime.RETRIAL: "retrial order or voluntary bill, in custody",
}


def parse_date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{what}: {value!r} is not a real date in the form YYYY-MM-DD (e.g. 2026-02-09)") from None


def parse_event(text: str) -> ctl.ClockEvent:
    """`bailed:2026-01-20`, `remanded:2026-02-01` or `extended:2026-06-20:2026-09-01`."""
    name, _, rest = text.strip().partition(":")
    kind = EVENT_NAMES.get(name.strip().lower())
    if kind is None or not rest:
        raise InvalidInput(f"event {text!r} is not one of: {EVENT_HELP}")
    if kind is ctl.ClockEventKind.EXTENSION_GRANTED:
        granted, _, new_expiry = rest.partition(":")
        if not new_expiry:
            raise InvalidInput(f"event {text!r}: an extension needs both dates, extended:GRANTED_ON:NEW_EXPIRY")
        return ctl.ClockEvent(
            kind, parse_date(granted, f"event {text!r}"), parse_date(new_expiry, f"event {text!r} (new expiry)")
        )
    return ctl.ClockEvent(kind, parse_date(rest, f"event {text!r}"))


@dataclass(frozen=True)
class History:
    regime: Regime
    start: dt.date
    today: dt.date
    events: Sequence[ctl.ClockEvent] = ()
    summary_trial_decided_on: dt.date | None = None
    prior_custody_days: int = 0
    first_custody_on: dt.date | None = None
    born_on: dt.date | None = None


@dataclass(frozen=True)
class Answer:
    history: History
    reading: ctl.ClockReading
    warnings: list[str] = field(default_factory=list)

    @property
    def days_left(self) -> int | None:
        if self.reading.expires_on is not None:
            return (self.reading.expires_on - self.history.today).days
        return self.reading.days_left_in_limit

    def as_dict(self) -> dict[str, Any]:
        reading = self.reading
        notice = reading.notice
        failure = reading.failure
        return {
            "regime": reading.regime.value,
            "status": reading.status.value,
            "expires_on": _iso(reading.expires_on),
            "limit_days": reading.limit_days,
            "days_left": self.days_left,
            "days_used": reading.days_used,
            "today": self.history.today.isoformat(),
            "extension_notice_by": _iso(notice.due_on) if notice else None,
            "extension_court": reading.court,
            "unadjusted_expiry": _iso(reading.unadjusted_expiry),
            "extended": reading.extended,
            "rule_version": reading.rule_version,
            "source": reading.source,
            "ctl_failure": (
                {"expired_on": failure.expired_on.isoformat(), "found_on": failure.found_on.isoformat()}
                if failure
                else None
            ),
            "warnings": self.warnings,
            "explanation": reading.explanation,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def calculate(history: History, *, rules: Sequence[LimitRule], calendar: WorkingCalendar) -> Answer:
    """The clock for a whole history given by hand. Raises InvalidInput (with a message that says
    what is wrong) for an impossible history, and CalendarNotCovered for a date outside the
    calendar."""
    events = [ctl.ClockEvent(ctl.ClockEventKind.REMANDED, history.start), *history.events]
    early = [e for e in history.events if e.on < history.start]
    if early:
        raise InvalidInput(
            f"the {early[0].kind.value.replace('_', ' ')} event on {early[0].on.isoformat()} is before the start "
            f"({history.start.isoformat()}), which is the {START_LABEL[history.regime]}"
        )
    reading = ctl.ctl_clock(
        initial_regime=history.regime,
        events=events,
        rules=rules,
        calendar=calendar,
        today=history.today,
        summary_trial_decided_on=history.summary_trial_decided_on,
        prior_custody_days=history.prior_custody_days,
        first_custody_on=history.first_custody_on,
        born_on=history.born_on,
        include_future=True,
    )
    warnings = list(reading.warnings)
    if history.start > history.today:
        warnings.insert(
            0,
            f"The start date, {day_and_date(history.start)}, is after today ({day_and_date(history.today)}): "
            "check it. The answer is worked out as if it happens.",
        )
        reading = dataclasses.replace(reading, status=ctl.ClockStatus.NOT_STARTED)
    return Answer(history, reading, warnings)


# --- the ready reckoner ---------------------------------------------------------------------------

RECKONER_COLUMNS: list[tuple[str, Regime, bool]] = [
    ("Summary only (56 days)", Regime.SUMMARY, False),
    ("Either way (70 days)", Regime.EITHER_WAY, False),
    ("Either way, summary trial decided within 56 days (56 days)", Regime.EITHER_WAY, True),
    ("Sent to the Crown Court (182 days, no magistrates' custody)", Regime.CROWN, False),
    ("Retrial or voluntary bill (112 days)", Regime.RETRIAL, False),
]


def ready_reckoner(year: int, *, rules: Sequence[LimitRule], calendar: WorkingCalendar) -> Table:
    """Every start date of a year and the expiry under each regime, from the same engine.

    Assumes one unbroken period of custody from the start (first remand; sending in custody with
    no days in the magistrates' court's custody); the temporary coronavirus limits are not applied
    (they depend on the defendant's age and first custody).
    """
    header = [
        "Start (first day in custody, not counted)",
        "Day",
        *(title for title, _regime, _decided in RECKONER_COLUMNS),
    ]
    rows: list[list[Any]] = []
    day = dt.date(year, 1, 1)
    while day.year == year:
        row: list[Any] = [day.isoformat(), f"{day:%A}"]
        for _title, regime, decided in RECKONER_COLUMNS:
            reading = ctl.ctl_clock(
                initial_regime=regime,
                events=[ctl.ClockEvent(ctl.ClockEventKind.REMANDED, day)],
                rules=rules,
                calendar=calendar,
                today=day,
                summary_trial_decided_on=day if decided else None,
            )
            row.append(reading.expires_on.isoformat() if reading.expires_on else "")
        rows.append(row)
        day += dt.timedelta(days=1)
    return Table(f"CTL ready reckoner {year}", header, rows)
