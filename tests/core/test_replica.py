"""Reads from a streaming replica: which requests use it, read-your-writes, lag and failover.

The first tests check the routing decisions on any database. The last ones need the real replica
`make test-postgres` starts (PG_REPLICA=1 scripts/with-postgres.sh: pg_basebackup + streaming) and
are skipped without one."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve, reverse

from casework.assurance.models import AssuranceRule
from casework.core import clock, replica

pytestmark = pytest.mark.django_db
HAS_REPLICA = "replica" in django_settings.DATABASES


@pytest.fixture
def healthy(monkeypatch, settings):
    """A replica that answers, replayed two seconds ago."""
    replayed = clock.now() - dt.timedelta(seconds=2)
    status = replica.ReplicaStatus(True, replayed, 2.0, time.monotonic())
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "check", lambda force=False: status)
    settings.REPLICA_READ_ROUTES = ["assurance:dashboard"]
    return status


def _through_middleware(request, during=lambda: None):
    """Run a request through the middleware; returns (alias reads used inside the view, response)."""
    seen = {}

    def view(req):
        during()
        seen["alias"] = replica.reading_from()
        return HttpResponse("ok")

    middleware = replica.ReplicaReadsMiddleware(view)
    request.resolver_match = resolve(request.path)

    def get_response(req):
        middleware.process_view(req, view, (), {})
        return view(req)

    middleware.get_response = get_response
    response = middleware(request)
    return seen["alias"], response


def _get(user, path=None, **cookies):
    request = RequestFactory().get(path or reverse("assurance:dashboard"))
    request.user = user
    request.COOKIES.update(cookies)
    return request


def test_a_dashboard_get_reads_from_a_fresh_replica_and_says_as_at_when(healthy, personas):
    request = _get(personas.hq)
    alias, _ = _through_middleware(request)
    assert alias == "replica"
    assert request.replica_as_of == healthy.replayed_at
    assert replica.context(request)["replica_as_of"] == clock.local(healthy.replayed_at)
    assert replica.reading_from() == "default"  # and nothing leaks into the next request


def test_other_pages_forms_and_pinned_people_read_from_the_primary(healthy, personas):
    assert _through_middleware(_get(personas.hq, reverse("cases:all")))[0] == "default"
    assert _through_middleware(_get(personas.hq, **{replica.PIN_COOKIE: "1"}))[0] == "default"
    post = RequestFactory().post(reverse("assurance:dashboard"))
    post.user = personas.hq
    alias, response = _through_middleware(post)
    # Sending a form pins this person to the primary for a while: they read what they just wrote.
    assert alias == "default" and response.cookies[replica.PIN_COOKIE]["max-age"] == 30


def test_after_a_write_and_inside_a_transaction_reads_stay_on_the_primary(healthy, personas):
    def write_then_read():
        replica.ReplicaRouter().db_for_write(AssuranceRule)

    assert _through_middleware(_get(personas.hq), during=write_then_read)[0] == "default"

    def in_transaction():
        with transaction.atomic():
            assert replica.reading_from() == "default"

    assert _through_middleware(_get(personas.hq), during=in_transaction)[0] == "replica"


def test_a_lagging_or_down_replica_is_left_for_the_primary(monkeypatch, settings, personas):
    monkeypatch.setattr(replica, "configured", lambda: True)
    settings.REPLICA_READ_ROUTES = ["assurance:dashboard"]
    settings.REPLICA_MAX_LAG_SECONDS = 60
    lagging = replica.ReplicaStatus(True, clock.now() - dt.timedelta(minutes=5), 300.0, time.monotonic())
    down = replica.ReplicaStatus(False, None, None, time.monotonic(), reason="down")
    for status in (lagging, down):
        monkeypatch.setattr(replica, "check", lambda force=False, status=status: status)
        request = _get(personas.hq)
        assert _through_middleware(request)[0] == "default"
        assert replica.context(request)["replica_as_of"] is None


def test_writes_and_migrations_never_go_to_the_replica():
    router = replica.ReplicaRouter()
    assert router.db_for_write(AssuranceRule) == "default"
    assert router.allow_migrate(replica.alias(), "assurance") is False
    assert router.allow_migrate("default", "assurance") is True
    assert router.db_for_read(AssuranceRule) is None  # outside a chosen request: the primary


# --- with the real streaming replica ------------------------------------------------------------

needs_replica = pytest.mark.skipif(not HAS_REPLICA, reason="needs DATABASE_REPLICA_URL (make test-postgres)")


@pytest.fixture
def fresh_status():
    replica.forget_status()
    yield
    replica.forget_status()


@needs_replica
@pytest.mark.django_db(databases=["default", "replica"])
def test_the_replica_streams_the_primarys_commits(fresh_status):
    import psycopg

    primary = connections["default"].settings_dict
    dsn = {"host": primary["HOST"], "port": primary["PORT"], "user": primary["USER"], "dbname": primary["NAME"]}
    standby = connections["replica"].settings_dict
    # A connection of its own: the test's connections sit inside a transaction for the whole test.
    reader_dsn = dsn | {"host": standby["HOST"], "port": standby["PORT"]}
    with psycopg.connect(**dsn, autocommit=True) as writer, psycopg.connect(**reader_dsn, autocommit=True) as reader:
        writer.execute("CREATE TABLE IF NOT EXISTS replica_probe (n integer)")
        try:
            writer.execute("INSERT INTO replica_probe VALUES (42)")
            deadline, seen = time.monotonic() + 20, None
            while seen is None and time.monotonic() < deadline:
                if reader.execute("SELECT to_regclass('replica_probe') IS NOT NULL").fetchone()[0]:
                    seen = reader.execute("SELECT n FROM replica_probe").fetchone()
                time.sleep(0.2)
            assert seen == (42,)
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                reader.execute("INSERT INTO replica_probe VALUES (1)")
        finally:
            writer.execute("DROP TABLE replica_probe")
    status = replica.check(force=True)
    assert status.up and status.usable and status.lag_seconds is not None and status.replayed_at is not None


@needs_replica
@pytest.mark.django_db(databases=["default", "replica"])
def test_the_dashboard_reads_from_the_replica_and_fails_over_when_it_is_down(client, personas, settings, fresh_status):
    from django.test.utils import CaptureQueriesContext

    settings.REPLICA_READ_ROUTES = ["assurance:dashboard"]
    client.force_login(personas.hq)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(reverse("assurance:dashboard"))
    assert response.status_code == 200
    assert on_replica.captured_queries, "the dashboard's reads went to the replica"
    assert "reporting copy of the database" in response.content.decode()

    # Lagging beyond the limit: the primary, and no "as at" line.
    settings.REPLICA_MAX_LAG_SECONDS = -1
    replica.forget_status()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get(reverse("assurance:dashboard"))
    assert response.status_code == 200 and "reporting copy" not in response.content.decode()
    assert [q for q in on_replica.captured_queries if "pg_is_in_recovery" not in q["sql"]] == []

    # Down (nothing listens where it was): the page is served from the primary all the same.
    settings.REPLICA_MAX_LAG_SECONDS = 300
    connections.settings["replica_down"] = connections["replica"].settings_dict | {"PORT": "1"}
    settings.REPLICA_DATABASE = "replica_down"
    replica.forget_status()
    try:
        response = client.get(reverse("assurance:dashboard"))
        assert response.status_code == 200 and "reporting copy" not in response.content.decode()
        assert replica.check().up is False and replica.check().reason.startswith("down")
        # Back when it answers again.
        settings.REPLICA_DATABASE = "replica"
        replica.forget_status()
        assert "reporting copy" in client.get(reverse("assurance:dashboard")).content.decode()
    finally:
        connections["replica_down"].close()
        del connections.settings["replica_down"]
