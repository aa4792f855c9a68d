"""Civic settings: one module, driven by the environment (see the README's configuration table).

Locally nothing is required: SQLite under ``var/``, a generated secret key, Celery's filesystem
broker and emails written to ``var/mail/``. ``CIVIC_ENV=production`` refuses to start without its
secrets, database, Redis, email and trusted origins.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from civic.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_required,
    env_required_list,
    env_str,
)
from civic.tile_sources import tile_img_sources

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CIVIC_VAR_DIR") or BASE_DIR / "var")

CIVIC_ENV = env_str("CIVIC_ENV", "development")
if CIVIC_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"CIVIC_ENV must be development or production, not {CIVIC_ENV!r}")
PRODUCTION = CIVIC_ENV == "production"
# Local state (SQLite, the filesystem broker, emails as files) for the zero-setup default only:
# loading the settings in production creates no directory and no file.
if not PRODUCTION:
    VAR_DIR.mkdir(parents=True, exist_ok=True)

# Two checkouts on one machine never share a test database, Redis keys or queues, and neither do
# two pytest-xdist workers of one run. CIVIC_CHECKOUT_ID overrides it (a worker process a test
# starts is given its test's).
CHECKOUT_ID = env_str("CIVIC_CHECKOUT_ID") or (
    hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]
    + (f"_{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ else "")
)


def _local_secret_key() -> str:
    path = VAR_DIR / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_required_list("ALLOWED_HOSTS")
    CSRF_TRUSTED_ORIGINS = env_required_list("CSRF_TRUSTED_ORIGINS")
    env_required("DATABASE_URL")
    REDIS_URL: str | None = env_required("REDIS_URL")
    env_required("EMAIL_URL")
    DEBUG = False
else:
    SECRET_KEY = env_str("SECRET_KEY") or _local_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
    REDIS_URL = env_str("REDIS_URL") or None
    DEBUG = env_bool("DEBUG", True)

# --- The city -------------------------------------------------------------------------------
# The city's configuration lives here, not in the database: the time zone must be known before
# Django and Celery start. Read it through ``civic.city.city()``.
CIVIC_CITY: dict[str, Any] = {
    "name": env_str("CIVIC_CITY_NAME", "Civic-sur-Loire"),
    "time_zone": env_str("CIVIC_TIME_ZONE", "Europe/Paris"),
    "map_center": (env_float("CIVIC_MAP_LAT", 47.3900), env_float("CIVIC_MAP_LON", 0.6890)),
    "map_zoom": env_int("CIVIC_MAP_ZOOM", 13),
    # No request leaves for a third party by default: without a tile server, the app's own
    # schematic basemap (civic.basemap).
    "tile_url": env_str("CIVIC_TILE_URL", "") or "/basemap/{z}/{x}/{y}.png",
    "tile_attribution": env_str("CIVIC_TILE_ATTRIBUTION", ""),
    "publisher": env_str("CIVIC_PUBLISHER", "Ville de Civic-sur-Loire, 1 place de la Mairie"),
    "dpo_email": env_str("CIVIC_DPO_EMAIL", "dpo@civic.example"),
    "contact_email": env_str("CIVIC_CONTACT_EMAIL", "contact@civic.example"),
    "source_url": env_str("CIVIC_SOURCE_URL", "https://git.civic.example/civic/civic"),
    "logo_url": env_str("CIVIC_LOGO_URL", ""),
}
TIME_ZONE = CIVIC_CITY["time_zone"]
USE_TZ = True
# Dates in the reader's language as read here (civic/formats/en: day first, 24-hour clock).
FORMAT_MODULE_PATH = ["civic.formats"]

# --- Applications ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "civic",
    "consent",
    "reports",
    "density",
    "budgets",
    "sensors",
    "assist",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "csp",
]
INSTALLED_APPS += env_list("CIVIC_EXTRA_APPS")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civic.middleware.UserLanguageMiddleware",
    "assist.kiosk.KioskMiddleware",  # recognises a kiosk terminal's browser (after sessions)
    "allauth.account.middleware.AccountMiddleware",
    "civic.middleware.StaffMfaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "civic.urls"
WSGI_APPLICATION = "civic.wsgi.application"
AUTH_USER_MODEL = "civic.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "civic.context_processors.civic",  # and every app's registered context
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    # SQLite shared by web, worker and beat: WAL lets readers run beside one writer, IMMEDIATE
    # takes the write lock at BEGIN (no deadlock on upgrade), and the timeout waits for it.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "civic.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["TEST"] = {"NAME": f"test_civic_{CHECKOUT_ID}"}

# --- Cache, Celery ---------------------------------------------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "civic.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"civic-{CHECKOUT_ID}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_QUEUE_PREFIX = env_str("CIVIC_QUEUE_PREFIX", f"civic-{CHECKOUT_ID}")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"global_keyprefix": f"{CELERY_QUEUE_PREFIX}:"}
else:
    if PRODUCTION:  # unreachable today (REDIS_URL is required) but kept as the rule's statement
        raise ImproperlyConfigured("The filesystem broker loses tasks; production needs REDIS_URL")
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
if env_str("CELERY_BROKER_URL"):
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or CELERY_BROKER_URL
    if PRODUCTION and CELERY_BROKER_URL.startswith("filesystem"):
        raise ImproperlyConfigured("The filesystem broker loses tasks; production needs Redis")
CELERY_TASK_DEFAULT_QUEUE = f"{CELERY_QUEUE_PREFIX}-default"
# Slow, CPU-bound work on its own queues, so a burst never delays emails (workers consume them).
# A worker started without -Q consumes every queue listed here (make run's single worker does);
# in production, photos (CPU-heavy face detection) may get workers of their own with -Q.
CELERY_TASK_QUEUES = [
    Queue(CELERY_TASK_DEFAULT_QUEUE),
    Queue(f"{CELERY_QUEUE_PREFIX}-photos"),
]
CELERY_TASK_ROUTES = {
    "reports.tasks.photo_anonymise_task": {"queue": f"{CELERY_QUEUE_PREFIX}-photos"},
    "budgets.tasks.photo_anonymise_task": {"queue": f"{CELERY_QUEUE_PREFIX}-photos"},
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic jobs are declared by each app (civic.registry.register_periodic_task) and assembled
# into the beat schedule in civic/celery.py.
# An email the mail server kept refusing stays this long in the outbox (for staff), then goes.
CIVIC_OUTBOX_FAILED_RETENTION_DAYS = env_int("CIVIC_OUTBOX_FAILED_RETENTION_DAYS", 30)
# Retention periods (the receipts, notices and registers residents read quote these).
# An export archive's download link works this long.
CIVIC_EXPORT_KEPT_DAYS = env_int("CIVIC_EXPORT_KEPT_DAYS", 7)
# The unblurred copy of a report's photo is kept this long after the report is closed, for staff.
CIVIC_REPORTS_UNBLURRED_KEPT_DAYS = env_int("CIVIC_REPORTS_UNBLURRED_KEPT_DAYS", 90)
# Photos uploaded with a report form that was never sent.
CIVIC_REPORTS_DRAFT_PHOTOS_KEPT_DAYS = env_int("CIVIC_REPORTS_DRAFT_PHOTOS_KEPT_DAYS", 1)
# Contact details given with a report are removed this long after it is closed.
CIVIC_REPORTS_CONTACT_KEPT_DAYS = env_int("CIVIC_REPORTS_CONTACT_KEPT_DAYS", 365)
# A report's private manage link stops working this long after the report is closed; the
# author can ask for a fresh one (at most this many requests per client address per hour).
CIVIC_REPORTS_MANAGE_LINK_DAYS = env_int("CIVIC_REPORTS_MANAGE_LINK_DAYS", 90)
CIVIC_REPORTS_LINKS_PER_HOUR = env_int("CIVIC_REPORTS_LINKS_PER_HOUR", 10)
# Reports a signed-in resident may send from the web form per hour, and anonymous API clients.
CIVIC_REPORTS_WEB_PER_HOUR = env_int("CIVIC_REPORTS_WEB_PER_HOUR", 20)
CIVIC_REPORTS_ANON_RATE = env_str("CIVIC_REPORTS_ANON_RATE", "10/hour")
# A mandate never confirmed by the resident is removed after this (it never acted).
CIVIC_MANDATE_UNCONFIRMED_KEPT_DAYS = env_int("CIVIC_MANDATE_UNCONFIRMED_KEPT_DAYS", 30)
# How long the access log keeps its entries before the retention job purges them (and the
# mandates whose acts it records, counted from their end).
CIVIC_ACCESS_LOG_RETENTION_DAYS = env_int("CIVIC_ACCESS_LOG_RETENTION_DAYS", 365)
# Participatory budgets: the minimum voting age new budgets start with (each budget keeps its own).
CIVIC_BUDGET_MIN_AGE = env_int("CIVIC_BUDGET_MIN_AGE", 16)
# A heartbeat older than this is reported stale by /healthz.
CIVIC_HEARTBEAT_STALE_SECONDS = env_int("CIVIC_HEARTBEAT_STALE_SECONDS", 300)

# --- Email -----------------------------------------------------------------------------------
_email_url = env_str("EMAIL_URL")
if _email_url:
    vars().update(dj_email_url.parse(_email_url))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Civic <no-reply@civic.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts (django-allauth) ---------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "civic.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = CIVIC_CITY["name"]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
# Staff must use a second factor in production; the demo may relax it.
CIVIC_STAFF_MFA_REQUIRED = env_bool("CIVIC_STAFF_MFA_REQUIRED", PRODUCTION)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation --------------------------------------------------------------------
# Page URLs carry no language prefix: a QR code on a poster or a receipt stays valid in either
# language. The language comes from the account, then the switcher's cookie, then the browser.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
LANGUAGE_COOKIE_NAME = "civic_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(
        exist_ok=True
    )  # whitenoise warns about a missing one (collectstatic makes it)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Maps ------------------------------------------------------------------------------------
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": CIVIC_CITY["map_center"],
    "DEFAULT_ZOOM": CIVIC_CITY["map_zoom"],
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": (
        [(_("Map"), CIVIC_CITY["tile_url"], {"attribution": CIVIC_CITY["tile_attribution"]})]
        if CIVIC_CITY["tile_url"]
        else []
    ),
    "RESET_VIEW": False,
    "ATTRIBUTION_PREFIX": "Leaflet",
}
# A self-hosted PMTiles extract of the city, served with Range requests at /basemap/city.pmtiles.
CIVIC_PMTILES_PATH = env_str("CIVIC_PMTILES_PATH", "")

# --- API -------------------------------------------------------------------------------------
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "civic.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": [
        "civic.parsers.JSONParser",  # DRF's, with a 400 for JSON nested too deep
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "civic.authentication.AnonThrottle",
        "civic.authentication.ClientThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("CIVIC_API_ANON_RATE", "120/minute"),
        "user": env_str("CIVIC_API_CLIENT_RATE", "1200/minute"),
    },
    # DRF reads the client address through this many trusted proxies (X-Forwarded-For).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "civic.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Civic API",
    "DESCRIPTION": "The city's open API: reports, sensors, density and open data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Devices (airrohr firmware) do not follow redirects: their push paths never redirect.
    SECURE_REDIRECT_EXEMPT = [r"^api/sensors/push/", r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy: our own origin only, scripts and styles by nonce, enforced
# (tests/civic/test_crawl_browser.py crawls the demo city in chromium and fails on a violation).
# CIVIC_CSP_ENFORCE=0 turns it into report-only, to diagnose a page; violations are logged.
_csp = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [
            SELF,
            "data:",
            "blob:",  # the report form's photo previews (URL.createObjectURL), never sent
            *tile_img_sources(CIVIC_CITY["tile_url"]),
        ],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "report-uri": "/csp-report/",
    }
}
if env_bool("CIVIC_CSP_ENFORCE", True):
    CONTENT_SECURITY_POLICY = _csp
else:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Sensors --------------------------------------------------------------------------------
CIVIC_MQTT_URL = env_str("CIVIC_MQTT_URL", "mqtt://127.0.0.1:1883")
CIVIC_SENSORS_MAX_ROWS = env_int("CIVIC_SENSORS_MAX_ROWS", 10_000)  # per request; more is 413
CIVIC_SENSORS_CLOCK_SKEW_SECONDS = env_int("CIVIC_SENSORS_CLOCK_SKEW_SECONDS", 300)
CIVIC_SENSORS_MAX_AGE_DAYS = env_int("CIVIC_SENSORS_MAX_AGE_DAYS", 30)
# Raw readings are dropped (by monthly partition on PostgreSQL) after this; aggregates are kept.
CIVIC_SENSORS_RAW_RETENTION_DAYS = env_int("CIVIC_SENSORS_RAW_RETENTION_DAYS", 400)
CIVIC_SENSORS_PARTITIONS_AHEAD = env_int("CIVIC_SENSORS_PARTITIONS_AHEAD", 3)  # months

# --- Density ------------------------------------------------------------------------------
# A forecast cell uses crowd reports only when this many distinct devices are behind them.
CIVIC_DENSITY_K_ANONYMITY = env_int("CIVIC_DENSITY_K_ANONYMITY", 5)
# Raw crowd reports are folded into per-cell totals and deleted after this many days.
CIVIC_DENSITY_RAW_RETENTION_DAYS = env_int("CIVIC_DENSITY_RAW_RETENTION_DAYS", 90)
# Crowd reports a device may send per hour (an IP address: ten times as many).
CIVIC_DENSITY_REPORTS_PER_HOUR = env_int("CIVIC_DENSITY_REPORTS_PER_HOUR", 20)

# --- Civic ----------------------------------------------------------------------------------
# The public address of the site, for links in emails (no request is at hand in a worker).
CIVIC_SITE_URL = (
    env_required("CIVIC_SITE_URL")
    if PRODUCTION
    else env_str("CIVIC_SITE_URL", "http://127.0.0.1:8000")
).rstrip("/")
# The running commit, shown beside the source link (AGPL section 13).
CIVIC_COMMIT = env_str("CIVIC_COMMIT", "")
CIVIC_DEMO_CREDENTIALS_FILE = VAR_DIR / "demo-credentials.txt"
# On a kiosk terminal, a session ends after this many seconds without a request (assist).
CIVIC_KIOSK_IDLE_SECONDS = env_int("CIVIC_KIOSK_IDLE_SECONDS", 180)
