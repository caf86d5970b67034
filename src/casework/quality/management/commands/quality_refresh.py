"""casework quality_refresh [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.quality import analytics_store


class Command(BaseCommand):
    help = "Work out and store the IQA analytics of every national, area and unit-head scope (their pages read them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["json"] or options["verbosity"] == 0
        report = analytics_store.refresh(actor=None, progress=None if quiet else self.stdout.write)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"IQA analytics as at {report['as_of']}: {report['scopes']} scopes in {report['seconds']} s")
