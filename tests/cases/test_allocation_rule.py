"""Access through allocation: only active staff of the case's unit with a fitting role may be
written on a case, through every channel (service, web form, API POST and PATCH, import, demo).

Being allocated gives access to a case, so allocating anyone else would be a way in: another
unit's prosecutor, a police officer, the administrator, someone who has left, or a person whose
role cannot take the allocation. Each attempt is refused with a field message, changes nothing,
and the person still cannot open the case.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from casework.api import services as api_services
from casework.cases import services
from casework.cases.models import Case
from casework.core.errors import ValidationFailed
from casework.imports.mapping import load_mapping
from casework.people.choices import NATIONAL_READ_ROLES, RoleCode
from tests.api.conftest import ApiClient
from tests.cases.test_views import _edit_data
from tests.factories import Personas, make_user

FIELDS = {
    "allocated_lawyer_id": "allocated_lawyer",
    "deputy_lawyer_id": "deputy_lawyer",
    "paralegal_id": "paralegal",
    "legal_manager_id": "legal_manager",
}
#: Who must never be allocated, and to which field (an unfitting role is tried where it does not fit).
OUTSIDERS = [
    ("prosecutor_b", "allocated_lawyer_id"),  # another unit's prosecutor
    ("prosecutor_b", "deputy_lawyer_id"),
    ("police_x", "allocated_lawyer_id"),  # a police officer
    ("police_x", "paralegal_id"),
    ("admin", "legal_manager_id"),  # the administrator
    ("admin", "allocated_lawyer_id"),
    ("hq", "allocated_lawyer_id"),  # national readers are not unit staff
    ("inspector", "deputy_lawyer_id"),
    ("left_a", "allocated_lawyer_id"),  # an inactive prosecutor of the unit
    ("paralegal_a", "allocated_lawyer_id"),  # an unfitting role
    ("prosecutor_a", "paralegal_id"),
    ("prosecutor_a", "legal_manager_id"),
]


@pytest.fixture
def api_as(personas: Personas):
    def make(persona: str) -> ApiClient:
        return ApiClient(api_services.api_token_issue(actor=getattr(personas, persona), name="tests").token)

    return make


@pytest.fixture
def people(personas: Personas) -> dict[str, object]:
    left = make_user("left.a", RoleCode.PROSECUTOR, unit=personas.unit_a, is_active=False)
    return {**personas.all(), "left_a": left}


def _cannot_reach(person, case: Case) -> None:
    """Still outside the case (national readers read every case, but change none)."""
    if person.pk in {case.allocated_lawyer_id, case.legal_manager_id}:
        return  # already on the case in a role that fits: the refusal was of the unfitting one
    if person.is_active and not person.role_codes & NATIONAL_READ_ROLES:
        assert not Case.objects.visible_to(person).filter(pk=case.pk).exists()
    assert not Case.objects.editable_by(person).filter(pk=case.pk).exists()


@pytest.mark.parametrize("who,field", OUTSIDERS)
def test_service_refuses_on_update(personas, case_a, people, who, field):
    person = people[who]
    with pytest.raises(ValidationFailed) as refused:
        services.case_update(
            actor=personas.manager_a, case=case_a, expected_version=case_a.version, **{field: person.pk}
        )
    assert field in refused.value.field_errors
    case_a.refresh_from_db()
    assert getattr(case_a, field) != person.pk and case_a.version == 1
    _cannot_reach(person, case_a)


@pytest.mark.parametrize("who,field", OUTSIDERS)
def test_service_refuses_on_create(personas, people, who, field):
    with pytest.raises(ValidationFailed) as refused:
        services.case_create(
            actor=personas.manager_a, unit_id=personas.unit_a.pk, urn="42AB7000001", **{field: people[who].pk}
        )
    assert field in refused.value.field_errors
    assert not Case.objects.filter(urn="42AB7000001").exists()


def test_service_accepts_fitting_staff_of_the_unit(personas, case_a):
    paralegal = personas.paralegal_a
    services.case_update(
        actor=personas.prosecutor_a,
        case=case_a,
        expected_version=case_a.version,
        deputy_lawyer_id=personas.manager_a.pk,
        paralegal_id=paralegal.pk,
        legal_manager_id=personas.unithead_a.pk,
    )
    case_a.refresh_from_db()
    assert (case_a.paralegal_id, case_a.legal_manager_id) == (paralegal.pk, personas.unithead_a.pk)
    assert Case.objects.visible_to(paralegal).filter(pk=case_a.pk).exists()


def test_a_value_already_recorded_does_not_block_other_edits(personas, case_a, people):
    """A lawyer who has since left stays on the record until changed; editing the summary still works."""
    Case.objects.filter(pk=case_a.pk).update(deputy_lawyer_id=people["left_a"].pk)  # recorded before they left
    case = Case.objects.get(pk=case_a.pk)
    services.case_update(
        actor=personas.manager_a,
        case=case,
        expected_version=case.version,
        summary="New summary",
        deputy_lawyer_id=people["left_a"].pk,
    )
    case.refresh_from_db()
    assert case.summary == "New summary"


# --- the regression the red team found --------------------------------------------------------


def test_prosecutor_a_cannot_give_prosecutor_b_their_case_through_the_api(personas, case_a, api_as):
    response = api_as("prosecutor_a").patch(
        f"/cases/{case_a.pk}", {"version": case_a.version, "deputy_lawyer_id": personas.prosecutor_b.pk}
    )
    assert response.status_code == 422
    assert "deputy_lawyer_id" in response.json()["errors"]
    assert api_as("prosecutor_b").get(f"/cases/{case_a.pk}").status_code == 404
    assert api_as("prosecutor_b").patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "Mine"}).status_code == 404


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who,field", OUTSIDERS)
def test_api_patch_refuses(personas, case_a, people, api_as, who, field):
    person = people[who]
    response = api_as("manager_a").patch(f"/cases/{case_a.pk}", {"version": case_a.version, field: person.pk})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    case_a.refresh_from_db()
    assert getattr(case_a, field) != person.pk
    _cannot_reach(person, case_a)


@pytest.mark.parametrize("who,field", OUTSIDERS)
def test_api_post_refuses(personas, people, api_as, who, field):
    response = api_as("manager_a").post("/cases", {"urn": "42AB7000002", field: people[who].pk})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Case.objects.filter(urn="42AB7000002").exists()


def test_api_patch_with_a_session_is_refused_too(personas, case_a):
    client = ApiClient()
    client.client.force_login(personas.manager_a)
    response = client.patch(f"/cases/{case_a.pk}", {"version": 1, "allocated_lawyer_id": personas.prosecutor_b.pk})
    assert response.status_code == 422


# --- web form --------------------------------------------------------------------------------


@pytest.mark.parametrize("who,field", OUTSIDERS)
def test_web_edit_form_refuses_a_forged_choice(client: Client, personas, case_a, people, who, field):
    person = people[who]
    client.force_login(personas.manager_a)
    response = client.post(reverse("cases:edit", args=[case_a.pk]), _edit_data(case_a, **{FIELDS[field]: person.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and f'href="#id_{FIELDS[field]}"' in html
    case_a.refresh_from_db()
    assert getattr(case_a, field) != person.pk and case_a.version == 1
    _cannot_reach(person, case_a)


@pytest.mark.parametrize("who,field", OUTSIDERS[:6])
def test_web_create_form_refuses_a_forged_choice(client: Client, personas, people, who, field):
    client.force_login(personas.prosecutor_a)
    response = client.post(reverse("cases:create"), {"urn": "42AB7000003", FIELDS[field]: people[who].pk})
    assert response.status_code == 200
    assert f'href="#id_{FIELDS[field]}"' in response.content.decode()
    assert not Case.objects.filter(urn="42AB7000003").exists()


def test_web_form_offers_only_fitting_staff_of_the_unit(client: Client, personas, case_a, people):
    client.force_login(personas.manager_a)
    html = client.get(reverse("cases:edit", args=[case_a.pk])).content.decode()
    lawyer_select = html.split('name="allocated_lawyer"')[1].split("</select>")[0]
    assert f'value="{personas.prosecutor_a.pk}"' in lawyer_select
    for who in ("prosecutor_b", "police_x", "admin", "left_a", "paralegal_a"):
        assert f'value="{people[who].pk}"' not in lawyer_select


# --- import and demo ---------------------------------------------------------------------------


def test_import_mapping_cannot_name_allocated_staff(personas, tmp_path):
    """An import cannot allocate anyone: staff columns are not part of a case import."""
    path = tmp_path / "sneaky.json"
    sections = {"cases": {"sheet": "cases", "columns": {"urn": "URN", "allocated_lawyer_id": "Lawyer"}}}
    path.write_text(json.dumps({"name": "sneaky", "sections": sections}))
    with pytest.raises(ValidationFailed, match="allocated_lawyer_id"):
        load_mapping(path)


def test_demo_loader_checks_plans_against_the_case_rules(personas):
    from casework.demo.loader import DemoLoader

    loader = DemoLoader(seed=1, password="x" * 20)
    loader.user_ids = {"prosecutor.b": personas.prosecutor_b.pk}
    loader._lookups()
    bad = Case(urn="42AB7000004", unit_id=personas.unit_a.pk, allocated_lawyer_id=personas.prosecutor_b.pk)
    with pytest.raises(ValueError, match="allocated_lawyer_id"):
        loader._checked(bad)


@pytest.mark.parametrize("who", ["prosecutor_b", "police_x", "admin", "left_a", "paralegal_a"])
def test_the_resourcing_allocation_page_is_held_to_the_same_rule(personas, case_a, people, who):
    from casework.resourcing import services as resourcing_services

    with pytest.raises(ValidationFailed) as refused:
        resourcing_services.allocation_decide(
            actor=personas.manager_a,
            case=case_a,
            expected_version=case_a.version,
            lead_id=people[who].pk,
            deputy_id=None,
            reason="Trial clash",
        )
    assert "lead_id" in refused.value.field_errors
    case_a.refresh_from_db()
    assert case_a.allocated_lawyer_id == personas.prosecutor_a.pk
