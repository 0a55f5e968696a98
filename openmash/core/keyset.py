"""Keyset ("newer / older") pagination for long lists read newest first, such as the audit trail and
the disclosure log. A page is found from the last row the person saw, through an index, so it costs
the same however long the list has grown: no COUNT(*) of the table, no OFFSET that reads every row
before it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

T = TypeVar("T")  # a row: a model object, or its values
NEWER, OLDER = "newer", "older"


@dataclass(frozen=True, slots=True)
class KeysetPage(Generic[T]):
    rows: list[T]
    newer: str  # the query string of the page of newer rows, or "" on the newest page
    older: str  # the query string of the page of older rows, or "" on the oldest page

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def object_list(self) -> list[T]:
        """The rows, under the name a Django page gives them."""
        return self.rows

    @property
    def pagination(self) -> dict[str, object]:
        """For the GOV.UK pagination component (cases/_pagination.html)."""
        return {"previous": self.newer, "next": self.older, "numbers": []}


def _beyond(fields: Sequence[str], values: Sequence[object], lookup: str) -> Q:
    """Rows after ``values`` in the order of ``fields``: (a < x) or (a = x and b < y) for "lt"."""
    terms = []
    for i, field in enumerate(fields):
        equal = {f: v for f, v in zip(fields[:i], values[:i], strict=True)}
        terms.append(Q(**equal, **{f"{field}__{lookup}": values[i]}))
    return reduce(lambda a, b: a | b, terms)


def keyset_page(
    rows: QuerySet[Any, T],
    *,
    fields: Sequence[str],
    parse: Callable[[list[str]], Sequence[object]],
    params: dict[str, str],
    query: dict[str, str],
    size: int,
) -> KeysetPage[T]:
    """One page of ``rows`` in descending order of ``fields`` (the last unique, e.g. the primary key).
    ``params``: the request's GET; a page is asked for as ``older=<key>`` or ``newer=<key>``, the key
    being the fields' values joined by "_". ``query``: the filters to keep in the links. An unreadable
    key shows the newest page."""

    def key(row: T) -> str:  # a row read as an object, or as values (a dict)
        return "_".join(str(row[f] if isinstance(row, dict) else getattr(row, f)) for f in fields)

    def link(direction: str, row: T) -> str:
        return "?" + urlencode({**{k: v for k, v in query.items() if v}, direction: key(row)})

    newest_first = rows.order_by(*[f"-{f}" for f in fields])
    direction, cursor = (
        (NEWER, params.get(NEWER, "")) if params.get(NEWER) else (OLDER, params.get(OLDER, ""))
    )
    values: Sequence[object] | None = None
    if cursor:
        try:
            values = parse(cursor.split("_"))
        except (ValueError, TypeError):
            values = None
    if values is None:
        found = list(newest_first[: size + 1])
        more_newer, more_older = False, len(found) > size
        shown = found[:size]
    elif direction == OLDER:
        found = list(newest_first.filter(_beyond(fields, values, "lt"))[: size + 1])
        more_newer, more_older = True, len(found) > size
        shown = found[:size]
    else:
        found = list(rows.filter(_beyond(fields, values, "gt")).order_by(*fields)[: size + 1])
        more_newer, more_older = len(found) > size, True
        shown = list(reversed(found[:size]))
    return KeysetPage(
        rows=shown,
        newer=link(NEWER, shown[0]) if shown and more_newer else "",
        older=link(OLDER, shown[-1]) if shown and more_older else "",
    )
