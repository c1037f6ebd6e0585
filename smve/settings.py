"""SMVE settings, read from the environment (see docs/configuration.md)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from smve.env import database_from_url, env_bool, env_list, env_number, time_zone

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: export SECRET_KEY to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for development."
        )
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "poll",
    "hmi",
    "alarms",
    "history",
    "outbox",
    "metering",
    "console",
    "commands",
    "ops",
    "axes",
]

MIDDLEWARE = [
    "ops.middleware.RequestTimingMiddleware",  # outermost: times the whole request
    "smve.api_errors.JsonApiErrorsMiddleware",  # first: it sees every error under /api/
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "console.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smve.urls"
WSGI_APPLICATION = "smve.wsgi.application"
ASGI_APPLICATION = "smve.asgi.application"

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
            ],
        },
    },
]

# Database connections: bounded per process (docs/deployment.md, "Database connections").
# The web server's entry point (smve/asgi.py) turns the pool on by default; management
# commands such as `poll` keep one connection per thread of their own and need none.
DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", "sqlite:///"),
        BASE_DIR,
        pool_size=int(env_number("DATABASE_POOL_SIZE", 0)),
        pool_timeout=env_number("DATABASE_POOL_TIMEOUT", 10, minimum=0.1),
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = time_zone(os.environ.get("TIME_ZONE", "UTC"))
USE_I18N = True
USE_TZ = True  # stored in UTC, shown in TIME_ZONE

# Historian retention (docs/history.md): days kept per resolution, 0 for ever.
HISTORY_RETENTION_DAYS = {
    "raw": env_number("HISTORY_RAW_DAYS", 90),
    "1min": env_number("HISTORY_1MIN_DAYS", 365),
    "15min": env_number("HISTORY_15MIN_DAYS", 0),
    "1h": env_number("HISTORY_1H_DAYS", 0),
    "1d": env_number("HISTORY_1D_DAYS", 0),
}

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"
# The web process serves static files itself (whitenoise; nginx may serve /static/ in
# front): the collected ones once `collectstatic` has run, else straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or not STATIC_ROOT.is_dir()

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# HTTPS only in production. nginx terminates TLS and says so in X-Forwarded-Proto, which
# uvicorn trusts from --forwarded-allow-ips (deploy/supervisor-smve.conf), so Django sees
# the original scheme: plain http:// is redirected, and browsers are told (HSTS) to use
# https:// for a year. `manage.py check --deploy` passes with these defaults.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health checks over plain HTTP, behind the TLS they terminate.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(env_number("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

# Login throttling (django-axes). Every password check counts: the console's and the
# admin's login pages, the API's login page and its token endpoint. After
# LOGIN_FAILURE_LIMIT failures for one username from one client address, that pair is
# locked out for LOGIN_LOCKOUT_MINUTES, even with the right password; the same user from
# elsewhere, and other users from that address, are not. A success before the limit
# starts the count again. The client address is the one uvicorn took from nginx's
# X-Forwarded-For. `manage.py axes_reset_username NAME` unlocks early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(env_number("LOGIN_FAILURE_LIMIT", 5, minimum=1))
AXES_COOLOFF_TIME = timedelta(minutes=env_number("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "console.lockout.lockout_response"
AXES_VERBOSE = False  # no banner at every start: a failing command prints one clear line

REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "smve.api_schema.ApiSchema",
    "EXCEPTION_HANDLER": "smve.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
# The most the API reads of a request body (uploaded files apart): a drawing of the largest
# size screens take (10 MiB, hmi.svg_sanitiser.MAX_DRAWING_BYTES) fits even as JSON text,
# whose escaping can double it. nginx's client_max_body_size (deploy/) is the same.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "SMVE API",
    "DESCRIPTION": (
        "Field configuration, live values, events and screens of an SMVE site. "
        "The live stream of a screen, GET /api/stream?screen=ID (Server-Sent Events), "
        "is described in docs/api.md."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps the whole API: only for users with a role (poll/roles.py).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "poll.roles.HasRole"],
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set that several fields share.
    "ENUM_NAME_OVERRIDES": {
        "AlarmStateEnum": "alarms.models.STATE_CHOICES",
        "AlarmEventEnum": "alarms.models.EVENT_CHOICES",
    },
    # The docs pages' scripts come with the server: plant networks have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Live stream: heartbeat comment interval, and on SQLite how often the latest revision is read.
try:
    STREAM_HEARTBEAT_SECONDS = float(os.environ.get("STREAM_HEARTBEAT_SECONDS", "15"))
    STREAM_POLL_SECONDS = float(os.environ.get("STREAM_POLL_SECONDS", "0.25"))
except ValueError as exc:
    raise ImproperlyConfigured(
        f"STREAM_HEARTBEAT_SECONDS and STREAM_POLL_SECONDS are seconds, e.g. 15 or 0.25 ({exc})."
    ) from exc
# The site stream carries the alarms each revision changed, up to this many (0: none, the
# pages then read the alarm list); beyond it a page reads the whole list once.
try:
    STREAM_ALARMS_MAX = int(os.environ.get("STREAM_ALARMS_MAX", "1000"))
except ValueError as exc:
    raise ImproperlyConfigured(
        f"STREAM_ALARMS_MAX is a count of alarms, e.g. 1000 ({exc})."
    ) from exc
if STREAM_ALARMS_MAX < 0:
    raise ImproperlyConfigured("STREAM_ALARMS_MAX is a count of alarms: 0 or more.")

# Mail (alarm notifications): SMTP from the environment.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "smve@localhost")

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not a level: use DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django": {
            "handlers": ["stderr"],
            "level": "INFO" if LOG_LEVEL == "DEBUG" else LOG_LEVEL,
            "propagate": False,
        },
    },
}

# The alarm journal's covering indexes (INCLUDE columns) serve PostgreSQL's KPI queries;
# SQLite builds them without those columns, which is all the demo needs: no warning at
# every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
