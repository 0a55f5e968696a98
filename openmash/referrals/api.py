"""The referral API for agency systems: send a referral, then follow its status and outcome.

Authentication is by token (`manage.py api_token <username>`); the token's user must hold the referrer
role, and the referral is recorded as made by that user for their agency. Errors are RFC 9457 problem
details (openmash.core.api).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openmash.access.policy import destruction_of
from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import NOTICE
from openmash.cases.models import Case
from openmash.cases.selectors import referrals_made_by
from openmash.casework.intake import referral_receive
from openmash.core.actor import Actor
from openmash.core.api import problem
from openmash.core.dates import format_date
from openmash.decisions.models import Decision
from openmash.referrals.models import Channel, Referral
from openmash.referrals.serializers import (
    ProblemSerializer,
    ReferralSerializer,
    ReferralSubmissionSerializer,
)
from openmash.referrals.services import ReferralInvalidError

NOT_A_REFERRER = (
    "This token's user does not hold the referrer role, so it cannot send or follow referrals. "
    "Ask your hub administrator to grant the role."
)
NO_SUCH_REFERRAL = "You have made no referral with this reference."
FIELDS_TO_CORRECT = "{count} correcting; nothing was saved."

PROBLEM = "application/problem+json"


class CanSendReferrals(BasePermission):
    message = NOT_A_REFERRER

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can(request.user, Perm.REFERRAL_CREATE)


def _actor(request: Request) -> Actor:
    """The token's user, acting as a referrer (an API call has no session, so no chosen role)."""
    return dataclasses.replace(Actor.from_request(request._request), role=Role.REFERRER.value)


