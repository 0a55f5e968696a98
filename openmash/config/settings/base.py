"""Settings shared by every environment. Everything deployment-specific comes from the environment."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("OPENMASH_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: str) -> bool:
    """A setting that is on or off: on for 1, true, yes or on (any case), off for anything else."""
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    # Before django.contrib.auth, so that its createsuperuser points to hub_admin_create.
    "openmash.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_forms_gds",
    "openmash.core",
    "openmash.audit",
    "openmash.hub",
    "openmash.referrals",
    "openmash.cases",
    "openmash.enquiries",
    "openmash.decisions",
    "openmash.feedback",
    "openmash.consent",
    "openmash.chronology",
    "openmash.people",
    "openmash.product",
    "openmash.meetings",
    "openmash.sources",
    "openmash.trawl",
    "openmash.teams",
    "openmash.health",
    "openmash.reporting",
    "openmash.retention",
    "openmash.demo",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "openmash.hub.middleware.ReadConfigurationOnceMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "openmash.accounts.middleware.IdleRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openmash.core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "openmash.accounts.middleware.TwoFactorMiddleware",
    "openmash.accounts.middleware.ActiveRoleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "openmash.core.middleware.OneCommitPerReadMiddleware",
    "openmash.access.middleware.AccessMiddleware",
]

ROOT_URLCONF = "openmash.config.urls"
WSGI_APPLICATION = "openmash.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "openmash" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "openmash.accounts.context_processors.navigation",
            ],
            # Dates and times in the one GOV.UK style, and landmarks, on every template without a {% load %}.
            "builtins": ["openmash.core.templatetags.govuk"],
        },
    },
]


# Django's SQLite backend, whose flush passes the audit table's append-only triggers (ADR 0017).
SQLITE_ENGINE = "openmash.audit.db.sqlite3"
POSTGRESQL_ENGINE = "openmash.core.db.postgresql"
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000;"
    ),
}


def database_from_env() -> dict[str, object]:
    """SQLite under var/ (WAL mode) unless DATABASE_URL names another database (a sqlite:/// one gets the
    same backend and options: writers wait their turn rather than fail)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        parsed = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        if parsed["ENGINE"] == "django.db.backends.sqlite3":
            parsed.update(ENGINE=SQLITE_ENGINE, OPTIONS=dict(SQLITE_OPTIONS))
        elif parsed["ENGINE"] == "django.db.backends.postgresql":
            # The product's queries read a page's few rows by index. PostgreSQL's JIT compiler, switched
            # on by a large estimated cost, spends tens of milliseconds compiling such a query and never
            # pays it back; and its default cost of a random read (4, for spinning disks) makes it scan a
            # whole table rather than look up a page's rows on solid-state storage, where the tables sit
            # in memory anyway (docs/adr/0030-page-costs-at-volume.md).
            jit = os.environ.get("POSTGRES_JIT", "off")
            random_page_cost = float(os.environ.get("POSTGRES_RANDOM_PAGE_COST", "1.1"))
            parsed["OPTIONS"] = {"options": f"-c jit={jit} -c random_page_cost={random_page_cost}"}
            parsed["ENGINE"] = POSTGRESQL_ENGINE
        return parsed
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": SQLITE_ENGINE, "NAME": VAR_DIR / "openmash.sqlite3", "OPTIONS": dict(SQLITE_OPTIONS)}


DATABASES = {"default": database_from_env()}
# On PostgreSQL, the queries every page runs are prepared statements, planned once per connection
# (docs/adr/0042-prepared-statements-on-postgresql.md); off for a pooler that cannot keep them.
OPENMASH_POSTGRES_PREPARE = env_flag("OPENMASH_POSTGRES_PREPARE", "on")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# The first signs people in and loads their agency with them; the second keeps sessions begun before it.
AUTHENTICATION_BACKENDS = [
    "openmash.accounts.backends.AccountBackend",
    "django.contrib.auth.backends.ModelBackend",
]
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
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

# Sessions end after a period of inactivity: a signed-in person's pages renew the idle timer, writing
# the session at most once every SESSION_RENEW_SECONDS (accounts.middleware.IdleRenewalMiddleware).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_RENEW_SECONDS = int(os.environ.get("SESSION_RENEW_SECONDS", "60"))
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, the read every signed-in page makes compiled once (ADR 0040).
SESSION_ENGINE = "openmash.accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "openmash" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Content Security Policy: nothing inline without the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

MAILERS: dict[str, dict[str, object]] = {
    "default": {"BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")},
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "openmash@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The API for agency systems: token authentication, errors as RFC 9457 problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["openmash.core.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "openmash.core.api.problem_details_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenMASH API",
    "DESCRIPTION": "Referrals in from agency systems. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Background work: the database worker (`manage.py db_worker`) runs queued and periodic tasks.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
