"""Disk full under the SQLite file: the write that does not fit is refused cleanly (503, no
traceback), nothing is half-written, the file and the audit chain stay sound, and writes work
again once space is freed.

Preferred: the var dir on a tiny tmpfs (needs root, as CI has). Otherwise SQLite's
max_page_count gives the same SQLITE_FULL error; the report says which was used.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

from faults.report import ScenarioResult
from faults.workspace import Workspace, verify_summary

WRITER = "auto"  # a manager of the busiest unit (faults.probe.editor)
HEADROOM_BYTES = 6 * 1024 * 1024
BALLAST_BYTES = 2 * 1024 * 1024
PAGE_HEADROOM = 1500  # pages of 4 KiB beyond the current size, for the max_page_count fallback


def integrity(path: Path) -> str:
    # closing(): sqlite3's own context manager commits but leaves the file open (and unmountable).
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def page_count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])


def mount_tmpfs(directory: Path, size_bytes: int) -> bool:
    directory.mkdir(parents=True, exist_ok=True)
    size_kib = size_bytes // 1024 + 1
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(directory)],
                          capture_output=True, check=False)  # fmt: skip
    return done.returncode == 0


def unmount(directory: Path) -> bool:
    done = subprocess.run(["umount", str(directory)], capture_output=True, check=False)
    if done.returncode != 0:  # something still holds a file there: try once more, lazily
        done = subprocess.run(["umount", "-l", str(directory)], capture_output=True, check=False)
    return done.returncode == 0


def _fill_checks(result: ScenarioResult, fill: dict[str, Any]) -> None:
    refusal = fill["refusal"]
    result.evidence["first_refusal"] = {k: v for k, v in (refusal or {}).items() if k != "value"}
    result.check("some writes succeeded before the disk filled", len(fill["acked"]) > 0, f"{len(fill['acked'])} acked")
    result.check("a write was refused when full", refusal is not None, "no refusal" if refusal is None else "")
    if refusal is None:
        return
    result.check(
        "the refusal is a clean 503 (JSON, no traceback)",
        refusal["status"] == 503 and "json" in refusal["content_type"] and not refusal["traceback_in_body"],
        f"status={refusal['status']} type={refusal['content_type']} body={refusal['body'][:120]!r}",
    )


def run(source: Workspace, work: Path) -> ScenarioResult:
    result = ScenarioResult(name="disk-full-sqlite", backend="sqlite")
    mountpoint = work / "tiny-fs"
    size = sum(p.stat().st_size for p in source.var_dir.rglob("*") if p.is_file()) + HEADROOM_BYTES
    mounted = mount_tmpfs(mountpoint, size)
    try:
        ws = source.clone(mountpoint)
        max_pages = 0
        if mounted:
            ballast = mountpoint / "ballast"
            ballast.write_bytes(b"\0" * BALLAST_BYTES)
            result.evidence["method"] = f"tmpfs of {size // 1024} KiB with a {BALLAST_BYTES // 1024} KiB ballast file"
        else:
            max_pages = page_count(ws.sqlite_path) + PAGE_HEADROOM
            result.evidence["method"] = f"PRAGMA max_page_count={max_pages} (tmpfs mount not permitted)"
        fill = ws.probe("fill", WRITER, "--max-pages", str(max_pages), "--tag", "fill", timeout=600)
        _fill_checks(result, fill)
        refused = [fill["refusal"]["value"]] if fill["refusal"] else []
        check_path = work / "disk-full-writes.json"
        spec = {"baseline_seq": 0, "cases": {str(fill["case_id"]): fill["start_version"]}, "acked": fill["acked"],
                "refused": refused}  # fmt: skip
        check_path.write_text(json.dumps(spec))
        writes = ws.probe("writes-check", str(check_path))
        result.evidence["writes_while_full"] = {k: v for k, v in writes.items() if k != "per_case"}
        result.check(
            "every acknowledged write present, the refused one absent, no unaudited change",
            writes["acked_missing"] == 0 and writes["refused_present"] == 0
            and writes["version_bumps_without_event"] == 0 and writes["current_value_not_last_event"] == 0,
            {k: writes[k] for k in ("acked", "acked_missing", "refused_present", "version_bumps_without_event")},
        )  # fmt: skip
        status = integrity(ws.sqlite_path)
        result.check("PRAGMA integrity_check while full", status == "ok", status)
        report = ws.verify()
        result.check("audit verify intact while full", report["intact"], verify_summary(report))

        if mounted:
            (mountpoint / "ballast").unlink()
        after = ws.probe("fill", WRITER, "--max-writes", "3", "--size", "2000", "--tag", "after", timeout=300)
        result.check(
            "writes work again once space is freed",
            len(after["acked"]) == 3 and after["refusal"] is None,
            f"{len(after['acked'])}/3 acked; refusal={after['refusal'] and after['refusal']['status']}",
        )
        status = integrity(ws.sqlite_path)
        report = ws.verify()
        result.check("integrity and audit chain after recovery", status == "ok" and report["intact"],
                     f"integrity={status}; {verify_summary(report)}")  # fmt: skip
    finally:
        if mounted and not unmount(mountpoint):
            result.check("tmpfs unmounted", False, str(mountpoint))
        shutil.rmtree(mountpoint, ignore_errors=True)
    return result


IMPORT_PREFIX = "42DF"
IMPORT_CASES = 1200


def run_import(source: Workspace, work: Path) -> ScenarioResult:
    """`casework import` fills the disk part way: the command ends with a message that says what
    happened, what was kept and what to do (no traceback); after space is freed the same command
    finishes the import with nothing twice and the chain intact."""
    from faults.csvgen import write_import_files

    result = ScenarioResult(name="disk-full-during-import-sqlite", backend="sqlite")
    mountpoint = work / "tiny-fs"
    # Room for the whole import once the ballast goes (the database roughly doubles).
    size = sum(p.stat().st_size for p in source.var_dir.rglob("*") if p.is_file()) * 2 + 64 * 1024 * 1024
    if not mount_tmpfs(mountpoint, size):
        result.check("tmpfs mounted (needs root, as CI has)", False, "mount not permitted: scenario cannot run")
        return result
    try:
        ws = source.clone(mountpoint)
        files = write_import_files(work / "import", count=IMPORT_CASES, prefix=IMPORT_PREFIX)
        room = shutil.disk_usage(mountpoint).free
        (mountpoint / "ballast").write_bytes(b"\0" * max(room - 1024 * 1024, 0))  # leave about 1 MiB
        args = ("import", *map(str, files.paths), "--unit", "ccu-wessex", "--batch-size", "100")
        full = ws.casework(*args, timeout=600, check=False)
        output = full.stdout + full.stderr
        result.evidence["full_run"] = {"returncode": full.returncode, "output_tail": output.strip().splitlines()[-3:]}
        result.check("the command failed (exit status not 0)", full.returncode != 0, full.returncode)
        result.check("no traceback, a message instead", "Traceback" not in output, output[-300:])
        result.check(
            "the message says the disk is full, what was kept and to run it again",
            "disk is full" in output and "run the same command again" in output,
            output.strip().splitlines()[-1:] if output.strip() else "",
        )
        status = integrity(ws.sqlite_path)
        result.check("PRAGMA integrity_check while full", status == "ok", status)
        (mountpoint / "ballast").unlink()
        again = ws.casework(*args, timeout=900, check=False)
        state = ws.probe("import-state", IMPORT_PREFIX)
        result.evidence["after_freeing_space"] = {"returncode": again.returncode, "cases": state["cases"],
                                                  "runs": state["runs"]}  # fmt: skip
        result.check("the re-run finished the import", again.returncode == 0 and state["cases"] == len(set(files.urns)),
                     f"exit {again.returncode}; {state['cases']} of {len(set(files.urns))} cases")  # fmt: skip
        result.check("nothing imported twice", state["duplicate_urns"] == 0 and state["subjects_collected_twice"] == 0,
                     f"urns={state['duplicate_urns']} twice={state['subjects_collected_twice']}")  # fmt: skip
        report = ws.verify()
        result.check("audit verify intact", report["intact"], verify_summary(report))
    finally:
        if not unmount(mountpoint):
            result.check("tmpfs unmounted", False, str(mountpoint))
        shutil.rmtree(mountpoint, ignore_errors=True)
    return result
