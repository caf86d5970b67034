"""The national assurance dashboard from stored figures against the live count, and the national
case list CSV's rate, in one run on a kept database.

    uv run python benchmarks/stored_figures.py --db /tmp/bench10k/casework.sqlite3 [--runs 7]

The database is built by benchmarks/run.py or page_budget.py (--cases N --db FILE) and reused.
Prints JSON: for the HQ analyst's national dashboard, the median time of its reads from stored
figures and of the same reads counted live (dashboard(live=True)), their ratio, the whole page's
time; the time of refreshing every unit's figures and one unit's; and the national CSV's time to
first line, total time and rows per second (wall and per CPU-second).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _median_ms(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 1), "min_ms": round(min(samples), 1), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.path[:0] = [str(HERE)]
    import run

    run.configure("sqlite", args.db)
    from django.core.management import call_command
    from django.test import Client

    from casework.assurance import dashboard as reads
    from casework.assurance import tallies
    from casework.cases import exports
    from casework.cases.selectors import CaseFilters
    from casework.people.models import Unit, User

    call_command("migrate", verbosity=0)
    hq = User.objects.get(username="hq.analyst")
    scope = reads.dashboard_scope(user=hq, unit_id=None)
    full = _median_ms(lambda: tallies.refresh(), max(1, args.runs // 3))
    one_unit = Unit.objects.order_by("pk").values_list("pk", flat=True).first()
    unit = _median_ms(lambda: tallies.refresh([one_unit]), args.runs)
    stored = _median_ms(lambda: reads.dashboard(user=hq, scope=scope), args.runs)
    live = _median_ms(lambda: reads.dashboard(user=hq, scope=scope, live=True), args.runs)
    client = Client()
    client.force_login(hq)

    def page_once() -> None:
        response = client.get("/assurance/dashboard/")
        assert response.status_code == 200 and b"Figures as at" in response.content, response.status_code

    page = _median_ms(page_once, args.runs)

    def export() -> dict[str, float]:
        started, cpu = time.perf_counter(), time.process_time()
        lines = iter(exports.case_list_export(actor=hq, filters=CaseFilters(), purpose="Benchmark", recipient="Bench"))
        first = next(lines)
        first_ms = (time.perf_counter() - started) * 1000
        streaming, streaming_cpu = time.perf_counter(), time.process_time()
        rows = first.count("\n") - 1 + sum(chunk.count("\n") for chunk in lines)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        return {
            "rows": rows,
            "first_line_ms": first_ms,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            # The rows alone, after the count and the disclose event that precede the first line.
            "row_seconds": time.perf_counter() - streaming,
            "row_cpu_seconds": time.process_time() - streaming_cpu,
        }

    def orm_baseline() -> dict[str, float]:
        """The same rows the way the export read them before: the ORM's iterator with its per-value
        converters, spreadsheet_safe on each text cell and a time-zone conversion per row."""
        from casework.cases.selectors import case_queryset
        from casework.core import clock
        from casework.core.spreadsheets import spreadsheet_safe as safe

        started, cpu = time.perf_counter(), time.process_time()
        rows, block = 0, []
        tuples = case_queryset(user=hq, filters=CaseFilters()).values_list(*exports._COLUMNS)
        for urn, operation, stage, first, last, username, unit, updated in tuples.iterator(chunk_size=2000):
            lawyer = (f"{first} {last}".strip() or username) if username else ""
            when = clock.local(updated).strftime("%Y-%m-%d %H:%M")
            block.append([safe(urn), safe(operation), stage, safe(lawyer), safe(unit), when])
            rows += 1
            if len(block) == 2000:
                exports._block(block)
                block = []
        exports._block(block)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        return {"rows": rows, "row_seconds": seconds, "row_cpu_seconds": cpu_seconds}

    export()
    samples, baseline = [], []
    for _ in range(3):  # interleaved, so both meet the same machine
        samples.append(export())
        baseline.append(orm_baseline())
    median = statistics.median
    report = {
        "cases": run.scale()["cases"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "national_assurance_dashboard": {
            "stored_reads": stored,
            "live_reads": live,
            "ratio_live_to_stored": round(live["median_ms"] / stored["median_ms"], 1),
            "page_from_stored": page,
        },
        "refresh_every_unit": full,
        "refresh_one_unit": unit,
        "national_case_csv": {
            "rows": samples[0]["rows"],
            "first_line_ms": round(median(s["first_line_ms"] for s in samples), 1),
            "seconds": round(median(s["seconds"] for s in samples), 3),
            "rows_per_second": round(median(s["rows"] / s["seconds"] for s in samples)),
            "rows_per_cpu_second": round(median(s["rows"] / s["cpu_seconds"] for s in samples)),
            "row_writing_rows_per_second": round(median(s["rows"] / s["row_seconds"] for s in samples)),
            "row_writing_rows_per_cpu_second": round(median(s["rows"] / s["row_cpu_seconds"] for s in samples)),
            "orm_reader_rows_per_second": round(median(s["rows"] / s["row_seconds"] for s in baseline)),
            "orm_reader_rows_per_cpu_second": round(median(s["rows"] / s["row_cpu_seconds"] for s in baseline)),
            "ratio_to_orm_reader_cpu": round(
                median(s["rows"] / s["row_cpu_seconds"] for s in samples)
                / median(s["rows"] / s["row_cpu_seconds"] for s in baseline),
                2,
            ),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
