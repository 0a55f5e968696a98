"""Local development and the demo: DEBUG on, a fixed key that is useless anywhere else."""

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
