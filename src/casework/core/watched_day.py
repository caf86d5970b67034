"""A day that remembers what it was compared with, to find when time passing changes an answer.

A pure rule that looks at "today" only by comparing it with other dates gives the same answer on
every day until one of those comparisons would flip. `WatchedDay` is such a today: every date it
is compared with is noted in its `Watch`, and `Watch.next_change_after` gives the first later day
on which any comparison could answer differently. Anything else done with the day (arithmetic,
reading its parts) cannot be followed, so it marks the answer as possibly different tomorrow:
the safe side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

_ONE_DAY = dt.timedelta(days=1)


@dataclass
class Watch:
    """The days on which comparisons made with a WatchedDay could flip."""

    flips: set[dt.date] = field(default_factory=set)
    #: Something was done with the day that cannot be followed: the answer may change tomorrow.
    tomorrow: bool = False

    def next_change_after(self, today: dt.date) -> dt.date | None:
        if self.tomorrow:
            return today + _ONE_DAY
        return min((day for day in self.flips if day > today), default=None)


class WatchedDay(dt.date):
    """A date that notes each date it is compared with in its Watch (see the module docstring)."""

    watch: Watch

    def __new__(cls, day: dt.date, watch: Watch) -> WatchedDay:
        made = super().__new__(cls, day.year, day.month, day.day)
        made.watch = watch
        return made

    def _plain(self) -> dt.date:
        return dt.date(self.year, self.month, self.day)

    def _note(self, other: Any) -> Any:
        if isinstance(other, dt.datetime) or not isinstance(other, dt.date):
            self.watch.tomorrow = True
            return other
        plain = dt.date(other.year, other.month, other.day)
        # Whatever the operator, its answer can only change on the day itself or the day after.
        self.watch.flips.update((plain, plain + _ONE_DAY))
        return plain

    def __lt__(self, other: Any) -> bool:
        return self._plain() < self._note(other)

    def __le__(self, other: Any) -> bool:
        return self._plain() <= self._note(other)

    def __gt__(self, other: Any) -> bool:
        return self._plain() > self._note(other)

    def __ge__(self, other: Any) -> bool:
        return self._plain() >= self._note(other)

    def __eq__(self, other: object) -> bool:
        return self._plain() == self._note(other)

    def __ne__(self, other: object) -> bool:
        return self._plain() != self._note(other)

    __hash__ = dt.date.__hash__

    def __add__(self, other: Any) -> Any:
        self.watch.tomorrow = True
        return self._plain() + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        self.watch.tomorrow = True
        return self._plain() - other

    def __rsub__(self, other: Any) -> Any:
        self.watch.tomorrow = True
        return other - self._plain()

    def __getattribute__(self, name: str) -> Any:
        # Reading the day's parts (month, weekday, isoformat...) cannot be followed.
        if name in _UNFOLLOWED:
            object.__getattribute__(self, "watch").tomorrow = True
        return object.__getattribute__(self, name)


_UNFOLLOWED = frozenset(
    {"weekday", "isoweekday", "isocalendar", "toordinal", "timetuple", "replace", "isoformat", "strftime", "ctime"}
)
