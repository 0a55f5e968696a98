"""The decision page's summary of each agency's return and the case page's decision written in Python
are the markup decisions/record.html and decisions/_case_decision.html wrote, character for character,
whatever the names and words hold (ADR 0043)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.core.tests.markup import Rows
from openmash.enquiries.models import OPEN_STATUSES, HistoryItem, HistoryType, RequestStatus, Significance

# The cards as the page's template wrote them before they were written in Python.
OLD = """{% for item in returns %}{% with request=item.request %}
<div class="govuk-summary-card" data-testid="summary-return">
  <div class="govuk-summary-card__title-wrapper">
    <h3 class="govuk-summary-card__title">{{ request.agency.name }}</h3>
    <strong class="govuk-tag {% if request.is_open %}govuk-tag--orange{% elif request.status == 'withdrawn' %}govuk-tag--grey{% else %}govuk-tag--green{% endif %}">{{ request.get_status_display }}</strong>
  </div>
  <div class="govuk-summary-card__content">
    {% if request.status == "returned" %}
    <dl class="govuk-summary-list">
      <div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">Summary</dt>
        <dd class="govuk-summary-list__value">{{ request.summary|linebreaksbr }}</dd>
      </div>
      <div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">Risk factors</dt>
        <dd class="govuk-summary-list__value">{{ request.risk_factors|linebreaksbr|default:"None given" }}</dd>
      </div>
      <div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">Protective factors</dt>
        <dd class="govuk-summary-list__value">{{ request.protective_factors|linebreaksbr|default:"None given" }}</dd>
      </div>
      <div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">History items</dt>
        <dd class="govuk-summary-list__value" data-testid="history-count">{{ request.history_count }}</dd>
      </div>
      <div class="govuk-summary-list__row">
        <dt class="govuk-summary-list__key">Returned</dt>
        <dd class="govuk-summary-list__value">{{ request.returned_at|govuk_datetime }}{% if request.returned_by %} by {{ request.returned_by }}{% endif %}</dd>
      </div>
    </dl>
    {% if request.history_count %}
    <table class="govuk-table openmash-table-wide" data-testid="returned-items">
      <caption class="govuk-table__caption govuk-table__caption--s">What {{ request.agency.name }} returned</caption>
      <thead class="govuk-table__head"><tr class="govuk-table__row">
        <th scope="col" class="govuk-table__header">Date</th>
        <th scope="col" class="govuk-table__header">Event</th>
        <th scope="col" class="govuk-table__header">Reference</th>
      </tr></thead>
      <tbody class="govuk-table__body">
      {% for h in request.history.all %}
        <tr class="govuk-table__row" data-testid="returned-item">
          <td class="govuk-table__cell openmash-nowrap">{{ h.occurred_on|govuk_date }}</td>
          <td class="govuk-table__cell"><strong>{{ h.get_kind_display }}</strong> · {{ h.get_significance_display }}<br>{{ h.description }}</td>
          <td class="govuk-table__cell"><span class="openmash-mono openmash-nowrap">{{ h.source_reference }}</span></td>
        </tr>
      {% endfor %}
      </tbody>
    </table>
    {% endif %}
    {% elif request.status == "nil_return" %}
    <p class="govuk-body">Not known to {{ request.agency.name }}{% if request.returned_at %} (answered at {{ request.returned_at|govuk_datetime }}){% endif %}.</p>
    {% elif request.is_open %}
    <p class="govuk-body">{% if item.overdue %}<strong class="govuk-tag govuk-tag--red">Overdue</strong> {% endif %}Not returned yet: due by {{ item.due }}.</p>
    {% else %}
    <p class="govuk-body">No longer needed.</p>
    {% endif %}
  </div>
