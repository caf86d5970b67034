"""`casework demo`: migrate, load the demo data if the database has no cases, then run the web
server and the background worker together on http://127.0.0.1 until Ctrl-C.

The demo settings (plain http, DEBUG off, static files from the app folders, CASEWORK_DEMO_MODE) are
set by `casework.cli` before Django starts, because settings are read before any command runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.cases.models import Case
from casework.demo.management.commands.load_demo import _password_note, write_logins

STOP_TIMEOUT_SECONDS = 10


def casework_argv(*args: str) -> list[str]:
    """Run a `casework` subcommand with this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-m", "casework.cli", *args]


class Command(BaseCommand):
    help = "Run the demo: migrate, load demo data when empty, then serve on 127.0.0.1 with a worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--cases", type=int, default=3000, help="Cases to load into an empty database.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CASEWORK_DEMO_MODE or settings.SECURE_HTTPS:
            raise CommandError("Run the demo as `casework demo` so it starts with demo settings (plain http).")
        call_command("migrate", interactive=False, verbosity=0)
        if not Case.objects.exists():
            call_command("load_demo", cases=options["cases"], seed=options["seed"], verbosity=0)
        port = options["port"]
        processes: list[subprocess.Popen[bytes]] = []
        try:
            if not options["no_worker"]:
                processes.append(subprocess.Popen(casework_argv("worker")))
            processes.append(subprocess.Popen(casework_argv("runserver", f"127.0.0.1:{port}", "--noreload")))
            write_logins(self.stdout, password_note=_password_note())
            self.stdout.write(
                self.style.SUCCESS(f"\nCasework Assurance demo: http://127.0.0.1:{port}/  (Ctrl-C stops it)")
            )
            self._wait(processes)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo...")
        finally:
            stop_all(processes)

    def _wait(self, processes: list[subprocess.Popen[bytes]]) -> None:
        while True:
            for process in processes:
                if process.poll() is not None:
                    command = " ".join(str(arg) for arg in process.args[3:])  # type: ignore[index]
                    raise CommandError(f"{command} stopped (exit {process.returncode}).")
            time.sleep(0.5)


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask each child to stop, then insist: no orphaned server or worker after Ctrl-C."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
