"""The screening queue's rows, the case page's timeline and the referral panel written in Python
(ADR 0043): the same markup the templates wrote for each row, without Django's template engine drawing
fifty rows of a dozen values each (a sixth of the queue's time). Every value from the database is escaped
here; the words around them are fixed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.template.defaultfilters import capfirst, linebreaksbr
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from openmash.cases.selectors import CaseRow
from openmash.core.govuk_html import escape
from openmash.core.templatetags.govuk import govuk_date
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


REREFERRAL_WARNING = "referrals/_rereferral_warning.html"


def referral_panel(context: Any) -> SafeString:
    """The referral as the hub received it, on the case page and beside the screening form: any earlier
    referrals of the child (the re-referral warning, with the references the reader may open), who
    referred and why, and each person named. Context: referral, people, received, referrer_level,
    earlier_viewable."""
    referral = context["referral"]
    warning = ""
    if referral.earlier_referrals.all():  # read with the page (cases.selectors.earlier_referrals)
        warning = "\n  " + render_to_string(
            REREFERRAL_WARNING,
            {"referral": referral, "earlier_viewable": context["earlier_viewable"], "show_details": True},
        )
    level = context["referrer_level"]
    if level:
        level_text = escape(level)
    elif referral.referrer_level:
        level_text = f"Level {escape(referral.referrer_level)}"
    else:
        level_text = "Not given"
    referrer = escape(referral.referrer_name)
    if referral.referrer_job_title:
        referrer += f", {escape(referral.referrer_job_title)}"
    contact = "".join(
        f"\n    <br>{escape(value)}" for value in (referral.referrer_email, referral.referrer_phone) if value
    )
    concerns = "".join(f"<li>{escape(label)}</li>" for label in referral.concern_labels())
    referred = escape(capfirst(referral.subject_words.referred))
    people = "".join(_person_card(person, referred) for person in context["people"])
    return mark_safe(  # noqa: S308 - each value escaped above and below
        '\n<h2 class="govuk-heading-m" id="referral">The referral</h2>\n'
        f"{warning}\n"
        '<dl class="govuk-summary-list">\n'
        + _row("Reference", escape(referral.reference))
        + _row(
            "Received",
            f'{escape(context["received"])}<br><span class="govuk-body-s">'
            f"{escape(referral.get_channel_display())}</span>",
        )
        + '  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Referrer</dt>'
        '<dd class="govuk-summary-list__value">\n'
        f"    {referrer}<br>\n"
        f"    {escape(referral.referrer_organisation)}{contact}\n"
        "  </dd></div>\n"
        + _row("Referral source", escape(referral.get_source_display()))
        + _row("Kinds of concern", f'\n    <ul class="govuk-list">{concerns}</ul>\n  ')
        + _row("Concerns", linebreaksbr(referral.concerns))
        + _row("Referrer's view of the level of need", level_text)
        + _row("Family's consent", escape(referral.get_family_consent_display()))
        + '</dl>\n<h3 class="govuk-heading-s">People named</h3>\n'
        + people
    )


def _row(key: str, value: str) -> str:
    """A summary list row: ``key`` is fixed words, ``value`` escaped already."""
    return (
        f'  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{key}</dt>'
        f'<dd class="govuk-summary-list__value">{value}</dd></div>\n'
    )


def _person_card(person: Any, referred: str) -> str:
    if person.is_subject:
        tag = f' <strong class="govuk-tag govuk-tag--blue">{referred}</strong>'
    else:
        tag = f' <span class="govuk-body-s">({escape(person.get_relationship_display())})</span>'
    born = escape(govuk_date(person.date_of_birth) or "Not known")
    rows = [("Date of birth", born), ("Sex", escape(person.get_sex_display()))]
    if person.nhs_number:
        rows.append(("NHS number", escape(person.nhs_number)))
    if person.address or person.postcode:
        postcode = f"<br>{escape(person.postcode)}" if person.postcode else ""
        rows.append(("Address", f"{escape(person.address)}{postcode}"))
    if person.school:
        rows.append(("School", escape(person.school)))
    return (
        '<div class="govuk-summary-card">\n'
        '  <div class="govuk-summary-card__title-wrapper">\n'
        f'    <h4 class="govuk-summary-card__title">{escape(person.given_name)} {escape(person.family_name)}'
        f"{tag}</h4>\n"
        "  </div>\n"
        '  <div class="govuk-summary-card__content">\n'
        '    <dl class="govuk-summary-list">\n'
        + "".join(f"    {_row(key, value)}" for key, value in rows)
        + "    </dl>\n"
        "  </div>\n"
        "</div>\n"
    )
