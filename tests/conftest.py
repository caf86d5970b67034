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


@pytest.fixture
def run_queued_tasks(db: None):
    """Run the background tasks queued so far (and any they queue), in this process, as a worker
    would. Writes queue work for the worker (e.g. assurance re-checks a changed case there): a test
    that needs the outcome calls this. Returns how many tasks ran."""
    from django_tasks_db.models import DBTaskResult

    def run(limit: int = 100) -> int:
        ran = 0
        while ran < limit:
            queued = DBTaskResult.objects.ready().order_by("enqueued_at").first()
            if queued is None:
                return ran
            queued.claim("tests")
            queued.set_successful(queued.task.call(*queued.task_result.args, **queued.task_result.kwargs))
            ran += 1
        raise AssertionError(f"more than {limit} tasks queued: a task keeps queueing itself")

    return run
