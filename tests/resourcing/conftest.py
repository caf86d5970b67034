from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.conftest import ApiClient
from tests.factories import Personas

NOW = dt.datetime(2026, 5, 11, 9, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture(autouse=True)
def _frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api_as(personas: Personas):
    from casework.api import services as api_services

    def make(persona: str) -> ApiClient:
        return ApiClient(api_services.api_token_issue(actor=getattr(personas, persona), name="tests").token)

    return make
