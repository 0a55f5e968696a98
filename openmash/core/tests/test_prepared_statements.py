"""On PostgreSQL, a prepared query or insert is a server-side prepared statement, planned once per
connection; every other query is planned for its own values; OPENMASH_POSTGRES_PREPARE=off sends
the prepared ones the default way too (ADR 0042)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import UUIDField

from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral
from openmash.config.settings.base import POSTGRESQL_ENGINE, database_from_env
from openmash.core.prepared import Param, Prepared, PreparedInsert
from openmash.core.tests.test_prepared import _lines

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("hub"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"),
]


def _case_by_key() -> Any:
    # The referral's reference joined in, so that this statement is this test's own.
    return (
        Case.objects.select_related("referral")
        .filter(pk=Param("pk", UUIDField()), referral__reference__startswith="")
        .order_by()[:1]
    )


def _held() -> list[str]:
    """The statements this connection holds prepared on the server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _ours(statements: list[str]) -> list[str]:
    return [s for s in statements if '"cases_case"' in s and "LIKE" in s]


def test_a_postgres_url_gets_the_products_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.invalid:5432/hub")
    assert database_from_env()["ENGINE"] == POSTGRESQL_ENGINE
    assert connection.settings_dict["ENGINE"] == POSTGRESQL_ENGINE


def test_a_prepared_query_is_planned_once_and_reads_each_runs_own_row() -> None:
    first, second = make_referral().case, make_referral(concerns="A second family.").case
    cases = Prepared(_case_by_key)
    assert _ours(_held()) == []
    read = [cases.first(pk=case.pk) for case in (first, second, first)]
    assert [(c.pk, c.referral.reference) for c in read] == [
        (case.pk, case.referral.reference) for case in (first, second, first)
    ]
    [statement] = _ours(_held())  # one statement for three runs, its values bound by the server
    assert "$1" in statement
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = %s",
            [statement],
        )
        assert cursor.fetchone()[0] == 3


def test_any_other_query_is_not_prepared() -> None:
    case = make_referral().case
    for _ in range(3):
        assert Case.objects.filter(pk=case.pk, referral__reference__startswith="").get() == case
    assert _ours(_held()) == []


def test_a_prepared_insert_is_planned_once() -> None:
    from openmash.consent.models import Disclosure

    case = make_referral().case
    lines = PreparedInsert(Disclosure)
    for reason in ("first", "second"):
        lines.insert(_lines(case, 1, reason))
    inserts = [s for s in _held() if s.startswith('INSERT INTO "consent_disclosure" ')]
    assert len(inserts) == 1
    assert sorted(Disclosure.objects.filter(case=case).values_list("reason", flat=True)) == [
        "first",
        "second",
    ]


def test_turned_off_the_same_rows_are_read_and_nothing_is_prepared(settings: Any) -> None:
    settings.OPENMASH_POSTGRES_PREPARE = False
    first, second = make_referral().case, make_referral(concerns="A second family.").case
    cases = Prepared(_case_by_key)
    read = [cases.first(pk=case.pk) for case in (first, second)]
    assert [c.pk for c in read] == [first.pk, second.pk]
    assert _ours(_held()) == []


def test_taking_an_audit_chain_is_planned_once_per_connection() -> None:
    """Every event takes its chain through one call (ADR 0028): the call is held prepared and its plan
    reused by the next event on the connection."""
    from openmash.audit.catalogue import AuditAction
    from openmash.audit.services import audit_record
    from openmash.core.actor import Actor

    for _ in range(3):
        audit_record(actor=Actor.system("planned"), action=AuditAction.USERS_VIEWED)
    taking = [s for s in _held() if "openmash_audit_take_chain" in s]
    assert len(taking) == 1, taking
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = %s", taking
        )
        assert cursor.fetchone()[0] >= 3
