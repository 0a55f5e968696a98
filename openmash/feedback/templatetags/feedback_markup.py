"""The outcome notices' markup written in Python (ADR 0043): ``{% load feedback_markup %}``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from openmash.feedback import markup

register = template.Library()


@register.simple_tag
def notice_rows(notices: Iterable[Any], case: Any, may_resend: object = False) -> SafeString:
    """``{% notice_rows notices case may_resend_outcomes %}``: the case's outcome notices, a row each."""
    return markup.notice_rows(notices, case, may_resend=bool(may_resend))
