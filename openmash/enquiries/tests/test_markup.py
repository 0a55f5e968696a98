"""The requests queue's rows written in Python are the markup its templates wrote, character for
character, whatever the names and words hold (ADR 0043)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.enquiries.markup import open_rows, returned_rows
from openmash.enquiries.models import RequestStatus
from openmash.enquiries.selectors import CaseLine, QueueRow, RequestLine, StaffName
from openmash.hub.models import RagRating
from openmash.referrals.selectors import PersonLine

# The rows as the queue's templates wrote them before they were written in Python.
OPEN = """{% load enquiries %}{% for row in rows %}
    <tr class="govuk-table__row{% if row.overdue %} enquiries-row--overdue{% endif %}" data-testid="request-row">
      <td class="govuk-table__cell enquiries-nowrap"><a class="govuk-link" href="{% object_url 'enquiries:detail' row.request.pk %}">{{ row.request.case.reference }}<span class="govuk-visually-hidden">: request about {{ row.child|default:"the person referred" }}</span></a></td>
      <td class="govuk-table__cell">{% if row.child %}{{ row.child }}{% else %}Not recorded{% endif %}</td>
      <td class="govuk-table__cell">{% rag_tag row.request.case.rag %}</td>
      <td class="govuk-table__cell">
        {% if row.overdue %}<strong class="govuk-tag govuk-tag--red" data-testid="overdue-tag">Overdue</strong><br>
        <span class="govuk-body-s">by {{ row.overdue_by }}</span><br>{% endif %}
        <span class="govuk-body-s">{{ row.due }}</span>
      </td>
      <td class="govuk-table__cell">{% request_status_tag row.request %}</td>
      <td class="govuk-table__cell">{% if row.request.taken_by %}{{ row.request.taken_by }}{% else %}<span class="govuk-hint govuk-!-margin-0">Nobody yet</span>{% endif %}</td>
    </tr>
    {% endfor %}"""  # noqa: E501
RETURNED = """{% load enquiries %}{% for row in rows %}
      <tr class="govuk-table__row" data-testid="request-row">
        <td class="govuk-table__cell enquiries-nowrap"><a class="govuk-link" href="{% object_url 'enquiries:detail' row.request.pk %}">{{ row.request.case.reference }}</a></td>
        <td class="govuk-table__cell">{% if row.child %}{{ row.child.given_name }} {{ row.child.family_name }}{% else %}Not recorded{% endif %}</td>
        <td class="govuk-table__cell">{% rag_tag row.request.case.rag %}</td>
        <td class="govuk-table__cell">
          <span class="govuk-body-s">{{ row.request.returned_at|govuk_datetime }}</span>
          {% if row.returned_late %}<br><strong class="govuk-tag govuk-tag--orange">Late</strong>{% else %}<br><strong class="govuk-tag govuk-tag--green">On time</strong>{% endif %}
        </td>
        <td class="govuk-table__cell">{% request_status_tag row.request %}</td>
        <td class="govuk-table__cell">{{ row.request.returned_by|default:"" }}</td>
      </tr>
      {% endfor %}"""  # noqa: E501

words = st.text(alphabet=st.sampled_from("ab <>&\"'/=é\n"), max_size=12)
MOMENT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@st.composite
def rows(draw: st.DrawFn) -> QueueRow:
    def staff() -> StaffName | None:
        return draw(st.none() | st.builds(StaffName, words, words, words.filter(bool)))

    request = RequestLine(
        pk=UUID(int=draw(st.integers(0, 2**128 - 1))),
        status=draw(st.sampled_from(RequestStatus.values)),
        due_at=MOMENT,
        sent_at=MOMENT,
        returned_at=draw(st.none() | st.just(MOMENT + timedelta(hours=draw(st.integers(-50, 50))))),
        case=CaseLine(draw(words), draw(st.sampled_from(["", *RagRating.values]))),
        taken_by=staff(),
        returned_by=staff(),
    )
    child = draw(st.none() | st.builds(PersonLine, st.just(UUID(int=1)), words, words, st.booleans()))
    return QueueRow(
        request=request,
        child=child,
        due=draw(words),
        overdue=draw(st.booleans()),
        overdue_by=draw(words),
        returned_late=draw(st.booleans()),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=4))
def test_the_open_rows_are_the_templates_markup(drawn: list[QueueRow]) -> None:
    assert str(open_rows(drawn)) == engines["django"].from_string(OPEN).render({"rows": drawn})


@settings(max_examples=200, deadline=None)
@given(st.lists(rows(), max_size=4))
def test_the_returned_rows_are_the_templates_markup(drawn: list[QueueRow]) -> None:
    assert str(returned_rows(drawn)) == engines["django"].from_string(RETURNED).render({"rows": drawn})
