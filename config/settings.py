"""Stagecoach settings: one module, driven by environment variables (see docs/configuration.md)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (for local use, set DEBUG=1)."
        )
    # Development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "shared",
    "accounts",
    "pipeline",
    "metrics",
]

MIDDLEWARE = [
    # First: /healthz answers container health checks whatever their Host and scheme.
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ServiceUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.LateJobsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "pipeline.context_processors.crm",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL in production and CI; without it, an SQLite file in the
# project folder lets a newcomer run everything with no server.
_default_sqlite = f"sqlite:///{BASE_DIR / 'stagecoach.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or _default_sqlite,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
        # half-way with "database is locked"; WAL lets readers run beside the writer.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Internationalisation and money ---------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en") or "en"
LANGUAGES = [
    ("en", _("English")),
    ("ms", _("Malay")),
    ("hu", _("Hungarian")),
    ("vi", _("Vietnamese")),
    ("fi", _("Finnish")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC") or "UTC"
USE_I18N = True
USE_TZ = True

DEFAULT_CURRENCY = (env_str("DEFAULT_CURRENCY", "EUR") or "EUR").upper()
if len(DEFAULT_CURRENCY) != 3 or not DEFAULT_CURRENCY.isalpha():
    raise ImproperlyConfigured(
        f"DEFAULT_CURRENCY must be a three-letter ISO 4217 code; got {DEFAULT_CURRENCY!r}"
    )

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from npm (package-lock.json) and are served from node_modules.
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "media/"

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Stagecoach <stagecoach@localhost>")

# --- Security (production values pass `manage.py check --deploy`) ----------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sent by config.middleware.SecurityHeadersMiddleware on every response. Scripts come only from
# this origin's files: no inline script, handler or eval (behaviours are data attributes wired
# by static/js/app.js; htmx runs with allowEval off). Styles still allow inline `style=`
# attributes (bar widths in charts and progress marks).
STAGECOACH_CONTENT_SECURITY_POLICY = env_str(
    "STAGECOACH_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# Login throttling (accounts/throttle.py): failures allowed per username and per client
# address within the lockout window, counted in the cache.
STAGECOACH_LOGIN_MAX_FAILURES_PER_USER = env_int("STAGECOACH_LOGIN_MAX_FAILURES_PER_USER", 5)
STAGECOACH_LOGIN_MAX_FAILURES_PER_IP = env_int("STAGECOACH_LOGIN_MAX_FAILURES_PER_IP", 20)
STAGECOACH_LOGIN_LOCKOUT_SECONDS = env_int("STAGECOACH_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Behind a reverse proxy: the META key of the header carrying the client address, e.g.
# HTTP_X_REAL_IP. Empty: REMOTE_ADDR.
STAGECOACH_CLIENT_IP_HEADER = env_str("STAGECOACH_CLIENT_IP_HEADER", "") or ""
# Invitation and password-reset links stay valid this long (seconds).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# --- Django REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    # Personal API tokens first (Authorization: Token <key>), then the browser session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "pipeline.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["pipeline.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "pipeline.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "pipeline.api.schema.ApiAutoSchema",
    # Service errors (403/404/409/422 with a message for the user) answer as in the UI;
    # validation errors as field messages.
    "EXCEPTION_HANDLER": "pipeline.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stagecoach API",
    "DESCRIPTION": "Pipelines, deals, contacts, activities and leads of a Stagecoach CRM. "
    "See docs/api-and-import.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response bodies get separate components (read-only fields such as `id`
    # are not asked for in requests), which keeps the contract exact for clients and tests.
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH bodies use their own serializers (a deal edit must carry `version`), so the
    # schema keeps their required fields instead of marking everything optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Swagger UI from the drf-spectacular-sidecar package: served by our static files, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Path ids are 1 or more (pipeline.api.schema.positive_ids).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "pipeline.api.schema.positive_ids",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DealStatusEnum": "pipeline.models.Deal.Status",
        "LeadStatusEnum": "pipeline.models.Lead.Status",
        "ActivityTypeEnum": "pipeline.models.Activity.Type",
        "StageChangeSourceEnum": "pipeline.models.StageChange.Source",
        "DuplicateCodeEnum": [("duplicate", "duplicate")],
    },
}
# Largest JSON body the API reads; larger bodies are refused with 413 before parsing.
STAGECOACH_API_MAX_BODY_BYTES = env_int("STAGECOACH_API_MAX_BODY_BYTES", 1024 * 1024)

# --- Celery ---------------------------------------------------------------------------------
# With REDIS_URL unset, tasks run eagerly in-process so the embedded default needs no server.
REDIS_URL = env_str("REDIS_URL") or ""
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# With acks_late, a task is acknowledged when it finishes; a worker killed mid-task leaves its
# message unacknowledged and the Redis transport gives it to another worker after
# `visibility_timeout` seconds. That must exceed the longest task (CELERY_TASK_TIME_LIMIT) and
# any countdown, or a task still running would be delivered a second time. Tests set a few
# seconds (CELERY_VISIBILITY_TIMEOUT) to watch a redelivery happen.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 2 * CELERY_TASK_TIME_LIMIT)
if CELERY_VISIBILITY_TIMEOUT < 1:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be a positive number of seconds.")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose worker died (seconds), every time.
    "unacked_restore_interval": min(10, max(1, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
    # A stopped or unreachable Redis fails a publish within seconds instead of hanging the
    # outbox relay (pipeline/services/jobs.py keeps the job and tries again).
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10}
# A worker holds at most one unacknowledged message per process, so a crash delays one task,
# not a prefetched batch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each web process hands its outbox rows (shared.models.PendingJob) to the broker from a
# background thread, so no request waits on Redis. Off: only beat (every minute) and worker
# start-up relay them.
STAGECOACH_JOB_RELAY_THREAD = env_bool("STAGECOACH_JOB_RELAY_THREAD", default=True)

# --- Caching --------------------------------------------------------------------------------
CACHES = {
    "default": (
        # A Redis outage is a cache miss, not a 500 (config/cache.py).
        {"BACKEND": "shared.cache.ResilientRedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL and env_bool("USE_REDIS_CACHE", default=not DEBUG)
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Product settings -----------------------------------------------------------------------
# Days without a done activity or an edit after which an open deal counts as idle (metrics).
STAGECOACH_IDLE_DAYS = env_int("STAGECOACH_IDLE_DAYS", 30)
# When the nightly metrics recompute runs (HH:MM, server time zone; Celery beat).
_metrics_at = env_str("STAGECOACH_METRICS_AT", "02:30") or "02:30"
try:
    STAGECOACH_METRICS_AT = time.fromisoformat(_metrics_at)
except ValueError as exc:
    raise ImproperlyConfigured(
        f"STAGECOACH_METRICS_AT must be a time such as 02:30; got {_metrics_at!r}"
    ) from exc
# Cards a board column renders before "load more" (keyset pagination).
STAGECOACH_BOARD_PAGE_SIZE = env_int("STAGECOACH_BOARD_PAGE_SIZE", 50)
# Seconds between the board's checks for other users' changes.
STAGECOACH_BOARD_POLL_SECONDS = env_int("STAGECOACH_BOARD_POLL_SECONDS", 8)
# Local hour of the morning reminder run (Celery beat); an activity scheduled later that day
# gets its reminder at once.
STAGECOACH_REMINDER_HOUR = env_int("STAGECOACH_REMINDER_HOUR", 7)
# The address users reach the app at, for links in reminder emails and the calendar feed.
STAGECOACH_BASE_URL = env_str("STAGECOACH_BASE_URL", "http://127.0.0.1:8000") or ""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_on_one_line": {"()": "config.logs.ClientErrorsOnOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own "django" handlers (console when DEBUG, mail_admins) are dropped: every
        # record reaches the root's one console handler once, instead of twice.
        "django": {"handlers": [], "propagate": True},
        # 403/404: one line ("Not Found: /deals/9/"), no traceback.
        "django.request": {"filters": ["client_errors_on_one_line"]},
        "django.security": {"filters": ["client_errors_on_one_line"]},
    },
}