</div>
{% endwith %}{% empty %}
<div class="govuk-inset-text">No agency was asked for information about this case.</div>
{% endfor %}
"""  # noqa: E501
NOW = """{% load decision_markup %}{% if returns %}{% return_cards returns %}{% else %}
<div class="govuk-inset-text">No agency was asked for information about this case.</div>
{% endif %}
"""
words = st.text(alphabet=st.sampled_from("ab <>&\"'/=é\r\n"), max_size=12)
MOMENT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@st.composite
def summaries(draw: st.DrawFn) -> SimpleNamespace:
    status = draw(st.sampled_from(RequestStatus.values))
    items = [
        HistoryItem(
            occurred_on=draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))),
            kind=draw(st.sampled_from(HistoryType.values)),
            description=draw(words),
            significance=draw(st.sampled_from(Significance.values)),
            source_reference=draw(words),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    request = SimpleNamespace(
        agency=SimpleNamespace(name=draw(words)),
        status=status,
        is_open=status in OPEN_STATUSES,
        get_status_display=lambda: RequestStatus(status).label,
        summary=draw(words),
        risk_factors=draw(words),
        protective_factors=draw(words),
        history=Rows(items),
        history_count=len(items),
        returned_at=draw(
            st.none() | st.integers(-(10**6), 10**6).map(lambda m: MOMENT + timedelta(minutes=m))
        ),
        returned_by=draw(st.none() | words),
    )
    return SimpleNamespace(request=request, due=draw(words), overdue=draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(st.lists(summaries(), max_size=4))
def test_the_return_cards_are_the_templates_markup(returns: list[SimpleNamespace]) -> None:
    django = engines["django"]
    context = {"returns": returns}
    assert django.from_string(NOW).render(context) == django.from_string(OLD).render(context)


# The case page's decision as decisions/_case_decision.html wrote it before it was written in Python.
CASE_DECISION = """{% comment %}
The hub's decision on a case, for the case page. Context: `case`. Shows nothing until the case is decided.
Include it only for people who see the whole case (cases.selectors.sees_whole_case): it holds every
agency's view and any challenge.
{% endcomment %}
{% with decision=case.decision %}{% if decision %}
<section aria-labelledby="case-decision-heading" data-testid="case-decision">
  <h2 class="govuk-heading-m" id="case-decision-heading">Decision</h2>
  <dl class="govuk-summary-list">
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Outcome</dt>
      <dd class="govuk-summary-list__value" data-testid="decision-outcome">
        {{ decision.get_outcome_display }}{% if decision.lead_agency %}<br>Lead agency: {{ decision.lead_agency.name }}{% endif %}{% if decision.other_service %}<br>Service: {{ decision.other_service }}{% endif %}
      </dd>
    </div>
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Level of need decided</dt>
      <dd class="govuk-summary-list__value" data-testid="decision-level">
        {{ decision.level }}
        {% if decision.level_change == "escalated" %}<strong class="govuk-tag govuk-tag--orange" data-testid="level-change">Escalated</strong>
        {% elif decision.level_change == "de_escalated" %}<strong class="govuk-tag govuk-tag--purple" data-testid="level-change">De-escalated</strong>
        {% elif decision.level_change == "same" %}<strong class="govuk-tag govuk-tag--grey" data-testid="level-change">Same as the referrer's view</strong>
        {% else %}<strong class="govuk-tag govuk-tag--grey" data-testid="level-change">Referrer gave no view</strong>{% endif %}
        {% if case.referral.referrer_level %}<p class="govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0">The referrer's view was level {{ case.referral.referrer_level }}.</p>{% endif %}
      </dd>
    </div>
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Reasons</dt>
      <dd class="govuk-summary-list__value" data-testid="decision-rationale">{{ decision.rationale|linebreaksbr }}</dd>
    </div>
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Information considered</dt>
      <dd class="govuk-summary-list__value">{{ decision.information_considered|linebreaksbr|default:"Not recorded" }}</dd>
    </div>
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Who took part</dt>
      <dd class="govuk-summary-list__value">{{ decision.participants|linebreaksbr|default:"Not recorded" }}</dd>
    </div>
    {% if decision.proceeded_without %}
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Went ahead without</dt>
      <dd class="govuk-summary-list__value" data-testid="decision-proceeded-without">
        {{ decision.proceeded_without|join:", " }}
        <p class="govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-0">Reason: {{ decision.proceed_reason|linebreaksbr }}</p>
      </dd>
    </div>
    {% endif %}
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">Decided by</dt>
      <dd class="govuk-summary-list__value" data-testid="decision-by">{{ decision.decided_by }}{% if decision.decided_by.agency %}, {{ decision.decided_by.agency.name }}{% endif %}, at {{ decision.decided_at|govuk_datetime }}</dd>
    </div>
  </dl>

  {% with views=decision.views.all %}
  <table class="govuk-table" data-testid="decision-views">
    <caption class="govuk-table__caption govuk-table__caption--s">Each agency's view</caption>
    {% if views %}
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Agency</th>
      <th scope="col" class="govuk-table__header">View</th>
      <th scope="col" class="govuk-table__header">Comment</th>
    </tr></thead>
    <tbody class="govuk-table__body">
      {% for view in views %}
      <tr class="govuk-table__row">
        <th scope="row" class="govuk-table__header">{{ view.agency.name }}</th>
        <td class="govuk-table__cell"><strong class="govuk-tag {% if view.view == 'agree' %}govuk-tag--green{% else %}govuk-tag--red{% endif %}">{{ view.get_view_display }}</strong></td>
        <td class="govuk-table__cell">{{ view.comment|linebreaksbr|default:"No comment" }}</td>
      </tr>
      {% endfor %}
    </tbody>
    {% else %}
    <tbody class="govuk-table__body"><tr class="govuk-table__row"><td class="govuk-table__cell">No agency's view was recorded.</td></tr></tbody>
    {% endif %}
  </table>
  {% endwith %}

  {% with challenges=decision.challenges.all %}
  <h3 class="govuk-heading-s">Challenges</h3>
  {% for challenge in challenges %}
  <div class="govuk-summary-card" data-testid="decision-challenge">
    <div class="govuk-summary-card__title-wrapper"><h4 class="govuk-summary-card__title">Challenge by {{ challenge.raised_by }}{% if challenge.agency %}, {{ challenge.agency.name }}{% endif %}</h4></div>
    <div class="govuk-summary-card__content">
      <dl class="govuk-summary-list">
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">Challenge</dt>
          <dd class="govuk-summary-list__value">{{ challenge.challenge|linebreaksbr }}</dd>
        </div>
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">Resolution</dt>
          <dd class="govuk-summary-list__value">{{ challenge.resolution|linebreaksbr|default:"Not resolved in the hub" }}</dd>
        </div>
        {% if challenge.escalated_to %}
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">Escalated to</dt>
          <dd class="govuk-summary-list__value">{{ challenge.escalated_to }}</dd>
        </div>
        {% endif %}
      </dl>
    </div>
  </div>
  {% empty %}
  <p class="govuk-body" data-testid="decision-no-challenges">No challenge or dissent was recorded.</p>
  {% endfor %}
  {% endwith %}

  {% with actions=decision.actions.all %}
  <table class="govuk-table" data-testid="decision-actions">
    <caption class="govuk-table__caption govuk-table__caption--s">Actions</caption>
    {% if actions %}
    <thead class="govuk-table__head"><tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Action</th>
      <th scope="col" class="govuk-table__header">Owner</th>
      <th scope="col" class="govuk-table__header">Due</th>
    </tr></thead>
    <tbody class="govuk-table__body">
      {% for action in actions %}
      <tr class="govuk-table__row">
        <td class="govuk-table__cell">{{ action.description|linebreaksbr }}</td>
        <td class="govuk-table__cell">{{ action.owner }}{% if action.owner_agency %}, {{ action.owner_agency.name }}{% endif %}</td>
        <td class="govuk-table__cell">{{ action.due_on|govuk_date }}</td>
      </tr>
      {% endfor %}
    </tbody>
    {% else %}
    <tbody class="govuk-table__body"><tr class="govuk-table__row"><td class="govuk-table__cell">No actions were agreed.</td></tr></tbody>
    {% endif %}
  </table>
  {% endwith %}
  {% with challenges=decision.outcome_challenges.all %}{% if challenges %}
  <h3 class="govuk-heading-s" id="outcome-challenges">Challenges to the outcome</h3>
  {% for challenge in challenges %}
  <div class="govuk-inset-text" data-testid="outcome-challenge">
    <p class="govuk-body">{% if challenge.notice.agency %}{{ challenge.notice.agency.name }}{% else %}The referrer{% endif %}, {{ challenge.raised_at|govuk_date }}: {{ challenge.reasons|linebreaksbr }}</p>
    {% if challenge.is_open %}<p class="govuk-body govuk-!-margin-bottom-0"><strong class="govuk-tag govuk-tag--yellow">Waiting for an answer</strong>{% if may_answer_challenges %} <a class="govuk-link" href="{% object_url 'decisions:challenge-answer' challenge.pk %}">Answer it</a>{% endif %}</p>
    {% else %}<p class="govuk-body govuk-!-margin-bottom-0"><strong>{{ challenge.get_result_display }}</strong> ({{ challenge.answered_at|govuk_date }}): {{ challenge.answer|linebreaksbr }}</p>{% endif %}
  </div>
  {% endfor %}
  {% endif %}{% endwith %}
