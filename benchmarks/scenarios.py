"""The benchmark scenarios: pages, dashboards, exports, sweeps, import and the audit trail.

Each returns figures (dicts) with the subject, a baseline measured in the same run and their ratio.
"""

from __future__ import annotations

import csv
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import (
    capture_selects,
    compare,
    count_queries,
    progress,
    ratio,
    replay_figure,
    replayer,
    signed_in_client,
    summarise,
    timed,
)

# --- pages, dashboards and exports ---------------------------------------------------------------


def _get(client: Any, url: str, **headers: Any) -> Callable[[], None]:
    def fetch() -> None:
        response = client.get(url, follow=True, **headers)  # the home page redirects to the role's dashboard
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:200]!r}")
        if response.streaming:
            b"".join(response.streaming_content)  # an export is only done when its last row is sent

    return fetch


def pages(repeat: int, budget: float) -> list[dict[str, Any]]:
    from django.db import connection

    from casework.cases.models import Case
    from casework.people.models import User

    manager = signed_in_client("manager.a")
    prosecutor = User.objects.get(username="prosecutor.a")
    case_id = Case.objects.filter(allocated_lawyer=prosecutor).values_list("pk", flat=True).first()
    hq = signed_in_client("hq.analyst")
    token = _api_token(User.objects.get(username="manager.a"))
    figures = []

    # The unit list, against hand-written SQL for the same 51 rows as well as the replay.
    unit_list = _get(manager, "/cases/unit/")
    figure = replay_figure("case list page (unit, 50 rows)", unit_list, repeat, budget_seconds=budget)
    unit_id = User.objects.get(username="manager.a").unit_id

    def hand_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id, c.urn, c.operation_name, c.stage, c.updated_at, u.name, l.first_name, l.last_name"
                " FROM cases_case c JOIN people_unit u ON u.id = c.unit_id"
                " LEFT JOIN people_user l ON l.id = c.allocated_lawyer_id"
                " WHERE c.unit_id = %s ORDER BY c.updated_at DESC, c.id DESC LIMIT 51",
                [unit_id],
            )
            cursor.fetchall()

    figure["hand_written_sql"] = timed(hand_sql, repeat, budget_seconds=budget)
    figures.append(figure | {"target": "median under 100 ms"})

    specs: list[tuple[str, Any, str, dict[str, str], str]] = [
        (
            "case detail page (with its consult audit event)",
            signed_in_client("prosecutor.a"),
            f"/cases/{case_id}/",
            {},
            "100 ms",
        ),
        ("API case list (50 rows)", manager, "/api/v1/cases?limit=50", {"HTTP_AUTHORIZATION": f"Bearer {token}"}, ""),
        ("dashboard: home (legal manager)", manager, "/", {}, ""),
        ("dashboard: assurance (legal manager)", manager, "/assurance/dashboard/", {}, ""),
        ("dashboard: resourcing (legal manager)", manager, "/resourcing/", {}, ""),
        ("dashboard: national oversight (HQ analyst)", hq, "/oversight/", {}, "1 s"),
        ("export: unit case list CSV", manager, "/cases/unit/export.csv", {}, ""),
        ("export: national case list CSV (HQ analyst)", hq, "/cases/all/export.csv", {}, ""),
        ("export: national oversight dashboard CSV", hq, "/oversight/export.csv", {}, ""),
    ]
    for name, client, url, headers, target in specs:
        progress(f"  {name}")
        try:
            figure = replay_figure(name, _get(client, url, **headers), repeat, budget_seconds=budget)
        except Exception as error:  # a page that fails is reported as such; the other figures still run
            figures.append({"name": name, "error": f"{type(error).__name__}: {error}"[:300]})
            continue
        figures.append(figure | {"target": f"median under {target}" if target else ""})
    return figures


def _api_token(user: Any) -> str:
    from casework.api.services import api_token_issue

    return api_token_issue(actor=user, name="benchmark").token


# --- the audited edit through the API ---------------------------------------------------------------


