"""The national assurance dashboard from stored figures against the live count, in one run on a
kept database (the national case list CSV's rate is measured by benchmarks/export_rates.py).

    uv run python benchmarks/stored_figures.py --db /tmp/bench10k/casework.sqlite3 [--runs 7]

The database is built by benchmarks/run.py or page_budget.py (--cases N --db FILE) and reused.
Prints JSON: for the HQ analyst's national dashboard, the median time of its reads from stored
figures and of the same reads counted live (dashboard(live=True)), their ratio, the whole page's
time; and the time of refreshing every unit's figures and one unit's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _median_ms(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 1), "min_ms": round(min(samples), 1), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sys.path[:0] = [str(HERE)]
    import run

    run.configure("sqlite", args.db)
    from django.core.management import call_command
    from django.test import Client

    from casework.assurance import dashboard as reads
    from casework.assurance import tallies
    from casework.people.models import Unit, User

    call_command("migrate", verbosity=0)
    hq = User.objects.get(username="hq.analyst")
    scope = reads.dashboard_scope(user=hq, unit_id=None)
    full = _median_ms(lambda: tallies.refresh(), max(1, args.runs // 3))
    one_unit = Unit.objects.order_by("pk").values_list("pk", flat=True).first()
    unit = _median_ms(lambda: tallies.refresh([one_unit]), args.runs)
    stored = _median_ms(lambda: reads.dashboard(user=hq, scope=scope), args.runs)
    live = _median_ms(lambda: reads.dashboard(user=hq, scope=scope, live=True), args.runs)
    client = Client()
    client.force_login(hq)

    def page_once() -> None:
        response = client.get("/assurance/dashboard/")
        assert response.status_code == 200 and b"Figures as at" in response.content, response.status_code

    page = _median_ms(page_once, args.runs)

    report = {
        "cases": run.scale()["cases"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "national_assurance_dashboard": {
            "stored_reads": stored,
            "live_reads": live,
            "ratio_live_to_stored": round(live["median_ms"] / stored["median_ms"], 1),
            "page_from_stored": page,
        },
        "refresh_every_unit": full,
        "refresh_one_unit": unit,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
