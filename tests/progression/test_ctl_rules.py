"""Custody time limits: table-driven cases for every regime and calendar hazard, plus properties."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.progression.calendar import WorkingCalendar
from casework.progression.rule_tables import RULES
from casework.progression.rules import (
    ClockEvent,
    ClockEventKind,
    ClockStatus,
    InvalidInput,
    LimitRule,
    Regime,
    RuleNotFound,
    ctl_clock,
    ctl_expiry,
    key_dates,
    select_rule,
)

D = dt.date
CAL = WorkingCalendar(dict(holidays.UK(subdiv="ENG", years=range(2015, 2031))))
LIMITS = [
    LimitRule(
        code=r.code,
        version=r.effective_from.isoformat(),
        days=r.days,
        source=r.source,
        effective_from=r.effective_from,
        effective_to=r.effective_to,
        reduced_days=r.reduced_days,
        reduced_if_decided_within_days=r.reduced_if_decided_within_days,
        anchor=r.anchor,
        working_days=r.working_days,
        custody=r.custody,
        title=r.title,
    )
    for r in RULES
]


def expiry(regime: Regime, start: dt.date, **kwargs) -> dt.date:
    rule = select_rule(LIMITS, f"ctl.{regime.value}", start)
    return ctl_expiry(regime=regime, start=start, rule=rule, calendar=CAL, **kwargs).expires_on


@pytest.mark.parametrize(
    ("regime", "start", "kwargs", "expected", "why"),
    [
        (Regime.SUMMARY, D(2026, 2, 9), {}, D(2026, 4, 2), "Easter Monday; Sun, Sat, Good Friday precede"),
        (Regime.SUMMARY, D(2026, 3, 2), {}, D(2026, 4, 27), "plain weekday"),
        (Regime.SUMMARY, D(2026, 3, 7), {}, D(2026, 5, 1), "lands Sat 2 May -> Fri 1 May"),
        (Regime.SUMMARY, D(2026, 3, 9), {}, D(2026, 5, 1), "lands Mon 4 May bank holiday -> Fri 1 May"),
        (Regime.EITHER_WAY, D(2026, 1, 5), {}, D(2026, 3, 16), "70 days, a Monday"),
        (
            Regime.EITHER_WAY,
            D(2026, 1, 5),
            {"summary_trial_decided_on": D(2026, 2, 1)},
            D(2026, 3, 2),
            "decided within 56 days: 56-day limit",
        ),
        (
            Regime.EITHER_WAY,
            D(2026, 1, 5),
            {"summary_trial_decided_on": D(2026, 3, 3)},
            D(2026, 3, 16),
            "decided after 56 days: stays 70",
        ),
        (Regime.CROWN, D(2026, 6, 1), {}, D(2026, 11, 30), "182 days, a Monday"),
        (Regime.CROWN, D(2026, 6, 1), {"prior_custody_days": 10}, D(2026, 11, 20), "less magistrates' days"),
        (Regime.CROWN, D(2026, 6, 26), {}, D(2026, 12, 24), "lands Christmas Day -> Thu 24 Dec"),
        (
            Regime.CROWN,
            D(2021, 6, 29),
            {"prior_custody_days": 1},
            D(2021, 12, 24),
            "lands Mon 27 Dec 2021 (substitute Christmas) -> Fri 24 Dec",
        ),
        (Regime.RETRIAL, D(2026, 1, 2), {}, D(2026, 4, 24), "112 days"),
        (Regime.SUMMARY, D(2024, 1, 4), {}, D(2024, 2, 29), "leap year: 29 Feb exists"),
        (Regime.SUMMARY, D(2023, 1, 4), {}, D(2023, 3, 1), "non-leap year"),
        (Regime.CROWN, D(2020, 10, 1), {}, D(2021, 5, 27), "temporary 238-day limit in force at the start"),
        (Regime.RETRIAL, D(2021, 1, 4), {}, D(2021, 6, 21), "temporary 168-day retrial limit"),
        (Regime.CROWN, D(2021, 6, 28), {}, D(2021, 12, 24), "back to 182 days (27 Dec 2021 substitute)"),
        (Regime.CROWN, D(2020, 9, 27), {}, D(2021, 3, 26), "day before the temporary limits: 182"),
    ],
)
def test_ctl_expiry_table(regime, start, kwargs, expected, why):
    assert expiry(regime, start, **kwargs) == expected, why


def test_explanation_reads_like_a_person_would_write_it():
    rule = select_rule(LIMITS, "ctl.summary", D(2026, 2, 9))
    result = ctl_expiry(regime=Regime.SUMMARY, start=D(2026, 2, 9), rule=rule, calendar=CAL)
    assert result.explanation[-1] == (
        "first appearance Mon 9 Feb 2026 + 56 days = Mon 6 Apr 2026, a bank holiday (Easter Monday); "
        "Sun, Sat and Good Friday precede it; expires Thu 2 Apr 2026 (the preceding working day)."
    )
    assert result.rule_code == "ctl.summary" and result.limit_days == 56
    assert "reg. 4(4)" in result.source


@pytest.mark.parametrize(
    ("regime", "kwargs", "message"),
    [
        (Regime.CROWN, {"prior_custody_days": 182}, "must be fewer than the limit"),
        (Regime.CROWN, {"prior_custody_days": -1}, "cannot be negative"),
        (Regime.SUMMARY, {"summary_trial_decided_on": D(2026, 2, 1)}, "only to the either-way regime"),
        (Regime.EITHER_WAY, {"summary_trial_decided_on": D(2025, 1, 1)}, "cannot be before the first appearance"),
    ],
)
def test_bad_input_is_refused_with_a_reason(regime, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        expiry(regime, D(2026, 1, 5), **kwargs)


def test_rule_lookup_before_any_version_fails_clearly():
    with pytest.raises(RuleNotFound, match=r"no version of rule ctl\.crown"):
        select_rule(LIMITS, "ctl.crown", D(1980, 1, 1))


@settings(max_examples=400, deadline=None)
@given(
    regime=st.sampled_from(list(Regime)),
    start=st.dates(min_value=D(2016, 1, 1), max_value=D(2029, 12, 31)),
    prior=st.integers(min_value=0, max_value=55),
)
def test_expiry_properties(regime, start, prior):
    rule = select_rule(LIMITS, f"ctl.{regime.value}", start)
    result = ctl_expiry(regime=regime, start=start, rule=rule, calendar=CAL, prior_custody_days=prior)
    latest = start + dt.timedelta(days=rule.days - prior)
    # Never a non-working day, never after start + limit, never earlier than the preceding working day.
    assert CAL.is_working_day(result.expires_on)
    assert result.expires_on <= latest
    day = latest
    while not CAL.is_working_day(day):
        day -= dt.timedelta(days=1)
    assert result.expires_on == day


# --- the clock ---------------------------------------------------------------------------------


def clock(events, today, regime=Regime.EITHER_WAY, **kwargs):
    return ctl_clock(initial_regime=regime, events=events, rules=LIMITS, calendar=CAL, today=today, **kwargs)


def ev(kind, on, **kwargs):
    return ClockEvent(ClockEventKind(kind), on, **kwargs)


def test_clock_not_started_without_remand():
    assert clock([], D(2026, 1, 1)).status is ClockStatus.NOT_STARTED


def test_clock_running_from_first_remand():
    reading = clock([ev("remanded", D(2026, 1, 5))], D(2026, 1, 15))
    assert reading.status is ClockStatus.RUNNING
    assert reading.expires_on == D(2026, 3, 16) and reading.days_remaining == 60 and reading.days_used == 10


def test_bail_stops_and_re_remand_resumes_with_days_left():
    events = [ev("remanded", D(2026, 1, 5)), ev("bailed", D(2026, 1, 25)), ev("remanded", D(2026, 2, 10))]
    paused = clock(events[:2], D(2026, 2, 1))
    assert paused.status is ClockStatus.PAUSED and paused.expires_on is None
    assert "50 days left" in paused.explanation[-1]
    resumed = clock(events, D(2026, 2, 10))
    # 20 days used before bail; 50 left from 10 Feb = 1 Apr 2026 (a Wednesday).
    assert resumed.status is ClockStatus.RUNNING and resumed.expires_on == D(2026, 4, 1)
    assert resumed.days_used == 20


def test_sending_starts_crown_limit_less_magistrates_days():
    events = [ev("remanded", D(2026, 1, 5)), ev("sent", D(2026, 1, 19))]
    reading = clock(events, D(2026, 1, 20))
    # 14 days in magistrates' custody: 182 - 14 = 168 days from 19 Jan 2026 = 6 Jul 2026 (a Monday).
    assert reading.regime is Regime.CROWN and reading.expires_on == D(2026, 7, 6)
    assert any("14 days already in magistrates' custody" in line for line in reading.explanation)


def test_extension_sets_the_court_date():
    events = [
        ev("remanded", D(2026, 1, 5)),
        ev("sent", D(2026, 1, 19)),
        ev("extension_granted", D(2026, 6, 20), new_expiry=D(2026, 9, 1)),
    ]
    reading = clock(events, D(2026, 6, 25))
    assert reading.expires_on == D(2026, 9, 1) and reading.extended


def test_trial_start_and_plea_end_the_clock():
    events = [ev("remanded", D(2026, 1, 5)), ev("trial_started", D(2026, 2, 20))]
    assert clock(events, D(2026, 3, 1)).status is ClockStatus.ENDED
    assert (
        clock([ev("remanded", D(2026, 1, 5)), ev("plea", D(2026, 1, 20))], D(2026, 1, 21)).status is ClockStatus.ENDED
    )


def test_expired_when_the_date_passes_while_running():
    reading = clock([ev("remanded", D(2026, 1, 5))], D(2026, 3, 20))
    assert reading.status is ClockStatus.EXPIRED and reading.days_remaining == -4


def test_future_events_are_ignored_until_they_happen():
    events = [ev("remanded", D(2026, 1, 5)), ev("bailed", D(2026, 2, 1))]
    assert clock(events, D(2026, 1, 10)).status is ClockStatus.RUNNING


def test_either_way_reduced_limit_in_clock():
    reading = clock([ev("remanded", D(2026, 1, 5))], D(2026, 2, 2), summary_trial_decided_on=D(2026, 2, 1))
    assert reading.expires_on == D(2026, 3, 2) and reading.limit_days == 56


# --- key dates -----------------------------------------------------------------------------------


def test_crown_court_timetable_from_sending_in_custody():
    dates = {
        p.code: p
        for p in key_dates(
            anchors={"sending": D(2026, 3, 2), "ptph": D(2026, 3, 30)}, rules=LIMITS, calendar=CAL, in_custody=True
        )
    }
    assert dates["ptph.target"].due_on == D(2026, 3, 30)
    assert dates["ptph.latest"].due_on == D(2026, 4, 6)
    assert dates["ptph.form"].due_on == D(2026, 3, 23)
    assert dates["stage.1"].due_on == D(2026, 4, 21)
    assert dates["stage.2"].due_on == D(2026, 5, 19)
    assert dates["stage.3"].due_on == D(2026, 6, 2)
    assert dates["stage.4"].due_on == D(2026, 6, 16)
    assert dates["stage.1"].basis == "50 days after the sending (Mon 2 Mar 2026)"


def test_bail_cases_get_the_longer_stage_1():
    dates = {
        p.code: p for p in key_dates(anchors={"sending": D(2026, 3, 2)}, rules=LIMITS, calendar=CAL, in_custody=False)
    }
    assert dates["stage.1"].due_on == D(2026, 5, 11)
    assert "ptph.form" not in dates  # no PTPH date yet


def test_hearing_record_sheet_is_one_working_day_after_the_hearing():
    (hrs,) = key_dates(
        anchors={"hearing": D(2026, 4, 2)}, rules=LIMITS, calendar=CAL, in_custody=True, codes=["hrs.return"]
    )
    assert hrs.due_on == D(2026, 4, 7)  # Thu 2 Apr -> Good Friday, weekend, Easter Monday -> Tue 7 Apr


def test_extension_preparation_and_notice_dates():
    dates = {
        p.code: p.due_on
        for p in key_dates(anchors={"ctl_expiry": D(2026, 4, 2)}, rules=LIMITS, calendar=CAL, in_custody=True)
    }
    assert dates == {"ctl.extension_prepare": D(2026, 3, 19), "ctl.extension_notice": D(2026, 3, 31)}
