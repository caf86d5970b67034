"""Properties of the custody clock that hold for any start date and history (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.core.bank_holidays import from_package, rules_for_year
from casework.core.working_days import WorkingCalendar
from casework.progression.ctl import ClockEvent, ClockEventKind, ClockStatus, ctl_clock
from casework.progression.rule_tables import as_engine_rules
from casework.progression.rules import Regime

D = dt.date
CAL = WorkingCalendar(from_package(2015, 2035), years=frozenset(range(2015, 2036)), rules=rules_for_year)
RULES = as_engine_rules()
LIMITS = {Regime.SUMMARY: 56, Regime.EITHER_WAY: 70, Regime.CROWN: 182, Regime.RETRIAL: 112}


def preceding_working_day(day: dt.date) -> dt.date:
    while not CAL.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


@settings(max_examples=300, deadline=None)
@given(regime=st.sampled_from(list(Regime)), start=st.dates(min_value=D(2022, 1, 1), max_value=D(2040, 12, 31)))
def test_a_first_remand_expires_on_the_working_day_on_or_before_start_plus_limit(regime, start):
    reading = ctl_clock(
        initial_regime=regime,
        events=[ClockEvent(ClockEventKind.REMANDED, start)],
        rules=RULES,
        calendar=CAL,
        today=start,
    )
    latest = start + dt.timedelta(days=LIMITS[regime])
    assert reading.expires_on == preceding_working_day(latest)
    assert CAL.is_working_day(reading.expires_on) and reading.status is ClockStatus.RUNNING
    assert reading.notice is not None and reading.notice.due_on < reading.expires_on


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2034, 1, 1)),
    in_custody=st.integers(min_value=1, max_value=50),
    on_bail=st.integers(min_value=1, max_value=200),
)
def test_after_bail_and_re_remand_the_days_left_run_from_the_re_remand_day(start, in_custody, on_bail):
    bailed = start + dt.timedelta(days=in_custody)
    again = bailed + dt.timedelta(days=on_bail)
    reading = ctl_clock(
        initial_regime=Regime.SUMMARY,
        events=[
            ClockEvent(ClockEventKind.REMANDED, start),
            ClockEvent(ClockEventKind.BAILED, bailed),
            ClockEvent(ClockEventKind.REMANDED, again),
        ],
        rules=RULES,
        calendar=CAL,
        today=again,
    )
    left = 56 - in_custody  # days used before bail = bail date - remand date
    assert reading.expires_on == preceding_working_day(again + dt.timedelta(days=left - 1))
    # Never later than one unbroken period of the same length would give.
    assert reading.expires_on <= preceding_working_day(start + dt.timedelta(days=56 + on_bail))