def api_edit(repeat: int, budget: float) -> dict[str, Any]:
    """An audited case edit through the API (PATCH /api/v1/cases/{id}: access checks, optimistic lock,
    the change and its `alter` event, the re-check queued for the worker) against an API GET of the
    same case (its `consult` event, defendants, charges, hearings, documents), interleaved in the same
    run. Before each timed edit the case's queued re-check is taken off the queue, as the worker would
    have done by the next edit, so every edit pays for queueing one (the worst case)."""
    from django.test import Client

    from casework.assurance.models import PendingRecheck
    from casework.cases.models import Case
    from casework.people.models import User

    user = User.objects.get(username="prosecutor.a")
    case_id = Case.objects.filter(allocated_lawyer=user).values_list("pk", flat=True).first()
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {_api_token(user)}"}
    url = f"/api/v1/cases/{case_id}"
    state = {"n": 0, "version": Case.objects.get(pk=case_id).version}

    def get() -> None:
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:200]!r}")

    def edit() -> None:
        state["n"] += 1
        body = {"version": state["version"], "summary": f"Benchmark API edit {state['n']}"}
        response = client.patch(url, body, content_type="application/json", **headers)
        if response.status_code != 200:
            raise RuntimeError(f"PATCH {url}: {response.status_code} {response.content[:200]!r}")
        state["version"] = response.json()["version"]

    def worker_took_the_recheck() -> None:
        PendingRecheck.objects.filter(case_id=case_id).delete()

    for _ in range(3):  # warm up both paths
        get()
        worker_took_the_recheck()
        edit()
    get_queries = count_queries(get)
    worker_took_the_recheck()
    edit_queries = count_queries(edit)
    gets: list[float] = []
    edits: list[float] = []
    started = time.perf_counter()
    while len(edits) < repeat:
        begin = time.perf_counter()
        get()
        gets.append((time.perf_counter() - begin) * 1000)
        worker_took_the_recheck()
        begin = time.perf_counter()
        edit()
        edits.append((time.perf_counter() - begin) * 1000)
        if len(edits) >= 3 and time.perf_counter() - started > budget:
            break

    figure = compare(
        "API case edit (PATCH, audited) vs API GET of the same case",
        summarise(edits),
        summarise(gets),
        baseline_kind="GET /api/v1/cases/{id} of the same case, interleaved with the edits",
        target="at most 1.3x the GET",
    )
    figure["queries"] = {"edit": edit_queries, "get": get_queries}
    figure["baseline_label"] = "GET"
    return figure


# --- sweeps ----------------------------------------------------------------------------------------


def _sweep(
    name: str, run: Callable[[], Any], cases: int, subset: tuple[Callable[[], Any], int] | None = None
) -> dict[str, Any]:
    """A nightly sweep in its steady state (the day's results already stored, as after the night's
    first run), next to a replay of the very SELECTs it issued; one timed run each, since a sweep
    at 100,000 cases takes minutes. Optionally its time per case on one unit (linearity)."""
    progress(f"  {name}")
    run()
    started = time.perf_counter()
    selects = capture_selects(run)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    replayer(selects)()
    baseline = time.perf_counter() - started
    figure: dict[str, Any] = {
        "name": name,
        "cases": cases,
        "seconds": round(seconds, 3),
        "baseline_seconds": round(baseline, 3),
        "baseline_cases_per_second": round(cases / baseline, 1) if baseline else None,
        "baseline_kind": f"raw SQL replay of the {len(selects)} SELECTs it issued",
        "ratio": ratio(seconds, baseline),
        "ms_per_case": round(1000 * seconds / max(cases, 1), 4),
        "target": "under 10x the raw SQL read of the same rows; linear in cases",
    }
    if subset is not None:
        subset_run, subset_cases = subset
        started = time.perf_counter()
        subset_run()
        subset_seconds = time.perf_counter() - started
        figure["linearity"] = {
            "subset_cases": subset_cases,
            "ms_per_case_subset": round(1000 * subset_seconds / max(subset_cases, 1), 4),
            "ms_per_case_all": figure["ms_per_case"],
        }
    return figure


