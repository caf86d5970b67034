"""Property-based fuzzing of every API operation, for each role, from the OpenAPI schema.

schemathesis turns each operation of the API's OpenAPI description into a Hypothesis strategy,
for valid input (positive) and for input the schema forbids (negative). Requests go through
Django's test client, so the test database and its rollback apply. Path parameters are drawn
from unit B's records, unit A's records or generated values, so handlers are reached with
generated bodies and queries rather than only answering 404. For every response:

- never a server error;
- the status is one the operation declares (ninja's own 401 and 422, a 400 for a body that is not
  JSON and a 404 for a path that does not route aside);
- a 2xx body matches the declared response schema and content type;
- the role rules hold: signed out is 401 everywhere but token issue; unit B's records are never
  given to an outsider, nor their text; police liaison and the administrator get no case content;
  the administrator, HQ, the inspector and police never change a case.

Police liaison: a police session and a police token alike reach only the partner API (and token
management); every other path is a 404 (casework.partners.middleware, casework.api.auth).

Problems are collected and reported together, so one run lists every hole. Examples per
operation are bounded (CASEWORK_FUZZ_EXAMPLES raises them for a deeper run) and derandomised,
so a run is repeatable.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from ninja import Schema as NinjaSchema
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from casework.api import services as api_services
from casework.api.api import api
from casework.audit.models import AuditEvent
from tests.security.world import UNIT_B_READERS, World

#: The roles the issue names, and nobody signed in.
ROLES = ["anonymous", "prosecutor_a", "manager_a", "hq", "inspector", "police_x", "admin"]
#: Valid examples per operation and role; invalid ones are half as many (at least one). With ~45
#: operations × 7 roles this keeps the file well under a minute on a slow 2-core machine.
POSITIVE_EXAMPLES = int(os.environ.get("CASEWORK_FUZZ_EXAMPLES", "2"))
NEGATIVE_EXAMPLES = max(1, POSITIVE_EXAMPLES // 2)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: Path parameters naming a record that belongs to a case (unit_id only filters reference data).
RECORD_PARAMETER = re.compile(r"^(case|defendant|hearing|charge|document|clock|referral)_id$")
#: Parameters naming a case's own content: the administrator and police never reach them.
CASE_CONTENT_PARAMETER = re.compile(r"^(case|defendant|hearing|charge|document|clock)_id$")
#: Never reachable with a token: it is how a token is obtained.
PUBLIC_OPERATIONS = {"/api/v1/auth/token"}
POLICE_API_PREFIXES = ("/api/v1/partners/", "/api/v1/auth/")
#: Roles that read case content but never change a case.
READ_ONLY_ROLES = {"hq", "inspector"}
NO_CASE_CONTENT_ROLES = {"admin", "police_x"}
#: Answers ninja gives for any operation, whether or not the operation lists them: 401 (no or a
#: bad token) and 422 (a value the schema refuses). A 400 is the answer to a body that is not JSON.
FRAMEWORK_STATUSES = {401, 422}


@dataclass(frozen=True)
class Sent:
    """What was asked and what came back, with enough to explain a failure."""

    role: str
    method: str
    url: str
    body: bytes
    which: str
    status: int
    content: bytes

    def describe(self) -> str:
        return f"{self.method} {self.url} as {self.role} ({self.which} ids) body={self.body[:160]!r}: {self.status}"


@functools.cache
def _schema() -> Any:
    return schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))


def _has_input(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(operation.body)


def _send(client: Client, case: Any, token: str | None) -> tuple[Any, requests.PreparedRequest]:
    """Send a generated case with Django's test client; also return it prepared as the wire would carry it."""
    kwargs = case.as_transport_kwargs(base_url="https://testserver")
    prepared = requests.Request(
        method=kwargs["method"],
        url=kwargs["url"],
        headers=kwargs.get("headers") or {},
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        data=kwargs.get("data"),
        files=kwargs.get("files"),
    ).prepare()
    url = urlsplit(prepared.url or "")
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in {"content-length", "content-type"}}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = prepared.body or b""
    response = client.generic(
        prepared.method or "GET",
        f"{url.path}?{url.query}" if url.query else url.path,
        data=body.encode() if isinstance(body, str) else body,
        content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
        secure=True,
    )
    return response, prepared


