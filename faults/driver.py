"""Run the fault drills of one phase and write its JSON report (scripts/faults.sh runs both).

    python -m faults.driver sqlite --out test-artifacts/faults
    scripts/with-postgres.sh python -m faults.driver postgresql --out test-artifacts/faults
    python -m faults.driver merge --out test-artifacts/faults

Each scenario gets its own copy of a template installation (migrated, small demo data set), so
scenarios cannot disturb each other and the slow set-up is paid once per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from faults import concurrent, disk_full, import_kill, outage
from faults.pg import clone_database
from faults.report import ScenarioResult, format_result, merge_reports, write_report
from faults.workspace import ROOT, Workspace

PHASES = ("sqlite", "postgresql")
DEMO_CASES = int(os.environ.get("FAULTS_DEMO_CASES", "30"))
IMPORT_CASES = int(os.environ.get("FAULTS_IMPORT_CASES", "1500"))
IMPORT_BATCH = int(os.environ.get("FAULTS_IMPORT_BATCH", "150"))
RACE_ROUNDS = int(os.environ.get("FAULTS_RACE_ROUNDS", "20"))


def build_template(ws: Workspace) -> dict[str, float]:
    ws.var_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    ws.casework("migrate", "-v0", timeout=600)
    migrated = time.monotonic()
    ws.casework("load_demo", "--cases", str(DEMO_CASES), "--seed", "2026", "-v0", timeout=600)
    return {"migrate_seconds": round(migrated - started, 1), "load_demo_seconds": round(time.monotonic() - migrated, 1)}


def restore_drill(ws: Workspace, work: Path) -> ScenarioResult:
    """scripts/restore-drill.sh on this scenario's copy; its JSON line is the evidence."""
    result = ScenarioResult(name="backup-restore-drill", backend=ws.backend)
    report_path = work / f"restore-{ws.backend}.jsonl"
    env = ws.env(DRILL_REPORT=str(report_path), PYTHON=sys.executable)
    done = subprocess.run([str(ROOT / "scripts/restore-drill.sh"), ws.backend], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900, check=False)  # fmt: skip
    result.evidence["output"] = done.stdout.strip().splitlines()[-12:]
    if done.returncode != 0:
        result.evidence["stderr"] = done.stderr[-1500:]
    summary = json.loads(report_path.read_text().splitlines()[-1]) if report_path.exists() else {}
    result.evidence["drill"] = summary
    result.check("restore-drill.sh exit status 0", done.returncode == 0, done.returncode)
    result.check(
        "restored trail intact against the exported checkpoints, no event lost",
        summary.get("intact") == "True" and summary.get("events_before") == summary.get("events_after"),
        f"events {summary.get('events_before')} -> {summary.get('events_after')}, "
        f"checkpoint checks {summary.get('checkpoint_checks')}, {summary.get('extra')}",
    )
    result.check("standalone verifier accepts the export", summary.get("standalone") == "ok", summary.get("standalone"))
    return result


Scenario = tuple[str, Callable[[Workspace, Path], ScenarioResult]]


def scenarios(phase: str) -> list[Scenario]:
    common: list[Scenario] = [
        ("kill-9-during-import", lambda ws, work: import_kill.run(ws, count=IMPORT_CASES, batch_size=IMPORT_BATCH)),
        ("concurrent-edits-one-case", lambda ws, work: concurrent.run(ws, rounds=RACE_ROUNDS)),
        ("concurrent-edits-one-case-http", lambda ws, work: concurrent.run_http(ws, work, rounds=RACE_ROUNDS)),
        ("backup-restore-drill", restore_drill),
    ]
    if phase == "sqlite":
        return [
            *common[:3],
            ("disk-full-sqlite", lambda ws, work: disk_full.run(ws, work)),
            ("disk-full-during-import-sqlite", disk_full.run_import),
            common[3],
        ]
    return [
        *common[:3],
        ("postgresql-restart-under-load", outage.run),
        ("postgresql-crash-under-load", outage.run_crash),
        common[3],
    ]


def run_phase(phase: str, out: Path, only: set[str]) -> bool:
    database_url = os.environ.get("DATABASE_URL", "") if phase == "postgresql" else ""
    if phase == "postgresql" and not database_url:
        print("faults: the postgresql phase needs DATABASE_URL (run it under scripts/with-postgres.sh)")
        return False
    results: list[ScenarioResult] = []
    with tempfile.TemporaryDirectory(prefix=f"casework-faults-{phase}-") as tmp:
        work = Path(tmp)
        template = Workspace(var_dir=work / "template", database_url=database_url)
        started = time.monotonic()
        setup = build_template(template)
        print(f"faults[{phase}]: template ready ({setup}; {time.monotonic() - started:.0f}s)", flush=True)
        for number, (name, scenario) in enumerate(scenarios(phase)):
            if only and name not in only:
                continue
            scenario_dir = work / f"s{number}-{name}"
            scenario_dir.mkdir()
            url = clone_database(database_url, f"faults_{number}") if database_url else ""
            ws = template.clone(scenario_dir / "var", url)
            began = time.monotonic()
            try:
                result = scenario(ws, scenario_dir)
            except Exception as error:  # a crashed scenario is a failed scenario, with its reason
                result = ScenarioResult(name=name, backend=phase, error=f"{type(error).__name__}: {error}")
                result.evidence["traceback"] = traceback.format_exc()[-3000:]
            result.seconds = round(time.monotonic() - began, 1)
            result.evidence.setdefault("load_average_at_end", [round(x, 2) for x in os.getloadavg()])
            print(format_result(result), flush=True)
            results.append(result)
        report = write_report(out / f"{phase}.json", results, phase=phase)
        report["template_setup"] = setup
    return bool(report["passed"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="faults.driver")
    parser.add_argument("phase", choices=[*PHASES, "merge"])
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "faults")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args(argv)
    if args.phase == "merge":
        report = merge_reports([args.out / f"{phase}.json" for phase in PHASES], args.out / "report.json")
        for name, verdict in report["summary"].items():
            print(f"{verdict} {name}")
        for missing in report["missing_phases"]:
            print(f"FAIL phase report missing: {missing}")
        print(f"faults: {'PASS' if report['passed'] else 'FAIL'}; report: {args.out / 'report.json'}")
        return 0 if report["passed"] else 1
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    return 0 if run_phase(args.phase, args.out, only) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
