"""National oversight dashboard at scale, on a throwaway SQLite database.

    uv run python benchmarks/oversight_dashboard.py [CASES [WORKDIR]]   (default 100,000 cases)

Loads CASES cases spread over every unit (bulk inserts, not the audited services: this measures
reads), each with 3 deadlines, 4 current assurance verdicts and one closed one, and a custody clock
on every tenth case. Then, as an HQ analyst, times the national dashboard view in-process (selectors,
aggregates and template rendering) and, as the baseline in the same run, the very SQL statements
that view issued, executed directly on the connection. Prints JSON with both medians and the ratio.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time


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
    from django.test.utils import CaptureQueriesContext

    from casework.people.choices import RoleCode
    from casework.people.models import Role, User

    call_command("migrate", verbosity=0)
    load_seconds = 0.0 if reuse else load(total)
    hq, _ = User.objects.get_or_create(username="bench.hq", defaults={"first_name": "Bench"})
    hq.roles.set(Role.objects.filter(code=RoleCode.HQ_ANALYST))
    hq = User.objects.get(pk=hq.pk)

    from casework.oversight import views

    request_factory = RequestFactory()

    def view_once() -> float:
        request = request_factory.get("/oversight/")
        request.user = hq
        started = time.perf_counter()
        response = views.dashboard(request)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed

    with CaptureQueriesContext(connection) as captured:
        view_once()  # warm-up, and the statements to replay
    statements = [q["sql"] for q in captured.captured_queries]

    def raw_once() -> float:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
        return time.perf_counter() - started

    slowest = []
    with connection.cursor() as cursor:
        for sql in statements:
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            slowest.append((time.perf_counter() - started, sql[:160]))
    slowest.sort(reverse=True)

    runs = 5
    view_times = [view_once() for _ in range(runs)]
    raw_times = [raw_once() for _ in range(runs)]
    view_median, raw_median = statistics.median(view_times), statistics.median(raw_times)
    print(
        json.dumps(
            {
                "benchmark": "oversight national dashboard",
                "database": str(connection.settings_dict["NAME"]),
                "vendor": connection.vendor,
                "cases": total,
                "load_seconds": round(load_seconds, 1),
                "queries_per_view": len(statements),
                "runs": runs,
                "view_median_seconds": round(view_median, 4),
                "raw_sql_median_seconds": round(raw_median, 4),
                "ratio_view_to_raw_sql": round(view_median / raw_median, 2) if raw_median else None,
                "target": "view under 1 s and under 3x the raw SQL",
                "slowest_statements": [{"seconds": round(t, 4), "sql": sql} for t, sql in slowest[:4]],
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
