"""Custody time limits: hand-worked vectors.

Every expected date below was worked out by hand from the Regulations (SI 1987/299, regs. 2(4), 2(5),
4 and 5; SI 2020/953 as amended by SI 2021/91; Crim PR 2020 r. 14.18) and a printed calendar, and
the working is in the comment beside it. None was produced by the engine. Conventions (CPS CTL
guidance, safe side): the first remand day is not counted; a re-remand day is; days used before bail
= bail date - remand date (a period that began with a re-remand counts both ends); after a
re-remand with L days left the limit ends on R + L - 1; then reg. 2(5) moves a non-working day back.

Calendar notes used below. 2026: Good Friday 3 Apr, Easter Monday 6 Apr, early May 4 May, spring
25 May, summer 31 Aug, Christmas Fri 25 Dec, Boxing Day substitute Mon 28 Dec. 2021: Good Friday
2 Apr, Christmas Sat 25 Dec with substitutes Mon 27 and Tue 28 Dec. 2036 (holidays worked out from
the rules, not the loaded table): Good Friday 11 Apr, Easter Monday 14 Apr, Christmas Thu 25 Dec,
Boxing Day Fri 26 Dec. 2037: Good Friday 3 Apr.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casework.core.bank_holidays import from_package, rules_for_year
from casework.core.working_days import CalendarNotCovered, WorkingCalendar
from casework.progression import calculator
from casework.progression.ctl import ClockEvent, ClockEventKind, ExtensionAfterExpiry
from casework.progression.rule_tables import as_engine_rules
from casework.progression.rules import InvalidInput, Regime

D = dt.date
#: As in production: the table loaded for 2015-2035, the package's rules for other years.
CAL = WorkingCalendar(from_package(2015, 2035), years=frozenset(range(2015, 2036)), rules=rules_for_year)
RULES = as_engine_rules()
S, EW, CC, RT = Regime.SUMMARY, Regime.EITHER_WAY, Regime.CROWN, Regime.RETRIAL


def bailed(on: dt.date) -> ClockEvent:
    return ClockEvent(ClockEventKind.BAILED, on)


def remanded(on: dt.date) -> ClockEvent:
    return ClockEvent(ClockEventKind.REMANDED, on)


def sent(on: dt.date) -> ClockEvent:
    return ClockEvent(ClockEventKind.SENT, on)


def extended(on: dt.date, to: dt.date) -> ClockEvent:
    return ClockEvent(ClockEventKind.EXTENSION_GRANTED, on, to)


def run(regime: Regime, start: dt.date, events: tuple[ClockEvent, ...] = (), today: dt.date | None = None, **kw: Any):
    history = calculator.History(regime=regime, start=start, today=today or start, events=events, **kw)
    return calculator.calculate(history, rules=RULES, calendar=CAL)


# (id, regime, start, events, keyword facts, expected: {expires, limit, notice, status, failure, warning})
VECTORS: list[tuple[str, Regime, dt.date, tuple[ClockEvent, ...], dict[str, Any], dict[str, Any]]] = [
    # --- first remand only: reg. 2(4) and 2(5) ---------------------------------------------------
    # Mon 9 Feb 2026 + 56 = Mon 6 Apr (Easter Monday); Sun 5, Sat 4, Good Friday 3 go back: Thu 2 Apr.
    ("summary-easter", S, D(2026, 2, 9), (), {}, {"expires": D(2026, 4, 2), "limit": 56}),
    # Mon 2 Mar 2026 + 56 = Mon 27 Apr, a working day.
    ("summary-plain", S, D(2026, 3, 2), (), {}, {"expires": D(2026, 4, 27)}),
    # Sat 7 Mar 2026 (a weekend remand) + 56 = Sat 2 May: back to Fri 1 May.
    ("summary-saturday", S, D(2026, 3, 7), (), {}, {"expires": D(2026, 5, 1)}),
    # Mon 9 Mar 2026 + 56 = Mon 4 May (early May bank holiday), Sun 3, Sat 2: Fri 1 May.
    ("summary-may-day", S, D(2026, 3, 9), (), {}, {"expires": D(2026, 5, 1)}),
    # Thu 4 Jan 2024 + 56: 27 days to 31 Jan, 29 to 29 Feb (leap year) = Thu 29 Feb 2024.
    ("summary-leap-day", S, D(2024, 1, 4), (), {}, {"expires": D(2024, 2, 29)}),
    # Either way, no decision: Mon 5 Jan 2026 + 70 = Mon 16 Mar.
    ("either-way-70", EW, D(2026, 1, 5), (), {}, {"expires": D(2026, 3, 16), "limit": 70}),
    # Crown, sent in custody Fri 26 Jun 2026 + 182 = Fri 25 Dec (Christmas): Thu 24 Dec.
    ("crown-christmas", CC, D(2026, 6, 26), (), {}, {"expires": D(2026, 12, 24), "limit": 182}),
    # Crown from Mon 1 Jun 2026 less 10 magistrates' days: + 172 = Fri 20 Nov.
    ("crown-prior-days", CC, D(2026, 6, 1), (), {"prior_custody_days": 10}, {"expires": D(2026, 11, 20)}),
    # Retrial from Fri 2 Jan 2026 + 112: 29 to 31 Jan, 28 to 28 Feb, 31 to 31 Mar, 24 = Fri 24 Apr.
    ("retrial-112", RT, D(2026, 1, 2), (), {}, {"expires": D(2026, 4, 24), "limit": 112}),
    # --- the either-way 56-day test, always from the first appearance ------------------------------
    # Decided Mon 2 Mar 2026 = day 56 after Mon 5 Jan: within 56, so 56 days: 5 Jan + 56 = Mon 2 Mar.
    (
        "decided-on-day-56",
        EW,
        D(2026, 1, 5),
        (),
        {"summary_trial_decided_on": D(2026, 3, 2)},
        {"expires": D(2026, 3, 2), "limit": 56},
    ),
    # Decided Tue 3 Mar = day 57: not within 56, the limit stays 70: Mon 16 Mar.
    (
        "decided-on-day-57",
        EW,
        D(2026, 1, 5),
        (),
        {"summary_trial_decided_on": D(2026, 3, 3)},
        {"expires": D(2026, 3, 16), "limit": 70},
    ),
    # The case: remanded Mon 5 Jan, decided Sat 10 Jan (day 5: 56 days), bailed Tue 20 Jan
    # (used 20 - 5 = 15, left 41), re-remanded Sun 1 Feb: 1 Feb + 41 - 1 = Fri 13 Mar.
    (
        "decided-then-bail-and-re-remand",
        EW,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 20)), remanded(D(2026, 2, 1))),
        {"summary_trial_decided_on": D(2026, 1, 10), "today": D(2026, 2, 1)},
        {"expires": D(2026, 3, 13), "limit": 56, "status": "running"},
    ),
    # Bailed 20 Jan (used 15, 55 of 70 left), re-remanded Sun 1 Feb: 1 Feb + 54 = Fri 27 Mar. Decided
    # Wed 4 Mar, day 58 after 5 Jan: the limit stays 70, also after the re-remand.
    (
        "decided-after-day-56-following-re-remand",
        EW,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 20)), remanded(D(2026, 2, 1))),
        {"summary_trial_decided_on": D(2026, 3, 4), "today": D(2026, 3, 4)},
        {"expires": D(2026, 3, 27), "limit": 70},
    ),
    # As above but decided Wed 25 Feb (day 51): 56 days, 41 left at the re-remand: 1 Feb + 40 = Fri 13 Mar.
    (
        "decided-within-56-after-re-remand",
        EW,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 20)), remanded(D(2026, 2, 1))),
        {"summary_trial_decided_on": D(2026, 2, 25), "today": D(2026, 2, 25)},
        {"expires": D(2026, 3, 13), "limit": 56},
    ),
    # Decided Mon 26 Jan while on bail (day 21): 56 - 15 = 41 left; re-remanded Mon 2 Feb:
    # 2 Feb + 40 = Sat 14 Mar, back to Fri 13 Mar.
    (
        "decided-while-on-bail",
        EW,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 20)), remanded(D(2026, 2, 2))),
        {"summary_trial_decided_on": D(2026, 1, 26), "today": D(2026, 2, 2)},
        {"expires": D(2026, 3, 13), "limit": 56},
    ),
    # --- bail and re-remand ----------------------------------------------------------------------
    # Summary: remanded Mon 5 Jan, bailed Mon 12 Jan (7 used, 49 left), re-remanded Mon 19 Jan:
    # 19 Jan + 48 = Sun 8 Mar; Sat 7 precedes: Fri 6 Mar.
    (
        "bail-and-re-remand",
        S,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 12)), remanded(D(2026, 1, 19))),
        {"today": D(2026, 1, 19)},
        {"expires": D(2026, 3, 6)},
    ),
    # Two cycles: remanded 5 Jan, bailed Fri 9 Jan (4 used, 52 left), re-remanded Mon 19 Jan,
    # bailed Fri 23 Jan (19 to 23 Jan counting both = 5; 9 used, 47 left), re-remanded Mon 2 Feb:
    # 2 Feb + 47 - 1 = Fri 20 Mar.
    (
        "two-bail-cycles",
        S,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 9)), remanded(D(2026, 1, 19)), bailed(D(2026, 1, 23)), remanded(D(2026, 2, 2))),
        {"today": D(2026, 2, 2)},
        {"expires": D(2026, 3, 20)},
    ),
    # Bailed Sun 1 Mar with 1 day left (55 used); re-remanded Mon 9 Mar: 9 Mar + 1 - 1 = Mon 9 Mar.
    (
        "re-remand-with-one-day-left",
        S,
        D(2026, 1, 5),
        (bailed(D(2026, 3, 1)), remanded(D(2026, 3, 9))),
        {"today": D(2026, 3, 9)},
        {"expires": D(2026, 3, 9), "status": "running"},
    ),
    # Bailed Mon 2 Mar with nothing left (56 used); re-remanded Mon 9 Mar: 9 Mar + 0 - 1 = Sun 8 Mar,
    # back to Fri 6 Mar. The re-remand is beyond the limit: a CTL failure, the limit having expired 6 Mar.
    (
        "re-remand-with-nothing-left",
        S,
        D(2026, 1, 5),
        (bailed(D(2026, 3, 2)), remanded(D(2026, 3, 9))),
        {"today": D(2026, 3, 9)},
        {"expires": D(2026, 3, 6), "status": "expired", "failure": D(2026, 3, 6)},
    ),
    # Remanded and bailed the same day, Mon 5 Jan (bail - remand = 0 used, 56 left); remanded again
    # Mon 12 Jan: 12 Jan + 56 - 1 = Sun 8 Mar; Sat 7 precedes: Fri 6 Mar.
    (
        "remanded-and-bailed-the-same-day",
        S,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 5)), remanded(D(2026, 1, 12))),
        {"today": D(2026, 1, 12)},
        {"expires": D(2026, 3, 6)},
    ),
    # In custody, bailed and remanded again the same day, Mon 12 Jan (7 used, 49 left; the re-remand
    # day counts): 12 Jan + 49 - 1 = Sun 1 Mar; Sat 28 Feb precedes: Fri 27 Feb (one day earlier than
    # the unbroken 5 Jan + 56 = Mon 2 Mar: the safe-side convention).
    (
        "bailed-and-remanded-the-same-day",
        S,
        D(2026, 1, 5),
        (remanded(D(2026, 1, 12)), bailed(D(2026, 1, 12))),
        {"today": D(2026, 1, 12)},
        {"expires": D(2026, 2, 27)},
    ),
    # Still in custody on Tue 17 Mar after a limit that expired Mon 16 Mar: expired, a failure.
    (
        "expired-while-in-custody",
        EW,
        D(2026, 1, 5),
        (),
        {"today": D(2026, 3, 17)},
        {"expires": D(2026, 3, 16), "status": "expired", "failure": D(2026, 3, 16)},
    ),
    # On bail: no expiry, 49 days left (summary, remanded 5 Jan, bailed 12 Jan).
    (
        "on-bail",
        S,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 12)),),
        {"today": D(2026, 1, 20)},
        {"expires": None, "status": "paused", "days_left": 49},
    ),
    # --- sending to the Crown Court --------------------------------------------------------------
    # Remanded Mon 5 Jan, sent in custody Mon 19 Jan: 14 magistrates' days; 182 - 14 = 168 from the
    # sending: 19 Jan + 168 = Mon 6 Jul.
    (
        "sent-in-custody",
        EW,
        D(2026, 1, 5),
        (sent(D(2026, 1, 19)),),
        {"today": D(2026, 1, 20)},
        {"expires": D(2026, 7, 6), "limit": 182},
    ),
    # Remanded 5 Jan, bailed Mon 12 Jan (7 magistrates' days), sent on bail Mon 19 Jan (175 left),
    # remanded by the Crown Court Mon 2 Feb (a re-remand: it counts): 2 Feb + 174 = Sun 26 Jul; Sat 25
    # precedes: Fri 24 Jul.
    (
        "sent-on-bail-then-crown-remand",
        EW,
        D(2026, 1, 5),
        (bailed(D(2026, 1, 12)), sent(D(2026, 1, 19)), remanded(D(2026, 2, 2))),
        {"today": D(2026, 2, 2)},
        {"expires": D(2026, 7, 24)},
    ),
    # A clock opened under the Crown Court limit, with the sending recorded as an event on the day of
    # the first remand (Mon 5 Jan 2026): no magistrates' days; 5 Jan + 182 = Mon 6 Jul.
    (
        "crown-clock-with-the-sending-recorded",
        CC,
        D(2026, 1, 5),
        (sent(D(2026, 1, 5)),),
        {"today": D(2026, 1, 5)},
        {"expires": D(2026, 7, 6)},
    ),
    # A Crown Court clock remanded Mon 5 Jan, the sending recorded Mon 19 Jan: the 14 days before it
    # were magistrates' custody: 19 Jan + 168 = Mon 6 Jul.
    (
        "crown-clock-remanded-before-the-sending",
        CC,
        D(2026, 1, 5),
        (sent(D(2026, 1, 19)),),
        {"today": D(2026, 1, 19)},
        {"expires": D(2026, 7, 6)},
    ),
    # Sent in custody Mon 2 Feb 2026; bailed Mon 2 Mar (28 used, 154 left); remanded again Wed 1 Apr:
    # 1 Apr + 153 = Tue 1 Sep (the bank holiday is Mon 31 Aug).
    (
        "crown-bail-and-re-remand",
        CC,
        D(2026, 2, 2),
        (bailed(D(2026, 3, 2)), remanded(D(2026, 4, 1))),
        {"today": D(2026, 4, 1)},
        {"expires": D(2026, 9, 1)},
    ),
    # --- extensions ------------------------------------------------------------------------------
    # Sent Mon 5 Jan 2026: + 182 = Mon 6 Jul. Extended Mon 29 Jun to Fri 4 Sep.
    (
        "extension",
        CC,
        D(2026, 1, 5),
        (extended(D(2026, 6, 29), D(2026, 9, 4)),),
        {"today": D(2026, 6, 29)},
        {"expires": D(2026, 9, 4), "extended": True},
    ),
    # Granted on the expiry day itself (Mon 6 Jul): still before the limit ends, so allowed.
    (
        "extension-on-expiry-day",
        CC,
        D(2026, 1, 5),
        (extended(D(2026, 7, 6), D(2026, 9, 11)),),
        {"today": D(2026, 7, 6)},
        {"expires": D(2026, 9, 11)},
    ),
    # Extended to Sun 6 Sep: not a working day; reg. 2(5) treats it as Fri 4 Sep, with a warning.
    (
        "extension-to-a-sunday",
        CC,
        D(2026, 1, 5),
        (extended(D(2026, 6, 29), D(2026, 9, 6)),),
        {"today": D(2026, 6, 29)},
        {"expires": D(2026, 9, 4), "warning": "is a Sunday, not a working day"},
    ),
    # Extended Mon 29 Jun to Fri 4 Sep, bailed Tue 30 Jun (4 Sep - 30 Jun = 66 left), remanded again
    # Mon 3 Aug: 3 Aug + 66 - 1 = Wed 7 Oct.
    (
        "bail-after-extension",
        CC,
        D(2026, 1, 5),
        (extended(D(2026, 6, 29), D(2026, 9, 4)), bailed(D(2026, 6, 30)), remanded(D(2026, 8, 3))),
        {"today": D(2026, 8, 3)},
        {"expires": D(2026, 10, 7)},
    ),
    # --- SI 2020/953: first custody and age ------------------------------------------------------
    # Sent in custody Thu 1 Oct 2020 (first custody), aged 30: 238 days: 1 Oct 2020 + 238 = Thu 27 May 2021.
    (
        "covid-adult",
        CC,
        D(2020, 10, 1),
        (),
        {"born_on": D(1990, 1, 1), "first_custody_on": D(2020, 10, 1)},
        {"expires": D(2021, 5, 27), "limit": 238},
    ),
    # The same defendant aged 16 then: SI 2021/91 reg. 1A excludes them: 182 days = Thu 1 Apr 2021
    # (Good Friday is 2 Apr).
    (
        "covid-child",
        CC,
        D(2020, 10, 1),
        (),
        {"born_on": D(2004, 1, 1), "first_custody_on": D(2020, 10, 1)},
        {"expires": D(2021, 4, 1), "limit": 182},
    ),
    # No date of birth: the temporary limit is not applied (the earlier expiry): Thu 1 Apr 2021.
    ("covid-age-unknown", CC, D(2020, 10, 1), (), {}, {"expires": D(2021, 4, 1), "limit": 182}),
    # 18th birthday on the day of first custody: 18 then, so 238: Thu 27 May 2021.
    (
        "covid-eighteen-that-day",
        CC,
        D(2020, 10, 1),
        (),
        {"born_on": D(2002, 10, 1), "first_custody_on": D(2020, 10, 1)},
        {"expires": D(2021, 5, 27), "limit": 238},
    ),
    # Turning 18 the next day: 17 at first custody, so 182: Thu 1 Apr 2021.
    (
        "covid-seventeen-that-day",
        CC,
        D(2020, 10, 1),
        (),
        {"born_on": D(2002, 10, 2), "first_custody_on": D(2020, 10, 1)},
        {"expires": D(2021, 4, 1), "limit": 182},
    ),
    # First in custody Tue 1 Jun 2021 (in the period), sent Mon 5 Jul 2021 after 34 magistrates' days:
    # reg. 3(2) keeps 238: 238 - 34 = 204 from 5 Jul 2021 = Tue 25 Jan 2022.
    (
        "covid-first-custody-in-period-sent-after",
        CC,
        D(2021, 7, 5),
        (),
        {"prior_custody_days": 34, "first_custody_on": D(2021, 6, 1), "born_on": D(1980, 5, 5)},
        {"expires": D(2022, 1, 25), "limit": 238},
    ),
    # Sent Thu 1 Oct 2020 (in the period) but first in custody Mon 21 Sep 2020, before it: 182 - 10
    # magistrates' days = 172 from 1 Oct 2020 = Mon 22 Mar 2021.
    (
        "covid-first-custody-before-period",
        CC,
        D(2020, 10, 1),
        (),
        {"prior_custody_days": 10, "first_custody_on": D(2020, 9, 21), "born_on": D(1980, 5, 5)},
        {"expires": D(2021, 3, 22), "limit": 182},
    ),
    # First custody Mon 28 Jun 2021, the day the Regulations ceased: 182. 28 Jun + 182 = Mon 27 Dec 2021
    # (Christmas substitute), Sun 26, Sat 25 Christmas: Fri 24 Dec 2021.
    (
        "covid-first-custody-on-ceasing-day",
        CC,
        D(2021, 6, 28),
        (),
        {"born_on": D(1980, 5, 5)},
        {"expires": D(2021, 12, 24), "limit": 182},
    ),
    # First custody Sun 27 Jun 2021, the last day of the period, aged 41: 238. 27 Jun 2021 + 238 =
    # Sun 20 Feb 2022; Sat 19 precedes: Fri 18 Feb 2022.
    (
        "covid-last-day-of-period",
        CC,
        D(2021, 6, 27),
        (),
        {"born_on": D(1980, 5, 5)},
        {"expires": D(2022, 2, 18), "limit": 238},
    ),
    # Retrial ordered Mon 4 Jan 2021, first custody then, adult: 168 days = Mon 21 Jun 2021.
    (
        "covid-retrial-adult",
        RT,
        D(2021, 1, 4),
        (),
        {"born_on": D(1980, 5, 5), "first_custody_on": D(2021, 1, 4)},
        {"expires": D(2021, 6, 21), "limit": 168},
    ),
    # --- extension notice: 5 days in the Crown Court, 2 in a magistrates' court -------------------
    # Crown, expires Thu 24 Dec 2026: the 5 days run Sat 19 to Wed 23 Dec, so notice by Fri 18 Dec.
    ("notice-crown", CC, D(2026, 6, 26), (), {}, {"expires": D(2026, 12, 24), "notice": D(2026, 12, 18)}),
    # Summary, Thu 29 Oct 2026 + 56 = Thu 24 Dec: the 2 days run Tue 22 and Wed 23, notice by Mon 21 Dec.
    ("notice-magistrates", S, D(2026, 10, 29), (), {}, {"expires": D(2026, 12, 24), "notice": D(2026, 12, 21)}),
    # Summary, Tue 6 Jan + 56 = Tue 3 Mar: 3 Mar - 3 = Sat 28 Feb, not a business day: Fri 27 Feb.
    ("notice-magistrates-weekend", S, D(2026, 1, 6), (), {}, {"expires": D(2026, 3, 3), "notice": D(2026, 2, 27)}),
    # Crown, Thu 9 Oct 2025 + 182 = Thu 9 Apr 2026: 9 Apr - 6 = Good Friday 3 Apr: notice by Thu 2 Apr.
    (
        "notice-crown-good-friday",
        CC,
        D(2025, 10, 9),
        (),
        {"today": D(2026, 3, 1)},
        {"expires": D(2026, 4, 9), "notice": D(2026, 4, 2)},
    ),
    # Crown, Mon 6 Jul 2026 expiry (sent 5 Jan): 6 Jul - 6 = Tue 30 Jun.
    ("notice-crown-monday", CC, D(2026, 1, 5), (), {}, {"expires": D(2026, 7, 6), "notice": D(2026, 6, 30)}),
    # --- 2036 and later: holidays worked out from the rules ---------------------------------------
    # Sat 1 Nov 2036 + 56 = Sat 27 Dec; Boxing Day Fri 26 and Christmas Thu 25 precede: Wed 24 Dec 2036.
    (
        "2036-christmas",
        S,
        D(2036, 11, 1),
        (),
        {},
        {"expires": D(2036, 12, 24), "explained": "not in the service's loaded calendar"},
    ),
    # Crown, Thu 26 Jun 2036 + 182 = Thu 25 Dec 2036 (Christmas): Wed 24 Dec; notice 24 - 6 = Thu 18 Dec.
    (
        "2036-crown-christmas",
        CC,
        D(2036, 6, 26),
        (),
        {},
        {"expires": D(2036, 12, 24), "notice": D(2036, 12, 18)},
    ),
    # Either way, Mon 4 Feb 2036 (leap year) + 70 = Mon 14 Apr (Easter Monday); Sun, Sat, Good Friday
    # 11 Apr precede: Thu 10 Apr 2036.
    ("2036-easter", EW, D(2036, 2, 4), (), {}, {"expires": D(2036, 4, 10)}),
    # Fri 6 Feb 2037 + 56 = Fri 3 Apr 2037 (Good Friday): Thu 2 Apr 2037.
    ("2037-good-friday", S, D(2037, 2, 6), (), {}, {"expires": D(2037, 4, 2)}),
]


@pytest.mark.parametrize(
    ("regime", "start", "events", "facts", "expected"),
    [pytest.param(*vector[1:], id=vector[0]) for vector in VECTORS],
)
def test_hand_worked_vector(regime, start, events, facts, expected):
    facts = dict(facts)
    today = facts.pop("today", None)
    answer = run(regime, start, events, today=today, **facts)
    reading = answer.reading
    assert reading.expires_on == expected["expires"]
    if "limit" in expected:
        assert reading.limit_days == expected["limit"]
    if "status" in expected:
        assert reading.status.value == expected["status"]
    if "notice" in expected:
        assert reading.notice is not None and reading.notice.due_on == expected["notice"]
    if "failure" in expected:
        assert reading.failure is not None and reading.failure.expired_on == expected["failure"]
    elif expected.get("status") != "expired":
        assert reading.failure is None
    if "days_left" in expected:
        assert answer.days_left == expected["days_left"]
    if "extended" in expected:
        assert reading.extended is expected["extended"]
    if "warning" in expected:
        assert any(expected["warning"] in warning for warning in answer.warnings)
    if "explained" in expected:
        assert any(expected["explained"] in line for line in reading.explanation)


def test_there_are_at_least_forty_vectors():
    assert len(VECTORS) >= 40


# --- histories that cannot be computed: each refused with a reason --------------------------------


@pytest.mark.parametrize(
    ("regime", "start", "events", "facts", "message"),
    [
        # Extension granted Tue 7 Jul, the day after the limit expired (Mon 6 Jul): impossible.
        (CC, D(2026, 1, 5), (extended(D(2026, 7, 7), D(2026, 9, 4)),), {}, "expired on Monday 6 July 2026"),
        # An "extension" to Wed 1 Jul, earlier than the expiry (Mon 6 Jul).
        (CC, D(2026, 1, 5), (extended(D(2026, 6, 29), D(2026, 7, 1)),), {}, "must be later than the current expiry"),
        # An "extension" to the expiry day itself.
        (CC, D(2026, 1, 5), (extended(D(2026, 6, 29), D(2026, 7, 6)),), {}, "must be later than the current expiry"),
        # Extension while on bail.
        (CC, D(2026, 1, 5), (bailed(D(2026, 2, 2)), extended(D(2026, 3, 2), D(2026, 9, 4))), {}, "while the defendant"),
        # Bailed twice without a remand between.
        (S, D(2026, 1, 5), (bailed(D(2026, 1, 9)), bailed(D(2026, 1, 12))), {}, "not in custody then"),
        # Magistrates' custody days are taken off only the Crown Court limit.
        (S, D(2026, 1, 5), (), {"prior_custody_days": 5}, "only the Crown Court limit"),
        (RT, D(2026, 1, 5), (), {"prior_custody_days": 5}, "only the Crown Court limit"),
        (CC, D(2026, 1, 5), (), {"prior_custody_days": 182}, "must be fewer than the limit"),
        # A summary trial decision only for either-way offences, and not before the first appearance.
        (S, D(2026, 1, 5), (), {"summary_trial_decided_on": D(2026, 1, 9)}, "only to the either-way regime"),
        (EW, D(2026, 1, 5), (), {"summary_trial_decided_on": D(2025, 12, 1)}, "cannot be before the first appearance"),
        # An event before the start.
        (S, D(2026, 1, 5), (bailed(D(2026, 1, 1)),), {}, "before the start"),
        # First custody after the first remand; date of birth after first custody.
        (CC, D(2026, 1, 5), (), {"first_custody_on": D(2026, 1, 9)}, "cannot be after the first remand"),
        (CC, D(2026, 1, 5), (), {"born_on": D(2026, 1, 9)}, "date of birth must be before"),
        # Sent to the Crown Court twice.
        (EW, D(2026, 1, 5), (sent(D(2026, 1, 19)), sent(D(2026, 2, 2))), {}, "already under the Crown Court limit"),
    ],
)
def test_impossible_histories_are_refused(regime, start, events, facts, message):
    with pytest.raises(InvalidInput, match=message):
        run(regime, start, events, today=D(2026, 9, 30), **facts)


def test_an_extension_after_expiry_names_the_expiry():
    with pytest.raises(ExtensionAfterExpiry) as refused:
        run(CC, D(2026, 1, 5), (extended(D(2026, 7, 7), D(2026, 9, 4)),), today=D(2026, 7, 7))
    assert refused.value.expired_on == D(2026, 7, 6) and refused.value.granted_on == D(2026, 7, 7)


def test_a_date_outside_the_calendar_is_refused_not_computed_without_holidays():
    with pytest.raises(CalendarNotCovered, match="no bank-holiday information for 2150"):
        run(S, D(2150, 1, 5))
