"""Browser tests: a real server on a throwaway SQLite database, driven by headless Chromium.

The server runs in a subprocess (gunicorn, production settings with HTTPS off), against a fresh
database holding the deterministic demo data. pytest-django's live_server is not used: it flushes
the database between tests, and the audit table refuses DELETE by design.

Chromium is Debian's (/usr/bin/chromium); Playwright's own browser downloads are not needed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import DEMO_PASSWORD, REPO_ROOT

CHROMIUM = Path(os.environ.get("CASEWORK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_CASES = 200
DEMO_SEED = 7
SERVER_START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(var_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        {
            "CASEWORK_VAR_DIR": str(var_dir),
            "DEBUG": "0",  # real error pages (404), production middleware and headers
            "SECURE_HTTPS": "0",  # plain HTTP on 127.0.0.1
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_MANIFEST": "0",  # serve assets straight from the app folders ...
            "WHITENOISE_USE_FINDERS": "1",  # ... so no collectstatic step is needed
            "CASEWORK_DEMO_PASSWORD": DEMO_PASSWORD,
            "UV_PYTHON_DOWNLOADS": "never",
            "PYTHONUNBUFFERED": "1",
            # E-mails go to JSON files the journeys read (the worker is run when a test needs it).
            "NOTIFICATIONS_BACKEND": "file",
            "NOTIFICATIONS_FILE_DIR": str(var_dir / "outbox"),
            "CASEWORK_BASE_URL": "http://127.0.0.1",
            # The demo's administrator signs in with its password, as in the README; the second
            # factor's journey is taken by a caseworker who sets up an app (test_account_journeys.py).
            "MFA_FOR_ADMINISTRATORS": "0",
        }
    )
    return env


def run_casework(args: list[str], env: dict[str, str], log: Path, timeout: int = 600) -> None:
    with log.open("a") as out:
        out.write(f"$ casework {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(
            [sys.executable, "-m", "casework.cli", *args],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"`casework {' '.join(args)}` failed ({result.returncode}):\n{log.read_text()[-4000:]}")


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own http://127.0.0.1 URL)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer {url} within {SERVER_START_TIMEOUT_SECONDS}s:\n{log.read_text()}")


@dataclass
class Server:
    base_url: str
    var_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    var_dir = Path(tempfile.mkdtemp(prefix="casework-browser-"))
    log = var_dir / "server.log"
    env = server_environment(var_dir)
    (var_dir / "staticfiles").mkdir()  # STATIC_ROOT must exist even when assets come from finders
    run_casework(["migrate", "--noinput"], env, log)
    run_casework(["load_demo", "--cases", str(DEMO_CASES), "--seed", str(DEMO_SEED)], env, log)

    port = free_port()
    with log.open("a") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "casework.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                "--no-control-socket",  # no shared socket under $HOME between parallel runs
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        # The worker, as deployed, runs the work changes queue (assurance re-checks); the recurring
        # schedule stays off so the demo data does not move under the journeys.
        worker = subprocess.Popen(
            [sys.executable, "-m", "casework.cli", "worker", "--no-schedule", "--interval", "0.5"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url + "/login/", process, log)
        yield Server(base_url=base_url, var_dir=var_dir, log=log)
    finally:
        for running in (process, worker):
            running.terminate()
            try:
                running.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait()
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """Console errors and CSP refusals seen while a test ran: each is a defect in our pages."""

    messages: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh browser context (no cookies) with the site's CSP enforced."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    problems = PageProblems()
    new_page.on(
        "console",
        lambda msg: problems.messages.append(f"{new_page.url}: {msg.text}") if msg.type == "error" else None,
    )
    new_page.on("pageerror", lambda error: problems.messages.append(f"{new_page.url}: uncaught {error}"))
    yield new_page
    context.close()
    # 404 pages log "Failed to load resource" by design; everything else is a real problem.
    real = [text for text in problems.messages if "status of 404" not in text]
    assert not real, "browser console errors:\n" + "\n".join(real)
