"""The audit trail's cost, before and after a change to its format: audited writes and `audit verify`.

    uv run python benchmarks/audit_records.py [EVENTS]                  (SQLite, throwaway file)
    scripts/with-postgres.sh uv run python benchmarks/audit_records.py [EVENTS]   (PostgreSQL)

Builds a throwaway trail of EVENTS events (default 300,000) shaped like the product's: seven in
ten are consultations, the rest alterations with before/after values and a person's name in the
label. Then measures, each beside a baseline taken in the same run:

- one audited write (`record()` in its own transaction, the shape of every audited edit) against
  the same transaction inserting one plain row of the same size into an unaudited table;
- `verify_chain` (median of 3) against a plain scan of every audit row in seq order;
- where the code supports it, erasing the personal values of one case from the trail.

Prints one JSON document. Run it on two checkouts (the same EVENTS, the same machine, one after
the other) to compare a change with what it replaces; the ratios are the figures to compare.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _setup() -> str:
    workdir = tempfile.mkdtemp(prefix="casework-audit-records-")
    os.environ["CASEWORK_VAR_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    return connection.vendor


def _fill(total: int) -> float:
    from django.db import transaction

    from casework.audit import services

    started = time.perf_counter()
    batch = 10_000
    for offset in range(0, total, batch):
        events = []
        for n in range(offset, min(offset + batch, total)):
            case = n % 5000
            if n % 10 < 7:
                events.append(
                    services.PendingEvent(
                        action="consult",
                        subject_type="cases.case",
                        subject_id=str(case),
                        subject_label=f"01TS{case:07d} Operation {case % 997}",
                        case_id=case,
                        justification="Allocated lawyer",
                    )
                )
            else:
                events.append(
                    services.PendingEvent(
                        action="alter",
                        subject_type="cases.defendant",
                        subject_id=str(n),
                        subject_label=f"Alex{case} SMITH{case}",
                        case_id=case,
                        changes={"last_name": [f"Smith{case}", f"SMITH{case}"], "date_of_birth": ["1980-01-01", None]},
                    )
                )
        with transaction.atomic():
            services.record_many(actor=services.SYSTEM_ACTOR, events=events)
    return time.perf_counter() - started


def _median_ms(fn: Any, repeat: int) -> float:
    for _ in range(20):
        fn()
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - begin) * 1000)
    return statistics.median(samples)


def _writes(repeat: int) -> dict[str, Any]:
    from django.db import connection, transaction

    from casework.audit import services

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, label VARCHAR(250), changes TEXT)")
    counter = {"n": 0}

    def audited() -> None:
        counter["n"] += 1
        with transaction.atomic():
            services.record(
                actor=None,
                action="alter",
                subject_type="cases.case",
                subject_id="42",
                subject_label="01TS0000042 Operation Larch",
                case_id=42,
                changes={"summary": [f"Edit {counter['n'] - 1}", f"Edit {counter['n']}"]},
            )

    def plain() -> None:
        counter["n"] += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain (id, label, changes) VALUES (%s, %s, %s)",
                [counter["n"], "01TS0000042 Operation Larch", json.dumps({"summary": ["a", "b"]})],
            )

    audited_ms = _median_ms(audited, repeat)
    plain_ms = _median_ms(plain, repeat)
    return {
        "audited_write_median_ms": round(audited_ms, 4),
        "plain_insert_median_ms": round(plain_ms, 4),
        "ratio_audited_to_plain": round(audited_ms / plain_ms, 2),
        "writes_each": repeat,
    }


def _verify() -> dict[str, Any]:
    from django.db import connection

    from casework.audit.verification import verify_chain

    reports = [verify_chain() for _ in range(3)]
    if not all(report.intact for report in reports):
        raise RuntimeError(f"the chain did not verify: {reports[0]}")
    seconds = statistics.median(report.seconds for report in reports)
    events = reports[0].events_checked
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent ORDER BY seq")
        while cursor.fetchmany(50_000):
            pass
    scan = time.perf_counter() - started
    return {
        "verify_events": events,
        "verify_seconds_median": round(seconds, 3),
        "verify_events_per_second": round(events / seconds),
        "scan_seconds": round(scan, 3),
        "scan_rows_per_second": round(events / scan),
        "ratio_verify_to_scan": round(seconds / scan, 2),
    }


def _erasure() -> dict[str, Any] | None:
    try:
        from casework.audit.erasure import erase_case_events
    except ImportError:
        return None
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        result = erase_case_events(
            actor=None, case_id=1234, subject_label="01TS0001234", justification="Benchmark erasure"
        )
    return {"erase_one_case_seconds": round(time.perf_counter() - started, 4), "events_redacted": result.redacted}


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    vendor = _setup()
    fill_seconds = _fill(total)
    report: dict[str, Any] = {
        "backend": vendor,
        "events": total,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "fill_events_per_second": round(total / fill_seconds),
        **_writes(2000),
        **_verify(),
    }
    erasure = _erasure()
    if erasure is not None:
        report.update(erasure)
        report.update({f"after_erasure_{key}": value for key, value in _verify().items() if "verify" in key})
    report["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    report["code"] = str(Path(__import__("casework").__file__).parent)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
