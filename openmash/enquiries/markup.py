"""The requests queue's rows written in Python (ADR 0043): the markup its templates wrote for each open
and each returned request, without Django's template engine drawing fifty rows of values. Every value
from the database is escaped here; the words around them are fixed."""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from django.template.defaultfilters import linebreaksbr, timesince_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from openmash.cases.destroyed import when_destroyed
from openmash.core.dates import format_date, format_datetime
from openmash.core.govuk_html import escape
from openmash.core.templatetags.govuk import govuk_datetime, rag_tag
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
    about = escape(row.child) if row.child else "the person referred"
    child = escape(row.child) if row.child else "Not recorded"
    overdue = (
        f'{OVERDUE}        <span class="govuk-body-s">by {escape(row.overdue_by)}</span><br>'
        if row.overdue
        else ""
    )
    taken = escape(request.taken_by) if request.taken_by else NOBODY
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
    by = escape(request.returned_by) if request.returned_by else ""
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


SIGNIFICANCE_COLOURS = {"high": "govuk-tag--red", "medium": "govuk-tag--yellow"}


def agency_return(req: Any, case: Any) -> SafeString:
    """What an agency returned for one request: its summary, risk and protective factors and its
    history items, or that the family is not known to it (a nil return); "Destroyed" once the case's
    personal data is. The caller decides whether the viewer may see it."""
    if req.status == RequestStatus.NIL_RETURN:
        agency = escape(req.agency.name)
        nil = (
            f'<p class="govuk-body" data-testid="nil-return">{agency} searched its systems: '
            "this family is not known to them.</p>"
        )
        return mark_safe(f"\n\n{nil}\n\n")  # noqa: S308 - the agency's name escaped
    destroyed = case is not None and when_destroyed(case) is not None
    rows = "".join(
        '  <div class="govuk-summary-list__row">\n'
        f'    <dt class="govuk-summary-list__key">{label}</dt>\n'
        f'    <dd class="govuk-summary-list__value"{testid}>'
        f"{'Destroyed' if destroyed else _lines(text)}</dd>\n"
        "  </div>\n"
        for label, testid, text in (
            ("Summary", ' data-testid="return-summary"', req.summary),
            ("Risk factors", "", req.risk_factors),
            ("Protective factors", "", req.protective_factors),
        )
    )
    items = list(req.history.all())
    if items:
        history = (
            '\n<table class="govuk-table" data-testid="history-table">\n'
            '  <caption class="govuk-table__caption govuk-table__caption--s">Relevant history from '
            f"{escape(req.agency.name)}</caption>\n"
            + HISTORY_HEAD
            + '  <tbody class="govuk-table__body">\n    '
            + "".join(_history_row(item) for item in items)
            + "\n  </tbody>\n</table>\n"
        )
    else:
        said = "Destroyed under the hub's retention rules." if destroyed else "No history items returned."
        history = f'\n<p class="govuk-body">{said}</p>\n'
    return mark_safe(  # noqa: S308 - every value escaped above
        f'\n\n<dl class="govuk-summary-list">\n{rows}</dl>\n\n{history}\n\n\n'
    )


HISTORY_HEAD = (
    '  <thead class="govuk-table__head">\n'
    '    <tr class="govuk-table__row">\n'
    '      <th scope="col" class="govuk-table__header">Date</th>\n'
    '      <th scope="col" class="govuk-table__header">Type</th>\n'
    '      <th scope="col" class="govuk-table__header">What happened</th>\n'
    '      <th scope="col" class="govuk-table__header">Significance</th>\n'
    '      <th scope="col" class="govuk-table__header">Source reference</th>\n'
    "    </tr>\n"
    "  </thead>\n"
)


def _history_row(item: Any) -> str:
    colour = SIGNIFICANCE_COLOURS.get(item.significance, "govuk-tag--grey")
    source = (
        f"{escape(item.source_system)}, record "
        f'<span class="openmash-nowrap">{escape(item.source_record_id)}</span>: '
        if item.source_system
        else ""
    )
    occurred = format_date(item.occurred_on) if isinstance(item.occurred_on, date) else ""
    return (
        '\n    <tr class="govuk-table__row">\n'
        f'      <td class="govuk-table__cell enquiries-nowrap">{escape(occurred)}</td>\n'
        f'      <td class="govuk-table__cell">{escape(item.get_kind_display())}</td>\n'
        f'      <td class="govuk-table__cell">{_lines(item.description, "")}</td>\n'
        f'      <td class="govuk-table__cell"><strong class="govuk-tag {colour}">'
        f"{escape(item.get_significance_display())}</strong></td>\n"
        f'      <td class="govuk-table__cell">{source}<span class="openmash-nowrap">'
        f"{escape(item.source_reference)}</span></td>\n"
        "    </tr>\n    "
    )


