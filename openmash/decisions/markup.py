"""The decision page's summary of each agency's return written in Python (ADR 0043): the markup
decisions/record.html wrote for each request and each history item it returned, without Django's template
engine drawing each value. Every value from the database is escaped here; the words around them are
fixed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import SafeString, mark_safe

from openmash.core.govuk_html import escape
from openmash.core.templatetags.govuk import govuk_date, govuk_datetime
from openmash.core.urls import object_url


def return_cards(returns: Iterable[Any]) -> SafeString:
    """A summary card for each request (``ReturnSummary``): its agency and status; what it returned (the
    summary, risk and protective factors, when and by whom, each history item), that the family is not
    known to it, when it is due (overdue or not), or that it is no longer needed."""
    return mark_safe("".join(_card(item) for item in returns))  # noqa: S308 - each value escaped below


def _card(item: Any) -> str:
    request = item.request
    agency = escape(request.agency.name)
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
        due = escape(item.due)
        content = f'\n    <p class="govuk-body">{overdue}Not returned yet: due by {due}.</p>\n    '
    else:
        content = '\n    <p class="govuk-body">No longer needed.</p>\n    '
    return (
        "\n"
        '<div class="govuk-summary-card" data-testid="summary-return">\n'
        '  <div class="govuk-summary-card__title-wrapper">\n'
        f'    <h3 class="govuk-summary-card__title">{agency}</h3>\n'
        f'    <strong class="govuk-tag {colour}">{escape(request.get_status_display())}</strong>\n'
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
    by = f" by {escape(request.returned_by)}" if request.returned_by else ""
    summary = (
        "\n"
        '    <dl class="govuk-summary-list">\n'
        + _row("Summary", linebreaksbr(request.summary))
        + _row("Risk factors", linebreaksbr(request.risk_factors) or "None given")
        + _row("Protective factors", linebreaksbr(request.protective_factors) or "None given")
        + _row("History items", escape(request.history_count), ' data-testid="history-count"')
        + _row("Returned", f"{escape(govuk_datetime(request.returned_at))}{by}")
        + "    </dl>\n    "
    )
    if not request.history_count:
        return f"{summary}\n    "
    items = "".join(
        "\n"
        '        <tr class="govuk-table__row" data-testid="returned-item">\n'
        f'          <td class="govuk-table__cell openmash-nowrap">{escape(govuk_date(h.occurred_on))}</td>\n'
        f'          <td class="govuk-table__cell"><strong>{escape(h.get_kind_display())}</strong> · '
        f"{escape(h.get_significance_display())}<br>{escape(h.description)}</td>\n"
        '          <td class="govuk-table__cell"><span class="openmash-mono openmash-nowrap">'
        f"{escape(h.source_reference)}</span></td>\n"
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


LEVEL_CHANGE_TAGS = {
    "escalated": '<strong class="govuk-tag govuk-tag--orange" data-testid="level-change">Escalated</strong>'
    "\n        ",
    "de_escalated": '<strong class="govuk-tag govuk-tag--purple" data-testid="level-change">De-escalated'
    "</strong>\n        ",
    "same": '<strong class="govuk-tag govuk-tag--grey" data-testid="level-change">'
    "Same as the referrer's view</strong>\n        ",
}
NO_VIEW_TAG = (
    '<strong class="govuk-tag govuk-tag--grey" data-testid="level-change">Referrer gave no view</strong>'
)


def case_decision(decision: Any, case: Any, *, may_answer_challenges: bool) -> SafeString:
    """The case page's decision: its outcome, the level decided against the referrer's view, the reasons,
    who took part and who decided, each agency's view, any challenge or dissent, the actions agreed, and
    any challenge to the outcome after it was sent (with the link to answer it, for those who may)."""
    return mark_safe(  # noqa: S308 - each value escaped below
        "\n"
        '<section aria-labelledby="case-decision-heading" data-testid="case-decision">\n'
        '  <h2 class="govuk-heading-m" id="case-decision-heading">Decision</h2>\n'
        f"{_summary(decision, case)}"
        f"\n  {_views(decision.views.all())}"
        f"\n\n  {_challenges(decision.challenges.all())}"
        f"\n\n  {_actions(decision.actions.all())}"
        f"\n  {_outcome_challenges(decision.outcome_challenges.all(), may_answer_challenges)}"
        "\n</section>\n"
    )


def _summary(decision: Any, case: Any) -> str:
    outcome = escape(decision.get_outcome_display())
    if decision.lead_agency:
        outcome += f"<br>Lead agency: {escape(decision.lead_agency.name)}"
    if decision.other_service:
        outcome += f"<br>Service: {escape(decision.other_service)}"
    change = LEVEL_CHANGE_TAGS.get(decision.level_change, f"{NO_VIEW_TAG}")
    referrer_level = case.referral.referrer_level
    referrers = (
        '<p class="govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0">'
        f"The referrer's view was level {escape(referrer_level)}.</p>"
        if referrer_level
        else ""
    )
    proceeded = ""
    if decision.proceeded_without:
        proceeded = (
            '\n    <div class="govuk-summary-list__row">\n'
            '      <dt class="govuk-summary-list__key">Went ahead without</dt>\n'
            '      <dd class="govuk-summary-list__value" data-testid="decision-proceeded-without">\n'
            f"        {', '.join(escape(name) for name in decision.proceeded_without)}\n"
            '        <p class="govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-0">Reason: '
            f"{linebreaksbr(decision.proceed_reason)}</p>\n"
            "      </dd>\n"
            "    </div>\n    "
        )
    by = decision.decided_by
    agency = getattr(by, "agency", None) if by is not None else None
    decided = f"{escape(by)}{f', {escape(agency.name)}' if agency else ''}"
    return (
        '  <dl class="govuk-summary-list">\n'
        '    <div class="govuk-summary-list__row">\n'
        '      <dt class="govuk-summary-list__key">Outcome</dt>\n'
        '      <dd class="govuk-summary-list__value" data-testid="decision-outcome">\n'
        f"        {outcome}\n"
        "      </dd>\n"
        "    </div>\n"
        '    <div class="govuk-summary-list__row">\n'
        '      <dt class="govuk-summary-list__key">Level of need decided</dt>\n'
        '      <dd class="govuk-summary-list__value" data-testid="decision-level">\n'
        f"        {escape(decision.level)}\n"
        f"        {change}\n        {referrers}\n"
        "      </dd>\n"
        "    </div>\n"
        '    <div class="govuk-summary-list__row">\n'
        '      <dt class="govuk-summary-list__key">Reasons</dt>\n'
        '      <dd class="govuk-summary-list__value" data-testid="decision-rationale">'
        f"{linebreaksbr(decision.rationale)}</dd>\n"
        "    </div>\n"
        '    <div class="govuk-summary-list__row">\n'
        '      <dt class="govuk-summary-list__key">Information considered</dt>\n'
        '      <dd class="govuk-summary-list__value">'
        f"{linebreaksbr(decision.information_considered) or 'Not recorded'}</dd>\n"
        "    </div>\n"
        '    <div class="govuk-summary-list__row">\n'
        '      <dt class="govuk-summary-list__key">Who took part</dt>\n'
        '      <dd class="govuk-summary-list__value">'
        f"{linebreaksbr(decision.participants) or 'Not recorded'}</dd>\n"
        "    </div>\n"
        f"    {proceeded}\n"
        '    <div class="govuk-summary-list__row">\n'
        '      <dt class="govuk-summary-list__key">Decided by</dt>\n'
        '      <dd class="govuk-summary-list__value" data-testid="decision-by">'
        f"{decided}, at {escape(govuk_datetime(decision.decided_at))}</dd>\n"
        "    </div>\n"
        "  </dl>\n"
    )


def _views(views: Any) -> str:
    rows = "".join(
        "\n"
        '      <tr class="govuk-table__row">\n'
        f'        <th scope="row" class="govuk-table__header">{escape(view.agency.name)}</th>\n'
        '        <td class="govuk-table__cell"><strong class="govuk-tag '
        f'{"govuk-tag--green" if view.view == "agree" else "govuk-tag--red"}">'
        f"{escape(view.get_view_display())}</strong></td>\n"
        f'        <td class="govuk-table__cell">{linebreaksbr(view.comment) or "No comment"}</td>\n'
        "      </tr>\n      "
        for view in views
    )
    return _table("decision-views", "Each agency's view", ("Agency", "View", "Comment"), rows, NO_VIEWS)


NO_VIEWS = "No agency's view was recorded."
NO_ACTIONS = "No actions were agreed."


def _table(testid: str, caption: str, heads: tuple[str, ...], rows: str, none: str) -> str:
    """A table of the decision's views or actions: its caption, its headings and ``rows``, or ``none``
    in a row of its own when there are no rows."""
    if rows:
        headings = "".join(
            f'      <th scope="col" class="govuk-table__header">{head}</th>\n' for head in heads
        )
        body = (
            '<thead class="govuk-table__head"><tr class="govuk-table__row">\n'
            f"{headings}"
            "    </tr></thead>\n"
            '    <tbody class="govuk-table__body">\n'
            f"      {rows}\n"
            "    </tbody>"
        )
    else:
        body = (
            '<tbody class="govuk-table__body"><tr class="govuk-table__row"><td class="govuk-table__cell">'
            f"{none}</td></tr></tbody>"
        )
    return (
        "\n"
        f'  <table class="govuk-table" data-testid="{testid}">\n'
        f'    <caption class="govuk-table__caption govuk-table__caption--s">{caption}</caption>\n'
        f"    \n    {body}\n    \n"
        "  </table>\n  "
    )


def _challenges(challenges: Any) -> str:
    cards = "".join(_challenge(challenge) for challenge in challenges) or (
        '\n  <p class="govuk-body" data-testid="decision-no-challenges">'
        "No challenge or dissent was recorded.</p>\n  "
    )
    return f'\n  <h3 class="govuk-heading-s">Challenges</h3>\n  {cards}\n  '


def _challenge(challenge: Any) -> str:
    agency = f", {escape(challenge.agency.name)}" if challenge.agency else ""
    escalated = (
        "\n"
        '        <div class="govuk-summary-list__row">\n'
        '          <dt class="govuk-summary-list__key">Escalated to</dt>\n'
        f'          <dd class="govuk-summary-list__value">{escape(challenge.escalated_to)}</dd>\n'
        "        </div>\n        "
        if challenge.escalated_to
        else ""
    )
    return (
        "\n"
        '  <div class="govuk-summary-card" data-testid="decision-challenge">\n'
        '    <div class="govuk-summary-card__title-wrapper"><h4 class="govuk-summary-card__title">'
        f"Challenge by {escape(challenge.raised_by)}{agency}</h4></div>\n"
        '    <div class="govuk-summary-card__content">\n'
        '      <dl class="govuk-summary-list">\n'
        '        <div class="govuk-summary-list__row">\n'
        '          <dt class="govuk-summary-list__key">Challenge</dt>\n'
        f'          <dd class="govuk-summary-list__value">{linebreaksbr(challenge.challenge)}</dd>\n'
        "        </div>\n"
        '        <div class="govuk-summary-list__row">\n'
        '          <dt class="govuk-summary-list__key">Resolution</dt>\n'
        '          <dd class="govuk-summary-list__value">'
        f"{linebreaksbr(challenge.resolution) or 'Not resolved in the hub'}</dd>\n"
        "        </div>\n"
        f"        {escalated}\n"
        "      </dl>\n"
        "    </div>\n"
        "  </div>\n  "
    )


def _actions(actions: Any) -> str:
    rows = "".join(
        "\n"
        '      <tr class="govuk-table__row">\n'
        f'        <td class="govuk-table__cell">{linebreaksbr(action.description)}</td>\n'
        f'        <td class="govuk-table__cell">{escape(action.owner)}'
        f"{f', {escape(action.owner_agency.name)}' if action.owner_agency else ''}</td>\n"
        f'        <td class="govuk-table__cell">{escape(govuk_date(action.due_on))}</td>\n'
        "      </tr>\n      "
        for action in actions
    )
    return _table("decision-actions", "Actions", ("Action", "Owner", "Due"), rows, NO_ACTIONS)


def _outcome_challenges(challenges: Any, may_answer: bool) -> str:
    if not challenges:
        return ""
    items = "".join(_outcome_challenge(challenge, may_answer) for challenge in challenges)
    heading = '<h3 class="govuk-heading-s" id="outcome-challenges">Challenges to the outcome</h3>'
    return f"\n  {heading}\n  {items}\n  "


def _outcome_challenge(challenge: Any, may_answer: bool) -> str:
    agency = challenge.notice.agency
    who = escape(agency.name) if agency else "The referrer"
    if challenge.is_open:
        link = (
            f' <a class="govuk-link" href="{escape(object_url("decisions:challenge-answer", challenge.pk))}">'
            "Answer it</a>"
            if may_answer
            else ""
        )
        state = (
            '<p class="govuk-body govuk-!-margin-bottom-0"><strong class="govuk-tag govuk-tag--yellow">'
            f"Waiting for an answer</strong>{link}</p>\n    "
        )
    else:
        state = (
            '<p class="govuk-body govuk-!-margin-bottom-0">'
            f"<strong>{escape(challenge.get_result_display())}</strong>"
            f" ({escape(govuk_date(challenge.answered_at))}): {linebreaksbr(challenge.answer)}</p>"
        )
    return (
        "\n"
        '  <div class="govuk-inset-text" data-testid="outcome-challenge">\n'
        f'    <p class="govuk-body">{who}, {escape(govuk_date(challenge.raised_at))}: '
        f"{linebreaksbr(challenge.reasons)}</p>\n"
        f"    {state}\n"
        "  </div>\n  "
    )
