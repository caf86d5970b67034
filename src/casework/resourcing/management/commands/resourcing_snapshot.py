"""Compute every unit's capacity and resilience in bulk and print the timing, with a raw SQL read of
the same facts measured in the same run as the baseline (for the 100,000-case benchmark)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from casework.core import clock
from casework.people.models import Unit
from casework.resourcing import reports

# Built from constants only: the facts the report reads, fetched without the ORM.
_RAW_FACTS = (
    "SELECT c.id, c.unit_id, c.stage, c.allocated_lawyer_id, c.deputy_lawyer_id, c.paralegal_id, c.legal_manager_id,"
    " c.trial_estimate_days, (SELECT COUNT(*) FROM cases_defendant d WHERE d.case_id = c.id)"
    " FROM cases_case c WHERE c.stage IN ('pre_charge','charging_decision','charged','ptph','trial_preparation',"
    "'trial','sentence')"
)


class Command(BaseCommand):
    help = "Compute every unit's capacity and resilience in bulk and print the time taken."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON document.")

    def handle(self, *args: Any, **options: Any) -> None:
        on = clock.today()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(_RAW_FACTS)
            raw_rows = len(cursor.fetchall())
        raw_seconds = time.perf_counter() - started
        started = time.perf_counter()
        results = reports.unit_reports(Unit.objects.all(), on=on)
        seconds = time.perf_counter() - started
        units: list[dict[str, Any]] = [
            {
                "unit": r.unit.code,
                "open_cases": r.open_cases,
                "staff": r.total.headcount,
                "capacity_percent": r.total.percent,
                "points_per_fte": float(r.points_per_fte) if r.points_per_fte is not None else None,
                "findings": len(r.findings),
            }
            for r in results
        ]
        summary = {
            "on": on.isoformat(),
            "units": len(units),
            "open_cases": sum(u["open_cases"] for u in units),
            "seconds": round(seconds, 3),
            "raw_sql_seconds": round(raw_seconds, 3),
            "raw_sql_rows": raw_rows,
            "ratio_to_raw_sql": round(seconds / raw_seconds, 1) if raw_seconds else None,
            "database": connection.vendor,
        }
        if options["json"]:
            self.stdout.write(json.dumps({**summary, "by_unit": units}, indent=2))
            return
        for u in units:
            self.stdout.write(
                f"{u['unit']:<28} {u['open_cases']:>7} cases {u['staff']:>4} staff "
                f"capacity {u['capacity_percent'] if u['capacity_percent'] is not None else '–':>4}% "
                f"findings {u['findings']}"
            )
        self.stdout.write(
            f"{summary['units']} units, {summary['open_cases']} open cases in {summary['seconds']}s "
            f"(raw SQL read of the same facts {summary['raw_sql_seconds']}s, ratio {summary['ratio_to_raw_sql']}×)"
        )
