"""Scenario results: named checks with evidence, printed as PASS/FAIL and written as JSON."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class ScenarioResult:
    name: str
    backend: str
    checks: list[Check] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.checks) and all(check.ok for check in self.checks)

    def check(self, name: str, ok: bool, detail: Any = "") -> bool:
        self.checks.append(Check(name=name, ok=bool(ok), detail=str(detail)))
        return bool(ok)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def format_result(result: ScenarioResult) -> str:
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{verdict} {result.name} [{result.backend}] ({result.seconds:.1f}s)"]
    for check in result.checks:
        lines.append(f"    {'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    if result.error:
        lines.append(f"    ERROR {result.error}")
    return "\n".join(lines)


def machine_facts() -> dict[str, Any]:
    """Timings on a shared machine are noisy: record the load next to them."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in load], "python": platform.python_version()}


def write_report(path: Path, results: list[ScenarioResult], *, phase: str) -> dict[str, Any]:
    report = {
        "phase": phase,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_facts(),
        "passed": bool(results) and all(result.passed for result in results),
        "scenarios": [result.as_dict() for result in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))
    return report


def merge_reports(paths: list[Path], out: Path) -> dict[str, Any]:
    """One report from the phases' reports; a missing phase report counts as a failure."""
    scenarios: list[dict[str, Any]] = []
    missing = []
    for path in paths:
        if not path.exists():
            missing.append(path.name)
            continue
        scenarios.extend(json.loads(path.read_text())["scenarios"])
    report = {
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine_facts(),
        "missing_phases": missing,
        "passed": not missing and bool(scenarios) and all(s["passed"] for s in scenarios),
        "summary": {f"{s['name']}[{s['backend']}]": "PASS" if s["passed"] else "FAIL" for s in scenarios},
        "scenarios": scenarios,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    return report
