"""The decision form is drawn from its one crispy-forms layout by {% govuk_form %}, directly and never
through crispy-forms' templates, in the markup crispy-forms-gds would give it: the same elements, ids,
classes, aria attributes and words, so the error summary's links land on the same inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from crispy_forms.utils import render_crispy_form
from django.http import HttpResponse
from django.test import Client

from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.screening import case_rerate
from openmash.core.actor import Actor
from openmash.core.govuk_html import form_html
from openmash.core.tests.markup import elements
from openmash.decisions.models import Outcome
from openmash.decisions.tests.test_views import (  # noqa: F401 - fixtures
    decider,
    people,
    post_data,
    ready,
    record_url,
)
from openmash.hub.models import Agency, AgencyKind, RagRating

pytestmark = pytest.mark.django_db

FIVE_AGENCIES = (
    AgencyKind.POLICE,
    AgencyKind.HEALTH,
    AgencyKind.EDUCATION,
    AgencyKind.PROBATION,
    AgencyKind.HOUSING,
)
PARTIAL = {
    "outcome": Outcome.EARLY_HELP.value,
    "level": "",
    "rationale": "",
    "view_1_comment": "Broadly agrees",
    "challenge_1_raised_by": "Sam Example",
    "challenge_2_challenge": "The level",
    "action_1_description": "Visit",
    "action_1_due_on_0": "4",
    "action_1_due_on_2": "2020",
    "action_2_owner": "Alex",
    "action_2_due_on_0": "31",
    "action_2_due_on_1": "2",
    "action_2_due_on_2": "2030",
    "action_3_due_on_0": "1",
    "action_3_due_on_1": "1",
    "action_3_due_on_2": "2020",
}


def empty(staff: dict[str, Any], browser: Client) -> HttpResponse:
    return browser.get(record_url(ready(staff)))


def posted_empty(staff: dict[str, Any], browser: Client) -> HttpResponse:
    return browser.post(record_url(ready(staff)), {})


def posted_partly(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = ready(staff)
    return browser.post(record_url(case), post_data(case, **PARTIAL))


def other_service_unnamed(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = ready(staff)
    data = post_data(case, outcome=Outcome.OTHER_SERVICE.value, other_service="")
    return browser.post(record_url(case), data)


def concurrent_edit(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = ready(staff)
    opened = post_data(case)
    case_rerate(
        actor=Actor(user=staff["screener"]),
        case=case,
        expected_version=case.version,
        rag=RagRating.RED,
        reason="New incident reported by police",
    )
    return browser.post(record_url(case), opened)


def _five_agencies(staff: dict[str, Any]) -> Any:
    """A case asked of five agencies, none of which has answered; one named with markup and template code."""
    Agency.objects.filter(kind=AgencyKind.HOUSING).update(name="Housing <b>West</b> {{ x }} {% now 'Y' %}")
    case = make_referral(staff["referrer"]).case
    screen(case, staff["screener"], kinds=FIVE_AGENCIES)
    case.refresh_from_db()
    return case


def five_agencies(staff: dict[str, Any], browser: Client) -> HttpResponse:
    return browser.get(record_url(_five_agencies(staff)))


def five_agencies_posted_empty(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = _five_agencies(staff)
    return browser.post(record_url(case), {"version": str(case.version)})


def five_agencies_posted_partly(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = _five_agencies(staff)
    data = post_data(case, view_2="agrees", view_3_comment="No view yet", view_5="disagrees", **PARTIAL)
    return browser.post(record_url(case), data)


def rows_added(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = ready(staff)
    data = post_data(case, challenge_rows="2", action_rows="3", add="action", **PARTIAL)
    return browser.post(record_url(case), data)


def rows_at_the_most(staff: dict[str, Any], browser: Client) -> HttpResponse:
    case = ready(staff)
    return browser.post(record_url(case), post_data(case, challenge_rows="10", action_rows="10", **PARTIAL))


STATES = [
    empty,
    rows_added,
    rows_at_the_most,
    posted_empty,
    posted_partly,
    other_service_unnamed,
    concurrent_edit,
    five_agencies,
    five_agencies_posted_empty,
    five_agencies_posted_partly,
]


def crispy_refused(*args: Any, **kwargs: Any) -> str:
    raise AssertionError("the decision form was drawn through crispy-forms")


@pytest.mark.parametrize("state", STATES, ids=[s.__name__ for s in STATES])
def test_the_decision_form_is_drawn_from_its_layout_as_crispy_forms_would_draw_it(
    people: dict[str, Any],  # noqa: F811
    decider: Client,  # noqa: F811
    state: Callable[..., HttpResponse],
) -> None:
    with mock.patch("crispy_forms.utils.render_crispy_form", crispy_refused):
        response = state(people, decider)
    assert response.status_code == 200
    form = response.context["form"]
    html = response.content.decode()
    drawn = form_html(form)
    assert str(drawn) in html
    assert elements(drawn) == elements(render_crispy_form(form))
    for link in form.error_links():
        assert f'id="{link.href.removeprefix("#")}"' in drawn, link  # each summary link lands on an input
