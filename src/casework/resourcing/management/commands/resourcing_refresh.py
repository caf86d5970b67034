"""casework resourcing_refresh [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.resourcing import stored


class Command(BaseCommand):
    help = "Store every open case's complexity band and each unit's forecast for today (what the nightly job does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        bands = stored.refresh_bands(full=True)
        forecasts = stored.refresh_forecasts()
        if options["json"]:
            self.stdout.write(json.dumps({"bands": bands.as_dict(), "forecasts": forecasts}, indent=2))
            return
        self.stdout.write(
            f"Complexity bands of {bands.cases} open cases stored in {bands.seconds} s"
            f" (REM policy v{bands.policy_version}); forecasts for {forecasts['units']} units in"
            f" {forecasts['seconds']} s."
        )
