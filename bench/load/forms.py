"""The fields a browser would post from each form on a page (plain Python: the load run and its checks)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    """The fields of each <form method=post> on a page: name -> value (radios: the checked or first)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self.radios: list[dict[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append({"_action": a.get("action", "")})
            self.radios.append({})
        if not self.forms:
            return
        form, radios = self.forms[-1], self.radios[-1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "radio":
                radios.setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    form[name] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    form[name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                form[name] = a.get("value", "")
        elif tag == "textarea" and name:
            form[name] = ""
            self._textarea = name
        elif tag == "select" and name:
            self._select = name
            form.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:  # a browser sends the first: we leave it
            form[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data


def post_forms(html: str) -> list[tuple[dict[str, Any], dict[str, list[str]]]]:
    parser = _Forms()
    parser.feed(html)
    return list(zip(parser.forms, parser.radios, strict=True))
