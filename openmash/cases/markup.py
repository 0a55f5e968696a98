"""The screening queue's rows and the case page's timeline written in Python (ADR 0043): the same
markup the templates wrote for each row, without Django's template engine drawing fifty rows of a dozen
values each (a sixth of the queue's time). Every value from the database is escaped here; the words
around them are fixed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from openmash.cases.selectors import CaseRow
from openmash.core.govuk_html import escape
from openmash.core.urls import object_url

REREFERRAL = '<br><strong class="govuk-tag govuk-tag--pink" data-testid="rereferral">Re-referral</strong>'
OVERDUE = '<strong class="govuk-tag govuk-tag--red" data-testid="overdue">Overdue</strong><br>'


def queue_rows(rows: Sequence[CaseRow]) -> SafeString:
    """The screening queue's table rows: who is referred (a link to the case), how long the contact has
    waited, who referred, the concerns, when the decision is due, and the link to screen it."""
    return mark_safe("".join(_queue_row(row) for row in rows))  # noqa: S308 - each value escaped below


def _queue_row(row: CaseRow) -> str:
    case = row.case
    referral = case.referral
    children, reference = escape(row.children), escape(case.reference)
    detail, screen = escape(object_url("cases:detail", case.pk)), escape(object_url("cases:screen", case.pk))
    return (
        '\n    <tr class="govuk-table__row" data-testid="queue-row">\n'
        '      <td class="govuk-table__cell">\n'
        f'        <a class="govuk-link" href="{detail}" data-testid="child">{children}</a><br>\n'
        f'        <span class="govuk-body-s">{reference}</span>\n'
        f"        {REREFERRAL if row.rereferral else ''}\n"
        "      </td>\n"
        '      <td class="govuk-table__cell">\n'
        f'        <span data-testid="waiting">{escape(row.waiting)}</span><br>\n'
        f'        <span class="govuk-body-s">Received {escape(row.received)}</span>\n'
        "      </td>\n"
        f'      <td class="govuk-table__cell">{escape(referral.referrer_organisation)}<br>'
        f'<span class="govuk-body-s">{escape(referral.get_source_display())}</span></td>\n'
        f'      <td class="govuk-table__cell">{escape(row.concerns)}</td>\n'
        '      <td class="govuk-table__cell">\n'
        f"        {OVERDUE if row.overdue else ''}\n"
        f"        {escape(row.decision_due)}\n"
        "      </td>\n"
        '      <td class="govuk-table__cell">\n'
        f'        <a class="govuk-link" href="{screen}">Screen'
        f'<span class="govuk-visually-hidden"> contact for {children} ({reference})</span></a>\n'
        "      </td>\n"
        "    </tr>\n    "
    )


def history_items(entries: Sequence[Any]) -> SafeString:
    """The case page's timeline (its history, newest first): each entry's title, who, when (with the
    moment in ISO 8601 for the <time> element) and any reason, its line breaks kept."""
    return mark_safe("".join(_history_item(entry) for entry in entries))  # noqa: S308 - each value escaped


def _history_item(entry: Any) -> str:
    reason = (
        f'<div class="moj-timeline__description"><p class="govuk-body">{linebreaksbr(entry.reason)}</p></div>'
        if entry.reason
        else ""
    )
    at = timezone.localtime(entry.at).isoformat() if isinstance(entry.at, datetime) else ""
    return (
        '\n      <div class="moj-timeline__item">\n'
        '        <div class="moj-timeline__header">\n'
        f'          <h3 class="moj-timeline__title">{conditional_escape(entry.title)}</h3>\n'
        f'          <p class="moj-timeline__byline">by {conditional_escape(entry.by)}</p>\n'
        "        </div>\n"
        '        <p class="moj-timeline__date">'
        f'<time datetime="{at}">{conditional_escape(entry.when)}</time></p>\n'
        f"        {reason}\n"
        "      </div>\n      "
    )
