"""The referral API: agency systems send referrals with a token, then follow their status and outcome."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token

from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.tests.helpers import CHILD_NHS, make_referral, screen
from openmash.hub.models import AgencyKind, HubConfiguration
from openmash.referrals.api import NO_SUCH_REFERRAL, NOT_A_REFERRER
from openmash.referrals.management.commands import api_token
from openmash.referrals.models import Channel, Referral, ReferralPerson
from openmash.referrals.serializers import UNKNOWN_FIELD
from openmash.referrals.services import (
    BAD_NHS_NUMBER,
    BORN_IN_FUTURE,
    CHILD_TOO_OLD,
    NO_CATEGORY,
    NO_CHILD,
    NO_CONCERNS,
    NO_NAME,
    UNKNOWN_CATEGORY,
    UNKNOWN_LEVEL,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"
PROBLEM = "application/problem+json"

BODY: dict[str, Any] = {
    "referrer_name": "Amira Okafor",
    "referrer_organisation": "Northshire Primary School",
    "referrer_job_title": "Designated safeguarding lead",
    "referrer_email": "dsl@school.invalid",
    "source": "2A",
    "concerns": "Jayden has arrived hungry on several mornings this half term.",
    "concern_categories": ["neglect"],
    "referrer_level": 2,
    "family_consent": "aware_agrees",
    "people": [
        {
            "given_name": "Jayden",
            "family_name": "Whitmore",
            "relationship": "subject",
            "date_of_birth": "2018-05-04",
            "sex": "M",
            "address": "1 Elm Road, Northtown",
            "postcode": "nt1 1aa",
            "nhs_number": "999 000 0018",
            "school": "Northshire Primary",
        },
        {"given_name": "Kerry", "family_name": "Whitmore", "relationship": "mother", "sex": "F"},
    ],
}


def body(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BODY)
    data.update(changes)
    return data


def child(**changes: Any) -> dict[str, Any]:
    """The body with the referred child's details changed."""
    data = copy.deepcopy(BODY)
    data["people"][0].update(changes)
    return data


def token_client(user: Any) -> Client:
    key = Token.objects.create(user=user).key
    return Client(headers={"Authorization": f"Token {key}"})


def post(client: Client, data: Any, content_type: str = "application/json") -> Any:
    payload = json.dumps(data) if content_type == "application/json" and not isinstance(data, str) else data
    return client.post(URL, payload, content_type=content_type)


def written() -> tuple[int, int, int, int]:
    return (
        Referral.objects.count(),
        ReferralPerson.objects.count(),
        Case.objects.count(),
        AuditEvent.objects.count(),
    )


def born_years_ago(years: int, *, days_later: int = 0) -> str:
    """A date of birth `years` before today (plus `days_later`); 29 February falls towards the safe side."""
    day = timezone.localdate() + timedelta(days=days_later)
    try:
        return day.replace(year=day.year - years).isoformat()
    except ValueError:  # 29 February, in a year without one
        fallback = date(day.year - years, 3, 1) if days_later > 0 else date(day.year - years, 2, 28)
        return fallback.isoformat()


@pytest.fixture
def referrer(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.REFERRER, AgencyKind.EDUCATION)


@pytest.fixture
def api(referrer: Any) -> Client:
    return token_client(referrer)


# Sending a referral -------------------------------------------------------------------------------------