def sweeps() -> list[dict[str, Any]]:
    from django.core.management import call_command, get_commands

    from casework.assurance.sweep import assurance_sweep
    from casework.cases.choices import OPEN_STAGES
    from casework.cases.models import Case
    from casework.people.models import Unit
    from casework.progression.sweep import progression_sweep

    unit = Unit.objects.get(code="ccu-wessex")
    open_all = Case.objects.filter(stage__in=OPEN_STAGES).count()
    open_unit = Case.objects.filter(stage__in=OPEN_STAGES, unit=unit).count()
    everything = Case.objects.count()

    def command(name: str, *args: str) -> Callable[[], None]:
        return lambda: call_command(name, *args, stdout=io.StringIO(), stderr=io.StringIO())

    plan: list[tuple[str, Callable[[], Any], int, tuple[Callable[[], Any], int] | None]] = [
        (
            "progression_sweep (open cases)",
            lambda: progression_sweep(),
            open_all,
            (lambda: progression_sweep(unit_id=unit.pk), open_unit),
        ),
        (
            "assurance_sweep (all cases)",
            lambda: assurance_sweep(),
            everything,
            (lambda: assurance_sweep(unit_id=unit.pk), Case.objects.filter(unit=unit).count()),
        ),
        ("resourcing_snapshot (every unit)", command("resourcing_snapshot", "--json"), open_all, None),
        ("partners_sweep", command("partners_sweep", "--json"), everything, None),
    ]
    if "oversight_refresh" in get_commands():  # the pre-aggregated oversight tallies, when present
        plan.append(("oversight_refresh", command("oversight_refresh"), everything, None))
    figures = []
    for name, run, cases, subset in plan:
        try:
            figures.append(_sweep(name, run, cases, subset))
        except Exception as error:  # reported, and the remaining sweeps still run
            figures.append({"name": name, "error": f"{type(error).__name__}: {error}"[:300]})
    return figures


# --- import ----------------------------------------------------------------------------------------

_IMPORT_PREFIX = "77BN"
_COPY_PREFIX = "78BN"
_HEADINGS = {
    "cases.csv": ["URN", "Operation name", "Summary", "Lead force", "Accepted on", "Stage"],
    "defendants.csv": ["URN", "First names", "Last name", "Date of birth", "Custody status"],
    "charges.csv": ["URN", "First names", "Last name", "Date of birth", "Offence", "Classification", "Charged on"],
    "hearings.csv": ["URN", "Hearing type", "Starts at", "Court", "Outcome"],
}


def import_files(directory: Path, first: int, count: int) -> list[Path]:
    """A register export of `count` cases, each with a defendant, a charge and a hearing."""
    urns = [f"{_IMPORT_PREFIX}{n:07d}" for n in range(first, first + count)]
    rows = {
        "cases.csv": [
            [u, f"Operation Import {u[-5:]}", "Imported summary", "hampshire", "01/02/2024", "charged"] for u in urns
        ],
        "defendants.csv": [[u, "Alex", f"Doe{u[-5:]}", "1980-05-01", "custody"] for u in urns],
        "charges.csv": [
            [u, "Alex", f"Doe{u[-5:]}", "1980-05-01", "Fraud by false representation", "either_way", "2024-03-01"]
            for u in urns
        ],
        "hearings.csv": [[u, "ptph", "2024-04-02 10:00", "Winchester Crown Court", ""] for u in urns],
    }
    paths = []
    for name, body in rows.items():
        path = directory / name
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(_HEADINGS[name])
            writer.writerows(body)
        paths.append(path)
    return paths


