"""The throwaway PostgreSQL server that scripts/with-postgres.sh started: per-scenario databases
cloned from a template, and a stop/start of the server itself for the outage drill.

The server is found from DATABASE_URL alone (its data directory and version come from SQL), so
the server set-up stays in one place, with-postgres.sh.
"""

from __future__ import annotations

import os
import shlex
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

    def outage(self, seconds: float) -> dict[str, float]:
        """Stop the server (fast: sessions are cut, open transactions roll back), stay down, start again."""
        options = self._options()
        started = time.monotonic()
        self._ctl("-m", "fast", "-w", "stop")
        stopped = time.monotonic()
        time.sleep(seconds)
        self._ctl("-l", str(self.data_dir.parent / "server.log"), "-w", "-t", "60", "-o", options, "start")
        return {"stop_seconds": round(stopped - started, 2), "down_seconds": round(time.monotonic() - stopped, 2)}
