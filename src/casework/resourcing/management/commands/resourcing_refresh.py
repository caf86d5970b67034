"""casework resourcing_refresh [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.resourcing import stored, summaries


class Command(BaseCommand):
    help = "Store every open case's band, each unit's summary and forecast for today (what the nightly job does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        bands = stored.refresh_bands(full=True)
        units = summaries.refresh()
        forecasts = stored.refresh_forecasts()
        if options["json"]:
            self.stdout.write(
                json.dumps({"bands": bands.as_dict(), "summaries": units, "forecasts": forecasts}, indent=2)
            )
            return
        self.stdout.write(
            f"Complexity bands of {bands.cases} open cases stored in {bands.seconds} s"
            f" (REM policy v{bands.policy_version}); summaries of {units['units']} units in {units['seconds']} s;"
            f" forecasts for {forecasts['units']} units in"
            f" {forecasts['seconds']} s."
        )
