"""The screening queue's rows, the case page's timeline and the referral panel written in Python are the
markup their templates wrote, whatever the names and words hold (ADR 0043): character for character, or
for the referral panel, but for the blank lines the template left where it wrote no warning."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.cases.markup import queue_rows
from openmash.cases.models import Case
from openmash.cases.selectors import CaseLine, CaseRow, ReferralLine
from openmash.cases.views import HistoryEntry
from openmash.core.codes import Sex
from openmash.referrals.models import (
    Channel,
    ConcernCategory,
    FamilyConsent,
    Referral,
    ReferralPerson,
    Relationship,
)

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


# The referral panel as cases/_referral.html wrote it before it was written in Python.
REFERRAL = """<h2 class="govuk-heading-m" id="referral">The referral</h2>
{% include "referrals/_rereferral_warning.html" with show_details=True %}
<dl class="govuk-summary-list">
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Reference</dt><dd class="govuk-summary-list__value">{{ referral.reference }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Received</dt><dd class="govuk-summary-list__value">{{ received }}<br><span class="govuk-body-s">{{ referral.get_channel_display }}</span></dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Referrer</dt><dd class="govuk-summary-list__value">
    {{ referral.referrer_name }}{% if referral.referrer_job_title %}, {{ referral.referrer_job_title }}{% endif %}<br>
    {{ referral.referrer_organisation }}
    {% if referral.referrer_email %}<br>{{ referral.referrer_email }}{% endif %}
    {% if referral.referrer_phone %}<br>{{ referral.referrer_phone }}{% endif %}
  </dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Referral source</dt><dd class="govuk-summary-list__value">{{ referral.get_source_display }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Kinds of concern</dt><dd class="govuk-summary-list__value">
    <ul class="govuk-list">{% for label in referral.concern_labels %}<li>{{ label }}</li>{% endfor %}</ul>
  </dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Concerns</dt><dd class="govuk-summary-list__value">{{ referral.concerns|linebreaksbr }}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Referrer's view of the level of need</dt><dd class="govuk-summary-list__value">{% if referrer_level %}{{ referrer_level }}{% elif referral.referrer_level %}Level {{ referral.referrer_level }}{% else %}Not given{% endif %}</dd></div>
  <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Family's consent</dt><dd class="govuk-summary-list__value">{{ referral.get_family_consent_display }}</dd></div>
</dl>
<h3 class="govuk-heading-s">People named</h3>
{% for person in people %}
<div class="govuk-summary-card">
  <div class="govuk-summary-card__title-wrapper">
    <h4 class="govuk-summary-card__title">{{ person.given_name }} {{ person.family_name }}{% if person.is_subject %} <strong class="govuk-tag govuk-tag--blue">{{ referral.subject_words.referred|capfirst }}</strong>{% else %} <span class="govuk-body-s">({{ person.get_relationship_display }})</span>{% endif %}</h4>
  </div>
  <div class="govuk-summary-card__content">
    <dl class="govuk-summary-list">
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Date of birth</dt><dd class="govuk-summary-list__value">{{ person.date_of_birth|govuk_date|default:"Not known" }}</dd></div>
      <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Sex</dt><dd class="govuk-summary-list__value">{{ person.get_sex_display }}</dd></div>
      {% if person.nhs_number %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">NHS number</dt><dd class="govuk-summary-list__value">{{ person.nhs_number }}</dd></div>{% endif %}
      {% if person.address or person.postcode %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Address</dt><dd class="govuk-summary-list__value">{{ person.address }}{% if person.postcode %}<br>{{ person.postcode }}{% endif %}</dd></div>{% endif %}
      {% if person.school %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">School</dt><dd class="govuk-summary-list__value">{{ person.school }}</dd></div>{% endif %}
    </dl>
  </div>
</div>
{% endfor %}
"""  # noqa: E501
PANEL = """{% load case_markup %}{% referral_panel %}"""
choice = st.sampled_from
maybe = st.one_of(st.just(""), words)


@st.composite
def referrals(draw: st.DrawFn) -> dict[str, object]:
    referral = Referral(
        pk=UUID(int=draw(st.integers(0, 2**128 - 1))),
        reference=draw(words),
        received_at=MOMENT,
        channel=draw(choice(Channel.values)),
        referrer_name=draw(words),
        referrer_organisation=draw(words),
        referrer_job_title=draw(maybe),
        referrer_email=draw(maybe),
        referrer_phone=draw(maybe),
        source=draw(choice(SOURCES)),
        concerns=draw(lines),
        concern_categories=draw(st.lists(choice(ConcernCategory.values), max_size=3, unique=True)),
        referrer_level=draw(st.one_of(st.none(), st.integers(1, 5))),
        family_consent=draw(choice(FamilyConsent.values)),
    )
    people = [
        ReferralPerson(
            referral=referral,
            is_subject=draw(st.booleans()),
            relationship=draw(choice(Relationship.values)),
            given_name=draw(words),
            family_name=draw(words),
            date_of_birth=draw(st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2026, 12, 1)))),
            sex=draw(choice(Sex.values)),
            nhs_number=draw(maybe),
            address=draw(maybe),
            postcode=draw(maybe),
            school=draw(maybe),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    earlier = [
        Referral(pk=UUID(int=n), reference=f"REF-{n}", received_at=MOMENT - timedelta(days=n))
        for n in range(draw(st.integers(0, 2)))
    ]
    for n, before in enumerate(earlier):
        case = Case(pk=UUID(int=n + 10), reference=f"CASE-{n}")
        case._state.fields_cache["decision"] = None  # no outcome yet
        before._state.fields_cache["case"] = case
    referral._prefetched_objects_cache = {"people": people, "earlier_referrals": earlier}
    return {
        "referral": referral,
        "people": people,
        "received": draw(words),
        "referrer_level": draw(st.one_of(st.just(""), words)),
        "earlier_viewable": {UUID(int=10)},  # the first earlier case is linked
    }


def _blank_lines_dropped(markup: str) -> str:
    return re.sub(r"\n\s*\n", "\n", markup).strip()


@settings(max_examples=200, deadline=None)
@given(referrals())
def test_the_referral_panel_is_the_templates_markup(context: dict[str, object]) -> None:
    django = engines["django"]
    written, now = django.from_string(REFERRAL).render(context), django.from_string(PANEL).render(context)
    assert _blank_lines_dropped(now) == _blank_lines_dropped(written)
