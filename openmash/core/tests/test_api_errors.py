"""Every error the API gives is RFC 9457 problem details (application/problem+json), whatever caused
it: oversized or deeply nested bodies, unknown addresses, wrong methods or media types, server errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from openmash.accounts.roles import Role
from openmash.audit.models import AuditEvent
from openmash.hub.models import AgencyKind
from openmash.referrals.models import Referral

pytestmark = pytest.mark.django_db
URL = "/api/v1/referrals/"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(make_user: Callable[..., Any]) -> Client:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    return Client(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://openmash.invalid/problems/")
    assert body["title"] and body["detail"]
    return body


def _nested(depth: int) -> str:
    return '{"referrer_name": "A", "people": ' + "[" * depth + "]" * depth + "}"


def test_json_nested_thousands_deep_is_refused_with_400_not_a_server_error(api: Client) -> None:
    before = (Referral.objects.count(), AuditEvent.objects.count())
    response = api.post(URL, _nested(5000), content_type="application/json")
    body = _problem(response, 400)
    assert body["detail"] == "The JSON is nested more than 64 levels deep; nothing was saved."
    assert (Referral.objects.count(), AuditEvent.objects.count()) == before


def test_nesting_is_counted_outside_strings_only(api: Client) -> None:
    """Brackets inside a string value are text, not nesting: the body is checked field by field."""
    data = {"referrer_name": "[" * 200, "people": [[[[[]]]]]}
    body = _problem(api.post(URL, json.dumps(data), content_type="application/json"), 400)
    assert "nested" not in body["detail"] and body["errors"]


@pytest.mark.parametrize(("depth", "refused"), [(64, False), (65, True)])
def test_the_nesting_limit_is_64(api: Client, depth: int, refused: bool) -> None:
    body = _problem(api.post(URL, _nested(depth - 1), content_type="application/json"), 400)
    assert ("nested more than 64" in body["detail"]) is refused


def test_a_body_of_3_mb_gets_413_problem_details(api: Client) -> None:
    before = Referral.objects.count()
    text = json.dumps({"referrer_name": "A", "concerns": "x" * (3 * 1024 * 1024)})
    body = _problem(api.post(URL, text, content_type="application/json"), 413)
    assert body["title"] == "The request body is too large"
    assert "2,621,440 bytes" in body["detail"]
    assert Referral.objects.count() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_the_body_limit_is_djangos_data_upload_max_memory_size(api: Client) -> None:
    text = json.dumps({"referrer_name": "A", "concerns": "x" * 20_000})
    assert "10,000 bytes" in _problem(api.post(URL, text, content_type="application/json"), 413)["detail"]


def test_an_unknown_api_address_is_404_problem_details(api: Client) -> None:
    for path in ("/api/v1/nothing-here/", "/api/", "/api/v2/referrals/"):
        _problem(api.get(path), 404)


def test_a_page_address_outside_the_api_still_gets_the_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_method_the_api_does_not_have_is_405_with_allow(api: Client) -> None:
    response = api.put(URL, "{}", content_type="application/json")
    body = _problem(response, 405)
    assert body["title"] == "Method not allowed" and "POST" in response["Allow"]


def test_a_body_not_sent_as_json_is_415(api: Client) -> None:
    response = api.post(URL, "<referral/>", content_type="application/xml")
    assert _problem(response, 415)["title"] == "Send application/json"


def test_asking_for_a_format_the_api_cannot_give_is_406(api: Client) -> None:
    response = api.get("/api/v1/referrals/R-2026-00001/", headers={"Accept": "text/html"})
    assert _problem(response, 406)["title"] == "Only application/json is available"


@override_settings(ROOT_URLCONF="openmash.core.tests.broken_api_urls")
@pytest.mark.parametrize("path", ["/api/v1/broken/", "/api/v1/broken-plain/"])
def test_a_server_error_in_the_api_is_500_problem_details_without_the_cause(path: str) -> None:
    response = Client(raise_request_exception=False).get(path)
    body = _problem(response, 500)
    assert "bug" not in response.content.decode()
    assert body["title"] == "Something went wrong on our side"


@override_settings(ROOT_URLCONF="openmash.core.tests.broken_api_urls")
def test_the_real_urlconf_names_the_api_aware_error_pages() -> None:
    from openmash.config import urls

    assert urls.handler404 == "openmash.core.views.not_found"
    assert urls.handler500 == "openmash.core.views.server_error"
    assert urls.handler400 == "openmash.core.views.bad_request"


# Found by bench/fuzz_api.py: the API accepted what its schema refuses, and refused what it allows.


def _referral(**changes: Any) -> dict[str, Any]:
    from openmash.referrals.tests.test_api import body

    return body(**changes)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"concerns": 0}, "/concerns"),
        ({"referrer_name": 12.5}, "/referrer_name"),
        ({"concern_categories": [1]}, "/concern_categories/0"),
        ({"referrer_level": "2"}, "/referrer_level"),
        ({"referrer_level": True}, "/referrer_level"),
        ({"referrer_level": 2.0}, "/referrer_level"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(
    api: Client, changes: dict[str, Any], pointer: str
) -> None:
    before = Referral.objects.count()
    response = api.post(URL, json.dumps(_referral(**changes)), content_type="application/json")
    body = _problem(response, 400)
    assert [e["pointer"] for e in body["errors"]] == [pointer]
    assert Referral.objects.count() == before


def test_a_number_given_as_text_in_a_person_is_refused(api: Client) -> None:
    data = _referral()
    data["people"][0]["given_name"] = 7
    body = _problem(api.post(URL, json.dumps(data), content_type="application/json"), 400)
    assert [e["pointer"] for e in body["errors"]] == ["/people/0/given_name"]


def test_the_schema_says_the_referrers_name_and_organisation_may_not_be_blank(client: Client) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()
    fields = schema["components"]["schemas"]["ReferralSubmission"]["properties"]
    assert fields["referrer_name"]["minLength"] == 1
    assert fields["referrer_organisation"]["minLength"] == 1
    assert "minLength" not in fields["referrer_job_title"]
    assert fields["referrer_level"]["type"] == "integer"


def test_a_request_django_refuses_before_the_api_is_400_problem_details() -> None:
    """A host name not in ALLOWED_HOSTS is refused by Django itself, before any API code runs."""
    response = Client(raise_request_exception=False).get(URL, HTTP_HOST="elsewhere.invalid")
    assert _problem(response, 400)["detail"] == "The request could not be read."
    page = Client(raise_request_exception=False).get("/cases/", HTTP_HOST="elsewhere.invalid")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
