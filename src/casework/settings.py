"""Django settings, read from the environment.

Every value a deployment may need to change comes from an environment variable (see
`.env.example`). The defaults give a safe local setup: embedded SQLite under `var/`, DEBUG off
unless asked for, and no secret baked into the code.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("CASEWORK_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("CASEWORK_VAR_DIR", PROJECT_DIR / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def read_secret_key() -> str:
    """SECRET_KEY, or the contents of SECRET_KEY_FILE; a per-machine key under var/ otherwise."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    if key_file := os.environ.get("SECRET_KEY_FILE"):
        return Path(key_file).read_text().strip()
    # Local and demo use: generate once and keep it, so sessions survive a restart.
    from django.core.management.utils import get_random_secret_key

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = read_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "casework.identity.admin_site.CaseworkAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "casework.core",
    "casework.people",
    "casework.audit",
    "casework.notifications",
    "casework.identity",
    "casework.cases",
    "casework.progression",
    "casework.assurance",
    "casework.quality",
    "casework.resourcing",
    "casework.partners",
    "casework.oversight",
    "casework.workday",
    "casework.api",
    "casework.demo",
    "casework.imports",
    "casework.exports",
    "casework.records",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.core.middleware.RequestContextMiddleware",
    "casework.core.request_log.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: it tells the user why they were signed out.
    "casework.core.middleware.IdleTimeoutMiddleware",
    "casework.partners.middleware.PolicePortalOnlyMiddleware",
    # Inside the authenticated request: logs a page's unlogged reads of a case or referral (s.62).
    "casework.core.read_log.ReadLogMiddleware",
    # Chooses the database a dashboard or report reads from (a replica when configured and fresh).
    "casework.core.replica.ReplicaReadsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "casework.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "casework.urls"
WSGI_APPLICATION = "casework.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.identity.context_processors.navigation",
                "casework.core.replica.context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (WAL, IMMEDIATE transactions so writers queue rather than fail, and a busy
