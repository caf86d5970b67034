"""After adding or changing a part of a case the user lands on the section of the case page that shows
that part, with the success banner; Cancel and the breadcrumbs lead there too."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, resolve, reverse

from casework.cases import services
from casework.cases.form_view import case_section_url
from casework.cases.models import Case
from tests.factories import Personas

#: Every case form and the case page section it belongs to (where the user lands after saving).
EXPECTED_SECTIONS = {
    "cases:edit": "overview",
    "cases:stage": "overview",
    "cases:defendant_add": "defendants",
    "cases:defendant_edit": "defendants",
    "cases:charge_add": "defendants",
    "cases:charge_edit": "defendants",
    "cases:hearing_add": "hearings",
    "cases:hearing_edit": "hearings",
    "cases:document_add": "material",
    "cases:document_revise": "material",
    "cases:review_add": "reviews",
    "progression:clock_open": "deadlines",
    "progression:clock_event": "deadlines",
    "progression:clock_check": "deadlines",
    "progression:extension_start": "deadlines",
    "progression:ctl_log_add": "deadlines",
    "progression:deadline_met": "deadlines",
    "progression:deadline_missed": "deadlines",
    "progression:deadline_direct": "deadlines",
    "progression:direction_add": "deadlines",
    "progression:case_task_add": "deadlines",
    "assurance:exemption": "compliance",
    "assurance:waiver_grant": "compliance",
    "assurance:waiver_revoke": "compliance",
    "assurance:signoff_request": "compliance",
    "assurance:panel_meeting": "compliance",
}


def _arity(name: str) -> int:
    for count in (1, 2, 3):
        try:
            reverse(name, args=[1] * count)
        except NoReverseMatch:  # the wrong number of ids
            continue
        return count
    raise AssertionError(name)


@pytest.mark.parametrize(("name", "section"), sorted(EXPECTED_SECTIONS.items()))
def test_each_case_form_declares_the_section_that_shows_its_part(name: str, section: str) -> None:
    view = resolve(reverse(name, args=[1] * _arity(name))).func.view_class  # type: ignore[attr-defined]
    assert view.section == section


def _lands_with_banner(client, response, case: Case, section: str) -> None:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == case_section_url(case.pk, section) == f"/cases/{case.pk}/{section}/"
    page = client.get(response["Location"]).content.decode()
    assert "govuk-notification-banner--success" in page
    assert f'aria-current="page" href="/cases/{case.pk}/{section}/"' in page


def test_a_hearing_lands_on_hearings_with_the_banner(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    data = {"hearing_type": "ptph", "starts_at_day": "2", "starts_at_month": "4", "starts_at_year": "2025"}
    data |= {"starts_at_time": "10:00", "court": "Winchester Crown Court"}
    _lands_with_banner(client, client.post(reverse("cases:hearing_add", args=[case_a.pk]), data), case_a, "hearings")
    assert "Winchester Crown Court" in client.get(f"/cases/{case_a.pk}/hearings/").content.decode()


def test_a_court_direction_lands_on_deadlines_with_the_banner(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    data = {"title": "Serve the expert's report", "due_on_day": "1", "due_on_month": "6", "due_on_year": "2025"}
    data["reason"] = "Directed at PTPH"
    response = client.post(reverse("progression:direction_add", args=[case_a.pk]), data)
    _lands_with_banner(client, response, case_a, "deadlines")
    assert "Serve the expert" in client.get(response["Location"]).content.decode()


def test_an_exemption_lands_on_compliance_with_the_banner(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.manager_a)
    response = client.post(
        reverse("assurance:exemption", args=[case_a.pk]),
        {"document": "psd", "reason": "Single-issue case agreed with the unit head."},
    )
    _lands_with_banner(client, response, case_a, "compliance")


def test_a_form_page_leads_back_to_its_section(client, personas: Personas, case_a: Case) -> None:
    defendant = services.defendant_add(actor=personas.manager_a, case=case_a, first_names="Ann", last_name="Lee")
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:charge_add", args=[case_a.pk, defendant.pk])).content.decode()
    section = f"/cases/{case_a.pk}/defendants/"
    assert f'<a class="govuk-breadcrumbs__link" href="{section}">Defendants and charges</a>' in html
    assert f'<a class="govuk-link" href="{section}">Cancel</a>' in html


def test_editing_the_case_lands_on_the_overview(client, personas: Personas, case_a: Case) -> None:
    client.force_login(personas.prosecutor_a)
    html = client.get(reverse("cases:stage", args=[case_a.pk])).content.decode()
    assert f'<a class="govuk-link" href="/cases/{case_a.pk}/">Cancel</a>' in html
    assert case_section_url(case_a.pk, "overview") == f"/cases/{case_a.pk}/"


def test_a_stale_non_record_form_keeps_the_input_and_shows_the_conflict(
    client, personas: Personas, case_a: Case
) -> None:
    """A form that carries only a version (a document revision) keeps what the user typed, says why it
    was not saved, and is set against the saved version so that a second submit is deliberate."""
    document = services.document_add(actor=personas.manager_a, case=case_a, kind="psd", title="PSD", body="one")
    client.force_login(personas.prosecutor_a)
    url = reverse("cases:document_revise", args=[case_a.pk, document.pk])
    services.document_revise(
        actor=personas.manager_a, document=document, expected_version=document.version, body="two", rationale="x"
    )
    stale = client.post(url, {"body": "my careful text", "rationale": "After PTPH", "version": 1})
    html = stale.content.decode()
    assert stale.status_code == 200
    assert "Someone else changed this" in html and "govuk-error-summary" in html
    assert "my careful text" in html and 'name="version" value="2"' in html
    again = client.post(url, {"body": "my careful text", "rationale": "After PTPH", "version": 2})
    assert again.status_code == 302 and again["Location"] == f"/cases/{case_a.pk}/material/"