def _as_schema_response(response: Any, prepared: requests.PreparedRequest) -> Any:
    """The Django response in the shape schemathesis' checks read."""
    from schemathesis.core.transport import Response

    headers = {key: [value] for key, value in response.items()}
    return Response(response.status_code, headers, response.content, prepared, elapsed=0.0, verify=True)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body or b"null")
    except ValueError:
        return False
    return True


def _routed(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


class Fuzzer:
    """Runs one role against every operation and collects what went wrong."""

    def __init__(self, world: World, role: str) -> None:
        self.world = world
        self.role = role
        self.user = None if role == "anonymous" else getattr(world.personas, role)
        self.token = self._issue()
        self.client = Client(raise_request_exception=False)
        personas = world.personas
        self.pools: dict[str, dict[str, Any]] = {
            "unit B": dict(world.kwargs),
            "unit A": {"case_id": world.case_a.pk, "unit_id": personas.unit_a.pk},
            "generated": {},
        }
        self.case_a_markers = (world.case_a.urn, world.case_a.operation_name)
        self.problems: list[str] = []
        self.sent = 0
        self.succeeded = 0

    def _issue(self) -> str | None:
        return api_services.api_token_issue(actor=self.user, name="fuzz").token if self.user else None

    def run(self, operation: Any, mode: GenerationMode, examples: int) -> None:
        names = [parameter.name for parameter in operation.path_parameters]

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), which=st.sampled_from(list(self.pools)))
        def one(case: Any, which: str) -> None:
            for name in names:
                if name in self.pools[which]:
                    case.path_parameters[name] = self.pools[which][name]
            response, prepared = _send(self.client, case, self.token)
            self.sent += 1
            self.check(operation, case, which, response, prepared)
            if operation.path.endswith("/auth/revoke") and response.status_code == 200:
                self.token = self._issue()  # the fuzz just revoked its own token

        one()

    def check(self, operation: Any, case: Any, which: str, response: Any, prepared: requests.PreparedRequest) -> None:
        url = urlsplit(prepared.url or "")
        body = prepared.body or b""
        sent = Sent(
            role=self.role,
            method=operation.method.upper(),
            url=f"{url.path}?{url.query}" if url.query else url.path,
            body=body.encode() if isinstance(body, str) else body,
            which=which,
            status=response.status_code,
            content=response.content,
        )
        status = sent.status
        if status >= 500:
            self.problems.append(f"{sent.describe()} (server error) {sent.content[:300]!r}")
            return
        declared = {int(code) for code in operation.responses.status_codes if code.isdigit()}
        routed = _routed(url.path)
        allowed = declared | FRAMEWORK_STATUSES | ({400} if not _is_json(sent.body) else set())
        if status not in allowed and not (status == 404 and not routed):
            self.problems.append(f"{sent.describe()} (status not declared: {sorted(declared)})")
        if 200 <= status < 300:
            self.succeeded += 1
            try:
                case.validate_response(
                    _as_schema_response(response, prepared),
                    checks=[response_schema_conformance, content_type_conformance],
                )
            except BaseExceptionGroup as failure:  # schemathesis' FailureGroup describes every mismatch
                self.problems.append(f"{sent.describe()} (response does not match the schema) {failure}")
        self.problems += [f"{sent.describe()} {why}" for why in self.role_rules(operation, sent, routed)]

    def role_rules(self, operation: Any, sent: Sent, routed: bool) -> list[str]:
        problems = []
        status, path = sent.status, operation.path
        ok = 200 <= status < 300
        record_params = [p.name for p in operation.path_parameters if RECORD_PARAMETER.match(p.name)]
        content_params = [p.name for p in operation.path_parameters if CASE_CONTENT_PARAMETER.match(p.name)]
        text = sent.content.decode("utf-8", "replace")
        if self.role == "anonymous":
            if path not in PUBLIC_OPERATIONS and status != 401 and routed:
                problems.append("(signed out must be 401)")
            return problems
        if self.role not in UNIT_B_READERS:
            if sent.which == "unit B" and record_params and ok:
                problems.append("(an outsider reached unit B's record)")
            if leaked := [marker for marker in self.world.markers if marker in text]:
                problems.append(f"(shows unit B's {leaked})")
        if self.role == "police_x":
            # Outside the partner API a force's token gets the same 404 as a path that does not exist.
            if not path.startswith(POLICE_API_PREFIXES) and status != 404:
                problems.append(f"(police liaison got {status} outside the partner API, not 404)")
            if leaked := [marker for marker in self.world.force_markers if marker in text]:
                problems.append(f"(shows force Y's {leaked})")
        if self.role in NO_CASE_CONTENT_ROLES:
            if sent.which != "generated" and content_params and ok:
                problems.append("(reached case content)")
            if leaked := [marker for marker in self.case_a_markers if marker in text]:
                problems.append(f"(shows unit A's case {leaked})")
        if self.role in READ_ONLY_ROLES and sent.method in UNSAFE and content_params and ok:
            problems.append("(a read-only role changed a case)")
        return problems


