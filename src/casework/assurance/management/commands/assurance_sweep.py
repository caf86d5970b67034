"""casework assurance_sweep [--unit CODE] [--date YYYY-MM-DD] [--json]"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.assurance.sweep import assurance_sweep
from casework.people.models import Unit


class Command(BaseCommand):
    help = "Evaluate every case against the assurance rules in force and store changed verdicts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="Unit code, e.g. ccu-wessex (default: every unit)")
        parser.add_argument("--date", help="Evaluate as of this date (YYYY-MM-DD); default today")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        unit_id = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(
                    f"No unit with code {options['unit']!r}. Known: {', '.join(Unit.objects.values_list('code', flat=True))}"
                )
            unit_id = unit.pk
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        progress = None if options["json"] else (lambda line: self.stderr.write(line))
        report = assurance_sweep(today=today, unit_id=unit_id, progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        self.stdout.write(f"{report.cases} cases, {report.verdicts} verdicts in {report.seconds} s "
                          f"({report.opened} changed)")
        for outcome, count in sorted(report.outcomes.items()):
            self.stdout.write(f"  {outcome}: {count}")
        for rule, count in report.not_met_by_rule.most_common():
            self.stdout.write(f"  not met — {rule}: {count}")
