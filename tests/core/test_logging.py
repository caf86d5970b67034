"""Structured logs: LOG_FORMAT=json switches the console to one JSON object a line, and every
request gets one line with method, path, status, duration, user id and request id (no names)."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import logging.config
import uuid
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

import casework.settings as project_settings
from casework.api import services as api_services
from tests.factories import Personas

REQUEST_KEYS = {"method", "path", "status", "duration_ms", "user_id", "request_id"}


def _load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> ModuleType:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("CASEWORK_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(f"settings_probe_{uuid.uuid4().hex}", project_settings.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _console_formatter(logging_config: dict) -> logging.Formatter:
    """The formatter the console handler of a LOGGING dict would use, built by dictConfig itself."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": logging_config["formatters"],
        "handlers": {"probe": {**logging_config["handlers"]["console"], "stream": io.StringIO()}},
        "loggers": {"casework.logging-probe": {"handlers": ["probe"], "level": "INFO", "propagate": False}},
    }
    logging.config.dictConfig(config)
    handler = logging.getLogger("casework.logging-probe").handlers[0]
    logging.getLogger("casework.logging-probe").handlers.clear()
    assert handler.formatter is not None
    return handler.formatter


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "casework.requests"]


def test_plain_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = _load_settings(monkeypatch, tmp_path)
    assert loaded.LOG_FORMAT == "plain"
    assert loaded.LOGGING["handlers"]["console"]["formatter"] == "plain"


def test_unknown_format_stops_start_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be plain or json"):
        _load_settings(monkeypatch, tmp_path, LOG_FORMAT="xml")


def test_json_format_emits_one_parseable_object_a_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    loaded = _load_settings(monkeypatch, tmp_path, LOG_FORMAT="json")
    formatter = _console_formatter(loaded.LOGGING)
    record = logging.LogRecord("casework.requests", logging.INFO, __file__, 1, "GET %s 200", ("/cases/",), None)
    for key, value in {"method": "GET", "path": "/cases/", "status": 200, "duration_ms": 3.2}.items():
        setattr(record, key, value)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /cases/ 200"
    assert entry["level"] == "INFO" and entry["logger"] == "casework.requests" and entry["time"]
    assert entry["status"] == 200 and entry["duration_ms"] == 3.2 and entry["path"] == "/cases/"


def test_a_page_request_is_logged_with_ids_not_names(client: Client, personas: Personas, caplog) -> None:
    client.force_login(personas.prosecutor_a)
    with caplog.at_level(logging.INFO, logger="casework.requests"):
        response = client.get(reverse("cases:my"), {"q": "Smith"}, headers={"X-Request-ID": "probe-123"})
    assert response.status_code == 200 and response["X-Request-Id"] == "probe-123"
    [record] = _request_records(caplog)
    fields = {key: getattr(record, key) for key in REQUEST_KEYS}
    assert fields["method"] == "GET" and fields["path"] == "/cases/my/" and fields["status"] == 200
    assert fields["user_id"] == personas.prosecutor_a.pk and fields["request_id"] == "probe-123"
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0
    line = record.getMessage() + json.dumps(fields)
    assert "Smith" not in line and "prosecutor.a" not in line, "no query string, no user name"


def test_a_request_id_is_generated_when_none_is_sent(client: Client, db: None, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="casework.requests"):
        response = client.get(reverse("login"))
    [record] = _request_records(caplog)
    assert record.request_id and record.request_id == response["X-Request-Id"]
    assert record.user_id is None


def test_api_token_requests_carry_the_token_user(personas: Personas, caplog) -> None:
    token = api_services.api_token_issue(actor=personas.hq, name="log").token
    with caplog.at_level(logging.INFO, logger="casework.requests"):
        response = Client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, secure=True)
    assert response.status_code == 200
    [record] = _request_records(caplog)
    assert record.user_id == personas.hq.pk and record.channel == "api"
    assert token not in record.getMessage()


def test_secrets_in_the_path_are_redacted(client: Client, db: None, caplog) -> None:
    secret = "feed-secret-" + uuid.uuid4().hex
    with caplog.at_level(logging.INFO, logger="casework.requests"):
        client.get(reverse("progression:calendar_ics", kwargs={"token": secret}))
    [record] = _request_records(caplog)
    assert secret not in record.path and secret not in record.getMessage()
    assert "[redacted]" in record.path
