"""Nothing shown to a signed-in person is kept by the browser or a shared cache: every response to
them says Cache-Control: no-store (pages, htmx fragments, downloads, the API), static files aside."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from openmash.accounts.roles import Role
from openmash.cases.tests.helpers import make_referral, screen
from openmash.enquiries.models import InformationRequest
from openmash.hub.models import AgencyKind
from openmash.trawl.tests.test_permissions import police_case  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def _not_stored(response: Any) -> None:
    assert "no-store" in response["Cache-Control"], (response.status_code, response.get("Cache-Control"))
    assert response["Pragma"] == "no-cache"


def test_every_kind_of_page_a_signed_in_person_sees_says_no_store(make_user: Any) -> None:
    referrer = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    screener = make_user(Role.SCREENING_MANAGER)
    case = make_referral(referrer).case
    screen(case, screener)
    client = Client()
    client.force_login(screener)
    pages = {
        "home (a redirect to the role's home)": reverse("accounts:home"),
        "case list": reverse("cases:list"),
        "case page": reverse("cases:detail", args=[case.pk]),
        "chronology": reverse("chronology:case", args=[case.pk]),
        "chronology CSV download": reverse("chronology:csv", args=[case.pk]),
        "a page that is not there": "/cases/not-a-case/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in {200, 302, 404}, name
        _not_stored(response)
    _not_stored(client.get(reverse("accounts:home"), follow=True))
    _not_stored(client.get(reverse("accounts:sign-in")))  # a redirect home
    outsider = Client()
    outsider.force_login(referrer)
    refused = outsider.get(reverse("audit:events"))
    assert refused.status_code == 403
    _not_stored(refused)


def test_an_htmx_fragment_says_no_store(police_case: InformationRequest) -> None:  # noqa: F811
    client = Client()
    client.force_login(police_case.agency.users.order_by("username").first())
    response = client.get(reverse("trawl:progress", args=[police_case.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="trawl-progress"' in response.content.decode()
    _not_stored(response)


def test_the_api_says_no_store_to_a_token_user(make_user: Any) -> None:
    user = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    api = Client(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})
    response = api.get("/api/v1/referrals/R-2026-99999/")
    assert response.status_code == 404
    _not_stored(response)


def test_static_files_and_anonymous_pages_may_be_cached(make_user: Any) -> None:
    client = Client()
    page = client.get(reverse("accounts:sign-in"))
    assert "no-store" not in page.get("Cache-Control", "")
    client.force_login(make_user(Role.SCREENING_MANAGER))
    static = client.get("/static/openmash/openmash.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")
