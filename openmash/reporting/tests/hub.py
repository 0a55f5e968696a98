"""A small hand-built hub for the measures: each record written as the services would leave it, with
times chosen to sit on the working-time clock's edges (a weekend, Christmas and the Boxing Day bank
holiday of 2026). The right answers are worked out by hand in the tests that use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from openmash.accounts.models import User
from openmash.cases.models import Case, CaseStatus, Route
from openmash.cases.services import decision_due_at
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.decisions.models import OUTCOME_CODES, AgencyView, Challenge, Decision, LevelChange, Outcome
from openmash.enquiries.deadlines import due_at
from openmash.enquiries.models import HistoryItem, InformationRequest, RequestStatus, Significance
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.referrals.models import Channel, FamilyConsent, Referral, ReferralPerson, Relationship
from openmash.referrals.services import earlier_referrals_about
from openmash.sources.models import DataSource, SourceLoad
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate

LONDON = ZoneInfo("Europe/London")
NUMBERS = count(1)


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def contact(
    received_at: datetime,
    *,
    source: str = "2A",
    categories: tuple[str, ...] = ("neglect",),
    children: tuple[tuple[str, str, date, str, str], ...] = (
        ("Jayden", "Whitmore", date(2018, 5, 4), "M", ""),
    ),
    agency: Agency | None = None,
) -> Referral:
    """A contact about one or more children (given, family, born, sex, NHS number), linked to earlier
    contacts about the same child as the referral service links them."""
    n = next(NUMBERS)
    referral = Referral.objects.create(
        reference=f"R-T-{n:05d}",
        received_at=received_at,
        channel=Channel.FORM,
        referrer_name="A referrer",
        referrer_organisation="Northshire Primary",
        referrer_agency=agency,
        source=source,
        concerns="Concerns described by the referrer.",
        concern_categories=list(categories),
        family_consent=FamilyConsent.AWARE_AGREES,
        referrer_level=2,
    )
    people = [
        ReferralPerson.objects.create(
            referral=referral,
            is_subject=True,
            relationship=Relationship.SUBJECT,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=sex,
            nhs_number=nhs,
        )
        for given, family, born, sex, nhs in children
    ]
    ReferralPerson.objects.create(
        referral=referral,
        relationship=Relationship.MOTHER,
        given_name="Kerry",
        family_name="Whitmore",
        sex="F",
    )
    referral.earlier_referrals.set(earlier_referrals_about(people, exclude=referral))
    return referral


def open_case(
    referral: Referral,
    *,
    screened_at: datetime | None = None,
    rag: str = RagRating.AMBER,
    route: str = Route.MASH_ENQUIRY,
) -> Case:
    return Case.objects.create(
        reference="C" + referral.reference.removeprefix("R"),
        referral=referral,
        status=CaseStatus.INFORMATION_GATHERING if screened_at else CaseStatus.NEW,
        status_changed_at=screened_at or referral.received_at,
        decision_due_at=decision_due_at(received_at=referral.received_at),
        rag=rag if screened_at else "",
        route=route if screened_at else "",
        screened_at=screened_at,
    )


def ask(
    case: Case,
    kind: str,
    *,
    sent_at: datetime,
    returned_at: datetime | None = None,
    status: str = RequestStatus.RETURNED,
    history: int = 0,
) -> InformationRequest:
    request = InformationRequest.objects.create(
        case=case,
        agency=Agency.objects.get(kind=kind),
        status=status if returned_at or status != RequestStatus.RETURNED else RequestStatus.OPEN,
        sent_at=sent_at,
        due_at=due_at(sent_at=sent_at, rag=case.rag),
        returned_at=returned_at,
    )
    for i in range(history):
        HistoryItem.objects.create(
            request=request,
            occurred_on=date(2026, 10, 1 + i),
            kind="incident",
            description="An event",
            significance=Significance.MEDIUM,
            source_reference=f"REF-{i}",
        )
    return request


def decide(
    case: Case,
    by: User,
    outcome: str,
    *,
    decided_at: datetime,
    level_change: str = LevelChange.SAME,
    without: list[str] | None = None,
) -> Decision:
    contact_outcome, referral_outcome = OUTCOME_CODES[outcome]
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.DECIDED, status_changed_at=decided_at)
    return Decision.objects.create(
        case=case,
        outcome=outcome,
        level=ThresholdLevel.objects.get(number=3),
        level_change=level_change,
        contact_outcome=contact_outcome,
        referral_outcome=referral_outcome,
        rationale="The hub's reasons.",
        proceeded_without=without or [],
        decided_by=by,
        decided_at=decided_at,
    )


@dataclass
class Hub:
    """The hand-built hub: references by name, for the tests to look at."""

    refs: dict[str, Any] = field(default_factory=dict)


NOW = at(2027, 1, 5, 12)
"""When the tests read the measures: after the period, so open requests past their deadline are overdue."""


def build(make_user: Any) -> Hub:
    """December 2026 (the period) and November 2026 (the period before).

    November
      R0  Mon 2 Nov 10:00, schools (2A), neglect, about Jayden (NHS 9990000018). Screened 11:00 (green),
          decided Tue 3 Nov 09:00 (due 10:00): child in need assessment, a referral. Police asked
          11:00; green is 3 working days, so due Thu 5 Nov 11:00; returned Fri 6 Nov 10:00: late.
    December
      R1  Fri 4 Dec 16:30, schools, neglect, about "Jaden" Whitmore, the same NHS number as R0: a
          re-referral despite the misspelt name. Decision due one working day later across the
          weekend, Mon 7 Dec 16:30; screened Mon 10:00 (on time, amber), decided Mon 15:00 (on time),
          escalated: assessment (a referral). Police asked Mon 11:00, due Tue 8 Dec 11:00, returned Mon
          14:00 (3 working hours, on time, 3 history items); health asked Mon 11:00, nil return Wed
          9 Dec 10:00 (15 working hours: late).
      R2  Tue 1 Dec 10:00, police (6), domestic abuse and neglect. Due Wed 2 Dec 10:00; screened Wed
          11:00 (late, red, no further action route), decided NFA Wed 12:00 (late), de-escalated, and
          challenged.
      R3  Thu 24 Dec 15:00, schools, physical abuse, about Mia (NHS 9990000026). Due after 2 working
          hours on Thursday and 6 on Tuesday 29 Dec (Christmas Day, the weekend and the Boxing Day
          substitute bank holiday on Monday 28 closed): Tue 29 Dec 15:00. Screened Thu 15:30 (on
          time, amber). Police asked Thu 16:00, due Tue 29 Dec 16:00, returned Tue 15:00 (7 working
          hours, on time, 1 history item, 1 item withheld, a trawl with a confirmed match); health
          asked Thu 16:00, never answered (overdue now, deadline missed). Decided Wed 30 Dec 10:00
          (late) without health, police disagreeing: strategy discussion (a referral).
      R4  Tue 8 Dec 09:00, individual (1A), other: never screened; due Tue 8 Dec 17:00, overdue now.
    Long before
      R-1 Sun 15 Nov 2025 about Mia, decided a referral: 404 days before R3, so R3 is no re-referral.
    """
    hub = Hub()
    maker = make_user("decision_maker")
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    mia = (("Mia", "Ashworth", date(2015, 2, 10), "F", "9990000026"),)
    jayden = (("Jayden", "Whitmore", date(2018, 5, 4), "M", "9990000018"),)

    old = contact(at(2025, 11, 15, 10), children=mia)
    old_case = open_case(old, screened_at=at(2025, 11, 17, 10))
    decide(old_case, maker, Outcome.S17_ASSESSMENT, decided_at=at(2025, 11, 17, 12))

    r0 = contact(at(2026, 11, 2, 10), children=jayden)
    c0 = open_case(r0, screened_at=at(2026, 11, 2, 11), rag=RagRating.GREEN)
    ask(c0, AgencyKind.POLICE, sent_at=at(2026, 11, 2, 11), returned_at=at(2026, 11, 6, 10))
    decide(c0, maker, Outcome.S17_ASSESSMENT, decided_at=at(2026, 11, 3, 9))

    misspelt = (("Jaden", "Whitmore", date(2018, 5, 4), "M", "9990000018"),)
    r1 = contact(at(2026, 12, 4, 16, 30), children=misspelt)
    c1 = open_case(r1, screened_at=at(2026, 12, 7, 10))
    ask(c1, AgencyKind.POLICE, sent_at=at(2026, 12, 7, 11), returned_at=at(2026, 12, 7, 14), history=3)
    ask(
        c1,
        AgencyKind.HEALTH,
        sent_at=at(2026, 12, 7, 11),
        returned_at=at(2026, 12, 9, 10),
        status=RequestStatus.NIL_RETURN,
    )
    decide(
        c1, maker, Outcome.S17_ASSESSMENT, decided_at=at(2026, 12, 7, 15), level_change=LevelChange.ESCALATED
    )

    r2 = contact(
        at(2026, 12, 1, 10),
        source="6",
        categories=("domestic_abuse", "neglect"),
        children=(("Leo", "Baines", date(2020, 8, 1), "M", ""),),
        agency=police,
    )
    c2 = open_case(r2, screened_at=at(2026, 12, 2, 11), rag=RagRating.RED, route=Route.NFA)
    d2 = decide(c2, maker, Outcome.NFA, decided_at=at(2026, 12, 2, 12), level_change=LevelChange.DE_ESCALATED)
    Challenge.objects.create(decision=d2, raised_by="The referrer", challenge="We think this needs more.")

    r3 = contact(at(2026, 12, 24, 15), categories=("physical_abuse",), children=mia)
    c3 = open_case(r3, screened_at=at(2026, 12, 24, 15, 30))
    p3 = ask(c3, AgencyKind.POLICE, sent_at=at(2026, 12, 24, 16), returned_at=at(2026, 12, 29, 15), history=1)
    h3 = ask(c3, AgencyKind.HEALTH, sent_at=at(2026, 12, 24, 16), status=RequestStatus.OPEN)
    d3 = decide(c3, maker, Outcome.S47_STRATEGY, decided_at=at(2026, 12, 30, 10), without=["Health"])
    d3.level_change = LevelChange.UNKNOWN
    d3.save()
    AgencyView.objects.create(decision=d3, agency=police, view=AgencyView.View.DISAGREE)
    Disclosure.objects.create(
        at=at(2026, 12, 29, 14),
        kind=DisclosureKind.WITHHELD,
        case=c3,
        from_agency=police,
        to_description="The hub",
        item_type="withheld",
        item_id=str(p3.pk),
        item_summary="An intelligence report",
        reason="Would prejudice an investigation",
    )
    source = DataSource.objects.create(agency=police, name="Police records", kind="csv")
    load = SourceLoad.objects.create(source=source)
    trawl = Trawl.objects.create(request=p3, started_by=maker)
    Trawl.objects.filter(pk=trawl.pk).update(created_at=at(2026, 12, 29, 10))
    TrawlCandidate.objects.create(
        trawl=trawl,
        person=r3.people.get(is_subject=True),
        source=source,
        load=load,
        record_id="P-1",
        rank=1,
        match_probability=0.99,
        match_weight=12.0,
        status=CandidateStatus.CONFIRMED,
        decided_by=maker,
        decided_at=at(2026, 12, 29, 11),
    )

    r4 = contact(
        at(2026, 12, 8, 9),
        source="1A",
        categories=("other",),
        children=(("Ava", "Reed", date(2022, 1, 1), "F", ""),),
    )
    c4 = open_case(r4)

    hub.refs.update(
        r0=r0, r1=r1, r2=r2, r3=r3, r4=r4, c1=c1, c2=c2, c3=c3, c4=c4, p3=p3, h3=h3, police=police
    )
    return hub
