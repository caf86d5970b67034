"""casework progression_sweep [--unit CODE] [--date YYYY-MM-DD] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.people.models import Unit
from casework.progression.sweep import progression_sweep


class Command(BaseCommand):
    help = "Recompute every open case's custody clocks and deadlines; raise tasks and notices (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="Unit code, e.g. ccu-wessex (default: every unit)")
        parser.add_argument("--date", help="Sweep as of this date (YYYY-MM-DD); default today")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        import datetime as dt

        unit_id = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                codes = ", ".join(Unit.objects.values_list("code", flat=True))
                raise CommandError(f"No unit with code {options['unit']!r}. Known units: {codes}")
            unit_id = unit.pk
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        progress = None if options["json"] else (lambda line: self.stderr.write(line))
        report = progression_sweep(today=today, unit_id=unit_id, progress=progress)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for key, value in report.as_dict().items():
                if key != "moved_examples":
                    self.stdout.write(f"{key}: {value}")
