"""The worker's scheduler: enqueue each recurring task when it falls due, exactly once.

Several workers may run the scheduler at the same time. Each decision is taken inside one
transaction holding the entry's ScheduledRun row (a row lock on PostgreSQL; SQLite's IMMEDIATE
transactions admit one writer at a time), and the task is enqueued in that same transaction, so
a second worker sees the new `last_enqueued_at` and does not enqueue again.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.utils.module_loading import import_string

from casework.core import clock
from casework.core.models import ScheduledRun
from casework.core.schedule import SCHEDULE, ScheduleEntry, is_due

logger = logging.getLogger("casework.scheduler")


def load_task(task_path: str) -> Any | None:
    """The task object at `task_path`, or None (with a warning) if that app is not installed yet."""
    try:
        task = import_string(task_path)
    except ImportError:
        logger.warning("Scheduled task %s is not available; skipping it.", task_path)
        return None
    if not hasattr(task, "enqueue"):
        logger.warning("%s is not a background task (no enqueue); skipping it.", task_path)
        return None
    return task


def enqueue_if_due(entry: ScheduleEntry, *, now: dt.datetime) -> bool:
    task = load_task(entry.task_path)
    if task is None:
        return False
    with transaction.atomic():
        ScheduledRun.objects.get_or_create(name=entry.name)
        run = ScheduledRun.objects.select_for_update().get(name=entry.name)
        if not is_due(entry.cadence, run.last_enqueued_at, now):
            return False
        task.enqueue()
        run.last_enqueued_at = now
        run.save(update_fields=["last_enqueued_at"])
    logger.info("Enqueued %s (%s).", entry.name, entry.cadence.describe())
    return True


def enqueue_due(*, entries: Sequence[ScheduleEntry] = SCHEDULE, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every due entry (by default every entry the apps declare); returns the names enqueued."""
    instant = now or clock.now()
    return [entry.name for entry in entries if enqueue_if_due(entry, now=instant)]


class SchedulerThread(threading.Thread):
    """Runs `enqueue_due` every `interval` seconds beside the task worker, until stopped."""

    def __init__(self, *, interval: float) -> None:
        super().__init__(name="casework-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                enqueue_due()
            except Exception:
                # A database hiccup must not kill the schedule; the next tick retries.
                logger.exception("Scheduler tick failed; retrying in %s s.", self.interval)
            finally:
                connection.close()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
