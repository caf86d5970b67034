"""Casework Assurance under load: signed-in users by role, doing their ordinary day's work.

Run by `scripts/load.sh` (which starts PostgreSQL, the data, gunicorn and this). Locust patches the
standard library with gevent, so this file imports only locust, the standard library and the pure
`scenario` module — never Django.

Environment:
    LOAD_ACCOUNTS   JSON written by accounts.py: {"password": ..., "accounts": {role: [username, ...]}}
    LOAD_SAMPLES    where to write one JSON line per request (name, ms, status, outcome, t)
    LOAD_WAIT_MIN / LOAD_WAIT_MAX   think time between a user's actions, seconds (default 2 and 5)
    LOAD_SETTLE     seconds after the last sign-in before the steady state is measured (10)
    LOAD_DURATION   seconds of steady state, after which the run stops (0: locust's --run-time decides)
    LOAD_STEADY_MARK  a file written when the steady state begins

Each user signs in through /login/ with the CSRF token, then picks cases only from its own list
pages, so it touches only what it may see. Requests are named by page type (scenario.PAGE_TYPES).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.load import scenario

WAIT_MIN = float(os.environ.get("LOAD_WAIT_MIN", "2"))
WAIT_MAX = float(os.environ.get("LOAD_WAIT_MAX", "5"))
#: Seconds after the last sign-in before the steady state begins: the server's queue drains.
SETTLE = float(os.environ.get("LOAD_SETTLE", "10"))
#: Seconds of steady state; 0 leaves the end to locust's --run-time.
DURATION = float(os.environ.get("LOAD_DURATION", "0"))


# --- accounts and the per-request record ---------------------------------------------------------


class Accounts:
    """Hands out each role's usernames in turn, so sessions spread over the people available."""

    def __init__(self, path: str) -> None:
        data: dict[str, Any] = json.loads(Path(path).read_text()) if path else {"password": "", "accounts": {}}
        self.password: str = data["password"]
        self._cycles = {role: itertools.cycle(names) for role, names in data["accounts"].items() if names}

    def next(self, role: str) -> str:
        return next(self._cycles[role])


ACCOUNTS = Accounts(os.environ.get("LOAD_ACCOUNTS", ""))
SAMPLES: list[dict[str, Any]] = []
#: When every user had signed in (plus SETTLE): requests before it are the ramp-up, after it the
#: steady state the target applies to. The run stops DURATION seconds later.
STEADY_FROM: float | None = None
SIGNED_IN = 0


def user_ready(environment: Any) -> None:
    """Called once per user after its sign-in; the last one starts the steady-state clock."""
    global SIGNED_IN, STEADY_FROM
    SIGNED_IN += 1
    runner = environment.runner
    if STEADY_FROM is None and runner is not None and runner.target_user_count <= SIGNED_IN:
        STEADY_FROM = time.time() + SETTLE
        if mark := os.environ.get("LOAD_STEADY_MARK"):  # tells the runner script to read CPU counters
            gevent.spawn_later(SETTLE, Path(mark).write_text, str(STEADY_FROM))
        if DURATION > 0:
            gevent.spawn_later(SETTLE + DURATION, runner.quit)


@events.request.add_listener
def record_sample(
    name: str,
    response_time: float,
    response: Any,
    exception: BaseException | None,
    context: dict[str, Any],
    start_time: float | None = None,
    **_: Any,
) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    outcome = context.get("outcome") or (scenario.OUTCOME_ERROR if exception else scenario.OUTCOME_OK)
    started = start_time or time.time()
    SAMPLES.append(
        {
            "name": name,
            "ms": round(response_time, 2),
            "status": status,
            "outcome": outcome,
            "t": round(started, 3),
            "phase": "steady" if STEADY_FROM is not None and started >= STEADY_FROM else "ramp",
            "error": str(exception)[:200] if exception and outcome == scenario.OUTCOME_ERROR else "",
        }
    )


@events.quitting.add_listener
def write_samples(**_: Any) -> None:
    if path := os.environ.get("LOAD_SAMPLES"):
        with open(path, "w") as out:
            for sample in SAMPLES:
                out.write(json.dumps(sample) + "\n")


# --- users ------------------------------------------------------------------------------------------


