"""Who may see what: individual assessments, names in aggregates, pages and denial (404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from casework.audit.models import AuditEvent
from casework.core.errors import NotFound
from casework.quality import selectors, services
from casework.quality.models import Assessment
from tests.factories import PASSWORD
from tests.quality.conftest import submitted


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _grant_names(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_named_assessments"))


@pytest.fixture
def with_feedback(personas, case_a) -> Assessment:
    a = submitted(personas.manager_a, case_a)
    return services.assessment_feedback_record(
        actor=personas.manager_a,
        assessment_id=a.pk,
        expected_version=3,
        meeting_on=dt.date(2026, 5, 11),
        notes="Discussed.",
    )


def test_visibility_matrix(personas, team, with_feedback) -> None:
    sees = {
        name
        for name, user in {**personas.all(), **vars(team)}.items()
        if Assessment.objects.visible_to(user).filter(pk=with_feedback.pk).exists()
    }
    # own; assessor (and line manager); unit head. Not a colleague, another manager, other unit, HQ without permission.
    assert sees == {"prosecutor_a", "manager_a", "unithead_a"}


def test_drafts_are_private_to_the_assessor(personas, case_a) -> None:
    draft = services.assessment_start(actor=personas.manager_a, case_id=case_a.pk)
    assert not Assessment.objects.visible_to(personas.prosecutor_a).filter(pk=draft.pk).exists()
    assert not Assessment.objects.visible_to(personas.unithead_a).filter(pk=draft.pk).exists()


def test_hq_sees_names_only_with_the_permission(personas, with_feedback) -> None:
    hq = personas.hq
    assert not Assessment.objects.visible_to(hq).exists()
    rows, named = selectors.coverage(user=hq, quarter=selectors.rules.Quarter(2026, 2))
    assert not named and all(r.name.startswith("Prosecutor ") for r in rows)
    assert "Persona" not in " ".join(r.name for r in rows)
    data = selectors.analytics(user=hq)
    assert data.assessments == 1 and not data.named
    assert [bar.label for bar in data.by_prosecutor] == ["Prosecutor 1"]
    assert [key for key, _ in data.leniency] == ["Assessor 1"]
    _grant_names(hq)
    hq = type(hq).objects.get(pk=hq.pk)  # fresh permission cache
    assert Assessment.objects.visible_to(hq).filter(pk=with_feedback.pk).exists()
    assert selectors.analytics(user=hq).by_prosecutor[0].label == "Prosecutor Persona (prosecutor.a)"


def test_administrator_superuser_sees_no_assessment(personas, with_feedback) -> None:
    assert not Assessment.objects.visible_to(personas.admin).exists()
    assert not Assessment.objects.aggregate_scope(personas.admin).exists()


@pytest.mark.parametrize(
    "persona", ["prosecutor_a2", "manager_a2", "prosecutor_b", "hq", "inspector", "police_x", "admin", "area_leader_a"]
)
def test_assessment_page_is_404_for_outsiders(personas, team, with_feedback, persona) -> None:
    user = getattr(personas, persona, None) or getattr(team, persona)
    response = _client(user).get(f"/quality/assessments/{with_feedback.pk}/")
    assert response.status_code == 404
    with pytest.raises(NotFound):
        services.assessment_open(actor=user, assessment_id=with_feedback.pk)


def test_colleague_prosecutor_cannot_see_the_assessment(personas, team, with_feedback) -> None:
    client = _client(team.prosecutor_a2)
    assert client.get(f"/quality/assessments/{with_feedback.pk}/").status_code == 404
    assert "Operation Larch" not in client.get("/quality/").content.decode()


@pytest.mark.parametrize("persona", ["police_x", "police_y", "admin"])
@pytest.mark.parametrize(
    "path",
    [
        "/quality/",
        "/quality/coverage/",
        "/quality/analytics/",
        "/quality/sample/",
        "/quality/coverage/export.csv",
        "/quality/analytics/export.xlsx",
    ],
)
def test_police_and_admin_have_no_quality_pages(personas, persona, path) -> None:
    assert _client(getattr(personas, persona)).get(path).status_code == 404


@pytest.mark.parametrize("path", ["/quality/coverage/", "/quality/analytics/", "/quality/sample/"])
def test_prosecutors_have_no_oversight_pages(personas, path) -> None:
    assert _client(personas.prosecutor_a).get(path).status_code == 404


def test_hq_pages_show_no_names(personas, with_feedback) -> None:
    client = _client(personas.hq)
    for path in ("/quality/coverage/?quarter=2026-Q2", "/quality/analytics/"):
        body = client.get(path).content.decode()
        assert "Prosecutor 1" in body and "Persona" not in body.split("Signed in as")[1].split("</span>", 1)[1]


def test_prosecutor_opens_own_assessment_and_it_is_logged(personas, with_feedback) -> None:
    response = _client(personas.prosecutor_a).get(f"/quality/assessments/{with_feedback.pk}/")
    assert response.status_code == 200
    assert "Acknowledge the feedback" in response.content.decode()
    event = AuditEvent.objects.filter(action="consult", subject_type="quality.assessment").latest("seq")
    assert (event.actor_id, event.justification) == (personas.prosecutor_a.pk, "Own assessment")


def test_unit_head_consult_is_justified_as_unit_head(personas, with_feedback) -> None:
    assert _client(personas.unithead_a).get(f"/quality/assessments/{with_feedback.pk}/").status_code == 200
    event = AuditEvent.objects.filter(action="consult", subject_type="quality.assessment").latest("seq")
    assert event.justification == "Unit head"
