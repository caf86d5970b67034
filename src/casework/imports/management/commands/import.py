"""`casework import FILE [FILE ...] [--kind cases|staff|time] [--mapping M] [--dry-run] [--unit CODE]`:
bulk import of cases (with defendants, charges and hearings), staff or time records."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import InterfaceError, OperationalError

from casework.assurance import rechecks
from casework.core.errors import CaseworkError
from casework.imports.mapping import KINDS, load_mapping
from casework.imports.models import ImportRun, RunStatus
from casework.imports.services import DEFAULT_BATCH_SIZE, import_run, kind_noun
from casework.people.models import Unit, User


class _OneLineDatabaseErrors(logging.Filter):
    """On the command line the log is the user's screen: a database failure in work that follows a
    committed batch (re-evaluating its cases, which the nightly sweep repeats) is one line there,
    not a traceback; the command's own message then says what to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, OperationalError | InterfaceError):
            record.msg = f"{record.getMessage()} [the nightly sweep re-checks these cases]"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


#: Django reports a failed on-commit action through this logger.
ON_COMMIT_LOGGER = logging.getLogger("django.db.backends.base")


def stopped_message(error: BaseException, committed: dict[str, Any]) -> str:
    """Why an import stopped part way, what was kept, and how to go on."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    full = "full" in reason.lower() or getattr(error, "errno", None) == 28  # ENOSPC
    cause = "the disk is full" if full else f"the database could not be written ({reason})"
    kept = (
        f"{committed['done']} of {committed['total']} {committed['noun']} were committed before it stopped and are kept"
        if committed
        else "nothing was written"
    )
    fix = "Free some disk space" if full else "Check the database is running"
    return (
        f"The import stopped because {cause}: {kept}. {fix}, then run the same command again: it continues "
        "after the last committed batch and adds no duplicates."
    )


class Command(BaseCommand):
    help = (
        "Import cases, defendants, charges and hearings from one XLSX (a sheet per section) or CSV files "
        "(cases.csv, defendants.csv, charges.csv, hearings.csv); or staff (staff.csv) or time records "
        "(time.csv) with --kind. Every row is validated before anything is written; re-running continues "
        "an interrupted import and adds no duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--kind",
            choices=KINDS,
            help="What the file holds (default: cases, or the kind the --mapping declares).",
        )
        parser.add_argument(
            "--unit",
            help="Code of the unit the records belong to, e.g. ccu-wessex (required for cases and time; "
            "for staff it fills an empty Unit column and refuses other units).",
        )
        parser.add_argument(
            "--mapping", type=Path, help="A JSON or TOML column mapping (default: the shipped one for the kind)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument("--user", help="Username the import is recorded against (default: the command itself).")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with code {options['unit']!r}.")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['user']!r}.")
        try:
            files = [(path.name, path.read_bytes()) for path in options["files"]]
        except OSError as error:
            raise CommandError(str(error)) from error

        committed: dict[str, Any] = {}

        def progress(run: ImportRun) -> None:
            noun = kind_noun(run.kind)
            committed.update(done=run.last_committed_group, total=run.total_groups, noun=noun)
            self.stdout.write(
                f"  committed {run.last_committed_group}/{run.total_groups} {noun} "
                f"({run.rows_committed}/{run.total_rows} rows, batch {run.batches_committed})"
            )

        one_line = _OneLineDatabaseErrors()
        ON_COMMIT_LOGGER.addFilter(one_line)
        try:
            mapping = load_mapping(options["mapping"], kind=options["kind"])
            run = import_run(
                actor=actor,
                files=files,
                mapping=mapping,
                unit=unit,
                dry_run=options["dry_run"],
                batch_size=max(1, options["batch_size"]),
                progress=progress,
            )
        except CaseworkError as error:
            raise CommandError(error.message) from error
        except (OperationalError, InterfaceError, OSError) as error:
            # A full disk, a database that went away: say what happened and what to do, not a traceback.
            raise CommandError(stopped_message(error, committed)) from error
        finally:
            ON_COMMIT_LOGGER.removeFilter(one_line)
        if run.status == RunStatus.REJECTED:
            for problem in run.problems.all():
                self.stderr.write(
                    f"{problem.sheet} row {problem.row}, {problem.column or '-'}: {problem.reason} [{problem.value}]"
                )
            raise CommandError(f"{run.error_count} problem(s) found; nothing was imported (run {run.pk}).")
        if run.status == RunStatus.VALIDATED:
            self.stdout.write(
                f"Valid: {run.total_rows} rows, {run.total_groups} {kind_noun(run.kind)}. Trial run: nothing written."
            )
            return
        self.stdout.write(
            f"Imported run {run.pk}: {run.created_count} created, {run.altered_count} altered, "
            f"{run.unchanged_count} unchanged ({run.total_rows} rows, {run.total_groups} {kind_noun(run.kind)})."
        )
        waiting = rechecks.pending_count()
        if waiting:
            self.stdout.write(
                f"{waiting} case(s) wait to be re-checked against the assurance rules: the worker does it within "
                "moments (without a worker, run `casework assurance_rechecks`)."
            )