def import_rate(count: int, runs: int = 3) -> dict[str, Any]:
    """`casework import` of a generated register, against raw SQL inserting the same register rows,
    `runs` times each (fresh URNs each time); medians of wall-clock and of CPU time.

    The command's code is loaded before the clock starts (as after the first of any command's runs):
    the figure is the import's work, not Python importing openpyxl. The re-checks the import queues
    are the worker's work, timed separately (`recheck_rate`). CPU time is reported beside wall time:
    on a shared machine a long run is descheduled more often than a short one, which stretches the
    wall-clock ratio; CPU time is the steadier measure of cost there."""
    import statistics

    from django.core.management import call_command, load_command_class

    from casework.cases.models import Case

    load_command_class("casework.imports", "import")
    walls, cpus, base_walls, base_cpus = [], [], [], []
    for _ in range(runs):
        first = Case.objects.filter(urn__startswith=_IMPORT_PREFIX).count()  # reruns on a kept database
        with tempfile.TemporaryDirectory(prefix="casework-bench-import-") as directory:
            paths = import_files(Path(directory), first, count)
            progress(f"  casework import: {count} cases with a defendant, charge and hearing each")
            started, cpu = time.perf_counter(), time.process_time()
            call_command("import", *map(str, paths), "--unit", "ccu-wessex", stdout=io.StringIO())
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        base_wall, base_cpu = _raw_register_insert([f"{_IMPORT_PREFIX}{n:07d}" for n in range(first, first + count)])
        base_walls.append(base_wall)
        base_cpus.append(base_cpu)
    seconds, baseline = statistics.median(walls), statistics.median(base_walls)
    cpu_seconds, baseline_cpu = statistics.median(cpus), statistics.median(base_cpus)
    return {
        "name": "import rate (casework import, CSV)",
        "cases": count,
        "runs": runs,
        "seconds": round(seconds, 3),
        "cases_per_second": round(count / seconds, 1),
        "baseline_seconds": round(baseline, 3),
        "baseline_cases_per_second": round(count / baseline, 1),
        "baseline_kind": "raw SQL INSERTs of the same case, defendant, charge and hearing rows (rolled back)",
        "ratio": ratio(seconds, baseline),
        "cpu_seconds": round(cpu_seconds, 3),
        "cpu_cases_per_second": round(count / cpu_seconds, 1),
        "baseline_cpu_seconds": round(baseline_cpu, 3),
        "cpu_ratio": ratio(cpu_seconds, baseline_cpu),
        "target": "at least 1,000 cases/s and at most 15x the INSERTs",
    }


def recheck_rate() -> dict[str, Any]:
    """The worker's re-check of the cases waiting in the queue (after the import: its cases), timed,
    against a replay of the SELECTs it issued."""
    from casework.assurance import rechecks
    from casework.assurance.services import rechecks_run

    waiting = rechecks.pending_count()
    progress(f"  worker re-check of {waiting} waiting cases")
    done: dict[str, Any] = {}

    def run() -> None:
        started = time.perf_counter()
        done["run"] = rechecks_run()
        done["seconds"] = time.perf_counter() - started

    selects = capture_selects(run)
    replay = replayer(selects)
    started = time.perf_counter()
    replay()
    baseline = time.perf_counter() - started
    cases, seconds = done["run"].cases, done["seconds"]
    return {
        "name": "worker re-check of the imported cases (assurance rules)",
        "cases": cases,
        "seconds": round(seconds, 3),
        "cases_per_second": round(cases / seconds, 1) if seconds else None,
        "failed": len(done["run"].failed),
        "baseline_seconds": round(baseline, 3),
        "baseline_cases_per_second": round(cases / baseline, 1) if baseline else None,
        "baseline_kind": f"raw SQL replay of the {len(selects)} SELECTs it issued",
        "ratio": ratio(seconds, baseline),
        "target": "",
    }


def _raw_register_insert(urns: list[str]) -> tuple[float, float]:
    """Insert copies of the imported register rows with plain executemany, timed (wall-clock and CPU
    seconds), then roll back."""
    from django.db import connection, transaction

    def rows(cursor: Any, sql: str, params: list[Any]) -> tuple[list[str], list[list[Any]]]:
        cursor.execute(sql, params)
        return [c[0] for c in cursor.description], [list(r) for r in cursor.fetchall()]

    def top(cursor: Any, table: str) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(cursor.fetchone()[0])

    marks = ", ".join(["%s"] * len(urns))
    with connection.cursor() as cursor:
        case_cols, cases = rows(cursor, f"SELECT * FROM cases_case WHERE urn IN ({marks})", urns)
        ids = [row[case_cols.index("id")] for row in cases]
        id_marks = ", ".join(["%s"] * len(ids))
        def_cols, defendants = rows(cursor, f"SELECT * FROM cases_defendant WHERE case_id IN ({id_marks})", ids)
        hear_cols, hearings = rows(cursor, f"SELECT * FROM cases_hearing WHERE case_id IN ({id_marks})", ids)
        def_ids = [row[def_cols.index("id")] for row in defendants] or [0]
        charge_cols, charges = rows(
            cursor,
            f"SELECT * FROM cases_charge WHERE defendant_id IN ({', '.join(['%s'] * len(def_ids))})",
            def_ids,
        )
        offsets = {t: top(cursor, t) for t in ("cases_case", "cases_defendant", "cases_hearing", "cases_charge")}
    shift = {
        "id": None,  # per table
        "case_id": offsets["cases_case"],
        "defendant_id": offsets["cases_defendant"],
    }
    plan = [
        ("cases_case", case_cols, cases),
        ("cases_defendant", def_cols, defendants),
        ("cases_charge", charge_cols, charges),
        ("cases_hearing", hear_cols, hearings),
    ]
    for table, cols, table_rows in plan:
        for row in table_rows:
            for i, col in enumerate(cols):
                if col == "id":
                    row[i] += offsets[table]
                elif col in shift and row[i] is not None:
                    row[i] += shift[col]
                elif col == "urn":
                    row[i] = _COPY_PREFIX + row[i][len(_IMPORT_PREFIX) :]
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table, cols, table_rows in plan:
                if table_rows:
                    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
                    cursor.executemany(sql, table_rows)
        elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu
        transaction.set_rollback(True)  # the baseline leaves nothing behind
    return elapsed, cpu_elapsed


