"""The screening queue's rows and the case page's timeline written in Python are the markup their
templates wrote, character for character, whatever the names and words hold (ADR 0043)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.cases.markup import queue_rows
from openmash.cases.selectors import CaseLine, CaseRow, ReferralLine
from openmash.cases.views import HistoryEntry
from openmash.referrals.models import Referral

# The rows as the queue's template wrote them before they were written in Python.
TEMPLATE = """{% for row in rows %}
    <tr class="govuk-table__row" data-testid="queue-row">
      <td class="govuk-table__cell">
        <a class="govuk-link" href="{% object_url 'cases:detail' row.case.pk %}" data-testid="child">{{ row.children }}</a><br>
        <span class="govuk-body-s">{{ row.case.reference }}</span>
        {% if row.rereferral %}<br><strong class="govuk-tag govuk-tag--pink" data-testid="rereferral">Re-referral</strong>{% endif %}
      </td>
      <td class="govuk-table__cell">
        <span data-testid="waiting">{{ row.waiting }}</span><br>
        <span class="govuk-body-s">Received {{ row.received }}</span>
      </td>
      <td class="govuk-table__cell">{{ row.case.referral.referrer_organisation }}<br><span class="govuk-body-s">{{ row.case.referral.get_source_display }}</span></td>
      <td class="govuk-table__cell">{{ row.concerns }}</td>
      <td class="govuk-table__cell">
        {% if row.overdue %}<strong class="govuk-tag govuk-tag--red" data-testid="overdue">Overdue</strong><br>{% endif %}
        {{ row.decision_due }}
      </td>
      <td class="govuk-table__cell">
        <a class="govuk-link" href="{% object_url 'cases:screen' row.case.pk %}">Screen<span class="govuk-visually-hidden"> contact for {{ row.children }} ({{ row.case.reference }})</span></a>
      </td>
    </tr>
    {% endfor %}"""  # noqa: E501

SOURCES = [value for value, _ in Referral._meta.get_field("source").flatchoices] + ["not-a-source"]
words = st.text(alphabet=st.sampled_from("ab <>&\"'/=é\n"), max_size=12)
MOMENT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@st.composite
def rows(draw: st.DrawFn) -> CaseRow:
    referral = ReferralLine(
        received_at=MOMENT,
        referrer_organisation=draw(words),
        source=draw(st.sampled_from(SOURCES)),
        concern_categories=[],
        risk_grading="",
        subjects=[],
    )
    case = CaseLine(
        pk=UUID(int=draw(st.integers(0, 2**128 - 1))),
        reference=draw(words),
        status="new",
        rag="",
        decision_due_at=MOMENT + timedelta(days=1),
        status_changed_at=MOMENT,
        level="",
        referral=referral,
        is_rereferral=False,
    )
    return CaseRow(
        case=case,
        children=draw(words),
        received=draw(words),
        waiting=draw(words),
        decision_due=draw(words),
        overdue=draw(st.booleans()),
        rereferral=draw(st.booleans()),
        status_tag="",
        concerns=draw(words),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=4))
def test_the_rows_are_the_templates_markup(drawn: list[CaseRow]) -> None:
    written = engines["django"].from_string(TEMPLATE).render({"rows": drawn})
    assert str(queue_rows(drawn)) == written


# The case page's timeline as cases/detail.html wrote it before it was written in Python.
HISTORY = """      {% for entry in history %}
      <div class="moj-timeline__item">
        <div class="moj-timeline__header">
          <h3 class="moj-timeline__title">{{ entry.title }}</h3>
          <p class="moj-timeline__byline">by {{ entry.by }}</p>
        </div>
        <p class="moj-timeline__date"><time datetime="{{ entry.at|date:'c' }}">{{ entry.when }}</time></p>
        {% if entry.reason %}<div class="moj-timeline__description"><p class="govuk-body">{{ entry.reason|linebreaksbr }}</p></div>{% endif %}
      </div>
      {% endfor %}
"""  # noqa: E501
NOW = """{% load case_markup %}      {% history_items history %}
"""
lines = st.text(alphabet=st.sampled_from("ab <>&\"'\r\n"), max_size=10)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.builds(
            HistoryEntry,
            at=st.datetimes(
                min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - Hypothesis's bounds are naive
                max_value=datetime(2040, 1, 1),  # noqa: DTZ001
                timezones=st.just(UTC),
            ),
            when=words,
            title=words,
            by=words,
            reason=lines,
        ),
        max_size=4,
    )
)
def test_the_timeline_is_the_templates_markup(entries: list[HistoryEntry]) -> None:
    django = engines["django"]
    context = {"history": entries}
    assert django.from_string(NOW).render(context) == django.from_string(HISTORY).render(context)
