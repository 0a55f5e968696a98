"""The database connection's settings: PostgreSQL's JIT compiler is off and a random read is costed as on
solid-state storage, unless the deployer asks otherwise."""

from __future__ import annotations

import pytest
from django.db import connection

from openmash.config.settings.base import database_from_env, env_flag


def test_postgres_planner_settings_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.invalid:5432/hub")
    monkeypatch.delenv("POSTGRES_JIT", raising=False)
    monkeypatch.delenv("POSTGRES_RANDOM_PAGE_COST", raising=False)
    assert database_from_env()["OPTIONS"] == {"options": "-c jit=off -c random_page_cost=1.1"}
    monkeypatch.setenv("POSTGRES_JIT", "on")
    monkeypatch.setenv("POSTGRES_RANDOM_PAGE_COST", "4")
    assert database_from_env()["OPTIONS"] == {"options": "-c jit=on -c random_page_cost=4.0"}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_live_postgres_connection_runs_with_them() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


@pytest.mark.parametrize(
    ("written", "default", "on"),
    [
        (None, "on", True),
        ("off", "on", False),
        ("OFF", "on", False),
        ("0", "on", False),
        ("false", "true", False),
        ("no", "true", False),
        (None, "false", False),
        ("on", "false", True),
        ("TRUE", "false", True),
        ("1", "false", True),
        ("yes", "false", True),
    ],
)
def test_a_setting_that_is_on_or_off_reads_its_words_one_way(
    monkeypatch: pytest.MonkeyPatch, written: str | None, default: str, on: bool
) -> None:
    """Every on-or-off setting (OPENMASH_POSTGRES_PREPARE, OPENMASH_MFA_REQUIRED, OPENMASH_WARM_UP,
    OPENMASH_SOURCE_ALLOW_APP_DATABASE) is read by one function."""
    if written is None:
        monkeypatch.delenv("OPENMASH_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("OPENMASH_TEST_FLAG", written)
    assert env_flag("OPENMASH_TEST_FLAG", default) is on
