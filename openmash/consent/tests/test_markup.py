"""The disclosure log's lines written in Python are the markup its template wrote, character for
character, whatever the names and words hold (ADR 0043)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.consent.markup import disclosure_rows
from openmash.consent.models import DisclosureKind
from openmash.consent.selectors import DisclosureLine, LineAgency, LineCase
from openmash.referrals.selectors import PersonLine

# The lines as the log's template wrote them before they were written in Python.
LINES = """{% load disclosures %}  {% for d in rows %}
    <tr class="govuk-table__row" data-testid="disclosure">
      <td class="govuk-table__cell enquiries-nowrap">{{ d.at|govuk_datetime }}</td>
      <td class="govuk-table__cell">{{ d|disclosure_kind_tag }}<br>{{ d.item_summary }}</td>
      <td class="govuk-table__cell openmash-nowrap"><a class="govuk-link" href="?case={{ d.case.reference|urlencode }}">{{ d.case.reference }}</a></td>
      <td class="govuk-table__cell">{{ d.from_agency.name }}</td>
      <td class="govuk-table__cell">{{ d.to_description }}</td>
      <td class="govuk-table__cell">{{ d|disclosure_about }}</td>
      <td class="govuk-table__cell govuk-body-s">{% if d.kind == "withheld" %}Reason: {{ d.reason }}{% else %}{{ d.basis_text|default:"No basis recorded" }}{% if d.reason %}<br>Where: {{ d.reason }}{% endif %}{% endif %}</td>
    </tr>
  {% endfor %}
"""  # noqa: E501
NOW = """{% load disclosures %}  {% disclosure_rows rows %}
"""

words = st.text(alphabet=st.sampled_from("aZ <>&\"'/=?#%é\n"), max_size=12)
MOMENT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@st.composite
def lines(draw: st.DrawFn) -> DisclosureLine:
    person = st.builds(PersonLine, st.just(UUID(int=1)), words, words, st.booleans())
    return DisclosureLine(
        pk=draw(st.integers(1, 10**9)),
        at=MOMENT + timedelta(minutes=draw(st.integers(-(10**6), 10**6))),
        kind=draw(st.sampled_from([*DisclosureKind.values, "unknown"])),
        item_summary=draw(words),
        case=LineCase(draw(words)),
        from_agency=draw(st.none() | st.builds(LineAgency, words)),
        to_description=draw(words),
        basis_text=draw(words),
        reason=draw(words),
        people=tuple(draw(st.lists(person, max_size=3))),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(lines(), max_size=4))
def test_the_log_lines_are_the_templates_markup(drawn: list[DisclosureLine]) -> None:
    django = engines["django"]
    assert f"  {disclosure_rows(drawn)}\n" == django.from_string(LINES).render({"rows": drawn})
    assert django.from_string(NOW).render({"rows": drawn}) == django.from_string(LINES).render(
        {"rows": drawn}
    )
