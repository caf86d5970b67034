"""casework calendar_refresh [--from-year Y --to-year Y] [--gov-uk-file PATH] [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.core import bank_holidays, clock
from casework.progression.services import calendar_refresh


class Command(BaseCommand):
    help = "Refresh the England-and-Wales bank holiday table (no code change needed for a new year)."

    def add_arguments(self, parser: CommandParser) -> None:
        this_year = clock.today().year
        parser.add_argument("--from-year", type=int, default=this_year - 10)
        parser.add_argument("--to-year", type=int, default=this_year + 10)
        parser.add_argument(
            "--gov-uk-file",
            type=Path,
            default=None,
            help="Load GOV.UK's bank-holidays.json instead of the holidays package",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["gov_uk_file"]:
            try:
                days = bank_holidays.from_gov_uk_file(options["gov_uk_file"])
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            source = f"GOV.UK bank holidays file {options['gov_uk_file'].name}"
        else:
            if options["from_year"] > options["to_year"]:
                raise CommandError("--from-year must not be after --to-year")
            days = bank_holidays.from_package(options["from_year"], options["to_year"])
            source = bank_holidays.PACKAGE_SOURCE
        result = calendar_refresh(actor=None, days=days, source=source, dry_run=options["dry_run"])
        verb = "Would add" if options["dry_run"] else "Added"
        self.stdout.write(
            f"{verb} {len(result['added'])}, renamed {len(result['renamed'])}, "
            f"unchanged {result['unchanged']} bank holidays ({source})."
        )
        for day in result["added"][:50]:
            self.stdout.write(f"  + {day}")
        if result["complete_years"]:
            years = ", ".join(str(year) for year in result["complete_years"])
            self.stdout.write(f"Years now held in full: {years}.")
