"""England-and-Wales working-day arithmetic. Pure: the holidays come in as data.

A non-working day is a Saturday, a Sunday, or a date in the holiday table (bank holidays
including substitute days, Christmas Day and Good Friday, which the table always holds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

WEEKEND = {5: "Saturday", 6: "Sunday"}


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: Mapping[dt.date, str] = field(default_factory=dict)

    def non_working_reason(self, day: dt.date) -> str | None:
        """Why `day` is not a working day ("a bank holiday (Easter Monday)", "a Sunday"), or None."""
        if day in self.holidays:
            return f"a bank holiday ({self.holidays[day]})"
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


def fmt(day: dt.date) -> str:
    """The display form used in explanations: "Mon 9 Feb 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"
