"""Cases ready for a decision and a meeting, built through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from openmash.accounts.models import User
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import HistoryData, request_save_return, request_take
from openmash.hub.models import AgencyKind, RagRating
from openmash.meetings.models import Meeting
from openmash.meetings.services import agenda_build_from_ready, meeting_schedule
from openmash.referrals.services import PersonData

POLICE_SUMMARY = "Officers attended Jayden Whitmore's home at 1 Elm Road, Northtown, NT1 1AA twice."


def _screened_case(
    make_user: Any,
    *,
    given: str,
    family: str,
    born: date,
    sex: str,
    address: str,
    postcode: str,
    rag: RagRating,
) -> Case:
    """A referral from a school about one child, screened to police and health."""
    referral = make_referral(
        make_user(_role("REFERRER"), AgencyKind.EDUCATION),
        people=[
            PersonData(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex=sex,
                address=address,
                postcode=postcode,
            )
        ],
    )
    return screen(referral.case, make_user(_role("SCREENING_MANAGER")), rag=rag)


def ready_case(
    make_user: Any, *, given: str = "Jayden", family: str = "Whitmore", rag: RagRating = RagRating.AMBER
) -> Case:
    """A case screened to police and health, each of which returns: ready for decision."""
    case = _screened_case(
        make_user,
        given=given,
        family=family,
        born=date(2018, 5, 4),
        sex="M",
        address="1 Elm Road, Northtown",
        postcode="NT1 1AA",
        rag=rag,
    )
    for request in InformationRequest.objects.filter(case=case).select_related("agency"):
        researcher = make_user(_role("AGENCY_RESEARCHER"), request.agency.kind)
        return_request(
            researcher, request, summary=POLICE_SUMMARY.replace("Jayden Whitmore", f"{given} {family}")
        )
    case.refresh_from_db()
    return case


def gathering_case(
    make_user: Any, *, given: str = "Mia", family: str = "Stone", rag: RagRating = RagRating.AMBER
) -> Case:
    """A case screened to police and health that no agency has answered yet: gathering information."""
    case = _screened_case(
        make_user,
        given=given,
        family=family,
        born=date(2019, 2, 11),
        sex="F",
        address="4 Ash Close, Northtown",
        postcode="NT1 2BB",
        rag=rag,
    )
    case.refresh_from_db()
    return case


def return_request(researcher: User, request: InformationRequest, *, summary: str) -> None:
    actor = Actor(user=researcher)
    request_take(actor=actor, request=request)
    request.refresh_from_db()
    request_save_return(
        actor=actor,
        request=request,
        expected_version=request.version,
        summary=summary,
        risk_factors="Violence in the home",
        protective_factors="Grandmother nearby",
        history=[
            HistoryData(
                date(2026, 9, 1),
                "domestic_abuse",
                f"{request.agency.name}: incident at 1 Elm Road",
                "high",
                f"SRC-{request.agency.kind}",
            )
        ],
        submit=True,
    )


def schedule(chair: User, title: str = "MASH daily meeting") -> Meeting:
    return meeting_schedule(
        actor=Actor(user=chair), title=title, scheduled_for=timezone.now() + timedelta(hours=1)
    )


def meeting_discussing(chair: User, *cases: Case, title: str = "MASH daily meeting") -> Meeting:
    """A meeting the chair schedules with these cases on its agenda, built through the service.

    The service also adds every case ready for decision that is not yet on the agenda; the cases named
    here must be gathering information or ready for decision.
    """
    meeting = schedule(chair, title)
    agenda_build_from_ready(
        actor=Actor(user=chair), meeting=meeting, expected_version=meeting.version, chosen=cases
    )
    meeting.refresh_from_db()
    return meeting


def _role(name: str) -> Any:
    from openmash.accounts.roles import Role

    return Role[name]
