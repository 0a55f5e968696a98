"""Production: a real SECRET_KEY is required and the transport is hardened (`check --deploy` clean)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import OPENMASH_AUDIT_KEY, env_flag, os

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")

# No silent SQLite and no unkeyed audit trail in production (ADR 0017).
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set in production, for example postgres://openmash@db.internal:5432/openmash."
    )
if len(OPENMASH_AUDIT_KEY) < 32:
    raise ImproperlyConfigured(
        "OPENMASH_AUDIT_KEY must be set to a random value of at least 32 characters, kept outside the "
        "database (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
    )

DEBUG = False
OPENMASH_MFA_REQUIRED = env_flag("OPENMASH_MFA_REQUIRED", "true")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer or monitor may ask the health endpoints over plain HTTP, on the server's own port.
SECURE_REDIRECT_EXEMPT = [r"^health/(live|ready)$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Outcome notifications and overdue alerts go by SMTP.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "587")),
            "username": os.environ.get("EMAIL_HOST_USER") or None,
            "password": os.environ.get("EMAIL_HOST_PASSWORD") or None,
            "use_tls": os.environ.get("EMAIL_USE_TLS", "1") == "1",
            "timeout": 20,
        },
    },
}

# Structured logs: one JSON object a line on standard output (journald keeps them; see
# docs/deployment.md). LOG_LEVEL sets the level (db_worker logs its tasks at INFO).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "openmash.core.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
