"""What the meeting pages read: meetings, their agenda, the projected case and the minutes.

The meeting screen is projected to a room: it shows a child by initials and age only, and any name or
address of a person on the referral that appears in free text is replaced by initials or "[address]".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import when_destroyed
from openmash.cases.models import Case, CaseStatus
from openmash.chronology.selectors import Entry, chronology
from openmash.core.actor import Actor
from openmash.decisions.models import Decision
from openmash.enquiries.models import DONE_STATUSES, InformationRequest, RequestStatus
from openmash.meetings.models import AgendaItem, Meeting, MeetingStatus
from openmash.referrals.models import ReferralPerson

ADDRESS = "[address]"


def with_item_count(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.select_related("chair", "chair__agency").annotate(item_count=Count("items"))


def upcoming_meetings(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Of the meetings given (the ones the person may see), those not closed, from today on."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return with_item_count(meetings).exclude(status=MeetingStatus.CLOSED).filter(scheduled_for__gte=today)


def _persons(cases: list[Case]) -> list[str]:
    return [
        str(pk) for pk in ReferralPerson.objects.filter(referral__case__in=cases).values_list("pk", flat=True)
    ]


def audit_meeting_read(actor: Actor, meeting: Meeting, action: AuditAction, **detail: object) -> None:
    cases = [item.case for item in meeting.items.select_related("case")]
    audit_record(
        actor=actor,
        action=action,
        obj=meeting,
        persons=_persons(cases),
        detail={"cases": [c.reference for c in cases], **detail},
    )


# Names on a shared screen ------------------------------------------------------------------------


def initials(person: ReferralPerson) -> str:
    letters = [part[0].upper() for part in (person.given_name, person.family_name) if part.strip()]
    return ".".join(letters) + "." if letters else "Not named"


def age(born: date | None, on: date | None = None) -> str:
    if born is None:
        return "Age not known"
    on = on or timezone.localdate()
    if born > on:
        return "Unborn"
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    if months < 12:
        return f"{months} month{'' if months == 1 else 's'}"
    years = months // 12
    return f"{years} year{'' if years == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class Redactor:
    """Replaces the names and addresses of the people on a referral in free text."""

    pattern: re.Pattern[str]
    replacements: dict[str, str]

    def __call__(self, text: str) -> str:
        return self.pattern.sub(lambda m: self.replacements[m.group(0).lower()], text)


def redactor(people: list[ReferralPerson]) -> Redactor | None:
    """One pattern matching every name and address of these people (longest first)."""
    replacements: dict[str, str] = {}
    for person in people:
        short = initials(person)
        full = f"{person.given_name} {person.family_name}".strip()
        for name in (full, person.given_name.strip(), person.family_name.strip()):
            if len(name) > 1:
                replacements.setdefault(name.lower(), short)
        for place in (person.address.strip(), person.address.split(",")[0].strip(), person.postcode.strip()):
            if len(place) > 2:
                replacements[place.lower()] = ADDRESS
    if not replacements:
        return None
    alternatives = sorted(replacements, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in alternatives) + r")\b", re.IGNORECASE)
    return Redactor(pattern=pattern, replacements=replacements)


def redact(text: str, redaction: Redactor | None) -> str:
    if redaction is None or not text:
        return text
    return redaction(text)


# The agenda --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgendaRow:
    item: AgendaItem
    case: Case
    children: list[str]
    asked: int
    returned: int
    decision: Decision | None

    @property
    def decided(self) -> bool:
        return self.decision is not None

    @property
    def status_label(self) -> str:
        return CaseStatus(self.case.status).label


def _subjects(case: Case) -> list[ReferralPerson]:
    subjects = getattr(case.referral, "subjects", None)
    if subjects is None:
        subjects = [p for p in case.referral.people.all() if p.is_subject]
    return list(subjects)


def agenda(meeting: Meeting) -> list[AgendaRow]:
    items = (
        meeting.items.select_related(
            "case", "case__referral", "case__decision", "case__decision__level", "case__destruction"
        )
        .prefetch_related(
            Prefetch(
                "case__referral__people",
                queryset=ReferralPerson.objects.filter(is_subject=True),
                to_attr="subjects",
            )
        )
        .annotate(
            asked=Count("case__requests", filter=~Q(case__requests__status=RequestStatus.WITHDRAWN)),
            returned=Count("case__requests", filter=Q(case__requests__status__in=DONE_STATUSES)),
        )
        .order_by("order")  # Meta.ordering is not applied to aggregating queries
    )
    rows = []
    for item in items:
        case = item.case
        rows.append(
            AgendaRow(
                item=item,
                case=case,
                children=[f"{initials(p)} ({age(p.date_of_birth)})" for p in _subjects(case)],
                asked=getattr(item, "asked", 0),
                returned=getattr(item, "returned", 0),
                decision=getattr(case, "decision", None),
            )
        )
    return rows


# The meeting screen ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyContribution:
    agency: str
    status: str
    summary: str
    risk_factors: str
    protective_factors: str
    returned: bool


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    on: date
    agency: str
    category: str
    description: str


@dataclass(frozen=True, slots=True)
class ScreenCase:
    reference: str
    children: list[tuple[str, str]]
    concerns: list[str]
    rag: str
    rag_label: str
    level: str
    status: str
    contributions: list[AgencyContribution]
    significant: list[ScreenEntry]


def screen_case(case: Case) -> ScreenCase:
    """Only what the hub allows on a shared screen: no full names, no addresses."""
    people = list(case.referral.people.all())
    pattern = redactor(people)
    requests = InformationRequest.objects.filter(case=case).exclude(status=RequestStatus.WITHDRAWN)
    contributions = [
        AgencyContribution(
            agency=r.agency.name,
            status=RequestStatus(r.status).label,
            summary=redact(r.summary, pattern),
            risk_factors=redact(r.risk_factors, pattern),
            protective_factors=redact(r.protective_factors, pattern),
            returned=r.status == RequestStatus.RETURNED,
        )
        for r in requests.select_related("agency").order_by("agency__name")
    ]
    significant = [
        ScreenEntry(
            on=e.on, agency=e.agency, category=e.category_label, description=redact(e.description, pattern)
        )
        for e in chronology(case)
        if _significant(e)
    ]
    return ScreenCase(
        reference=case.reference,
        children=[(initials(p), age(p.date_of_birth)) for p in people if p.is_subject],
        concerns=case.referral.concern_labels(),
        rag=case.rag,
        rag_label=case.get_rag_display(),
        level=str(case.level) if case.level else "",
        status=CaseStatus(case.status).label,
        contributions=contributions,
        significant=significant,
    )


def _significant(entry: Entry) -> bool:
    return entry.significant


# Minutes -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MinuteItem:
    order: int
    case: Case
    reference: str
    children: list[str]
    decision: Decision | None
    rationale: str
    discussed: bool


def minutes_items(meeting: Meeting) -> list[MinuteItem]:
    items = (
        meeting.items.select_related("case", "case__referral", "case__destruction")
        .prefetch_related("case__referral__people")
        .order_by("order")
    )
    decisions = {
        d.case_id: d
        for d in Decision.objects.filter(case__agenda_items__meeting=meeting)
        .select_related("level", "lead_agency", "decided_by", "decided_by__agency")
        .prefetch_related("views__agency", "challenges__agency", "actions__owner_agency")
    }
    result = []
    for item in items:
        people = list(item.case.referral.people.all())
        decision = decisions.get(item.case_id)
        result.append(
            MinuteItem(
                order=item.order,
                case=item.case,
                reference=item.case.reference,
                children=[] if when_destroyed(item.case) else [initials(p) for p in people if p.is_subject],
                decision=decision,
                rationale=redact(decision.rationale, redactor(people)) if decision else "",
                discussed=item.discussed_at is not None or decision is not None,
            )
        )
    return result
