"""National oversight dashboard at scale, on a SQLite database.

    uv run python benchmarks/oversight_dashboard.py [CASES [WORKDIR]]   (default 100,000 cases)

Without WORKDIR, loads CASES synthetic cases into a throwaway database (bulk inserts, not the
audited services: this measures reads), each with 3 deadlines, 4 current assurance verdicts and one
closed one, and a custody clock on every tenth case. With WORKDIR, migrates and uses the database
already there (it WRITES compliance tallies and audit events into it: point it at a copy).

Then, as an HQ analyst, in one run:
1. refresh: times services.refresh_compliance_tallies (the scheduled job that aggregates every unit);
2. server time: the national dashboard view in-process (selectors, tally read, template rendering),
   reading the tallies just written;
3. baseline A, raw SQL over the tally table: the very statements that view issued, replayed on the
   connection (what the page costs beyond its SQL);
4. baseline B, raw SQL over the base tables: the statements that compute the same figures live
   (dashboard(live=True)), replayed on the connection (what the page would cost without tallies).
Prints JSON with the medians and both ratios.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _replay(statements: list[str]) -> Callable[[], float]:
    from django.db import connection

    def run() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
        return time.perf_counter() - started

    return run


def _captured(action: Callable[[], Any]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        action()
    # Only reads are replayed (the view writes nothing; a session touch would be an UPDATE).
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def _median(run: Callable[[], float], runs: int) -> tuple[float, list[float]]:
    times = [run() for _ in range(runs)]
    return statistics.median(times), times


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    reuse = len(sys.argv) > 2
    workdir = sys.argv[2] if reuse else tempfile.mkdtemp(prefix="casework-oversight-bench-")
    os.environ["CASEWORK_VAR_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ["STATIC_MANIFEST"] = "false"  # nothing is collected in a throwaway run
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory

    from casework.cases.models import Case
    from casework.oversight import dashboard as reads
    from casework.oversight import views
    from casework.oversight.scope import resolve_scope
    from casework.oversight.services import refresh_compliance_tallies
    from casework.people.choices import RoleCode
    from casework.people.models import Role, User

    call_command("migrate", verbosity=0)
    load_seconds = 0.0 if reuse else load(total)
    cases = Case.objects.count()
    hq, _ = User.objects.get_or_create(username="bench.hq", defaults={"first_name": "Bench"})
    hq.roles.set(Role.objects.filter(code=RoleCode.HQ_ANALYST))
    hq = User.objects.get(pk=hq.pk)
    scope = resolve_scope(user=hq)

    refresh_runs = int(os.environ.get("BENCH_REFRESH_RUNS", "3"))
    refresh_times = []
    for _ in range(refresh_runs):
        started = time.perf_counter()
        refresh = refresh_compliance_tallies(actor=None)
        refresh_times.append(time.perf_counter() - started)

    request_factory = RequestFactory()

    def view_once() -> float:
        request = request_factory.get("/oversight/")
        request.user = hq
        started = time.perf_counter()
        response = views.dashboard(request)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        assert b"Figures as at" in response.content  # read from the tallies, not computed live
        return elapsed

    tally_statements = _captured(view_once)  # also the warm-up
    base_statements = _captured(lambda: reads.dashboard(user=hq, scope=scope, live=True))

    runs = int(os.environ.get("BENCH_RUNS", "7"))
    view_median, view_times = _median(view_once, runs)
    tally_sql_median, _ = _median(_replay(tally_statements), runs)
    base_runs = max(3, runs // 2)  # each base-table replay takes seconds
    base_sql_median, base_times = _median(_replay(base_statements), base_runs)
    load_average = os.getloadavg()
    print(
        json.dumps(
            {
                "benchmark": "oversight national dashboard (tally-backed)",
                "database": str(connection.settings_dict["NAME"]),
                "vendor": connection.vendor,
                "cases": cases,
                "load_seconds": round(load_seconds, 1),
                "load_average_1_5_15": [round(x, 2) for x in load_average],
                "refresh_runs": refresh_runs,
                "refresh_median_seconds": round(statistics.median(refresh_times), 3),
                "refresh_seconds": [round(t, 3) for t in refresh_times],
                "tally_rows": refresh.rows,
                "runs": runs,
                "queries_per_view": len(tally_statements),
                "view_median_seconds": round(view_median, 4),
                "view_seconds": [round(t, 4) for t in view_times],
                "raw_sql_over_tallies_median_seconds": round(tally_sql_median, 4),
                "ratio_view_to_raw_sql_over_tallies": round(view_median / tally_sql_median, 2),
                "base_statements": len(base_statements),
                "raw_sql_over_base_tables_median_seconds": round(base_sql_median, 4),
                "raw_sql_over_base_tables_seconds": [round(t, 4) for t in base_times],
                "ratio_view_to_raw_sql_over_base_tables": round(view_median / base_sql_median, 4),
                "target": "view under 1 s and under 3x the raw SQL",
            },
            indent=2,
        )
    )


def load(total: int) -> float:
    """Bulk-load a synthetic register (no audit events: this benchmark measures reads)."""
    from django.db import transaction

    from casework.assurance.models import AssuranceRule, VerdictPeriod
    from casework.cases.choices import Stage
    from casework.cases.models import AcceptanceCriterion, Case, Charge, Defendant
    from casework.core import clock
    from casework.people.models import Unit
    from casework.progression.models import CustodyClock, Deadline

    started = time.perf_counter()
    now, today = clock.now(), clock.today()
    stamp = {"created_at": now, "updated_at": now}
    units = list(Unit.objects.values_list("pk", flat=True))
    criteria = list(AcceptanceCriterion.objects.values_list("pk", flat=True)) or [None]
    rules = list(AssuranceRule.objects.order_by("code")[:4])
    stages = [Stage.PRE_CHARGE, Stage.CHARGED, Stage.PTPH, Stage.TRIAL_PREPARATION, Stage.FINALISED]
    batch = 5000
    for offset in range(0, total, batch):
        with transaction.atomic():
            cases = Case.objects.bulk_create(
                Case(
                    urn=f"99BM{n:07d}",
                    operation_name=f"Operation {n}",
                    unit_id=units[n % len(units)],
                    acceptance_criterion_id=criteria[n % len(criteria)],
                    stage=stages[n % len(stages)],
                    stage_changed_at=now,
                    **stamp,
                )
                for n in range(offset, min(offset + batch, total))
            )
            Deadline.objects.bulk_create(
                Deadline(
                    case=case,
                    key=f"d{k}",
                    title=f"Deadline {k}",
                    due_on=today + dt.timedelta(days=(case.pk % 60) - 30 + k),
                    status=("met", "missed", "open")[(case.pk + k) % 3],
                    **stamp,
                )
                for case in cases
                for k in range(3)
            )
            VerdictPeriod.objects.bulk_create(
                [
                    VerdictPeriod(
                        case=case,
                        rule=rule,
                        rule_code=rule.code,
                        outcome=("met", "not_met", "na", "waived", "exempt")[(case.pk + i) % 5],
                        reason="Synthetic",
                        valid_from=now - dt.timedelta(days=case.pk % 300),
                    )
                    for case in cases
                    for i, rule in enumerate(rules)
                ]
                + [
                    VerdictPeriod(
                        case=case,
                        rule=rules[0],
                        rule_code=rules[0].code,
                        outcome="not_met",
                        reason="Synthetic history",
                        valid_from=now - dt.timedelta(days=400),
                        valid_to=now - dt.timedelta(days=case.pk % 300),
                    )
                    for case in cases
                ]
            )
            remanded = [case for case in cases if case.pk % 10 == 0]
            defendants = Defendant.objects.bulk_create(
                Defendant(case=case, first_names="Sam", last_name=f"Bench{case.pk}", **stamp) for case in remanded
            )
            charges = Charge.objects.bulk_create(
                Charge(defendant=d, offence="Conspiracy to defraud", classification="indictable", **stamp)
                for d in defendants
            )
            CustodyClock.objects.bulk_create(
                CustodyClock(
                    charge=charge,
                    case_id=defendant.case_id,
                    initial_regime="indictable",
                    status=("running", "paused", "expired")[defendant.case_id % 3],
                    expires_on=today + dt.timedelta(days=(defendant.case_id % 90) - 20),
                    **stamp,
                )
                for defendant, charge in zip(defendants, charges, strict=True)
            )
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
