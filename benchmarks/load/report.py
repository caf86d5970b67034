"""Turn the load run's per-request samples into figures, check the target, write the report.

    python benchmarks/load/report.py --samples SAMPLES.jsonl --out-dir DIR --users 60 \
        [--server-log server.log] [--loadavg loadavg.txt] [--meta KEY=VALUE ...]

The samples carry a phase: "ramp" while users were still being started and signing in, "steady"
once all were running. The target applies to the steady state; the ramp-up is reported beside it.

Writes DIR/report.json and DIR/summary.txt and prints the summary. Exit status 1 when the run
missed the target: any 5xx (in either phase) (seen by the client or in the server's access log), any request that
failed to connect, any other unexpected response, or a list/detail page type whose p95 is over
TARGET_P95_MS. Edit conflicts (the optimistic-lock page) are expected and counted apart.
Standard library only, so it runs anywhere and its logic is tested without a server.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks.load` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.load import scenario


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the value below which pct% of the sorted samples fall)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass
class PageFigures:
    name: str
    category: str
    requests: int
    ok: int
    conflicts: int
    errors: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    target_p95_ms: float | None
    meets_target: bool | None


@dataclass
class Report:
    duration_s: float
    users: int
    requests: int
    per_second: float
    conflicts: int
    errors: int
    client_5xx: int
    server_5xx: int | None
    connection_failures: int
    statuses: dict[str, int]
    pages: list[PageFigures]
    failures: list[str]
    #: While users were still signing in (Argon2 hashing dominates): reported, not held to the target.
    ramp_duration_s: float = 0.0
    ramp_pages: list[PageFigures] = field(default_factory=list)
    error_examples: list[dict[str, Any]] = field(default_factory=list)
    loadavg: dict[str, float] | None = None
    #: gunicorn's own time per request (whole run), when its access log records it.
    server_time: dict[str, float] | None = None
    #: CPU used during the steady state, per process tree (web, db): seconds, cores, ms per request.
    cpu: dict[str, dict[str, float]] | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures


def read_samples(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def page_figures(
    name: str, samples: list[dict[str, Any]], duration_s: float, *, with_target: bool = True
) -> PageFigures:
    times = [s["ms"] for s in samples]
    category = scenario.category_of(name)
    held = with_target and category in scenario.TARGET_CATEGORIES
    target = scenario.TARGET_P95_MS if held else None
    p95 = percentile(times, 95)
    outcomes = Counter(s["outcome"] for s in samples)
    return PageFigures(
        name=name,
        category=category,
        requests=len(samples),
        ok=outcomes[scenario.OUTCOME_OK],
        conflicts=outcomes[scenario.OUTCOME_CONFLICT],
        errors=outcomes[scenario.OUTCOME_ERROR],
        per_second=round(len(samples) / duration_s, 2) if duration_s else math.nan,
        p50_ms=round(percentile(times, 50), 1),
        p95_ms=round(p95, 1),
        p99_ms=round(percentile(times, 99), 1),
        max_ms=round(max(times), 1),
        statuses={str(k): v for k, v in sorted(Counter(s["status"] for s in samples).items())},
        target_p95_ms=target,
        meets_target=None if target is None else p95 < target,
    )


ACCESS_LOG_STATUS = re.compile(r'"[A-Z]+ [^"]*" (\d{3}) ')


def server_5xx(lines: Iterable[str]) -> int:
    """5xx responses in gunicorn's access log (its default format: the request line, then the status)."""
    count = 0
    for line in lines:
        match = ACCESS_LOG_STATUS.search(line)
        if match and match.group(1).startswith("5"):
            count += 1
    return count


ACCESS_LOG_MS = re.compile(r'"[A-Z]+ [^"]*" \d{3} .* (\d+)$')


def server_times(lines: Iterable[str]) -> dict[str, float] | None:
    """Time gunicorn spent on each request (the access log's last field, %(M)s): p50/p95/p99 in ms.

    Against the client's times this splits waiting for a free worker from working on the request.
    """
    times = [float(m.group(1)) for line in lines if (m := ACCESS_LOG_MS.search(line.rstrip()))]
    if not times:
        return None
    return {
        "requests": len(times),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
    }


