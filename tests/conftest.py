from __future__ import annotations

import pytest

from casework.cases.models import Case
from tests.factories import Personas, make_case, make_personas


@pytest.fixture(autouse=True)
def _plain_http_and_static(settings) -> None:
    """Pages under test speak plain HTTP and use uncollected static files.

    Production defaults redirect HTTP to HTTPS and serve a collected, hashed manifest; neither
    exists in a unit test run. (The API tests still send their requests as HTTPS, as deployed.)
    """
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Nothing is collected, so WhiteNoise has no directory to index (and would warn on every client).
    settings.STATIC_ROOT = None


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


@pytest.fixture
def case_a(personas: Personas) -> Case:
    """A case in unit A allocated to prosecutor.a, managed by manager.a."""
    return make_case(
        actor=personas.manager_a,
        operation_name="Operation Larch",
        allocated_lawyer_id=personas.prosecutor_a.pk,
        legal_manager_id=personas.manager_a.pk,
    )


@pytest.fixture
def case_b(personas: Personas) -> Case:
    """A case in unit B allocated to prosecutor.b."""
    return make_case(
        actor=personas.prosecutor_b, operation_name="Operation Rowan", allocated_lawyer_id=personas.prosecutor_b.pk
    )
