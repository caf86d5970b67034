"""`casework load_resourcing_demo --seed S`: REM records for the demo cases and one small unit with a
single point of failure and an overloaded grade. Safe to re-run (does nothing once loaded)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.resourcing import demo


class Command(BaseCommand):
    help = "Load demo REM records and shape a small unit with a single point of failure and an overloaded grade."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo.load(seed=options["seed"])
        if result is None:
            self.stdout.write("Resourcing demo data is already loaded; nothing to do.")
            return
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.records} REM records; {result.reallocated} cases reallocated in {result.unit or '-'}."
            )
        )