</section>
{% endif %}{% endwith %}
"""  # noqa: E501
DECISION_PARTIAL = Path(__file__).resolve().parents[1] / "templates" / "decisions" / "_case_decision.html"


class _Person:
    def __init__(self, name: str, agency: Any) -> None:
        self.name, self.agency = name, agency

    def __str__(self) -> str:
        return self.name


def _agency(draw: st.DrawFn) -> Any:
    return draw(st.none() | st.builds(SimpleNamespace, name=words))


def _said(words: str) -> Any:
    return lambda: words


moment = st.integers(-(10**6), 10**6).map(lambda m: MOMENT + timedelta(minutes=m))


@st.composite
def decided_cases(draw: st.DrawFn) -> dict[str, Any]:
    views = [
        SimpleNamespace(
            agency=SimpleNamespace(name=draw(words)),
            view=draw(st.sampled_from(["agree", "disagree"])),
            get_view_display=_said(draw(words)),
            comment=draw(words),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    challenges = [
        SimpleNamespace(
            raised_by=draw(words),
            agency=_agency(draw),
            challenge=draw(words),
            resolution=draw(words),
            escalated_to=draw(words),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    actions = [
        SimpleNamespace(
            description=draw(words),
            owner=draw(words),
            owner_agency=_agency(draw),
            due_on=draw(st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1))),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    outcome_challenges = []
    for n in range(draw(st.integers(0, 2))):
        answered = draw(st.none() | moment)
        outcome_challenges.append(
            SimpleNamespace(
                pk=UUID(int=n + 1),
                notice=SimpleNamespace(agency=_agency(draw)),
                raised_at=draw(moment),
                reasons=draw(words),
                is_open=answered is None,
                answered_at=answered,
                get_result_display=_said(draw(words)),
                answer=draw(words),
            )
        )
    decision = SimpleNamespace(
        get_outcome_display=_said(draw(words)),
        lead_agency=_agency(draw),
        other_service=draw(words),
        level=draw(words),
        level_change=draw(st.sampled_from(["escalated", "de_escalated", "same", ""])),
        rationale=draw(words),
        information_considered=draw(words),
        participants=draw(words),
        proceeded_without=draw(st.lists(words, max_size=3)),
        proceed_reason=draw(words),
        decided_by=_Person(draw(words), _agency(draw)),
        decided_at=draw(moment),
        views=Rows(views),
        challenges=Rows(challenges),
        actions=Rows(actions),
        outcome_challenges=Rows(outcome_challenges),
    )
    case = SimpleNamespace(
        decision=draw(st.none() | st.just(decision)),
        referral=SimpleNamespace(referrer_level=draw(st.none() | st.integers(0, 4))),
    )
    context: dict[str, Any] = {"case": case}
    if draw(st.booleans()):
        context["may_answer_challenges"] = draw(st.booleans())
    return context


@settings(max_examples=300, deadline=None)
@given(decided_cases())
def test_the_case_pages_decision_is_the_templates_markup(context: dict[str, Any]) -> None:
    django = engines["django"]
    new = DECISION_PARTIAL.read_text()
    assert "case_decision" in new
    assert django.from_string(new).render(context) == django.from_string(CASE_DECISION).render(context)
