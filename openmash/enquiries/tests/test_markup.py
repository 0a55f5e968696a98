"""The requests queue's rows written in Python are the markup its templates wrote, character for
character, whatever the names and words hold (ADR 0043)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.cases.models import Case
from openmash.core.tests.markup import Rows
from openmash.enquiries.markup import agency_return, open_rows, returned_rows
from openmash.enquiries.models import OPEN_STATUSES, HistoryItem, HistoryType, RequestStatus, Significance
from openmash.enquiries.selectors import CaseLine, QueueRow, RequestLine, StaffName
from openmash.hub.models import RagRating
from openmash.referrals.selectors import PersonLine
from openmash.retention.models import DestructionRecord

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


# What an agency returned, as enquiries/_return.html wrote it before it was written in Python.
RETURN = """{% load enquiries %}{% comment %}What an agency returned for one request: `req`. The caller decides whether the viewer may see it.{% endcomment %}
{% if req.status == "nil_return" %}
<p class="govuk-body" data-testid="nil-return">{{ req.agency.name }} searched its systems: this family is not known to them.</p>
{% else %}
<dl class="govuk-summary-list">
  <div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">Summary</dt>
    <dd class="govuk-summary-list__value" data-testid="return-summary">{% if case.destruction %}Destroyed{% else %}{{ req.summary|linebreaksbr|default:"None given" }}{% endif %}</dd>
  </div>
  <div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">Risk factors</dt>
    <dd class="govuk-summary-list__value">{% if case.destruction %}Destroyed{% else %}{{ req.risk_factors|linebreaksbr|default:"None given" }}{% endif %}</dd>
  </div>
  <div class="govuk-summary-list__row">
    <dt class="govuk-summary-list__key">Protective factors</dt>
    <dd class="govuk-summary-list__value">{% if case.destruction %}Destroyed{% else %}{{ req.protective_factors|linebreaksbr|default:"None given" }}{% endif %}</dd>
  </div>