def test_a_valid_referral_is_recorded_with_its_case(api: Client, referrer: Any) -> None:
    response = post(api, BODY)

    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get()
    assert data["reference"] == referral.reference
    assert re.fullmatch(r"R-\d{4}-\d{5}", data["reference"])
    assert data["case_reference"] == referral.case.reference
    assert data["status"] == "new"
    assert data["status_label"] == "Awaiting screening"
    assert data["earlier_referrals"] == []
    assert data["decision"] is None
    assert data["links"]["self"] == f"http://testserver{URL}{referral.reference}/"
    assert response["Location"] == data["links"]["self"]

    assert referral.channel == Channel.API
    assert referral.made_by == referrer
    assert referral.referrer_agency == referrer.agency
    assert referral.source == "2A"
    assert referral.referrer_level == 2
    assert referral.case.status == CaseStatus.NEW
    jayden, kerry = referral.people.order_by("-is_subject")
    assert (jayden.is_subject, kerry.is_subject) == (True, False)
    assert jayden.date_of_birth == date(2018, 5, 4)
    assert jayden.nhs_number == CHILD_NHS  # spaces taken out
    assert jayden.postcode == "NT1 1AA"
    assert kerry.relationship == "mother"

    event = AuditEvent.objects.get(action=AuditAction.REFERRAL_RECEIVED.value)
    assert event.actor_id == str(referrer.pk)
    assert event.actor_role == Role.REFERRER.value
    assert event.detail["channel"] == "api"


def test_nhs_number_may_be_written_with_hyphens(api: Client) -> None:
    response = post(api, child(nhs_number="999-000-0018"))

    assert response.status_code == 201, response.content
    assert ReferralPerson.objects.get(is_subject=True).nhs_number == CHILD_NHS


def test_optional_fields_may_be_left_out(api: Client) -> None:
    data = body(people=[{"given_name": "Jayden", "family_name": "Whitmore", "relationship": "subject"}])
    for name in ("referrer_job_title", "referrer_email", "referrer_level"):
        del data[name]

    response = post(api, data)

    assert response.status_code == 201, response.content
    person = ReferralPerson.objects.get()
    assert (person.sex, person.date_of_birth, person.nhs_number) == ("U", None, "")
    assert Referral.objects.get().referrer_level is None


def test_a_re_referral_names_the_earlier_referrals(api: Client, make_user: Callable[..., Any]) -> None:
    by_someone_else = make_referral(make_user(Role.REFERRER, AgencyKind.HEALTH))
    first = post(api, BODY).json()

    second = post(api, BODY)

    assert second.status_code == 201
    assert second.json()["earlier_referrals"] == [by_someone_else.reference, first["reference"]]
    assert first["earlier_referrals"] == [by_someone_else.reference]
    assert Referral.objects.get(reference=second.json()["reference"]).earlier_referrals.count() == 2


# Refusals: each names the field, says what is wrong, and writes nothing ----------------------------------

REFUSALS = [
    pytest.param(body(people=[BODY["people"][1]]), "/people", NO_CHILD, id="no-child"),
    pytest.param(body(people=[]), "/people", NO_CHILD, id="no-people"),
    pytest.param(child(nhs_number="9990000019"), "/people/0/nhs_number", BAD_NHS_NUMBER, id="bad-nhs-number"),
    pytest.param(
        child(date_of_birth=born_years_ago(18)), "/people/0/date_of_birth", CHILD_TOO_OLD, id="child-18"
    ),
    pytest.param(
        child(date_of_birth=(timezone.localdate() + timedelta(days=7)).isoformat()),
        "/people/0/date_of_birth",
        BORN_IN_FUTURE,
        id="future-dob",
    ),
    pytest.param(
        body(concern_categories=["neglect", "bullying"]),
        "/concern_categories",
        UNKNOWN_CATEGORY.format(value="bullying"),
        id="unknown-category",
    ),
    pytest.param(body(concern_categories=[]), "/concern_categories", NO_CATEGORY, id="no-category"),
    pytest.param(body(concerns="   "), "/concerns", NO_CONCERNS, id="no-concerns"),
    pytest.param(
        body(referrer_level=9), "/referrer_level", UNKNOWN_LEVEL.format(value=9), id="unknown-level"
    ),
    pytest.param(child(given_name=""), "/people/0/given_name", NO_NAME, id="no-name"),
    pytest.param(
        body(referrer_level="two"), "/referrer_level", "A valid integer is required.", id="wrong-type"
    ),
    pytest.param(
        body(people="Jayden Whitmore"),
        "/people",
        'Expected a list of items but got type "str".',
        id="people-not-a-list",
    ),
    pytest.param(
        body(people=["Jayden Whitmore"]),
        "/people/0",
        "Invalid data. Expected a dictionary, but got str.",
        id="person-not-an-object",
    ),
    pytest.param(
        body(people=[BODY["people"][0]] * 51),
        "/people",
        "Ensure this field has no more than 50 elements.",
        id="too-many-people",
    ),
    pytest.param(
        child(date_of_birth="04/05/2018"),
        "/people/0/date_of_birth",
        "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        id="date-format",
    ),
    pytest.param(
        body(source="99"),
        "/source",
        '"99" is not one of the codes allowed here: 1A, 1B, 1C, 1D, 2A, 2B, 3A, 3B, 3C, 3D, 3E, 3F, '
        "4, 5A, 5B, 5C, 5D, 6, 7, 8, 9, 10",
        id="unknown-source",
    ),
    pytest.param(
        {k: v for k, v in BODY.items() if k != "family_consent"},
        "/family_consent",
        "This field is required.",
        id="missing-field",
    ),
    pytest.param(body(urgency="high"), "/urgency", UNKNOWN_FIELD.format(name="urgency"), id="unknown-field"),
    pytest.param(
        child(middle_name="Lee"),
        "/people/0/middle_name",
        UNKNOWN_FIELD.format(name="middle_name"),
        id="unknown-person-field",
    ),
    pytest.param(
        body(**{"a/b": 1}), "/a~1b", UNKNOWN_FIELD.format(name="a/b"), id="unknown-field-pointer-escaped"
    ),
    pytest.param([BODY], "/", "Invalid data. Expected a dictionary, but got list.", id="body-not-an-object"),
]


