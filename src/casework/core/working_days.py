"""England-and-Wales working days. Pure: the holidays come in as data.

A non-working day is a Saturday, a Sunday, or a date in the holiday table (bank holidays
including substitute days, Christmas Day and Good Friday, which the table always holds).

The table is complete only for the years it was loaded for. Any other year is either worked out
from the usual rules (a function passed in, normally the `holidays` package) and reported as such,
or refused with `CalendarNotCovered`: a date is never silently treated as if its year had no
holidays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

WEEKEND = {5: "Saturday", 6: "Sunday"}

#: Years the usual rules may be used for when the table does not hold them: from the start of
#: custody time limits (1 April 1987) to the end of the century. Outside these, dates are refused.
RULE_YEARS = (1987, 2099)

HolidayRules = Callable[[int], Mapping[dt.date, str]]


class CalendarNotCovered(ValueError):
    """A date in a year the service has no bank-holiday information for."""

    def __init__(self, year: int, first: int, last: int) -> None:
        self.year = year
        super().__init__(
            f"there is no bank-holiday information for {year}: the calendar covers {first} to {last}. "
            "Check the date, or ask an administrator to load that year's bank holidays (calendar_refresh)"
        )


@dataclass(frozen=True)
class WorkingCalendar:
    """Working-day arithmetic over a holiday table.

    `holidays` is the stored table; `years` the years it is complete for (by default the years it
    has entries in). For other years within `rule_years`, `rules` (if given) works the holidays
    out; those years are reported by `years_by_rule` so explanations can say so.
    """

    holidays: Mapping[dt.date, str] = field(default_factory=dict)
    years: frozenset[int] | None = None
    rules: HolidayRules | None = None
    rule_years: tuple[int, int] = RULE_YEARS
    _by_rule: dict[int, dict[dt.date, str]] = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def table_years(self) -> frozenset[int]:
        return self.years if self.years is not None else frozenset(day.year for day in self.holidays)

    def covers(self, day: dt.date) -> bool:
        return day.year in self.table_years or (
            self.rules is not None and self.rule_years[0] <= day.year <= self.rule_years[1]
        )

    def check_covered(self, day: dt.date) -> None:
        if not self.covers(day):
            years = sorted(self.table_years)
            first = min([*years, *(self.rule_years if self.rules else ())], default=day.year)
            last = max([*years, *(self.rule_years if self.rules else ())], default=day.year)
            raise CalendarNotCovered(day.year, first, last)

    def _holiday_name(self, day: dt.date) -> str | None:
        self.check_covered(day)
        if day.year in self.table_years or self.rules is None:
            return self.holidays.get(day)
        if day.year not in self._by_rule:
            computed = dict(self.rules(day.year))
            # One-off holidays stored for that year (e.g. from a GOV.UK file) count too.
            computed.update({d: name for d, name in self.holidays.items() if d.year == day.year})
            self._by_rule[day.year] = computed
        return self._by_rule[day.year].get(day)

    def years_by_rule(self, start: dt.date, end: dt.date) -> list[int]:
        """Years between two dates (inclusive) whose holidays come from the rules, not the table."""
        low, high = min(start, end), max(start, end)
        return [year for year in range(low.year, high.year + 1) if year not in self.table_years]

    def non_working_reason(self, day: dt.date) -> str | None:
        """Why `day` is not a working day ("a bank holiday (Easter Monday)", "a Sunday"), or None."""
        name = self._holiday_name(day)
        if name is not None:
            return f"a bank holiday ({name})"
        if day.weekday() in WEEKEND:
            return f"a {WEEKEND[day.weekday()]}"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return self.non_working_reason(day) is None

    def preceding_working_day(self, day: dt.date) -> tuple[dt.date, list[tuple[dt.date, str]]]:
        """The latest working day on or before `day`, and the non-working days stepped over."""
        skipped: list[tuple[dt.date, str]] = []
        while (reason := self.non_working_reason(day)) is not None:
            skipped.append((day, reason))
            day -= dt.timedelta(days=1)
        return day, skipped

    def following_working_day(self, day: dt.date) -> dt.date:
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """`count` working days after `day` (negative counts go backwards); `day` itself is not counted."""
        step = dt.timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


@lru_cache(maxsize=8192)  # explanations format the same few hundred dates over and over
def fmt(day: dt.date) -> str:
    """The short display form used in explanations: "Mon 9 Feb 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


@lru_cache(maxsize=8192)
def long_date(day: dt.date) -> str:
    """A date as people write it: "8 December 2026"."""
    return f"{day.day} {day:%B %Y}"


@lru_cache(maxsize=8192)
def day_and_date(day: dt.date) -> str:
    """A date with its weekday, for explanations where the day matters: "Thursday 24 December 2026"."""
    return f"{day:%A} {long_date(day)}"
