"""casework oversight_refresh [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.oversight.services import refresh_compliance_tallies


class Command(BaseCommand):
    help = "Recompute the oversight dashboard's compliance tallies (every unit) from the case register."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        refresh = refresh_compliance_tallies(actor=None)
        report = {"as_of": refresh.as_of.isoformat(), "rows": refresh.rows, "seconds": refresh.seconds}
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        as_of = f"{refresh.as_of:%Y-%m-%d %H:%M}"
        self.stdout.write(f"Compliance tallies as at {as_of}: {refresh.rows} rows in {refresh.seconds} s")