OVERDUE_SWEEP_SECONDS = int(os.environ.get("OVERDUE_SWEEP_SECONDS", "300"))
# How often the worker looks for data sources whose scheduled refresh is due.
SOURCE_REFRESH_SWEEP_SECONDS = int(os.environ.get("SOURCE_REFRESH_SWEEP_SECONDS", "600"))
# Outcome notices that fail to send are tried again by the worker: first after OUTCOME_RETRY_MINUTES,
# the wait doubling after each failure, OUTCOME_MAX_ATTEMPTS tries in all; then a person resends the
# notice or gives it up with a reason. The sweep looks for notices due again every
# OUTCOME_RETRY_SWEEP_SECONDS.
OUTCOME_RETRY_MINUTES = int(os.environ.get("OUTCOME_RETRY_MINUTES", "5"))
OUTCOME_MAX_ATTEMPTS = int(os.environ.get("OUTCOME_MAX_ATTEMPTS", "6"))
OUTCOME_RETRY_SWEEP_SECONDS = int(os.environ.get("OUTCOME_RETRY_SWEEP_SECONDS", "300"))
# A trawl whose worker stopped (no progress for TRAWL_STALE_MINUTES) is started again from the next
# person; the worker looks for such trawls every TRAWL_RECOVERY_SWEEP_SECONDS.
TRAWL_STALE_MINUTES = int(os.environ.get("TRAWL_STALE_MINUTES", "10"))
TRAWL_RECOVERY_SWEEP_SECONDS = int(os.environ.get("TRAWL_RECOVERY_SWEEP_SECONDS", "300"))
# Threads searching one person's sources at once (0: one per core, up to four).
TRAWL_SEARCH_THREADS = int(os.environ.get("TRAWL_SEARCH_THREADS", "0"))
# The worker's heartbeat (started by schedule_sweeps) runs every OPENMASH_WORKER_HEARTBEAT_SECONDS; the
# readiness check (/health/ready) fails when no worker has run it for OPENMASH_WORKER_STALE_SECONDS
# (longer than the longest task a single worker runs, as it beats between tasks).
OPENMASH_WORKER_HEARTBEAT_SECONDS = int(os.environ.get("OPENMASH_WORKER_HEARTBEAT_SECONDS", "60"))
OPENMASH_WORKER_STALE_SECONDS = int(os.environ.get("OPENMASH_WORKER_STALE_SECONDS", "900"))
# The retention sweep destroys the personal data of closed cases past the hub's retention rules, once a
# day by default (RETENTION_SWEEP_SECONDS); `manage.py retention_sweep --dry-run` lists what is due.
RETENTION_SWEEP_SECONDS = int(os.environ.get("RETENTION_SWEEP_SECONDS", str(24 * 60 * 60)))
# A data source larger than this trains its matching model on a random sample of this many records.
OPENMASH_TRAINING_SAMPLE = int(os.environ.get("OPENMASH_TRAINING_SAMPLE", "100000"))

# What data sources may reach and read, set by whoever deploys (a hub administrator cannot widen it).
# Folders file sources (CSV, Excel, SQLite) may read, separated by commas; OpenMASH's own uploads
# folder is always added. Hosts FHIR and SQL sources may reach (name, *.domain, IP or CIDR, each
# optionally :port); loopback, link-local and metadata addresses need an entry naming them by address.
OPENMASH_SOURCE_FOLDERS = [
    Path(f.strip())
    for f in os.environ.get(
        "OPENMASH_SOURCE_FOLDERS", f"{VAR_DIR / 'sources' / 'extracts'},{VAR_DIR / 'demo'}"
    ).split(",")
    if f.strip()
]
OPENMASH_SOURCE_HOSTS = [
    h.strip() for h in os.environ.get("OPENMASH_SOURCE_HOSTS", "").split(",") if h.strip()
]
OPENMASH_SOURCE_ENV_PREFIXES = [
    p.strip()
    for p in os.environ.get("OPENMASH_SOURCE_ENV_PREFIXES", "OPENMASH_SOURCE_").split(",")
    if p.strip()
]
OPENMASH_SOURCE_ALLOW_APP_DATABASE = env_flag("OPENMASH_SOURCE_ALLOW_APP_DATABASE", "false")
OPENMASH_SOURCE_MAX_UPLOAD_MB = int(os.environ.get("OPENMASH_SOURCE_MAX_UPLOAD_MB", "100"))
OPENMASH_SOURCE_MAX_ROWS = int(os.environ.get("OPENMASH_SOURCE_MAX_ROWS", "2000000"))
OPENMASH_SOURCE_MAX_UNCOMPRESSED_MB = int(os.environ.get("OPENMASH_SOURCE_MAX_UNCOMPRESSED_MB", "1024"))
OPENMASH_SOURCE_SQL_TIMEOUT_SECONDS = int(os.environ.get("OPENMASH_SOURCE_SQL_TIMEOUT_SECONDS", "120"))
# A load with no sign of progress for this long is taken to have lost its worker: failed and retried.
OPENMASH_SOURCE_LOAD_STALE_MINUTES = int(os.environ.get("OPENMASH_SOURCE_LOAD_STALE_MINUTES", "30"))

