from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from casework.cases.models import Case
from casework.people.choices import RoleCode
from casework.people.models import Grade, User
from casework.quality import selectors, services
from casework.quality.models import Assessment
from tests.api.conftest import ApiClient
from tests.factories import Personas, make_case, make_user

NOW = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)  # a Monday in 2026-Q2


@pytest.fixture(autouse=True)
def _frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@dataclass
class Team:
    manager_a2: User
    prosecutor_a2: User


@pytest.fixture
def team(personas: Personas) -> Team:
    """A second legal manager in unit A (the moderator) and a colleague of prosecutor_a."""
    lawyer = Grade.objects.get(code="senior-crown-prosecutor")
    manager_a2 = make_user("manager.a2", RoleCode.LEGAL_MANAGER, unit=personas.unit_a)
    prosecutor_a2 = make_user(
        "prosecutor.a2", RoleCode.PROSECUTOR, unit=personas.unit_a, grade=lawyer, line_manager=manager_a2
    )
    return Team(manager_a2=manager_a2, prosecutor_a2=prosecutor_a2)


def all_answers(assessment: Assessment, value: str = "fully_met", comment: str = "") -> dict[str, tuple[str, str]]:
    return {q.code: (value, comment) for q in selectors.questions_for(assessment)}


def reload(assessment: Assessment) -> Assessment:
    return Assessment.objects.get(pk=assessment.pk)


def submitted(manager: User, case: Case, value: str = "fully_met") -> Assessment:
    assessment = services.assessment_start(actor=manager, case_id=case.pk)
    services.assessment_answers_save(
        actor=manager,
        assessment_id=assessment.pk,
        expected_version=1,
        answers=all_answers(assessment, value, "" if value == "fully_met" else "Gap"),
    )
    return services.assessment_submit(actor=manager, assessment_id=assessment.pk, expected_version=2)


@pytest.fixture
def colleague_case(personas: Personas, team: Team) -> Case:
    """A unit A case allocated to prosecutor_a2 (a colleague of prosecutor_a)."""
    return make_case(actor=personas.manager_a, allocated_lawyer_id=team.prosecutor_a2.pk)


@pytest.fixture
def api_as(personas: Personas, team: Team):
    from casework.api import services as api_services

    def make(persona: str) -> ApiClient:
        user = getattr(personas, persona, None) or getattr(team, persona)
        return ApiClient(api_services.api_token_issue(actor=user, name="tests").token)

    return make
