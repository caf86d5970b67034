"""casework workday_refresh [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.workday import tallies


class Command(BaseCommand):
    help = "Store every unit's and caseworker's overview counts for today (what the five-minute job does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result = tallies.refresh()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        self.stdout.write(
            f"Overview counts of {result.units} units and {result.people} people stored in {result.seconds} s"
            f" ({result.skipped} left to count live while their verdicts are re-checked)."
        )