# --- the audit trail at volume ---------------------------------------------------------------------


def audit_top_up(target_events: int, batch: int = 10_000) -> dict[str, Any]:
    """Append consult events through the real chained write path (record_many) until the trail
    holds `target_events`, one transaction per batch."""
    from django.db import transaction

    from casework.audit import services as audit
    from casework.audit.models import AuditEvent
    from casework.cases.models import Case

    existing = AuditEvent.objects.count()
    missing = max(0, target_events - existing)
    if not missing:
        return {"existing": existing, "added": 0}
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:5000]) or [None]
    progress(f"  topping the audit trail up from {existing:,} to {target_events:,} events")
    started, added, reported = time.perf_counter(), 0, time.perf_counter()
    while added < missing:
        n = min(batch, missing - added)
        events = [
            audit.PendingEvent(
                action="consult",
                subject_type="cases.case",
                subject_id=str(case_ids[(added + i) % len(case_ids)]),
                case_id=case_ids[(added + i) % len(case_ids)],
                justification="Benchmark consultation",
            )
            for i in range(n)
        ]
        with transaction.atomic():
            audit.record_many(actor=audit.SYSTEM_ACTOR, events=events)
        added += n
        if time.perf_counter() - reported > 30:
            rate = added / (time.perf_counter() - started)
            progress(f"    {existing + added:,} events ({rate:,.0f}/s, {(missing - added) / rate:,.0f} s to go)")
            reported = time.perf_counter()
    seconds = time.perf_counter() - started
    return {
        "existing": existing,
        "added": added,
        "seconds": round(seconds, 1),
        "events_per_second": round(added / seconds),
    }


def audit_verify(runs: int = 3) -> dict[str, Any]:
    """`audit verify` (verify_chain) throughput, against a raw SQL scan of the same rows."""
    from django.db import connection

    from casework.audit.verification import verify_chain

    progress("  audit verify")
    reports = [verify_chain() for _ in range(runs)]
    if not all(report.intact for report in reports):
        raise RuntimeError("the audit chain did not verify")
    rates = sorted(report.events_per_second for report in reports)
    seconds = sorted(report.seconds for report in reports)
    started = time.perf_counter()
    with connection.cursor() as cursor:  # reading the rows, in seq order, without hashing them
        cursor.execute("SELECT * FROM audit_auditevent ORDER BY seq")
        while cursor.fetchmany(50_000):
            pass
    scan = time.perf_counter() - started
    events = reports[0].events_checked
    return {
        "name": "audit verify",
        "events": events,
        "events_per_second": round(rates[len(rates) // 2]),
        "min_events_per_second": round(rates[0]),
        "seconds": round(seconds[len(seconds) // 2], 3),
        "baseline_seconds": round(scan, 3),
        "baseline_events_per_second": round(events / scan),
        "baseline_kind": "raw SQL scan of every audit row in seq order (no hashing)",
        "ratio": ratio(seconds[len(seconds) // 2], scan),
        "target": "at least 200,000 events per second",
    }


__all__ = ["api_edit", "audit_top_up", "audit_verify", "compare", "import_rate", "pages", "recheck_rate", "sweeps"]
