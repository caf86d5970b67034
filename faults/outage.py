"""PostgreSQL stopped and started under load: gunicorn (`casework serve`) keeps serving, API
writers keep editing cases. During the outage every answer is a clean 503 (JSON, Retry-After,
no traceback); afterwards the service recovers without a restart; every acknowledged write is
in the database with its audit event; no change exists without its event; the chain verifies.

Two faults: a clean fast stop (`run`), and a crash (`run_crash`): kill -9 of the postmaster with
fsync, synchronous commit and full-page writes on, so crash recovery must give back every write
the API acknowledged.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from faults.pg import Server
from faults.report import ScenarioResult
from faults.workspace import PYTHON, ROOT, Workspace, verify_summary

WRITER_USER = "auto"  # a manager of the busiest unit (faults.probe.editor)
WRITERS = 2
CASES_PER_WRITER = 3
BEFORE_SECONDS = 4.0
OUTAGE_SECONDS = 3.0
AFTER_SECONDS = 6.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Outcomes:
    acked: list[list[Any]] = field(default_factory=list)  # [case_id, value, monotonic time]
    refused: list[list[Any]] = field(default_factory=list)  # [case_id, value]: clean error, not written
    unknown: list[list[Any]] = field(default_factory=list)  # [case_id, value]: no answer (may have committed)
    statuses: Counter[str] = field(default_factory=Counter)
    unclean: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Writer(threading.Thread):
    def __init__(self, base: str, token: str, cases: dict[str, int], stop: threading.Event, out: Outcomes, n: int):
        super().__init__(daemon=True)
        self.base, self.token, self.versions, self.stop, self.out, self.n = base, token, dict(cases), stop, out, n

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, str, str, str]:
        request = urllib.request.Request(  # noqa: S310 - the drill's own http://127.0.0.1 server
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - http to our own server
                return response.status, response.headers.get("Content-Type", ""), "", response.read().decode()
        except urllib.error.HTTPError as error:
            body_text = error.read().decode(errors="replace")
            return error.code, error.headers.get("Content-Type", ""), error.headers.get("Retry-After", ""), body_text

    def _refresh(self, case_id: str) -> None:
        status, _, _, body = self._call("GET", f"/api/v1/cases/{case_id}")
        if status == 200:
            self.versions[case_id] = json.loads(body)["version"]

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            for case_id in self.versions:
                number += 1
                value = f"outage drill writer {self.n} write {number}"
                try:
                    status, ctype, retry, body = self._call(
                        "PATCH", f"/api/v1/cases/{case_id}", {"summary": value, "version": self.versions[case_id]}
                    )
                except OSError as error:  # no HTTP answer at all: the write's fate is unknown
                    with self.out.lock:
                        self.out.statuses["no-answer"] += 1
                        self.out.unknown.append([int(case_id), value])
                        self.out.unclean.append({"status": "no-answer", "error": str(error)[:200]})
                    time.sleep(0.2)
                    continue
                with self.out.lock:
                    self.out.statuses[str(status)] += 1
                    if status == 200:
                        self.out.acked.append([int(case_id), value, time.monotonic()])
                    else:
                        self.out.refused.append([int(case_id), value, status])
                    clean = status in (200, 409) or (
                        status == 503 and "json" in ctype and retry and "Traceback" not in body
                    )
                    if not clean:
                        self.out.unclean.append({"status": status, "type": ctype, "body": body[:200]})
                if status == 200:
                    self.versions[case_id] = json.loads(body)["version"]
                else:
                    time.sleep(0.1)
                    with contextlib.suppress(OSError):
                        self._refresh(case_id)


def _serve(ws: Workspace, port: int, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "casework.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--",
            "--timeout",
            "60",
        ],
        env=ws.env(LOG_LEVEL="WARNING"),
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(base: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5):  # noqa: S310
                return True
        except OSError:
            time.sleep(0.3)
    return False


def run(ws: Workspace, work: Path) -> ScenarioResult:
    return _under_load(ws, work, "postgresql-restart-under-load", lambda server: server.outage(OUTAGE_SECONDS))


def run_crash(ws: Workspace, work: Path) -> ScenarioResult:
    server = Server.from_url(ws.database_url)
    server.durable()
    with psycopg.connect(ws.database_url, autocommit=True) as conn:
        settings = {name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                    for name in ("fsync", "synchronous_commit", "full_page_writes")}  # fmt: skip
    result = _under_load(ws, work, "postgresql-crash-under-load", lambda s: s.crash(OUTAGE_SECONDS))
    result.evidence["durability_settings"] = settings
    durable = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
    result.check("fsync, synchronous_commit and full_page_writes on during the crash", settings == durable, settings)
    return result


def _under_load(ws: Workspace, work: Path, name: str, fault: Callable[[Server], dict[str, Any]]) -> ScenarioResult:
    result = ScenarioResult(name=name, backend="postgresql")
    server = Server.from_url(ws.database_url)
    setup = ws.probe("api-token", WRITER_USER, str(WRITERS * CASES_PER_WRITER))
    case_ids = list(setup["cases"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work / "outage-gunicorn.log"
    web = _serve(ws, port, log)
    out, stop = Outcomes(), threading.Event()
    try:
        if not result.check("gunicorn ready", _wait_ready(base, 90), base):
            return result
        writers = [
            Writer(base, setup["token"], {c: setup["cases"][c] for c in case_ids[i::WRITERS]}, stop, out, i)
            for i in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        time.sleep(BEFORE_SECONDS)
        acked_before = len(out.acked)
        timing = fault(server)
        back_at = time.monotonic()
        with out.lock:
            during = dict(out.statuses)
        time.sleep(AFTER_SECONDS)
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
        acked_after = [a for a in out.acked if a[2] > back_at]
        recovery = round(acked_after[0][2] - back_at, 2) if acked_after else None
        result.evidence.update(
            outage=timing, statuses=dict(out.statuses), statuses_until_restart=during,
            acked_before_outage=acked_before, acked_total=len(out.acked), acked_after_restart=len(acked_after),
            first_ack_after_restart_seconds=recovery, unclean_examples=out.unclean[:5],
        )  # fmt: skip
        result.check("writes acknowledged before the outage", acked_before > 0, acked_before)
        errors = sum(n for status, n in out.statuses.items() if status not in ("200", "409"))
        result.check("the outage was observed (error answers)", errors > 0, f"{errors} non-2xx answers")
        result.check("every error answer was a clean 503 (JSON, Retry-After, no traceback)", not out.unclean,
                     f"{len(out.unclean)} unclean; e.g. {out.unclean[:1]}")  # fmt: skip
        result.check("service recovered without a restart", len(acked_after) > 0 and web.poll() is None,
                     f"{len(acked_after)} writes acknowledged after restart; first after {recovery}s")  # fmt: skip
    finally:
        stop.set()
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
    spec = {"baseline_seq": setup["baseline_seq"], "cases": setup["cases"],
            "acked": [a[:2] for a in out.acked], "refused": out.refused}  # fmt: skip
    spec_path = work / "outage-writes.json"
    spec_path.write_text(json.dumps(spec))
    writes = ws.probe("writes-check", str(spec_path))
    result.evidence["writes"] = {k: v for k, v in writes.items() if k != "per_case"}
    result.check("every acknowledged write is present", writes["acked_missing"] == 0,
                 f"{writes['acked'] - writes['acked_missing']}/{writes['acked']}")  # fmt: skip
    # A write cut off during COMMIT may have committed although its caller got a 503 (the 503 says
    # so); those are counted as evidence, not failures. A change without its audit event would be.
    result.check("no partial writes: each version change has exactly its audit event",
                 writes["version_bumps_without_event"] == 0 and writes["current_value_not_last_event"] == 0,
                 {k: writes[k] for k in ("version_bumps_without_event", "current_value_not_last_event",
                                         "refused_present")})  # fmt: skip
    report = ws.verify()
    result.check("audit verify intact", report["intact"], verify_summary(report))
    return result
