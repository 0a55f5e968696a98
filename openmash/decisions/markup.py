"""The decision page's summary of each agency's return written in Python (ADR 0043): the markup
decisions/record.html wrote for each request and each history item it returned, without Django's template
engine drawing each value. Every value from the database is escaped here; the words around them are
fixed."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe

from openmash.core.templatetags.govuk import govuk_date, govuk_datetime


def return_cards(returns: Iterable[Any]) -> SafeString:
    """A summary card for each request (``ReturnSummary``): its agency and status; what it returned (the
    summary, risk and protective factors, when and by whom, each history item), that the family is not
    known to it, when it is due (overdue or not), or that it is no longer needed."""
    return mark_safe("".join(_card(item) for item in returns))  # noqa: S308 - each value escaped below


def _card(item: Any) -> str:
    request = item.request
    agency = escape(str(request.agency.name))
    colour = (
        "govuk-tag--orange"
        if request.is_open
        else "govuk-tag--grey"
        if request.status == "withdrawn"
        else "govuk-tag--green"
    )
    if request.status == "returned":
        content = _returned(request, agency)
    elif request.status == "nil_return":
        answered = (
            f" (answered at {escape(govuk_datetime(request.returned_at))})" if request.returned_at else ""
        )
        content = f'\n    <p class="govuk-body">Not known to {agency}{answered}.</p>\n    '
    elif request.is_open:
        overdue = '<strong class="govuk-tag govuk-tag--red">Overdue</strong> ' if item.overdue else ""
        due = escape(str(item.due))
        content = f'\n    <p class="govuk-body">{overdue}Not returned yet: due by {due}.</p>\n    '
    else:
        content = '\n    <p class="govuk-body">No longer needed.</p>\n    '
    return (
        "\n"
        '<div class="govuk-summary-card" data-testid="summary-return">\n'
        '  <div class="govuk-summary-card__title-wrapper">\n'
        f'    <h3 class="govuk-summary-card__title">{agency}</h3>\n'
        f'    <strong class="govuk-tag {colour}">{escape(str(request.get_status_display()))}</strong>\n'
        "  </div>\n"
        '  <div class="govuk-summary-card__content">\n'
        f"    {content}\n"
        "  </div>\n"
        "</div>\n"
    )


def _row(key: str, value: str, testid: str = "") -> str:
    return (
        '      <div class="govuk-summary-list__row">\n'
        f'        <dt class="govuk-summary-list__key">{key}</dt>\n'
        f'        <dd class="govuk-summary-list__value"{testid}>{value}</dd>\n'
        "      </div>\n"
    )


def _returned(request: Any, agency: str) -> str:
    by = f" by {escape(str(request.returned_by))}" if request.returned_by else ""
    summary = (
        "\n"
        '    <dl class="govuk-summary-list">\n'
        + _row("Summary", linebreaksbr(request.summary))
        + _row("Risk factors", linebreaksbr(request.risk_factors) or "None given")
        + _row("Protective factors", linebreaksbr(request.protective_factors) or "None given")
        + _row("History items", escape(str(request.history_count)), ' data-testid="history-count"')
        + _row("Returned", f"{escape(govuk_datetime(request.returned_at))}{by}")
        + "    </dl>\n    "
    )
    if not request.history_count:
        return f"{summary}\n    "
    items = "".join(
        "\n"
        '        <tr class="govuk-table__row" data-testid="returned-item">\n'
        f'          <td class="govuk-table__cell openmash-nowrap">{escape(govuk_date(h.occurred_on))}</td>\n'
        f'          <td class="govuk-table__cell"><strong>{escape(str(h.get_kind_display()))}</strong> · '
        f"{escape(str(h.get_significance_display()))}<br>{escape(str(h.description))}</td>\n"
        '          <td class="govuk-table__cell"><span class="openmash-mono openmash-nowrap">'
        f"{escape(str(h.source_reference))}</span></td>\n"
        "        </tr>\n      "
        for h in request.history.all()
    )
    return (
        f"{summary}\n"
        '    <table class="govuk-table openmash-table-wide" data-testid="returned-items">\n'
        '      <caption class="govuk-table__caption govuk-table__caption--s">'
        f"What {agency} returned</caption>\n"
        '      <thead class="govuk-table__head"><tr class="govuk-table__row">\n'
        '        <th scope="col" class="govuk-table__header">Date</th>\n'
        '        <th scope="col" class="govuk-table__header">Event</th>\n'
        '        <th scope="col" class="govuk-table__header">Reference</th>\n'
        "      </tr></thead>\n"
        '      <tbody class="govuk-table__body">\n'
        f"      {items}\n"
        "      </tbody>\n"
        "    </table>\n    "
        "\n    "
    )
