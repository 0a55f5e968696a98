"""A request's status reads as a GOV.UK tag in its own words, in the colour set beside the statuses."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from openmash.enquiries.models import REQUEST_STATUS_COLOURS, InformationRequest, RequestStatus


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", '<strong class="govuk-tag govuk-tag--blue">Not started</strong>'),
        ("in_progress", '<strong class="govuk-tag govuk-tag--light-blue">In progress</strong>'),
        ("returned", '<strong class="govuk-tag govuk-tag--green">Returned</strong>'),
        (
            "blocked",
            '<strong class="govuk-tag govuk-tag--orange">Waiting for consent or a lawful basis</strong>',
        ),
        ("nil_return", '<strong class="govuk-tag govuk-tag--grey">Not known to this agency</strong>'),
        ("withdrawn", '<strong class="govuk-tag govuk-tag--grey">No longer needed</strong>'),
    ],
)
def test_a_requests_status_reads_as_a_coloured_tag_in_its_own_words(status: str, expected: str) -> None:
    info = InformationRequest(status=status)
    tag = Template("{% load enquiries %}{% request_status_tag info %}")
    assert tag.render(Context({"info": info})) == expected


def test_every_status_has_a_colour() -> None:
    assert set(REQUEST_STATUS_COLOURS) == set(RequestStatus)
