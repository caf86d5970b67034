"""Audit trail verification throughput on a throwaway SQLite database.

    uv run python benchmarks/audit_verify.py [EVENTS [WORKDIR]]   (default 1,000,000 events)

WORKDIR reuses the database of an earlier run (printed as "database") instead of inserting again.

Inserts EVENTS events with record_many in batches of 10,000, then times: chain verification
(verify_chain, canonical bytes built by SQLite and, for comparison, by Python), the Merkle root
over every event (checkpoint_create), the full check (verify_all: chain + external checkpoints)
and one inclusion proof. Prints JSON, with ratios against baselines measured in the same run:
the Python-encoding verification path, and verify_rows over rows already in memory.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    reuse = len(sys.argv) > 2
    workdir = sys.argv[2] if reuse else tempfile.mkdtemp(prefix="casework-audit-bench-")
    os.environ["CASEWORK_VAR_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from casework.audit import chain, services
    from casework.audit.checkpoints import checkpoint_create, prove, root_over
    from casework.audit.verification import verify_all, verify_chain

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    batch = 10_000
    for offset in range(0, 0 if reuse else total, batch):
        events = [
            services.PendingEvent(
                action="consult",
                subject_type="cases.case",
                subject_id=str(n % 5000),
                subject_label=f"01TS{n % 5000:07d} Operation {n % 997}",
                case_id=n % 5000,
                justification="Allocated lawyer",
            )
            for n in range(offset, min(offset + batch, total))
        ]
        with transaction.atomic():
            services.record_many(actor=services.SYSTEM_ACTOR, events=events)
    insert_seconds = time.perf_counter() - started

    # Baseline: hashing alone over rows already in memory.
    rows = list(services.iter_chain_rows())
    started = time.perf_counter()
    chain.verify_rows(rows)
    hash_only_seconds = time.perf_counter() - started
    del rows

    before = verify_chain(use_database_encoding=False)  # the Python-encoding path (the reference form)
    assert before.intact, before
    cpu_started = time.process_time()
    report = verify_chain()  # database encoding, one connection (the default)
    cpu_seconds = time.process_time() - cpu_started
    assert report.intact, report
    threaded = verify_chain(parallel=True)  # database encoding, two reader threads
    assert threaded.intact, threaded
    started = time.perf_counter()
    root_over(total)  # the Merkle root over every event, as checkpoint_create computes it
    root_seconds = time.perf_counter() - started
    started = time.perf_counter()
    checkpoint = checkpoint_create()  # reused databases: a no-op when one already covers every event
    checkpoint_seconds = time.perf_counter() - started
    started = time.perf_counter()
    full = verify_all()
    full_seconds = time.perf_counter() - started
    assert full.intact
    started = time.perf_counter()
    assert prove(total // 2).verified
    prove_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "events": total,
                "insert_events_per_second": None if reuse else round(total / insert_seconds),
                "verify_chain_seconds": round(report.seconds, 3),
                "verify_chain_events_per_second": round(report.events_per_second),
                "verify_chain_python_encoding_events_per_second": round(before.events_per_second),
                "verify_chain_two_readers_events_per_second": round(threaded.events_per_second),
                # Throughput per CPU-second: what one free core delivers, whatever else the machine runs.
                "verify_chain_events_per_cpu_second": round(total / cpu_seconds),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "speedup_vs_python_encoding": round(before.seconds / report.seconds, 2),
                "in_memory_verify_rows_events_per_second": round(total / hash_only_seconds),
                "ratio_verify_chain_to_in_memory": round(report.seconds / hash_only_seconds, 2),
                "merkle_root_seconds": round(root_seconds, 3),
                "checkpoint_create_seconds": round(checkpoint_seconds, 3),
                "checkpoint_tree_size": checkpoint.tree_size,
                "verify_all_seconds": round(full_seconds, 3),
                "prove_seconds": round(prove_seconds, 3),
                "database": str(Path(workdir) / "casework.sqlite3"),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
