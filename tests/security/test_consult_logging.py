"""Every read of case personal data is logged (DPA 2018 s.62): structural, over every routed page
and every API operation.

Each reader of unit B's case GETs every URL of the project and every GET operation of the API.
Wherever the answer shows the case's personal data (its URN, operation name, defendant's name),
the same request must have written a `consult` (or `disclose`) event by that reader about that
case: either an event with the case's id, or one list-level event naming the case among its
`cases`. Wherever a CPS reader is shown a police referral's content, a `consult` of that referral
must be written. A new page or endpoint that shows case data without logging it fails here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from casework.audit.models import AuditEvent
from casework.core import clock
from casework.people.choices import RoleCode
from casework.progression import services as progression_services
from casework.progression.models import CustodyClock
from tests.factories import make_user
from tests.security.matrix import MATRIX, PUBLIC
from tests.security.test_api_matrix import _fill, operations
from tests.security.test_url_matrix import _url
from tests.security.world import World

READ_ACTIONS = ("consult", "disclose", "export")


def _body(response: Any) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return content.decode("utf-8", "replace")


def _names_case(event: AuditEvent, case_id: int) -> bool:
    if event.case_id == case_id:
        return True
    listed = event.changes_dict.get("cases") if event.changes else None
    return bool(listed) and case_id in (listed[1] or [])


class Checker:
    def __init__(self, world: World, persona: str, user: Any) -> None:
        self.world, self.persona, self.user = world, persona, user
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)
        self.referral_id = str(world.kwargs["referral_id"])
        self.problems: list[str] = []
        self.checked = 0

    def get(self, url: str, **params: Any) -> None:
        before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        response = self.client.get(url, params, secure=url.startswith("/api/"))
        if response.status_code != 200:
            return
        body = _body(response)
        events = list(AuditEvent.objects.filter(seq__gt=before, actor_id=self.user.pk, action__in=READ_ACTIONS))
        where = f"GET {url} {params or ''} as {self.persona}"
        asked = " ".join(str(value) for value in params.values())  # a search box echoing the query reads nothing
        shown = [marker for marker in self.world.markers if marker in body and marker not in asked]
        if shown:
            self.checked += 1
            if not any(_names_case(event, self.world.case_b.pk) for event in events):
                self.problems.append(f"{where} shows {shown} of the case but logs no consultation of it")
        # The police's own content (their reference for the case), not the service's reference number.
        referral = [marker for marker in self.world.force_markers[:1] if marker in body]
        if referral and RoleCode.POLICE_LIAISON not in self.user.role_codes:
            self.checked += 1
            logged = any(e.subject_type == "partners.referral" and e.subject_id == self.referral_id for e in events)
            if not logged:
                self.problems.append(f"{where} shows the police referral {referral} but logs no consultation of it")


@pytest.fixture
def readers(world: World) -> dict[str, Any]:
    """Unit B's readers, with the case's custody clock running out and a task due, so the board,
    the task list and the expiring-clock list show it."""
    manager_b = make_user("manager.b", RoleCode.LEGAL_MANAGER, unit=world.personas.unit_b)
    people = world.personas
    ctl = CustodyClock.objects.get(pk=world.kwargs["clock_id"])
    progression_services.clock_event_record(
        actor=people.prosecutor_b, clock=ctl, kind="remanded", occurred_on=clock.today() - dt.timedelta(days=170)
    )
    progression_services.task_create(
        actor=people.prosecutor_b,
        title="Chase the MG6",
        due_on=clock.today(),
        case=world.case_b,
        assignee_id=people.prosecutor_b.pk,
    )
    return {"prosecutor_b": people.prosecutor_b, "manager_b": manager_b, "hq": people.hq, "inspector": people.inspector}


def _page_params(world: World) -> list[dict[str, Any]]:
    return [{}, {"unit": world.personas.unit_b.pk, "q": world.case_b.urn}]


@pytest.mark.parametrize("persona", ["prosecutor_b", "manager_b", "hq", "inspector"])
def test_every_page_that_shows_case_data_logs_the_consultation(world: World, readers, persona):
    checker = Checker(world, persona, readers[persona])
    for name, probe in MATRIX.items():
        if probe.kind == PUBLIC:
            continue
        for params in _page_params(world):
            checker.get(_url(name, world), **params)
    assert checker.checked > 0, "no page showed the case: the check tests nothing"
    assert checker.problems == [], "\n".join(checker.problems)


@pytest.mark.parametrize("persona", ["prosecutor_b", "manager_b", "hq", "inspector"])
def test_every_api_operation_that_returns_case_data_logs_the_consultation(world: World, readers, persona):
    checker = Checker(world, persona, readers[persona])
    for path, method, _operation in operations(Client()):
        if method != "get" or path.endswith(("openapi.json", "/docs")):
            continue
        checker.get(_fill(path, world.kwargs), **({"q": world.case_b.urn} if "{" not in path else {}))
    assert checker.checked > 0, "no operation returned the case: the check tests nothing"
    assert checker.problems == [], "\n".join(checker.problems)


def test_the_checker_catches_an_unlogged_read(world: World, readers, monkeypatch):
    """A page that shows the case without logging it is reported (the oracle works)."""
    from casework.audit import services

    monkeypatch.setattr(services, "record_many", lambda **kwargs: [services.EventRef(seq=0, hash="")])
    checker = Checker(world, "hq", readers["hq"])
    checker.get(f"/cases/{world.case_b.pk}/")
    assert checker.problems and "logs no consultation" in checker.problems[0]


def test_list_level_events_name_their_cases(world: World):
    event = AuditEvent(changes=json.dumps({"cases": [None, [world.case_b.pk]]}))
    assert _names_case(event, world.case_b.pk) and not _names_case(event, world.case_a.pk)


def test_the_middleware_logs_a_case_page_a_view_forgot(world: World, readers, monkeypatch):
    """The safety net: a page about a case whose view logs nothing still writes the consultation."""
    from casework.cases import services

    monkeypatch.setattr(services, "case_open", lambda **kwargs: services.Case.objects.get(pk=kwargs["case_id"]))
    checker = Checker(world, "hq", readers["hq"])
    checker.get(f"/cases/{world.case_b.pk}/")
    assert checker.checked and checker.problems == []
    event = AuditEvent.objects.filter(actor_id=readers["hq"].pk, case_id=world.case_b.pk).latest("seq")
    assert event.action == "consult" and event.justification.startswith("Page cases:detail: HQ national oversight")


def test_a_409_that_echoes_current_values_is_a_logged_consultation(world: World):
    """A stale edit is answered with the values someone else saved: that answer is a read."""
    from casework.api import services as api_services
    from tests.api.conftest import ApiClient

    writer = world.personas.prosecutor_b
    client = ApiClient(api_services.api_token_issue(actor=writer, name="t").token)
    assert client.patch(f"/cases/{world.case_b.pk}", {"version": 1, "summary": "First"}).status_code == 200
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    stale = client.patch(f"/cases/{world.case_b.pk}", {"version": 1, "summary": "Second"})
    assert stale.status_code == 409 and stale.json()["changed"]["summary"][1] == "First"
    consulted = AuditEvent.objects.filter(seq__gt=before, actor_id=writer.pk, action="consult", case_id=world.case_b.pk)
    assert consulted.exists()
