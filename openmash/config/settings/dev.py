"""Local development and the demo: DEBUG on, a fixed key that is useless anywhere else."""

import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, os

DEBUG = os.environ.get("DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-not-for-any-real-hub"  # noqa: S105
WHITENOISE_USE_FINDERS = True

# The demo writes e-mails (outcomes, overdue alerts) to files under var/mail instead of sending them.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"),
        "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
    }
}


# The audit key: OPENMASH_AUDIT_KEY if set, or one made on first use and kept in var/audit.key
# (readable by its owner only). Losing the file makes the events keyed with it unverifiable.
def dev_audit_key() -> str:
    path = VAR_DIR / "audit.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text().strip()


OPENMASH_AUDIT_KEY = os.environ.get("OPENMASH_AUDIT_KEY") or dev_audit_key()
