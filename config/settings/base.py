"""Settings shared by every environment; each value that differs comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LABMATE_VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, *, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "core",
    "members",
    "labs",
    # label "study_sessions": plain "sessions" clashes with django.contrib.sessions.
    "sessions.apps.SessionsConfig",
    "trackers",
    "notifications",
    "community",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.MemberPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes goes last so it sees the final login response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env(default_sqlite: Path) -> dict[str, object]:
    """PostgreSQL when DATABASE_URL is set, otherwise SQLite in WAL mode under var/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=False)
        if config["ENGINE"] == "django.db.backends.postgresql":
            # Pooling keeps throughput without persistent connections (see research B1).
            config.setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": 8}
        return dict(config)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": default_sqlite,
        "OPTIONS": {
            # WAL lets web, worker and beat read while one of them writes;
            # IMMEDIATE takes the write lock up front so writers queue instead of failing.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_from_env(VAR_DIR / "labmate.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password hashing.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "members:login"
LOGIN_REDIRECT_URL = "labs:my_labs"
LOGOUT_REDIRECT_URL = "members:login"

# Brute-force protection: five failures for one (email, IP) pair lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Emails are case-insensitive, so "Member@x" and "member@x" share one failure count everywhere.
AXES_USERNAME_CALLABLE = "members.authentication.axes_username"
AXES_LOCKOUT_TEMPLATE = "members/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Django 6.1 mailers. Development writes each message to a file under var/mail;
# production sets EMAIL_HOST (and friends) for SMTP.
_smtp_host = os.environ.get("EMAIL_HOST", "")
if _smtp_host:
    MAILERS: dict[str, dict[str, object]] = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host,
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": VAR_DIR / "mail"},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Labmate <noreply@labmate.local>")

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/,
# so `make run` needs no server at all.
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange bindings; kombu's default is ./control in whatever directory the process runs.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Reminders (notifications/): the database is the truth; a beat tick writes due deliveries and
# offers them to workers. No task ever waits in the broker (no ETA/countdown): Redis would
# redeliver it after the visibility timeout. Every value here is short on purpose.
NOTIFICATIONS_TICK_SECONDS = float(os.environ.get("NOTIFICATIONS_TICK_SECONDS", "60"))
# A claimed row not marked sent within the lease goes back to the queue (a killed worker).
NOTIFICATIONS_CLAIM_LEASE_SECONDS = float(
    os.environ.get("NOTIFICATIONS_CLAIM_LEASE_SECONDS", "300")
)
# A pending row offered to the broker this long ago is offered again (a lost message).
NOTIFICATIONS_REQUEUE_SECONDS = float(os.environ.get("NOTIFICATIONS_REQUEUE_SECONDS", "300"))
NOTIFICATIONS_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "60"))
NOTIFICATIONS_RETRY_CAP_SECONDS = float(os.environ.get("NOTIFICATIONS_RETRY_CAP_SECONDS", "3600"))
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "6"))
NOTIFICATIONS_WEBHOOK_TIMEOUT = float(os.environ.get("NOTIFICATIONS_WEBHOOK_TIMEOUT", "10"))
# Plain http:// webhooks only in development (DEBUG) or when allowed explicitly.
NOTIFICATIONS_WEBHOOK_ALLOW_HTTP = env_bool("NOTIFICATIONS_WEBHOOK_ALLOW_HTTP", default=DEBUG)
# Webhooks to loopback/private addresses (a local receiver) only in development and tests: in
# production a leader must not make the server call its own network.
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
NOTIFICATIONS_BATCH_SIZE = int(os.environ.get("NOTIFICATIONS_BATCH_SIZE", "100"))
# A queue of their own lets a test or a deployment give reminders a dedicated worker.
NOTIFICATIONS_QUEUE = os.environ.get("NOTIFICATIONS_QUEUE", "celery")

CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "core-heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
    "notifications-tick": {
        "task": "notifications.tasks.tick",
        "schedule": NOTIFICATIONS_TICK_SECONDS,
        "options": {"queue": NOTIFICATIONS_QUEUE, "expires": NOTIFICATIONS_TICK_SECONDS},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "members.authentication.TokenScopePermission",
    ],
    # orjson encodes what DRF's JSONRenderer would, byte for byte, several times faster.
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.StableCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.LabmateAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.api.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_THROTTLE_RATE", "600/min")},
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Labmate API",
    "DESCRIPTION": "Labs, cohorts, members and their boards, for sync clients and scripts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Two choice sets share the field name "status"; name their enums after their models.
    "ENUM_NAME_OVERRIDES": {
        "CohortStatusEnum": "labs.models.CohortStatus",
        "MembershipStatusEnum": "labs.models.MembershipStatus",
        # "answer" is both an RSVP's and a poll vote's field.
        "RsvpAnswerEnum": "sessions.models.RsvpAnswer",
        "PollAnswerEnum": "sessions.models.PollAnswer",
        "MeetingStatusEnum": "sessions.models.MeetingStatus",
        "AttendanceStatusEnum": "sessions.models.AttendanceStatus",
        # "kind" is both a slot's track and a meeting conflict's kind.
        "SlotKindEnum": "sessions.models.SlotKind",
        # "kind" is also a draw's (random pick or ladder game).
        "DrawKindEnum": "sessions.models.DrawKind",
        # Paper review: "status" and "source" are also other models' fields.
        "PaperStatusEnum": "sessions.models.PaperStatus",
        "ReviewStatusEnum": "sessions.models.ReviewStatus",
        "ReviewSourceEnum": "sessions.models.ReviewSource",
        # Community: an outside event's and a lab output's "kind", an application's "status".
        "EventKindEnum": "community.models.EventKind",
        "OutputKindEnum": "community.models.OutputKind",
        "ApplicationStatusEnum": "community.models.ApplicationStatus",
        # Coding-test study: a solve's "status".
        "SolveStatusEnum": "trackers.models.SolveStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
