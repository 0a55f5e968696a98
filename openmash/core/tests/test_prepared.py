"""A query compiled once per process (ADR 0040) reads the same objects as the same query built each time:
each run's own values, related objects, prefetched lists and annotations; a run that would read other
rows than a fresh compile is stopped by the check the tests run with."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import CharField, Count, UUIDField
from django.test.utils import CaptureQueriesContext

from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral
from openmash.core.prepared import Param, Prepared, PreparedInsert
from openmash.referrals.services import PersonData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hub")]


def _cases() -> Any:
    return (
        Case.objects.select_related("referral", "level", "destruction")
        .prefetch_related("referral__people")
        .annotate(people=Count("referral__people"))
        .filter(pk=Param("pk", UUIDField()))
        .order_by()[:1]
    )


def _two(given: str) -> list[Case]:
    first = make_referral().case
    second = make_referral(
        concerns="A second family's referral.",
        people=[PersonData(given_name=given, family_name="Marsh", sex="F")],
    ).case
    return [first, second]


def test_each_run_reads_its_own_row_with_its_related_rows() -> None:
    first, second = _two("Esme")
    cases = Prepared(_cases)
    for case in (first, second, first):
        read = cases.first(pk=case.pk)
        plain = next(iter(_plain(case.pk)))
        assert read is not None
        assert (read.pk, read.reference, read.referral.reference) == (
            case.pk,
            case.reference,
            plain.referral.reference,
        )
        assert [str(p) for p in read.referral.people.all()] == [str(p) for p in plain.referral.people.all()]
        assert read.people == plain.people
    assert cases.first(pk=second.pk).referral.people.get().given_name == "Esme"


def _plain(pk: object) -> Any:
    return (
        Case.objects.select_related("referral", "level", "destruction")
        .prefetch_related("referral__people")
        .annotate(people=Count("referral__people"))
        .filter(pk=pk)
        .order_by()[:1]
    )


def test_a_run_reads_related_rows_in_the_same_query_as_the_plain_one() -> None:
    case = make_referral().case
    cases = Prepared(_cases)
    cases.first(pk=case.pk)  # compiled
    with CaptureQueriesContext(connection) as kept:
        read = cases.first(pk=case.pk)
        assert read is not None
        read.referral.reference, read.level, list(read.referral.people.all())
    with CaptureQueriesContext(connection) as plain:
        again = next(iter(_plain(case.pk)))
        again.referral.reference, again.level, list(again.referral.people.all())
    # The same statements; a parameter is written as an expression, which Django puts in brackets.
    kept_sql = [q["sql"] for q in kept.captured_queries]
    plain_sql = [q["sql"] for q in plain.captured_queries]
    assert len(kept_sql) == len(plain_sql) == 2
    assert kept_sql[0] == re.sub(r'(WHERE "cases_case"\."id" = )([^ ]+)', r"\1(\2)", plain_sql[0], count=1)
    assert kept_sql[1] == plain_sql[1]


def test_no_row_reads_none() -> None:
    make_referral()
    assert Prepared(_cases).first(pk="00000000-0000-4000-8000-000000000000") is None


def test_a_run_names_exactly_the_parameters_the_query_takes() -> None:
    case = make_referral().case
    cases = Prepared(_cases)
    with pytest.raises(TypeError, match="takes \\['pk'\\]"):
        cases.run(id=case.pk)
    with pytest.raises(TypeError):
        cases.run(pk=case.pk, reference="x")


def test_two_parameters_each_take_their_own_value() -> None:
    first, second = _two("Esme")
    by_two = Prepared(
        lambda: Case.objects.filter(pk=Param("pk", UUIDField()), reference=Param("reference", CharField()))
    )
    assert [c.pk for c in by_two.run(pk=second.pk, reference=second.reference)] == [second.pk]
    assert by_two.run(pk=second.pk, reference=first.reference) == []


def test_the_check_stops_a_run_whose_kept_sql_differs_from_a_fresh_compile(settings: Any) -> None:
    settings.OPENMASH_CHECK_PREPARED = True
    case = make_referral().case
    builds = []

    def build() -> Any:  # a query whose shape is not the same each time it is built: what the check is for
        builds.append(1)
        rows = Case.objects.filter(pk=Param("pk", UUIDField()))
        return rows.order_by("reference") if len(builds) > 1 else rows.order_by()

    cases = Prepared(build)
    with pytest.raises(AssertionError, match="differs from its fresh compile"):
        cases.first(pk=case.pk)
    settings.OPENMASH_CHECK_PREPARED = False
    assert cases.first(pk=case.pk) is not None  # unchecked, the kept SQL runs


def test_the_check_runs_once_for_each_kind_of_value(settings: Any) -> None:
    settings.OPENMASH_CHECK_PREPARED = True
    first, second = _two("Ines")
    builds = []

    def build() -> Any:
        builds.append(1)
        return Case.objects.filter(reference=Param("reference", CharField()))

    cases = Prepared(build)
    assert [c.pk for c in cases.run(reference=first.reference)] == [first.pk]
    checked = len(builds)  # kept, and checked against a fresh compile
    assert [c.pk for c in cases.run(reference=second.reference)] == [second.pk]
    assert len(builds) == checked  # the same kind of value: not checked again


def test_values_are_read_as_tuples_too() -> None:
    first, second = _two("Esme")
    references = Prepared(
        lambda: Case.objects.filter(pk=Param("pk", UUIDField())).values_list("reference", "status")[:1]
    )
    assert references.first(pk=second.pk) == (second.reference, second.status)
    assert references.first(pk=first.pk) == (first.reference, first.status)


def test_rows_kept_as_prefetched_read_back_without_a_query_and_filter_within_their_owner(
    make_user: Any,
) -> None:
    from openmash.accounts.roles import Role
    from openmash.cases.tests.helpers import screen
    from openmash.core.prepared import as_prefetched, as_prefetched_each
    from openmash.enquiries.models import HistoryItem, InformationRequest

    screener = make_user(Role.SCREENING_MANAGER)
    first, second = _two("Esme")
    for case in (first, second):
        screen(case, screener)
    requests = Prepared(
        lambda: InformationRequest.objects.filter(case_id=Param("case", UUIDField())).select_related("agency")
    )
    history = Prepared(lambda: HistoryItem.objects.filter(request__case_id=Param("case", UUIDField())))
    case = Case.objects.get(pk=second.pk)
    rows = requests.run(case=case.pk)
    assert len(rows) == 2
    as_prefetched(case, "requests", rows)
    as_prefetched_each(rows, "history", lambda: history.run(case=case.pk))
    with CaptureQueriesContext(connection) as read:
        kept = list(case.requests.all())
        assert [r.case for r in kept] == [case, case]
        assert [list(r.history.all()) for r in kept] == [[], []]
    assert kept == rows
    assert read.captured_queries == []
    # Anything that filters further still reads only this case's requests.
    assert {r.case_id for r in case.requests.filter(status__isnull=False)} == {case.pk}
    assert InformationRequest.objects.filter(case=first).count() == 2


def test_exists_asks_for_one_row() -> None:
    first, second = _two("Esme")
    named = Prepared(lambda: Case.objects.filter(referral__people__given_name=Param("name", CharField())))
    assert named.exists(name="Esme")
    assert not named.exists(name="Nobody")
    with CaptureQueriesContext(connection) as asked:
        named.exists(name="Esme")
    assert asked.captured_queries[0]["sql"].rstrip().endswith("LIMIT 1")


def test_a_missing_value_is_refused_not_matched_as_sql_null() -> None:
    make_referral()
    with pytest.raises(TypeError, match="cannot be None"):
        Prepared(_cases).first(pk=None)


def _lines(case: Case, n: int, reason: str) -> list[Any]:
    from datetime import UTC, datetime

    from openmash.consent.models import Disclosure, DisclosureKind
    from openmash.hub.models import Agency

    agencies = list(Agency.objects.order_by("name")[:n])
    return [
        Disclosure(
            at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
            kind=DisclosureKind.VIEWED,
            case=case,
            from_agency=agency,
            to_description="Sam Patel, Decision maker, Children's Social Care",
            item_type="return",
            item_id=str(agency.pk),
            item_summary=f"{agency.name}'s return",
            basis_text="",
            reason=reason,
        )
        for agency in agencies
    ]


def test_an_insert_writes_what_bulk_create_writes_in_one_statement_and_gives_each_row_its_key() -> None:
    from openmash.consent.models import Disclosure

    case = make_referral().case
    inserted, created = _lines(case, 3, "prepared"), _lines(case, 3, "bulk_create")
    lines = PreparedInsert(Disclosure)
    with CaptureQueriesContext(connection) as queries:
        lines.insert(inserted)
    assert len(queries) == 1
    Disclosure.objects.bulk_create(created)
    assert all(line.pk is not None and not line._state.adding for line in inserted)

    def read(rows: list[Any]) -> list[dict[str, Any]]:
        by_key = {r["id"]: r for r in Disclosure.objects.filter(pk__in=[line.pk for line in rows]).values()}
        return [{k: v for k, v in by_key[line.pk].items() if k not in ("id", "reason")} for line in rows]

    assert read(inserted) == read(created)
    assert [r.reason for r in Disclosure.objects.filter(pk__in=[line.pk for line in inserted])] == [
        "prepared"
    ] * 3
    # Many-to-many rows, whose key nobody reads back, and a second size of insert.
    about = Disclosure.about.through
    person = case.referral.people.first()
    PreparedInsert(about).insert(
        [about(disclosure_id=line.pk, referralperson_id=person.pk) for line in inserted]
    )
    assert [list(line.about.all()) for line in inserted] == [[person]] * 3


def test_the_check_stops_an_insert_whose_sql_differs_from_djangos_compile(settings: Any) -> None:
    from openmash.consent.models import Disclosure

    settings.OPENMASH_CHECK_PREPARED = True
    case = make_referral().case

    class Reordered(PreparedInsert[Disclosure]):  # the columns written in another order than the values
        def _sql(self, connection: Any, rows: int) -> str:
            fields = self._fields
            self._fields = list(reversed(fields))
            try:
                return super()._sql(connection, rows)
            finally:
                self._fields = fields

    with pytest.raises(AssertionError, match="differs from Django's compile"):
        Reordered(Disclosure).insert(_lines(case, 1, "reordered"))
    assert not Disclosure.objects.filter(reason="reordered").exists()
    PreparedInsert(Disclosure).insert(_lines(case, 2, "checked"))  # the true statement passes the check
    assert Disclosure.objects.filter(reason="checked").count() == 2


def test_rows_given_as_values_are_written_as_their_model_objects_would_be(settings: Any) -> None:
    from openmash.consent.models import Disclosure

    settings.OPENMASH_CHECK_PREPARED = True  # checked against a model object's insert, and Django's SQL
    case = make_referral().case
    lines = _lines(case, 2, "prepared")
    PreparedInsert(Disclosure).insert(lines)
    about = Disclosure.about.through
    people = list(case.referral.people.all())
    rows = PreparedInsert(about)
    with CaptureQueriesContext(connection) as queries:
        rows.insert_values(
            ("disclosure", "referralperson"), [(line.pk, person.pk) for line in lines for person in people]
        )
    assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 1
    assert [sorted(p.pk for p in line.about.all()) for line in lines] == [sorted(p.pk for p in people)] * 2
    with pytest.raises(TypeError, match="writes"):
        rows.insert_values(("referralperson", "disclosure"), [(people[0].pk, lines[0].pk)])
    rows.insert_values(("disclosure", "referralperson"), [])  # nothing to write: no statement


def test_lines_and_whom_they_are_about_are_written_together_in_one_statement_on_postgresql(
    settings: Any,
) -> None:
    """On PostgreSQL the disclosure lines and their rows of whom they were about go in one statement (one
    round trip); elsewhere in two. Either way every row is written, as the two inserts write them."""
    from openmash.consent.models import Disclosure

    settings.OPENMASH_CHECK_PREPARED = True
    case = make_referral().case
    lines = _lines(case, 2, "together")
    people = list(case.referral.people.all())
    about = Disclosure.about.through
    with CaptureQueriesContext(connection) as queries:
        PreparedInsert(Disclosure).insert_linked(
            lines, PreparedInsert(about), ("disclosure", "referralperson"), [person.pk for person in people]
        )
    writes = [q["sql"] for q in queries if "INSERT" in q["sql"]]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2), writes
    written = list(Disclosure.objects.filter(reason="together"))
    assert {line.pk for line in written} == {line.pk for line in lines}
    assert [sorted(p.pk for p in line.about.all()) for line in written] == [sorted(p.pk for p in people)] * 2
    assert all(not line._state.adding for line in lines)
    assert sorted(line.pk for line in lines) == sorted(line.pk for line in written)  # each line's own key
    assert [line.reason for line in lines] == ["together"] * 2


def test_lines_get_their_keys_in_order_and_a_line_with_no_one_named_writes_no_about_row() -> None:
    from openmash.consent.models import Disclosure

    case = make_referral().case
    lines = _lines(case, 3, "keyed")
    person = case.referral.people.first()
    assert person is not None
    PreparedInsert(Disclosure).insert_linked(
        lines, PreparedInsert(Disclosure.about.through), ("disclosure", "referralperson"), [person.pk]
    )
    for line in lines:  # each object got the key of its own row, not another's
        assert Disclosure.objects.get(pk=line.pk).item_id == line.item_id
        assert [p.pk for p in Disclosure.objects.get(pk=line.pk).about.all()] == [person.pk]
    alone = _lines(case, 1, "no one named")
    PreparedInsert(Disclosure).insert_linked(
        alone, PreparedInsert(Disclosure.about.through), ("disclosure", "referralperson"), []
    )
    assert Disclosure.objects.get(pk=alone[0].pk).about.count() == 0


@pytest.mark.django_db(transaction=True)
def test_lines_about_someone_who_is_not_there_fail_together_and_keep_nothing() -> None:
    """The about rows' keys are checked when the transaction commits (the foreign keys are deferred): one
    naming nobody fails the commit, and the lines written with it are not kept either."""
    from uuid import uuid4

    from django.db import IntegrityError, transaction

    from openmash.consent.models import Disclosure

    case = make_referral().case
    lines = _lines(case, 2, "about nobody")
    with pytest.raises(IntegrityError), transaction.atomic():
        PreparedInsert(Disclosure).insert_linked(
            lines, PreparedInsert(Disclosure.about.through), ("disclosure", "referralperson"), [uuid4()]
        )
    assert not Disclosure.objects.filter(reason="about nobody").exists()
