"""The requests queue's rows written in Python (ADR 0043): the markup its templates wrote for each open
and each returned request, without Django's template engine drawing fifty rows of values. Every value
from the database is escaped here; the words around them are fixed."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from openmash.core.dates import format_datetime
from openmash.core.templatetags.govuk import rag_tag
from openmash.core.urls import object_url
from openmash.enquiries.models import REQUEST_STATUS_COLOURS, RequestStatus
from openmash.enquiries.selectors import QueueRow

OVERDUE = '<strong class="govuk-tag govuk-tag--red" data-testid="overdue-tag">Overdue</strong><br>\n'
NOBODY = '<span class="govuk-hint govuk-!-margin-0">Nobody yet</span>'
LATE = '<br><strong class="govuk-tag govuk-tag--orange">Late</strong>'
ON_TIME = '<br><strong class="govuk-tag govuk-tag--green">On time</strong>'


def open_rows(rows: Sequence[QueueRow]) -> SafeString:
    """Open requests: the case (a link to the request), who is referred, the rating, when it is due (and
    how overdue), its status and who took it."""
    return mark_safe("".join(_open_row(row) for row in rows))  # noqa: S308 - each value escaped below


def returned_rows(rows: Sequence[QueueRow]) -> SafeString:
    """Returned requests: the case, who is referred, the rating, when it was returned (late or on time),
    its outcome and who returned it."""
    return mark_safe("".join(_returned_row(row) for row in rows))  # noqa: S308 - each value escaped below


def _open_row(row: QueueRow) -> str:
    request = row.request
    link = escape(object_url("enquiries:detail", request.pk))
    about = escape(str(row.child)) if row.child else "the person referred"
    child = escape(str(row.child)) if row.child else "Not recorded"
    overdue = (
        f'{OVERDUE}        <span class="govuk-body-s">by {escape(row.overdue_by)}</span><br>'
        if row.overdue
        else ""
    )
    taken = escape(str(request.taken_by)) if request.taken_by else NOBODY
    return (
        f'\n    <tr class="govuk-table__row{" enquiries-row--overdue" if row.overdue else ""}" '
        'data-testid="request-row">\n'
        f'      <td class="govuk-table__cell enquiries-nowrap"><a class="govuk-link" href="{link}">'
        f'{escape(request.case.reference)}<span class="govuk-visually-hidden">: request about {about}</span>'
        "</a></td>\n"
        f'      <td class="govuk-table__cell">{child}</td>\n'
        f'      <td class="govuk-table__cell">{rag_tag(request.case.rag)}</td>\n'
        '      <td class="govuk-table__cell">\n'
        f"        {overdue}\n"
        f'        <span class="govuk-body-s">{escape(row.due)}</span>\n'
        "      </td>\n"
        f'      <td class="govuk-table__cell">{status_markup(request.status)}</td>\n'
        f'      <td class="govuk-table__cell">{taken}</td>\n'
        "    </tr>\n    "
    )


def _returned_row(row: QueueRow) -> str:
    request = row.request
    link = escape(object_url("enquiries:detail", request.pk))
    child = f"{escape(row.child.given_name)} {escape(row.child.family_name)}" if row.child else "Not recorded"
    returned = format_datetime(request.returned_at) if request.returned_at is not None else ""
    by = escape(str(request.returned_by)) if request.returned_by else ""
    return (
        '\n      <tr class="govuk-table__row" data-testid="request-row">\n'
        f'        <td class="govuk-table__cell enquiries-nowrap"><a class="govuk-link" href="{link}">'
        f"{escape(request.case.reference)}</a></td>\n"
        f'        <td class="govuk-table__cell">{child}</td>\n'
        f'        <td class="govuk-table__cell">{rag_tag(request.case.rag)}</td>\n'
        '        <td class="govuk-table__cell">\n'
        f'          <span class="govuk-body-s">{escape(returned)}</span>\n'
        f"          {LATE if row.returned_late else ON_TIME}\n"
        "        </td>\n"
        f'        <td class="govuk-table__cell">{status_markup(request.status)}</td>\n'
        f'        <td class="govuk-table__cell">{by}</td>\n'
        "      </tr>\n      "
    )


@cache
def status_markup(status: str) -> SafeString:
    """A request status's tag ("Not started", "Waiting for consent or a lawful basis"), made once per
    status (a queue draws one on every row)."""
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>',
        REQUEST_STATUS_COLOURS[status],
        RequestStatus(status).label,
    )
