"""Markup compared as a browser and a screen reader take it: the same elements in the same order, the
same attributes (in any order, with class and aria-describedby read as lists of names), the same text,
with whitespace between and around words not counted."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

TOKEN_LISTS = frozenset({"class", "aria-describedby"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parts = []
        for name, value in sorted(attrs):
            if value is not None and name in TOKEN_LISTS:
                value = " ".join(value.split())
            parts.append(name if value is None else f'{name}="{value}"')
        self.items.append(f"<{tag} {' '.join(parts)}>".replace(" >", ">"))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.items.append(text)


def elements(html: str) -> list[str]:
    """The markup as a list of start tags, end tags and texts, ready to compare."""
    reader = _Reader()
    reader.feed(str(html))
    reader.close()
    return reader.items


class Rows:
    """A related manager's stand-in for markup tests: ``.all()`` gives the rows it was made with."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def all(self) -> list[Any]:
        return self._rows
