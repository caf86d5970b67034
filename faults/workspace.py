"""A scenario's private installation: its own var dir (SQLite file, signing key, checkpoints) and,
on PostgreSQL, its own database. Commands run as child processes of the venv's Python directly
(never through `uv run`, whose child would survive a kill -9 of the wrapper)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
#: Settings that would point a scenario at someone else's files.
CLEARED = (
    "DATABASE_URL",
    "AUDIT_CHECKPOINT_DIR",
    "CASEWORK_AUDIT_CHECKPOINT_DIR",
    "AUDIT_SIGNING_KEY_FILE",
    "CASEWORK_AUDIT_SIGNING_KEY_FILE",
    "SECRET_KEY_FILE",
    "CASEWORK_DEMO_MODE",
)


class CommandFailed(RuntimeError):
    pass


@dataclass
class Workspace:
    var_dir: Path
    database_url: str = ""  # empty: SQLite at var_dir/casework.sqlite3

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "casework.sqlite3"

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in CLEARED}
        env.update(
            CASEWORK_VAR_DIR=str(self.var_dir),
            DJANGO_SETTINGS_MODULE="casework.settings",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            DEBUG="0",
            SECURE_HTTPS="0",
            STATIC_MANIFEST="0",
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            SECRET_KEY="fault-drill-only-" + "k" * 50,
            LOG_LEVEL="ERROR",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(extra)
        return env

    def command(self, module: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "-m", module, *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def casework(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = self.command("casework.cli", *args, timeout=timeout)
        if check and done.returncode != 0:
            raise CommandFailed(f"casework {' '.join(args)} exited {done.returncode}: {done.stderr[-1500:]}")
        return done

    def probe(self, *args: str, timeout: float = 300) -> dict[str, Any]:
        done = self.command("faults.probe", *args, timeout=timeout)
        if done.returncode != 0:
            raise CommandFailed(f"probe {' '.join(args)} exited {done.returncode}: {done.stderr[-1500:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def verify(self, *checkpoint_dirs: Path) -> dict[str, Any]:
        """`casework audit verify --json`; exit 1 (not intact) still gives a report to read."""
        extra = [arg for directory in checkpoint_dirs for arg in ("--checkpoints", str(directory))]
        done = self.casework("audit", "verify", "--json", *extra, check=False)
        if done.returncode not in (0, 1):
            raise CommandFailed(f"audit verify exited {done.returncode}: {done.stderr[-1500:]}")
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    def clone(self, var_dir: Path, database_url: str = "") -> Workspace:
        """A copy of this workspace's var dir (and SQLite file) for another scenario."""
        shutil.copytree(self.var_dir, var_dir, dirs_exist_ok=True)
        return Workspace(var_dir=var_dir, database_url=database_url)


def verify_summary(report: dict[str, Any]) -> str:
    return (
        f"intact={report.get('intact')} events={report.get('events_checked')} "
        f"checkpoints={len(report.get('checkpoints') or [])} first_broken_seq={report.get('first_broken_seq')}"
    )
