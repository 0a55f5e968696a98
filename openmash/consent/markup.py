"""The disclosure log's lines written in Python (ADR 0043): the markup its template wrote for each of the
fifty lines on a page, without Django's template engine drawing each value. Every value from the
database is escaped here; the words around them are fixed."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from openmash.consent.models import Disclosure, DisclosureKind
from openmash.consent.selectors import DisclosureLine
from openmash.core.dates import format_datetime
from openmash.core.govuk_html import escape

KIND_COLOURS = {
    DisclosureKind.SHARED: "govuk-tag--blue",
    DisclosureKind.VIEWED: "govuk-tag--grey",
    DisclosureKind.EXPORTED: "govuk-tag--purple",
}


def kind_tag(disclosure: Disclosure | DisclosureLine) -> SafeString:
    """The kind of one disclosure-log line as a GOV.UK tag."""
    colour = KIND_COLOURS.get(disclosure.kind, "govuk-tag--orange")  # type: ignore[call-overload]
    return format_html('<strong class="govuk-tag {}">{}</strong>', colour, disclosure.get_kind_display())


def about(line: DisclosureLine) -> SafeString:
    """The people a line of the log is about, one a line (read with the page's lines)."""
    return SafeString("<br>".join(escape(person) for person in line.people))


def disclosure_rows(lines: Sequence[DisclosureLine]) -> SafeString:
    """Each line: when, what (its kind as a tag, and the item), the case (a link filtering the log to it),
    from which agency, to or seen by whom, whom it was about, and its basis or the reason."""
    return mark_safe("".join(_row(line) for line in lines))  # noqa: S308 - each value escaped below


def _row(line: DisclosureLine) -> str:
    reference = str(line.case.reference)
    agency = escape(line.from_agency.name) if line.from_agency is not None else ""
    if line.kind == DisclosureKind.WITHHELD:
        basis = f"Reason: {escape(line.reason)}"
    else:
        basis = escape(line.basis_text) if line.basis_text else "No basis recorded"
        if line.reason:
            basis += f"<br>Where: {escape(line.reason)}"
    return (
        '\n    <tr class="govuk-table__row" data-testid="disclosure">\n'
        f'      <td class="govuk-table__cell enquiries-nowrap">{escape(format_datetime(line.at))}</td>\n'
        f'      <td class="govuk-table__cell">{kind_tag(line)}<br>{escape(line.item_summary)}</td>\n'
        '      <td class="govuk-table__cell openmash-nowrap"><a class="govuk-link" '
        f'href="?case={escape(quote(reference))}">{escape(reference)}</a></td>\n'
        f'      <td class="govuk-table__cell">{agency}</td>\n'
        f'      <td class="govuk-table__cell">{escape(line.to_description)}</td>\n'
        f'      <td class="govuk-table__cell">{about(line)}</td>\n'
        f'      <td class="govuk-table__cell govuk-body-s">{basis}</td>\n'
        "    </tr>\n  "
    )
