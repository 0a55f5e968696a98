"""Template filters and tags every page uses: dates and times in the one GOV.UK style, and landmarks
that appear only when they hold something.

Dates and times follow the GOV.UK style guide: "5 December 2026", "1:30pm", "10am", "midday",
"midnight", and a moment as "1:30pm on 5 December 2026". A datetime is shown in the hub's local time
(``TIME_ZONE``). Loaded on every template (``builtins`` in the settings), so ``{{ x|govuk_date }}``
needs no ``{% load %}``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache
from typing import Any

from django import template
from django.template.base import Parser, Token
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from openmash.core.dates import format_date, format_datetime, format_time

register = template.Library()

WITH_WEEKDAY = "weekday"
WITH_SECONDS = "seconds"


def _options(arg: str | None) -> set[str]:
    return {part.strip() for part in (arg or "").split(",") if part.strip()}


@register.filter
def govuk_date(value: Any, arg: str | None = None) -> str:
    """``{{ d|govuk_date }}`` → "5 December 2026"; ``{{ d|govuk_date:"weekday" }}`` adds the day."""
    if not isinstance(value, date):
        return ""
    return format_date(value, weekday=WITH_WEEKDAY in _options(arg))


@register.filter
def govuk_time(value: Any, arg: str | None = None) -> str:
    """``{{ t|govuk_time }}`` → "1:30pm"."""
    if not isinstance(value, time | datetime):
        return ""
    return format_time(value, seconds=WITH_SECONDS in _options(arg))


@register.filter
def govuk_datetime(value: Any, arg: str | None = None) -> str:
    """``{{ dt|govuk_datetime }}`` → "1:30pm on 5 December 2026"; options "weekday", "seconds"."""
    if not isinstance(value, datetime):
        return govuk_date(value, arg)
    options = _options(arg)
    return format_datetime(value, weekday=WITH_WEEKDAY in options, seconds=WITH_SECONDS in options)


class LandmarkNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: template.NodeList, element: str, label: str) -> None:
        self.nodelist = nodelist
        self.element = element
        self.label = label

    def render(self, context: template.Context) -> SafeString | str:
        inner = self.nodelist.render(context)
        if not inner.strip():
            return ""
        return format_html('<{} aria-label="{}">{}</{}>', self.element, self.label, inner, self.element)


LANDMARK_ELEMENTS = frozenset({"nav", "aside", "section"})


@register.tag
def landmark_if_content(parser: Parser, token: Token) -> LandmarkNode:
    """``{% landmark_if_content "nav" "Back" %}...{% endlandmark_if_content %}``: wraps what is inside in a
    labelled landmark, and writes nothing at all when it is empty, so a page without a back link has no
    empty "Back" navigation for a screen reader to list. Blocks inside it can be overridden as usual."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes an element and a label")
    element, label = (bit.strip("\"'") for bit in bits[1:])
    if element not in LANDMARK_ELEMENTS:
        raise template.TemplateSyntaxError(f"{bits[0]}: {element} is not one of {sorted(LANDMARK_ELEMENTS)}")
    nodelist = parser.parse(("endlandmark_if_content",))
    parser.delete_first_token()
    return LandmarkNode(nodelist, element, label)


@register.simple_tag
def govuk_form(form: Any) -> SafeString:
    """``{% govuk_form form %}``: the form's questions as ``{% crispy form %}`` draws them (same markup),
    drawn directly for the common GOV.UK questions (openmash/core/govuk_html.py)."""
    from openmash.core.govuk_html import form_html

    return form_html(form)


@register.simple_tag
def hidden_form(form: Any) -> SafeString:
    """``{% hidden_form formset.management_form %}``: a form of hidden fields as ``{{ form }}`` draws it,
    without drawing Django's form and widget templates for each field."""
    from openmash.core.govuk_html import hidden_form as write

    return write(form)


@register.simple_tag
def object_url(name: str, pk: Any) -> str:
    """``{% object_url "cases:detail" case.pk %}``: as ``{% url %}`` for one UUID argument, for links on
    every row of a list (openmash/core/urls.py)."""
    from openmash.core.urls import object_url as url

    return url(name, pk)


@cache
def _rag_markup(rag: str) -> SafeString:
    """A rating's tag, made once per rating (a queue draws one on every row)."""
    return format_html('<strong class="govuk-tag openmash-rag--{}">{}</strong>', rag, capfirst(rag))


@register.simple_tag
def rag_tag(rag: str, unrated: str = "", unrated_hidden: bool = False) -> SafeString | str:
    """``{% rag_tag case.rag %}``: the case's RAG rating as a coloured tag ("Red"), nothing if not rated.
    ``unrated="Not yet rated"`` says so in small text instead; with ``unrated_hidden=True`` only a screen
    reader hears it (a table cell that would otherwise read as empty). A tag rather than an included
    template: queues draw one on every row."""
    if rag:
        return _rag_markup(rag)
    if not unrated:
        return ""
    style = "govuk-visually-hidden" if unrated_hidden else "govuk-body-s"
    return format_html('<span class="{}">{}</span>', style, unrated)
