"""`casework serve` hands over to gunicorn with the bind and worker count from the environment."""

from __future__ import annotations

import io
import os
import sys

import pytest
from django.core.management import call_command


@pytest.fixture
def exec_calls(monkeypatch):
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr("os.execv", lambda path, argv: calls.append((path, argv)))
    return calls


def test_serve_defaults_to_localhost_and_two_workers(exec_calls, monkeypatch):
    monkeypatch.delenv("BIND", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    call_command("serve", stdout=io.StringIO())
    [(path, argv)] = exec_calls
    assert path == sys.executable
    assert argv[1:4] == ["-m", "gunicorn", "casework.wsgi:application"]
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--access-logfile") + 1] == "-"


def test_serve_reads_bind_and_concurrency_from_the_environment(exec_calls, monkeypatch):
    monkeypatch.setenv("BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    call_command("serve", stdout=io.StringIO())
    [(_, argv)] = exec_calls
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9000"
    assert argv[argv.index("--workers") + 1] == "5"


def test_cli_sets_demo_transport_settings_only_for_demo(monkeypatch):
    from casework import cli

    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: seen.append(argv))
    # A private copy of the environment, so nothing leaks into later tests or their subprocesses.
    environment = {k: v for k, v in os.environ.items() if k not in cli.DEMO_ENVIRONMENT}
    monkeypatch.setattr(cli.os, "environ", environment)
    cli.main(["check"])
    assert "CASEWORK_DEMO_MODE" not in environment
    cli.main(["demo", "--port", "8123"])
    # DEBUG off: the demo shows the service's own 404 and 500 pages, not Django's debug pages.
    assert environment["DEBUG"] == "0"
    assert environment["SECURE_HTTPS"] == "0"
    assert environment["WHITENOISE_USE_FINDERS"] == "1"
    assert environment["CASEWORK_DEMO_MODE"] == "1"
    assert seen == [["casework", "check"], ["casework", "demo", "--port", "8123"]]


def test_cli_keeps_demo_settings_already_in_the_environment(monkeypatch):
    from casework import cli

    monkeypatch.setattr("django.core.management.execute_from_command_line", lambda argv: None)
    environment = {"DJANGO_SETTINGS_MODULE": "casework.settings", "DEBUG": "1"}
    monkeypatch.setattr(cli.os, "environ", environment)
    cli.main(["demo"])
    assert environment["DEBUG"] == "1"
