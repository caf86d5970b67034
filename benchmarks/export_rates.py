"""Export speed at scale: first byte, rows per second and peak memory of the large exports, each
next to a baseline measured in the same run (the very SELECTs the export issued, replayed with a
plain cursor: the rows with no Python around them).

    uv run python benchmarks/export_rates.py --db /tmp/bench100k/casework.sqlite3 [--runs 5] [--out FILE]

The database is built by benchmarks/run.py or page_budget.py (--cases N --db FILE) and reused; the
exports write their disclose events to it. Each export is requested as its user does (the POST
carrying the recipient and purpose, through Django's test client: server time, no network). Prints
JSON: per export the median (and range) of time to first byte and to the last, rows, rows per second
of wall and of CPU time, the baseline's median and the ratio, and the peak memory Python allocated
for one run (tracemalloc). Budgets: first byte <= 500 ms; the national CSV >= 50,000 rows/s;
XLSX in bounded memory. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from measure import emit, signed_in_client

HERE = Path(__file__).resolve().parent
FIRST_BYTE_MS = 500
NATIONAL_ROWS_PER_SECOND = 50_000
DISCLOSURE = {"recipient": "Benchmark run", "purpose": "Measuring how fast the export is"}


def failing_rule() -> str:
    """A rule some case does not meet now: its drill-down is the failing-rule export measured."""
    from casework.assurance.models import VerdictPeriod

    return (
        VerdictPeriod.objects.filter(valid_to__isnull=True, outcome="not_met")
        .values_list("rule_code", flat=True)
        .first()
        or "psd.present"
    )


def _exports() -> list[dict[str, Any]]:
    """(name, user, url, national?) of the exports measured; the register decides the samples."""
    from django.urls import reverse

    from casework.people.models import User

    rule = failing_rule()
    unit_id = User.objects.get(username="unithead.a").unit_id
    failing = lambda fmt: reverse("assurance:rule_failing_export", args=[rule, fmt])  # noqa: E731
    return [
        {"name": "national case list CSV", "user": "hq.analyst", "url": reverse("cases:all_export"), "national": True},
        {"name": "national case list CSV", "user": "inspector", "url": reverse("cases:all_export"), "national": True},
        {"name": f"failing-rule CSV ({rule})", "user": "hq.analyst", "url": failing("csv")},
        {"name": f"failing-rule CSV ({rule})", "user": "inspector", "url": failing("csv")},
        {"name": f"failing-rule XLSX ({rule})", "user": "hq.analyst", "url": failing("xlsx")},
        {"name": "progression board CSV", "user": "unithead.a", "url": reverse("progression:board_export")},
        {"name": "progression board CSV", "user": "area.a", "url": reverse("progression:board_export")},
        {"name": "resourcing unit XLSX", "user": "hq.analyst", "url": reverse("resourcing:unit_xlsx", args=[unit_id])},
    ]


def _download(client: Any, url: str) -> dict[str, Any]:
    """One download as its user makes it: GET, and where that is the disclosure form, the POST."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    if not response.streaming and b'name="purpose"' in response.content:
        started, cpu = time.perf_counter(), time.process_time()  # the file's request only
        response = client.post(url, DISCLOSURE)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    if response.streaming:
        chunks = iter(response.streaming_content)
        first_chunk = next(chunks, b"")
        first = time.perf_counter()
        lines, size = first_chunk.count(b"\n"), len(first_chunk)
        for chunk in chunks:
            lines += chunk.count(b"\n")
            size += len(chunk)
    else:
        first = time.perf_counter()
        lines, size = response.content.count(b"\n"), len(response.content)
    done, cpu_done = time.perf_counter(), time.process_time()
    kind = response.get("Content-Type", "").split(";")[0]
    return {
        "first_ms": (first - started) * 1000,
        "total_s": done - started,
        "cpu_s": cpu_done - cpu,
        "rows": lines - 1 if kind == "text/csv" else None,
        "bytes": size,
        "streamed": response.streaming,
        "content_type": kind,
    }


def _rows_of_xlsx(client: Any, url: str) -> int:
    import io

    from openpyxl import load_workbook

    response = client.get(url)
    if not response.streaming and b'name="purpose"' in response.content:
        response = client.post(url, DISCLOSURE)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    # Rows below each sheet's header (a write-only workbook records no dimensions: count them).
    return sum(max(sum(1 for _row in sheet.iter_rows()) - 1, 0) for sheet in workbook.worksheets)


def _peak_kib(client: Any, url: str) -> int:
    tracemalloc.start()
    try:
        _download(client, url)
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def measure(export: dict[str, Any], runs: int) -> dict[str, Any]:
    from measure import capture_selects, progress, replayer

    client = signed_in_client(export["user"])
    progress(f"{export['name']} as {export['user']}")
    _download(client, export["url"])  # warm-up
    replay = replayer(capture_selects(lambda: _download(client, export["url"])))
    samples, baseline = [], []
    for _ in range(runs):  # interleaved, so both meet the same machine
        samples.append(_download(client, export["url"]))
        started = time.perf_counter()
        replay()
        baseline.append(time.perf_counter() - started)
    median = statistics.median
    first = [s["first_ms"] for s in samples]
    total = [s["total_s"] for s in samples]
    row = {
        "export": export["name"],
        "user": export["user"],
        "content_type": samples[0]["content_type"],
        "streamed": samples[0]["streamed"],
        "runs": runs,
        "first_byte_p50_ms": round(median(first), 1),
        "first_byte_range_ms": [round(min(first), 1), round(max(first), 1)],
        "total_p50_ms": round(median(total) * 1000, 1),
        "bytes": samples[0]["bytes"],
        "baseline": "raw SQL replay of the SELECTs the export issued",
        "baseline_p50_ms": round(median(baseline) * 1000, 1),
        "ratio_to_baseline": round(median(total) / median(baseline), 2) if median(baseline) else None,
        "peak_python_memory_kib": _peak_kib(client, export["url"]),
    }
    rows = samples[0]["rows"]
    if rows is None:
        rows = _rows_of_xlsx(client, export["url"])
    row["rows"] = rows
    row["rows_per_second"] = round(median(rows / s["total_s"] for s in samples))
    row["rows_per_cpu_second"] = round(median(rows / s["cpu_s"] for s in samples if s["cpu_s"]))
    row["baseline_rows_per_second"] = round(rows / median(baseline)) if median(baseline) else None
    over = []
    if row["first_byte_p50_ms"] > FIRST_BYTE_MS:
        over.append(f"first byte {row['first_byte_p50_ms']:.0f} ms > {FIRST_BYTE_MS} ms")
    if export.get("national") and row["rows_per_second"] < NATIONAL_ROWS_PER_SECOND:
        over.append(f"{row['rows_per_second']:,} rows/s < {NATIONAL_ROWS_PER_SECOND:,}")
    row["within_budget"] = not over
    row["over_budget"] = over
    return row


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
    load_before = [round(x, 2) for x in os.getloadavg()]
    rows = [measure(export, args.runs) for export in _exports() if args.only.lower() in export["name"].lower()]
    report = {
        "cases": run.scale()["cases"],
        "budgets": {"first_byte_ms": FIRST_BYTE_MS, "national_csv_rows_per_second": NATIONAL_ROWS_PER_SECOND},
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        "over_budget": [
            f"{r['export']} ({r['user']}): {'; '.join(r['over_budget'])}" for r in rows if not r["within_budget"]
        ],
        "exports": rows,
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
