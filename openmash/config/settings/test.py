"""Settings for the test suite (SQLite by default; DATABASE_URL selects PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, os

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("OPENMASH_TEST_SQLITE", "")}  # in memory
WHITENOISE_USE_FINDERS = True
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Tests write agency extracts under the system's temporary directory (pytest's tmp_path).
OPENMASH_SOURCE_FOLDERS = [*OPENMASH_SOURCE_FOLDERS, Path(tempfile.gettempdir())]  # noqa: F405
