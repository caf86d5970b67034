"""GET /healthz: open to load balancers, free of case data, unaudited, and honest about trouble."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from casework import health
from casework.audit.checkpoints import checkpoint_create
from casework.audit.models import AuditEvent
from casework.audit.tasks import audit_checkpoint_task
from casework.cases.models import Case
from casework.core import clock
from tests.factories import Personas


@pytest.fixture(autouse=True)
def _fresh_migration_cache(settings, tmp_path: Path) -> Iterator[None]:
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "audit-signing-key.pem"
    health._migrations_checked.update(applied=False, at=float("-inf"))
    yield
    health._migrations_checked.update(applied=False, at=float("-inf"))


def _health(client: Client, **headers: str) -> tuple[int, dict]:
    response = client.get(reverse("healthz"), headers=headers)
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


@pytest.fixture
def monitor(settings) -> dict[str, str]:
    """Monitoring's bearer token: it sees the audit-signing and worker figures."""
    settings.HEALTHZ_DETAIL_TOKEN = "monitoring-secret-0123456789"
    return {"Authorization": "Bearer monitoring-secret-0123456789"}


def test_healthy_service_is_ok_signed_out(client: Client, db: None) -> None:
    status, body = _health(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_anonymous_callers_learn_nothing_about_audit_signing(client: Client, db: None, settings) -> None:
    settings.HEALTHZ_DETAIL_TOKEN = "monitoring-secret-0123456789"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer "}):
        assert set(_health(client, **headers)[1]["checks"]) == {"database", "migrations"}


@pytest.mark.parametrize("persona", ["prosecutor_a", "hq"])
def test_only_administrators_and_monitoring_see_the_figures(client: Client, personas, monitor, persona) -> None:
    client.force_login(getattr(personas, persona))
    assert "audit_unsigned_for_seconds" not in _health(client)[1]["checks"]
    client.force_login(personas.admin)
    assert _health(client)[1]["checks"]["tasks_overdue"] == 0
    client.logout()
    assert "audit_unsigned_for_seconds" in _health(client, **monitor)[1]["checks"]


def test_it_holds_no_case_data_sets_no_cookie_and_is_not_audited(
    client: Client, personas: Personas, case_a: Case
) -> None:
    events_before = AuditEvent.objects.count()
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert case_a.urn.encode() not in response.content and b"Larch" not in response.content
    assert set(response.json()) == {"status", "checks"}
    assert not response.cookies, "no session or CSRF cookie for a probe"
    assert AuditEvent.objects.count() == events_before
    assert "no-cache" in response["Cache-Control"]
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("persona", ["prosecutor_a", "hq", "admin"])
def test_signed_in_users_get_the_same_answer(client: Client, personas: Personas, persona: str) -> None:
    client.force_login(getattr(personas, persona))
    status, body = _health(client)
    assert status == 200 and set(body) == {"status", "checks"}


def test_police_sessions_see_only_the_portal_here_too(client: Client, personas: Personas) -> None:
    client.force_login(personas.police_x)
    assert client.get(reverse("healthz")).status_code == 404


def test_head_is_answered_and_writes_are_refused(client: Client, db: None) -> None:
    assert client.head(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


def test_unreachable_database_is_503(client: Client, db: None) -> None:
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        status, body = _health(client)
    assert status == 503
    assert body == {"status": "degraded", "checks": {"database": "unreachable"}}


def test_pending_migrations_are_degraded_and_the_check_is_cached(client: Client, db: None) -> None:
    with mock.patch.object(MigrationExecutor, "migration_plan", return_value=[("app", False)]) as plan:
        status, body = _health(client)
        assert status == 200 and body["status"] == "degraded" and body["checks"]["migrations"] == "pending"
        _health(client)
        assert plan.call_count == 1, "a pending result is re-checked at most once a minute"
    _health(client)
    health._migrations_checked.update(at=float("-inf"))
    status, body = _health(client)
    assert body["checks"]["migrations"] == "ok"
    with mock.patch.object(MigrationExecutor, "migration_plan") as plan:
        _health(client)
    plan.assert_not_called()  # once applied, never checked again by this process


def test_unsigned_audit_events_turn_it_degraded_until_a_checkpoint(
    client: Client, case_a: Case, run_queued_tasks: Callable[[], int], monitor
) -> None:
    assert AuditEvent.objects.exists(), "creating the case wrote audit events; none is signed yet"
    run_queued_tasks()  # the new case's re-check: a waiting task would be a backlog of its own
    with time_machine.travel(clock.now(), tick=False) as traveller:
        traveller.shift(dt.timedelta(hours=1))
        assert _health(client, **monitor)[1]["status"] == "ok", "an hour unsigned is within the hourly schedule"
        traveller.shift(dt.timedelta(hours=3))
        status, body = _health(client, **monitor)
        assert status == 200 and body["status"] == "degraded"
        assert body["checks"]["audit_unsigned_for_seconds"] > health.UNSIGNED_EVENTS_MAX_AGE.total_seconds()
        assert body["checks"]["audit_checkpoint_age_seconds"] is None
        checkpoint_create(actor=None)
        traveller.shift(dt.timedelta(minutes=5))
        status, body = _health(client, **monitor)
    assert body["status"] == "ok"
    assert body["checks"]["audit_unsigned_for_seconds"] is None
    assert body["checks"]["audit_checkpoint_age_seconds"] == 300


def test_tasks_waiting_with_no_worker_turn_it_degraded(client: Client, db: None, monitor) -> None:
    with time_machine.travel(clock.now(), tick=False) as traveller:
        audit_checkpoint_task.enqueue()
        assert _health(client, **monitor)[1]["checks"]["tasks_overdue"] == 0
        traveller.shift(health.TASK_BACKLOG_MAX_AGE + dt.timedelta(minutes=1))
        status, body = _health(client, **monitor)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["tasks_overdue"] == 1
    assert body["checks"]["worker_last_task_age_seconds"] is None
