"""The throwaway PostgreSQL server that scripts/with-postgres.sh started: per-scenario databases
cloned from a template, and a stop/start of the server itself for the outage drill.

The server is found from DATABASE_URL alone (its data directory and version come from SQL), so
the server set-up stays in one place, with-postgres.sh.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def clone_database(template_url: str, name: str) -> str:
    """A new database copied from the template (which must have no open connections)."""
    with _admin(template_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database_name(template_url)}"')
    return with_database(template_url, name)


@dataclass
class Server:
    data_dir: Path
    pg_ctl: Path
    run_as: list[str]

    @classmethod
    def from_url(cls, url: str) -> Server:
        with psycopg.connect(url, autocommit=True) as conn:
            data_dir = Path(str(conn.execute("SHOW data_directory").fetchone()[0]))  # type: ignore[index]
            version = int(str(conn.execute("SHOW server_version_num").fetchone()[0]))  # type: ignore[index]
        pg_bin = Path(os.environ.get("PG_BIN") or f"/usr/lib/postgresql/{version // 10000}/bin")
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return cls(data_dir=data_dir, pg_ctl=pg_bin / "pg_ctl", run_as=run_as)

    def _options(self) -> str:
        """The options the server was started with (postmaster.opts), minus the data directory."""
        words = shlex.split((self.data_dir / "postmaster.opts").read_text())[1:]
        kept: list[str] = []
        skip = False
        for word in words:
            if skip:
                skip = False
            elif word == "-D":
                skip = True
            else:
                kept.append(word)
        return shlex.join(kept)

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.run_as, str(self.pg_ctl), "-D", str(self.data_dir), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def durable(self) -> None:
        """Restart with every durability setting on (the throwaway server runs with fsync off for
        speed): the crash drill must show what a real deployment keeps."""
        options = f"{self._options()} -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
        self._ctl("-m", "fast", "-w", "stop")
        self._ctl("-l", str(self.data_dir.parent / "server.log"), "-w", "-t", "60", "-o", options, "start")

    def _postmaster_pid(self) -> int:
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])

    def crash(self, seconds: float) -> dict[str, float]:
        """kill -9 of the postmaster (no shutdown checkpoint, no goodbye to clients), stay down,
        start again: PostgreSQL replays its write-ahead log (crash recovery)."""
        options = self._options()
        pid = self._postmaster_pid()
        started = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        # The backends notice their postmaster has gone and exit; until they do, a new server
        # would find the old shared memory still in use.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _running(self.data_dir):
            time.sleep(0.2)
        killed = time.monotonic()
        time.sleep(seconds)
        for attempt in range(10):
            try:
                self._ctl("-l", str(self.data_dir.parent / "server.log"), "-w", "-t", "120", "-o", options, "start")
                break
            except subprocess.CalledProcessError:
                if attempt == 9:
                    raise
                time.sleep(1)
        return {
            "postmaster_pid": pid,
            "backends_gone_seconds": round(killed - started, 2),
            "down_seconds": round(time.monotonic() - killed, 2),
        }

    def outage(self, seconds: float) -> dict[str, float]:
        """Stop the server (fast: sessions are cut, open transactions roll back), stay down, start again."""
        options = self._options()
        started = time.monotonic()
        self._ctl("-m", "fast", "-w", "stop")
        stopped = time.monotonic()
        time.sleep(seconds)
        self._ctl("-l", str(self.data_dir.parent / "server.log"), "-w", "-t", "60", "-o", options, "start")
        return {"stop_seconds": round(stopped - started, 2), "down_seconds": round(time.monotonic() - stopped, 2)}


def _running(data_dir: Path) -> bool:
    """Whether any process still runs PostgreSQL on this data directory (orphaned backends included)."""
    done = subprocess.run(["pgrep", "-f", f"postgres.*{data_dir}"], capture_output=True, check=False)
    if done.returncode == 0:
        return True
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "postgres:" in command and (entry / "cwd").resolve() == data_dir:
            return True
    return False