@pytest.mark.parametrize(("data", "pointer", "message"), REFUSALS)
def test_an_invalid_referral_is_refused_and_nothing_is_written(
    api: Client, data: Any, pointer: str, message: str
) -> None:
    HubConfiguration.objects.update(covers_adults=False)  # a hub for children only
    before = written()

    response = post(api, data)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 400
    assert problem["type"] == "https://openmash.invalid/problems/validation-error"
    assert problem["detail"] == "1 field needs correcting; nothing was saved."
    assert problem["errors"] == [{"pointer": pointer, "detail": message}]
    assert written() == before


def test_every_broken_rule_is_listed_at_once(api: Client) -> None:
    HubConfiguration.objects.update(covers_adults=False)  # a hub for children only
    data = body(concerns="", concern_categories=["bullying"])
    data["people"][0].update(nhs_number="123", date_of_birth=born_years_ago(20))
    before = written()

    response = post(api, data)

    assert response.status_code == 400
    assert response.json()["detail"] == "4 fields need correcting; nothing was saved."
    assert {(e["pointer"], e["detail"]) for e in response.json()["errors"]} == {
        ("/concerns", NO_CONCERNS),
        ("/concern_categories", UNKNOWN_CATEGORY.format(value="bullying")),
        ("/people/0/date_of_birth", CHILD_TOO_OLD),
        ("/people/0/nhs_number", BAD_NHS_NUMBER),
    }
    assert written() == before


def test_a_child_turning_18_tomorrow_is_accepted(api: Client) -> None:
    response = post(api, child(date_of_birth=born_years_ago(18, days_later=1)))

    assert response.status_code == 201, response.content


def test_a_body_that_is_not_json_is_refused(api: Client) -> None:
    before = written()

    response = api.post(URL, {"referrer_name": "Amira Okafor"})  # a form post

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert response.json()["title"] == "Send application/json"
    assert written() == before


