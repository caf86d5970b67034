"""`casework subject-access`: what the service holds about one person, as a ZIP (DPA 2018 s.45).

    casework subject-access --defendant "First LAST" --date-of-birth YYYY-MM-DD --out FILE.zip \\
        --actor USERNAME --justification "SAR ref 123" [--recipient "The data subject"]
    casework subject-access --defendant-id ID ...        a defendant record by its id
    casework subject-access --staff USERNAME ...          a member of staff
    casework subject-access --officer "DS Name" ...       a police officer
    casework subject-access --name "First LAST" ...       anyone else (a witness, a victim): free text
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.core.command_options import date_option
from casework.core.errors import CaseworkError
from casework.people.models import User
from casework.records.subject_access import Person, write_pack


class Command(BaseCommand):
    help = "Export what is held about one person, and who consulted or disclosed it, as a ZIP (DPA 2018 s.45)."

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--defendant", metavar="NAME", help="a defendant's full name (with --date-of-birth)")
        who.add_argument("--defendant-id", type=int, metavar="ID", help="a defendant record's id")
        who.add_argument("--staff", metavar="USERNAME", help="a member of staff")
        who.add_argument("--officer", metavar="NAME", help="a police officer, by name")
        who.add_argument("--name", metavar="NAME", help="anyone else (a witness, a victim), by full name")
        parser.add_argument("--date-of-birth", metavar="YYYY-MM-DD")
        parser.add_argument("--out", required=True, type=Path, help="the ZIP to write (never overwritten)")
        parser.add_argument("--actor", required=True, metavar="USERNAME", help="the records officer answering it")
        parser.add_argument("--justification", required=True, help="why (e.g. the request reference); recorded")
        parser.add_argument("--recipient", default="The data subject", help="who receives it; recorded")

    def handle(self, *args: Any, **options: Any) -> None:
        options["date_of_birth"] = date_option(options["date_of_birth"], "--date-of-birth")
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['actor']!r}.")
        if options["defendant"] is not None:
            person = Person("defendant", name=options["defendant"], date_of_birth=options["date_of_birth"])
        elif options["defendant_id"] is not None:
            person = Person("defendant", defendant_id=options["defendant_id"])
        elif options["staff"] is not None:
            person = Person("staff", username=options["staff"])
        elif options["officer"] is not None:
            person = Person("officer", name=options["officer"])
        else:
            person = Person("other", name=options["name"], date_of_birth=options["date_of_birth"])
        try:
            pack = write_pack(
                actor=actor,
                person=person,
                out=options["out"],
                justification=options["justification"],
                recipient=options["recipient"],
            )
        except CaseworkError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Wrote {options['out']}: {pack.found} records and passages, {len(pack.access_log)} log entries, "
            f"{len(pack.redactions)} redactions for a person to check (see summary.txt). Recorded as a disclosure."
        )
