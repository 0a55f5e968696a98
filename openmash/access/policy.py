"""The access policy: may this person do this to this object holding personal data, and if not, why not.

One function answers for one object, `decide(user, action, obj)`, and one family of functions filters
querysets to what a person may see (`cases_visible`, `requests_visible`, `meetings_visible`, ...).
Views never decide access themselves: they call `openmash.access.enforce.authorize`, which asks
`decide`, audits a refusal as a refusal and raises, or they read through the filters here.

The rules, in words (the README's "Who sees what" table says the same):
- Hub staff who see every case (screening managers, decision makers) see the whole case and every
  agency's contribution.
- A meeting chair sees the cases on the agendas of meetings they chair, as hub staff do.
- A partner agency's researcher sees a case their agency was asked about while the agency's request is
  not waiting at the sharing gate: the referral, the people, their own contribution and the outcome;
  other agencies' contributions only where the hub's rule allows or their agency attended a meeting that
  discussed the case, and never one whose sharing the gate no longer allows (a duty of confidentiality
  without the consent or override that let it be shared, withdrawn consent). A researcher whose request
  waits at the gate sees the request page only, with the reason and the remedy. While its request is
  open and the case undecided, the researcher may add someone the referral did not name (a household
  member found in the agency's records), recorded as added by the agency during the search.
- A referrer sees the referral they made and its outcome, not the case.
- A member of a specialist team sees a case routed to the team (waiting for it or accepted), with the
  contributions the sharing gate allows; only members accept it or send it back.
- Early help: a researcher in the keyworker's agency sees the case once the product is handed over, with
  the contributions the sharing gate allows. Nobody decides an early-help case (the hub records no
  decision, or a keyworker was appointed on it): its product goes to the keyworker.
- Information governance officers: the hub's answer for the whole disclosure log; a partner agency's
  for its agency's part, and may look up only cases and people its agency was involved with.
- A decided or closed case's people are read-only, except corrections by a decision maker, with a reason.
- A case whose personal data was destroyed under the hub's retention rules takes no more writes, by anyone:
  every action in `WRITES` (screening, decisions, consent, people, requests and their searches, notices,
  challenges, routings, holds, meeting items) is refused with the date it was destroyed. Its pages still
  open for those who saw it, with the destruction warning.
- Retention: the hub's information governance officers and the hub administrator see what is due for
  destruction, the holds and the destruction records, and change the retention rules; only the hub's
  information governance officers put a legal hold on a case or lift it. A partner agency's officer
  answers for their agency's part of the disclosure log, not for the hub's retention.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import Role
from openmash.cases.destroyed import DESTROYED
from openmash.cases.models import Case, CaseStatus, Keyworker
from openmash.consent.gate import GateDecision, Purpose, evaluate
from openmash.consent.models import ConsentRecord, Disclosure, LawfulBasisDecision
from openmash.consent.selectors import sees_whole_log
from openmash.core.dates import format_date
from openmash.core.prepared import Param, Prepared, as_prefetched, is_kept, kept_rows
from openmash.decisions.models import Decision, OutcomeChallenge
from openmash.enquiries.models import OPEN_STATUSES, InformationRequest, RequestStatus
from openmash.feedback.models import OutcomeNotification, Recipient
from openmash.hub.models import Agency, Team
from openmash.hub.selectors import hub_configuration
from openmash.meetings.models import AgendaItem, Attendance, Meeting
from openmash.people.selectors import addition_of
from openmash.referrals.models import Referral, ReferralPerson
from openmash.retention.models import DestructionRecord
from openmash.teams.models import Routing, RoutingStatus

PUBLIC_ROUTES = frozenset({"accounts:sign-in", "health:live", "health:ready", "api-schema"})
"""The pages anyone may open without signing in. None holds personal data: the sign-in form, the API's
OpenAPI schema, and the health endpoints a load balancer or monitor asks (plain JSON: ok or not, ages
in seconds, no person or case). The access sweep checks that every other page sends someone not signed
in to sign in."""


class Action(StrEnum):
    CASES_LIST = "cases.list"
    """The list of cases: hub staff and meeting chairs (who see their meetings' cases)."""
    CASE_VIEW = "case.view"
    """The whole case: case page, people, genogram, chronology, product, and their exports."""
    CASE_SCREEN = "case.screen"
    CASE_RERATE = "case.rerate"
    CASE_DECIDE = "case.decide"
    PEOPLE_CHANGE = "people.change"
    CASE_ALLOCATE = "case.allocate"
    """Recording the team and worker a decided referral is allocated to."""
    CASE_ASK_FURTHER = "case.ask_further"
    """Asking another agency after screening."""
    CONSENT_VIEW = "consent.view"
    CONSENT_RECORD = "consent.record"
    REQUEST_VIEW = "request.view"
    """The request page: shown even while blocked, to say why."""
    REQUEST_RESPOND = "request.respond"
    """The request's work: taking it, saving or submitting its return, a nil return, withholding."""
    REQUEST_TRAWL = "request.trawl"
    """Reading what a search of the agency's records found: needs the sharing gate open."""
    TRAWL_RECORD = "request.trawl_record"
    """Searching the agency's records, deciding on what was found, and putting it into the return (or
    changing or removing it there): the search's rule, as a write."""
    REQUEST_ADD_PERSON = "request.add_person"
    """Adding someone the referral did not name, found while answering the request (a household member):
    the agency's researcher, while the request is open, the gate lets them search and the case is not
    decided."""
    PERSON_REMOVE = "person.remove"
    """Removing someone added to a case in error: the agency that added them while its request is open,
    or the screening manager while the case is open; never someone the referral named."""
    MEETINGS_LIST = "meetings.list"
    MEETING_VIEW = "meeting.view"
    MEETING_RUN = "meeting.run"
    MEETING_AGENDA = "meeting.agenda"
    """Choosing a meeting's cases: hub staff who see every case (a chair sees only their agenda)."""
    MEETING_SCHEDULE = "meeting.schedule"
    REFERRAL_VIEW = "referral.view"
    OUTCOMES_LIST = "outcomes.list"
    OUTCOME_VIEW = "outcome.view"
    """An outcome notice: to its referrer, or to the agency it was sent to."""
    OUTCOME_CHALLENGE = "outcome.challenge"
    """Challenging an outcome: the referrer, or an agency told it (the notice's own addressee)."""
    CHALLENGE_ANSWER = "challenge.answer"
    """Answering a challenge to an outcome."""
    OUTCOME_RESEND = "outcome.resend"
    """A notice that could not be sent: sending it again, or giving it up with a reason."""
    DISCLOSURES_CASE = "disclosures.case"
    """Looking a case up in the disclosure log."""
    TRANSPARENCY_REPORT = "transparency.report"
    """A person's transparency report."""
    TRIAGE = "cases.triage"
    """The triage list and its quick decisions (hubs that do not screen every referral)."""
    CASE_HAND_OVER = "case.hand_over"
    """Early help: appointing the keyworker and handing the product to them."""
    CASE_ROUTE_AGAIN = "case.route_again"
    """Routing a case a specialist team sent back to another team."""
    TEAMS_LIST = "teams.list"
    """The specialist teams a person belongs to (hub staff: every team)."""
    TEAM_QUEUE = "team.queue"
    """A team's queue of routed cases: its members, and hub staff who see every case."""
    ROUTING_ANSWER = "routing.answer"
    """Accepting a routed case for the team, or sending it back: the team's members."""
    TEAMS_CONFIGURE = "teams.configure"
    """Adding and changing specialist teams and their members: hub administrators."""
    HANDOVERS_LIST = "handovers.list"
    """Early-help cases handed to a keyworker in the person's agency."""
    REPORTS_VIEW = "reports.view"
    """The partnership's performance measures, dashboard and exports (figures, no one's details)."""
    ANNEX_A = "reports.annex_a"
    """Ofsted's Annex A lists: one row per child, so personal data; each export is audited."""
    SCORECARD_VIEW = "reports.scorecard"
    """One partner agency's scorecard: the performance manager, or that agency's own lead."""
    RETENTION_VIEW = "retention.view"
    """What is due for destruction and when, the legal holds, the destruction records and the rules."""
    RETENTION_CONFIGURE = "retention.configure"
    """Changing how long each kind of closed case is kept."""
    LEGAL_HOLD = "retention.hold"
    """Putting a legal hold on a case, or lifting it."""


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    """The object's existence is itself personal data: answer 404."""
    FORBIDDEN = "forbidden"
    BLOCKED = "blocked"
    """The agency's request waits at the sharing gate: the explanation, never the family."""
    WITHDRAWN = "withdrawn"
    """The agency's request was withdrawn: the case no longer needs its information."""
    REFERRER = "referrer"
    """The referrer sees their referral and its outcome, not the case."""
    CLOSED = "closed"
    """The case is decided or closed: read-only."""
    DESTROYED = "destroyed"
    """The case's personal data was destroyed under the retention rules: no more writes."""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    refusal: Refusal | None = None
    reason: str = ""
    request: InformationRequest | None = None
    """The person's own agency's request, when a refusal is about it (blocked, withdrawn)."""
    correction: bool = False
    """Allowed as a correction to a decided case: the change needs a reason."""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Verdict(True)
NOT_FOUND = Verdict(False, Refusal.NOT_FOUND, "Not visible to this person")

CLOSED_REASON = (
    "This case has been decided, so its people are read-only. A decision maker can correct them, "
    "giving the reason."
)
DESTROYED_REASON = DESTROYED
"""The refusal of a write on a destroyed case: the words the case's own guard gives (cases.destroyed)."""
EARLY_HELP_REASON = (
    "This is an early-help case: its product is handed to the family's keyworker, and the hub records "
    "no decision on it"
)
ANSWERED_REASON = (
    "Your agency has answered this request, so nobody more is added to the case from it. "
    "The hub can correct the case's people."
)
WITHDRAWN_REASON = (
    "Your agency's request on this case was withdrawn: the hub no longer needs its information."
)


def withdrawn_reason(request: InformationRequest) -> str:
    """Why a request closed as no longer needed is refused, with the hub's reason where it gave one."""
    return f"{WITHDRAWN_REASON} {request.ended_reason}".strip()


def _active(user: object) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


# How a person stands to a case -----------------------------------------------------------------------------


@dataclass(slots=True)
class Standing:
    """Everything the rules need about one person and one case, read once."""

    hub: bool = False
    chair: bool = False
    request: InformationRequest | None = None
    gate_open: bool = False
    attended: bool = False
    referrer: bool = False
    team: bool = False
    """A member of a specialist team the case is routed to (waiting for the team, or accepted)."""
    keyworker: bool = False
    """A researcher in the agency of the keyworker the early-help product was handed to."""
    notes: list[str] = field(default_factory=list)
    requests: list[InformationRequest] | None = None
    """A researcher's: every request on the case, read once for their agency's and for the agencies
    whose returns they may see (an agency is asked once on a case)."""


_STANDINGS: ContextVar[dict[tuple[object, object], Standing] | None] = ContextVar(
    "openmash_standings", default=None
)


@contextmanager
def standings_remembered() -> Iterator[None]:
    """Within a request that changes nothing (a GET), decide each person's standing on a case once,
    however many of the page's panels ask (AccessMiddleware): the request page asks to open the request,
    which agencies' returns to show and whether the researcher may add someone."""
    token = _STANDINGS.set({})
    try:
        yield
    finally:
        _STANDINGS.reset(token)


def _gate(case: Case, agency: Agency, purpose: Purpose) -> GateDecision:
    """The sharing gate for one agency on a case. Within a read (see `standings_remembered`) the case's
    people, consents and lawful bases are read once for every agency and purpose the page asks about;
    a write asks with what it has just changed, so nothing is kept for it."""
    if _STANDINGS.get() is not None:
        for name, rows in _GATE_READS.items():
            if not is_kept(case, name):
                as_prefetched(case, name, rows.run(case=case.pk))
        if not is_kept(case.referral, "people"):
            as_prefetched(case.referral, "people", _REFERRAL_PEOPLE.run(referral=case.referral_id))
    return evaluate(config=hub_configuration(), case=case, agency=agency, purpose=purpose)


# What the gate reads of a case, once for every agency a page asks about: compiled once (ADR 0040).
_GATE_READS: dict[str, Prepared[Any]] = {
    "consents": Prepared(lambda: ConsentRecord.objects.filter(case_id=Param("case", Case._meta.pk))),
    "lawful_bases": Prepared(
        lambda: LawfulBasisDecision.objects.filter(case_id=Param("case", Case._meta.pk))
    ),
}
_REFERRAL_PEOPLE = Prepared(
    lambda: ReferralPerson.objects.filter(referral_id=Param("referral", Referral._meta.pk))
)


def standing(user: User, case: Case) -> Standing:
    remembered = _STANDINGS.get()
    if remembered is None:
        return _standing(user, case)
    key = (user.pk, case.pk)
    if key not in remembered:
        remembered[key] = _standing(user, case)
    return remembered[key]


# Asked on nearly every page about a case: compiled once (ADR 0040).
_CASE_KEY = Case._meta.pk
_CASE_REQUESTS = Prepared(
    lambda: InformationRequest.objects.filter(case_id=Param("case", _CASE_KEY)).select_related("agency")
)


def _case_requests(case: Case) -> list[InformationRequest]:
    """The case's requests with their agencies: the page's, where it loaded them already."""
    kept = kept_rows(case, "requests")
    return kept if kept is not None else _CASE_REQUESTS.run(case=case.pk)


_USER_KEY = User._meta.pk
_CHAIRS = Prepared(
    lambda: AgendaItem.objects.filter(
        case_id=Param("case", _CASE_KEY), meeting__chair_id=Param("user", _USER_KEY)
    )
)
_ATTENDED = Prepared(
    lambda: Attendance.objects.filter(
        meeting__items__case_id=Param("case", _CASE_KEY),
        agency_id=Param("agency", Agency._meta.pk),
        status=Attendance.Status.PRESENT,
    )
)
_IN_TEAM = Prepared(
    lambda: Routing.objects.filter(
        case_id=Param("case", _CASE_KEY), team__members=Param("user", _USER_KEY)
    ).exclude(status=RoutingStatus.SENT_BACK)
)
_KEYWORKER = Prepared(
    lambda: Keyworker.objects.filter(
        case_id=Param("case", _CASE_KEY), agency_id=Param("agency", Agency._meta.pk)
    )
)

_ANY_KEYWORKER = Prepared(lambda: Keyworker.objects.filter(case_id=Param("case", _CASE_KEY)))


def _standing(user: User, case: Case) -> Standing:
    s = Standing(hub=can(user, Perm.CASE_VIEW_ALL))
    if s.hub:
        return s
    if user.has_role(Role.MEETING_CHAIR):
        s.chair = _CHAIRS.exists(case=case.pk, user=user.pk)
    if user.has_role(Role.AGENCY_RESEARCHER):
        s.requests = _case_requests(case)
        s.request = next((r for r in s.requests if r.agency_id == user.agency_id), None)
        if s.request is not None and s.request.status not in (RequestStatus.BLOCKED, RequestStatus.WITHDRAWN):
            gate = _gate(case, s.request.agency, Purpose.SHARE)
            s.gate_open = gate.allowed
            if not gate.allowed:
                s.notes = [gate.reason, gate.unblock]
            s.attended = _ATTENDED.exists(case=case.pk, agency=user.agency_id)
    if user.has_role(Role.REFERRER):
        s.referrer = case.referral.made_by_id == user.pk
    s.team = _IN_TEAM.exists(case=case.pk, user=user.pk)
    if user.has_role(Role.AGENCY_RESEARCHER) and case.handed_over_at is not None:
        s.keyworker = _KEYWORKER.exists(case=case.pk, agency=user.agency_id)
    return s


def _case_view(user: User, case: Case, s: Standing) -> Verdict:
    if s.hub or s.chair or s.team or s.keyworker:
        return ALLOW
    if s.request is not None:
        if s.request.status == RequestStatus.WITHDRAWN:
            return Verdict(False, Refusal.WITHDRAWN, withdrawn_reason(s.request), request=s.request)
        if s.request.status == RequestStatus.BLOCKED:
            return Verdict(False, Refusal.BLOCKED, s.request.blocked_reason, request=s.request)
        if not s.gate_open:
            return Verdict(False, Refusal.BLOCKED, s.notes[0] if s.notes else "", request=s.request)
        return ALLOW
    if s.referrer:
        return Verdict(False, Refusal.REFERRER, "A referrer sees their referral and its outcome")
    return NOT_FOUND


OUTCOME_ROLES = (Role.REFERRER, Role.AGENCY_RESEARCHER)
MEETING_ACTIONS = frozenset({Action.MEETING_VIEW, Action.MEETING_RUN, Action.MEETING_AGENDA})

ROLE_LEVEL: dict[Action, tuple[tuple[Perm, ...], tuple[Role, ...], str]] = {
    # The role-level part of each action: who may ever do it, whichever object. A person refused here
    # is told so (403); one allowed here but not for this object is told nothing exists (404).
    Action.CASE_SCREEN: ((Perm.CASE_SCREEN,), (), "Only a screening manager screens cases"),
    Action.CASE_RERATE: ((Perm.CASE_SCREEN,), (), "Only a screening manager changes a case's rating"),
    Action.CASE_DECIDE: ((Perm.DECISION_RECORD,), (), "Only a decision maker decides"),
    Action.CASE_ALLOCATE: ((Perm.DECISION_RECORD,), (), "Only a decision maker records the allocation"),
    Action.CASE_ASK_FURTHER: ((Perm.CASE_SCREEN,), (), "Only a screening manager asks another agency"),
    Action.CONSENT_VIEW: (
        (Perm.CONSENT_RECORD, Perm.CASE_VIEW_ALL),
        (Role.MEETING_CHAIR,),
        "Consent decisions are for hub staff and meeting chairs",
    ),
    Action.CONSENT_RECORD: ((Perm.CONSENT_RECORD,), (), "Only hub staff record consent"),
    Action.REQUEST_VIEW: ((Perm.REQUEST_RESPOND,), (), "Requests are for agency researchers"),
    Action.REQUEST_RESPOND: ((Perm.REQUEST_RESPOND,), (), "Requests are for agency researchers"),
    Action.REQUEST_TRAWL: ((Perm.REQUEST_RESPOND,), (), "Requests are for agency researchers"),
    Action.TRAWL_RECORD: ((Perm.REQUEST_RESPOND,), (), "Requests are for agency researchers"),
    Action.REQUEST_ADD_PERSON: ((Perm.REQUEST_RESPOND,), (), "Requests are for agency researchers"),
    Action.PERSON_REMOVE: (
        (Perm.CASE_SCREEN, Perm.REQUEST_RESPOND),
        (),
        "Only the screening manager, or the agency that added someone, removes them",
    ),
    Action.CASES_LIST: (
        (Perm.CASE_VIEW_ALL,),
        (Role.MEETING_CHAIR,),
        "The case list is for hub staff and chairs",
    ),
    Action.MEETINGS_LIST: (
        (Perm.CASE_VIEW_ALL,),
        (Role.MEETING_CHAIR,),
        "Meetings are for hub staff and chairs",
    ),
    Action.MEETING_VIEW: (
        (Perm.CASE_VIEW_ALL,),
        (Role.MEETING_CHAIR,),
        "Meetings are for hub staff and chairs",
    ),
    Action.MEETING_RUN: (
        (Perm.DECISION_RECORD,),
        (Role.MEETING_CHAIR,),
        "Only a chair or a decision maker runs a meeting",
    ),
    Action.MEETING_SCHEDULE: (
        (Perm.DECISION_RECORD,),
        (Role.MEETING_CHAIR,),
        "Only a meeting chair or a decision maker schedules meetings",
    ),
    Action.OUTCOMES_LIST: (
        (),
        (Role.REFERRER, Role.AGENCY_RESEARCHER),
        "Outcomes are for referrers and researchers",
    ),
    Action.OUTCOME_VIEW: (
        (),
        (Role.REFERRER, Role.AGENCY_RESEARCHER),
        "Outcomes are for referrers and researchers",
    ),
    Action.OUTCOME_CHALLENGE: (
        (),
        (Role.REFERRER, Role.AGENCY_RESEARCHER),
        "Outcomes are challenged by the referrer or an agency told them",
    ),
    Action.CHALLENGE_ANSWER: ((Perm.DECISION_RECORD,), (), "Only a decision maker answers a challenge"),
    Action.OUTCOME_RESEND: (
        (Perm.DECISION_RECORD,),
        (),
        "Only a decision maker sends an outcome again or gives it up",
    ),
    Action.MEETING_AGENDA: (
        (Perm.CASE_VIEW_ALL,),
        (),
        "Only hub staff who see every case choose a meeting's cases",
    ),
    Action.DISCLOSURES_CASE: (
        (Perm.TRANSPARENCY_REPORT,),
        (),
        "The disclosure log is for information governance",
    ),
    Action.TRANSPARENCY_REPORT: (
        (Perm.TRANSPARENCY_REPORT,),
        (),
        "Transparency reports are for information governance",
    ),
    Action.TRIAGE: ((Perm.CASE_SCREEN,), (), "Only a screening manager triages notifications"),
    Action.CASE_HAND_OVER: (
        (Perm.CASE_SCREEN, Perm.DECISION_RECORD),
        (),
        "Only the hub's screening managers and decision makers hand a product over",
    ),
    Action.CASE_ROUTE_AGAIN: ((Perm.CASE_SCREEN,), (), "Only a screening manager routes a case"),
    Action.TEAMS_CONFIGURE: ((Perm.HUB_CONFIGURE,), (), "Only a hub administrator changes teams"),
    Action.HANDOVERS_LIST: (
        (),
        (Role.AGENCY_RESEARCHER,),
        "Cases handed to a keyworker are for their agency's researchers",
    ),
    Action.REPORTS_VIEW: ((Perm.PERFORMANCE_VIEW,), (), "Performance reports are for performance managers"),
    Action.ANNEX_A: ((Perm.PERFORMANCE_VIEW,), (), "The Annex A lists are for performance managers"),
    Action.RETENTION_VIEW: (
        (Perm.HUB_CONFIGURE, Perm.TRANSPARENCY_REPORT),
        (),
        "Retention and destruction are for information governance and the hub administrator",
    ),
    Action.RETENTION_CONFIGURE: (
        (Perm.HUB_CONFIGURE, Perm.TRANSPARENCY_REPORT),
        (),
        "Retention rules are changed by information governance or the hub administrator",
    ),
    Action.LEGAL_HOLD: (
        (Perm.TRANSPARENCY_REPORT,),
        (),
        "Only an information governance officer puts a legal hold on a case",
    ),
}


def role_level(user: object, action: Action) -> Verdict:
    """May this person ever do this action, whichever object? (403 when not.)"""
    person = _active(user)
    if person is None or not person.held_roles():
        return NOT_FOUND
    if action not in ROLE_LEVEL:
        return ALLOW
    perms, roles, reason = ROLE_LEVEL[action]
    if any(can(person, p) for p in perms) or any(person.has_role(r) for r in roles):
        return ALLOW
    return _forbidden(reason)


def _case_rule(user: User, action: Action, case: Case) -> Verdict:
    allowed_role = role_level(user, action)
    if not allowed_role:
        return allowed_role
    s = standing(user, case)
    seen = _case_view(user, case, s)
    if action == Action.CASE_VIEW or not seen:
        return seen
    if action == Action.CONSENT_VIEW and not (can(user, Perm.CONSENT_RECORD) or s.hub or s.chair):
        return _forbidden("Consent decisions are for hub staff and meeting chairs")
    if action == Action.CASE_DECIDE and early_help(case):
        return _forbidden(EARLY_HELP_REASON)
    if action == Action.CASE_ALLOCATE and case.status not in (CaseStatus.DECIDED, CaseStatus.CLOSED):
        return _forbidden("A referral is allocated once the hub has decided it")
    if action == Action.PEOPLE_CHANGE:
        if case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
            if can(user, Perm.DECISION_RECORD):
                return Verdict(True, correction=True)
            return Verdict(False, Refusal.CLOSED, CLOSED_REASON)
        if can(user, Perm.CASE_SCREEN):
            return ALLOW
        if s.request is not None and s.request.status in OPEN_STATUSES:
            return ALLOW
        return _forbidden(
            "Only the screening manager, or an agency still working its request, changes people"
        )
    return ALLOW


# A refusal names nobody (a refused answer shows no personal data).
NAMED_BY_REFERRAL = "The referral's people are corrected (change their details), not removed"
ADDED_BY_ANOTHER = "This person was added by {agency}: only {agency}, or the screening manager, removes them"
REMOVE_CLOSED = "The case has been decided: its people are corrected, not removed"


def _person_remove_rule(user: User, person: ReferralPerson) -> Verdict:
    """Someone added to the case (`people.PersonAddition`), removed by the screening manager while the case
    is open, or by a researcher of the agency that added them while that agency may still change the
    case's people (its request is open). Whoever may not change the case's people is answered as that
    rule answers (not found, for one who may not see the case)."""
    allowed_role = role_level(user, Action.PERSON_REMOVE)
    if not allowed_role:
        return allowed_role
    case = getattr(person.referral, "case", None)
    if case is None:
        return NOT_FOUND
    change = _case_rule(user, Action.PEOPLE_CHANGE, case)
    if not change and change.refusal != Refusal.CLOSED:
        return change
    if case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
        return Verdict(False, Refusal.CLOSED, REMOVE_CLOSED)
    added = addition_of(person)
    if added is None:
        return _forbidden(NAMED_BY_REFERRAL)
    if can(user, Perm.CASE_SCREEN) or added.agency_id == getattr(user, "agency_id", None):
        return ALLOW
    agency = added.agency.name if added.agency is not None else "the hub"
    return _forbidden(ADDED_BY_ANOTHER.format(agency=agency))


def early_help(case: Case) -> bool:
    """An early-help case: the hub records no decision (each product goes to a keyworker), or a keyworker
    was appointed on the case (ADR 0024). Nobody decides it."""
    return not hub_configuration().decision_in_hub or _ANY_KEYWORKER.exists(case=case.pk)


def _forbidden(reason: str) -> Verdict:
    return Verdict(False, Refusal.FORBIDDEN, reason)


# Requests --------------------------------------------------------------------------------------------------


def _request_rule(user: User, action: Action, request: InformationRequest) -> Verdict:
    allowed_role = role_level(user, action)
    if not allowed_role:
        return allowed_role
    if not user.has_role(Role.AGENCY_RESEARCHER) or request.agency_id != user.agency_id:
        return NOT_FOUND
    if action in (Action.REQUEST_VIEW, Action.REQUEST_RESPOND):
        return ALLOW
    if action in (Action.REQUEST_TRAWL, Action.TRAWL_RECORD):
        if request.status == RequestStatus.WITHDRAWN:
            return Verdict(False, Refusal.WITHDRAWN, withdrawn_reason(request), request=request)
        if request.status == RequestStatus.BLOCKED:
            return Verdict(False, Refusal.BLOCKED, request.blocked_reason, request=request)
        gate = _gate(request.case, request.agency, Purpose.SEARCH)
        if not gate.allowed:
            return Verdict(False, Refusal.BLOCKED, gate.reason, request=request)
        return ALLOW
    if action == Action.REQUEST_ADD_PERSON:
        searching = _request_rule(user, Action.REQUEST_TRAWL, request)
        if not searching:
            return searching
        seen = _case_view(user, request.case, standing(user, request.case))
        if not seen:
            return seen
        if request.case.status in (CaseStatus.DECIDED, CaseStatus.CLOSED):
            # Decided: refused; `decide` says "destroyed", with the date, where the case was destroyed.
            return Verdict(False, Refusal.CLOSED, CLOSED_REASON)
        if request.status not in OPEN_STATUSES:
            return Verdict(False, Refusal.CLOSED, ANSWERED_REASON)
        return ALLOW
    raise ValueError(f"{action} is not an action on a request")


# Meetings --------------------------------------------------------------------------------------------------


def _meeting_rule(user: User, action: Action, meeting: Meeting) -> Verdict:
    allowed_role = role_level(user, action)
    if not allowed_role:
        return allowed_role
    hub = can(user, Perm.CASE_VIEW_ALL)
    chairs = meeting.chair_id == user.pk and user.has_role(Role.MEETING_CHAIR)
    if not (hub or chairs):
        return NOT_FOUND
    if action == Action.MEETING_RUN and not (chairs or can(user, Perm.DECISION_RECORD)):
        return _forbidden("Only the meeting's chair or a decision maker runs a meeting")
    if action == Action.MEETING_AGENDA and not (hub and (chairs or can(user, Perm.DECISION_RECORD))):
        return _forbidden("Only a decision maker chooses the cases a meeting discusses")
    return ALLOW


# Referrals -------------------------------------------------------------------------------------------------


def _referral_rule(user: User, referral: Referral) -> Verdict:
    """The referrer's own; otherwise hub staff, and the chair of a meeting discussing its case."""
    if referral.made_by_id == user.pk and user.has_role(Role.REFERRER):
        return ALLOW
    case = getattr(referral, "case", None)
    if case is not None:
        s = standing(user, case)
        if s.hub or s.chair:
            return ALLOW
    return NOT_FOUND


def _outcome_rule(user: User, action: Action, notice: OutcomeNotification) -> Verdict:
    allowed_role = role_level(user, action)
    if not allowed_role:
        return allowed_role
    if not Decision.objects.filter(case_id=notice.case_id).exists():
        return NOT_FOUND
    if notice.recipient == Recipient.REFERRER and user.has_role(Role.REFERRER):
        if Referral.objects.filter(case=notice.case_id, made_by=user).exists():
            return ALLOW
    if notice.recipient == Recipient.AGENCY and user.has_role(Role.AGENCY_RESEARCHER):
        if notice.agency_id == user.agency_id:
            return ALLOW
    return NOT_FOUND


# Specialist teams -----------------------------------------------------------------------------------------


def _team_rule(user: User, action: Action, team: Team) -> Verdict:
    if team.members.filter(pk=user.pk).exists() or can(user, Perm.CASE_VIEW_ALL):
        return ALLOW
    return NOT_FOUND


def _routing_rule(user: User, routing: Routing) -> Verdict:
    if routing.team.members.filter(pk=user.pk).exists():
        return ALLOW
    if can(user, Perm.CASE_VIEW_ALL):
        return _forbidden("Only the team's members accept a case or send it back")
    return NOT_FOUND


def teams_visible(user: object) -> QuerySet[Team]:
    """The teams whose queues a person may open: their own; hub staff who see every case, all."""
    person = _active(user)
    if person is None:
        return Team.objects.none()
    if can(person, Perm.CASE_VIEW_ALL):
        return Team.objects.all()
    return Team.objects.filter(members=person)


# Information governance ------------------------------------------------------------------------------------


def cases_of_agency(user: User) -> Q:
    """Cases a partner agency was involved with: asked about, or in the log as sharing or seeing."""
    involved = Disclosure.objects.filter(case=OuterRef("pk")).filter(
        Q(from_agency_id=user.agency_id) | Q(by_user__agency_id=user.agency_id)
    )
    asked = InformationRequest.objects.filter(case=OuterRef("pk"), agency_id=user.agency_id)
    return Q(Exists(asked)) | Q(Exists(involved))


def ig_cases(user: object) -> QuerySet[Case]:
    """The cases an information governance officer may look up in the log or report on."""
    person = _active(user)
    if person is None or not can(person, Perm.TRANSPARENCY_REPORT):
        return Case.objects.none()
    if sees_whole_log(person):
        return Case.objects.all()
    return Case.objects.filter(cases_of_agency(person))


def _ig_rule(user: User, action: Action, case: Case) -> Verdict:
    allowed_role = role_level(user, action)
    if not allowed_role:
        return allowed_role
    if sees_whole_log(user) or ig_cases(user).filter(pk=case.pk).exists():
        return ALLOW
    return NOT_FOUND


# Agency scorecards ------------------------------------------------------------------------------------------


def agency_lead(user: User, agency: Agency) -> bool:
    """The agency's own lead: a person of that agency whose e-mail address is the one the hub holds as
    the agency's lead (the address overdue requests go to)."""
    email = (user.email or "").strip().lower()
    return bool(email) and user.agency_id == agency.pk and email == (agency.lead_email or "").strip().lower()


def _scorecard_rule(user: User, agency: Agency) -> Verdict:
    if can(user, Perm.PERFORMANCE_VIEW) or agency_lead(user, agency):
        return ALLOW
    return _forbidden("An agency's scorecard is for performance managers and the agency's own lead")


HUB_RETENTION_ONLY = (
    "Retention is the hub's: its information governance officers answer for it. A partner agency's "
    "officer answers for their agency's part of the disclosure log"
)


def _retention_rule(user: User, action: Action) -> Verdict:
    allowed_role = role_level(user, action)
    if not allowed_role:
        return allowed_role
    if action != Action.LEGAL_HOLD and can(user, Perm.HUB_CONFIGURE):
        return ALLOW
    if can(user, Perm.TRANSPARENCY_REPORT) and sees_whole_log(user):
        return ALLOW
    return _forbidden(HUB_RETENTION_ONLY)


# The one entry point ---------------------------------------------------------------------------------------


CASE_ACTIONS = frozenset(
    {
        Action.CASE_VIEW,
        Action.CASE_SCREEN,
        Action.CASE_RERATE,
        Action.CASE_DECIDE,
        Action.CASE_ALLOCATE,
        Action.CASE_ASK_FURTHER,
        Action.PEOPLE_CHANGE,
        Action.CONSENT_VIEW,
        Action.CONSENT_RECORD,
        Action.CASE_HAND_OVER,
        Action.CASE_ROUTE_AGAIN,
    }
)

REQUEST_ACTIONS = frozenset(
    {
        Action.REQUEST_VIEW,
        Action.REQUEST_RESPOND,
        Action.REQUEST_TRAWL,
        Action.TRAWL_RECORD,
        Action.REQUEST_ADD_PERSON,
    }
)

WRITES = frozenset(
    {
        Action.CASE_SCREEN,
        Action.CASE_RERATE,
        Action.CASE_DECIDE,
        Action.CASE_ALLOCATE,
        Action.CASE_ASK_FURTHER,
        Action.PEOPLE_CHANGE,
        Action.CONSENT_RECORD,
        Action.CASE_HAND_OVER,
        Action.CASE_ROUTE_AGAIN,
        Action.REQUEST_RESPOND,
        Action.TRAWL_RECORD,
        Action.REQUEST_ADD_PERSON,
        Action.PERSON_REMOVE,
        Action.ROUTING_ANSWER,
        Action.OUTCOME_CHALLENGE,
        Action.CHALLENGE_ANSWER,
        Action.OUTCOME_RESEND,
        Action.MEETING_RUN,
        Action.LEGAL_HOLD,
    }
)
"""The actions that change something on a case (or on an object of a case: its requests, notices,
challenges, routings, agenda items). None is allowed once the case's personal data was destroyed."""


def decide(user: object, action: Action, obj: object = None) -> Verdict:
    """May this person do this to this object? With the reason when not."""
    person = _active(user)
    if person is None or not person.held_roles():
        return NOT_FOUND
    verdict = _rule(person, action, obj)
    # A destroyed case takes no writes. Told only to someone the case's own rules let see it (allowed, or
    # refused because it is decided): to anyone else the answer stays what it was (404 or 403).
    if action in WRITES and (verdict.allowed or verdict.refusal == Refusal.CLOSED):
        record = _destruction(obj)
        if record is not None:
            return destroyed(record)
    return verdict


def destroyed(record: DestructionRecord) -> Verdict:
    """The refusal of every write on a case whose personal data was destroyed, with the date."""
    return Verdict(False, Refusal.DESTROYED, DESTROYED_REASON.format(date=format_date(record.destroyed_at)))


def destruction_of(case: Case) -> DestructionRecord | None:
    """The case's destruction record, if its personal data was destroyed: read from the case where it was
    loaded with it (`select_related("destruction")`, as case pages and lists do), otherwise asked."""
    descriptor = Case.destruction
    if descriptor.is_cached(case):
        cached = descriptor.related.get_cached_value(case)
        return cached if isinstance(cached, DestructionRecord) else None
    record = DestructionRecord.objects.filter(case_id=case.pk).first()
    if _STANDINGS.get() is not None:  # within a read, kept on the case for the page's other questions
        descriptor.related.set_cached_value(case, record)
    return record


def writable(case: Case) -> Verdict:
    """The part of every write's answer that is about the case alone: refused once its personal data was
    destroyed. For lists that offer a write on each row, whose rows carry their case loaded with its
    destruction record (no query per row); one object's write asks `decide`."""
    record = destruction_of(case)
    return destroyed(record) if record is not None else ALLOW


def _destruction(obj: object) -> DestructionRecord | None:
    """The destruction record of the case this object belongs to, if there is one."""
    if isinstance(obj, Case):
        return destruction_of(obj)
    if isinstance(obj, ReferralPerson):
        case = getattr(obj.referral, "case", None)
        return destruction_of(case) if case is not None else None
    if isinstance(obj, OutcomeChallenge):
        obj = obj.decision
    if isinstance(obj, (InformationRequest, OutcomeNotification, Routing, AgendaItem, Decision)):
        if type(obj).case.is_cached(obj):
            return destruction_of(obj.case)
        return DestructionRecord.objects.filter(case_id=obj.case_id).first()
    return None  # a meeting, a team, the hub: not one case's


def _rule(person: User, action: Action, obj: object) -> Verdict:
    """The rule for this action on this object, before the destroyed-case rule."""
    if action in CASE_ACTIONS and isinstance(obj, Case):
        return _case_rule(person, action, obj)
    if action in REQUEST_ACTIONS and isinstance(obj, InformationRequest):
        return _request_rule(person, action, obj)
    if action in (Action.MEETING_VIEW, Action.MEETING_RUN, Action.MEETING_AGENDA) and isinstance(
        obj, Meeting
    ):
        return _meeting_rule(person, action, obj)
    if action == Action.MEETING_RUN and isinstance(obj, AgendaItem):
        # Marking one case on the agenda discussed: the meeting's rule, and a write on that case.
        return _meeting_rule(person, action, obj.meeting)
    if action in (Action.OUTCOME_VIEW, Action.OUTCOME_CHALLENGE) and isinstance(obj, OutcomeNotification):
        return _outcome_rule(person, action, obj)
    if action == Action.CHALLENGE_ANSWER and isinstance(obj, OutcomeChallenge):
        return role_level(person, action)
    if action == Action.OUTCOME_RESEND and isinstance(obj, OutcomeNotification):
        # Decision makers see every case; the notice itself needs nothing more.
        return role_level(person, action)
    if action in (Action.CASES_LIST, Action.MEETINGS_LIST, Action.MEETING_SCHEDULE, Action.OUTCOMES_LIST):
        return role_level(person, action)
    if action in (Action.REPORTS_VIEW, Action.ANNEX_A):
        return role_level(person, action)
    if action == Action.SCORECARD_VIEW and isinstance(obj, Agency):
        return _scorecard_rule(person, obj)
    if action == Action.REFERRAL_VIEW and isinstance(obj, Referral):
        return _referral_rule(person, obj)
    if action == Action.TEAM_QUEUE and isinstance(obj, Team):
        return _team_rule(person, action, obj)
    if action == Action.ROUTING_ANSWER and isinstance(obj, Routing):
        return _routing_rule(person, obj)
    if action in (Action.TRIAGE, Action.TEAMS_LIST, Action.TEAMS_CONFIGURE, Action.HANDOVERS_LIST):
        return role_level(person, action)
    if action == Action.DISCLOSURES_CASE and isinstance(obj, Case):
        return _ig_rule(person, action, obj)
    if action in (Action.RETENTION_VIEW, Action.RETENTION_CONFIGURE):
        return _retention_rule(person, action)
    if action == Action.LEGAL_HOLD and isinstance(obj, Case):
        return _retention_rule(person, action)
    if action == Action.PERSON_REMOVE and isinstance(obj, ReferralPerson):
        return _person_remove_rule(person, obj)
    if action == Action.TRANSPARENCY_REPORT and isinstance(obj, ReferralPerson):
        case = getattr(obj.referral, "case", None)
        return _ig_rule(person, action, case) if case is not None else NOT_FOUND
    raise ValueError(f"No rule for {action} on {type(obj).__name__}")


# What a person sees of a case ------------------------------------------------------------------------------


def contribution_agencies(user: object, case: Case) -> frozenset[object]:
    """The agencies whose returned information on this case the person may see.

    Hub staff and the chair of a meeting discussing the case: every agency. A partner researcher: their
    own, and others where the hub's rule allows or their agency attended a meeting discussing the case,
    but never one whose sharing the gate no longer allows (duty of confidentiality, withdrawn consent).
    """
    person = _active(user)
    if person is None:
        return frozenset()
    s = standing(person, case)
    if not _case_view(person, case, s):
        return frozenset()
    requests = s.requests if s.requests is not None else _case_requests(case)
    if s.hub or s.chair:
        return frozenset(r.agency_id for r in requests)
    shown = {person.agency_id}
    if hub_configuration().partners_see_contributions or s.attended or s.team or s.keyworker:
        for r in requests:
            if r.agency_id in shown:
                continue
            if _gate(case, r.agency, Purpose.SHARE).allowed:
                shown.add(r.agency_id)
    return frozenset(shown)


# Querysets ------------------------------------------------------------------------------------------------


def cases_visible(user: object) -> QuerySet[Case]:
    """The cases a person may open as a whole: for lists, queues and homes."""
    person = _active(user)
    if person is None:
        return Case.objects.none()
    base = Case.objects.select_related("referral", "level")
    if can(person, Perm.CASE_VIEW_ALL):
        return base
    scope = Q(pk__in=[])
    if person.has_role(Role.MEETING_CHAIR):
        scope |= Q(Exists(AgendaItem.objects.filter(case=OuterRef("pk"), meeting__chair=person)))
    if person.has_role(Role.AGENCY_RESEARCHER):
        live = InformationRequest.objects.filter(case=OuterRef("pk"), agency_id=person.agency_id).exclude(
            status__in=(RequestStatus.BLOCKED, RequestStatus.WITHDRAWN)
        )
        scope |= Q(Exists(live))
        handed = Keyworker.objects.filter(case=OuterRef("pk"), agency_id=person.agency_id)
        scope |= Q(Exists(handed), handed_over_at__isnull=False)
    routed = Routing.objects.filter(case=OuterRef("pk"), team__members=person).exclude(
        status=RoutingStatus.SENT_BACK
    )
    scope |= Q(Exists(routed))
    return base.filter(scope)


def cases_decidable(user: object) -> QuerySet[Case]:
    """The cases a person may record a decision on, whatever their status: of those they see, every case but
    the early-help ones (see `early_help`); none for a person who never decides."""
    person = _active(user)
    if person is None or not role_level(person, Action.CASE_DECIDE):
        return Case.objects.none()
    if not hub_configuration().decision_in_hub:
        return Case.objects.none()
    return cases_visible(person).exclude(Exists(Keyworker.objects.filter(case=OuterRef("pk"))))


def requests_visible(user: object) -> QuerySet[InformationRequest]:
    """The requests addressed to the researcher's own agency, and no other."""
    person = _active(user)
    if person is None or not person.has_role(Role.AGENCY_RESEARCHER):
        return InformationRequest.objects.none()
    return InformationRequest.objects.filter(agency_id=person.agency_id).select_related(
        "case", "case__referral", "agency"
    )


def meetings_visible(user: object) -> QuerySet[Meeting]:
    person = _active(user)
    if person is None:
        return Meeting.objects.none()
    if can(person, Perm.CASE_VIEW_ALL):
        return Meeting.objects.all()
    if person.has_role(Role.MEETING_CHAIR):
        return Meeting.objects.filter(chair=person)
    return Meeting.objects.none()
