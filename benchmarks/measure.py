"""Timing helpers shared by the benchmarks: medians, same-run baselines and growth between scales.

Nothing here imports Django at module level, so the pure helpers (ratio, growth) are testable
without a database.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def progress(message: str) -> None:
    """Progress goes to stderr so stdout stays one JSON document."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any], repeat: int, *, warmup: int = 2, budget_seconds: float = 30.0) -> dict[str, Any]:
    """Median of up to `repeat` runs, stopping early (after at least 3) once the time budget is spent:
    a 5-second dashboard at 100,000 cases cannot be run 40 times in a bounded benchmark."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < repeat:
        begin = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - begin) * 1000)
        if len(samples) >= 3 and time.perf_counter() - started > budget_seconds:
            break
    return summarise(samples)


def summarise(samples_ms: list[float]) -> dict[str, Any]:
    """Median, fastest and slowest of timed runs, in milliseconds."""
    return {
        "median_ms": round(statistics.median(samples_ms), 3),
        "min_ms": round(min(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
        "runs": len(samples_ms),
    }


def ratio(subject: float | None, baseline: float | None) -> float | None:
    if not subject or not baseline:
        return None
    return round(subject / baseline, 2)


def compare(
    name: str, subject: dict[str, Any], baseline: dict[str, Any], *, baseline_kind: str, target: str = ""
) -> dict[str, Any]:
    return {
        "name": name,
        "subject": subject,
        "baseline": baseline,
        "baseline_kind": baseline_kind,
        "ratio": ratio(subject["median_ms"], baseline["median_ms"]),
        "target": target,
    }


def capture_selects(fn: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run fn once and return every SELECT it issued, with its parameters."""
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    return captured


def count_queries(fn: Callable[[], Any]) -> int:
    """Run fn once and count every statement it sent to the database (reads and writes)."""
    from django.db import connection

    count = {"n": 0}

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()
    return count["n"]


def replayer(selects: list[tuple[str, Any]]) -> Callable[[], None]:
    """The raw-SQL baseline: the very reads the subject issued, fetched with a plain cursor."""
    from django.db import connection

    def replay() -> None:
        with connection.cursor() as cursor:
            for sql, params in selects:
                cursor.execute(sql, params)
                cursor.fetchall()

    return replay


def replay_figure(
    name: str, subject: Callable[[], Any], repeat: int, *, budget_seconds: float = 30.0, target: str = ""
) -> dict[str, Any]:
    """Time `subject` next to a replay of the SELECTs it issues (the same result, no ORM/views)."""
    selects = capture_selects(subject)
    figure = compare(
        name,
        timed(subject, repeat, warmup=1, budget_seconds=budget_seconds),
        timed(replayer(selects), repeat, warmup=1, budget_seconds=budget_seconds),
        baseline_kind=f"raw SQL replay of the {len(selects)} SELECTs it issued",
        target=target,
    )
    figure["queries"] = len(selects)
    return figure


def headline(figure: dict[str, Any]) -> float | None:
    """The one number that growth is computed on: a throughput where there is one (its volume differs
    between runs), else a median in ms or a sweep's seconds."""
    for key in ("events_per_second", "cases_per_second"):
        if figure.get(key) is not None:
            return figure[key]
    if "subject" in figure:
        return figure["subject"].get("median_ms")
    for key in ("median_ms", "seconds"):
        if figure.get(key) is not None:
            return figure[key]
    return None


def growth(small: dict[str, Any], large: dict[str, Any]) -> list[dict[str, Any]]:
    """Figure by figure (matched on name and backend), how the large run compares with the small one."""
    scale = ratio(large["scale"]["cases"], small["scale"]["cases"])
    by_name = {figure["name"]: figure for figure in small["figures"]}
    rows = []
    for figure in large["figures"]:
        before = by_name.get(figure["name"])
        if before is None:
            continue
        old, new = headline(before), headline(figure)
        rows.append(
            {
                "name": figure["name"],
                "small": old,
                "large": new,
                "growth": ratio(new, old),
                "cases_growth": scale,
                "baseline_ratio_small": before.get("ratio"),
                "baseline_ratio_large": figure.get("ratio"),
            }
        )
    return rows


def signed_in_client(username: str) -> Any:
    """A Django test client signed in as this user of the register."""
    from django.test import Client

    from casework.people.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def emit(report: dict[str, Any], out: Any) -> None:
    """Print the report as JSON, and write it to `out` too when one is given."""
    import json

    text = json.dumps(report, indent=2)
    if out:
        out.write_text(text + "\n")
    print(text)
