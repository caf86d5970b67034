"""`casework load_demo`: load the deterministic, entirely fictional demo data set."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.cases.models import Case
from casework.demo.loader import DemoLoader, conflicting_usernames, demo_data_present, persona_rows

DEFAULT_PASSWORD = "casework-demo-2026"  # noqa: S105 - the published demo password, for demo data only


def demo_password() -> str:
    return os.environ.get("CASEWORK_DEMO_PASSWORD") or DEFAULT_PASSWORD


class Command(BaseCommand):
    help = "Load demo people and cases (deterministic for a seed; dates relative to today). Safe to re-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=3000, help="How many cases (default 3000).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--force", action="store_true", help="Load even though the database already holds other cases."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cases"] < 0:
            raise CommandError("--cases must be zero or more.")
        if demo_data_present():
            self.stdout.write("Demo data is already loaded; nothing to do.")
            return
        if Case.objects.exists() and not options["force"]:
            raise CommandError(
                "This database already holds cases that are not demo data. Refusing to mix demo data into it; "
                "use --force if you really mean to."
            )
        if taken := conflicting_usernames():
            raise CommandError(f"Accounts with demo usernames already exist ({', '.join(taken)}); not loading.")
        loader = DemoLoader(seed=options["seed"], password=demo_password(), progress=self.stdout.write)
        result = loader.load(cases=options["cases"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.people} people and {result.cases} cases with {result.audit_events} audit events "
                f"in {result.seconds:.1f} s (seed {options['seed']}, anchored on {loader.today})."
            )
        )
        if options["verbosity"] >= 1:
            write_logins(self.stdout, password_note=_password_note())


def _password_note() -> str:
    if os.environ.get("CASEWORK_DEMO_PASSWORD"):
        return "Password: the value of CASEWORK_DEMO_PASSWORD"
    return f"Password for every demo login: {DEFAULT_PASSWORD}"


def write_logins(out: Any, *, password_note: str) -> None:
    rows = list(persona_rows())
    out.write("")
    out.write(f"{'Username':<14} {'Role':<24} {'Unit / Area / Force'}")
    out.write(f"{'-' * 14} {'-' * 24} {'-' * 40}")
    for row in rows:
        out.write(f"{row['username']:<14} {row['role']:<24} {row['where']}")
    out.write(password_note)
