"""The disclosure log's tags, written once here rather than through an included template for every line
(the log shows fifty lines a page)."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from openmash.consent.models import Disclosure, DisclosureKind
from openmash.consent.selectors import DisclosureLine

register = template.Library()

KIND_COLOURS = {
    DisclosureKind.SHARED: "govuk-tag--blue",
    DisclosureKind.VIEWED: "govuk-tag--grey",
    DisclosureKind.EXPORTED: "govuk-tag--purple",
}


@register.filter
def disclosure_kind_tag(disclosure: Disclosure | DisclosureLine) -> SafeString:
    """The kind of one disclosure-log line as a GOV.UK tag."""
    colour = KIND_COLOURS.get(disclosure.kind, "govuk-tag--orange")  # type: ignore[call-overload]
    return format_html('<strong class="govuk-tag {}">{}</strong>', colour, disclosure.get_kind_display())


@register.filter
def disclosure_about(line: DisclosureLine) -> SafeString:
    """The people a line of the log is about, one a line (read with the page's lines)."""
    return SafeString("<br>".join(conditional_escape(str(person)) for person in line.people))