def _lines(text: str, empty: str = "None given") -> str:
    """Django's ``linebreaksbr`` (each line break a <br>, the text escaped), then ``default:`` ``empty``."""
    return linebreaksbr(text) or empty


UNBLOCK_DEFAULT = "Consent or a lawful basis that covers this agency."


def case_request_cards(
    requests: Iterable[Any], case: Any, *, sees_whole_case: bool, shown_agencies: Container[Any] | None
) -> SafeString:
    """The case page's card for each information request (ADR 0043): its agency and status; why it waits
    at the sharing gate, or when it was due and returned (overdue or late); and what the agency returned
    where this person may see it (the whole case, or the agencies the access policy shows them)."""
    now = int(timezone.now().timestamp())  # whole seconds, as the template compared them
    return mark_safe(  # noqa: S308 - each value escaped below
        "".join(_request_card(req, case, now, sees_whole_case, shown_agencies) for req in requests)
    )


def _request_card(
    req: Any, case: Any, now: int, sees_whole_case: bool, shown_agencies: Container[Any] | None
) -> str:
    if req.status == RequestStatus.BLOCKED:
        unblock = escape(req.unblock_hint) if req.unblock_hint else UNBLOCK_DEFAULT
        times = (
            '\n      <dl class="govuk-summary-list" data-testid="blocked">\n'
            '        <div class="govuk-summary-list__row">\n'
            '          <dt class="govuk-summary-list__key">Why it is waiting</dt>\n'
            '          <dd class="govuk-summary-list__value" data-testid="blocked-reason">'
            f"{escape(req.blocked_reason)}</dd>\n"
            "        </div>\n"
            '        <div class="govuk-summary-list__row">\n'
            '          <dt class="govuk-summary-list__key">What would unblock it</dt>\n'
            f'          <dd class="govuk-summary-list__value" data-testid="unblock-hint">{unblock}</dd>\n'
            "        </div>\n"
            "      </dl>\n      "
        )
    else:
        overdue = (
            '<strong class="govuk-tag govuk-tag--red" data-testid="overdue-tag">Overdue</strong> by '
            f"{escape(timesince_filter(req.due_at))}<br>"
            if req.is_open and req.due_at is not None and int(req.due_at.timestamp()) < now
            else ""
        )
        if req.returned_at:
            late = (
                ' <strong class="govuk-tag govuk-tag--orange">Late</strong>'
                if req.due_at and req.returned_at > req.due_at
                else ""
            )
            returned = f"{escape(govuk_datetime(req.returned_at, 'weekday'))}{late}"
        else:
            returned = "Not yet"
        times = (
            '\n      <dl class="govuk-summary-list">\n'
            '        <div class="govuk-summary-list__row">\n'
            '          <dt class="govuk-summary-list__key">Due</dt>\n'
            '          <dd class="govuk-summary-list__value">\n'
            f"            {overdue}\n"
            f"            {escape(govuk_datetime(req.due_at, 'weekday'))}\n"
            "          </dd>\n"
            "        </div>\n"
            '        <div class="govuk-summary-list__row">\n'
            '          <dt class="govuk-summary-list__key">Returned</dt>\n'
            f'          <dd class="govuk-summary-list__value">{returned}</dd>\n'
            "        </div>\n"
            "      </dl>\n      "
        )
    shown = sees_whole_case or (shown_agencies is not None and req.agency_id in shown_agencies)
    answer = (
        f"\n        {agency_return(req, case)}\n      "
        if req.returned_at and shown and req.status in (RequestStatus.RETURNED, RequestStatus.NIL_RETURN)
        else ""
    )
    return (
        "\n  \n"
        '  <div class="govuk-summary-card" data-testid="case-request">\n'
        '    <div class="govuk-summary-card__title-wrapper">\n'
        f'      <h3 class="govuk-summary-card__title">{escape(req.agency.name)}</h3>\n'
        f'      <div class="govuk-summary-card__actions">{status_markup(req.status)}</div>\n'
        "    </div>\n"
        '    <div class="govuk-summary-card__content">\n'
        f"      {times}\n"
        f"      {answer}\n"
        "    </div>\n"
        "  </div>\n"
        "  \n"
    )
