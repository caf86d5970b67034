"""casework progression_sweep [--unit CODE] [--date YYYY-MM-DD] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.core.command_options import date_option
from casework.people.command_options import unit_id_from_code
from casework.progression.sweep import progression_sweep


class Command(BaseCommand):
    help = "Recompute every open case's custody clocks and deadlines; raise tasks and notices (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="Unit code, e.g. ccu-wessex (default: every unit)")
        parser.add_argument("--date", help="Sweep as of this date (YYYY-MM-DD); default today")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        progress = None if options["json"] else (lambda line: self.stderr.write(line))
        report = progression_sweep(
            today=date_option(options["date"], "--date"), unit_id=unit_id_from_code(options["unit"]), progress=progress
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for key, value in report.as_dict().items():
                if key not in ("moved_examples", "cases_failed"):
                    self.stdout.write(f"{key}: {value}")
        if report.cases_failed:
            for failed in report.cases_failed:
                self.stderr.write(f"Could not work out case {failed['case']}: {failed['error']}")
            raise CommandError(
                f"{len(report.cases_failed)} case(s) could not be worked out (listed above); every other case was "
                "swept. Check their custody events and hearing dates."
            )
