"""
Trực Ban settings.

Everything that differs between a laptop and a province's server is read from the
environment (see the table in README.md). With nothing set, the defaults give a
zero-setup development site: a SQLite file and a broker kept in plain files under var/.
"""

import datetime
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.contrib.messages import constants as messages
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
# `make run` and `make test` write a git-ignored .env (DEBUG=true and a generated key) so that
# `python manage.py …` works in a checkout; the process environment always wins over it.
ENV_FILE = Path(os.environ.get("ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    # Sessions, password-reset links and one-tap links are signed with it: a production site
    # must never start with a missing, short or published key (gunicorn, Celery and every
    # command load these settings, so all of them refuse alike).
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of 50 or more characters when DEBUG is false "
        '(for example: python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form sent after its token went stale (a second sign-in in another tab): our page, in Vietnamese.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
# Whose address is it? Behind our nginx (deploy/nginx), which replaces X-Forwarded-For with the
# one address it sees, that header; without a proxy only the connection's own address, since a
# caller could otherwise write any X-Forwarded-For and never be locked out or throttled.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "knox",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "hotline",
    "roster",
    "monitoring",
    "switchboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An id for each request's log lines, with the user's id (so after authentication).
    "monitoring.middleware.RequestIdMiddleware",
    # Every page needs a signed-in user unless its view says @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'trucban.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker and beat share one file: WAL lets readers
    # run beside the writer, and IMMEDIATE transactions take the write lock up
    # front so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Each web and worker process keeps its connection for a minute instead of opening one a
# request; the health check at the start of each request (or task) notices a connection the
# database dropped (a restart, a failover) and opens a new one, so no process needs a restart.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address never reach the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy and 24-hour times in both languages (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico, on pages that name no icon: the
# admin, the API docs), served by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # DRF reads the caller's address the same way (the last X-Forwarded-For entry, or none).
    "NUM_PROXIES": 1 if BEHIND_PROXY else 0,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="60/min"),
        "user": env("THROTTLE_USER", default="1200/min"),
        # The token endpoint, per username and address (password reset has its own mail limit).
        "credentials": env("THROTTLE_CREDENTIALS", default="30/min"),
        # A cloud switchboard's webhooks, per address: a busy hotline pushes several a second.
        "switchboard": env("THROTTLE_SWITCHBOARD", default="600/min"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trực Ban API",
    "DESCRIPTION": "Duty rosters for public-service hotlines: who is on duty, coverage, shifts.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: no CDN on closed government networks.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "roster.models.Assignment.Status",
        "NotificationStatusEnum": "roster.models.Notification.Status",
        "LeaveStatusEnum": "roster.models.Leave.Status",
        "SwapStatusEnum": "roster.models.Swap.Status",
    },
}

# API tokens (django-rest-knox): stored as hashes, sent as `Authorization: Token …`.
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "AUTH_HEADER_PREFIX": "Token",
}

# Sign-in lockout (django-axes): on the sign-in page, the admin and the token endpoint, per
# username and address; the admin lifts a lockout by deleting the access attempts.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"] if BEHIND_PROXY else ["REMOTE_ADDR"]
# A password-reset mail at most this often per address and hour.
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)

# HTTPS: on by default in production; HTTPS=false serves plain HTTP (a closed network, a test).
HTTPS = env.bool("HTTPS", default=not DEBUG)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # A load balancer's plain-HTTP probe still gets its answer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=True)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from this site, never inline or eval'd.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

# Bootstrap's alert classes: a refusal (messages.error) shows as a red box, not plain text.
MESSAGE_TAGS = {messages.DEBUG: "secondary", messages.ERROR: "danger"}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where django.core.mail.backends.filebased.EmailBackend writes each mail (a test's worker, a demo).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Trực Ban <trucban@localhost>")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's file transport: messages are files in one folder that the web
    # process, the worker and beat all see, so `make run` needs no server.
    BROKER_DIR = VAR_DIR / "broker"
    BROKER_DIR.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        # Its exchange tables too, instead of a control/ folder in the working directory.
        "control_folder": str(BROKER_DIR / "control"),
    }
CELERY_TIMEZONE = TIME_ZONE
# Tasks are acknowledged when a worker takes them, so a long one (a solver run) is never
# handed to a second worker while it runs; lost sends are recovered by the outbox
# (roster/notifications/outbox.py), not by the broker's redelivery.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "check-staffing": {"task": "roster.tasks.check_staffing", "schedule": 60.0},
    "dispatch-due-notifications": {"task": "roster.tasks.dispatch_due", "schedule": 60.0},
    "missed-call-alerts": {"task": "roster.tasks.check_missed_calls", "schedule": 60.0},
    "sweep-roster-builds": {"task": "roster.tasks.sweep_roster_builds", "schedule": 60.0},
    "gap-alerts": {"task": "roster.tasks.alert_gaps_daily", "schedule": crontab(hour=16, minute=0)},
    "erase-old-callers": {"task": "hotline.tasks.erase_old_callers", "schedule": crontab(hour=2, minute=30)},
    "delete-spent-links": {"task": "roster.tasks.delete_spent_links", "schedule": crontab(hour=2, minute=45)},
}

