"""The disclosure log's tags and lines, written once in Python (`consent.markup`) rather than through an
included template for every line (the log shows fifty lines a page)."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.safestring import SafeString

from openmash.consent import markup
from openmash.consent.models import Disclosure
from openmash.consent.selectors import DisclosureLine

register = template.Library()


@register.filter
def disclosure_kind_tag(disclosure: Disclosure | DisclosureLine) -> SafeString:
    """The kind of one disclosure-log line as a GOV.UK tag."""
    return markup.kind_tag(disclosure)


@register.filter
def disclosure_about(line: DisclosureLine) -> SafeString:
    """The people a line of the log is about, one a line (read with the page's lines)."""
    return markup.about(line)


@register.simple_tag
def disclosure_rows(lines: Sequence[DisclosureLine]) -> SafeString:
    """The log's lines, one table row each (ADR 0043)."""
    return markup.disclosure_rows(lines)