</dl>
{% with items=req.history.all %}
{% if items %}
<table class="govuk-table" data-testid="history-table">
  <caption class="govuk-table__caption govuk-table__caption--s">Relevant history from {{ req.agency.name }}</caption>
  <thead class="govuk-table__head">
    <tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Date</th>
      <th scope="col" class="govuk-table__header">Type</th>
      <th scope="col" class="govuk-table__header">What happened</th>
      <th scope="col" class="govuk-table__header">Significance</th>
      <th scope="col" class="govuk-table__header">Source reference</th>
    </tr>
  </thead>
  <tbody class="govuk-table__body">
    {% for item in items %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell enquiries-nowrap">{{ item.occurred_on|govuk_date }}</td>
      <td class="govuk-table__cell">{{ item.get_kind_display }}</td>
      <td class="govuk-table__cell">{{ item.description|linebreaksbr }}</td>
      <td class="govuk-table__cell"><strong class="govuk-tag {% if item.significance == 'high' %}govuk-tag--red{% elif item.significance == 'medium' %}govuk-tag--yellow{% else %}govuk-tag--grey{% endif %}">{{ item.get_significance_display }}</strong></td>
      <td class="govuk-table__cell">{% if item.source_system %}{{ item.source_system }}, record <span class="openmash-nowrap">{{ item.source_record_id }}</span>: {% endif %}<span class="openmash-nowrap">{{ item.source_reference }}</span></td>
    </tr>
    {% endfor %}
  </tbody>
</table>
{% else %}
<p class="govuk-body">{% if case.destruction %}Destroyed under the hub's retention rules.{% else %}No history items returned.{% endif %}</p>
{% endif %}
{% endwith %}
{% endif %}
"""  # noqa: E501


def _case(destroyed: bool) -> Case:
    """A case whose personal data was destroyed or not, its destruction record loaded with it (as the
    pages load it)."""
    case = Case()
    record = DestructionRecord(case=case, destroyed_at=MOMENT) if destroyed else None
    Case.destruction.related.set_cached_value(case, record)
    return case


lines = st.text(alphabet=st.sampled_from("ab <>&\"'\r\n"), max_size=10)


@st.composite
def returns(draw: st.DrawFn) -> tuple[Any, Any]:
    items = [
        HistoryItem(
            occurred_on=draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))),
            kind=draw(st.sampled_from(HistoryType.values)),
            description=draw(lines),
            significance=draw(st.sampled_from(Significance.values)),
            source_reference=draw(words),
            source_system=draw(st.sampled_from(["", "Niche RMS", "<b>"])),
            source_record_id=draw(words),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    req = SimpleNamespace(
        status=draw(st.sampled_from([RequestStatus.RETURNED, RequestStatus.NIL_RETURN])),
        agency=SimpleNamespace(name=draw(words)),
        summary=draw(lines),
        risk_factors=draw(lines),
        protective_factors=draw(lines),
        history=Rows(items),
    )
    case = draw(st.sampled_from([None, _case(False), _case(True)]))
    return req, case


@settings(max_examples=300, deadline=None)
@given(returns())
def test_a_return_is_the_templates_markup(drawn: tuple[Any, Any]) -> None:
    req, case = drawn
    context = {"req": req} if case is None else {"req": req, "case": case}
    assert str(agency_return(req, case)) == engines["django"].from_string(RETURN).render(context)


# The case page's request cards as enquiries/_case_requests.html wrote them before they were written in
# Python (ADR 0043): put back in the partial in place of what draws them now.
OLD_CARDS = """{% now "U" as now_ts %}
{% for req in case.requests.all %}
  {% with due_ts=req.due_at|date:"U" %}
  <div class="govuk-summary-card" data-testid="case-request">
    <div class="govuk-summary-card__title-wrapper">
      <h3 class="govuk-summary-card__title">{{ req.agency.name }}</h3>
      <div class="govuk-summary-card__actions">{% request_status_tag req %}</div>
    </div>
    <div class="govuk-summary-card__content">
      {% if req.status == "blocked" %}
      <dl class="govuk-summary-list" data-testid="blocked">
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">Why it is waiting</dt>
          <dd class="govuk-summary-list__value" data-testid="blocked-reason">{{ req.blocked_reason }}</dd>
        </div>
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">What would unblock it</dt>
          <dd class="govuk-summary-list__value" data-testid="unblock-hint">{{ req.unblock_hint|default:"Consent or a lawful basis that covers this agency." }}</dd>
        </div>
      </dl>
      {% else %}
      <dl class="govuk-summary-list">
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">Due</dt>
          <dd class="govuk-summary-list__value">
            {% if req.is_open and due_ts|add:0 < now_ts|add:0 %}<strong class="govuk-tag govuk-tag--red" data-testid="overdue-tag">Overdue</strong> by {{ req.due_at|timesince }}<br>{% endif %}
            {{ req.due_at|govuk_datetime:"weekday" }}
          </dd>
        </div>
        <div class="govuk-summary-list__row">
          <dt class="govuk-summary-list__key">Returned</dt>
          <dd class="govuk-summary-list__value">{% if req.returned_at %}{{ req.returned_at|govuk_datetime:"weekday" }}{% if req.due_at and req.returned_at > req.due_at %} <strong class="govuk-tag govuk-tag--orange">Late</strong>{% endif %}{% else %}Not yet{% endif %}</dd>
        </div>
      </dl>
      {% endif %}
      {% if req.returned_at %}{% if sees_whole_case or req.agency_id in shown_agencies %}{% if req.status == "returned" or req.status == "nil_return" %}
        {% agency_return req case %}
      {% endif %}{% endif %}{% endif %}
    </div>
  </div>
  {% endwith %}
{% empty %}
  <p class="govuk-body">No agencies have been asked for information about this case.</p>
{% endfor %}
"""  # noqa: E501
PARTIAL = Path(__file__).resolve().parents[1] / "templates" / "enquiries" / "_case_requests.html"
SOON = datetime.now(UTC).replace(second=30, microsecond=0)  # whole minutes from it: no second's edge
AGENCIES = [UUID(int=n) for n in range(1, 4)]
moments = st.none() | st.integers(-20000, 20000).map(lambda m: SOON + timedelta(minutes=m))


@st.composite
def request_cards(draw: st.DrawFn) -> dict[str, Any]:
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        req, _ = draw(returns())
        req.status = draw(st.sampled_from(RequestStatus.values))
        req.is_open = req.status in OPEN_STATUSES
        req.due_at, req.returned_at = draw(moments), draw(moments)
        req.agency_id = draw(st.sampled_from(AGENCIES))
        req.blocked_reason, req.unblock_hint = draw(words), draw(words)
        rows.append(req)
    context: dict[str, Any] = {"rows": rows, "case": _case(draw(st.booleans()))}
    if draw(st.booleans()):
        context["sees_whole_case"] = draw(st.booleans())
    if draw(st.booleans()):
        context["shown_agencies"] = set(draw(st.lists(st.sampled_from(AGENCIES))))
    return context


@settings(max_examples=300, deadline=None)
@given(request_cards())
def test_the_case_pages_request_cards_are_the_templates_markup(context: dict[str, Any]) -> None:
    # Both read the drawn rows where the page reads the case's requests.
    new = PARTIAL.read_text().replace("case.requests.all", "rows")
    assert "case_request_cards" in new
    head, drawn = new.split("{% with requests=rows %}\n")
    old = head + OLD_CARDS.replace("case.requests.all", "rows") + drawn.split("{% endwith %}\n", 1)[1]
    django = engines["django"]
    assert django.from_string(new).render(context) == django.from_string(old).render(context)
