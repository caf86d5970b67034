"""The nightly sweeps on a whole register: the first run (nothing stored yet) and a second run
straight after it on the same day (nothing changed), as one JSON report.

    uv run python benchmarks/sweeps_first.py --db /path/to/demo10k.sqlite3 [--out FILE]
        [--sweep progression|assurance] [--first-only] [--keep COPY] [--at ISO-INSTANT]

The register (a `casework load_demo` database) is copied to a scratch file first and never
changed; the copy is migrated and every sweep result is removed from it (engine deadlines, engine
tasks, notices, CTL failures, verdicts, sweep marks, waiting re-checks), so the first run does all
of its work: each deadline, clock reading and verdict is worked out and written, audited as in
production. The report gives seconds, statements and audit events of each run, and the second
run's share of the first's (the incremental target: at most 10%).

Timing starts once the process has started up as a worker would have (Django set up, the URL
configuration loaded): without compiled bytecode, loading it is seconds of compiling modules that
the first notice's link would otherwise pay inside the progression sweep's time.

`--keep` leaves the swept copy at the path given (to compare what two versions of the code store:
`benchmarks/sweeps_compare.py`); `--at` runs the sweeps with the clock fixed at that instant, so two
runs write the same timestamps.

Run it with the code of another commit on PYTHONPATH (for example an extracted `git archive`) to
measure that code on the same register: the script only uses what every version has.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.measure import progress  # noqa: E402


def ratio(subject: float | None, baseline: float | None) -> float | None:
    """subject / baseline to four places (a second run can cost well under 1% of the first)."""
    return round(subject / baseline, 4) if subject is not None and baseline else None


class _Counter:
    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements += 1
        return execute(sql, params, many, context)


def _run(label: str, sweep: Any) -> dict[str, Any]:
    from django.db import connection

    from casework.audit.models import AuditEvent

    events_before = AuditEvent.objects.count()
    counter = _Counter()
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        report = sweep(progress=lambda message: progress(f"{label}: {message}")).as_dict()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        # This process's own CPU time: less swayed than seconds by other work on a shared machine.
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        "statements": counter.statements,
        "audit_events": AuditEvent.objects.count() - events_before,
        "cases_worked_out": report.get("cases"),
        "report": {k: v for k, v in report.items() if not isinstance(v, list | dict)},
    }


def _start_up() -> None:
    """Load what a worker process has loaded before it runs its first sweep (the URL configuration
    and every view module it imports), so the timings are the sweep's own work. Without compiled
    bytecode (PYTHONDONTWRITEBYTECODE) that import compiles every module: seconds that say nothing
    about the sweep."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  imported on first use otherwise (a notice's link)


def _clear_sweep_results() -> dict[str, int]:
    from django.apps import apps

    from casework.assurance.models import VerdictPeriod
    from casework.progression.models import CtlFailure, Deadline, Notice, Task

    removed = {
        "deadlines": Deadline.objects.exclude(key__startswith="direction.")._raw_delete("default"),
        "tasks": Task.objects.exclude(engine_key="")._raw_delete("default"),
        "notices": Notice.objects.all()._raw_delete("default"),
        "ctl_failures": CtlFailure.objects.all()._raw_delete("default"),
        "verdicts": VerdictPeriod.objects.all()._raw_delete("default"),
    }
    for label, model in (("assurance", "PendingRecheck"), ("cases", "CaseSweepMark")):
        with contextlib.suppress(LookupError):  # older code: no such table
            removed[model] = apps.get_model(label, model).objects.all()._raw_delete("default")
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a load_demo SQLite register (copied, never changed)")
    parser.add_argument("--out", help="write the JSON report here as well as to stdout")
    parser.add_argument(
        "--sweep", action="append", choices=("progression", "assurance"), help="run only this sweep (repeatable)"
    )
    parser.add_argument("--first-only", action="store_true", help="skip the same-day second run")
    parser.add_argument("--keep", help="move the swept copy of the register here afterwards")
    parser.add_argument("--at", help="run with the clock fixed at this ISO instant (for example 2026-12-01T02:00Z)")
    args = parser.parse_args()
    chosen = args.sweep or ["progression", "assurance"]
    frozen: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if args.at:
        import time_machine

        frozen = time_machine.travel(args.at, tick=False)
    scratch = Path(tempfile.mkdtemp(prefix="casework-sweeps-"))
    copy = scratch / "register.sqlite3"
    shutil.copyfile(args.db, copy)
    os.environ["DATABASE_URL"] = f"sqlite:///{copy}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from casework.assurance.sweep import assurance_sweep
    from casework.cases.models import Case
    from casework.progression.models import Deadline
    from casework.progression.sweep import progression_sweep

    try:
        call_command("migrate", verbosity=0)
        _start_up()
        removed = _clear_sweep_results()
        progress(f"cleared the stored sweep results: {removed}")
        result: dict[str, Any] = {
            "benchmark": "sweeps_first",
            "code": os.environ.get("BENCH_CODE_LABEL", "this checkout"),
            "cases": Case.objects.count(),
            "removed": removed,
        }
        for name, sweep in (("progression", progression_sweep), ("assurance", assurance_sweep)):
            if name not in chosen:
                continue
            with frozen:
                first = _run(f"{name} first", sweep)
                if args.first_only:
                    result[name] = {"first": first}
                    continue
                second = _run(f"{name} second", sweep)
            result[name] = {
                "first": first,
                "second": second,
                "second_share_of_first": {
                    "seconds": ratio(second["seconds"], first["seconds"]),
                    "statements": ratio(second["statements"], first["statements"]),
                    "audit_events": ratio(second["audit_events"], first["audit_events"])
                    if first["audit_events"]
                    else None,
                },
            }
        result["deadlines"] = Deadline.objects.count()
        if args.keep:
            from django.db import connections

            connections.close_all()
            shutil.move(copy, args.keep)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = json.dumps(result, indent=2, default=str)
    if args.out:
        Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