def _pointer(path: str) -> str:
    """A service field path (people.0.nhs_number) as a JSON pointer (/people/0/nhs_number)."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path.split("."))


def _invalid(errors: dict[str, list[str]]) -> Response:
    flat = [
        {"pointer": _pointer(path), "detail": message}
        for path, messages in errors.items()
        for message in messages
    ]
    count = "1 field needs" if len(flat) == 1 else f"{len(flat)} fields need"
    return problem(status.HTTP_400_BAD_REQUEST, FIELDS_TO_CORRECT.format(count=count), flat)


def _representation(request: Request, referral: Referral) -> dict[str, Any]:
    case = referral.case
    decision = Decision.objects.filter(case=case).select_related("level", "lead_agency", "decided_by").first()
    url = request.build_absolute_uri(reverse("api-referral", kwargs={"reference": referral.reference}))
    return {
        "reference": referral.reference,
        "case_reference": case.reference,
        "received_at": referral.received_at,
        "status": case.status,
        "status_label": case.get_status_display(),
        "earlier_referrals": list(
            referral.earlier_referrals.order_by("received_at").values_list("reference", flat=True)
        ),
        "decision": _decision(decision) if decision is not None else None,
        "destroyed": _destroyed(case),
        "links": {"self": url},
    }


def _destroyed(case: Case) -> dict[str, Any] | None:
    record = destruction_of(case)
    if record is None:
        return None
    return {
        "destroyed_at": record.destroyed_at,
        "notice": NOTICE.format(date=format_date(record.destroyed_at)),
    }


def _decision(decision: Decision) -> dict[str, Any]:
    decided_by = decision.decided_by
    return {
        "outcome": decision.outcome,
        "outcome_label": decision.get_outcome_display(),
        "lead_agency": decision.lead_agency.name if decision.lead_agency else None,
        "other_service": decision.other_service,
        "level": decision.level.number,
        "level_name": decision.level.name,
        "decided_at": decision.decided_at,
        "decided_by": {
            "name": decided_by.get_full_name() or decided_by.get_username(),
            "email": decided_by.email,
            "phone": decided_by.phone,
        },
    }


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


EXAMPLE = OpenApiExample(
    "A school's referral",
    value={
        "referrer_name": "Amira Okafor",
        "referrer_organisation": "Northshire Primary School",
        "referrer_job_title": "Designated safeguarding lead",
        "referrer_email": "dsl@school.example",
        "referrer_phone": "01632 960000",
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
                "postcode": "NT1 1AA",
                "nhs_number": "999 000 0018",
                "school": "Northshire Primary",
            },
            {"given_name": "Kerry", "family_name": "Whitmore", "relationship": "mother", "sex": "F"},
        ],
    },
    request_only=True,
)


class ReferralCollection(APIView):
    permission_classes = [IsAuthenticated, CanSendReferrals]

    @extend_schema(
        operation_id="referrals_create",
        summary="Send a referral",
        description=(
            "Records the referral for the token user's agency and opens its case (status `new`). "
            "The rules are the referral form's: at least one person referred (`relationship: subject`), "
            "a child under 18 or, where the hub covers adults at risk, an adult with the concern "
            "`adult_at_risk`; valid NHS numbers, dates of birth in the past, known kinds of concern and "
            "threshold levels. "
            "A request that breaks any rule saves nothing and gets a 400 listing every field to correct. "
            "Unknown fields are refused, not ignored."
        ),
        tags=["Referrals"],
        request=ReferralSubmissionSerializer,
        examples=[EXAMPLE],
        parameters=[
            OpenApiParameter(
                "Location",
                str,
                OpenApiParameter.HEADER,
                response=[201],
                description="The referral's URL, to follow its status and outcome.",
            )
        ],
        responses={
            201: OpenApiResponse(
                ReferralSerializer, description="Received; `Location` is the referral's URL."
            ),
            (400, PROBLEM): _problem("Fields to correct, each with a JSON pointer; nothing was saved."),
            (401, PROBLEM): _problem("No token, or an unknown token."),
            (403, PROBLEM): _problem("The token's user does not hold the referrer role."),
            (415, PROBLEM): _problem("The body was not sent as application/json."),
        },
    )
    def post(self, request: Request) -> Response:
        submission = ReferralSubmissionSerializer(data=request.data)
        submission.is_valid(raise_exception=True)
        assert isinstance(request.user, User)  # noqa: S101 - IsAuthenticated with token auth
        data = submission.referral_data(agency=request.user.agency)
        try:
            referral = referral_receive(actor=_actor(request), data=data, channel=Channel.API)
        except ReferralInvalidError as error:
            return _invalid(error.errors)
        body = ReferralSerializer(_representation(request, referral)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["links"]["self"]})


class ReferralDetail(APIView):
    permission_classes = [IsAuthenticated, CanSendReferrals]

    @extend_schema(
        operation_id="referrals_retrieve",
        summary="Follow a referral you made",
        description=(
            "The referral's status and, once the hub has decided, the decision. Only referrals made "
            "with this token's user are found; any other reference is 404."
        ),
        tags=["Referrals"],
        parameters=[
            OpenApiParameter(
                "reference",
                str,
                OpenApiParameter.PATH,
                description="The referral's reference, as R-2026-00042.",
            )
        ],
        responses={
            200: OpenApiResponse(ReferralSerializer, description="The referral's status and any decision."),
            (401, PROBLEM): _problem("No token, or an unknown token."),
            (403, PROBLEM): _problem("The token's user does not hold the referrer role."),
            (404, PROBLEM): _problem("You have made no referral with this reference."),
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        referral = referrals_made_by(request.user).filter(reference=reference).first()
        if referral is None:
            return problem(status.HTTP_404_NOT_FOUND, NO_SUCH_REFERRAL)
        audit_record(
            actor=_actor(request),
            action=AuditAction.REFERRAL_VIEWED,
            obj=referral,
            persons=referral.people.values_list("pk", flat=True),
            detail={"reference": referral.reference, "channel": Channel.API.value},
        )
        return Response(ReferralSerializer(_representation(request, referral)).data)
