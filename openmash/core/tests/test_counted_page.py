"""A short list's page and its length from one query, numbered as Django's paginator numbers pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openmash.core.counted_page import counted_page
from openmash.hub.models import Agency

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hub")]


def _items() -> Any:
    return Agency.objects.values("name").order_by("name")


def _as_django(number: object, per_page: int) -> tuple[list[str], int, int, int, bool, bool]:
    page = Paginator(_items(), per_page).get_page(number)
    return _seen(page)


def _seen(page: Any) -> tuple[list[str], int, int, int, bool, bool]:
    return (
        [row["name"] for row in page.object_list],
        page.number,
        page.paginator.count,
        page.paginator.num_pages,
        page.has_previous(),
        page.has_next(),
    )


def test_each_page_as_djangos_paginator_gives_it_from_one_query() -> None:
    agencies = _items().count()
    assert agencies >= 5
    for per_page in (2, 3, agencies, agencies + 1):
        for number in range(1, -(-agencies // per_page) + 1):
            with CaptureQueriesContext(connection) as queries:
                page = counted_page(_items(), str(number), per_page)
            assert len(queries) == 1
            assert _seen(page) == _as_django(str(number), per_page)


def test_a_number_that_is_not_one_is_the_first_page_and_one_past_the_end_the_last() -> None:
    for number in (None, "", "two", "1.5", "9" * 5000):
        assert _seen(counted_page(_items(), number, 2)) == _as_django(1, 2)
    last = _as_django(999, 2)
    assert last[1] > 1
    # Far past any end, beyond what the database takes as an OFFSET: the last page, not an error.
    for number in ("999", "99999999999999999999", str(2**70)):
        assert _seen(counted_page(_items(), number, 2)) == last


def test_an_empty_list_is_one_empty_page() -> None:
    empty = Agency.objects.none().values("name").order_by("name")
    page = counted_page(empty, "3", 2)
    assert (list(page.object_list), page.number, page.paginator.count, page.has_next()) == ([], 1, 0, False)