def test_malformed_json_is_refused(api: Client) -> None:
    before = written()

    response = api.post(URL, '{"referrer_name": ', content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"].startswith("JSON parse error")
    assert written() == before


# Who may use the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_without_a_valid_token_the_answer_is_401(hub: Any, token: str | None) -> None:
    client = Client(headers={"Authorization": f"Token {token}"} if token else {})
    before = written()

    response = post(client, BODY)

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["status"] == 401
    assert written() == before


def test_a_deactivated_referrers_token_stops_working(api: Client, referrer: Any) -> None:
    referrer.is_active = False
    referrer.save()

    response = post(api, BODY)

    assert response.status_code == 401
    assert Referral.objects.count() == 0


# Role x agency kind -> the answer to a valid referral. Written by hand: only referrers may send.
MATRIX = [
    (Role.REFERRER, AgencyKind.CHILDRENS_SOCIAL_CARE, 201),
    (Role.REFERRER, AgencyKind.POLICE, 201),
    (Role.REFERRER, AgencyKind.HEALTH, 201),
    (Role.SCREENING_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE, 403),
    (Role.DECISION_MAKER, AgencyKind.CHILDRENS_SOCIAL_CARE, 403),
    (Role.AGENCY_RESEARCHER, AgencyKind.POLICE, 403),
    (Role.AGENCY_RESEARCHER, AgencyKind.HEALTH, 403),
    (Role.MEETING_CHAIR, AgencyKind.POLICE, 403),
    (Role.IG_OFFICER, AgencyKind.HEALTH, 403),
    (Role.PERFORMANCE_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE, 403),
    (Role.HUB_ADMINISTRATOR, AgencyKind.CHILDRENS_SOCIAL_CARE, 403),
]


@pytest.mark.parametrize(("role", "kind", "expected"), MATRIX)
def test_only_referrers_may_send(make_user: Callable[..., Any], role: Role, kind: str, expected: int) -> None:
    user = make_user(role, kind)
    client = token_client(user)
    before = written()

    response = post(client, BODY)

    assert response.status_code == expected, response.content
    if expected == 403:
        assert response["Content-Type"] == PROBLEM
        assert response.json()["detail"] == NOT_A_REFERRER
        assert written() == before
    else:
        assert Referral.objects.get().referrer_agency == user.agency


def test_a_non_referrer_cannot_follow_a_referral_either(make_user: Callable[..., Any], referrer: Any) -> None:
    referral = make_referral(referrer)
    client = token_client(make_user(Role.SCREENING_MANAGER))

    response = client.get(f"{URL}{referral.reference}/")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


# Following a referral -----------------------------------------------------------------------------------


def test_a_referrer_follows_their_referral_to_its_outcome(
    api: Client, referrer: Any, make_user: Callable[..., Any]
) -> None:
    reference = post(api, BODY).json()["reference"]
    url = f"{URL}{reference}/"

    waiting = api.get(url)

    assert waiting.status_code == 200
    assert waiting.json()["status"] == "new"
    assert waiting.json()["decision"] is None
    referral = Referral.objects.get(reference=reference)
    event = AuditEvent.objects.get(action=AuditAction.REFERRAL_VIEWED.value)
    assert event.actor_id == str(referrer.pk)
    assert event.object_id == str(referral.pk)
    assert sorted(event.persons) == sorted(str(p.pk) for p in referral.people.all())

    decider = make_user(Role.SCREENING_MANAGER, first_name="Sam", last_name="Patel", phone="01632 960111")
    screen(referral.case, decider, route=Route.NFA)
    decided = api.get(url).json()

    assert decided["status"] == "decided"
    assert decided["status_label"] == "Decided"
    decision = decided["decision"]
    assert decision["outcome"] == "nfa"
    assert decision["outcome_label"] == "No further action"
    assert decision["level"] == 3
    assert decision["lead_agency"] is None
    assert decision["decided_by"] == {"name": "Sam Patel", "email": decider.email, "phone": "01632 960111"}
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_VIEWED.value).count() == 2


