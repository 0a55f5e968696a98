"""The database connection's settings: PostgreSQL's JIT compiler is off unless the deployer asks for it."""

from __future__ import annotations

import pytest
from django.db import connection

from openmash.config.settings.base import database_from_env


def test_postgres_jit_is_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.invalid:5432/hub")
    monkeypatch.delenv("POSTGRES_JIT", raising=False)
    assert database_from_env()["OPTIONS"] == {"options": "-c jit=off"}
    monkeypatch.setenv("POSTGRES_JIT", "on")
    assert database_from_env()["OPTIONS"] == {"options": "-c jit=on"}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_live_postgres_connection_runs_without_jit() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
