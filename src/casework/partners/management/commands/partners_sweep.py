"""casework partners_sweep [--date YYYY-MM-DD] [--json]"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.partners.sweep import partners_sweep


class Command(BaseCommand):
    help = (
        "Mark agreements review-due or expired and send review reminders; detect SLA breaches on referrals "
        "and action plans and escalate them up each agreement's ladder (idempotent for a day)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Sweep as of this date (YYYY-MM-DD); default today")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        report = partners_sweep(today=today)
        if options["json"]:
            self.stdout.write(json.dumps(report, sort_keys=True))
        else:
            self.stdout.write(", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in sorted(report.items())))
