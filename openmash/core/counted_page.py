"""A page of a short list and the list's length read by one query (ADR 0043).

Django's paginator counts the list (``SELECT COUNT(*)``), then reads the page: two statements, each
planned for its values. For a list whose filter leaves few rows (the screening queue's open contacts),
``COUNT(*) OVER ()`` on the page's own rows gives the length in the same statement. Not for a long list
(a hub's whole case history): the window makes the database read and sort every row to count them,
where a page alone stops after its rows.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

_OF = "counted_page_of"  # the annotation carrying the list's length on each row
# Beyond any list's end: a page number asking for rows past it is taken as the page just past it (an
# OFFSET past a 64-bit integer is the database's error, not an empty page).
FURTHEST_ROW = 2**31


def page_number(value: object, per_page: int) -> int:
    """The page a query string asks for: 1 for anything that is not a number of one or more, and no
    further than the page just past row FURTHEST_ROW."""
    try:
        number = int(str(value))
    except ValueError:
        return 1
    return max(1, min(number, FURTHEST_ROW // per_page + 2))


def counted_page(items: QuerySet[Any, dict[str, Any]], number: object, per_page: int) -> Page[dict[str, Any]]:
    """The page ``number`` of ``items`` (values rows, ordered), as ``Paginator.get_page`` gives it: page 1
    for a number that is not one, the last page for one past the end."""
    wanted = page_number(number, per_page)
    rows = _rows(items, wanted, per_page)
    if rows:
        count = rows[0][_OF]
    else:
        count = items.count()  # past the end, or nothing at all: counted apart
        last = max(1, -(-count // per_page))
        if wanted > last:
            wanted = last
            rows = _rows(items, wanted, per_page) if count else []
    paginator: Paginator[dict[str, Any]] = Paginator(items, per_page)
    paginator.count = count
    for row in rows:
        del row[_OF]
    return Page(rows, wanted, paginator)


def _rows(items: QuerySet[Any, dict[str, Any]], number: int, per_page: int) -> list[dict[str, Any]]:
    start = (number - 1) * per_page
    return list(items.annotate(**{_OF: Window(Count("*"))})[start : start + per_page])
