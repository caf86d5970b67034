"""casework assurance_rechecks [--json]: re-check the changed cases waiting for the worker, now."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.assurance import rechecks
from casework.assurance.services import rechecks_run


class Command(BaseCommand):
    help = (
        "Re-check now every case that changed and waits for the worker (the worker does this within moments "
        "of each change; use this without a worker, or after an import). Failed cases are retried later."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = rechecks.pending_count()
        if not options["json"]:
            self.stderr.write(f"{waiting} case(s) waiting to be re-checked")
        run = rechecks_run()
        if options["json"]:
            self.stdout.write(json.dumps(run.as_dict(), indent=2))
            return
        self.stdout.write(f"Re-checked {run.cases} case(s) in {run.batches} batch(es).")
        if run.failed:
            self.stdout.write(
                f"{len(run.failed)} failed and will be retried"
                + (f" from {run.retry_at:%Y-%m-%d %H:%M} UTC" if run.retry_at else "")
                + f": case ids {', '.join(map(str, run.failed[:20]))}. See the log for the errors."
            )
