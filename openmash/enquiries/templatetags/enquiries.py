"""Information requests' tags: ``{% load enquiries %}``."""

from __future__ import annotations

from collections.abc import Container, Sequence

from django import template
from django.utils.safestring import SafeString

from openmash.enquiries.markup import agency_return as return_markup
from openmash.enquiries.markup import case_request_cards as request_cards
from openmash.enquiries.markup import open_rows, returned_rows, status_markup
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.selectors import QueueRow, RequestLine

register = template.Library()


@register.simple_tag
def request_status_tag(request: InformationRequest | RequestLine) -> SafeString:
    """``{% request_status_tag info %}``: an information request's status as a tag, in its own words
    ("Not started", "Waiting for consent or a lawful basis"); a request or a queue's line of one. A tag
    rather than an included template: queues draw one on every row."""
    return status_markup(request.status)


@register.simple_tag
def open_request_rows(rows: Sequence[QueueRow]) -> SafeString:
    """``{% open_request_rows rows %}``: the open requests' table rows, written in Python (ADR 0043)."""
    return open_rows(rows)


@register.simple_tag
def returned_request_rows(rows: Sequence[QueueRow]) -> SafeString:
    """``{% returned_request_rows rows %}``: the returned requests' table rows, written in Python."""
    return returned_rows(rows)


@register.simple_tag
def agency_return(req: InformationRequest, case: object = None) -> SafeString:
    """``{% agency_return req case %}``: what an agency returned for one request, written in Python
    (ADR 0043). The caller decides whether the viewer may see it."""
    return return_markup(req, case)


@register.simple_tag
def case_request_cards(
    requests: Sequence[InformationRequest],
    case: object,
    *,
    sees_whole_case: object = False,
    shown_agencies: object = None,
) -> SafeString:
    """``{% case_request_cards requests case sees_whole_case=… shown_agencies=… %}``: the case page's card
    for each request, written in Python (ADR 0043). Returns are shown for the whole case, or for the
    agencies in ``shown_agencies`` (a context without them shows none)."""
    shown = (
        shown_agencies
        if isinstance(shown_agencies, Container) and not isinstance(shown_agencies, str)
        else None
    )
    return request_cards(requests, case, sees_whole_case=bool(sees_whole_case), shown_agencies=shown)
