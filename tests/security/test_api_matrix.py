"""Every API operation in the OpenAPI schema × every persona, against unit B's records.

Operations come from /api/v1/openapi.json, so a new endpoint is covered the day it is added:
path parameters are filled with unit B's (or force Y's) records; anyone outside their readers
must get 401/403/404/405 (or a 422 that is the same for an id no record has), never their text,
never a 500. Operations without a record in the path are checked for leaks and server errors.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client

from casework.audit.models import AuditEvent
from tests.security.world import MISSING, PERSONA_NAMES, UNIT_B_READERS, World

REFUSED = {401, 403, 404, 405}
UNSAFE = {"post", "put", "patch", "delete"}
#: Operations about force Y's referral are readable by force Y's liaison officer too.
FORCE_Y_OPERATIONS = re.compile(r"referral|action_plan")
#: Path parameters that filter a list rather than name a record (units are public reference
#: data): the answer may be 200, but it must hold nothing of unit B (checked by the markers).
FILTER_PARAMETERS = re.compile(r"^/api/v1/units/\{unit_id\}/[\w-]+$")


def operations(client: Client) -> list[tuple[str, str, str]]:
    schema = client.get("/api/v1/openapi.json", secure=True).json()
    found = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            found.append((path, method, spec.get("operationId", "")))
    return found


def _fill(path: str, kwargs: dict[str, Any], *, missing: bool = False) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        given = kwargs.get(name, MISSING)
        return str(MISSING if missing and isinstance(given, int) else given)

    return re.sub(r"\{(\w+)\}", value, path)


def _call(client: Client, method: str, url: str) -> Any:
    if method in UNSAFE:
        return getattr(client, method)(url, "{}", content_type="application/json", secure=True)
    return getattr(client, method)(url, secure=True)


def test_schema_lists_operations(client):
    ops = operations(client)
    assert len(ops) >= 20
    assert (
        "/api/v1/cases/{case_id}",
        "get",
        ops[[o[:2] for o in ops].index(("/api/v1/cases/{case_id}", "get"))][2],
    ) in ops


def test_api_matrix(world: World):
    anonymous = Client(raise_request_exception=False)
    ops = operations(anonymous)
    writes_before = AuditEvent.objects.filter(case_id=world.case_b.pk, action__in=["collect", "alter"]).count()
    problems: list[str] = []
    for persona in PERSONA_NAMES:
        client = Client(raise_request_exception=False)
        client.force_login(getattr(world.personas, persona))
        for path, method, operation in ops:
            if persona == "prosecutor_b" and method in UNSAFE:
                continue  # unit B's own writer: not an attack
            url = _fill(path, world.kwargs)
            response = _call(client, method, url)
            status = response.status_code
            where = f"{method.upper()} {url} ({operation}) as {persona}: {status}"
            if status >= 500:
                problems.append(f"{where} (server error)")
                continue
            readers = UNIT_B_READERS | ({"police_y"} if FORCE_Y_OPERATIONS.search(operation) else set())
            names_record = "{" in path and not FILTER_PARAMETERS.search(path)
            if names_record and persona not in readers and status not in REFUSED:
                if status in {400, 422}:
                    same = _call(client, method, _fill(path, world.kwargs, missing=True)).status_code
                    if same != status:
                        problems.append(f"{where} but {same} for an id nobody has (existence oracle)")
                else:
                    problems.append(f"{where} (expected a refusal for unit B's record)")
            body = response.content.decode("utf-8", "replace")
            if persona not in UNIT_B_READERS:
                leaked = [m for m in world.markers if m in body]
                if leaked:
                    problems.append(f"{where} shows unit B's {leaked}")
            if persona == "police_x":
                leaked = [m for m in world.force_markers if m in body]
                if leaked:
                    problems.append(f"{where} shows force Y's {leaked}")
    writes_after = AuditEvent.objects.filter(case_id=world.case_b.pk, action__in=["collect", "alter"]).count()
    assert writes_after == writes_before, "an outsider changed unit B's case through the API"
    assert problems == [], "\n".join(problems)


def test_api_refuses_anonymous_everywhere(world: World):
    client = Client(raise_request_exception=False)
    for path, method, operation in operations(client):
        if operation in {"token_issue"} or path.endswith(("openapi.json", "/docs", "/v1/")):
            continue
        response = _call(client, method, _fill(path, world.kwargs))
        assert response.status_code in {401, 403, 404, 405, 422}, f"{method} {path}: {response.status_code}"
        if response.status_code == 422:
            assert json.loads(response.content)  # a structured error, not a page
