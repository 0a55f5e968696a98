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


@register.simple_tag(takes_context=True)
def referral_panel(context: Any) -> SafeString:
    """``{% referral_panel %}``: the referral as the hub received it, and the people it names."""
    return markup.referral_panel(context)