# Notifications (docs/reference.md §7). SMS_BACKEND takes a short name or a dotted path (roster/notifications/gateways).
SMS_BACKEND = env("SMS_BACKEND", default="console")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl"))
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10)
# Seconds an SMTP server may take to connect or answer before the send fails (and is retried):
# without it, a server that accepts and never answers would hold a worker forever.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10)
ESMS_API_KEY = env("ESMS_API_KEY", default="")
ESMS_SECRET_KEY = env("ESMS_SECRET_KEY", default="")
ESMS_BRANDNAME = env("ESMS_BRANDNAME", default="")
ESMS_URL = env("ESMS_URL", default="https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/")
SPEEDSMS_TOKEN = env("SPEEDSMS_TOKEN", default="")
SPEEDSMS_SENDER = env("SPEEDSMS_SENDER", default="")
SPEEDSMS_URL = env("SPEEDSMS_URL", default="https://api.speedsms.vn/index.php/sms/send")
# Carriers' registered brandname templates usually want plain ASCII.
SMS_STRIP_DIACRITICS = env.bool("SMS_STRIP_DIACRITICS", default=True)
REMINDER_LEAD_TIMES = env("REMINDER_LEAD_TIMES", default="24h,1h")
# The site's address as people outside it reach it: the links in SMS and emails start with it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# A new account's link to choose a password works this many days (a reset link: PASSWORD_RESET_TIMEOUT).
WELCOME_LINK_DAYS = env.int("WELCOME_LINK_DAYS", default=7)
# Unknown SMS links (/s/<token>) one address may open per hour before it gets 429.
SMS_LINK_MISSES_PER_HOUR = env.int("SMS_LINK_MISSES_PER_HOUR", default=30)
CHECKIN_GRACE_MINUTES = env.int("CHECKIN_GRACE_MINUTES", default=10)
# The switchboard connector (docs/switchboard.md): agents stay in their queue this long after
# their shift ends, for the handover; the roster is read every POLL seconds, the switchboard
# pinged every PING seconds, and a lost connection retried after 1, 2, 4… up to RECONNECT_MAX.
SWITCHBOARD_HANDOVER_MINUTES = env.int("SWITCHBOARD_HANDOVER_MINUTES", default=15)
SWITCHBOARD_POLL_SECONDS = env.float("SWITCHBOARD_POLL_SECONDS", default=3)
SWITCHBOARD_PING_SECONDS = env.float("SWITCHBOARD_PING_SECONDS", default=20)
SWITCHBOARD_RECONNECT_MAX_SECONDS = env.float("SWITCHBOARD_RECONNECT_MAX_SECONDS", default=60)
# The on-duty board (oncall/, wallboard) is shared by every caller for this long; a change of
# an assignment clears it at once in this process (and everywhere with a shared cache).
ONCALL_CACHE_SECONDS = env.int("ONCALL_CACHE_SECONDS", default=3)
# Each process's own memory by default; with several web processes, a shared cache
# (CACHE_URL=redis://…/1) lets a check-in clear the on-duty board for all of them at once.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# A roster build weighs each agent's work in published rosters of this many months before it
# (the engine's `balance`), so fairness holds across months; 0 looks at the roster alone.
ROSTER_BALANCE_MONTHS = env.int("ROSTER_BALANCE_MONTHS", default=3)

# The place name that dates printed documents ("Cà Mau, ngày … tháng … năm …").
DOCUMENT_PLACE = env.str("DOCUMENT_PLACE", default="Cà Mau")
# Files uploaded on the pages (call records, agents) larger than this are refused before
# they are read. Django keeps an upload over 2.5 MB in a temporary file, not in memory, and
# DATA_UPLOAD_MAX_MEMORY_SIZE does not count files, so its default stays.
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=20)

# Callers' numbers in call records (personal data, Decree 13/2023/ND-CP): "mask" keeps
# 091*****78 and a keyed hash (repeat callers can be counted), "hash" only the hash, "keep"
# the number. Either is erased after CALLER_RETENTION_DAYS. The hash is keyed by
# CALLER_HASH_KEY, not SECRET_KEY: with few numbers possible, whoever holds the key can
# find a number from its hash, so that key is kept for this alone. Without it no hash is
# stored.
CALLER_NUMBERS = env.str("CALLER_NUMBERS", default="mask")
CALLER_HASH_KEY = env.str("CALLER_HASH_KEY", default="")
CALLER_RETENTION_DAYS = env.int("CALLER_RETENTION_DAYS", default=90)
# An escalation nobody takes in hand climbs one unit up after this long.
ESCALATION_STEP_MINUTES = env.int("ESCALATION_STEP_MINUTES", default=15)
# A notification claimed by a worker that died is sent again after this long.
NOTIFICATION_SENDING_TIMEOUT = env.int("NOTIFICATION_SENDING_TIMEOUT", default=120)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=4)
# A temporary failure is tried again after this many seconds, doubled at each attempt (30 s,
# 1 min, 2 min): a gateway down for minutes is not hammered, and a short outage costs little.
NOTIFICATION_RETRY_SECONDS = env.float("NOTIFICATION_RETRY_SECONDS", default=30)

DEMO_PASSWORD = env("DEMO_PASSWORD", default="trucban-demo")

# /metrics answers only `Authorization: Bearer <this>`; empty, it does not exist (404).
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# LOG_FORMAT=json: one JSON object a line with the request's or task's id, for a log collector.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")


def refusal_without_traceback(record) -> bool:
    """Django logs a refused request (403 PermissionDenied, 400 BadRequest) with the
    exception's traceback: a refusal is the site working, so one line says it."""
    if 400 <= getattr(record, "status_code", 0) < 500:
        record.exc_info = record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(message)s"},
        "json": {"()": "monitoring.logging.JsonFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {
        "refusal_without_traceback": {"()": "django.utils.log.CallbackFilter", "callback": refusal_without_traceback}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        # Django's own console handler (DEBUG only) would print each of its records a second
        # time beside the root's; runserver's request lines keep Django's own handler.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["refusal_without_traceback"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
