"""Settings read from the environment: parsing, database selection and the SQLite options.

Each test loads a fresh copy of settings.py under a patched environment, so the running
project's settings are never disturbed.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction

import casework.settings as project_settings

SETTINGS_FILE = Path(project_settings.__file__)


def variables_read_by_settings() -> set[str]:
    source = SETTINGS_FILE.read_text()
    pattern = r"(?:env_bool|env_int|env_list|os\.environ\.get)\(\s*\"([A-Z][A-Z0-9_]+)\""
    return set(re.findall(pattern, source))


LoadSettings = Callable[..., ModuleType]


@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> LoadSettings:
    """Return a loader: load_settings(VAR="value", ...) -> a freshly executed settings module."""

    def load(**env: str) -> ModuleType:
        # Start from a clean slate: nothing from the shell running the tests leaks in.
        for name in variables_read_by_settings():
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CASEWORK_VAR_DIR", str(tmp_path / "var"))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location(f"settings_probe_{uuid.uuid4().hex}", SETTINGS_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


# --- Parsing helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("ON", True), ("0", False), ("false", False), ("No", False)],
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("CASEWORK_FLAG", raw)
    assert project_settings.env_bool("CASEWORK_FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", [None, ""])
def test_env_bool_unset_or_empty_gives_the_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("CASEWORK_FLAG", raising=False)
    else:
        monkeypatch.setenv("CASEWORK_FLAG", raw)
    assert project_settings.env_bool("CASEWORK_FLAG", True) is True
    assert project_settings.env_bool("CASEWORK_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s"])
def test_env_bool_rejects_junk_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("CASEWORK_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match=rf"CASEWORK_FLAG must be true or false, not '{raw}'"):
        project_settings.env_bool("CASEWORK_FLAG")


def test_env_int_parses_and_rejects_junk(monkeypatch):
    monkeypatch.setenv("CASEWORK_NUMBER", "42")
    assert project_settings.env_int("CASEWORK_NUMBER", 7) == 42
    monkeypatch.setenv("CASEWORK_NUMBER", "")
    assert project_settings.env_int("CASEWORK_NUMBER", 7) == 7
    monkeypatch.setenv("CASEWORK_NUMBER", "forty")
    with pytest.raises(ImproperlyConfigured, match="CASEWORK_NUMBER must be a whole number, not 'forty'"):
        project_settings.env_int("CASEWORK_NUMBER", 7)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("CASEWORK_HOSTS", " a.example.org, ,b.example.org,")
    assert project_settings.env_list("CASEWORK_HOSTS") == ["a.example.org", "b.example.org"]
    monkeypatch.delenv("CASEWORK_HOSTS")
    assert project_settings.env_list("CASEWORK_HOSTS", "x,y") == ["x", "y"]


def test_junk_in_a_boolean_setting_stops_start_up(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        load_settings(DEBUG="sometimes")


# --- Secret key ----------------------------------------------------------------------------


def test_secret_key_from_environment(load_settings):
    assert load_settings(SECRET_KEY="k" * 60).SECRET_KEY == "k" * 60


def test_secret_key_from_file(load_settings, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file-" + "x" * 50 + "\n")
    assert load_settings(SECRET_KEY_FILE=str(key_file)).SECRET_KEY == "from-a-file-" + "x" * 50


def test_generated_secret_key_is_private_and_stable(load_settings, tmp_path):
    first = load_settings().SECRET_KEY
    key_path = tmp_path / "var" / "secret_key"
    assert len(first) >= 50
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert first == load_settings().SECRET_KEY


# --- Security defaults ---------------------------------------------------------------------


def test_production_defaults_are_strict(load_settings):
    module = load_settings(SECRET_KEY="k" * 60)
    assert module.DEBUG is False
    assert module.SESSION_COOKIE_SECURE and module.CSRF_COOKIE_SECURE and module.SECURE_SSL_REDIRECT
    assert module.SECURE_HSTS_SECONDS >= 31536000
    assert module.SECURE_PROXY_SSL_HEADER is None  # only trusted when the operator says so
    assert module.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]


def test_debug_relaxes_transport_security_only(load_settings):
    module = load_settings(SECRET_KEY="k" * 60, DEBUG="1")
    assert module.SECURE_HTTPS is False
    assert module.SESSION_COOKIE_SECURE is False and module.SECURE_HSTS_SECONDS == 0
    assert module.X_FRAME_OPTIONS == "DENY" and module.SESSION_COOKIE_HTTPONLY


def test_tls_proxy_header_is_opt_in(load_settings):
    module = load_settings(SECRET_KEY="k" * 60, BEHIND_TLS_PROXY="1")
    assert module.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


# --- Database selection --------------------------------------------------------------------


def test_default_database_is_sqlite_under_var_dir(load_settings, tmp_path):
    db = load_settings(SECRET_KEY="k" * 60).DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(db["NAME"]) == (tmp_path / "var" / "casework.sqlite3").resolve()


def test_sqlite_options_wal_immediate_and_busy_timeout(load_settings):
    db = load_settings(SECRET_KEY="k" * 60, SQLITE_BUSY_TIMEOUT_SECONDS="7").DATABASES["default"]
    options = db["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 7
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    assert "PRAGMA foreign_keys=ON" in options["init_command"]


def test_database_url_selects_postgresql(load_settings):
    db = load_settings(
        SECRET_KEY="k" * 60, DATABASE_URL="postgres://casework:pw@db.internal:6543/casework_prod", DB_CONN_MAX_AGE="30"
    ).DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 6543, "casework_prod", "casework")
    assert db["CONN_MAX_AGE"] == 30
    # The SQLite tuning must not leak into a PostgreSQL connection.
    assert "transaction_mode" not in db.get("OPTIONS", {})
    assert db["ATOMIC_REQUESTS"] is False


def test_sqlite_database_url_still_gets_sqlite_options(load_settings, tmp_path):
    db = load_settings(SECRET_KEY="k" * 60, DATABASE_URL=f"sqlite:///{tmp_path}/other.sqlite3").DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == f"{tmp_path}/other.sqlite3"
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


# --- The SQLite options on a live connection -------------------------------------------------


@contextmanager
def sqlite_connection(settings_dict: Mapping[str, Any], path: Path) -> Iterator[str]:
    """Register a temporary connection alias using `settings_dict` but pointing at `path`."""
    alias = f"probe_{uuid.uuid4().hex[:8]}"
    probe_settings = {**copy.deepcopy(dict(settings_dict)), "NAME": str(path), "TEST": {}}
    # configure_settings fills in Django's defaults; it insists on a "default" entry.
    configured = connections.configure_settings({"default": probe_settings, alias: copy.deepcopy(probe_settings)})
    connections.settings[alias] = configured[alias]
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def assert_sqlite_connection_is_tuned(alias: str, db_file: Path, busy_timeout_ms: int) -> None:
    probe = connections[alias]
    with probe.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == busy_timeout_ms
    # IMMEDIATE: a transaction takes the write lock when it begins, even before it writes, so
    # writers queue on the busy timeout instead of failing mid-transaction on a lock upgrade.
    with transaction.atomic(using=alias):
        other = sqlite3.connect(db_file, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_fresh_sqlite_connection_uses_wal_immediate_and_busy_timeout(load_settings, tmp_path, django_db_blocker):
    # Runs on every backend: it checks the settings a SQLite deployment would get.
    db = load_settings(SECRET_KEY="k" * 60, SQLITE_BUSY_TIMEOUT_SECONDS="9").DATABASES["default"]
    db_file = tmp_path / "probe.sqlite3"
    with django_db_blocker.unblock(), sqlite_connection(db, db_file) as alias:
        assert_sqlite_connection_is_tuned(alias, db_file, busy_timeout_ms=9000)


def test_running_project_sqlite_settings_on_a_live_file(tmp_path, django_db_blocker):
    # The settings this test run actually uses, applied to a file database (the test database
    # itself is in memory, where WAL does not apply).
    if connection.vendor != "sqlite":
        pytest.skip("the running project uses PostgreSQL; its SQLite options are covered above")
    db = django_settings.DATABASES["default"]
    db_file = tmp_path / "live.sqlite3"
    with django_db_blocker.unblock(), sqlite_connection(db, db_file) as alias:
        assert_sqlite_connection_is_tuned(alias, db_file, busy_timeout_ms=db["OPTIONS"]["timeout"] * 1000)


# --- Documentation stays complete ----------------------------------------------------------

DOCUMENTED_IN = (
    Path(__file__).resolve().parents[2] / "docs" / "configuration.md",
    Path(__file__).resolve().parents[2] / ".env.example",
)


@pytest.mark.parametrize("document", DOCUMENTED_IN, ids=lambda path: path.name)
def test_every_setting_variable_is_documented(document):
    names = variables_read_by_settings()
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "AUDIT_SIGNING_KEY_FILE"} <= names  # the pattern works
    text = document.read_text()
    missing = sorted(name for name in names if not re.search(rf"(^|[`\s]){name}(=|`|\s)", text, re.MULTILINE))
    assert not missing, f"{document.name} does not describe: {', '.join(missing)}"
