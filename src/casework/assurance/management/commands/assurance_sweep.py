"""casework assurance_sweep [--unit CODE] [--date YYYY-MM-DD] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.assurance.sweep import assurance_sweep
from casework.core.command_options import date_option
from casework.people.command_options import unit_id_from_code


class Command(BaseCommand):
    help = "Evaluate every case against the assurance rules in force and store changed verdicts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="Unit code, e.g. ccu-wessex (default: every unit)")
        parser.add_argument("--date", help="Evaluate as of this date (YYYY-MM-DD); default today")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        progress = None if options["json"] else (lambda line: self.stderr.write(line))
        report = assurance_sweep(
            today=date_option(options["date"], "--date"), unit_id=unit_id_from_code(options["unit"]), progress=progress
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{report.cases} cases, {report.verdicts} verdicts in {report.seconds} s ({report.opened} changed)"
        )
        for outcome, count in sorted(report.outcomes.items()):
            self.stdout.write(f"  {outcome}: {count}")
        for rule, count in report.not_met_by_rule.most_common():
            self.stdout.write(f"  not met — {rule}: {count}")
