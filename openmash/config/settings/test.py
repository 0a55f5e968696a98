"""Settings for the test suite (SQLite by default; DATABASE_URL selects PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, SQLITE_ENGINE, os

SECRET_KEY = "test-only-insecure-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("OPENMASH_TEST_SQLITE", "")}  # in memory
WHITENOISE_USE_FINDERS = True
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# A fixed audit key, and checkpoints in a folder of this run's own (tests that look at them use theirs).
OPENMASH_AUDIT_KEY = "test-only-audit-key-not-for-any-real-hub-0017"
OPENMASH_AUDIT_ANCHOR_DIR = Path(tempfile.mkdtemp(prefix="openmash-test-audit-anchor-"))
# Tests write agency extracts under the system's temporary directory (pytest's tmp_path).
OPENMASH_SOURCE_FOLDERS = [*OPENMASH_SOURCE_FOLDERS, Path(tempfile.gettempdir())]  # noqa: F405
# Every run of a query whose SQL is kept compiled (ADR 0040) is checked against a fresh compile.
OPENMASH_CHECK_PREPARED = True
