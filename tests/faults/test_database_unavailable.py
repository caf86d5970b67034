"""A database that cannot be reached gives a clean 503 with Retry-After, never a traceback;
other server errors keep the ordinary 500 page."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from casework.core.unavailable import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db


def _fail(*args: object, **kwargs: object) -> None:
    raise OperationalError("could not connect to server: Connection refused")


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a programming error")


def test_api_request_during_outage_is_json_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casework.api.services.api_token_authenticate", _fail)
    response = Client(raise_request_exception=False).get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert "database is unavailable" in body["detail"] and body["errors"] == {}
    assert b"Traceback" not in response.content and b"Connection refused" not in response.content


def test_page_request_failing_in_middleware_is_html_503(personas, monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(personas.prosecutor_a)
    # The session is read by middleware, before any view: the handler must cover that layer too.
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", _fail)
    response = client.get("/cases/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Sorry, the service is unavailable" in response.content
    assert b"Traceback" not in response.content and b"Connection refused" not in response.content


def test_other_errors_keep_the_500_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casework.api.services.api_token_authenticate", _boom)
    response = Client(raise_request_exception=False).get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert b"a programming error" not in response.content
