"""The audit trail search page: who reaches it, what each sees, and that searching is audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from casework.audit import services
from casework.audit.models import AuditEvent
from casework.audit.selectors import case_timeline
from tests.factories import DISCLOSURE, export_post

ALLOWED = {"unithead_a", "hq", "inspector", "admin"}
DENIED = {"prosecutor_a", "paralegal_a", "manager_a", "prosecutor_b", "area_leader_a", "police_x", "police_y"}


def search(client, user, **params):
    client.force_login(user)
    return client.get(reverse("audit:search"), params)


@pytest.mark.parametrize("persona", sorted(ALLOWED))
def test_audit_roles_reach_the_search(client, personas, persona):
    response = search(client, getattr(personas, persona))
    assert response.status_code == 200
    assert b"Audit trail" in response.content


@pytest.mark.parametrize("persona", sorted(DENIED))
def test_other_roles_get_not_found(client, personas, persona):
    client.force_login(getattr(personas, persona))
    before = AuditEvent.objects.count()
    assert client.get(reverse("audit:search")).status_code == 404
    assert client.get(reverse("audit:search"), {"format": "csv", "reason": "curious"}).status_code == 404
    assert AuditEvent.objects.count() == before  # nothing searched, nothing exported


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(reverse("audit:search"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_search_is_itself_a_consultation(client, personas, case_a):
    response = search(client, personas.inspector, action="alter", case=case_a.pk)
    assert response.status_code == 200
    logged = AuditEvent.objects.order_by("-seq").first()
    assert logged.action == "consult"
    assert logged.actor_id == personas.inspector.pk
    assert logged.justification == f"Audit trail search: action=alter, case={case_a.pk}"


def test_unit_head_sees_own_unit_but_not_another_units_case(client, personas, case_a, case_b):
    response = search(client, personas.unithead_a)
    seqs = {event.seq for event in response.context["events"]}
    assert AuditEvent.objects.filter(case_id=case_a.pk).first().seq in seqs
    assert not seqs & set(AuditEvent.objects.filter(case_id=case_b.pk).values_list("seq", flat=True))


def test_administrator_sees_only_events_outside_cases(client, personas, case_a):
    services.record(actor=personas.admin, action="config_change", subject_type="settings", subject_label="Limits")
    events = search(client, personas.admin).context["events"]
    assert events
    assert all(event.case_id is None for event in events)


def test_filters_narrow_the_results(client, personas, case_a, case_b):
    events = search(client, personas.hq, case=case_b.pk).context["events"]
    assert events and {event.case_id for event in events} == {case_b.pk}
    events = search(client, personas.hq, actor="prosecutor.b").context["events"]
    assert events and all("prosecutor.b" in event.actor_label for event in events)
    events = search(client, personas.hq, subject="Operation Rowan").context["events"]
    assert events and all("Rowan" in event.subject_label for event in events)


def test_keyset_pagination_walks_back_through_the_trail(client, personas, make_events):
    make_events(120)
    first = search(client, personas.inspector, action="alter")
    page_one = [event.seq for event in first.context["events"]]
    assert len(page_one) == 50 and page_one == sorted(page_one, reverse=True)
    assert first.context["next_href"]
    second = search(client, personas.inspector, action="alter", before=page_one[-1])
    page_two = [event.seq for event in second.context["events"]]
    assert page_two[0] == page_one[-1] - 1 and len(page_two) == 50


def test_invalid_dates_show_an_error(client, personas):
    dates = {"date_from_day": "5", "date_from_month": "3", "date_from_year": "2026"}
    dates |= {"date_to_day": "1", "date_to_month": "3", "date_to_year": "2026"}
    response = search(client, personas.inspector, **dates)
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert "To date must be the same as or after the from date" in response.content.decode()
    impossible = search(client, personas.inspector, date_from_day="31", date_from_month="2", date_from_year="2026")
    assert impossible.status_code == 400 and "From date must be a real date" in impossible.content.decode()


def test_csv_download_asks_who_receives_it_and_why(client, personas):
    """A link (GET) to the download shows the form; a POST without a recipient and purpose is refused."""
    page = search(client, personas.inspector, format="csv", action="login")
    assert page.status_code == 200 and b"Who will receive this file?" in page.content
    assert b'action="/audit/?' in page.content and b"action=login" in page.content  # the filters are kept
    refused = client.post(reverse("audit:search") + "?format=csv", {"recipient": "", "purpose": "aaaa"})
    assert refused.status_code == 400 and b"Enter who will receive the file" in refused.content
    assert not AuditEvent.objects.filter(action__in=["export", "disclose"]).exists()


def test_csv_download_is_audited_and_formula_safe(client, personas):
    services.record(actor=None, action="collect", subject_type="x", subject_label='=HYPERLINK("http://evil")')
    client.force_login(personas.inspector)
    response = export_post(client, reverse("audit:search"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    labels = [row[8] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in labels
    exported = AuditEvent.objects.order_by("-seq").first()
    assert exported.action == "disclose"
    assert (exported.justification, exported.recipient) == (DISCLOSURE["purpose"], DISCLOSURE["recipient"])
    assert exported.actor_id == personas.inspector.pk


def test_an_export_cannot_be_triggered_by_a_link_from_another_site(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.inspector)
    assert client.post(reverse("audit:search") + "?format=csv", DISCLOSURE).status_code == 403
    assert b"text/csv" not in client.get(reverse("audit:search"), {"format": "csv"}).get("Content-Type", "").encode()
    assert not AuditEvent.objects.filter(action__in=["export", "disclose"]).exists()


def test_case_timeline_lists_the_case_events_newest_first(personas, case_a, case_b):
    timeline = case_timeline(case_id=case_a.pk, limit=10)
    assert timeline and all(event.case_id == case_a.pk for event in timeline)
    assert [event.seq for event in timeline] == sorted((event.seq for event in timeline), reverse=True)
    assert len(case_timeline(case_id=case_a.pk, limit=1)) == 1


def test_unit_head_scope_is_the_cases_unit_by_id_not_the_actors_unit_name(client, personas, case_a):
    """Unit B's head once saw (and exported) events about a unit A case because the actor was in
    unit B: the search is scoped by the case's unit, by id."""
    from casework.people.choices import RoleCode
    from tests.factories import make_user

    unithead_b = make_user("unithead.b", RoleCode.UNIT_HEAD, unit=personas.unit_b)
    services.record(
        actor=personas.prosecutor_b,
        action="consult",
        subject_type="cases.case",
        subject_label="Larch visit by unit B",
        case_id=case_a.pk,
        justification="Looked",
    )
    services.record(actor=personas.prosecutor_b, action="login", subject_type="people.user", subject_label="B in")
    labels = {event.subject_label for event in search(client, unithead_b).context["events"]}
    assert "Larch visit by unit B" not in labels and "B in" in labels
    assert not any(event.case_id == case_a.pk for event in search(client, unithead_b, case=case_a.pk).context["events"])
    assert AuditEvent.objects.visible_to(unithead_b).filter(case_id=case_a.pk).count() == 0
    # Unit A's head sees it: the case is theirs, whoever the actor was.
    assert "Larch visit by unit B" in {e.subject_label for e in search(client, personas.unithead_a).context["events"]}
