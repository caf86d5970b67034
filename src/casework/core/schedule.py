"""The recurring schedule, as data, and the pure "is it due?" arithmetic.

The worker's scheduler (casework.core.scheduler) reads SCHEDULE, asks `is_due` for each entry with
the last time it was enqueued, and enqueues the task when it is. Nothing here touches the database
or asks the time: instants come in as arguments, so the rules are tested with plain values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

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
    name: str
    task_path: str
    cadence: Cadence
    purpose: str


#: The recurring work. A task that is not (yet) installed is skipped with a warning by the scheduler.
SCHEDULE: tuple[ScheduleEntry, ...] = (
    ScheduleEntry(
        name="audit-checkpoint",
        task_path="casework.audit.tasks.audit_checkpoint_task",
        cadence=Every(dt.timedelta(hours=1)),
        purpose="Sign a Merkle tree head over the audit trail and export it outside the database.",
    ),
    ScheduleEntry(
        name="compliance-sweep",
        task_path="casework.assurance.tasks.assurance_sweep_task",
        cadence=DailyAt(dt.time(2, 0)),
        purpose="Re-evaluate every open case against the compliance rule library.",
    ),
    ScheduleEntry(
        name="progression-sweep",
        task_path="casework.progression.tasks.progression_sweep_task",
        cadence=DailyAt(dt.time(2, 30)),
        purpose="Recompute custody time limits, stage dates and directions falling due.",
    ),
    ScheduleEntry(
        name="daily-digests",
        task_path="casework.progression.tasks.send_digests_task",
        cadence=DailyAt(dt.time(6, 30)),
        purpose="E-mail each owner the time limits and directions due soon (reminders).",
    ),
    ScheduleEntry(
        name="oversight-tallies",
        task_path="casework.oversight.tasks.oversight_refresh_task",
        cadence=Every(dt.timedelta(hours=1)),
        purpose="Recompute the oversight dashboard's compliance figures per unit (the national view reads them).",
    ),
    ScheduleEntry(
        name="email-delivery",
        task_path="casework.notifications.tasks.deliver_due_emails_task",
        cadence=Every(dt.timedelta(minutes=1)),
        purpose="Send queued e-mails that missed their task and retry failed ones with back-off.",
    ),
    ScheduleEntry(
        name="iqa-reminders",
        task_path="casework.quality.tasks.iqa_reminders_task",
        cadence=DailyAt(dt.time(7, 0)),
        purpose="E-mail a reminder for each quality assessment step gone overdue (once per step).",
    ),
    ScheduleEntry(
        name="housekeeping",
        task_path="casework.core.tasks.housekeeping_task",
        cadence=DailyAt(dt.time(3, 0)),
        purpose="Prune finished background-task results and expired sign-in throttling rows.",
    ),
    # --- records management (casework.records) --------------------------------------------------
    ScheduleEntry(
        name="records-retention",
        task_path="casework.records.tasks.retention_task",
        cadence=DailyAt(dt.time(3, 30)),
        purpose="Count records due for retention review and dispose of those records officers approved.",
    ),
)


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
