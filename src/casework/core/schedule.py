"""The recurring schedule, as data, and the pure "is it due?" arithmetic.

Each app declares its own recurring work on its AppConfig (`schedule = (ScheduleEntry(...), ...)`,
see casework.core.extensions); SCHEDULE is every declared entry. The worker's scheduler
(casework.core.scheduler) asks `is_due` for each entry with the last time it was enqueued, and
enqueues the task when it is. Nothing here touches the database or asks the time: instants come
in as arguments, so the rules are tested with plain values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured

from casework.core.extensions import ExtensionPoint

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Every:
    """Run at most once per `interval` (e.g. hourly audit checkpoints)."""

    interval: dt.timedelta

    def describe(self) -> str:
        minutes = int(self.interval.total_seconds() // 60)
        return f"every {minutes // 60} h" if minutes % 60 == 0 else f"every {minutes} min"


@dataclass(frozen=True)
class DailyAt:
    """Run once a day at a London wall-clock time (e.g. the nightly sweep at 02:00)."""

    at: dt.time

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M} Europe/London"


Cadence = Every | DailyAt


@dataclass(frozen=True)
class ScheduleEntry:
    """One recurring job: a unique name, the background task it enqueues, when, and why (the
    worker prints these and docs/operations.md lists them)."""

    name: str
    task_path: str
    cadence: Cadence
    purpose: str


class DeclaredSchedule(Sequence[ScheduleEntry]):
    """The recurring work: every entry the installed apps declare on their AppConfig (`schedule`),
    in INSTALLED_APPS order, read when first used. Entry names must be unique."""

    def _entries(self) -> tuple[ScheduleEntry, ...]:
        entries = tuple(SCHEDULE_POINT.contributions())
        names = [entry.name for entry in entries]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ImproperlyConfigured(f"Schedule entries declared twice: {', '.join(twice)}")
        return entries

    @overload
    def __getitem__(self, index: int) -> ScheduleEntry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ScheduleEntry]: ...
    def __getitem__(self, index: int | slice) -> ScheduleEntry | Sequence[ScheduleEntry]:
        return self._entries()[index]

    def __len__(self) -> int:
        return len(self._entries())

    def by_name(self) -> dict[str, ScheduleEntry]:
        return {entry.name: entry for entry in self._entries()}


#: Apps declare their recurring work as `schedule = (ScheduleEntry(...), ...)` on their AppConfig.
SCHEDULE_POINT = ExtensionPoint[ScheduleEntry](
    "schedule", "Recurring work the worker enqueues when due (casework.core.scheduler)."
)
#: The recurring work. A task that is not (yet) installed is skipped with a warning by the scheduler.
SCHEDULE = DeclaredSchedule()


def latest_daily_slot(at: dt.time, now: dt.datetime) -> dt.datetime:
    """The most recent instant, at or before `now`, when London's clock read `at`."""
    local_now = now.astimezone(LONDON)
    slot = dt.datetime.combine(local_now.date(), at, tzinfo=LONDON)
    if slot > local_now:
        slot = dt.datetime.combine(local_now.date() - dt.timedelta(days=1), at, tzinfo=LONDON)
    return slot.astimezone(dt.UTC)


def is_due(cadence: Cadence, last_enqueued_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a task with this cadence should be enqueued now.

    Never enqueued means due at once (a new installation gets its first sweep without waiting a day).
    A daily task missed while no worker ran is enqueued once on restart, not once per missed day.
    """
    if last_enqueued_at is None:
        return True
    if isinstance(cadence, Every):
        return now - last_enqueued_at >= cadence.interval
    return last_enqueued_at < latest_daily_slot(cadence.at, now)
