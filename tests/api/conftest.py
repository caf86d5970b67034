from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.api import services
from tests.factories import Personas

ALL_PERSONAS = [
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
#: Who sees case_a (allocated to prosecutor_a in unit A), and who may change it.
SEES_CASE_A = {"prosecutor_a", "manager_a", "unithead_a", "area_leader_a", "hq", "inspector"}
EDITS_CASE_A = {"prosecutor_a", "manager_a", "unithead_a"}
CANNOT_SEE_CASE_A = sorted(set(ALL_PERSONAS) - SEES_CASE_A)
SEES_BUT_CANNOT_EDIT_CASE_A = sorted(SEES_CASE_A - EDITS_CASE_A)


class HttpsClient(Client):
    """The service runs behind HTTPS (SECURE_SSL_REDIRECT): test it the way it is deployed."""

    def generic(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["secure"] = True
        return super().generic(*args, **kwargs)


class ApiClient:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = HttpsClient()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers())

    def post(self, path: str, body: Any = None) -> Any:
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", headers=self._headers())

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(f"/api/v1{path}", body, content_type="application/json", headers=self._headers())

    def raw(self, method: str, path: str, data: bytes | str, content_type: str = "application/json") -> Any:
        call = getattr(self.client, method)
        return call(f"/api/v1{path}", data, content_type=content_type, headers=self._headers())


@pytest.fixture
def api_as(personas: Personas):
    """api_as("manager_a") -> a client authenticated with a fresh token of that persona."""

    def make(persona: str) -> ApiClient:
        user = getattr(personas, persona)
        return ApiClient(services.api_token_issue(actor=user, name="tests").token)

    return make
