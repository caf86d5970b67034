"""Scale benchmarks, printed as one JSON report.

Every figure is measured in-process (server time: URL routing, views, templates, queries; no
network) next to a baseline measured in the same run: the raw SQL that reads or writes the same
rows (for pages, dashboards, exports and sweeps, a replay of the very SELECTs the subject issued),
and for the audit write path the same edits unaudited and audited by django-auditlog.

    uv run python benchmarks/run.py --cases 10000 --backend both          (what `make bench` runs)
    uv run python benchmarks/run.py --cases 100000 --backend sqlite --db /tmp/bench100k/casework.sqlite3 \\
        --audit-events 5000000

--backend postgres starts a throwaway server with scripts/with-postgres.sh unless DATABASE_URL is set;
--backend both runs SQLite then PostgreSQL and merges the two reports. A SQLite database is built
once (migrate + load_demo) and reused when --db points at an existing file. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ("import", "pages", "budget", "edits", "sweeps", "verify")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to build or reuse")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per page figure (at most)")
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per page figure before stopping early")
    parser.add_argument("--edits", type=int, default=100, help="timed edits per audit write path variant")
    parser.add_argument("--import-cases", type=int, default=500, help="cases in the generated import file")
    parser.add_argument("--audit-events", type=int, default=500_000, help="top the audit trail up to this many")
    parser.add_argument("--skip", default="", help=f"comma-separated sections to leave out: {', '.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    if args.backend == "both":
        report = {"runs": [_child(args, "sqlite"), _child(args, "postgres")]}
    elif args.backend == "postgres" and not os.environ.get("DATABASE_URL"):
        report = _child(args, "postgres")
    else:
        report = run(args)
    text = json.dumps(report, indent=2)
    print(text)
    out = args.out or HERE / "results" / f"bench-{args.backend}-{args.cases}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"written to {out}", file=sys.stderr)


def _child(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    """Run one backend in its own process (PostgreSQL inside a throwaway server) and read its report."""
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as scratch:
        out = Path(scratch) / "report.json"
        argv = [a for a in sys.argv[1:]]
        command = [sys.executable, str(HERE / "run.py"), *_without(argv, "--backend", "--out")]
        command += ["--backend", backend, "--out", str(out)]
        env = dict(os.environ)
        if backend == "postgres":
            command = [str(ROOT / "scripts" / "with-postgres.sh"), *command]
            env.pop("DATABASE_URL", None)
        else:
            env["DATABASE_URL"] = ""
        finished = subprocess.run(command, check=False, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
        if not out.exists():  # e.g. no PostgreSQL binaries: keep the other backend's report
            return {"backend": backend, "error": f"the {backend} run failed (exit {finished.returncode}); see stderr"}
        return json.loads(out.read_text())


def _without(argv: list[str], *options: str) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in options:
            skip = True
            continue
        if any(arg.startswith(f"{option}=") for option in options):
            continue
        kept.append(arg)
    return kept


def configure(backend: str, db_path: Path | None) -> str:
    """Point Django at the benchmark database, with django-auditlog installed for this process only."""
    if backend == "sqlite":
        if db_path is None:  # a throwaway database, removed when the run ends
            scratch = tempfile.mkdtemp(prefix="casework-bench-")
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
            db_path = Path(scratch) / "bench.sqlite3"
        db_path.parent.mkdir(parents=True, exist_ok=True)
        os.environ["CASEWORK_VAR_DIR"] = str(db_path.parent)
        os.environ["DATABASE_URL"] = ""
    elif "CASEWORK_VAR_DIR" not in os.environ:  # the secret key and checkpoints of a throwaway run
        scratch = tempfile.mkdtemp(prefix="casework-bench-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ["CASEWORK_VAR_DIR"] = scratch
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings_auditlog"
    os.environ.update(
        {"DEBUG": "0", "SECURE_HTTPS": "0", "STATIC_MANIFEST": "0", "LOG_LEVEL": "WARNING"}
        | {"ALLOWED_HOSTS": "testserver,127.0.0.1"}
    )
    sys.path[:0] = [str(HERE), str(ROOT / "src")]
    import django

    django.setup()
    from django.conf import settings

    if backend == "sqlite":
        settings.DATABASES["default"]["NAME"] = str(db_path)
        return str(db_path)
    return "PostgreSQL (throwaway server)"


def build(cases: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command

    from casework.cases.models import Case
    from measure import progress

    call_command("migrate", verbosity=0)  # includes django-auditlog's tables, for the peer benchmark
    if Case.objects.exists():
        return {"reused": True}
    progress(f"loading {cases:,} demo cases (once; a kept --db is reused)...")
    started = time.perf_counter()
    call_command("load_demo", cases=cases, seed=seed, stdout=sys.stderr)
    seconds = time.perf_counter() - started
    return {"reused": False, "load_demo_seconds": round(seconds, 1), "cases_per_second": round(cases / seconds, 1)}


def scale() -> dict[str, Any]:
    from django.db import connection

    from casework.audit.models import AuditEvent
    from casework.cases.models import Case, CaseDocument, Hearing

    return {
        "cases": Case.objects.count(),
        "hearings": Hearing.objects.count(),
        "documents": CaseDocument.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "vendor": connection.vendor,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    database = configure(args.backend, args.db)
    import audit_peer
    import page_budget
    import scenarios
    from casework.cases.models import Case
    from casework.people.models import User
    from measure import progress

    started = time.perf_counter()
    report: dict[str, Any] = {
        "backend": args.backend,
        "database": database,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "build": build(args.cases, args.seed),
        "figures": [],
    }
    report["audit_top_up"] = scenarios.audit_top_up(args.audit_events)
    report["scale"] = scale()
    progress(f"{args.backend}: {report['scale']}")

    def edits() -> list[dict[str, Any]]:
        manager = User.objects.get(username="manager.a")
        prosecutor = User.objects.get(username="prosecutor.a")
        case_id = Case.objects.filter(allocated_lawyer=prosecutor).values_list("pk", flat=True).first()
        return [audit_peer.audit_peer(manager, case_id, args.edits), scenarios.api_edit(args.edits, args.budget)]

    def import_then_recheck() -> list[dict[str, Any]]:
        return [scenarios.import_rate(args.import_cases), scenarios.recheck_rate()]

    sections: list[tuple[str, str, Any]] = [
        ("import", "import rate, then the worker's re-check of the imported cases", import_then_recheck),
        ("pages", "pages, dashboards and exports", lambda: scenarios.pages(args.repeat, args.budget)),
        ("budget", "page budget: every routed page as every role", lambda: [page_budget.measure()]),
        ("edits", "audit write path: ours, unaudited, django-auditlog; API edit against API GET", edits),
        ("sweeps", "sweeps (steady state)", scenarios.sweeps),
        ("verify", "audit verify", lambda: [scenarios.audit_verify()]),
    ]
    for key, title, measure_section in sections:
        if key in skip:
            continue
        progress(title)
        try:
            report["figures"].extend(measure_section())
        except Exception as error:  # one failing section is reported; the others still run
            progress(f"  {title} failed: {error!r}")
            report["figures"].append({"name": title, "error": f"{type(error).__name__}: {error}"[:300]})
        if args.out:  # a partial report survives an interrupted long run
            args.out.write_text(json.dumps(report | {"partial": True}, indent=2))
    budget = next((f for f in report["figures"] if f.get("name", "").startswith("page budget")), None)
    if budget is not None:  # the pages over budget head the report
        report = {"over_budget": budget["over_budget"], **report}
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["seconds"] = round(time.perf_counter() - started, 1)
    # CPU time of this process, build included: on a contended machine, the steadier measure of cost.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    progress(f"{args.backend} done in {report['seconds']} s")
    return report


if __name__ == "__main__":
    main()
