"""The import applies the case services' own rules, not a relaxed copy: what the form, the API and
the services refuse, the import refuses too, row by row, before anything is written."""

from __future__ import annotations

import pytest

from casework.cases import services as case_services
from casework.cases.models import AcceptanceCriterion, Case
from casework.core.errors import ValidationFailed
from casework.imports.mapping import mapping_from_data
from casework.imports.models import RunStatus
from casework.imports.services import import_run
from tests.imports.conftest import CASE_HEADINGS, case_rows, csv_bytes

HEADINGS = [*CASE_HEADINGS, "Criterion", "CCP direction"]


@pytest.fixture
def acceptance_mapping(mapping):
    data = mapping.model_dump(mode="json")
    data["sections"]["cases"]["columns"] |= {
        "acceptance_criterion": "Criterion",
        "ccp_direction_reason": "CCP direction",
    }
    return mapping_from_data(data)


def files(rows):
    return [("cases.csv", csv_bytes(HEADINGS, rows))]


def test_a_criterion_and_a_ccp_direction_together_are_refused_as_the_service_refuses_them(personas, acceptance_mapping):
    criterion = AcceptanceCriterion.objects.get(code="complex-fraud")
    with pytest.raises(ValidationFailed) as refused:
        case_services.case_create(
            actor=personas.manager_a,
            unit_id=personas.unit_a.pk,
            urn="42IM0000009",
            acceptance_criterion_id=criterion.pk,
            ccp_direction_reason="Directed by the CCP.",
        )
    rows = case_rows(2)
    rows[0] += [criterion.code, "Directed by the CCP."]
    rows[1] += [criterion.title, ""]
    run = import_run(actor=personas.admin, files=files(rows), mapping=acceptance_mapping, unit=personas.unit_a)
    assert run.status == RunStatus.REJECTED
    problem = run.problems.get()
    assert (problem.row, problem.column) == (2, "CCP direction")
    assert problem.reason == refused.value.field_errors["ccp_direction_reason"][0]
    assert not Case.objects.filter(urn__startswith="42IM").exists()


def test_a_criterion_by_title_is_imported_and_an_unknown_one_refused(personas, acceptance_mapping):
    criterion = AcceptanceCriterion.objects.get(code="complex-fraud")
    rows = case_rows(1)
    rows[0] += [criterion.title.upper(), ""]
    import_run(actor=personas.admin, files=files(rows), mapping=acceptance_mapping, unit=personas.unit_a)
    assert Case.objects.get(urn=rows[0][0]).acceptance_criterion == criterion
    rows = case_rows(1, prefix="42IN")
    rows[0] += ["no-such-type", ""]
    run = import_run(actor=personas.admin, files=files(rows), mapping=acceptance_mapping, unit=personas.unit_a)
    assert run.status == RunStatus.REJECTED and run.problems.get().column == "Criterion"


def test_a_recorded_cases_values_count_with_the_imported_ones(personas, acceptance_mapping, case_a):
    criterion = AcceptanceCriterion.objects.get(code="complex-fraud")
    case_services.case_update(
        actor=personas.manager_a, case=case_a, expected_version=case_a.version, acceptance_criterion_id=criterion.pk
    )
    row = [case_a.urn, "Operation Larch", "", "hampshire", "01/02/2024", "charged", "", "Directed by the CCP."]
    # The unit's legal manager: an administrator's import only adds cases, so it would refuse the row anyway.
    run = import_run(actor=personas.manager_a, files=files([row]), mapping=acceptance_mapping, unit=personas.unit_a)
    assert run.status == RunStatus.REJECTED
    assert run.problems.get().column == "CCP direction"
    case_a.refresh_from_db()
    assert case_a.ccp_direction_reason == ""
