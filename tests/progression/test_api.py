"""Progression over the API: same visibility as the pages, consultations logged on case reads."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.audit.models import AuditEvent
from casework.progression import services
from tests.api.conftest import ALL_PERSONAS, SEES_CASE_A
from tests.factories import Personas
from tests.progression.conftest import add_charge

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


@pytest.fixture
def progressed(personas: Personas, case_a):
    charge = add_charge(case_a, personas.prosecutor_a)
    ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
    services.clock_event_record(
        actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=dt.date(2026, 2, 9)
    )
    services.direction_add(
        actor=personas.manager_a, case=case_a, title="Serve bundle", due_on=TODAY, owner_id=None, reason="PTPH"
    )
    services.task_create(
        actor=personas.manager_a, case=case_a, title="Chase the MG5", due_on=TODAY, assignee_id=personas.prosecutor_a.pk
    )
    return case_a


@pytest.mark.parametrize("persona", ALL_PERSONAS)
@pytest.mark.parametrize("part", ["deadlines", "custody-clocks"])
def test_case_parts_follow_visibility(api_as, personas, progressed, persona, part) -> None:
    response = api_as(persona).get(f"/cases/{progressed.pk}/{part}")
    assert response.status_code == (200 if persona in SEES_CASE_A else 404)
    if persona not in SEES_CASE_A:
        assert response.json() == {"detail": "Not found."}


def test_clocks_carry_the_explanation_and_log_a_consultation(api_as, personas, progressed) -> None:
    body = api_as("prosecutor_a").get(f"/cases/{progressed.pk}/custody-clocks").json()
    (clock,) = body
    assert clock["expires_on"] == "2026-04-02" and clock["days_remaining"] == 31
    assert any("Easter Monday" in line for line in clock["explanation"]) and clock["rule_version"]
    event = AuditEvent.objects.filter(action="consult", case_id=progressed.pk).latest("seq")
    assert event.justification == "Prosecutor"


def test_deadlines_listed(api_as, progressed) -> None:
    (deadline,) = api_as("manager_a").get(f"/cases/{progressed.pk}/deadlines").json()
    assert deadline["title"] == "Serve bundle" and deadline["due_on"] == "2026-03-02" and deadline["status"] == "open"


def test_tasks_are_mine_only(api_as, progressed) -> None:
    assert [t["title"] for t in api_as("prosecutor_a").get("/tasks").json()] == ["Chase the MG5"]
    assert api_as("manager_a").get("/tasks").json() == []
    assert api_as("police_x").get("/tasks").status_code == 404  # a force's token reaches only the partner API


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_unit_expiring_lists_only_visible_clocks(api_as, personas, progressed, persona) -> None:
    response = api_as(persona).get(f"/units/{personas.unit_a.pk}/ctl-expiring", within_days=40)
    if persona.startswith("police_"):
        assert response.status_code == 404  # a force's token reaches only the partner API
        return
    assert response.status_code == 200
    assert len(response.json()) == (1 if persona in SEES_CASE_A else 0)


def test_unit_expiring_window_and_unknown_unit(api_as, personas, progressed) -> None:
    client = api_as("manager_a")
    assert client.get(f"/units/{personas.unit_a.pk}/ctl-expiring", within_days=7).json() == []
    assert len(client.get(f"/units/{personas.unit_a.pk}/ctl-expiring").json()) == 0  # default 28: 31 days left
    assert client.get("/units/999999/ctl-expiring").status_code == 404
    assert client.get(f"/units/{personas.unit_a.pk}/ctl-expiring", within_days=-1).status_code == 422


def test_needs_authentication(db) -> None:
    from tests.api.conftest import ApiClient

    assert ApiClient().get("/tasks").status_code == 401


def test_unit_expiring_clocks_read_as_the_case_listing_reads_them(api_as, personas, progressed) -> None:
    """The unit listing builds its answers from plain rows; each must equal the case's own listing."""
    client = api_as("manager_a")
    (listed,) = client.get(f"/units/{personas.unit_a.pk}/ctl-expiring", within_days=40).json()
    by_case = {c["id"]: c for c in client.get(f"/cases/{progressed.pk}/custody-clocks").json()}
    assert listed == by_case[listed["id"]]
    assert listed["defendant"] and listed["explanation"]


def test_unit_expiring_answer_matches_its_documented_schema(api_as, personas, progressed) -> None:
    """The answer is rendered without the framework's check, so check it here against ClockOut."""
    from casework.progression.api import ClockOut

    (listed,) = api_as("hq").get(f"/units/{personas.unit_a.pk}/ctl-expiring", within_days=40).json()
    assert set(listed) == set(ClockOut.model_fields)
    assert ClockOut.model_validate(listed).model_dump(mode="json") == listed


@pytest.fixture
def many_clocks(personas: Personas, case_a):
    """Five running clocks on unit A: two pairs expiring on the same day, so pages break ties by id."""
    for remanded in (
        dt.date(2026, 2, 9),
        dt.date(2026, 2, 9),
        dt.date(2026, 2, 12),
        dt.date(2026, 2, 12),
        dt.date(2026, 2, 20),
    ):
        charge = add_charge(case_a, personas.prosecutor_a)
        ctl = services.custody_clock_open(actor=personas.prosecutor_a, charge=charge, initial_regime="summary")
        services.clock_event_record(actor=personas.prosecutor_a, clock=ctl, kind="remanded", occurred_on=remanded)
    return case_a


def _link_next(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    assert link.endswith('>; rel="next"')
    return link[link.index("<") + 1 : link.index(">")]


def test_unit_expiring_pages_follow_the_link_header_to_the_whole_list(api_as, personas, many_clocks) -> None:
    client = api_as("manager_a")
    path = f"/units/{personas.unit_a.pk}/ctl-expiring"
    whole = client.get(path, within_days=60)
    assert whole.status_code == 200 and "Link" not in whole.headers  # no limit: every clock at once
    everything = whole.json()
    assert len(everything) == 5
    assert [(c["expires_on"], c["id"]) for c in everything] == sorted((c["expires_on"], c["id"]) for c in everything)

    consulted_before = AuditEvent.objects.filter(action="consult").count()
    pages, response = [], client.get(path, within_days=60, limit=2)
    while True:
        assert response.status_code == 200
        pages.append(response.json())
        following = _link_next(response)
        if following is None:
            break
        assert "within_days=60" in following and "limit=2" in following
        response = client.client.get(following, headers=client._headers())
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [clock for page in pages for clock in page] == everything
    # Each page is a consultation of the cases it names.
    assert AuditEvent.objects.filter(action="consult").count() == consulted_before + 3

    last = everything[-1]
    assert client.get(path, within_days=60, limit=2, after=f"{last['expires_on']}:{last['id']}").json() == []


@pytest.mark.parametrize("after", ["tomorrow", "2026-02-30:4", "2026-03-01", "2026-03-01:0", "2026-03-01:x"])
def test_unit_expiring_refuses_an_after_it_did_not_make(api_as, personas, many_clocks, after) -> None:
    response = api_as("manager_a").get(f"/units/{personas.unit_a.pk}/ctl-expiring", limit=2, after=after)
    assert response.status_code == 422
    assert "after" in response.json()["errors"]


def test_unit_expiring_limit_is_bounded(api_as, personas, many_clocks) -> None:
    client = api_as("manager_a")
    assert client.get(f"/units/{personas.unit_a.pk}/ctl-expiring", limit=0).status_code == 422
    assert client.get(f"/units/{personas.unit_a.pk}/ctl-expiring", limit=1001).status_code == 422
