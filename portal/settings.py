"""Settings for the portal, all read from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from portal.admin_xlsx import EscapedXLSX
from portal.env import cache_from_url, email_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
# Demo mode (`make demo`): the portal as its users see it (DEBUG off: the portal's own error
# pages, static files through whitenoise, background tasks in the web process) on one
# machine over plain http. Its relaxations (cookies without Secure, no HTTPS redirect, the
# quick-start key, no broker) are refused for any host name that is not this machine's.
DEMO = env_bool("PORTAL_DEMO", False)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not DEMO:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0 "
            '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))")'
        )
    # Only for the quick start on a developer's machine; production refuses to start without one.
    SECRET_KEY = "insecure-quick-start-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS",
                         "127.0.0.1,localhost" if DEBUG or DEMO else "")
if DEMO and not set(ALLOWED_HOSTS) <= LOCAL_HOSTS:
    raise ImproperlyConfigured(
        "PORTAL_DEMO=1 is for this machine only (DJANGO_ALLOWED_HOSTS may name only "
        f"{', '.join(sorted(LOCAL_HOSTS))}, not {', '.join(ALLOWED_HOSTS)}); "
        "演示模式只能在本机使用")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "bases.apps.PortalAdminConfig",  # django.contrib.admin with the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "bases",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their cache headers, everything else is no-store.
    "portal.middleware.NoStoreMiddleware",
    "portal.middleware.ServerErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bases.middleware.SessionActivityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bases.middleware.PlatformAccountMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "bases.middleware.PasswordChangeRequiredMiddleware",
    "bases.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "bases.notices.context_processors.unread_notices",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and env_str("TEST_SQLITE_FILE"):
    # The test database in a file rather than in memory, so that another process (the real
    # Celery worker of tests/workbook/test_export_worker.py) can open it; CI sets it.
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_SQLITE_FILE")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The statistics' per-base pivot (two years of values grouped by report) spills its hash
    # aggregate to disk at PostgreSQL's default 4MB from about 1,000 bases; 16MB per sort or
    # hash of one connection keeps it in memory (20% faster at 3,000 bases, BENCHMARKS.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c work_mem=16MB")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache for every worker and host: the API throttles' counters and the statistics'
# medians live there. Default: the database (table portal_cache, created by the bases app's
# migrations); redis://host:6379/0 for Redis. locmem:// is per process: tests only.
CACHE_TABLE = "portal_cache"
CACHES = {"default": cache_from_url(env_str("CACHE_URL"), table=CACHE_TABLE)}

AUTH_USER_MODEL = "bases.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Argon2 first (memory-hard, OWASP's first choice) at about a third of the CPU of Django's
# PBKDF2 (0.25 s against 0.71 s a login here): logins are the costliest request of a
# deadline morning. PBKDF2 hashes still verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"max_similarity": 0.5}},
    {"NAME": "bases.validators.ChineseMinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "bases.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
PASSWORD_MAX_AGE_DAYS = env_int("PORTAL_PASSWORD_MAX_AGE_DAYS", 90)

# Login lockout (MLPS 2.0): by username only, so a shared office NAT locks out nobody else.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("PORTAL_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PORTAL_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 wants the IP in the lockout key; by design we lock the username wherever the
# attempts come from (rotating IPs, user agents or cookies does not help an attacker).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bases.views.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password", "token", "otp_token"]
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Two-factor login is required of these roles (and of anyone who enabled it): the admins,
# and the city reviewers, whose returns and passes decide what reaches the province.
OTP_REQUIRED_ROLES = ("province", "security", "audit", "city_reviewer")
OTP_TOTP_ISSUER = "湖南省创业创新基地信息报送平台"

AUDIT_RETENTION_DAYS = 180

LANGUAGE_CODE = "zh-hans"
# The portal speaks Simplified Chinese only: LocaleMiddleware would otherwise follow an
# English browser's Accept-Language into Django's English admin and password messages.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The audit log page counts at most this many matching events (the table only grows; a
# full COUNT(*) on every page view would too); the filters and the export reach the rest.
AUDIT_LOG_COUNT_CAP = 10_000

# Uploaded workbooks are read from memory or a temp file and never kept.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("PORTAL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Rows of any sheet of an uploaded workbook (header included; 3,000 bases x 2 years is
# 6,001): portal/uploads.py refuses a file with more, or with a row numbered higher,
# before any spreadsheet library reads it.
UPLOAD_MAX_ROWS = env_int("PORTAL_UPLOAD_MAX_ROWS", 20_000)

# Files that only signed-in people in scope may fetch (the ledger's evidence attachments):
# outside the web root, never served by whitenoise or a proxy, only through the portal's
# checked download views. Several web hosts must share it (and back it up with the database).
PRIVATE_MEDIA_DIR = Path(env_str("PORTAL_PRIVATE_MEDIA_DIR") or BASE_DIR / "private-media")

# Province data-workbook exports (reporting/workbook/exports.py). Up to EXPORT_INLINE_MAX_REPORTS
# reports (about 1 ms each) the file is the answer to the request; larger exports become a
# job with a progress page, written by a Celery worker (see "Background work" below).
# Finished files are kept 24 hours in EXPORT_DIR (None: a portal-exports folder in the
# system temp folder); the web hosts and the worker hosts must share it.
EXPORT_INLINE_MAX_REPORTS = 2000
EXPORT_DIR = env_str("PORTAL_EXPORT_DIR") or None

# The admin's import/export (django-import-export) writes and reads .xlsx through the
# portal's cell writer: user text as text, never as a formula (portal/spreadsheet.py).
EXPORT_FORMATS = IMPORT_FORMATS = [EscapedXLSX]

# The demo serves its static files from the source folders (no collectstatic step).
WHITENOISE_USE_FINDERS = DEMO

# Security: production defaults are strict; a TLS-terminating proxy may do the redirect.
# `plain_http`: debug or the local demo, the only cases served without TLS.
plain_http = DEBUG or DEMO
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not plain_http)
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not plain_http
CSRF_COOKIE_SECURE = not plain_http
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 1800
# Idle sessions end after SESSION_COOKIE_AGE; activity extends them, written at most once a
# minute by bases.middleware.SessionActivityMiddleware rather than on every request.
SESSION_REFRESH_SECONDS = 60
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if plain_http else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not plain_http
SECURE_HSTS_PRELOAD = not plain_http
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reporting.api.guards.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": ["reporting.api.guards.BoundedJSONParser"],
    "DEFAULT_METADATA_CLASS": "reporting.api.guards.PlainMetadata",
    "EXCEPTION_HANDLER": "reporting.api.guards.exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("PORTAL_API_ANON_RATE", "30/minute"),
        "user": env_str("PORTAL_API_USER_RATE", "2000/hour"),
    },
    # Anonymous callers are counted by address. X-Forwarded-For is believed only as far as
    # our own proxy wrote it (its last entry); without a proxy it is ignored, or any client
    # could start a fresh count with every request by inventing one.
    "NUM_PROXIES": 1 if BEHIND_TLS_PROXY else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "湖南省创业创新基地信息报送平台 API",
    "DESCRIPTION": "Reports, workflow and statistics for the provincial SME public service "
                   "platform. Decimals are strings; errors name the field.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the Swagger UI are for signed-in accounts (a token or a session), like
    # the API they describe: anonymous callers get the API's 401.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The ledger's eight service categories, one enum wherever they appear.
    "ENUM_NAME_OVERRIDES": {"ServiceCategoryEnum": "bases.ledger.categories.CATEGORIES"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # axes logs every routine reset at INFO; lockouts reach the audit log instead.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Background work (Celery). Without a broker the tasks run in-process, eagerly: the embedded
# default needs no Redis. Several worker hosts share one broker; see the README.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
# A worker that dies mid-task hands the task back instead of dropping it (with acks_late).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message taken by a worker that vanishes without a word (host lost, SIGKILL of the whole
# worker) is handed out again after this long; a killed child process returns it at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT",
                                                                 3600)}
# Beat (one process for the whole deployment) enqueues these; any worker runs them. Times
# are Asia/Shanghai (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "sweep-exports": {"task": "reporting.workbook.tasks.sweep_exports",
                      "schedule": crontab(minute=7)},
    "purge-audit": {"task": "bases.tasks.purge_audit",
                    "schedule": crontab(hour=3, minute=30)},
    # After every approve, reopen and import the statistics are refreshed at once; this
    # nightly run also warms them after anything else (a base renamed in the admin).
    "refresh-statistics": {"task": "reporting.statistics.tasks.refresh_all_statistics",
                           "schedule": crontab(hour=2, minute=15)},
}
if CELERY_TASK_ALWAYS_EAGER and not DEBUG and not DEMO:  # the local demo runs them eagerly
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set when DJANGO_DEBUG=0: production runs background work on "
        "Celery workers (e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/1), never in the web process"
    )


# ---------------------------------------------------------------------------------------
# Notices and reminders (bases/notices, reporting/notices.py)
# ---------------------------------------------------------------------------------------
# E-mail is the notices' second channel. EMAIL_URL: smtp://user:pass@host:port (smtp+tls://,
# smtp+ssl://), console:// (the default in development: printed); unset in production, no
# e-mail is sent. Its password is not kept as a setting of its own beyond Django's.
_email = email_from_url(env_str("EMAIL_URL", "console://" if DEBUG else ""))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# A silent SMTP server must not hold a worker (or, eagerly, a page) for minutes.
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL",
                             "湖南省创业创新基地信息报送平台 <noreply@localhost>")
# The portal's own address, for links in e-mails and SMS (default: the first allowed host).
PORTAL_BASE_URL = (env_str("PORTAL_BASE_URL")
                   or (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS and not DEBUG
                       else "http://127.0.0.1:8000")).rstrip("/")
# SMS: the dotted path of a class with send(*, phone, text) (bases/notices/sms.py; README).
SMS_BACKEND = env_str("SMS_BACKEND", "bases.notices.sms.ConsoleSmsBackend")

# Beat (Celery's scheduler; CELERY_TIMEZONE is Asia/Shanghai): deadline reminders and the
# province's digest of yesterday's submissions, every morning at 09:00.
CELERY_BEAT_SCHEDULE = globals().get("CELERY_BEAT_SCHEDULE", {})
CELERY_BEAT_SCHEDULE |= {
    "notices-deadline-reminders": {"task": "reporting.notices.send_deadline_reminders",
                                   "schedule": crontab(hour=9, minute=0)},
    "notices-submission-digest": {"task": "reporting.notices.send_submission_digest",
                                  "schedule": crontab(hour=9, minute=0)},
}
# ---------------------------------------------------------------------------------------
