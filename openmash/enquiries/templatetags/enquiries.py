"""Information requests' tags: ``{% load enquiries %}``."""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from openmash.enquiries.models import REQUEST_STATUS_COLOURS, InformationRequest, RequestStatus
from openmash.enquiries.selectors import RequestLine

register = template.Library()


@register.simple_tag
def request_status_tag(request: InformationRequest | RequestLine) -> SafeString:
    """``{% request_status_tag info %}``: an information request's status as a tag, in its own words
    ("Not started", "Waiting for consent or a lawful basis"); a request or a queue's line of one. A tag
    rather than an included template: queues draw one on every row."""
    return _status_markup(request.status)


@cache
def _status_markup(status: str) -> SafeString:
    """A status's tag, made once per status (a queue draws one on every row)."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        REQUEST_STATUS_COLOURS[status],
        RequestStatus(status).label,
    )
