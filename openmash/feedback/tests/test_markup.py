"""The case page's outcome notices written in Python are the markup feedback/_case_feedback.html wrote,
character for character, whatever the names and words hold (ADR 0043): the partial as it is, against
the partial with its old rows put back in place of the tag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from django.template import engines
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.core.tests.markup import Rows

# The rows as the partial wrote them before they were written in Python.
OLD_ROWS = """{% for notice in notices %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">
        {% if notice.recipient == "referrer" %}Referrer: {{ case.referral.referrer_name }}, {{ case.referral.referrer_organisation }}{% else %}{{ notice.agency.name }}{% endif %}
        {% if notice.email %}<br><span class="govuk-hint govuk-!-margin-bottom-0">{{ notice.email }}</span>{% endif %}
        {% if notice.recipient == "agency" and not notice.contributed %}<br><span class="govuk-hint govuk-!-margin-bottom-0">Decided without its information</span>{% endif %}
      </th>
      <td class="govuk-table__cell">
        {% if notice.delivery == "sent" %}<strong class="govuk-tag govuk-tag--green">Sent</strong>
        {% elif notice.delivery == "failed" %}<strong class="govuk-tag govuk-tag--red">Failed</strong>{% if notice.error %}<br><span class="govuk-hint govuk-!-margin-bottom-0">{{ notice.error }}</span>{% endif %}<br><span class="govuk-hint govuk-!-margin-bottom-0">{% if notice.next_attempt_at %}Tried {{ notice.attempts }} time{{ notice.attempts|pluralize }}; trying again {{ notice.next_attempt_at|govuk_datetime }}{% else %}No more automatic tries{% endif %}</span>{% if may_resend_outcomes %}<br><a class="govuk-link" href="{% object_url 'feedback:failed' notice.pk %}" data-testid="notice-failed-link">Send again or give up<span class="govuk-visually-hidden"> the notice to {% if notice.agency %}{{ notice.agency.name }}{% else %}the referrer{% endif %}</span></a>{% endif %}
        {% elif notice.delivery == "given_up" %}<strong class="govuk-tag govuk-tag--grey">Given up</strong><br><span class="govuk-hint govuk-!-margin-bottom-0">{{ notice.given_up_reason }}</span>
        {% elif notice.delivery == "no_address" %}<strong class="govuk-tag govuk-tag--yellow">No email address</strong><br><span class="govuk-hint govuk-!-margin-bottom-0">In OpenMASH only</span>
        {% else %}<strong class="govuk-tag govuk-tag--grey">Waiting to send</strong>{% endif %}
      </td>
      <td class="govuk-table__cell">{{ notice.sent_at|govuk_datetime|default:"Not sent" }}</td>
      <td class="govuk-table__cell">{{ notice.read_at|govuk_datetime|default:"Not yet" }}</td>
    </tr>
    {% endfor %}"""  # noqa: E501
PARTIAL = Path(__file__).resolve().parents[1] / "templates" / "feedback" / "_case_feedback.html"
ROWS_TAG = "{% notice_rows notices case may_resend_outcomes %}"
words = st.text(alphabet=st.sampled_from("ab <>&\"'/=é\n"), max_size=12)
MOMENT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
moments = st.none() | st.integers(-(10**6), 10**6).map(lambda m: MOMENT + timedelta(minutes=m))


@st.composite
def notice(draw: st.DrawFn) -> SimpleNamespace:
    recipient = draw(st.sampled_from(["referrer", "agency"]))
    agency = SimpleNamespace(name=draw(words)) if recipient == "agency" else None
    return SimpleNamespace(
        pk=UUID(int=draw(st.integers(0, 2**128 - 1))),
        recipient=recipient,
        agency=agency,
        email=draw(words),
        contributed=draw(st.booleans()),
        delivery=draw(st.sampled_from(["pending", "sent", "failed", "given_up", "no_address"])),
        error=draw(words),
        attempts=draw(st.integers(0, 5)),
        next_attempt_at=draw(moments),
        given_up_reason=draw(words),
        sent_at=draw(moments),
        read_at=draw(moments),
    )


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    case = SimpleNamespace(
        reference=draw(words),
        referral=SimpleNamespace(referrer_name=draw(words), referrer_organisation=draw(words)),
        notifications=Rows(draw(st.lists(notice(), max_size=4))),
    )
    context: dict[str, Any] = {"case": case}
    if draw(st.booleans()):
        context["may_resend_outcomes"] = draw(st.booleans())
    return context


@settings(max_examples=300, deadline=None)
@given(contexts())
def test_the_notices_are_the_templates_markup(context: dict[str, Any]) -> None:
    django = engines["django"]
    new = PARTIAL.read_text()
    assert ROWS_TAG in new
    old = new.replace("{% load feedback_markup %}", "").replace(ROWS_TAG, OLD_ROWS)
    assert django.from_string(new).render(context) == django.from_string(old).render(context)