def _changes_by_others(world: World, writers: set[int]) -> int:
    cases = [world.case_a.pk, world.case_b.pk]
    return (
        AuditEvent.objects.filter(case_id__in=cases, action__in=["collect", "alter", "erase"])
        .exclude(actor_id__in=writers)
        .count()
    )


@pytest.mark.parametrize("role", ROLES)
def test_api_fuzz(world: World, role: str, settings: Any) -> None:
    # The police rate limit would answer 429 long before the fuzz is done; it has its own tests.
    settings.PARTNERS_POLICE_RATE_PER_MINUTE = 1_000_000
    personas = world.personas
    # Who may legitimately change the two cases: their own unit's caseworkers.
    writers = {personas.prosecutor_a.pk, personas.manager_a.pk, personas.prosecutor_b.pk, personas.unithead_a.pk}
    changes_before = _changes_by_others(world, writers)
    fuzzer = Fuzzer(world, role)
    operations = [result.ok() for result in _schema().get_all_operations()]
    # Signed out, every operation stops at authentication: one example of each kind is plenty.
    positive = 1 if role == "anonymous" else POSITIVE_EXAMPLES
    for operation in operations:
        fuzzer.run(operation, GenerationMode.POSITIVE, positive)
        if _has_input(operation):
            fuzzer.run(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    assert fuzzer.sent >= len(operations) * positive
    if role != "anonymous":
        assert fuzzer.succeeded > 0, "the fuzz never got past validation: it tests nothing"
    assert _changes_by_others(world, writers) == changes_before, f"{role} changed a case it may not change"
    assert fuzzer.problems == [], f"{len(fuzzer.problems)} problems:\n" + "\n".join(fuzzer.problems)


def test_openapi_component_names_are_unique() -> None:
    """Two schemas of one name collapse into one OpenAPI component, so one operation is described wrongly."""
    api.get_openapi_schema(path_prefix="/api/v1/")  # imports every router's schemas

    def subclasses(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in [direct, *subclasses(direct)]]

    modules_by_name: dict[str, set[str]] = {}
    for model in subclasses(NinjaSchema):
        if model.__module__.startswith("casework."):
            modules_by_name.setdefault(model.__name__, set()).add(model.__module__)
    assert {name: mods for name, mods in modules_by_name.items() if len(mods) > 1} == {}
