"""The per-user calendar feed: secret URL, revocation, content through visible_to, RFC 5545 text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.progression import feeds, services
from casework.progression.models import CalendarFeed
from tests.factories import Personas

TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))


def _feed_url(client, user) -> str:
    client.force_login(user)
    response = client.post(reverse("progression:calendar"), {"action": "create"})
    url = response.context["new_url"]
    client.logout()
    return url.split("testserver", 1)[1]


def test_create_shows_url_once_and_stores_only_hash(client, personas: Personas) -> None:
    path = _feed_url(client, personas.prosecutor_a)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=personas.prosecutor_a)
    assert feed.token_hash == feeds.token_hash(token) and token not in feed.token_hash
    client.force_login(personas.prosecutor_a)
    assert token not in client.get(reverse("progression:calendar")).content.decode()


def test_feed_content_and_audit(client, personas: Personas, case_a, case_b) -> None:
    services.direction_add(
        actor=personas.manager_a,
        case=case_a,
        title="Serve bundle; index, pages",
        due_on=TODAY,
        owner_id=personas.prosecutor_a.pk,
        reason="PTPH",
    )
    services.direction_add(
        actor=personas.prosecutor_b,
        case=case_b,
        title="Not mine",
        due_on=TODAY,
        owner_id=personas.prosecutor_b.pk,
        reason="PTPH",
    )
    case_services.hearing_add(
        actor=personas.prosecutor_a,
        case=case_a,
        hearing_type="ptph",
        starts_at=dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC),
        court="Winchester",
    )
    path = _feed_url(client, personas.prosecutor_a)
    response = client.get(path)  # no session: the URL is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260302" in body
    assert "Serve bundle\\; index\\, pages" in body.replace("\r\n ", "")
    assert "DTSTART:20260320T100000Z" in body and "Not mine" not in body
    assert case_b.urn not in body
    event = AuditEvent.objects.filter(action="consult", justification="Calendar feed").get()
    assert event.case_id == case_a.pk and event.actor_id == personas.prosecutor_a.pk


def test_revoked_unknown_and_deactivated_are_404(client, personas: Personas) -> None:
    path = _feed_url(client, personas.prosecutor_a)
    assert client.get(path).status_code == 200
    assert client.get(reverse("progression:calendar_ics", args=["not-a-token"])).status_code == 404
    feed = CalendarFeed.objects.get(user=personas.prosecutor_a)
    client.force_login(personas.prosecutor_a)
    client.post(reverse("progression:calendar"), {"action": "revoke", "feed": feed.pk})
    client.logout()
    assert client.get(path).status_code == 404
    assert AuditEvent.objects.filter(action="permission_change", subject_type="progression.calendarfeed").count() == 2
    path = _feed_url(client, personas.prosecutor_a)
    personas.prosecutor_a.is_active = False
    personas.prosecutor_a.save()
    assert client.get(path).status_code == 404


def test_new_feed_replaces_the_old(client, personas: Personas) -> None:
    first = _feed_url(client, personas.prosecutor_a)
    second = _feed_url(client, personas.prosecutor_a)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_someone_elses_feed_cannot_be_revoked(client, personas: Personas) -> None:
    _feed_url(client, personas.prosecutor_a)
    feed = CalendarFeed.objects.get(user=personas.prosecutor_a)
    client.force_login(personas.manager_a)
    assert client.post(reverse("progression:calendar"), {"action": "revoke", "feed": feed.pk}).status_code == 404


def test_feed_loses_cases_the_user_can_no_longer_see(client, personas: Personas, case_a) -> None:
    services.direction_add(
        actor=personas.manager_a,
        case=case_a,
        title="Serve bundle",
        due_on=TODAY,
        owner_id=personas.prosecutor_a.pk,
        reason="PTPH",
    )
    path = _feed_url(client, personas.prosecutor_a)
    assert "Serve bundle" in client.get(path).content.decode()
    case_services.case_update(
        actor=personas.manager_a,
        case=case_a,
        expected_version=case_a.version,
        allocated_lawyer_id=personas.manager_a.pk,
    )
    assert "Serve bundle" not in client.get(path).content.decode()


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("a,b", "a\\,b"), ("a;b", "a\\;b"), ("a\\b", "a\\\\b"), ("line1\nline2", "line1\\nline2"), ("x\r\ny", "x\\ny")],
)
def test_text_escaping(raw: str, escaped: str) -> None:
    assert feeds.escape_text(raw) == escaped


def test_folding_at_75_octets_never_splits_a_character() -> None:
    line = "SUMMARY:" + "é" * 100
    folded = feeds.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line
    assert feeds.fold("SHORT:x") == "SHORT:x"
