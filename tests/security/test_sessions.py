"""Browser sessions under attack: fixation, reuse after sign-out or a password change, idle and
absolute timeouts, and the cookie flags. (Sign-in, throttling and the idle redirect itself are
in tests/core/test_auth_views.py.)"""

from __future__ import annotations

import datetime as dt
import importlib.util
import uuid
from pathlib import Path
from types import ModuleType

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

import casework.settings as project_settings
from casework.audit.models import AuditEvent
from tests.factories import PASSWORD, Personas

COOKIE = django_settings.SESSION_COOKIE_NAME
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def _sign_in(client: Client, username: str = "prosecutor.a") -> str:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"
    return client.cookies[COOKIE].value


def _with_cookie(key: str) -> Client:
    """Another browser presenting the given session cookie (e.g. stolen or planted)."""
    other = Client()
    other.cookies[COOKIE] = key
    return other


def _is_signed_in(client: Client) -> bool:
    response = client.get(reverse("cases:my"))
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
        return False
    assert response.status_code == 200
    return True


# --- fixation ----------------------------------------------------------------------------------


def test_sign_in_issues_a_new_session_key(client: Client, personas: Personas) -> None:
    client.get(reverse("login"))  # the sign-in form may open an anonymous session (CSRF, messages)
    store = SessionStore()
    store["planted"] = True
    store.create()
    planted = store.session_key
    assert planted is not None
    client.cookies[COOKIE] = planted

    key = _sign_in(client)

    assert key != planted
    assert not Session.objects.filter(session_key=planted).exists(), "the pre-sign-in session must be gone"
    assert not _is_signed_in(_with_cookie(planted)), "the attacker's planted key must not be signed in"
    assert _is_signed_in(client)


def test_an_invented_session_key_is_not_adopted(client: Client, personas: Personas) -> None:
    invented = "attackerchosen" + uuid.uuid4().hex
    client.cookies[COOKIE] = invented
    key = _sign_in(client)
    assert key != invented
    assert not Session.objects.filter(session_key=invented).exists()


# --- sign-out and password change ---------------------------------------------------------------


def test_sign_out_ends_the_session_on_the_server(client: Client, personas: Personas) -> None:
    key = _sign_in(client)
    assert _is_signed_in(_with_cookie(key))
    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    stolen = _with_cookie(key)
    assert not _is_signed_in(stolen), "a copied cookie must die with the sign-out"
    assert stolen.get("/api/v1/auth/me", secure=True).status_code == 401
    assert AuditEvent.objects.filter(action="logout", actor=personas.prosecutor_a).exists()


def test_password_change_signs_out_other_sessions(personas: Personas) -> None:
    mine, elsewhere = Client(), Client()
    _sign_in(mine)
    other_key = _sign_in(elsewhere)
    new = "a-much-longer-new-passphrase-7"
    response = mine.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert _is_signed_in(mine), "the browser that changed the password stays signed in"
    assert not _is_signed_in(_with_cookie(other_key)), "other sessions end: the session hash no longer matches"
    assert _with_cookie(other_key).get("/api/v1/auth/me", secure=True).status_code == 401


def test_deactivated_user_session_stops_working(client: Client, personas: Personas) -> None:
    key = _sign_in(client)
    personas.prosecutor_a.is_active = False
    personas.prosecutor_a.save(update_fields=["is_active"])
    assert not _is_signed_in(_with_cookie(key))


# --- timeouts --------------------------------------------------------------------------------


def test_idle_timeout_ends_the_session_and_audits_it(client: Client, personas: Personas) -> None:
    idle = django_settings.SESSION_IDLE_TIMEOUT_SECONDS
    with time_machine.travel(START, tick=False) as traveller:
        key = _sign_in(client)
        assert _is_signed_in(client)
        traveller.shift(idle + 1)
        assert not _is_signed_in(client)
        assert not Session.objects.filter(session_key=key).exists(), "the timed-out session is deleted"
        assert not _is_signed_in(_with_cookie(key))
    assert AuditEvent.objects.filter(action="logout", actor=personas.prosecutor_a).exists()


def test_idle_timeout_on_the_api_is_401_not_a_redirect(client: Client, personas: Personas) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _sign_in(client)
        assert client.get("/api/v1/auth/me", secure=True).status_code == 200
        traveller.shift(django_settings.SESSION_IDLE_TIMEOUT_SECONDS + 1)
        response = client.get("/api/v1/auth/me", secure=True)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_a_busy_session_still_ends_at_its_maximum_age(client: Client, personas: Personas) -> None:
    """SESSION_MAX_AGE_SECONDS is absolute: activity keeps a session from idling out, not alive forever."""
    step = django_settings.SESSION_IDLE_TIMEOUT_SECONDS // 2
    max_age = django_settings.SESSION_COOKIE_AGE
    with time_machine.travel(START, tick=False) as traveller:
        _sign_in(client)
        elapsed = 0
        while elapsed + step < max_age:
            traveller.shift(step)
            elapsed += step
            assert _is_signed_in(client), f"signed out early, after {elapsed} s of activity"
        traveller.shift(max_age - elapsed + 1)  # less than the idle timeout since the last request
        assert not _is_signed_in(client)
    assert AuditEvent.objects.filter(action="logout", actor=personas.prosecutor_a).exists()


# --- cookie flags --------------------------------------------------------------------------------


def test_session_cookie_flags(client: Client, personas: Personas, settings) -> None:
    settings.SESSION_COOKIE_SECURE = True  # as production sets it (checked below)
    _sign_in(client)
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert not cookie["max-age"] and not cookie["expires"], "a session cookie: it ends when the browser closes"


def _production_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    for name in ("DEBUG", "SECURE_HTTPS", "SECRET_KEY", "SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CASEWORK_VAR_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location(f"settings_probe_{uuid.uuid4().hex}", project_settings.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_defaults_make_cookies_secure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    production = _production_settings(monkeypatch, tmp_path)
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SESSION_COOKIE_HTTPONLY and production.CSRF_COOKIE_HTTPONLY
    assert production.SESSION_COOKIE_SAMESITE in {"Lax", "Strict"}
    assert production.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert production.SESSION_IDLE_TIMEOUT_SECONDS <= 30 * 60
