"""Scale benchmarks for the foundation, printed as JSON.

Each figure is the median of many timed runs, measured in-process (server time: URL routing,
views, templates, queries — no network), next to a baseline measured in the same run: the raw
SQL that reads or writes the same rows. Run with `make bench` or:

    uv run python benchmarks/run.py --cases 100000 [--db PATH] [--repeat 40] [--out FILE]

The database is built once (migrate + load_demo) and reused when --db points at an existing file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse")
    parser.add_argument("--repeat", type=int, default=40, help="timed runs per figure")
    parser.add_argument(
        "--verify-events", type=int, default=1_000_000, help="top the audit trail up to this many events"
    )
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args()


def configure(db_path: Path) -> None:
    os.environ["CASEWORK_VAR_DIR"] = str(db_path.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_HTTPS"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["DATABASE_URL"] = ""
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = str(db_path)


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 3),
        "min_ms": round(min(samples), 3),
        "max_ms": round(max(samples), 3),
        "runs": repeat,
    }


def compare(name: str, subject: dict[str, float], baseline: dict[str, float], target: str = "") -> dict[str, Any]:
    ratio = subject["median_ms"] / baseline["median_ms"] if baseline["median_ms"] else None
    return {
        "name": name,
        "subject": subject,
        "baseline": baseline,
        "ratio": round(ratio, 2) if ratio else None,
        "target": target,
    }


def build_database(db_path: Path, cases: int, seed: int) -> None:
    from django.core.management import call_command

    from casework.cases.models import Case

    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        print(f"loading {cases} demo cases (once; reused on later runs)...", file=sys.stderr)
        call_command("load_demo", cases=cases, seed=seed)


def main() -> None:
    args = parse_args()
    db_path = args.db or Path(tempfile.mkdtemp(prefix="casework-bench-")) / "bench.sqlite3"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    configure(db_path)
    build_database(db_path, args.cases, args.seed)

    from django.db import connection
    from django.test import Client

    from casework.cases.models import Case
    from casework.people.models import User

    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "scale": {"cases": Case.objects.count(), "db": str(db_path)},
        "figures": [],
    }
    manager = User.objects.get(username="manager.a")
    prosecutor = User.objects.get(username="prosecutor.a")

    def raw(sql: str, params: list[Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    # --- case list page (unit list for a manager: the biggest list a unit user sees) ---------
    client = Client()
    client.force_login(manager)
    unit_list = timed(lambda: _ok(client.get("/cases/unit/")), args.repeat)
    unit_sql = raw(
        "SELECT c.id, c.urn, c.operation_name, c.stage, c.updated_at, u.name, l.first_name, l.last_name"
        " FROM cases_case c JOIN people_unit u ON u.id = c.unit_id"
        " LEFT JOIN people_user l ON l.id = c.allocated_lawyer_id"
        " WHERE c.unit_id = %s ORDER BY c.updated_at DESC, c.id DESC LIMIT 51",
        [manager.unit_id],
    )
    results["figures"].append(
        compare("case list page (unit, 50 rows)", unit_list, timed(unit_sql, args.repeat), "median under 100 ms")
    )

    # --- case detail page, including its consult audit event ----------------------------------
    case_id = Case.objects.filter(allocated_lawyer=prosecutor).values_list("pk", flat=True).first()
    pclient = Client()
    pclient.force_login(prosecutor)
    detail = timed(lambda: _ok(pclient.get(f"/cases/{case_id}/")), args.repeat)
    detail_sql = raw("SELECT * FROM cases_case WHERE id = %s", [case_id])
    results["figures"].append(
        compare("case detail page with consult event", detail, timed(detail_sql, args.repeat), "median under 100 ms")
    )

    # --- API list page -----------------------------------------------------------------------
    token = _api_token(manager)
    api = timed(lambda: _ok(client.get("/api/v1/cases?limit=50", HTTP_AUTHORIZATION=f"Bearer {token}")), args.repeat)
    results["figures"].append(
        compare("API case list (50 rows)", api, timed(unit_sql, args.repeat), "median under 100 ms")
    )

    # --- audited edit against the same edit with the audit call removed ------------------------
    results["figures"].append(_edit_overhead(manager, case_id, args.repeat * 10))

    # --- nightly sweeps (steady state: a second run on the same day) ---------------------------
    results["figures"].extend(_sweeps())

    # --- audit verify throughput -------------------------------------------------------------
    results["figures"].append(_verify_throughput(args.verify_events))

    text = json.dumps(results, indent=2)
    print(text)
    out = args.out or ROOT / "benchmarks" / "results" / f"foundation-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"written to {out}", file=sys.stderr)


def _ok(response: Any) -> Any:
    if response.status_code != 200:
        raise SystemExit(f"benchmark request failed: {response.status_code} {response.content[:300]!r}")
    return response


def _api_token(user: Any) -> str:
    from casework.api.services import api_token_issue

    return api_token_issue(actor=user, name="benchmark").token


def _edit_overhead(user: Any, case_id: int, repeat: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from casework.cases import services
    from casework.cases.models import Case

    state = {"n": 0}

    def edit() -> None:
        case = Case.objects.get(pk=case_id)
        state["n"] += 1
        services.case_update(
            actor=user, case=case, expected_version=case.version, summary=f"Benchmark edit {state['n']}"
        )

    audited = timed(edit, repeat, warmup=20)
    original_record = services.audit.record
    services.audit.record = lambda **kwargs: None  # the same edit with auditing bypassed
    try:
        unaudited = timed(edit, repeat, warmup=20)
    finally:
        services.audit.record = original_record

    def raw_edit() -> None:
        state["n"] += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case_id])
            cursor.fetchone()
            cursor.execute(
                "UPDATE cases_case SET summary = %s, version = version + 1 WHERE id = %s",
                [f"Benchmark edit {state['n']}", case_id],
            )

    figure = compare("audited case edit vs the same edit unaudited", audited, unaudited, "ratio at most 1.5")
    figure["raw_sql_baseline"] = timed(raw_edit, repeat, warmup=20)
    return figure


def _capture_selects(fn: Callable[[], Any]) -> tuple[float, list[tuple[str, Any]]]:
    """Run fn once, timing it, and record every SELECT it issued (SQL and parameters)."""
    from django.db import connection

    captured: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        started = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - started
    return elapsed, captured


def _replay(selects: list[tuple[str, Any]]) -> float:
    """The raw-SQL baseline: the same reads, fetched with a plain cursor and nothing done with them."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in selects:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def _sweep_figure(
    name: str, run: Callable[[], Any], subset: Callable[[], Any], subset_cases: int, all_cases: int, target: str
) -> dict[str, Any]:
    """Time a nightly sweep in its steady state (the day's results already stored, as after the
    night's first run), next to a replay of the very SELECTs it issued; then its time per case on a
    one-unit subset (linearity) and the peak Python memory of both (flat means batched)."""
    import tracemalloc

    run()  # make sure today's results are stored: what follows is the steady state
    seconds, selects = _capture_selects(run)
    baseline = _replay(selects)
    subset_seconds, _ = _capture_selects(subset)
    peaks = {}
    for label, fn in (("subset", subset), ("all", run)):
        tracemalloc.start()
        fn()
        peaks[label] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return {
        "name": name,
        "cases": all_cases,
        "seconds": round(seconds, 3),
        "raw_sql_baseline_seconds": round(baseline, 3),
        "ratio": round(seconds / baseline, 2) if baseline else None,
        "queries": len(selects),
        "linearity": {
            "subset_cases": subset_cases,
            "subset_seconds": round(subset_seconds, 3),
            "ms_per_case_subset": round(1000 * subset_seconds / max(subset_cases, 1), 4),
            "ms_per_case_all": round(1000 * seconds / max(all_cases, 1), 4),
        },
        "peak_python_memory_mb": peaks,
        "target": target,
    }