def test_someone_elses_referral_is_not_found(api: Client, make_user: Callable[..., Any]) -> None:
    colleague = make_user(Role.REFERRER, AgencyKind.EDUCATION)  # same agency, different person
    theirs = make_referral(colleague)
    audited = AuditEvent.objects.count()

    response = api.get(f"{URL}{theirs.reference}/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == NO_SUCH_REFERRAL
    assert AuditEvent.objects.count() == audited


def test_an_unknown_reference_is_not_found(api: Client) -> None:
    response = api.get(f"{URL}R-2026-99999/")

    assert response.status_code == 404
    assert response.json()["status"] == 404


# Issuing tokens -----------------------------------------------------------------------------------------


def test_api_token_prints_a_working_token_and_audits_it(referrer: Any) -> None:
    out, err = StringIO(), StringIO()

    call_command("api_token", referrer.username, stdout=out, stderr=err)
    call_command("api_token", referrer.username, stdout=out, stderr=err)

    first, second = out.getvalue().split()
    assert first == second == Token.objects.get(user=referrer).key
    assert "New API token" in err.getvalue()
    assert "Existing API token" in err.getvalue()
    events = AuditEvent.objects.filter(action=AuditAction.USER_CHANGED.value, object_id=str(referrer.pk))
    assert [e.detail for e in events] == [{"api_token": "issued"}] * 2
    client = Client(headers={"Authorization": f"Token {first}"})
    assert post(client, BODY).status_code == 201


def test_api_token_refuses_someone_without_the_referrer_role(make_user: Callable[..., Any]) -> None:
    manager = make_user(Role.SCREENING_MANAGER)

    with pytest.raises(CommandError) as refused:
        call_command("api_token", manager.username, stdout=StringIO(), stderr=StringIO())

    assert str(refused.value) == api_token.NOT_A_REFERRER.format(username=manager.username)
    assert not Token.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.USER_CHANGED.value).exists()


def test_api_token_names_an_unknown_user(hub: Any) -> None:
    with pytest.raises(CommandError, match="There is no user called 'nobody'"):
        call_command("api_token", "nobody", stdout=StringIO(), stderr=StringIO())


# The schema ---------------------------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3_and_documents_the_api(client: Client) -> None:
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    post_op = schema["paths"]["/api/v1/referrals/"]["post"]
    get_op = schema["paths"]["/api/v1/referrals/{reference}/"]["get"]
    assert post_op["security"] == get_op["security"] == [{"tokenAuth": []}]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    problem_ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for code in ("400", "401", "403", "415"):
        assert post_op["responses"][code]["content"] == {PROBLEM: problem_ref}
    assert get_op["responses"]["404"]["content"] == {PROBLEM: problem_ref}
    assert schema["components"]["schemas"]["ReferralSubmission"]["additionalProperties"] is False
    assert set(schema["components"]["schemas"]["Problem"]["properties"]) == {
        "type",
        "title",
        "status",
        "detail",
        "errors",
    }

    as_yaml = yaml.safe_load(client.get("/api/v1/schema/").content)
    assert as_yaml["paths"].keys() == schema["paths"].keys()


def test_the_documented_example_is_accepted(api: Client) -> None:
    schema = api.get("/api/v1/schema/?format=json").json()
    examples = schema["paths"]["/api/v1/referrals/"]["post"]["requestBody"]["content"]["application/json"]

    (example,) = examples["examples"].values()
    response = post(api, example["value"])

    assert response.status_code == 201, response.content


def test_fuzzing_the_post_endpoint_finds_no_server_errors(api: Client) -> None:
    """Schemathesis generates bodies from the schema, valid and invalid: none may cause a 5xx.

    FUZZ_EXAMPLES=600 runs a longer search (about 20 s on SQLite, a minute on PostgreSQL).
    """
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_dict(api.get("/api/v1/schema/?format=json").json())
    operation = schema["/api/v1/referrals/"]["POST"]
    documented = {int(code) for code in operation.definition.raw["responses"]}
    seen: set[int] = set()

    strategy = operation.as_strategy(
        generation_mode=schemathesis.GenerationMode.POSITIVE
    ) | operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)

    @settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        request = case.as_transport_kwargs(base_url="http://testserver")
        headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
        content_type = headers.pop("content-type", "application/json")
        if "json" in request:
            payload: Any = json.dumps(request["json"])
        else:
            payload = request.get("data") or b""
        response = api.generic("POST", URL, payload, content_type=content_type)
        assert response.status_code < 500, (request, response.content)
        assert response.status_code in documented, (request, response.status_code, response.content)
        seen.add(response.status_code)

    send()
    assert seen & {201, 400}
    assert not seen & {401, 403}, "the token stopped working"
