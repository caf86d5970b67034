"""The IQA API: same access path, services and audit as the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.audit.models import AuditEvent
from casework.quality.models import Assessment
from tests.quality.conftest import all_answers, submitted


def test_workflow_over_the_api(personas, case_a, api_as) -> None:
    manager, prosecutor = api_as("manager_a"), api_as("prosecutor_a")
    response = manager.post("/quality/assessments", {"case_id": case_a.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assessment = Assessment.objects.get(pk=body["id"])
    answers = [
        {"question": code, "value": value, "comment": comment}
        for code, (value, comment) in all_answers(assessment).items()
    ]
    response = manager.client.put(
        f"/api/v1/quality/assessments/{assessment.pk}/answers",
        {"version": 1, "answers": answers},
        content_type="application/json",
        headers=manager._headers(),
    )
    assert response.status_code == 200 and response.json()["version"] == 2
    assert manager.post(f"/quality/assessments/{assessment.pk}/submit", {"version": 2}).json()["status"] == "submitted"
    response = manager.post(
        f"/quality/assessments/{assessment.pk}/feedback",
        {"version": 3, "meeting_on": "2026-05-11", "notes": "Discussed."},
    )
    assert response.json()["status"] == "feedback_given"
    response = prosecutor.post(
        f"/quality/assessments/{assessment.pk}/acknowledge", {"version": 4, "comment": "Noted.", "disagrees": False}
    )
    assert response.json()["status"] == "acknowledged"
    assert manager.post(f"/quality/assessments/{assessment.pk}/close", {"version": 5}).json()["status"] == "closed"
    response = prosecutor.get(f"/quality/assessments/{assessment.pk}")
    assert response.status_code == 200 and len(response.json()["answers"]) == len(answers)
    assert AuditEvent.objects.filter(
        action="consult", subject_type="quality.assessment", actor_id=personas.prosecutor_a.pk
    ).exists()


def test_stale_version_is_409(personas, case_a, api_as) -> None:
    a = submitted(personas.manager_a, case_a)
    response = api_as("manager_a").post(
        f"/quality/assessments/{a.pk}/feedback", {"version": 1, "meeting_on": "2026-05-11", "notes": "x"}
    )
    assert response.status_code == 409


def test_submitting_incomplete_is_422_with_question_errors(personas, case_a, api_as) -> None:
    a = api_as("manager_a").post("/quality/assessments", {"case_id": case_a.pk}).json()
    response = api_as("manager_a").post(f"/quality/assessments/{a['id']}/submit", {"version": 1})
    assert response.status_code == 422 and "rationale" in response.json()["errors"]


@pytest.mark.parametrize(
    "persona", ["prosecutor_a2", "prosecutor_b", "hq", "inspector", "police_x", "admin", "manager_a2"]
)
def test_outsiders_get_404_and_empty_lists(personas, team, case_a, api_as, persona) -> None:
    a = submitted(personas.manager_a, case_a)
    services_feedback = {"version": 3, "meeting_on": dt.date(2026, 5, 11).isoformat(), "notes": "x"}
    client = api_as(persona)
    assert client.get(f"/quality/assessments/{a.pk}").status_code == 404
    listed = client.get("/quality/assessments")
    # A force's token reaches only the partner API; everyone else gets an empty list.
    assert listed.status_code == 404 if persona == "police_x" else listed.json() == []
    assert client.post(f"/quality/assessments/{a.pk}/feedback", services_feedback).status_code == 404


@pytest.mark.parametrize("persona", ["police_x", "admin", "prosecutor_a"])
def test_oversight_endpoints_404_for_non_oversight(personas, api_as, persona) -> None:
    assert api_as(persona).get("/quality/coverage").status_code == 404
    assert api_as(persona).get("/quality/leniency").status_code == 404


def test_hq_coverage_over_the_api_has_no_names(personas, case_a, api_as) -> None:
    submitted(personas.manager_a, case_a)
    rows = api_as("hq").get("/quality/coverage", quarter="2026-Q2").json()
    assert rows and all(r["prosecutor"].startswith("Prosecutor ") for r in rows)
    assert "Persona" not in str(rows)
    assert api_as("hq").get("/quality/leniency").json()[0]["assessor"] == "Assessor 1"


def test_coverage_rows_are_the_schema_s_and_the_selector_s(personas, case_a, api_as) -> None:
    """The answer is rendered without the response schema's per-row check, so check it here."""
    from casework.quality import rules, selectors
    from casework.quality.api import CoverageOut

    submitted(personas.manager_a, case_a)
    for persona, user in (("hq", personas.hq), ("manager_a", personas.manager_a)):
        response = api_as(persona).get("/quality/coverage", quarter="2026-Q2")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
        rows = response.json()
        expected, _named = selectors.coverage(user=user, quarter=rules.Quarter.parse("2026-Q2"))
        assert rows and len(rows) == len(expected)
        for row, line in zip(rows, expected, strict=True):
            assert CoverageOut.model_validate(row).model_dump() == row
            assert (row["prosecutor"], row["expected"], row["received"], row["behind"]) == (
                line.name,
                line.expected,
                line.received,
                line.behind,
            )


def test_unauthenticated_is_401(db) -> None:
    from tests.api.conftest import ApiClient

    assert ApiClient().get("/quality/assessments").status_code == 401