def _sweeps() -> list[dict[str, Any]]:
    from casework.assurance.sweep import assurance_sweep
    from casework.cases.choices import OPEN_STAGES
    from casework.cases.models import Case
    from casework.people.models import Unit

    unit = Unit.objects.get(code="ccu-wessex")
    open_all = Case.objects.filter(stage__in=OPEN_STAGES).count()
    open_unit = Case.objects.filter(stage__in=OPEN_STAGES, unit=unit).count()
    from casework.progression.sweep import progression_sweep

    figures = [
        _sweep_figure(
            "progression_sweep (open cases)",
            lambda: progression_sweep(),
            lambda: progression_sweep(unit_id=unit.pk),
            open_unit,
            open_all,
            "under 10x the raw SQL read of the same rows; linear in cases",
        ),
        _sweep_figure(
            "assurance_sweep (all cases)",
            lambda: assurance_sweep(),
            lambda: assurance_sweep(unit_id=unit.pk),
            Case.objects.filter(unit=unit).count(),
            Case.objects.count(),
            "under 10x the raw SQL read of the same facts; linear; flat memory",
        ),
    ]
    return figures


def _verify_throughput(target_events: int) -> dict[str, Any]:
    from django.db import transaction

    from casework.audit import services as audit
    from casework.audit.models import AuditEvent
    from casework.audit.verification import verify_chain

    existing = AuditEvent.objects.count()
    missing = max(0, target_events - existing)
    batch = 10_000
    while missing > 0:
        n = min(batch, missing)
        events = [
            audit.PendingEvent(
                action="consult",
                subject_type="cases.case",
                subject_id=str(i),
                case_id=i,
                justification="Benchmark consultation",
            )
            for i in range(n)
        ]
        with transaction.atomic():
            audit.record_many(actor=None, events=events)
        missing -= n
    runs = [verify_chain() for _ in range(3)]
    assert all(run.intact for run in runs)
    rates = sorted(run.events_per_second for run in runs)
    return {
        "name": "audit verify throughput",
        "events": runs[0].events_checked,
        "median_events_per_second": round(rates[1]),
        "min_events_per_second": round(rates[0]),
        "target": "at least 200,000 events per second",
    }


if __name__ == "__main__":
    main()