# Sign-in throttling (ADR 0012, 0018): after SIGN_IN_MAX_FAILURES failed attempts for one username
# within SIGN_IN_WINDOW_MINUTES, that username is refused until the window has passed. After
# SIGN_IN_MAX_FAILURES_PER_ADDRESS from one address, each further attempt from it waits
# SIGN_IN_ADDRESS_DELAY_SECONDS after its latest failure, doubling with each failure up to
# SIGN_IN_ADDRESS_DELAY_MAX_SECONDS. The address is the peer's, or (from a proxy listed in
# OPENMASH_TRUSTED_PROXIES, addresses or CIDR ranges, comma-separated) the right-most address in
# X-Forwarded-For that is not a trusted proxy.
SIGN_IN_MAX_FAILURES = int(os.environ.get("SIGN_IN_MAX_FAILURES", "5"))
SIGN_IN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("SIGN_IN_MAX_FAILURES_PER_ADDRESS", "30"))
SIGN_IN_WINDOW_MINUTES = int(os.environ.get("SIGN_IN_WINDOW_MINUTES", "15"))
SIGN_IN_ADDRESS_DELAY_SECONDS = float(os.environ.get("SIGN_IN_ADDRESS_DELAY_SECONDS", "2"))
SIGN_IN_ADDRESS_DELAY_MAX_SECONDS = float(os.environ.get("SIGN_IN_ADDRESS_DELAY_MAX_SECONDS", "60"))
OPENMASH_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("OPENMASH_TRUSTED_PROXIES", "").split(",") if p.strip()
]
for _proxy in OPENMASH_TRUSTED_PROXIES:
    ipaddress.ip_network(_proxy, strict=False)  # a mistyped entry stops start-up with its value named

# Two-factor sign-in (an authenticator app's six-digit code, TOTP). A person who has set it up is
# always asked for a code; with OPENMASH_MFA_REQUIRED everyone must set it up at their next sign-in.
# The production settings require it unless told otherwise.
OPENMASH_MFA_REQUIRED = env_flag("OPENMASH_MFA_REQUIRED", "false")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "OpenMASH")

# The audit trail (ADR 0017). Each event's hash is an HMAC with OPENMASH_AUDIT_KEY, which is never stored
# in the database (production refuses to start without it; dev keeps one in var/audit.key, tests a fixed
# one). Checkpoints of the chain go to an append-only file in OPENMASH_AUDIT_ANCHOR_DIR, which should be
# storage the database's users cannot write: every OPENMASH_AUDIT_CHECKPOINT_EVERY events (0: never) and
# every OPENMASH_AUDIT_CHECKPOINT_SECONDS from the worker.
OPENMASH_AUDIT_KEY = os.environ.get("OPENMASH_AUDIT_KEY", "")
OPENMASH_AUDIT_ANCHOR_DIR = Path(os.environ.get("OPENMASH_AUDIT_ANCHOR_DIR", VAR_DIR / "audit-anchor"))
OPENMASH_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("OPENMASH_AUDIT_CHECKPOINT_EVERY", "1000"))
OPENMASH_AUDIT_CHECKPOINT_SECONDS = int(os.environ.get("OPENMASH_AUDIT_CHECKPOINT_SECONDS", "3600"))

# Agency scorecards: the share of requests a partner agency should answer by the RAG deadline (green at
# or above it, amber up to AMBER_BAND points below, red beneath).
OPENMASH_REQUESTS_ON_TIME_TARGET = int(os.environ.get("OPENMASH_REQUESTS_ON_TIME_TARGET", "90"))
OPENMASH_REQUESTS_ON_TIME_AMBER_BAND = int(os.environ.get("OPENMASH_REQUESTS_ON_TIME_AMBER_BAND", "15"))
# The monthly partnership report: the worker looks once a day whether last month's is made.
OPENMASH_MONTHLY_REPORT_SWEEP_SECONDS = int(os.environ.get("OPENMASH_MONTHLY_REPORT_SWEEP_SECONDS", "86400"))
# How many chains writers spread over on PostgreSQL (ADR 0028): a writer takes
# the first chain whose lock is free, so 20 writers at once do not queue behind one lock.
OPENMASH_AUDIT_CHAINS = int(os.environ.get("OPENMASH_AUDIT_CHAINS", "16"))
# A web process warms up in the background from its first request (openmash/core/warmup.py): the bank
# holidays, the first pages' templates, WeasyPrint and its fonts. "false" turns it off.
OPENMASH_WARM_UP = env_flag("OPENMASH_WARM_UP", "true")
