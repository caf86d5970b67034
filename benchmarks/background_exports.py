"""Background exports at scale: how long the request to prepare one takes to answer, and how fast
the worker's task writes the file (rows per second of wall and CPU time, peak Python memory), next to
a baseline measured in the same run: the direct download of the same list (the national case list
CSV, or the failing-rule XLSX), whose rows the task writes.

    uv run python benchmarks/background_exports.py --db /tmp/bench100k/casework.sqlite3 [--runs 5] [--out FILE]

The database is built by benchmarks/run.py or page_budget.py (--cases N --db FILE) and must be
migrated to this code. The requests go through Django's test client as the user makes them (the
disclosure form's POST), then the task runs in this process as the worker would run it. Files go to
a temporary directory, removed at the end. Prints JSON; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from measure import emit, signed_in_client

HERE = Path(__file__).resolve().parent
#: The request only records the job and queues the task: it must answer like a page.
REQUEST_BUDGET_MS = 300
DISCLOSURE = {"recipient": "Benchmark run", "purpose": "Measuring background exports"}


def _exports() -> list[dict[str, Any]]:
    from django.urls import reverse

    from export_rates import failing_rule

    rule = failing_rule()
    national = reverse("cases:all_export")
    failing = reverse("assurance:rule_failing_export", args=[rule, "xlsx"])
    return [
        {"name": "national case list XLSX", "user": "hq.analyst", "kind": "cases-all", "query": {}, "fmt": "xlsx",
         "baseline": national, "baseline_name": "direct national case list CSV download"},
        {"name": "national case list CSV", "user": "hq.analyst", "kind": "cases-all", "query": {}, "fmt": "csv",
         "baseline": national, "baseline_name": "direct national case list CSV download"},
        {"name": f"failing-rule XLSX ({rule})", "user": "hq.analyst", "kind": "assurance-failing",
         "query": {"rule": rule}, "fmt": "xlsx", "baseline": failing,
         "baseline_name": "direct failing-rule XLSX download"},
    ]  # fmt: skip


def _direct(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.post(url, DISCLOSURE)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    for _chunk in response.streaming_content if response.streaming else [response.content]:
        pass
    return time.perf_counter() - started


def _background(client: Any, export: dict[str, Any], run: int, *, traced: bool = False) -> dict[str, Any]:
    from urllib.parse import urlencode

    from django.urls import reverse

    from casework.exports import services
    from casework.exports.models import ExportJob

    url = reverse("exports:new", args=[export["kind"]]) + ("?" + urlencode(export["query"]) if export["query"] else "")
    form = {**DISCLOSURE, "purpose": f"{DISCLOSURE['purpose']} (run {run})", "fmt": export["fmt"]}
    started = time.perf_counter()
    response = client.post(url, form)  # a new purpose each run: a new job, not the one already asked for
    answered = time.perf_counter() - started
    if response.status_code != 302:
        raise RuntimeError(f"{url}: {response.status_code}")
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    if traced:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    job = services.run_export(job_id=job_id)
    wall, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] // 1024 if traced else None
    if traced:
        tracemalloc.stop()
    if job.state != "done":
        raise RuntimeError(f"job {job_id}: {job.state} {job.failure}")
    path = services.file_path(job)
    size = path.stat().st_size if path else 0
    if path:
        path.unlink()
    ExportJob.objects.filter(pk=job_id).update(state="expired", file_name="")
    return {"request_ms": answered * 1000, "task_s": wall, "cpu_s": cpu_used, "rows": job.rows_written,
            "bytes": size, "peak_kib": peak}  # fmt: skip


def measure(export: dict[str, Any], runs: int) -> dict[str, Any]:
    from measure import progress

    client = signed_in_client(export["user"])
    progress(f"{export['name']} as {export['user']}")
    _direct(client, export["baseline"])  # warm-up
    samples, baseline = [], []
    for run in range(runs):  # interleaved, so both meet the same machine
        samples.append(_background(client, export, run))
        baseline.append(_direct(client, export["baseline"]))
    traced = _background(client, export, runs, traced=True)
    median = statistics.median
    rows = samples[0]["rows"]
    task = median(s["task_s"] for s in samples)
    request = [s["request_ms"] for s in samples]
    return {
        "export": export["name"],
        "user": export["user"],
        "runs": runs,
        "request_p50_ms": round(median(request), 1),
        "request_range_ms": [round(min(request), 1), round(max(request), 1)],
        "rows": rows,
        "bytes": samples[0]["bytes"],
        "task_p50_ms": round(task * 1000, 1),
        "task_rows_per_second": round(rows / task) if task else None,
        "task_rows_per_cpu_second": round(median(rows / s["cpu_s"] for s in samples if s["cpu_s"])),
        "peak_python_memory_kib": traced["peak_kib"],
        "baseline": export["baseline_name"],
        "baseline_p50_ms": round(median(baseline) * 1000, 1),
        "ratio_to_baseline": round(task / median(baseline), 2) if median(baseline) else None,
        "request_within_budget": median(request) <= REQUEST_BUDGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="measure only exports whose name contains this text")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sys.path[:0] = [str(HERE)]
    import run

    run.configure("sqlite", args.db)
    from django.conf import settings

    with tempfile.TemporaryDirectory(prefix="casework-exports-") as directory:
        settings.EXPORTS_DIR = Path(directory)
        load_before = [round(x, 2) for x in os.getloadavg()]
        rows = [measure(export, args.runs) for export in _exports() if args.only.lower() in export["name"].lower()]
    report = {
        "cases": run.scale()["cases"],
        "budgets": {"request_ms": REQUEST_BUDGET_MS},
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "exports": rows,
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
