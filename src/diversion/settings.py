"""One settings module, configured from the environment.

DIVERSION_ENV=production switches on the hardened mode that `manage.py check --deploy` accepts.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet
from csp.constants import NONE, SELF

from diversion import env

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = PROJECT_DIR / "var"

ENVIRONMENT = env.text("DIVERSION_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise env.SettingsError("DIVERSION_ENV", "must be development or production")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = env.text("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise env.SettingsError("SECRET_KEY", "must be at least 50 characters in production")
else:
    SECRET_KEY = env.text("SECRET_KEY", "dev-only-insecure-key-" + "x" * 40)

DEBUG = env.flag("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise env.SettingsError("DEBUG", "must be false in production")
ALLOWED_HOSTS = env.csv_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise env.SettingsError("ALLOWED_HOSTS", "must list the host names in production")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "diversion.core",
    "diversion.accounts",
    "diversion.audit",
    "diversion.notifications",
    "diversion.administration",
    "diversion.cases",
    "diversion.victims",
    "diversion.delivery",
    "diversion.evaluation",
    "diversion.commissioning",
    "diversion.demo",
    # --- Offence to caution
    "diversion.programmes",
    "diversion.trials",
    "diversion.disposals",
    # records: police crime-record imports and identity linkage
    "diversion.records",
    # api: the REST API (/api/v1/) and the API clients that call it
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "diversion.api",
    # retention schedule, erasure and subject-access requests
    "diversion.retention",
    # operations: backup, restore and the restore drill (commands only)
    "diversion.operations",
]

MIDDLEWARE = [
    "diversion.audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "diversion.accounts.middleware.SessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # /api/: the caller is the client whose token is sent (sessions are ignored there)
    "diversion.api.middleware.ApiTokenMiddleware",
    "diversion.accounts.middleware.AccessPolicyMiddleware",
    "diversion.accounts.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "diversion.urls"
WSGI_APPLICATION = "diversion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "diversion.accounts.context_processors.navigation",
                "diversion.accounts.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {"default": env.database("DATABASE_URL", str(VAR_DIR / "diversion.sqlite3"))}
# Behind PgBouncer in transaction pooling a named (server-side) cursor, which QuerySet.iterator()
# opens on PostgreSQL, would outlive the server connection its transaction ran on.
if env.flag("DATABASE_PGBOUNCER", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ASVS 6.2: length over composition; no numeric-only rule (it is a composition rule).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "diversion.accounts.passwords.ContextWordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: 30 minutes of inactivity, 10 hours absolute (security.md requirement 11).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = 10 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "diversion.accounts.views.csrf_failure"
# Confirmation messages ("Account created for <name>") are kept in the session, not in Django's
# default `messages` cookie: that cookie cannot take the __Host- prefix (security.md 12), its
# deletion is sent without Secure, and it would carry names to the browser.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Lockout: 5 failures for a username from one address, then a 15-minute cool-off.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The client cannot choose its recorded address (ASVS 4.1.3): axes asks the same function as
# the logs and the two-step limits (core/client.py), which reads X-Forwarded-For only as far as
# the proxies listed in TRUSTED_PROXIES appended it.
AXES_CLIENT_IP_CALLABLE = "diversion.core.client.client_address"
# The reverse proxies (addresses or CIDR networks) whose X-Forwarded-For entries are believed.
# Default none: the client address is the socket peer (REMOTE_ADDR).
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES")
AXES_VERBOSE = False
# What axes logs of a failed sign-in: the address and the request id, not the username (often a
# password typed in the wrong box); the security events (audit app) hold who, for auditors.
AXES_CLIENT_STR_CALLABLE = "diversion.core.logging.axes_client_str"
# django-otp's throttle is per device, so anyone with the password could block the real user's
# second step; accounts/mfa.py limits wrong codes per session and per address instead.
OTP_TOTP_THROTTLE_FACTOR = 0

# Background work (imports, evaluation runs, integrity checks, reminders) goes on a real queue
# kept in the database, so it works on SQLite and PostgreSQL alike; `make run` starts a worker
# (`manage.py db_worker`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Notifications: email, sent by the task worker after the action's transaction commits.
# DIVERSION_EMAIL picks the backend: smtp (production default), file (development default:
# one file per message under var/mail/, so a newcomer can read them) or console.
DIVERSION_EMAIL = env.text("DIVERSION_EMAIL", "smtp" if PRODUCTION else "file")
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
if DIVERSION_EMAIL not in _EMAIL_BACKENDS:
    raise env.SettingsError("DIVERSION_EMAIL", "must be smtp, file or console")
EMAIL_BACKEND = _EMAIL_BACKENDS[DIVERSION_EMAIL]
EMAIL_FILE_PATH = Path(env.text("DIVERSION_EMAIL_DIR", str(VAR_DIR / "mail")))
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "Diversion <no-reply@diversion.invalid>")
# Emails link back to the service at this address (no personal data in them: a case reference
# and a link).
DIVERSION_BASE_URL = env.text("DIVERSION_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# A failed send is tried again after 1, 2, 4, 8... minutes, this many attempts in all.
NOTIFY_MAX_ATTEMPTS = env.integer("NOTIFY_MAX_ATTEMPTS", 5)
# A send still "being sent" this long after a worker claimed it means the worker died: the next
# sweep queues it again (at-least-once: it may already have gone). Far above EMAIL_TIMEOUT.
NOTIFY_SENDING_TIMEOUT_MINUTES = env.integer("NOTIFY_SENDING_TIMEOUT_MINUTES", 10)
if NOTIFY_SENDING_TIMEOUT_MINUTES < 1:
    raise env.SettingsError("NOTIFY_SENDING_TIMEOUT_MINUTES", "must be at least 1")

# One cache for every app server and the worker (the dashboard's renderings, the "recount
# queued" flag): per-process memory would let two servers disagree. A database table by default
# (created by the core app's migration), so `make run` needs no other server; CACHE_URL=redis://
# moves it to Redis. Sessions, the task queue, lockouts and two-step throttles are in the
# database already.
CACHES = {"default": env.cache("CACHE_URL", "diversion_cache")}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/assets/"  # GOV.UK Frontend's CSS refers to /assets/fonts and /assets/images
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic target in production (`make production-setup` fills it; a system check
# refuses to start without it); in development WhiteNoise serves from the finders.
STATIC_ROOT = (Path(env.text("DIVERSION_STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
               if PRODUCTION else None)
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Content Security Policy: same-origin only, no inline script (django-csp 4).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    # Behind a TLS-terminating proxy that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    STORAGES["staticfiles"] = {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    }

# Every record is one line, with control characters escaped and exception messages withheld
# (core/logging.py): no forged lines, no personal data from an exception's message.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": "diversion.core.logging.OneLineFormatter",
                            "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_query_string": {"()": "diversion.core.logging.DropQueryString"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Django's own handlers are removed: its console would repeat records in another
        # format, and mail_admins would email a failed request's POST data to ADMINS.
        "django": {"handlers": [], "level": "WARNING"},
        # runserver's request lines (development only), without their query strings.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False,
                          "filters": ["no_query_string"]},
        "axes": {"level": "WARNING"},
    },
}

# How many demo people `manage.py demo_data` makes by default.
DEMO_PEOPLE = env.integer("DEMO_PEOPLE", 300)

# --- Offence to caution
# The date Part 6 of the Police, Crime, Sentencing and Courts Act 2022 (two-tier cautions) comes
# into force. Disposals before it are CJA 2003 conditional cautions; on or after it, PCSC 2022
# diversionary or community cautions. Commencement is unconfirmed (domain.md 3.2): set it here.
PCSC_COMMENCEMENT_DATE = env.iso_date("PCSC_COMMENCEMENT_DATE", "2027-04-01")
# Extra directories of programme definition files (cara-v1.yaml, ...), comma-separated.
DIVERSION_PROGRAMME_DIRS = env.csv_list("DIVERSION_PROGRAMME_DIRS", "")
# --- Victims: keys for the encrypted victim contact fields -------------------------
# Comma-separated Fernet keys, newest first: new values are encrypted with the first; any key
# listed can decrypt, so a rotation adds a key at the front, runs `manage.py rotate_field_keys`,
# then drops the old key. Production refuses to start without it; development has a fixed key.
_DEV_FIELD_KEY = "ZGV2LW9ubHktZGl2ZXJzaW9uLWZpZWxkLWtleS0wMDA="  # noqa: S105 (development only)
DIVERSION_FIELD_KEYS = env.csv_list(
    "DIVERSION_FIELD_KEYS", "" if PRODUCTION else _DEV_FIELD_KEY)
if not DIVERSION_FIELD_KEYS:
    raise env.SettingsError("DIVERSION_FIELD_KEYS", "must be set in production")
for _key in DIVERSION_FIELD_KEYS:
    try:
        Fernet(_key)
    except (ValueError, TypeError):
        raise env.SettingsError("DIVERSION_FIELD_KEYS",
                                "must list Fernet keys (32 url-safe base64 bytes)") from None

# --- Processing log: keys of the HMAC chain and where its signed checkpoints go ---------------
# Comma-separated secrets (each at least 32 characters), newest first: new rows are signed with
# the first; every key listed verifies the rows that name it, so a rotation adds a key at the
# front and keeps the old one for as long as its rows are kept. Never stored in the database.
_DEV_LOG_KEY = "dev-only-processing-log-key-not-for-production"  # noqa: S105 (development only)
DIVERSION_LOG_KEYS = env.csv_list("DIVERSION_LOG_KEYS", "" if PRODUCTION else _DEV_LOG_KEY)
if not DIVERSION_LOG_KEYS:
    raise env.SettingsError("DIVERSION_LOG_KEYS", "must be set in production")
if PRODUCTION and _DEV_LOG_KEY in DIVERSION_LOG_KEYS:
    raise env.SettingsError("DIVERSION_LOG_KEYS", "must not use the development key in production")
if any(len(_key) < 32 for _key in DIVERSION_LOG_KEYS):
    raise env.SettingsError("DIVERSION_LOG_KEYS", "each key must be at least 32 characters")
# Append-only file of signed checkpoints (row count and newest MAC) that shows truncation. In
# production put it on a volume the database's user cannot rewrite, or ship it to a log sink.
DIVERSION_LOG_CHECKPOINT_DIR = Path(
    env.text("DIVERSION_LOG_CHECKPOINT_DIR", str(VAR_DIR / "log-checkpoints")))
DIVERSION_LOG_CHECKPOINT_MINUTES = env.integer("DIVERSION_LOG_CHECKPOINT_MINUTES", 15)
# Independent chains the log is written in, so writers do not queue on one lock (audit/lanes.py).
# Raising or lowering it later is safe: verification walks whichever lanes the rows name.
DIVERSION_LOG_LANES = env.integer("DIVERSION_LOG_LANES", 16)
if not 1 <= DIVERSION_LOG_LANES <= 1000:
    raise env.SettingsError("DIVERSION_LOG_LANES", "must be between 1 and 1000")

# --- Backups: keys that encrypt them at rest (operations/encryption.py) -------------------------
# Comma-separated keys (32 random bytes, URL-safe base64), newest first: a backup is encrypted
# with the first and any key listed decrypts, so keep an old key while its backups are kept.
# Separate from the field and log keys, and needed only where backups are made or restored
# (backup_database refuses without it), so production does not require it to start.
_DEV_BACKUP_KEY = "ZGV2LW9ubHktZGl2ZXJzaW9uLWJhY2t1cC1rZXktMDA="  # noqa: S105 (development only)
DIVERSION_BACKUP_KEYS = env.csv_list("DIVERSION_BACKUP_KEYS", "" if PRODUCTION else _DEV_BACKUP_KEY)
if PRODUCTION and _DEV_BACKUP_KEY in DIVERSION_BACKUP_KEYS:
    raise env.SettingsError("DIVERSION_BACKUP_KEYS",
                            "must not use the development key in production")
if set(DIVERSION_BACKUP_KEYS) & (set(DIVERSION_FIELD_KEYS) | set(DIVERSION_LOG_KEYS)):
    raise env.SettingsError("DIVERSION_BACKUP_KEYS",
                            "must not reuse a field or log key: generate a separate key")
for _key in DIVERSION_BACKUP_KEYS:
    try:
        Fernet(_key)  # the same shape: 32 bytes in URL-safe base64
    except (ValueError, TypeError):
        raise env.SettingsError("DIVERSION_BACKUP_KEYS",
                                "must list keys of 32 bytes in URL-safe base64") from None

# --- Provider delivery
# The police compliance page lists cases this many days from their condition deadline, and
# cases this many days from the prosecution time limit; the sweep task repeats at this interval.
DELIVERY_DEADLINE_WARNING_DAYS = env.integer("DELIVERY_DEADLINE_WARNING_DAYS", 14)
DELIVERY_TIME_LIMIT_WARNING_DAYS = env.integer("DELIVERY_TIME_LIMIT_WARNING_DAYS", 28)
DELIVERY_SWEEP_MINUTES = env.integer("DELIVERY_SWEEP_MINUTES", 60)
# Retention: how often the worker lists records past their retention date for review.
RETENTION_SWEEP_HOURS = env.integer("RETENTION_SWEEP_HOURS", 24)

# evaluation runs: the smallest cohort reported with numbers (as the
# Justice Data Lab).
EVALUATION_MINIMUM_COHORT = 60
# A matched run gives no verdict when fewer than this share of the treated group found a
# match (evaluation/report.py): the matched group would no longer stand for them.
EVALUATION_MINIMUM_MATCH_RATE = 0.8

# records: police-record uploads. The web process stores each upload here under a random name
# and the task worker reads it from here, so both must see the same directory (a shared volume
# when they run on different hosts). Files are deleted when their import ends.
RECORDS_UPLOAD_DIR = Path(env.text("RECORDS_UPLOAD_DIR", str(VAR_DIR / "uploads")))
# Hard limits on an extract (records/limits.py has the rest): the upload itself, what an XLSX
# or Parquet file may expand to, and data rows.
RECORDS_UPLOAD_MAX_MB = env.integer("RECORDS_UPLOAD_MAX_MB", 512)
RECORDS_EXPANDED_MAX_MB = env.integer("RECORDS_EXPANDED_MAX_MB", 512)
RECORDS_MAX_ROWS = env.integer("RECORDS_MAX_ROWS", 2_000_000)
# Virus scanning of uploads by a ClamAV daemon (core/antivirus.py): `unix:///path` or
# `tcp://host:port`. Unset, uploads are not scanned (production warns: diversion.W020); set but
# unreachable, uploads are refused. The timeout bounds each socket step, the scan's answer too.
DIVERSION_CLAMD = env.clamd("DIVERSION_CLAMD")
DIVERSION_CLAMD_TIMEOUT = env.integer("DIVERSION_CLAMD_TIMEOUT", 60)
if DIVERSION_CLAMD_TIMEOUT < 1:
    raise env.SettingsError("DIVERSION_CLAMD_TIMEOUT", "must be at least 1 (seconds)")

# --- api: the REST API under API_PREFIX, called with API clients' tokens only.
API_PREFIX = "/api/"
# Requests per API client, as DRF rates ("600/min", "20/second"); empty turns throttling off.
API_RATE_LIMIT = env.text("API_RATE_LIMIT", "600/min")
API_MAX_BODY_BYTES = env.integer("API_MAX_BODY_BYTES", 1_000_000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["diversion.api.drf.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["diversion.api.drf.ClientScopes"],
    "DEFAULT_THROTTLE_CLASSES": ["diversion.api.drf.ClientRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["diversion.api.drf.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "diversion.api.drf.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "diversion.api.drf.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Diversion API",
    "DESCRIPTION": (
        "Machine access for police record systems, providers' case systems and analysts. "
        "Send an API client's token (created by your organisation's administrator under "
        "Users > API clients) as `Authorization: Bearer <token>`. Errors are RFC 9457 problem "
        "details. Every read or change of personal data is written to the processing log."),
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used under more than one field name get one name each.
    "ENUM_NAME_OVERRIDES": {
        "RankEnum": "diversion.cases.regimes.RANKS",
        "ContactOutcomeEnum": "diversion.delivery.models.ContactOutcome",
        "AttendanceOutcomeEnum": "diversion.delivery.models.AttendanceOutcome",
        "OneToOneOutcomeEnum": "diversion.delivery.models.OneToOneOutcome",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "diversion.api.schema.closed_request_bodies"],
}
