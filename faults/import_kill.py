"""kill -9 during `casework import`, then re-run: nothing lost, nothing twice, every row audited."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from faults.csvgen import write_import_files
from faults.report import ScenarioResult
from faults.workspace import PYTHON, ROOT, Workspace, verify_summary

PREFIX = "42FD"
KILL_AFTER_BATCHES = 2


def _kill_mid_run(ws: Workspace, files: list[Path], batch_size: int, timeout: float) -> dict[str, object]:
    """Start the import, wait for KILL_AFTER_BATCHES progress lines, then SIGKILL it while the next
    batch is in flight."""
    args = [PYTHON, "-m", "casework.cli", "import", *map(str, files), "--unit", "ccu-wessex",
            "--batch-size", str(batch_size)]  # fmt: skip
    process = subprocess.Popen(args, env=ws.env(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        if "committed" in line:
            seen.append(line.strip())
            if len(seen) >= KILL_AFTER_BATCHES:
                time.sleep(0.3)  # into the next batch's transaction
                os.kill(process.pid, signal.SIGKILL)
                break
        if time.monotonic() > deadline:
            break
    process.wait(timeout=30)
    return {"progress_before_kill": seen, "returncode": process.returncode}


def run(ws: Workspace, *, count: int, batch_size: int) -> ScenarioResult:
    result = ScenarioResult(name="kill-9-during-import", backend=ws.backend)
    files = write_import_files(ws.var_dir / "import", count=count, prefix=PREFIX)
    result.evidence["file"] = {"cases": count, "rows": files.rows, "batch_size": batch_size}

    killed = _kill_mid_run(ws, files.paths, batch_size, timeout=600)
    result.evidence["kill"] = killed
    result.check("killed by SIGKILL mid-run", killed["returncode"] == -signal.SIGKILL, killed["returncode"])
    after_kill = ws.probe("import-state", PREFIX)
    committed = after_kill["runs"][-1]["last_committed_group"] if after_kill["runs"] else 0
    result.evidence["after_kill"] = {k: v for k, v in after_kill.items() if k != "runs"} | {"runs": after_kill["runs"]}
    result.check(
        "only whole batches survived the kill (cases == last committed group)",
        after_kill["cases"] == committed and 0 < committed < count,
        f"cases={after_kill['cases']} last_committed_group={committed}",
    )

    started = time.monotonic()
    rerun = ws.casework("import", *map(str, files.paths), "--unit", "ccu-wessex", "--batch-size", str(batch_size),
                        timeout=900)  # fmt: skip
    result.evidence["rerun_seconds"] = round(time.monotonic() - started, 1)
    result.evidence["rerun_output_tail"] = rerun.stdout.strip().splitlines()[-1:]
    state = ws.probe("import-state", PREFIX)
    result.evidence["final"] = state
    runs = state["runs"]
    result.check(
        "re-run resumed the interrupted run (one run, completed)",
        len(runs) == 1 and runs[0]["status"] == "completed",
        runs,
    )
    result.check("case count equals distinct URNs in the file", state["cases"] == len(set(files.urns)),
                 f"{state['cases']} of {len(set(files.urns))}")  # fmt: skip
    result.check("no duplicate natural keys", state["duplicate_urns"] == 0 and state["duplicate_defendants"] == 0,
                 f"urns={state['duplicate_urns']} defendants={state['duplicate_defendants']}")  # fmt: skip
    parts = {"defendants": state["defendants"], "charges": state["charges"], "hearings": state["hearings"]}
    expected_parts = {key: files.rows[key] for key in parts}
    result.check("every part row imported once", parts == expected_parts, f"{parts} expected {expected_parts}")
    result.check(
        "one collect event per imported row, none twice",
        state["collect_events"] == files.total_rows and state["subjects_collected_twice"] == 0,
        f"collect={state['collect_events']} rows={files.total_rows} twice={state['subjects_collected_twice']}",
    )
    report = ws.verify()
    result.evidence["verify"] = verify_summary(report)
    result.check("audit verify intact", report["intact"], verify_summary(report))
    return result
