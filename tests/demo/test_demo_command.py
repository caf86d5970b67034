"""`casework demo`: migrate, load when empty, start worker and web server, stop both cleanly."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import override_settings

from casework.cases.models import Case
from casework.demo.management.commands import demo as demo_command


class FakeProcess:
    def __init__(self, args, exit_after_polls: int | None = None):
        self.args = args
        self.returncode: int | None = None
        self.polls = 0
        self.exit_after_polls = exit_after_polls
        self.signals: list[int] = []

    def poll(self):
        self.polls += 1
        if self.exit_after_polls is not None and self.polls >= self.exit_after_polls:
            self.returncode = 0
        return self.returncode

    def send_signal(self, sig):
        self.signals.append(sig)
        self.returncode = -sig

    def wait(self, timeout=None):
        return self.returncode


@pytest.mark.django_db
def test_demo_refuses_to_run_with_production_transport_settings():
    with pytest.raises(CommandError, match="casework demo"):
        call_command("demo", stdout=io.StringIO())


@pytest.mark.django_db
@override_settings(CASEWORK_DEMO_MODE=True, SECURE_HTTPS=False)
def test_demo_loads_data_starts_worker_and_server_and_prints_logins(monkeypatch):
    started: list[FakeProcess] = []

    def fake_popen(args):
        # The server "exits" after a few polls so the command returns.
        process = FakeProcess(args, exit_after_polls=2 if "runserver" in args else None)
        started.append(process)
        return process

    monkeypatch.setattr(demo_command.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(demo_command.time, "sleep", lambda _: None)
    out = io.StringIO()
    with time_machine.travel("2026-06-01 09:00Z", tick=False), pytest.raises(CommandError, match="runserver"):
        call_command("demo", port=18999, cases=20, stdout=out)
    assert Case.objects.count() == 20
    worker, server = started
    assert worker.args == [sys.executable, "-m", "casework.cli", "worker"]
    assert server.args == [sys.executable, "-m", "casework.cli", "runserver", "127.0.0.1:18999", "--noreload"]
    assert worker.signals, "the worker is stopped when the server ends"
    text = out.getvalue()
    for username in ("prosecutor.a", "manager.a", "unithead.a", "prosecutor.b", "paralegal.a", "area.a",
                     "hq.analyst", "inspector", "police.x", "police.y", "admin"):  # fmt: skip
        assert username in text
    assert "casework-demo-2026" in text
    assert "http://127.0.0.1:18999/" in text


def test_stop_all_ends_real_children():
    children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(2)]
    started = time.monotonic()
    demo_command.stop_all(children)
    assert all(child.poll() is not None for child in children)
    assert time.monotonic() - started < demo_command.STOP_TIMEOUT_SECONDS