# timeout); PostgreSQL when DATABASE_URL says so.
DEFAULT_SQLITE_PATH = VAR_DIR / "casework.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DEFAULT_SQLITE_PATH)}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# A PostgreSQL streaming replica for dashboards, reports and aggregate exports (casework.core.replica;
# docs/deployment.md). Writes, and the reads of anyone who has just written, stay on the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # Under test the replica serves the test database the primary created (it arrives by replication).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["casework.core.replica.ReplicaRouter"]
REPLICA_READS = env_bool("REPLICA_READS", True)
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 300)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 30)
#: Pages read from the replica when one is configured: figures, not case files. Case list exports
#: stay on the primary: their disclose event must list exactly the rows the file holds.
REPLICA_READ_ROUTES = env_list(
    "REPLICA_READ_ROUTES",
    "assurance:dashboard,assurance:dashboard_export,oversight:dashboard,oversight:dashboard_export,"
    "resourcing:home,resourcing:grades,resourcing:grades_csv,resourcing:grades_xlsx,"
    "quality:coverage,quality:coverage_csv,quality:coverage_xlsx,quality:analytics,quality:analytics_csv,"
    "quality:analytics_xlsx,partners:coverage,records:dashboard",
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

# --- Authentication and sessions -------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling: this many failures for one username (or one client address) within
# the window locks further attempts until the window passes.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Idle timeout: a session with no request for this long is ended.
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_SECONDS", 10 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 30)
# /healthz shows its audit-signing and worker figures only to administrators, or to monitoring
# that sends this value as a bearer token (empty: administrators only).
HEALTHZ_DETAIL_TOKEN = os.environ.get("HEALTHZ_DETAIL_TOKEN", "")

# --- Local accounts, multi-factor and single sign-on (casework.identity) ----------------------
# LOCAL_LOGIN=0 switches off username-and-password sign-in everywhere (pages, /admin/, the API's
# token exchange, invitations and resets): people then sign in only through OpenID Connect.
LOCAL_LOGIN = env_bool("LOCAL_LOGIN", True)
# LOCAL_MFA=1 asks every local account for a one-time code from an authenticator app; anyone who
# has set up an app is asked for its code; administrators always are (MFA_FOR_ADMINISTRATORS).
LOCAL_MFA = env_bool("LOCAL_MFA", False)
# Administrators always need the code, except in the demo (so the README's demo logins work).
MFA_FOR_ADMINISTRATORS = env_bool("MFA_FOR_ADMINISTRATORS", not env_bool("CASEWORK_DEMO_MODE", False))
MFA_ISSUER_NAME = os.environ.get("MFA_ISSUER_NAME", "Casework Assurance")
MFA_RECOVERY_CODES = env_int("MFA_RECOVERY_CODES", 10)
INVITATION_LIFETIME_HOURS = env_int("INVITATION_LIFETIME_HOURS", 72)
PASSWORD_RESET_LIFETIME_MINUTES = env_int("PASSWORD_RESET_LIFETIME_MINUTES", 60)
# How long a person has, after a correct password, to enter their one-time code.
MFA_PENDING_SECONDS = env_int("MFA_PENDING_SECONDS", 300)
OTP_TOTP_ISSUER = MFA_ISSUER_NAME
# OpenID Connect issuers: OIDC_ISSUER, OIDC_CLIENT_ID, ... for the organisation's own provider and
# OIDC_PROVIDERS=name,... with OIDC_<NAME>_* for each further one (docs/configuration.md).
# Parsed and checked when the identity app starts (casework.identity.oidc.config).
OIDC_ENVIRONMENT = {key: value for key, value in os.environ.items() if key.startswith("OIDC_")}

# --- Security (production defaults; DEBUG relaxes the transport ones for local use) ----------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers probe the web processes directly over plain HTTP; the health check holds no data.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

# --- Internationalisation and time -----------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"

# --- Static files (GOV.UK Frontend assets are copied in by `make assets`) --------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casework@localhost")

# --- Notifications (GOV.UK Notify) ---------------------------------------------------------
# Links in e-mails start with this address: the service as its users reach it.
CASEWORK_BASE_URL = os.environ.get("CASEWORK_BASE_URL", "http://127.0.0.1:8000")
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_REPLY_TO_ID = os.environ.get("NOTIFY_REPLY_TO_ID", "")
NOTIFY_TIMEOUT_SECONDS = env_int("NOTIFY_TIMEOUT_SECONDS", 10)
# notify (GOV.UK Notify), console (the worker's log), file (JSON files in NOTIFICATIONS_FILE_DIR)
# or memory (tests). Default: notify when an API key is set, the console otherwise.
NOTIFICATIONS_BACKEND = os.environ.get("NOTIFICATIONS_BACKEND") or ("notify" if NOTIFY_API_KEY else "console")
NOTIFICATIONS_FILE_DIR = Path(os.environ.get("NOTIFICATIONS_FILE_DIR") or VAR_DIR / "outbox")
# One template per kind of e-mail: NOTIFY_TEMPLATE_<KIND> (casework/notifications/catalogue.py).
NOTIFY_TEMPLATES = {
    key.removeprefix("NOTIFY_TEMPLATE_").lower(): value
    for key, value in os.environ.items()
    if key.startswith("NOTIFY_TEMPLATE_") and value
}
# Checks that a recipient may open every case a message names (a function of user and case_ids).
NOTIFICATIONS_CASE_VISIBILITY = "casework.cases.access.visible_case_ids"

# --- Background tasks ----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Audit ---------------------------------------------------------------------------------
# Signed Merkle checkpoints are written outside the database, with a key held outside it.
AUDIT_CHECKPOINT_DIR = Path(
    os.environ.get("CASEWORK_AUDIT_CHECKPOINT_DIR")
    or os.environ.get("AUDIT_CHECKPOINT_DIR")
    or VAR_DIR / "audit-checkpoints"
)
AUDIT_SIGNING_KEY_FILE = Path(
    os.environ.get("CASEWORK_AUDIT_SIGNING_KEY_FILE")
    or os.environ.get("AUDIT_SIGNING_KEY_FILE")
    or VAR_DIR / "audit-signing-key.pem"
)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)
# PostgreSQL: processes that verify ranges of the audit trail in parallel; 0 = the CPU count plus one.
AUDIT_VERIFY_WORKERS = env_int("AUDIT_VERIFY_WORKERS", 0)
# Case list CSV exports hold at most this many rows; beyond it the user is asked to filter.
CASE_EXPORT_MAX_ROWS = env_int("CASE_EXPORT_MAX_ROWS", 100_000)
# Background exports: files a worker prepares for the one user who asked, kept this long after they
# are made and then removed by the daily housekeeping (a prepared file is case data at rest).
EXPORTS_DIR = Path(os.environ.get("CASEWORK_EXPORTS_DIR") or VAR_DIR / "exports")
EXPORT_FILE_HOURS = env_int("CASEWORK_EXPORT_FILE_HOURS", 24)

# --- Logging -------------------------------------------------------------------------------
# LOG_FORMAT=json writes one JSON object a line (for a log shipper); the default is plain text.
# Every request gets one line from the "casework.requests" logger (casework/core/request_log.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "") or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

CASEWORK_DEMO_MODE = env_bool("CASEWORK_DEMO_MODE", False)

# --- Help and contact (shown on the help, contact, feedback and accessibility pages) ---------------
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "")
SUPPORT_PHONE = os.environ.get("SUPPORT_PHONE", "")
DATA_PROTECTION_EMAIL = os.environ.get("DATA_PROTECTION_EMAIL", "")
