"""The recurring schedule: the "is it due?" arithmetic and enqueue-once across workers."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.apps import apps
from django_tasks_db.models import DBTaskResult

from casework.core.models import ScheduledRun
from casework.core.schedule import SCHEDULE, SCHEDULE_POINT, DailyAt, Every, ScheduleEntry, is_due, latest_daily_slot
from casework.core.scheduler import enqueue_due, load_task

UTC = dt.UTC
HOURLY = Every(dt.timedelta(hours=1))
NIGHTLY = DailyAt(dt.time(2, 0))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("cadence", "last", "now", "due"),
    [
        (HOURLY, None, "2026-01-10 12:00", True),
        (HOURLY, "2026-01-10 11:01", "2026-01-10 12:00", False),
        (HOURLY, "2026-01-10 11:00", "2026-01-10 12:00", True),
        (NIGHTLY, None, "2026-01-10 12:00", True),
        # Winter: 02:00 London is 02:00 UTC.
        (NIGHTLY, "2026-01-09 02:00", "2026-01-10 01:59", False),
        (NIGHTLY, "2026-01-09 02:00", "2026-01-10 02:00", True),
        (NIGHTLY, "2026-01-10 02:00", "2026-01-10 23:00", False),
        # Summer: 02:00 London is 01:00 UTC.
        (NIGHTLY, "2026-07-09 01:00", "2026-07-10 00:59", False),
        (NIGHTLY, "2026-07-09 01:00", "2026-07-10 01:00", True),
        # Missed for a week: due once, not once per missed night.
        (NIGHTLY, "2026-01-01 02:00", "2026-01-08 09:00", True),
        (NIGHTLY, "2026-01-08 09:00", "2026-01-08 09:01", False),
    ],
)
def test_is_due(cadence, last, now, due):
    assert is_due(cadence, at(last) if last else None, at(now)) is due


def test_daily_slot_across_the_spring_clock_change():
    # 29 March 2026: clocks go forward at 01:00 UTC; 02:00 BST that morning is 01:00 UTC.
    assert latest_daily_slot(dt.time(2, 0), at("2026-03-29 01:30")) == at("2026-03-29 01:00")
    assert latest_daily_slot(dt.time(2, 0), at("2026-03-29 00:30")) == at("2026-03-28 02:00")


def test_the_schedule_has_the_nightly_sweep_and_hourly_checkpoints():
    by_name = {entry.name: entry for entry in SCHEDULE}
    assert by_name["compliance-sweep"].cadence == NIGHTLY
    assert by_name["audit-checkpoint"].cadence == HOURLY
    assert by_name["partners-sweep"].task_path == "casework.partners.tasks.partners_sweep_task"
    assert len(by_name) == len(SCHEDULE)


def test_the_schedule_is_built_from_what_each_app_declares():
    """Entries come in INSTALLED_APPS order. The order only decides which due task is enqueued first
    in one scheduler tick, and nothing depends on it: each e-mail a sweep queues gets its own
    delivery task when the sweep commits, and "email-delivery" is only the minutely retry net."""
    declared: dict[str, list[str]] = {}
    for label, _, entry in SCHEDULE_POINT.declarations():
        declared.setdefault(label, []).append(entry.name)
    assert declared == {
        "core": ["housekeeping"],
        "audit": ["audit-checkpoint"],
        "notifications": ["email-delivery"],
        "progression": ["progression-sweep", "daily-digests"],
        "assurance": ["compliance-sweep", "assurance-rechecks", "assurance-dashboard-tallies"],
        "quality": ["iqa-reminders", "iqa-analytics"],
        "partners": ["partners-sweep"],
        "oversight": ["oversight-tallies"],
        "workday": ["workday-tallies"],
        "resourcing": ["resourcing-bands", "resourcing-nightly"],
        "records": ["records-retention"],
    }
    assert list(declared) == [config.label for config in apps.get_app_configs() if config.label in declared]
    assert [entry.name for entry in SCHEDULE] == [name for names in declared.values() for name in names]


def test_every_scheduled_task_is_installed():
    assert [entry.name for entry in SCHEDULE if load_task(entry.task_path) is None] == []


def unscheduled_sweeps(entries) -> list[str]:
    """Every `*_sweep` management command and every sweep task of our apps that no entry runs.
    A command `foo_sweep` is run by the task `<app>.tasks.foo_sweep_task`."""
    from importlib import import_module

    from django.apps import apps
    from django.core.management import get_commands
    from django_tasks.base import Task

    scheduled = {entry.task_path for entry in entries}
    missing = [
        f"command {name}"
        for name, app in sorted(get_commands().items())
        if app.startswith("casework.") and name.endswith("_sweep")
        if f"{app}.tasks.{name}_task" not in scheduled
    ]
    for config in apps.get_app_configs():
        if not config.name.startswith("casework."):
            continue
        try:
            module = import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        for name, value in sorted(vars(module).items()):
            if isinstance(value, Task) and "sweep" in name and f"{module.__name__}.{name}" not in scheduled:
                missing.append(f"task {module.__name__}.{name}")
    return missing


def test_every_sweep_command_and_task_is_scheduled():
    assert unscheduled_sweeps(SCHEDULE) == [], "declare a ScheduleEntry for these in their app's AppConfig.schedule"


def test_an_unscheduled_sweep_is_caught():
    without_partners = [entry for entry in SCHEDULE if entry.name != "partners-sweep"]
    assert unscheduled_sweeps(without_partners) == [
        "command partners_sweep",
        "task casework.partners.tasks.partners_sweep_task",
    ]


def test_two_entries_with_one_name_are_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    twice = [
        ("core", "0", ScheduleEntry("x", "a.b", HOURLY, "")),
        ("audit", "0", ScheduleEntry("x", "c.d", HOURLY, "")),
    ]
    monkeypatch.setattr(SCHEDULE_POINT, "declarations", lambda: twice)
    SCHEDULE_POINT.forget()
    try:
        with pytest.raises(ImproperlyConfigured, match="declared twice: x"):
            list(SCHEDULE)
    finally:
        monkeypatch.undo()
        SCHEDULE_POINT.forget()


HOUSEKEEPING = (ScheduleEntry("housekeeping", "casework.core.tasks.housekeeping_task", HOURLY, "test"),)


@pytest.mark.django_db
def test_two_workers_ticking_at_once_enqueue_a_due_task_once():
    with time_machine.travel(at("2026-01-10 12:00"), tick=False):
        first_worker = enqueue_due(entries=HOUSEKEEPING)
        second_worker = enqueue_due(entries=HOUSEKEEPING)
    assert first_worker == ["housekeeping"]
    assert second_worker == []
    assert DBTaskResult.objects.filter(task_path="casework.core.tasks.housekeeping_task").count() == 1
    assert ScheduledRun.objects.get(name="housekeeping").last_enqueued_at == at("2026-01-10 12:00")


@pytest.mark.django_db
def test_a_task_is_enqueued_again_when_its_interval_has_passed():
    with time_machine.travel(at("2026-01-10 12:00"), tick=False) as traveller:
        enqueue_due(entries=HOUSEKEEPING)
        traveller.move_to(at("2026-01-10 12:59"))
        assert enqueue_due(entries=HOUSEKEEPING) == []
        traveller.move_to(at("2026-01-10 13:00"))
        assert enqueue_due(entries=HOUSEKEEPING) == ["housekeeping"]
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_task_that_is_not_installed_is_skipped_with_a_warning(caplog):
    missing = (ScheduleEntry("missing", "casework.nowhere.tasks.nothing_task", HOURLY, "test"),)
    with caplog.at_level(logging.WARNING, logger="casework.scheduler"):
        assert enqueue_due(entries=missing) == []
    assert "not available" in caplog.text
    assert not ScheduledRun.objects.filter(name="missing").exists()
    assert DBTaskResult.objects.count() == 0


def test_the_operations_guide_lists_every_schedule_entry():
    # Operators read the table in docs/operations.md, not the code: it must not fall behind.
    from pathlib import Path

    from casework.core.schedule import SCHEDULE

    guide = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [entry.name for entry in SCHEDULE if f"| `{entry.name}` |" not in guide]
    assert not missing, f"add these schedule entries to the worker table in docs/operations.md: {missing}"
