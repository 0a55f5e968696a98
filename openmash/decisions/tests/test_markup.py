"""The decision page's summary of each agency's return written in Python is the markup
decisions/record.html wrote, character for character, whatever the names and words hold (ADR 0043)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

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


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def all(self) -> list[Any]:
        return self._rows


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
        history=_Rows(items),
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
