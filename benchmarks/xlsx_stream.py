"""XLSX writing: the streamed writer (`casework.core.xlsx_stream`) next to a baseline measured in the
same run, interleaved: openpyxl's write-only workbook, the writer the exports used before.

    uv run python benchmarks/xlsx_stream.py [--rows 100000] [--runs 5] [--out FILE]
    uv run python benchmarks/xlsx_stream.py --db /tmp/bench10k/casework.sqlite3 [--cases 10000] [--runs 5]
    uv run python /tmp/base/benchmarks/xlsx_stream.py --db FILE --requests-only     (a copy, see below)

One sheet of --rows rows made in Python (text, whole numbers, an empty cell, a text cell that starts
like a formula: the IQA coverage download's columns) is written by each writer: time to the first
chunk and to the whole file, rows per second of wall and CPU time, bytes, and the peak memory Python
allocated (tracemalloc, one more run of each).

With --db (a register built by benchmarks/run.py or page_budget.py, or built here with --cases if
the file is new), also the national XLSX downloads as the HQ analyst requests them (Django's test
client: server time, no network): the IQA coverage and analytics and the assurance dashboard, their
first byte and whole time, next to the same tables written by each writer after their rows were
worked out. Before the streamed writer, a download's first byte was its whole time: working out
the rows, then writing the file with openpyxl. --requests-only times the downloads alone, so the
code before can be measured on the same register: copy this file into an export of that code
(`git archive REV | tar -x -C /tmp/base`) and run it there (it imports the code beside it).

Prints JSON; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from measure import emit, signed_in_client

HERE = Path(__file__).resolve().parent
FIRST_BYTE_MS = 500
HQ = "hq.analyst"
HEADER = ["Prosecutor", "Unit", "Team", "Expected", "Received", "Behind", "How the quota was worked out"]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def synthetic_rows(count: int) -> Iterator[list[Any]]:
    for index in range(count):
        yield [
            f"Prosecutor {index:06d}",
            f"Unit {index % 43}",
            "" if index % 5 == 0 else f"Team {index % 311}",
            4 + index % 3,
            index % 5,
            max(0, 4 + index % 3 - index % 5),
            f"=4 a quarter for {0.5 + (index % 6) / 10:.1f} FTE, less {index % 30} days' absence",
        ]


def openpyxl_workbook(tables: Sequence[Any]) -> Iterator[bytes]:
    """The writer before: openpyxl's write-only workbook, cells made safe the same way; its only
    chunk is the whole file."""
    from openpyxl import Workbook

    from casework.core.spreadsheets import sheet_title, xlsx_safe

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=sheet_title(table.title))
        sheet.append([xlsx_safe(cell) for cell in table.header])
        for row in table.rows:
            sheet.append([xlsx_safe(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    yield buffer.getvalue()


def streamed_workbook(tables: Sequence[Any]) -> Iterator[bytes]:
    from casework.core.xlsx_stream import xlsx_chunks

    return xlsx_chunks(tables)


def _write(writer: Callable[[Sequence[Any]], Iterator[bytes]], tables: Callable[[], Sequence[Any]]) -> dict[str, Any]:
    """One file: seconds to the first chunk, to the second (the streamed writer's first with rows)
    and to the last, CPU seconds, bytes, chunks."""
    made = tables()
    started, cpu = time.perf_counter(), time.process_time()
    times: list[float] = []
    size = 0
    for chunk in writer(made):
        times.append(time.perf_counter() - started)
        size += len(chunk)
    return {
        "first_s": times[0],
        "second_s": times[min(1, len(times) - 1)],
        "chunks": len(times),
        "total_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "bytes": size,
    }


def _peak_kib(writer: Callable[[Sequence[Any]], Iterator[bytes]], tables: Callable[[], Sequence[Any]]) -> int:
    made = tables()
    tracemalloc.start()
    try:
        for _chunk in writer(made):
            pass
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def compare_writers(name: str, tables: Callable[[], Sequence[Any]], rows: int, runs: int) -> dict[str, Any]:
    """The streamed writer and openpyxl's on the same tables, interleaved; ratio = streamed / openpyxl."""
    _progress(f"{name}: {rows:,} rows, {runs} runs of each writer")
    _write(streamed_workbook, tables)  # warm-up
    streamed, baseline = [], []
    for _ in range(runs):
        streamed.append(_write(streamed_workbook, tables))
        baseline.append(_write(openpyxl_workbook, tables))
    median = statistics.median

    def summary(samples: list[dict[str, Any]], writer: Callable[[Sequence[Any]], Iterator[bytes]]) -> dict[str, Any]:
        total = median(s["total_s"] for s in samples)
        totals = [s["total_s"] * 1000 for s in samples]
        return {
            "first_chunk_p50_ms": round(median(s["first_s"] for s in samples) * 1000, 2),
            "second_chunk_p50_ms": round(median(s["second_s"] for s in samples) * 1000, 2),
            "total_p50_ms": round(total * 1000, 1),
            "total_range_ms": [round(min(totals), 1), round(max(totals), 1)],
            "rows_per_second": round(rows / total) if total else None,
            "rows_per_cpu_second": round(median(rows / s["cpu_s"] for s in samples if s["cpu_s"])),
            "bytes": samples[0]["bytes"],
            "chunks": samples[0]["chunks"],
            "peak_python_memory_kib": _peak_kib(writer, tables),
        }

    subject, base = summary(streamed, streamed_workbook), summary(baseline, openpyxl_workbook)
    return {
        "name": name,
        "rows": rows,
        "runs": runs,
        "streamed": subject,
        "baseline": "openpyxl write-only workbook (the writer before), same tables, same run",
        "openpyxl": base,
        "ratio_total_to_baseline": round(subject["total_p50_ms"] / base["total_p50_ms"], 3),
        "ratio_first_chunk_to_baseline": round(subject["first_chunk_p50_ms"] / base["total_p50_ms"], 5),
    }


# --- the register's downloads ---------------------------------------------------------------------


def _download(client: Any, url: str) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    if response.streaming:
        chunks = iter(response.streaming_content)
        body = next(chunks, b"")
        first = time.perf_counter()
        body += b"".join(chunks)
    else:
        first = time.perf_counter()
        body = response.content
    done = time.perf_counter()
    return {"first_s": first - started, "total_s": done - started, "cpu_s": time.process_time() - cpu,
            "bytes": len(body), "body": body, "streamed": response.streaming}  # fmt: skip


def _rows_of(body: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return sum(max(sum(1 for _row in sheet.iter_rows()) - 1, 0) for sheet in workbook.worksheets)


def _downloads() -> list[dict[str, Any]]:
    """(name, url, the download's tables worked out as its view does) of the national XLSX downloads."""
    from django.urls import reverse

    from casework.assurance import dashboard as reads
    from casework.assurance import exports as assurance_exports
    from casework.core import clock
    from casework.core.spreadsheets import Table
    from casework.people.models import User
    from casework.quality import exports, rules, selectors

    user = User.objects.get(username=HQ)

    def coverage() -> list[Any]:
        rows, _named = selectors.coverage(user=user, quarter=rules.Quarter.of(clock.today()))
        return [Table("coverage", exports.COVERAGE_HEADER, exports.coverage_rows(rows))]

    def analytics() -> list[Any]:
        return [Table("analytics", exports.ANALYTICS_HEADER, exports.analytics_rows(selectors.analytics(user=user)))]

    def dashboard() -> list[Any]:
        scope = reads.dashboard_scope(user=user, unit_id=None)
        return list(assurance_exports.dashboard_tables(reads.dashboard(user=user, scope=scope)))

    return [
        {"name": "IQA coverage XLSX", "url": reverse("quality:coverage_xlsx"), "tables": coverage},
        {"name": "IQA analytics XLSX", "url": reverse("quality:analytics_xlsx"), "tables": analytics},
        {"name": "Assurance dashboard XLSX", "url": reverse("assurance:dashboard_export", args=["xlsx"]),
         "tables": dashboard},
    ]  # fmt: skip


def _seconds(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def measure_download(download: dict[str, Any], runs: int, requests_only: bool) -> dict[str, Any]:
    """The download as the HQ analyst asks for it; unless requests_only, interleaved with the
    baseline: its tables worked out, then written by openpyxl (what the download did before)."""
    client = signed_in_client(HQ)
    _progress(f"{download['name']} as {HQ}")
    warm = _download(client, download["url"])
    rows = _rows_of(warm["body"])
    median = statistics.median
    samples, worked_out, streamed, written = [], [], [], []
    for _ in range(runs):
        sample = _download(client, download["url"])
        sample.pop("body")
        samples.append(sample)
        if requests_only:
            continue
        worked_out.append(_seconds(download["tables"]))
        tables = download["tables"]  # worked out again below, outside the writers' time
        streamed.append(_write(streamed_workbook, tables)["total_s"])
        written.append(_write(openpyxl_workbook, tables)["total_s"])
    first = [s["first_s"] * 1000 for s in samples]
    total = median(s["total_s"] for s in samples)
    result: dict[str, Any] = {
        "export": download["name"],
        "user": HQ,
        "streamed": samples[0]["streamed"],
        "runs": runs,
        "rows": rows,
        "bytes": samples[0]["bytes"],
        "first_byte_p50_ms": round(median(first), 1),
        "first_byte_range_ms": [round(min(first), 1), round(max(first), 1)],
        "total_p50_ms": round(total * 1000, 1),
        "rows_per_second": round(rows / total) if total else None,
        "first_byte_within_budget": median(first) <= FIRST_BYTE_MS,
    }
    if not requests_only:
        before = median(worked_out) + median(written)
        result |= {
            "rows_worked_out_p50_ms": round(median(worked_out) * 1000, 1),
            "streamed_writer_p50_ms": round(median(streamed) * 1000, 1),
            "openpyxl_writer_p50_ms": round(median(written) * 1000, 1),
            "writer_ratio": round(median(streamed) / median(written), 3) if median(written) else None,
            "baseline": "rows worked out, then written by openpyxl (the download before: first byte = whole time)",
            "baseline_p50_ms": round(before * 1000, 1),
            "ratio_first_byte_to_baseline": round(median(first) / 1000 / before, 3),
            "ratio_total_to_baseline": round(total / before, 3),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None, help="a register (SQLite) to time the downloads on")
    parser.add_argument("--cases", type=int, default=10_000, help="cases to load if --db is a new file")
    parser.add_argument("--requests-only", action="store_true", help="time the downloads alone (code before)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sys.path[:0] = [str(HERE)]
    import run

    run.configure("sqlite", args.db)
    load_before = [round(x, 2) for x in os.getloadavg()]
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    if not args.requests_only:
        from casework.core.spreadsheets import StreamedTable

        def synthetic() -> list[Any]:
            return [StreamedTable("Coverage", HEADER, synthetic_rows(args.rows), count=args.rows)]

        report["synthetic"] = compare_writers(f"one sheet of {args.rows:,} rows", synthetic, args.rows, args.runs)
    if args.db is not None:
        report["build"] = run.build(args.cases, 2026)
        report["scale"] = run.scale()
        report["downloads"] = [measure_download(d, args.runs, args.requests_only) for d in _downloads()]
    report["load_average"] = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
    emit(report, args.out)


if __name__ == "__main__":
    main()
