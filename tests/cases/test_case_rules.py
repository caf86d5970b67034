"""One owner per write: the case rules (pure, table-driven) and every channel agreeing with them.

The web form once accepted the URN "AB1" that the API and the importer refused; the acceptance
rule lived in both the form and the service. Now the service owns every rule and each channel
gives the same answer.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from casework.api import services as api_services
from casework.cases import rules, services
from casework.cases.models import AcceptanceCriterion, Case
from casework.core.errors import ValidationFailed
from casework.imports.services import import_run
from tests.api.conftest import ApiClient
from tests.imports.conftest import CASE_HEADINGS, csv_bytes

TODAY = dt.date(2026, 3, 2)
STAFF = {
    1: rules.StaffMember(id=1, unit_id=10, is_active=True, roles=frozenset({"prosecutor"})),
    2: rules.StaffMember(id=2, unit_id=20, is_active=True, roles=frozenset({"prosecutor"})),
    3: rules.StaffMember(id=3, unit_id=10, is_active=False, roles=frozenset({"prosecutor"})),
    4: rules.StaffMember(id=4, unit_id=10, is_active=True, roles=frozenset({"paralegal"})),
    5: rules.StaffMember(id=5, unit_id=10, is_active=True, roles=frozenset({"legal_manager"})),
    6: rules.StaffMember(id=6, unit_id=None, is_active=True, roles=frozenset({"administrator"})),
    7: rules.StaffMember(id=7, unit_id=None, is_active=True, roles=frozenset({"police_liaison"})),
}
REFS = rules.CaseReferences(
    staff=STAFF, unit_forces={10: frozenset({100})}, active_criteria=frozenset({1000}), categories=frozenset({50})
)


@pytest.mark.parametrize(
    "urn,ok",
    [
        ("42AB1234526", True),
        ("ABC123", True),
        ("AB1", False),
        ("42AB 1234", False),
        ("42-AB-1234", False),
        ("A" * 21, False),
    ],
)
def test_urn_rule(urn, ok):
    assert (rules.urn_problem(rules.normalise_urn(urn)) is None) is ok


@pytest.mark.parametrize(
    "values,field",
    [
        ({"allocated_lawyer_id": 2}, "allocated_lawyer_id"),  # another unit
        ({"allocated_lawyer_id": 3}, "allocated_lawyer_id"),  # inactive
        ({"allocated_lawyer_id": 4}, "allocated_lawyer_id"),  # a paralegal cannot be the lawyer
        ({"paralegal_id": 1}, "paralegal_id"),  # a prosecutor is not a paralegal
        ({"legal_manager_id": 1}, "legal_manager_id"),  # nor a manager
        ({"legal_manager_id": 6}, "legal_manager_id"),  # the administrator
        ({"deputy_lawyer_id": 7}, "deputy_lawyer_id"),  # police
        ({"deputy_lawyer_id": 999}, "deputy_lawyer_id"),  # nobody
        ({"lead_force_id": 101}, "lead_force_id"),  # a force not serving the unit
        ({"acceptance_criterion_id": 1001}, "acceptance_criterion_id"),
        ({"offence_category_ids": [51]}, "offence_category_ids"),
        ({"acceptance_criterion_id": 1000, "ccp_direction_reason": "Directed"}, "ccp_direction_reason"),
        ({"accepted_on": dt.date(1, 1, 1)}, "accepted_on"),
        ({"accepted_on": dt.date(9999, 12, 31)}, "accepted_on"),
    ],
)
def test_case_problems_name_the_field(values, field):
    assert field in rules.case_problems(unit_id=10, values=values, refs=REFS, today=TODAY)


def test_fitting_staff_of_the_unit_pass():
    values = {"allocated_lawyer_id": 1, "paralegal_id": 4, "legal_manager_id": 5, "deputy_lawyer_id": 5}
    assert rules.case_problems(unit_id=10, values=values, refs=REFS, today=TODAY, urn="42AB1234526") == {}


# --- the same answer through every channel ------------------------------------------------------


def test_short_urn_is_refused_by_the_web_form(client: Client, personas):
    client.force_login(personas.manager_a)
    response = client.post(reverse("cases:create"), {"urn": "AB1"})
    assert response.status_code == 200 and "6 to 20 letters" in response.content.decode()
    assert not Case.objects.filter(urn="AB1").exists()


def test_short_urn_is_refused_by_the_service_and_the_api(personas):
    with pytest.raises(ValidationFailed) as refused:
        services.case_create(actor=personas.manager_a, unit_id=personas.unit_a.pk, urn="AB1")
    assert "urn" in refused.value.field_errors
    token = api_services.api_token_issue(actor=personas.manager_a, name="t").token
    response = ApiClient(token).post("/cases", {"urn": "AB1"})
    assert response.status_code == 422 and "urn" in response.json()["errors"]


def test_short_urn_is_refused_by_the_import(personas):
    from casework.imports.mapping import load_mapping

    files = [
        ("cases.csv", csv_bytes(CASE_HEADINGS, [["AB1", "Operation X", "", "hampshire", "01/02/2024", "charged"]]))
    ]
    run = import_run(actor=personas.manager_a, files=files, mapping=load_mapping(), unit=personas.unit_a)
    assert run.status == "rejected"
    assert "6 to 20 letters" in run.problems.get().reason


def test_acceptance_rule_is_the_services_for_every_channel(personas, case_a):
    criterion = AcceptanceCriterion.objects.first()
    with pytest.raises(ValidationFailed) as refused:
        services.case_update(
            actor=personas.manager_a,
            case=case_a,
            expected_version=1,
            acceptance_criterion_id=criterion.pk,
            ccp_direction_reason="Directed by the CCP",
        )
    assert "ccp_direction_reason" in refused.value.field_errors
    token = api_services.api_token_issue(actor=personas.manager_a, name="t").token
    response = ApiClient(token).patch(
        f"/cases/{case_a.pk}", {"version": 1, "acceptance_criterion_id": criterion.pk, "ccp_direction_reason": "CCP"}
    )
    assert response.status_code == 422 and "ccp_direction_reason" in response.json()["errors"]


def test_lead_force_must_serve_the_units_area(personas, case_a):
    with pytest.raises(ValidationFailed) as refused:
        services.case_update(
            actor=personas.manager_a, case=case_a, expected_version=1, lead_force_id=personas.force_y.pk
        )
    assert "lead_force_id" in refused.value.field_errors


def test_text_with_a_nul_character_is_refused_by_every_channel(personas, case_a):
    """PostgreSQL cannot store NUL in text: it was a 500 there. The case rules refuse it by field."""
    with pytest.raises(ValidationFailed) as refused:
        services.case_update(actor=personas.manager_a, case=case_a, expected_version=1, operation_name="Op\x00")
    assert refused.value.field_errors["operation_name"] == [rules.NUL_MESSAGE]
    with pytest.raises(ValidationFailed):
        services.defendant_add(actor=personas.manager_a, case=case_a, first_names="A\x00", last_name="B")
    with pytest.raises(ValidationFailed):
        services.document_add(actor=personas.manager_a, case=case_a, kind="psd", title="PSD", body="x\x00y")
    token = api_services.api_token_issue(actor=personas.manager_a, name="t").token
    response = ApiClient(token).patch(f"/cases/{case_a.pk}", {"version": 1, "summary": "a\u0000b"})
    assert response.status_code == 422 and "summary" in response.json()["errors"]
