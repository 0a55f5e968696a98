"""``{% destroyed_notice case %}``: the destruction notice's words, from the one constant the files and the
API answers use too (openmash/cases/destroyed.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from openmash.cases.destroyed import NOTICE
from openmash.core.dates import format_date

register = template.Library()


@register.simple_tag
def destroyed_notice(case: Any) -> SafeString:
    """What every page of a destroyed case says, with the date."""
    return format_html(NOTICE, date=format_date(case.destruction.destroyed_at))
