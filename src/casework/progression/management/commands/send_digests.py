"""casework send_digests [--dry-run] [--date YYYY-MM-DD]"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.progression.digest import send_digests


class Command(BaseCommand):
    help = "E-mail each person their daily case progression digest (at most once a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print the digests instead of sending them")
        parser.add_argument("--date", help="Digest as of this date (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be a real date in the form YYYY-MM-DD.") from None
        run = send_digests(today=today, dry_run=options["dry_run"])
        for to, subject, body in run.previews:
            self.stdout.write(f"To: {to}\nSubject: {subject}\n\n{body}\n{'-' * 70}")
        verb = "Would send" if options["dry_run"] else "Sent"
        count = len(run.previews) if options["dry_run"] else len(run.sent)
        self.stdout.write(
            f"{verb} {count} digests for {run.today.isoformat()}; "
            f"{run.already_sent} already sent today; {run.empty} people had nothing due."
        )
