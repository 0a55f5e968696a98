"""The case page's outcome notices written in Python (ADR 0043): the markup feedback/_case_feedback.html
wrote for each notice, without Django's template engine drawing each value. Every value from the database
is escaped here; the words around them are fixed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from openmash.core.govuk_html import escape
from openmash.core.templatetags.govuk import govuk_datetime
from openmash.core.urls import object_url

HINT = '<span class="govuk-hint govuk-!-margin-bottom-0">'


def notice_rows(notices: Iterable[Any], case: Any, *, may_resend: bool) -> SafeString:
    """One table row for each notice: to whom (the referrer or an agency, its address, whether the
    decision went ahead without its information), its delivery (and for a failed one, its error, the next
    try and, for those who may, the link to send it again), when it was sent and when it was read."""
    return mark_safe(  # noqa: S308 - each value escaped below
        "".join(_notice_row(notice, case, may_resend) for notice in notices)
    )


def _notice_row(notice: Any, case: Any, may_resend: bool) -> str:
    if notice.recipient == "referrer":
        referral = case.referral
        to = f"Referrer: {escape(referral.referrer_name)}, {escape(referral.referrer_organisation)}"
    else:
        to = escape(notice.agency.name) if notice.agency else ""
    email = f"<br>{HINT}{escape(notice.email)}</span>" if notice.email else ""
    without = (
        f"<br>{HINT}Decided without its information</span>"
        if notice.recipient == "agency" and not notice.contributed
        else ""
    )
    sent = escape(govuk_datetime(notice.sent_at)) or "Not sent"
    read = escape(govuk_datetime(notice.read_at)) or "Not yet"
    return (
        '\n    <tr class="govuk-table__row">\n'
        '      <th scope="row" class="govuk-table__header">\n'
        f"        {to}\n"
        f"        {email}\n"
        f"        {without}\n"
        "      </th>\n"
        '      <td class="govuk-table__cell">\n'
        f"        {_delivery(notice, may_resend)}\n"
        "      </td>\n"
        f'      <td class="govuk-table__cell">{sent}</td>\n'
        f'      <td class="govuk-table__cell">{read}</td>\n'
        "    </tr>\n    "
    )


def _delivery(notice: Any, may_resend: bool) -> str:
    after = "\n        "  # the template's line break before its next branch
    if notice.delivery == "sent":
        return f'<strong class="govuk-tag govuk-tag--green">Sent</strong>{after}'
    if notice.delivery == "failed":
        error = f"<br>{HINT}{escape(notice.error)}</span>" if notice.error else ""
        if notice.next_attempt_at:
            tries = "" if notice.attempts == 1 else "s"
            next_try = (
                f"Tried {escape(notice.attempts)} time{tries}; trying again "
                f"{escape(govuk_datetime(notice.next_attempt_at))}"
            )
        else:
            next_try = "No more automatic tries"
        resend = ""
        if may_resend:
            whom = escape(notice.agency.name) if notice.agency else "the referrer"
            resend = (
                f'<br><a class="govuk-link" href="{escape(object_url("feedback:failed", notice.pk))}" '
                'data-testid="notice-failed-link">Send again or give up<span class="govuk-visually-hidden">'
                f" the notice to {whom}</span></a>"
            )
        return (
            f'<strong class="govuk-tag govuk-tag--red">Failed</strong>{error}<br>{HINT}{next_try}</span>'
            f"{resend}{after}"
        )
    if notice.delivery == "given_up":
        return (
            '<strong class="govuk-tag govuk-tag--grey">Given up</strong><br>'
            f"{HINT}{escape(notice.given_up_reason)}</span>{after}"
        )
    if notice.delivery == "no_address":
        return (
            '<strong class="govuk-tag govuk-tag--yellow">No email address</strong><br>'
            f"{HINT}In OpenMASH only</span>{after}"
        )
    return '<strong class="govuk-tag govuk-tag--grey">Waiting to send</strong>'
