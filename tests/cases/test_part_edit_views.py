"""Changing a defendant, a charge or a hearing: saved with optimistic locking, conflicts explained, access denied
to those who may not change the case."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import Case, Charge, Defendant, Hearing
from tests.factories import Personas

UTC = dt.UTC


@pytest.fixture
def parts(personas: Personas, case_a: Case) -> dict:
    actor = personas.manager_a
    defendant = services.defendant_add(
        actor=actor, case=case_a, first_names="Ann", last_name="Lee", date_of_birth=dt.date(1980, 5, 4)
    )
    charge = services.charge_add(
        actor=actor, defendant=defendant, offence="Fraud by false representation", classification="either_way"
    )
    hearing = services.hearing_add(
        actor=actor,
        case=case_a,
        hearing_type="ptph",
        starts_at=dt.datetime(2025, 4, 1, 9, 0, tzinfo=UTC),
        court="Winchester Crown Court",
    )
    return {"defendant": defendant, "charge": charge, "hearing": hearing}


def edit_url(name: str, case: Case, parts: dict) -> str:
    defendant, charge, hearing = parts["defendant"], parts["charge"], parts["hearing"]
    args = {
        "cases:defendant_edit": [case.pk, defendant.pk],
        "cases:charge_edit": [case.pk, defendant.pk, charge.pk],
        "cases:hearing_edit": [case.pk, hearing.pk],
    }[name]
    return reverse(name, args=args)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} field"
    return unescape(match.group(1))


def loaded_form(client: Client, url: str) -> dict:
    """The hidden fields of the edit page, as the browser would send them back."""
    html = client.get(url).content.decode()
    return {"version": hidden(html, "version"), "loaded": hidden(html, "loaded")}


EDIT_PAGES = ["cases:defendant_edit", "cases:charge_edit", "cases:hearing_edit"]


def test_defendant_edit_saves_and_audits(client, personas: Personas, case_a: Case, parts: dict) -> None:
    url = edit_url("cases:defendant_edit", case_a, parts)
    client.force_login(personas.prosecutor_a)
    html = client.get(url).content.decode()
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" value="4"' in html
    data = {
        **loaded_form(client, url),
        "first_names": "Ann",
        "last_name": "Lee-Smith",
        "date_of_birth_day": "4",
        "date_of_birth_month": "5",
        "date_of_birth_year": "1980",
        "custody_status": "custody",
    }
    response = client.post(url, data)
    # Back to the top of the case page's defendants section (no #fragment), where the success banner is.
    assert response.status_code == 302 and response["Location"] == f"/cases/{case_a.pk}/defendants/"
    defendant = Defendant.objects.get(pk=parts["defendant"].pk)
    assert defendant.last_name == "Lee-Smith" and defendant.custody_status == "custody" and defendant.version == 2
    event = AuditEvent.objects.filter(action="alter", subject_type="cases.defendant").latest("seq")
    assert event.changes_dict == {"last_name": ["Lee", "Lee-Smith"], "custody_status": ["not_arrested", "custody"]}


def test_charge_edit_saves(client, personas: Personas, case_a: Case, parts: dict) -> None:
    url = edit_url("cases:charge_edit", case_a, parts)
    client.force_login(personas.manager_a)
    data = {
        **loaded_form(client, url),
        "offence": "Conspiracy to defraud",
        "classification": "indictable_only",
        "charged_on_day": "2",
        "charged_on_month": "3",
        "charged_on_year": "2025",
    }
    assert client.post(url, data).status_code == 302
    charge = Charge.objects.get(pk=parts["charge"].pk)
    assert (charge.offence, charge.classification, charge.charged_on) == (
        "Conspiracy to defraud",
        "indictable_only",
        dt.date(2025, 3, 2),
    )


def test_hearing_edit_reads_uk_time(client, personas: Personas, case_a: Case, parts: dict) -> None:
    url = edit_url("cases:hearing_edit", case_a, parts)
    client.force_login(personas.prosecutor_a)
    html = client.get(url).content.decode()
    # 09:00 UTC on 1 April 2025 is 10:00 British Summer Time.
    assert 'name="starts_at_time" type="text" value="10:00"' in html
    data = {
        **loaded_form(client, url),
        "hearing_type": "ptph",
        "starts_at_day": "2",
        "starts_at_month": "4",
        "starts_at_year": "2025",
        "starts_at_time": "14:30",
        "court": "Southampton Crown Court",
        "outcome": "Adjourned",
    }
    assert client.post(url, data).status_code == 302
    hearing = Hearing.objects.get(pk=parts["hearing"].pk)
    assert hearing.starts_at == dt.datetime(2025, 4, 2, 13, 30, tzinfo=UTC)
    assert hearing.court == "Southampton Crown Court" and hearing.outcome == "Adjourned"


def test_stale_defendant_edit_names_the_other_change(client, personas: Personas, case_a: Case, parts: dict) -> None:
    url = edit_url("cases:defendant_edit", case_a, parts)
    client.force_login(personas.prosecutor_a)
    mine = {
        **loaded_form(client, url),
        "first_names": "Ann",
        "last_name": "Leigh",
        "date_of_birth_day": "4",
        "date_of_birth_month": "5",
        "date_of_birth_year": "1980",
        "custody_status": "not_arrested",
    }
    other = Client()
    other.force_login(personas.manager_a)
    theirs = {**mine, **loaded_form(other, url), "last_name": "Lee", "custody_status": "bail"}
    assert other.post(url, theirs).status_code == 302

    response = client.post(url, mine)
    html = response.content.decode()
    assert response.status_code == 200 and "Someone else changed this" in html
    assert "Custody status: changed by someone else to On bail" in html
    assert "Last name: changed by someone else" not in html  # they left it as it was
    assert 'value="Leigh"' in html and hidden(html, "version") == "2"
    resubmit = {**mine, "version": hidden(html, "version"), "loaded": hidden(html, "loaded")}
    assert client.post(url, resubmit).status_code == 302
    defendant = Defendant.objects.get(pk=parts["defendant"].pk)
    assert defendant.last_name == "Leigh" and defendant.custody_status == "not_arrested" and defendant.version == 3


def test_stale_hearing_edit_shows_the_new_time(client, personas: Personas, case_a: Case, parts: dict) -> None:
    url = edit_url("cases:hearing_edit", case_a, parts)
    client.force_login(personas.prosecutor_a)
    mine = {
        **loaded_form(client, url),
        "hearing_type": "ptph",
        "starts_at_day": "1",
        "starts_at_month": "4",
        "starts_at_year": "2025",
        "starts_at_time": "10:00",
        "court": "Winchester Crown Court",
        "outcome": "Listed for trial",
    }
    hearing = Hearing.objects.get(pk=parts["hearing"].pk)
    services.hearing_update(
        actor=personas.manager_a,
        hearing=hearing,
        expected_version=hearing.version,
        starts_at=dt.datetime(2025, 4, 3, 13, 0, tzinfo=UTC),
    )
    html = client.post(url, mine).content.decode()
    assert "Date and time: changed by someone else to 3 April 2025 at 14:00" in html
    assert 'href="#id_starts_at_day"' in html


@pytest.mark.parametrize("name", EDIT_PAGES)
@pytest.mark.parametrize("persona", ["prosecutor_b", "paralegal_a", "police_x", "police_y", "admin"])
def test_part_edit_pages_are_404_outside_the_case(client, personas, case_a, parts, name, persona) -> None:
    client.force_login(getattr(personas, persona))
    url = edit_url(name, case_a, parts)
    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 1}).status_code == 404


@pytest.mark.parametrize("name", EDIT_PAGES)
@pytest.mark.parametrize("persona", ["hq", "inspector", "area_leader_a"])
def test_part_edit_pages_are_403_for_read_only_roles(client, personas, case_a, parts, name, persona) -> None:
    client.force_login(getattr(personas, persona))
    url = edit_url(name, case_a, parts)
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": 1}).status_code == 403
    assert not AuditEvent.objects.filter(action="alter", subject_type__in=["cases.defendant", "cases.hearing"]).exists()


def test_part_of_another_case_is_404(client, personas: Personas, case_a: Case, case_b: Case, parts: dict) -> None:
    client.force_login(personas.prosecutor_a)
    defendant, charge, hearing = parts["defendant"], parts["charge"], parts["hearing"]
    other = services.case_create(
        actor=personas.manager_a,
        unit_id=personas.unit_a.pk,
        urn="99ZZ0000001",
        allocated_lawyer_id=personas.prosecutor_a.pk,
    )
    assert client.get(reverse("cases:defendant_edit", args=[other.pk, defendant.pk])).status_code == 404
    assert client.get(reverse("cases:charge_edit", args=[other.pk, defendant.pk, charge.pk])).status_code == 404
    assert client.get(reverse("cases:hearing_edit", args=[other.pk, hearing.pk])).status_code == 404


def _sections_html(client, case: Case) -> str:
    """The case page's defendants and hearings sections, where the parts are edited from."""
    return "".join(
        client.get(reverse("cases:section", args=[case.pk, section])).content.decode()
        for section in ("defendants", "hearings")
    )


def test_case_page_links_to_part_edits_only_for_editors(client, personas: Personas, case_a: Case, parts) -> None:
    client.force_login(personas.prosecutor_a)
    html = _sections_html(client, case_a)
    for name in EDIT_PAGES:
        assert edit_url(name, case_a, parts) in html
    client.force_login(personas.hq)
    html = _sections_html(client, case_a)
    for name in EDIT_PAGES:
        assert edit_url(name, case_a, parts) not in html