class CaseworkUser(HttpUser):
    """A signed-in person. Subclasses say which role they play and what they do."""

    abstract = True
    role: ClassVar[str] = ""
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        self.username = ACCOUNTS.next(self.role)
        self.case_ids: list[int] = []
        self.editable: set[int] = set()
        for _ in range(3):  # after a failed sign-in a person tries again (the failure is still counted)
            if self.sign_in():
                break
        user_ready(self.environment)

    def sign_in(self) -> bool:
        page = self.page("/login/", "sign-in page")
        token = scenario.csrf_token(page or "")
        if token is None:
            return False  # already recorded as an error
        data = {"csrfmiddlewaretoken": token, "username": self.username, "password": ACCOUNTS.password, "next": ""}
        with self.client.post(
            "/login/", data=data, name="sign-in POST", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in as {self.username} gave HTTP {response.status_code}")
                return False
        return True

    def page(self, url: str, name: str, *, expect: str = "") -> str | None:
        """GET a page as a browser would; anything but a 200 (with `expect` in it) is an error."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            if expect and expect not in response.text:
                response.failure(f"the page lacks {expect!r}")
                return None
            return response.text

    # Shared steps -----------------------------------------------------------------------------

    def list_cases(self, url: str, name: str) -> str | None:
        html = self.page(url, name)
        if html:
            self.case_ids = scenario.case_ids(html) or self.case_ids
        return html

    def open_case(self) -> None:
        if not self.case_ids:
            return
        case_id = random.choice(self.case_ids)
        html = self.page(f"/cases/{case_id}/", "case detail")
        if html and f'href="/cases/{case_id}/edit/"' in html:
            self.editable.add(case_id)

    def edit_case(self) -> None:
        """Open a case's change form, think, save a changed summary (with the version it loaded)."""
        if not self.editable:
            return
        case_id = random.choice(sorted(self.editable))
        url = f"/cases/{case_id}/edit/"
        html = self.page(url, "case edit form")
        form = scenario.post_form(html or "", with_field="version")
        if form is None:
            return
        time.sleep(random.uniform(1.0, 3.0))  # reading and typing: colleagues may save meanwhile
        data = dict(form.fields)
        data["summary"] = scenario.edited_summary(data.get("summary", ""), random.randrange(10**6))
        with self.client.post(url, data=data, name="case edit POST", allow_redirects=False, catch_response=True) as r:
            result = scenario.edit_outcome(
                status=r.status_code, location=r.headers.get("Location", ""), body=r.text or ""
            )
            r.request_meta["context"]["outcome"] = result.outcome
            if result.outcome == scenario.OUTCOME_ERROR:
                r.failure(result.reason)
            else:
                r.success()


class Prosecutor(CaseworkUser):
    """Works their own cases: the list, the case page, its clocks, their tasks, and edits."""

    weight = 22
    role = "prosecutor"

    @task(4)
    def my_cases(self) -> None:
        sort = random.choice(["", "?sort=urn", "?sort=stage", "?sort=-updated"])
        self.list_cases(f"/cases/my/{sort}", "case list (my cases)")

    @task(5)
    def case_page(self) -> None:
        self.open_case()

    @task(1)
    def progression(self) -> None:
        if self.case_ids:
            self.page(f"/progression/cases/{random.choice(self.case_ids)}/", "case progression")

    @task(2)
    def my_tasks(self) -> None:
        self.page("/progression/tasks/", "task list")

    @task(2)
    def edit(self) -> None:
        self.edit_case()


class Paralegal(Prosecutor):
    weight = 8
    role = "paralegal"


class Manager(CaseworkUser):
    """A legal manager or unit head: the unit's cases with filters, the board, assurance, approvals."""

    weight = 10
    role = "manager"
    stages: ClassVar[list[str]] = []

    @task(5)
    def unit_cases(self) -> None:
        query = ""
        if self.stages:
            query = f"?stage={random.choice(self.stages)}&sort={random.choice(['updated', 'urn', 'stage'])}"
        html = self.list_cases(f"/cases/unit/{query}", "case list (unit, filtered)")
        if html and not self.stages:
            type(self).stages = scenario.select_options(html, "stage")

    @task(3)
    def case_page(self) -> None:
        self.open_case()

    @task(2)
    def board(self) -> None:
        self.page("/progression/board/", "unit board")

    @task(2)
    def assurance(self) -> None:
        self.page("/assurance/dashboard/", "assurance dashboard")

    @task(1)
    def approvals(self) -> None:
        self.page("/assurance/approvals/", "approvals list")

    @task(1)
    def edit(self) -> None:
        self.edit_case()


class AreaLeader(CaseworkUser):
    weight = 3
    role = "area"

    @task(3)
    def unit_cases(self) -> None:
        self.list_cases("/cases/unit/?sort=stage", "case list (unit, filtered)")

    @task(2)
    def case_page(self) -> None:
        self.open_case()

    @task(1)
    def oversight(self) -> None:
        self.page("/oversight/", "oversight dashboard")

    @task(1)
    def assurance(self) -> None:
        self.page("/assurance/dashboard/", "assurance dashboard")


class NationalReader(CaseworkUser):
    """HQ and inspectors read across the country: all cases, filtered; the national dashboard."""

    abstract = True
    units: ClassVar[list[str]] = []
    stages: ClassVar[list[str]] = []

    def filtered_query(self) -> str:
        if not (self.units and self.stages):
            return ""
        return f"?unit={random.choice(self.units)}&stage={random.choice(self.stages)}"

    @task(3)
    def all_cases(self) -> None:
        html = self.list_cases(f"/cases/all/{self.filtered_query()}", "case list (all, filtered)")
        if html and not self.units:
            type(self).units = scenario.select_options(html, "unit")
            type(self).stages = scenario.select_options(html, "stage")

    @task(3)
    def case_page(self) -> None:
        self.open_case()

    @task(1)
    def oversight(self) -> None:
        self.page("/oversight/", "oversight dashboard")


class HqAnalyst(NationalReader):
    weight = 4
    role = "hq"

    @task(1)
    def small_export(self) -> None:
        """One unit's cases at one stage as CSV: a small, audited export."""
        query = self.filtered_query()
        if query:
            self.page(f"/cases/all/export.csv{query}", "case list CSV export")


class Inspector(NationalReader):
    weight = 3
    role = "inspector"

    @task(2)
    def samples(self) -> None:
        self.page("/oversight/samples/", "inspection samples")


class PoliceLiaison(CaseworkUser):
    """A police liaison officer in the portal: their force's referrals and agreement only."""

    weight = 4
    role = "police"

    def on_start(self) -> None:
        super().on_start()
        self.referral_ids: list[int] = []

    @task(3)
    def portal(self) -> None:
        html = self.page("/partners/portal/", "portal home")
        if html:
            self.referral_ids = scenario.portal_referral_ids(html) or self.referral_ids

    @task(3)
    def referral(self) -> None:
        if self.referral_ids:
            self.page(f"/partners/portal/referrals/{random.choice(self.referral_ids)}/", "portal referral")

    @task(1)
    def agreement(self) -> None:
        self.page("/partners/portal/agreement/", "portal agreement")


class ApiClient(HttpUser):
    """A machine client with a bearer token (issued for a prosecutor): case list pages and cases."""

    weight = 6
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        self.username = ACCOUNTS.next("prosecutor")
        self.case_ids: list[int] = []
        self.cursor: str | None = None
        self.headers: dict[str, str] = {}
        payload = {"username": self.username, "password": ACCOUNTS.password, "name": "load test"}
        with self.client.post("/api/v1/auth/token", json=payload, name="API token POST", catch_response=True) as r:
            if r.status_code != 201:
                r.failure(f"HTTP {r.status_code}")
            else:
                self.headers = {"Authorization": f"Bearer {r.json()['token']}"}
        user_ready(self.environment)

    @task(2)
    def case_list(self) -> None:
        url = "/api/v1/cases?limit=50" + (f"&cursor={self.cursor}" if self.cursor and random.random() < 0.5 else "")
        with self.client.get(url, headers=self.headers, name="API case list", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            body = r.json()
            self.case_ids = [item["id"] for item in body["items"]] or self.case_ids
            self.cursor = body.get("next_cursor")

    @task(3)
    def case_detail(self) -> None:
        if not self.case_ids:
            return
        url = f"/api/v1/cases/{random.choice(self.case_ids)}"
        with self.client.get(url, headers=self.headers, name="API case detail", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
