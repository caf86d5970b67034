"""Reading cases: the access path, consultation logging, cursor pages, no existence oracle."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.choices import Stage
from tests.api.conftest import ALL_PERSONAS, CANNOT_SEE_CASE_A, SEES_CASE_A
from tests.factories import make_case


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_list_shows_exactly_the_visible_cases(personas, case_a, case_b, api_as, persona):
    response = api_as(persona).get("/cases")
    if persona.startswith("police_"):
        assert response.status_code == 404  # a force's token reaches only the partner API
        return
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert (case_a.pk in ids) is (persona in SEES_CASE_A)
    assert (case_b.pk in ids) is (persona in {"prosecutor_b", "hq", "inspector"})


@pytest.mark.parametrize("persona", sorted(SEES_CASE_A))
def test_detail_for_those_who_see_it_logs_a_consultation(personas, case_a, api_as, persona):
    before = AuditEvent.objects.filter(action="consult", case_id=case_a.pk).count()
    response = api_as(persona).get(f"/cases/{case_a.pk}")
    assert response.status_code == 200
    assert response.json()["urn"] == case_a.urn
    events = AuditEvent.objects.filter(action="consult", case_id=case_a.pk)
    assert events.count() == before + 1
    event = events.order_by("-seq").first()
    assert event.actor_id == getattr(personas, persona).pk
    assert event.justification
    assert event.channel == "api"


@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_detail_is_404_for_others_and_identical_to_a_missing_case(personas, case_a, api_as, persona):
    client = api_as(persona)
    hidden = client.get(f"/cases/{case_a.pk}")
    missing = client.get("/cases/987654321")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content == b'{"detail": "Not found."}'
    assert not AuditEvent.objects.filter(action="consult", case_id=case_a.pk, actor_id=getattr(personas, persona).pk)


@pytest.mark.parametrize("suffix", ["/defendants", "/hearings"])
@pytest.mark.parametrize("persona", CANNOT_SEE_CASE_A)
def test_part_lists_are_404_for_those_who_cannot_see_the_case(personas, case_a, api_as, persona, suffix):
    assert api_as(persona).get(f"/cases/{case_a.pk}{suffix}").status_code == 404


def test_detail_includes_parts_and_version(personas, case_a, api_as):
    defendant = services.defendant_add(actor=personas.manager_a, case=case_a, first_names="Ann", last_name="Smith")
    services.charge_add(actor=personas.manager_a, defendant=defendant, offence="Fraud", classification="either_way")
    services.document_add(actor=personas.manager_a, case=case_a, kind="psd", title="PSD", body="Strategy")
    body = api_as("prosecutor_a").get(f"/cases/{case_a.pk}").json()
    assert body["version"] == 1
    assert body["defendants"][0]["last_name"] == "Smith"
    assert body["defendants"][0]["charges"][0]["offence"] == "Fraud"
    assert body["documents"] == [
        {
            "id": body["documents"][0]["id"],
            "kind": "psd",
            "title": "PSD",
            "current_version_number": 1,
            "updated_at": body["documents"][0]["updated_at"],
            "version": 1,
        }
    ]
    assert "body" not in body["documents"][0]
    assert body["hearings"] == []


def test_pages_walk_every_case_once(personas, api_as):
    made = {make_case(actor=personas.manager_a).pk for _ in range(23)}
    client = api_as("manager_a")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = client.get("/cases", **params).json()
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == made


def test_filters_narrow_the_list(personas, api_as):
    larch = make_case(actor=personas.manager_a, operation_name="Operation Larch")
    oak = make_case(
        actor=personas.manager_a, operation_name="Operation Oak", allocated_lawyer_id=personas.prosecutor_a.pk
    )
    services.case_change_stage(actor=personas.manager_a, case=oak, expected_version=1, stage=Stage.CHARGING_DECISION)
    client = api_as("hq")
    ids = lambda **params: {item["id"] for item in client.get("/cases", **params).json()["items"]}  # noqa: E731
    assert ids(q="larch") == {larch.pk}
    assert ids(q=larch.urn[:6]) >= {larch.pk}
    assert ids(stage="charging_decision") == {oak.pk}
    assert ids(lawyer=personas.prosecutor_a.pk) == {oak.pk}
    assert ids(unit=personas.unit_b.pk) == set()


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _cursor({"a": 1}),
        _cursor(["2026-01-01T00:00:00", 1]),  # no time zone
        _cursor(["yesterday", 1]),
        _cursor(["2026-01-01T00:00:00+00:00", 2**70]),
        _cursor(["2026-01-01T00:00:00+00:00", -1]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_bad_cursor_is_a_clear_400(personas, api_as, cursor):
    response = api_as("manager_a").get("/cases", cursor=cursor)
    assert response.status_code == 400
    assert "cursor is not valid" in response.json()["detail"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"limit": "many"}, {"stage": "nowhere"}, {"unit": -1}]
)
def test_bad_list_parameters_are_422(personas, api_as, params):
    response = api_as("manager_a").get("/cases", **params)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_list_query_count_does_not_grow_with_the_page(personas, api_as):
    client = api_as("manager_a")
    make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    client.get("/auth/me")  # the token's first use writes last_used_at; later uses within minutes do not
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/cases").json()["items"]) == 1
    for _ in range(15):
        make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/cases").json()["items"]) == 16
    assert len(large.captured_queries) == len(small.captured_queries)
    # the token with its user, the user's roles, the page with units and lawyers joined; then the
    # consultation of every case on the page, logged in one batch (savepoints, chain head, insert)
    assert len(large.captured_queries) <= 11  # PostgreSQL adds the audit append lock


def test_detail_query_count_does_not_grow_with_defendants(personas, case_a, api_as):
    client = api_as("manager_a")
    client.get("/auth/me")  # first use of the token writes last_used_at

    def add_defendant() -> None:
        defendant = services.defendant_add(actor=personas.manager_a, case=case_a, first_names="A", last_name="B")
        services.charge_add(actor=personas.manager_a, defendant=defendant, offence="Fraud", classification="either_way")

    add_defendant()
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"/cases/{case_a.pk}").json()["defendants"]) == 1
    for _ in range(5):
        add_defendant()
    with CaptureQueriesContext(connection) as six:
        assert len(client.get(f"/cases/{case_a.pk}").json()["defendants"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries)
