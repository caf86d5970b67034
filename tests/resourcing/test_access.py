"""Pages and API: who sees what. Individuals' figures for themselves, their managers and Area
leadership only; HQ aggregates without names; police and administrators 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from casework.audit.models import AuditEvent
from tests.factories import PASSWORD


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("persona", ["police_x", "police_y", "admin"])
def test_outsider_roles_get_404_everywhere(personas, case_a, persona) -> None:
    client = _client(getattr(personas, persona))
    for url in (
        reverse("resourcing:home"),
        reverse("resourcing:unit", args=[personas.unit_a.pk]),
        reverse("resourcing:unit_csv", args=[personas.unit_a.pk]),
        reverse("resourcing:case", args=[case_a.pk]),
        reverse("resourcing:allocate", args=[case_a.pk]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("persona", ["prosecutor_b", "prosecutor_a", "paralegal_a"])
def test_caseworkers_cannot_open_unit_a_report(personas, persona) -> None:
    client = _client(getattr(personas, persona))
    assert client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).status_code == 404
    assert client.get(reverse("resourcing:unit_xlsx", args=[personas.unit_a.pk])).status_code == 404


def test_prosecutor_b_cannot_see_unit_a_case(personas, case_a) -> None:
    client = _client(personas.prosecutor_b)
    assert client.get(reverse("resourcing:case", args=[case_a.pk])).status_code == 404
    assert client.post(reverse("resourcing:case", args=[case_a.pk]), {"save_record": "1"}).status_code == 404


def test_manager_sees_names_and_consult_is_logged(personas, case_a) -> None:
    response = _client(personas.manager_a).get(reverse("resourcing:unit", args=[personas.unit_a.pk]))
    assert response.status_code == 200
    assert "Prosecutor Persona" in response.content.decode() and "<svg" in response.content.decode()
    assert AuditEvent.objects.filter(action="consult", subject_type="resourcing.unit_report").count() == 1
    assert _client(personas.manager_a).get(reverse("resourcing:unit", args=[personas.unit_b.pk])).status_code == 404


def test_area_leader_sees_names_in_own_area_only(personas, case_a) -> None:
    client = _client(personas.area_leader_a)
    assert "Prosecutor Persona" in client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert client.get(reverse("resourcing:unit", args=[personas.unit_b.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["hq", "inspector"])
def test_national_readers_see_aggregates_without_names(personas, case_a, persona) -> None:
    client = _client(getattr(personas, persona))
    page = client.get(reverse("resourcing:unit", args=[personas.unit_a.pk])).content.decode()
    assert "Capacity used by grade" in page and "Prosecutor Persona" not in page and "withheld" in page
    assert personas.unit_b.name in client.get(reverse("resourcing:home")).content.decode()
    export = client.get(reverse("resourcing:unit_csv", args=[personas.unit_a.pk]))
    assert export.status_code == 200 and b"Prosecutor Persona" not in export.content and b"By grade" in export.content
    assert AuditEvent.objects.filter(action="export").count() == 1
    assert not AuditEvent.objects.filter(action="consult", subject_type="resourcing.unit_report").exists()


def test_prosecutor_home_shows_only_own_workload(personas, case_a) -> None:
    page = _client(personas.prosecutor_a).get(reverse("resourcing:home")).content.decode()
    assert "Your workload" in page and personas.unit_a.name not in page


def test_case_page_band_record_and_time(personas, case_a) -> None:
    client = _client(personas.prosecutor_a)
    url = reverse("resourcing:case", args=[case_a.pk])
    assert "Standard: no weighted factors = 0 ≥ 0" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "save_record": "1",
            "victims": "0",
            "witnesses": "0",
            "pages_of_evidence": "40000",
            "international_element": "on",
            "counsel_instructed": "no",
            "estimated_hours": '{"pre_charge": {"senior-crown-prosecutor": 20}}',
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Medium: 40,000 pages of evidence +2, international +2 = 4 ≥ 4" in page and "Complete and current" in page
    assert (
        client.post(
            url,
            {
                "add_time": "1",
                "week_starting_day": "13",
                "week_starting_month": "5",
                "week_starting_year": "2026",
                "activity": "review",
                "hours": "5",
            },
        ).status_code
        == 302
    )
    assert "Case review" in client.get(url).content.decode()
    # Read-only viewers may look but not write.
    assert _client(personas.hq).post(url, {"save_record": "1", "victims": "0", "witnesses": "0"}).status_code == 403


def test_export_is_formula_safe(personas, case_a) -> None:
    personas.prosecutor_a.first_name = "=HYPERLINK(1)"
    personas.prosecutor_a.save()
    body = _client(personas.manager_a).get(reverse("resourcing:unit_csv", args=[personas.unit_a.pk])).content
    assert b"'=HYPERLINK(1)" in body
    xlsx = _client(personas.manager_a).get(reverse("resourcing:unit_xlsx", args=[personas.unit_a.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_allocation_page_for_unit_managers_only(personas, case_a) -> None:
    url = reverse("resourcing:allocate", args=[case_a.pk])
    assert _client(personas.prosecutor_a).get(url).status_code == 404
    assert _client(personas.hq).get(url).status_code == 404
    client = _client(personas.manager_a)
    page = client.get(url).content.decode()
    assert "Who could take this case" in page and "already leads this case" in page
    response = client.post(
        url,
        {
            "version": case_a.version,
            "lead_id": personas.manager_a.pk,
            "deputy_id": "",
            "reason": "Specialist knowledge",
        },
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.allocated_lawyer_id == personas.manager_a.pk


def test_a_stale_allocation_shows_the_conflict_and_keeps_the_choice(personas, case_a) -> None:
    """The allocation page is a case form like every other: someone else's save first is told at
    the top, the choice is kept, and sending again is a deliberate overwrite."""
    url = reverse("resourcing:allocate", args=[case_a.pk])
    client = _client(personas.manager_a)
    stale = {"version": case_a.version - 1, "lead_id": personas.manager_a.pk, "deputy_id": "", "reason": "Knows it"}
    response = client.post(url, stale)
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Knows it" in page
    case_a.refresh_from_db()
    assert case_a.allocated_lawyer_id != personas.manager_a.pk
    response = client.post(url, stale | {"version": case_a.version})
    assert response.status_code == 302 and response["Location"] == reverse("resourcing:case", args=[case_a.pk])


def test_api_case_and_unit(personas, case_a, api_as) -> None:
    prosecutor = api_as("prosecutor_a")
    body = prosecutor.get(f"/resourcing/cases/{case_a.pk}").json()
    assert body["band"] == "standard" and body["record"] is None
    response = prosecutor.client.put(
        f"/api/v1/resourcing/cases/{case_a.pk}/record",
        {
            "pages_of_evidence": 40000,
            "international_element": True,
            "counsel_instructed": False,
            "estimated_hours": {"pre_charge": {"senior-crown-prosecutor": 20}},
        },
        content_type="application/json",
        headers=prosecutor._headers(),
    )
    assert response.status_code == 200, response.content
    assert response.json()["band"] == "medium" and response.json()["record_complete"]
    stale = prosecutor.client.put(
        f"/api/v1/resourcing/cases/{case_a.pk}/record",
        {"victims": 2},
        content_type="application/json",
        headers=prosecutor._headers(),
    )
    assert stale.status_code == 409
    assert api_as("prosecutor_b").get(f"/resourcing/cases/{case_a.pk}").status_code == 404
    assert api_as("police_x").get(f"/resourcing/cases/{case_a.pk}").status_code == 404
    unit = api_as("manager_a").get(f"/resourcing/units/{personas.unit_a.pk}").json()
    assert any(p["person_id"] == personas.prosecutor_a.pk for p in unit["people"])
    hq = api_as("hq").get(f"/resourcing/units/{personas.unit_a.pk}").json()
    assert hq["people"] == [] and hq["people_withheld"] >= 3 and hq["by_grade"]
    for persona in ("prosecutor_b", "prosecutor_a", "admin", "police_y"):
        assert api_as(persona).get(f"/resourcing/units/{personas.unit_a.pk}").status_code == 404, persona