def cpu_figures(
    start: dict[str, float | None], end: dict[str, float | None], *, requests: int, duration_s: float
) -> dict[str, dict[str, float]]:
    """CPU each process tree used between two counter readings, per second and per request.

    CPU time hardly depends on what else the machine runs, so this is the figure to compare between
    runs on a shared machine, and to size a dedicated one: requests/s ≈ cores / CPU per request.
    """
    figures = {}
    for label, before in start.items():
        after = end.get(label)
        if before is None or after is None or not requests or not duration_s:
            continue
        seconds = max(after - before, 0.0)
        figures[label] = {
            "cpu_seconds": round(seconds, 2),
            "cores": round(seconds / duration_s, 2),
            "ms_per_request": round(seconds * 1000 / requests, 1),
        }
    return figures


def loadavg_figures(lines: Iterable[str]) -> dict[str, float] | None:
    """Median and maximum of the 1-minute load average sampled during the run (/proc/loadavg lines)."""
    ones = [float(line.split()[0]) for line in lines if line.strip()]
    if not ones:
        return None
    return {"one_minute_median": statistics.median(ones), "one_minute_max": max(ones), "samples": len(ones)}


def _by_page(samples: list[dict[str, Any]], duration_s: float, *, with_target: bool) -> list[PageFigures]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for sample in samples:
        by_name.setdefault(sample["name"], []).append(sample)
    order = list(scenario.PAGE_TYPES)
    ranked = sorted(by_name.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
    return [page_figures(name, rows, duration_s, with_target=with_target) for name, rows in ranked]


def build_report(
    samples: list[dict[str, Any]],
    *,
    duration_s: float,
    users: int,
    ramp_samples: list[dict[str, Any]] | None = None,
    ramp_duration_s: float = 0.0,
    server_log: Iterable[str] | None = None,
    loadavg: Iterable[str] | None = None,
    cpu: tuple[dict[str, float | None], dict[str, float | None]] | None = None,
    meta: dict[str, str] | None = None,
) -> Report:
    """Figures for the steady state (`samples`), held to the target; the ramp-up is reported beside them.

    Errors count wherever they happen: a 5xx while users sign in fails the run as much as one later.
    """
    ramp_samples = ramp_samples or []
    pages = _by_page(samples, duration_s, with_target=True)
    ramp_pages = _by_page(ramp_samples, ramp_duration_s, with_target=False)
    everything = samples + ramp_samples
    statuses = Counter(s["status"] for s in everything)
    client_5xx = sum(n for status, n in statuses.items() if 500 <= status < 600)
    connection_failures = statuses.get(0, 0)
    errors = sum(p.errors for p in pages + ramp_pages)
    server_log = list(server_log) if server_log is not None else None
    logged_5xx = server_5xx(server_log) if server_log is not None else None

    failures: list[str] = []
    if not samples:
        failures.append("no requests were made after the users had signed in")
    if client_5xx or logged_5xx:
        failures.append(f"5xx responses: {client_5xx} seen by clients, {logged_5xx} in the server's access log")
    if connection_failures:
        failures.append(f"{connection_failures} requests got no response (connection failed or timed out)")
    other_errors = errors - client_5xx - connection_failures
    if other_errors > 0:
        failures.append(f"{other_errors} unexpected responses (see error_examples)")
    for page in pages:
        if page.meets_target is False:
            failures.append(f"{page.name}: p95 {page.p95_ms:.0f} ms is over the {page.target_p95_ms:.0f} ms target")

    examples = [s for s in everything if s["outcome"] == scenario.OUTCOME_ERROR][:20]
    return Report(
        duration_s=duration_s,
        users=users,
        requests=len(samples),
        per_second=round(len(samples) / duration_s, 2) if duration_s else math.nan,
        conflicts=sum(p.conflicts for p in pages + ramp_pages),
        errors=errors,
        client_5xx=client_5xx,
        server_5xx=logged_5xx,
        connection_failures=connection_failures,
        statuses={str(k): v for k, v in sorted(statuses.items())},
        pages=pages,
        failures=failures,
        ramp_duration_s=ramp_duration_s,
        ramp_pages=ramp_pages,
        error_examples=examples,
        loadavg=loadavg_figures(loadavg) if loadavg is not None else None,
        server_time=server_times(server_log) if server_log is not None else None,
        cpu=cpu_figures(*cpu, requests=len(samples), duration_s=duration_s) if cpu else None,
        meta=meta or {},
    )


def split_phases(samples: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float, float]:
    """(steady, ramp, steady seconds, ramp seconds), by the phase the load test tagged each request with."""
    steady = [s for s in samples if s.get("phase", "steady") == "steady"]
    ramp = [s for s in samples if s.get("phase") == "ramp"]

    def span(rows: list[dict[str, Any]]) -> float:
        return max(s["t"] + s["ms"] / 1000 for s in rows) - min(s["t"] for s in rows) if rows else 0.0

    return steady, ramp, round(span(steady), 1), round(span(ramp), 1)


def _table(pages: list[PageFigures]) -> list[str]:
    header = f"{'page type':<28} {'cat.':<9} {'reqs':>6} {'req/s':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}"
    lines = [header + "  errors conflicts target", "-" * (len(header) + 25)]
    for p in pages:
        verdict = "" if p.meets_target is None else ("ok" if p.meets_target else "MISSED")
        lines.append(
            f"{p.name:<28} {p.category:<9} {p.requests:>6} {p.per_second:>6.2f} {p.p50_ms:>7.0f} {p.p95_ms:>7.0f} "
            f"{p.p99_ms:>7.0f} {p.max_ms:>7.0f}  {p.errors:>6} {p.conflicts:>9} {verdict}"
        )
    return lines


def summary_text(report: Report) -> str:
    lines = [
        f"Load test: {report.users} users, steady state {report.duration_s:.0f} s after all had signed in: "
        f"{report.requests} requests, {report.per_second:.1f} requests/s",
        f"Errors {report.errors} (5xx: client {report.client_5xx}, server log {report.server_5xx}; "
        f"no response: {report.connection_failures}); edit conflicts (expected) {report.conflicts}",
        f"Statuses (whole run): {', '.join(f'{k}: {v}' for k, v in report.statuses.items())}",
    ]
    if report.loadavg:
        lines.append(
            f"Load average (1 min) during the run: median {report.loadavg['one_minute_median']:.2f}, "
            f"max {report.loadavg['one_minute_max']:.2f}"
        )
    if report.server_time:
        st = report.server_time
        lines.append(
            f"Server time per request (gunicorn, whole run): p50 {st['p50_ms']:.0f} ms, p95 {st['p95_ms']:.0f} ms, "
            f"p99 {st['p99_ms']:.0f} ms over {st['requests']:.0f} requests (the rest of a client's time is queueing)"
        )
    for label, figures in (report.cpu or {}).items():
        lines.append(
            f"CPU in the steady state, {label}: {figures['cpu_seconds']:.1f} s = {figures['cores']:.2f} cores, "
            f"{figures['ms_per_request']:.1f} ms per request"
        )
    lines += [f"{key}: {value}" for key, value in report.meta.items()]
    lines += ["", "Steady state (held to the target):", *_table(report.pages)]
    lines.append(f"(times in ms; target: p95 under {scenario.TARGET_P95_MS:.0f} ms for list and detail pages, no 5xx)")
    if report.ramp_pages:
        lines += ["", f"Ramp-up, {report.ramp_duration_s:.0f} s while users signed in (reported only):"]
        lines += _table(report.ramp_pages)
    lines.append("")
    if report.passed:
        lines.append("PASSED: no 5xx, no unexpected responses, every list and detail page type within target.")
    else:
        lines.append("FAILED:")
        lines += [f"  - {failure}" for failure in report.failures]
    return "\n".join(lines)


def parse_meta(items: list[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items if "=" in item)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--server-log", type=Path)
    parser.add_argument("--loadavg", type=Path)
    parser.add_argument("--cpu-start", type=Path, help="cpu.py counters when the steady state began")
    parser.add_argument("--cpu-end", type=Path, help="cpu.py counters when the run ended")
    parser.add_argument("--meta", nargs="*", default=[], help="KEY=VALUE facts to carry into the report")
    args = parser.parse_args(argv)

    samples = read_samples(args.samples) if args.samples.exists() else []
    server_log = args.server_log.read_text(errors="replace").splitlines() if args.server_log else None
    loadavg = args.loadavg.read_text().splitlines() if args.loadavg and args.loadavg.exists() else None
    steady, ramp, steady_s, ramp_s = split_phases(samples)
    cpu = None
    if args.cpu_start and args.cpu_end and args.cpu_start.exists() and args.cpu_end.exists():
        cpu = (json.loads(args.cpu_start.read_text()), json.loads(args.cpu_end.read_text()))
    report = build_report(
        steady,
        duration_s=steady_s,
        users=args.users,
        ramp_samples=ramp,
        ramp_duration_s=ramp_s,
        server_log=server_log,
        loadavg=loadavg,
        cpu=cpu,
        meta=parse_meta(args.meta),
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    payload = {**asdict(report), "passed": report.passed, "target_p95_ms": scenario.TARGET_P95_MS}
    (args.out_dir / "report.json").write_text(json.dumps(payload, indent=2))
    text = summary_text(report)
    (args.out_dir / "summary.txt").write_text(text + "\n")
    print(text)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
