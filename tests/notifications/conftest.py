from __future__ import annotations

import pytest

from casework.notifications import backends
from tests.factories import Personas


@pytest.fixture(autouse=True)
def _memory_backend(settings):
    settings.NOTIFICATIONS_BACKEND = "memory"
    settings.CASEWORK_BASE_URL = "https://casework.example.org"
    backends.outbox.clear()
    yield
    backends.outbox.clear()


@pytest.fixture
def addressed(personas: Personas) -> Personas:
    """The personas with e-mail addresses (username@example.test)."""
    for user in personas.all().values():
        user.email = f"{user.username}@example.test"
        user.save(update_fields=["email"])
    return personas
