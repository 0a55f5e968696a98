"""The case pages' markup written in Python (ADR 0043): ``{% load case_markup %}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils.safestring import SafeString

from openmash.cases import markup
from openmash.cases.selectors import CaseRow

register = template.Library()


@register.simple_tag
def screening_rows(rows: Sequence[CaseRow]) -> SafeString:
    """``{% screening_rows rows %}``: the screening queue's table rows."""
    return markup.queue_rows(rows)


@register.simple_tag
def history_items(entries: Sequence[Any]) -> SafeString:
    """``{% history_items history %}``: the case page's timeline, newest first."""
    return markup.history_items(entries)
