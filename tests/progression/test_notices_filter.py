"""The notices page can be filtered (unread, what about, URN), shows the filters in force as
removable tags with the matching count, and downloads what it shows as CSV, a disclosure that
names its recipient and purpose and is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.progression.models import Notice
from tests.factories import DISCLOSURE, Personas, export_post, make_case

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(NOW)


@pytest.fixture
def notices(personas: Personas, case_a):
    other = make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk, urn="77ZZ9999926")

    def add(case, key, event, text, read=False):
        return Notice.objects.create(
            user=personas.prosecutor_a,
            case=case,
            key=key,
            event=event,
            due_on=TODAY + dt.timedelta(days=5),
            text=text,
            created_at=NOW,
            read_at=NOW if read else None,
        )

    return {
        "warning": add(case_a, "w", "ctl_warning", "Limit near expiry on the first case."),
        "moved": add(case_a, "m", "deadline_moved", "A date moved on the first case.", read=True),
        "other": add(other, "o", "ctl_warning", "Limit near expiry on the second case."),
        "theirs": Notice.objects.create(
            user=personas.prosecutor_b, case=None, key="x", event="ctl_warning", text="Someone else's.", created_at=NOW
        ),
    }


def _page(client, **params) -> str:
    response = client.get(reverse("progression:notices"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_unread_only(client, personas: Personas, notices) -> None:
    client.force_login(personas.prosecutor_a)
    page = _page(client, unread="on")
    assert "Limit near expiry on the first case." in page and "A date moved on the first case." not in page
    assert "Notices (2 matching)" in page and "Unread only" in page


def test_what_about_options_combine_with_or_and_groups_with_and(client, personas: Personas, notices, case_a) -> None:
    client.force_login(personas.prosecutor_a)
    both = _page(client, event=["ctl_warning", "deadline_moved"])
    assert all(text in both for text in ("first case.", "A date moved", "second case."))
    narrowed = _page(client, event=["ctl_warning", "deadline_moved"], q=case_a.urn[:6].lower())
    assert "Limit near expiry on the first case." in narrowed and "A date moved on the first case." in narrowed
    assert "second case." not in narrowed
    warnings_unread = _page(client, event="ctl_warning", unread="on")
    assert "A date moved" not in warnings_unread and "second case." in warnings_unread


def test_each_selected_filter_links_to_the_page_without_it(client, personas: Personas, notices) -> None:
    client.force_login(personas.prosecutor_a)
    page = _page(client, unread="on", event="deadline_moved")
    assert 'href="/progression/notices/?event=deadline_moved"' in page  # "Unread only" removed
    assert 'href="/progression/notices/?unread=on"' in page  # "Date moved" removed
    assert "No notices match these filters." in page


def test_a_bad_filter_value_is_a_field_error_not_a_failure(client, personas: Personas, notices) -> None:
    client.force_login(personas.prosecutor_a)
    page = _page(client, event="not-an-event")
    assert "govuk-error-summary" in page and "Limit near expiry on the first case." in page


def test_the_download_is_a_recorded_disclosure_of_what_the_page_shows(client, personas: Personas, notices) -> None:
    client.force_login(personas.prosecutor_a)
    url = reverse("progression:notices_export")
    form = client.get(url + "?unread=on")
    assert form.status_code == 200 and "text/csv" not in form["Content-Type"]  # asks who and why first
    response = export_post(client, url, {"unread": "on"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Group", "Case", "What about", "Notice"]
    texts = {row[3] for row in rows[1:]}
    assert texts == {"Limit near expiry on the first case.", "Limit near expiry on the second case."}
    event = AuditEvent.objects.filter(action="disclose", subject_type="progression.notice").latest("seq")
    assert event.recipient == DISCLOSURE["recipient"] and event.justification == DISCLOSURE["purpose"]
    assert sorted(event.changes_dict["cases"][1]) == sorted({notices["warning"].case_id, notices["other"].case_id})


@pytest.mark.parametrize("persona", ["prosecutor_b", "manager_a", "police_x"])
def test_nobody_downloads_anothers_notices(client, personas: Personas, notices, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    response = export_post(client, reverse("progression:notices_export"))
    body = response.content.decode()
    assert "first case" not in body and "second case" not in body


def test_each_group_shows_its_most_urgent_notices_and_consults_only_their_cases(
    client, personas: Personas, monkeypatch
) -> None:
    from casework.progression import views

    monkeypatch.setattr(views, "NOTICE_ROWS", 2)
    cases = [make_case(actor=personas.manager_a, allocated_lawyer_id=personas.prosecutor_a.pk) for _ in range(5)]
    for n, case in enumerate(cases):
        Notice.objects.create(
            user=personas.prosecutor_a,
            case=case,
            key=f"k{n}",
            event="ctl_warning",
            due_on=TODAY + dt.timedelta(days=3 + n),
            text=f"Limit near expiry, number {n}.",
            created_at=NOW,
        )
    client.force_login(personas.prosecutor_a)
    before = set(AuditEvent.objects.filter(action="consult").values_list("seq", flat=True))
    page = _page(client)
    assert "Showing the 2 most urgent of 5." in page
    assert "number 0." in page and "number 1." in page and "number 2." not in page  # soonest first
    consulted = AuditEvent.objects.filter(action="consult").exclude(seq__in=before)
    assert sorted(consulted.values_list("case_id", flat=True)) == sorted(c.pk for c in cases[:2])
    # The CSV still has every one.
    rows = list(csv.reader(io.StringIO(export_post(client, reverse("progression:notices_export")).content.decode())))
    assert sum(1 for row in rows if any("Limit near expiry, number" in cell for cell in row)) == 5
