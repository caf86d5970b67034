"""`audit verify` on PostgreSQL: the binary reader against the reference reader, in the same run.

    scripts/with-postgres.sh uv run python benchmarks/audit_verify_postgres.py [EVENTS [ROUNDS]]

Tops the trail up to EVENTS events (default 1,000,000; shaped like the product's, as
benchmarks/audit_records.py writes them) through the real chained write path, then verifies the
whole chain ROUNDS times (default 3) with each of four variants, taking turns so that the machine's
load falls on all of them alike:

- reference reader (every stored value as text, a list and an encoding per event: the path before
  the binary reader), in this process (`--workers 1`) and in two worker processes (`--workers 2`);
- binary reader in hashing order (chain.READ_ORDER), `--workers 1` and `--workers 2`.

For each variant: median events/s of wall time, and events per CPU-second, counting the client's
CPU (this process and its workers) and the database server's (every process of the server this run
talks to, including backends that exited). On a shared machine the wall rate measures the share of
the cores the run got; the CPU figure is what a free core delivers. Prints one JSON document.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))


def _server_cpu_seconds(postmaster: int) -> float:
    """CPU of the server: the postmaster, its live children, and (through the postmaster's
    reaped-children counters) the children that have exited."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(value) for value in fields[11:15]) / tick  # utime stime cutime cstime
        elif parent == postmaster:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _postmaster_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data_directory = Path(cursor.fetchone()[0])
    return int((data_directory / "postmaster.pid").read_text().split()[0])


VARIANTS: dict[str, dict[str, Any]] = {
    "reference_workers_1": {"use_database_encoding": False, "parallel": False},
    "binary_workers_1": {"parallel": False},
    "reference_workers_2": {"use_database_encoding": False, "workers": 2},
    "binary_workers_2": {"workers": 2},
}


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    import audit_records

    if audit_records._setup() != "postgresql":
        raise SystemExit("run under scripts/with-postgres.sh (DATABASE_URL must name a PostgreSQL database)")
    from casework.audit.checkpoints import chain_length
    from casework.audit.verification import verify_chain

    present = chain_length()
    if present < total:
        audit_records._fill(total - present)
    postmaster = _postmaster_pid()
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
    for _ in range(rounds):
        for name, options in VARIANTS.items():
            load = os.getloadavg()[0]
            server, client, before = _server_cpu_seconds(postmaster), time.process_time(), os.times()
            report = verify_chain(**options)
            after = os.times()
            cpu_client = time.process_time() - client
            cpu_client += after.children_user + after.children_system - before.children_user - before.children_system
            cpu_server = _server_cpu_seconds(postmaster) - server
            if not report.intact:
                raise RuntimeError(f"the chain did not verify: {report}")
            runs[name].append({
                "path": report.path, "events": report.events_checked, "seconds": round(report.seconds, 3),
                "events_per_second": round(report.events_per_second),
                "client_cpu_seconds": round(cpu_client, 2), "server_cpu_seconds": round(cpu_server, 2),
                "load_average_1min_at_start": round(load, 2),
            })  # fmt: skip
    summary: dict[str, Any] = {}
    for name, samples in runs.items():
        events = samples[0]["events"]
        cpu = statistics.median(s["client_cpu_seconds"] + s["server_cpu_seconds"] for s in samples)
        client = statistics.median(s["client_cpu_seconds"] for s in samples)
        summary[name] = {
            "path": samples[0]["path"],
            "events_per_second_median": round(events / statistics.median(s["seconds"] for s in samples)),
            "events_per_cpu_second_client_and_server_median": round(events / cpu),
            "events_per_client_cpu_second_median": round(events / client),
            "microseconds_per_event_client": round(client / events * 1e6, 2),
            "microseconds_per_event_server": round((cpu - client) / events * 1e6, 2),
        }
    for workers in ("1", "2"):
        new, old = summary[f"binary_workers_{workers}"], summary[f"reference_workers_{workers}"]
        summary[f"speedup_workers_{workers}"] = {
            "wall": round(new["events_per_second_median"] / old["events_per_second_median"], 2),
            "per_cpu_second": round(
                new["events_per_cpu_second_client_and_server_median"]
                / old["events_per_cpu_second_client_and_server_median"],
                2,
            ),
        }
    print(
        json.dumps(
            {
                "backend": "postgresql",
                "events": chain_length(),
                "rounds": rounds,
                "cpu_count": os.cpu_count(),
                "target_events_per_second": 200_000,
                "summary": summary,
                "runs": runs,
                "load_average_1min_end": round(os.getloadavg()[0], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
