"""The production settings refuse to start without a database URL or an audit key (no silent SQLite,
no unkeyed audit trail). Each case imports the settings in a fresh process with a cleaned environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LOAD = (
    "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
    "print(d['NAME'], d['ENGINE'], d['OPTIONS'].get('transaction_mode'))"
)


def start_prod(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "openmash.config.settings.prod",
        "OPENMASH_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "k" * 20 + "Zq9!x" * 10,
        "ALLOWED_HOSTS": "mash.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chosen.sqlite3'}",
        "OPENMASH_AUDIT_KEY": "an audit key of at least thirty-two characters 7f3a",
        **env,
    }
    clean = {k: v for k, v in clean.items() if v}
    return subprocess.run(
        [sys.executable, "-c", LOAD], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def test_production_starts_with_a_database_url_and_an_audit_key(tmp_path: Path) -> None:
    started = start_prod(tmp_path)
    assert started.returncode == 0, started.stderr
    # an explicit SQLite file is allowed, with the append-only guard's backend and writers taking turns
    assert started.stdout.split() == [
        str(tmp_path / "chosen.sqlite3"),
        "openmash.audit.db.sqlite3",
        "IMMEDIATE",
    ]


def test_production_refuses_to_start_without_database_url(tmp_path: Path) -> None:
    refused = start_prod(tmp_path, DATABASE_URL="")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be set" in refused.stderr


@pytest.mark.parametrize("key", ["", "too-short"])
def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path, key: str) -> None:
    refused = start_prod(tmp_path, OPENMASH_AUDIT_KEY=key)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: OPENMASH_AUDIT_KEY must be set" in refused.stderr
