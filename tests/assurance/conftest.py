from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import Personas

PERSONAS = [
    "prosecutor_a",
    "paralegal_a",
    "manager_a",
    "unithead_a",
    "prosecutor_b",
    "area_leader_a",
    "hq",
    "inspector",
    "police_x",
    "police_y",
    "admin",
]
#: Who sees case_a (allocated to prosecutor_a in unit A).
SEES_CASE_A = {"prosecutor_a", "manager_a", "unithead_a", "area_leader_a", "hq", "inspector"}
CANNOT_SEE_CASE_A = sorted(set(PERSONAS) - SEES_CASE_A)
#: Managers of unit A: exemptions, waivers and the panel.
MANAGERS_A = {"manager_a", "unithead_a"}
SEES_NOT_MANAGER_A = sorted(SEES_CASE_A - MANAGERS_A)


@pytest.fixture
def client_as(personas: Personas):
    def make(persona: str) -> Client:
        client = Client()
        client.force_login(getattr(personas, persona))
        return client

    return make


@pytest.fixture
def api_as(personas: Personas):
    """api_as("manager_a") -> an API client with a fresh bearer token of that persona."""
    from casework.api import services
    from tests.api.conftest import ApiClient

    def make(persona: str) -> ApiClient:
        return ApiClient(services.api_token_issue(actor=getattr(personas, persona), name="tests").token)

    return make
