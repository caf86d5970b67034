"""Every page × every persona against unit B's records: refused or empty of them, never a 500.

Each persona GETs (and, unless it may change unit B's records, POSTs to) every URL in the matrix.
Violations are collected and reported together, so one run lists every hole.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases.models import Case
from tests.security.matrix import API_NAMESPACE, MATRIX, OBJECT, PAGE, PUBLIC, RULE_COVERED_NAMESPACES
from tests.security.urls import all_routes, unnamed_routes
from tests.security.world import MISSING, PERSONA_NAMES, UNIT_B_READERS, World

REFUSED_GET = {302, 403, 404, 405}
REFUSED_POST = {302, 403, 404, 405}
#: Who may change unit B's records: a POST from anyone else must write nothing.
UNIT_B_WRITERS = {"prosecutor_b"}
NAMESPACES = sorted({name.split(":")[0] if ":" in name else "core" for name in MATRIX})


def test_every_url_is_in_the_matrix():
    names = {route.name for route in all_routes()}
    covered_by_rule = {
        n for n in names if n.split(":")[0] in RULE_COVERED_NAMESPACES or n.startswith(API_NAMESPACE + ":")
    }
    missing = sorted(names - covered_by_rule - set(MATRIX))
    stale = sorted(set(MATRIX) - names)
    assert missing == [], f"URL names with no entry in tests/security/matrix.py: {missing}"
    assert stale == [], f"matrix entries for URL names that no longer exist: {stale}"
    unnamed = [route for route in unnamed_routes() if not route.startswith(("admin/", "api/"))]
    assert unnamed == [], f"unnamed URL patterns cannot be checked: {unnamed}"


def _url(route_name: str, world: World) -> str:
    route = next(r for r in all_routes() if r.name == route_name)
    kwargs = {name: world.kwargs[name] for name in route.kwargs}
    return reverse(route_name, kwargs=kwargs)


def _same_for_missing(world: World, route_name: str, client: Client, status: int) -> bool:
    route = next(r for r in all_routes() if r.name == route_name)
    kwargs = {name: (MISSING if isinstance(world.kwargs[name], int) else world.kwargs[name]) for name in route.kwargs}
    return client.post(reverse(route_name, kwargs=kwargs)).status_code == status


def _leaks(content: bytes, markers: tuple[str, ...]) -> list[str]:
    text = content.decode("utf-8", "replace")
    return [marker for marker in markers if re.search(re.escape(marker), text)]


def _check(world: World, route_name: str, persona: str, client: Client) -> list[str]:
    probe = MATRIX[route_name]
    url = _url(route_name, world)
    problems = []
    methods = ["get"] if persona in UNIT_B_WRITERS else ["get", "post"]
    for method in methods:
        response = getattr(client, method)(url)
        status = response.status_code
        where = f"{method.upper()} {url} as {persona}: {status}"
        if status >= 500:
            problems.append(f"{where} (server error)")
            continue
        if probe.kind == OBJECT and persona not in probe.readers:
            refused = REFUSED_GET if method == "get" else REFUSED_POST
            if status in {400, 422} and method == "post" and _same_for_missing(world, route_name, client, status):
                pass  # the form is refused before the record is looked up, identically for any id: no oracle
            elif status not in refused:
                problems.append(f"{where} (expected a refusal for a record of unit B)")
        closed = probe.kind == PAGE and probe.open_to is not None and persona not in probe.open_to
        if closed and method == "get" and status not in REFUSED_GET:
            problems.append(f"{where} (page should be closed to this role)")
        streaming = getattr(response, "streaming", False)
        content = b"".join(response.streaming_content) if streaming else response.content
        if persona not in UNIT_B_READERS:
            leaked = _leaks(content, world.markers)
            if leaked:
                problems.append(f"{where} shows unit B's {leaked}")
        if persona == "police_x":
            leaked = _leaks(content, world.force_markers)
            if leaked:
                problems.append(f"{where} shows force Y's {leaked}")
    return problems


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_matrix(world, namespace):
    names = [n for n in MATRIX if (n.split(":")[0] if ":" in n else "core") == namespace]
    names = [n for n in names if MATRIX[n].kind != PUBLIC]
    writes_before = _writes_to_unit_b(world)
    problems: list[str] = []
    for persona in PERSONA_NAMES:
        client = Client(raise_request_exception=False)
        client.force_login(getattr(world.personas, persona))
        for name in names:
            problems += _check(world, name, persona, client)
    new_writes = [w for w in _writes_to_unit_b(world) if w not in writes_before]
    outsiders = [w for w in new_writes if w[0] not in {world.personas.prosecutor_b.pk}]
    assert outsiders == [], f"records of unit B changed by outsiders: {outsiders}"
    case_b = Case.objects.get(pk=world.case_b.pk)
    assert case_b.unit_id == world.personas.unit_b.pk
    assert problems == [], "\n".join(problems)


def _writes_to_unit_b(world: World) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(case_id=world.case_b.pk, action__in=["collect", "alter", "erase"])
        .exclude(actor_id=world.personas.prosecutor_b.pk)
        .values_list("actor_id", "action", "subject_type", "seq")
    )


#: Public URLs with a parameter: an unknown provider or a spent link is a plain 404 page.
PUBLIC_KWARGS = {"provider_name": "no-such-provider", "token": "not-a-real-token"}


def test_public_pages_answer_signed_out(client, db):  # /healthz asks the database
    for name, probe in MATRIX.items():
        if probe.kind == PUBLIC:
            route = next(r for r in all_routes() if r.name == name)
            kwargs = {key: PUBLIC_KWARGS[key] for key in route.kwargs}
            expected = {404} if kwargs else {200, 302, 405}
            assert client.get(reverse(name, kwargs=kwargs)).status_code in expected, name


@pytest.mark.parametrize("name", [n for n, p in MATRIX.items() if p.kind != PUBLIC])
def test_signed_out_is_sent_to_sign_in(name, world):
    client = Client(raise_request_exception=False)
    response = client.get(_url(name, world))
    # 405: a POST-only URL answers a GET before asking who is there, which reveals nothing.
    assert response.status_code in {302, 404, 405}, f"{name}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
