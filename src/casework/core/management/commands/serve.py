"""`casework serve`: the production web server (gunicorn) with settings from the environment."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def gunicorn_argv(*, bind: str, workers: int, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "casework.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        *extra,
    ]


class Command(BaseCommand):
    help = "Serve the application with gunicorn. BIND (default 127.0.0.1:8000) and WEB_CONCURRENCY (default 2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        parser.add_argument("gunicorn_args", nargs="*", help="Further gunicorn options, after '--'.")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = gunicorn_argv(bind=options["bind"], workers=options["workers"], extra=options["gunicorn_args"])
        self.stdout.write(f"Serving on http://{options['bind']} with {options['workers']} workers")
        self.stdout.flush()
        # Replace this process so gunicorn receives signals from the process manager directly.
        os.execv(sys.executable, argv)  # noqa: S606
