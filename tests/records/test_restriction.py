"""Restriction of processing (DPA 2018 s.47(2)): a restricted case is kept but hidden from normal
work for every role, through every channel that goes through the one access path, and is read only
by a named reader (the unit head or records officer of its unit) giving a reason each time, with
every page that shows it marked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from casework.api import services as api_services
from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.cases.models import Case
from casework.core.errors import NotFound, ValidationFailed
from tests.api.conftest import ApiClient

EVERYONE = ["prosecutor_a", "paralegal_a", "manager_a", "unithead_a", "prosecutor_b", "area_leader_a", "hq",
            "inspector", "police_x", "police_y", "admin"]  # fmt: skip


@pytest.fixture
def restricted_case(personas, case_a, records_a):
    case_services.case_restrict(actor=records_a, case_id=case_a.pk, reason="The defendant contests its accuracy")
    return Case.objects.get(pk=case_a.pk)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", EVERYONE)
def test_nobody_finds_a_restricted_case_in_normal_work(personas, restricted_case, persona):
    user = getattr(personas, persona)
    assert not Case.objects.visible_to(user).filter(pk=restricted_case.pk).exists()
    client = client_for(user)
    assert client.get(reverse("cases:detail", args=[restricted_case.pk])).status_code == 404
    for name in ("cases:my", "cases:unit", "cases:all"):
        response = client.get(reverse(name))
        assert restricted_case.urn not in response.content.decode(), (persona, name)


def test_restricted_cases_leave_the_api_and_exports(personas, restricted_case):
    for persona in ("prosecutor_a", "manager_a", "hq"):
        user = getattr(personas, persona)
        api = ApiClient(api_services.api_token_issue(actor=user, name="test").token)
        assert api.get(f"/cases/{restricted_case.pk}").status_code == 404
        listing = api.get("/cases")
        assert listing.status_code == 200
        assert restricted_case.urn not in listing.content.decode()
        client = client_for(user)
        for name in ("cases:my_export", "cases:unit_export", "cases:all_export"):
            response = client.get(reverse(name))
            body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
            assert restricted_case.urn.encode() not in body


def test_lifting_the_restriction_returns_it_to_normal_work(personas, restricted_case, records_a):
    with pytest.raises(ValidationFailed):
        case_services.case_restriction_lift(actor=records_a, case_id=restricted_case.pk, reason="short")
    case_services.case_restriction_lift(
        actor=records_a, case_id=restricted_case.pk, reason="Accuracy confirmed by court"
    )
    assert Case.objects.visible_to(personas.prosecutor_a).filter(pk=restricted_case.pk).exists()
    events = AuditEvent.objects.filter(case_id=restricted_case.pk, subject_type="cases.caserestriction")
    assert [e.justification for e in events.order_by("seq")] == [
        "The defendant contests its accuracy",
        "Accuracy confirmed by court",
    ]


@pytest.mark.parametrize("reader", ["unithead_a", "records_a"])
def test_a_named_reader_opens_it_with_a_reason_and_every_page_marks_it(personas, restricted_case, records_a, reader):
    user = records_a if reader == "records_a" else getattr(personas, reader)
    client = client_for(user)
    assert client.get(reverse("cases:detail", args=[restricted_case.pk])).status_code == 404
    page = client.get(reverse("records:restricted"))
    assert restricted_case.urn in page.content.decode()
    form = client.post(reverse("records:restricted_open", args=[restricted_case.pk]), {"reason": "too short"})
    assert form.status_code == 400 and "at least 10 characters" in form.content.decode()
    opened = client.post(
        reverse("records:restricted_open", args=[restricted_case.pk]),
        {"reason": "Preparing the answer to the accuracy complaint"},
    )
    assert opened.status_code == 302
    detail = client.get(reverse("cases:detail", args=[restricted_case.pk]))
    assert detail.status_code == 200
    assert "Restricted record" in detail.content.decode()
    consults = AuditEvent.objects.filter(case_id=restricted_case.pk, action="consult", actor_id=user.pk)
    assert consults.filter(justification__contains="Preparing the answer to the accuracy complaint").count() >= 2
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        assert not Case.objects.visible_to(user).filter(pk=restricted_case.pk).exists()  # the reading lapsed


@pytest.mark.parametrize("persona", ["prosecutor_a", "manager_a", "hq", "inspector", "admin", "prosecutor_b"])
def test_only_named_readers_may_open_a_restricted_case(personas, restricted_case, persona):
    user = getattr(personas, persona)
    with pytest.raises(NotFound):
        case_services.restricted_reading_open(actor=user, case_id=restricted_case.pk, reason="I would like to see it")
    assert client_for(user).get(reverse("records:restricted_open", args=[restricted_case.pk])).status_code == 404


def test_another_units_records_officer_cannot_open_or_restrict(personas, restricted_case):
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    other = make_user("records.b", RoleCode.RECORDS_OFFICER, unit=personas.unit_b)
    with pytest.raises(NotFound):
        case_services.restricted_reading_open(actor=other, case_id=restricted_case.pk, reason="Curious about it")
    with pytest.raises(NotFound):
        case_services.case_restrict(actor=other, case_id=restricted_case.pk, reason="Restrict another unit's case")


def test_break_glass_cannot_reach_a_restricted_case(personas, restricted_case):
    from tests.factories import make_user

    colleague = make_user("prosecutor.a2", "prosecutor", unit=personas.unit_a)
    with pytest.raises(NotFound):
        case_services.case_break_glass(actor=colleague, urn=restricted_case.urn, justification="Covering a hearing")


def test_restricting_through_the_page(personas, case_a):
    client = client_for(personas.unithead_a)
    response = client.post(reverse("records:restricted"), {"urn": case_a.urn, "reason": "Subject disputes accuracy"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case_a.pk).restricted_at is not None
    missing = client.post(reverse("records:restricted"), {"urn": "NOSUCH", "reason": "Subject disputes accuracy"})
    assert "No case with that URN in your unit" in missing.content.decode()
