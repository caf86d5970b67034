"""`casework worker` runs queued tasks; the housekeeping task prunes only what is old."""

from __future__ import annotations

import datetime as dt
import io
import signal

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from casework.core import tasks
from casework.identity import sign_in_throttle
from casework.people.models import LoginFailure


@pytest.fixture
def keep_signal_handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db
def test_worker_runs_queued_tasks(keep_signal_handlers, monkeypatch):
    # Between tasks the worker closes database connections it thinks are stale; inside the test's
    # transaction (autocommit off) PostgreSQL's would be closed under the test, so keep it.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    result = tasks.housekeeping_task.enqueue()
    out = io.StringIO()
    call_command("worker", batch=True, no_schedule=True, interval=0, stdout=out)
    stored = DBTaskResult.objects.get(pk=result.id)
    assert stored.status == "SUCCESSFUL"
    assert stored.return_value == {"task_results": 0, "login_failures": 0, "export_files": 0}


@pytest.mark.django_db
def test_housekeeping_prunes_old_rows_only():
    now = dt.datetime(2026, 5, 1, 3, 0, tzinfo=dt.UTC)
    LoginFailure.objects.create(username="old", client_address="10.0.0.1", occurred_at=now - dt.timedelta(days=1))
    LoginFailure.objects.create(username="recent", client_address="10.0.0.1", occurred_at=now - dt.timedelta(minutes=1))
    with time_machine.travel(now - dt.timedelta(days=40), tick=False):
        old = tasks.housekeeping_task.enqueue()
        DBTaskResult.objects.get(pk=old.id).set_successful(None)
    with time_machine.travel(now, tick=False):
        recent = tasks.housekeeping_task.enqueue()
        DBTaskResult.objects.get(pk=recent.id).set_successful(None)
    assert tasks.prune_task_results(now=now) == 1
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent.db_result.pk]
    assert list(LoginFailure.objects.values_list("username", flat=True).order_by("username")) == ["old", "recent"]
    assert sign_in_throttle.prune_login_failures(now=now) == 1
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["recent"]
