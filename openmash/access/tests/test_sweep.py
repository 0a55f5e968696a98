"""The generated access sweep: every URL route x every role x objects in every scope, GET and POST.

The scopes include a case whose personal data was destroyed (with a request, notice, challenge, consent and
routing of its own), so every write route is tried against it and must be refused.

The routes come from the resolver: a route missing from ROUTES fails the test, so a new page cannot
skip the sweep. Each route names what the policy is asked (an action on an object, or a role-level
permission) and which objects fill its parameters; the expected answer is the policy's own, asked just
before the request. An allowed request must not be refused; a refused one must be (403, 404, or a
redirect away), must show none of the family's names, dates of birth or NHS numbers, and must write
no audit event but refusals (never a "viewed" event naming people).

On SQLite every person asks every route about every object. The policy's answer is the same Python on
both databases, so on PostgreSQL each route and object is asked by one person of each role the policy
allows and one of each role it refuses (every view still runs its allowed and its refused path, with
its queries and audit writes, on PostgreSQL). OPENMASH_SWEEP_EVERYONE=1 asks everyone there too.
The two routes that draw a PDF (a second or more each) are asked that way on SQLite too, unless
OPENMASH_SWEEP_EVERYONE=1.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from openmash.access.policy import PUBLIC_ROUTES, Action, decide
from openmash.access.tests.scenario import Scenario, build
from openmash.accounts.models import PendingRoleGrant, User
from openmash.accounts.permissions import Perm, can
from openmash.accounts.roles import ROLE_SLUGS, Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.enquiries.models import HistoryItem
from openmash.health.tasks import heartbeat_record
from openmash.hub.models import Agency, AgencyKind, ClosureDay, RagRating, ThresholdIndicator
from openmash.hub.services import closure_day_add
from openmash.people.models import Household, PersonAddition, PersonIdentifier, PersonRelationship
from openmash.referrals.models import ReferralPerson
from openmash.reporting.models import MonthlyReport
from openmash.retention.models import DestructionRecord, LegalHold, RecordKind
from openmash.retention.services import legal_hold_place
from openmash.sources.models import SourceLoad

pytestmark = [pytest.mark.django_db]

Expect = Callable[[User], bool]


@dataclass(frozen=True)
class Target:
    """One way to fill a route's parameters: a label, the URL kwargs, what the policy is asked, and the
    case whose people a refused answer must not show."""

    label: str
    kwargs: dict[str, Any]
    expect: Expect
    case: str = ""
    query: str = ""
    gone: Callable[[], bool] = lambda: False
    """True once an earlier allowed POST removed the object (a later 404 is then right)."""
    expect_post: Expect | None = None
    """What the policy is asked for a POST, where the page's form is a write its GET is not."""


@dataclass(frozen=True)
class Route:
    targets: Callable[[Scenario], list[Target]]
    post: bool = True
    get: bool = True
    api: bool = False
    public: bool = False
    refusal_in_page: bool = False
    """The page answers 200 either way, and a refusal is its content (a search that finds nothing)."""
    skip: str = ""
    pdf: bool = False
    """Draws a PDF (a second or more each): asked, on every database, by one person of each role and
    answer, as the PostgreSQL pass asks every route."""


def policy(action: Action, obj: object = None) -> Expect:
    return lambda user: decide(user, action, obj).allowed


def perm(permission: Perm) -> Expect:
    return lambda user: can(user, permission)


def anyone_signed_in(user: User) -> bool:
    return bool(user.held_roles())


def one(expect: Expect) -> Callable[[Scenario], list[Target]]:
    return lambda s: [Target("-", {}, expect)]


def cases(action: Action) -> Callable[[Scenario], list[Target]]:
    return lambda s: [Target(k, {"case_id": c.pk}, policy(action, c), case=k) for k, c in s.cases.items()]


def case_people(action: Action) -> Callable[[Scenario], list[Target]]:
    def targets(s: Scenario) -> list[Target]:
        return [
            Target(k, {"case_id": c.pk, "person_id": s.people(k)[0].pk}, policy(action, c), case=k)
            for k, c in s.cases.items()
        ]

    return targets


def _gone(model: Any, pk: object) -> bool:
    return not model.objects.filter(pk=pk).exists()


def case_children(model: Any, kwarg: str) -> Callable[[Scenario], list[Target]]:
    def targets(s: Scenario) -> list[Target]:
        out = []
        for key, case in s.cases.items():
            for obj in model.objects.filter(case=case)[:1]:
                kwargs = {"case_id": case.pk, kwarg: obj.pk}
                gone = partial(_gone, model, obj.pk)
                out.append(Target(key, kwargs, policy(Action.PEOPLE_CHANGE, case), key, gone=gone))
        return out

    return targets


def identifiers(s: Scenario) -> list[Target]:
    """An identifier of the first person on each case (recorded here if the scenario has none)."""
    out = []
    for key, case in s.cases.items():
        person = s.people(key)[0]
        identifier, _ = PersonIdentifier.objects.get_or_create(
            person=person, scheme="police", value="PNC-SWEEP"
        )
        kwargs = {"case_id": case.pk, "person_id": person.pk, "identifier_id": identifier.pk}
        out.append(Target(key, kwargs, policy(Action.PEOPLE_CHANGE, case), key))
    return out


def added_people(s: Scenario) -> list[Target]:
    """On each case someone added by Police (recorded here where the case has nobody added; on the
    destroyed case, whose people are gone, the person referred): who may remove them."""
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    out = []
    for key, case in s.cases.items():
        addition = PersonAddition.objects.filter(case=case).select_related("person").first()
        if addition is not None:
            person = addition.person
        elif key == "destroyed":
            person = s.people(key)[0]
        else:
            person = ReferralPerson.objects.create(
                referral=case.referral, relationship="other", given_name="Added", family_name="Inerror"
            )
            PersonAddition.objects.create(person=person, case=case, agency=police)
        kwargs = {"case_id": case.pk, "person_id": person.pk}
        gone = partial(_gone, ReferralPerson, person.pk)
        out.append(Target(key, kwargs, policy(Action.PERSON_REMOVE, person), key, gone=gone))
    return out


REQUESTS = [("open", "police"), ("open", "health"), ("blocked", "police"), ("blocked", "health")]
REQUESTS += [("withdrawn", "police"), ("closed", "police"), ("health_only", "health")]
REQUESTS += [("destroyed", "police")]


def requests(action: Action, post: Action | None = None) -> Callable[[Scenario], list[Target]]:
    """Each request; with ``post``, what a POST to the page is asked (its form is a write)."""

    def targets(s: Scenario) -> list[Target]:
        out = []
        for key, kind in REQUESTS:
            info = s.request(key, kind)
            written = policy(post, info) if post else None
            label, kwargs = f"{key}/{kind}", {"request_id": info.pk}
            out.append(Target(label, kwargs, policy(action, info), case=key, expect_post=written))
        return out

    return targets


def candidates(action: Action, post: Action | None = None) -> Callable[[Scenario], list[Target]]:
    def targets(s: Scenario) -> list[Target]:
        out = []
        for key, candidate in s.candidates.items():
            info = candidate.trawl.request
            kwargs = {"request_id": info.pk, "candidate_id": candidate.pk}
            written = policy(post, info) if post else None
            out.append(Target(key, kwargs, policy(action, info), case=key, expect_post=written))
        return out

    return targets


def trawl_items(action: Action, post: Action | None = None) -> Callable[[Scenario], list[Target]]:
    def targets(s: Scenario) -> list[Target]:
        out = []
        rows = HistoryItem.objects.filter(trawl_candidate__isnull=False).select_related("request__case")
        for item in rows:
            key = next(k for k, c in s.cases.items() if c.pk == item.request.case_id)
            info = item.request
            kwargs = {"request_id": info.pk, "item_id": item.pk}
            written = policy(post, info) if post else None
            out.append(Target(key, kwargs, policy(action, info), case=key, expect_post=written))
        return out

    return targets


def _case_key(s: Scenario, case_id: object) -> str:
    return next(k for k, c in s.cases.items() if c.pk == case_id)


def meetings(action: Action) -> Callable[[Scenario], list[Target]]:
    return lambda s: [
        Target(k, {"meeting_id": m.pk}, policy(action, m), case="open" if k == "chaired" else "")
        for k, m in s.meetings.items()
    ]


def referrals(s: Scenario) -> list[Target]:
    return [
        Target(k, {"referral_id": c.referral_id}, policy(Action.REFERRAL_VIEW, c.referral), case=k)
        for k, c in s.cases.items()
    ]


def api_referrals(s: Scenario) -> list[Target]:
    def expect(case: Any) -> Expect:
        return lambda user: can(user, Perm.REFERRAL_CREATE) and case.referral.made_by_id == user.pk

    return [Target(k, {"reference": c.referral.reference}, expect(c), case=k) for k, c in s.cases.items()]


def transparency(s: Scenario) -> list[Target]:
    return [
        Target(
            k, {"person_id": s.people(k)[0].pk}, policy(Action.TRANSPARENCY_REPORT, s.people(k)[0]), case=k
        )
        for k in s.cases
    ]


def disclosure_lookups(s: Scenario) -> list[Target]:
    out = [Target("log", {}, perm(Perm.TRANSPARENCY_REPORT))]
    for key, case in s.cases.items():
        expect = policy(Action.DISCLOSURES_CASE, case)
        out.append(Target(key, {}, expect, case=key, query=f"case={case.reference}"))
    return out


def consents(s: Scenario) -> list[Target]:
    return [
        Target(k, {"consent_id": c.pk}, policy(Action.CONSENT_RECORD, c.case), case=_case_key(s, c.case_id))
        for k, c in s.consents.items()
    ]


def notices(action: Action) -> Callable[[Scenario], list[Target]]:
    return lambda s: [
        Target(k, {"notice_id": n.pk}, policy(action, n), case=_case_key(s, n.case_id))
        for k, n in s.notices.items()
    ]


def challenges_to_answer(s: Scenario) -> list[Target]:
    return [
        Target(
            k,
            {"challenge_id": c.pk},
            policy(Action.CHALLENGE_ANSWER, c),
            case=_case_key(s, c.decision.case_id),
        )
        for k, c in s.challenges.items()
    ]


def teams(s: Scenario) -> list[Target]:
    return [
        Target(k, {"team_id": t.pk}, policy(Action.TEAM_QUEUE, t), case="routed") for k, t in s.teams.items()
    ]


def routings(s: Scenario) -> list[Target]:
    return [
        Target(k, {"routing_id": r.pk}, policy(Action.ROUTING_ANSWER, r), case=k)
        for k, r in s.routings.items()
    ]


def role_homes(s: Scenario) -> list[Target]:
    return [
        Target(slug, {"role_slug": slug}, lambda u, r=role: u.has_role(r))
        for role, slug in ROLE_SLUGS.items()
    ]


def monthly_report() -> Any:
    """A monthly report for November 2026, kept as the worker keeps one."""
    from datetime import date

    report, _ = MonthlyReport.objects.get_or_create(
        month=date(2026, 11, 1), defaults={"pdf": b"%PDF-1.7 test", "made_at": timezone.now()}
    )
    return report.month


def scorecards(s: Scenario) -> list[Target]:
    """Each partner's scorecard; the police researcher is made the police's lead, so opens theirs only."""
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    police.lead_email = s.users["police"].email
    police.save()
    return [
        Target(a.name, {"agency_id": a.pk}, policy(Action.SCORECARD_VIEW, a))
        for a in Agency.objects.filter(kind__in=(AgencyKind.POLICE, AgencyKind.HEALTH))
    ]


def legal_holds(s: Scenario) -> list[Target]:
    return [
        Target(k, {"hold_id": hold.pk}, policy(Action.LEGAL_HOLD, hold.case), case=k)
        for k, c in s.cases.items()
        for hold in LegalHold.objects.filter(case=c)
    ]


def with_kwargs(expect: Expect, **kwargs: Callable[[Scenario], Any]) -> Callable[[Scenario], list[Target]]:
    return lambda s: [Target("-", {k: f(s) for k, f in kwargs.items()}, expect)]


def removable(expect: Expect, kwarg: str, model: Any) -> Callable[[Scenario], list[Target]]:
    def targets(s: Scenario) -> list[Target]:
        pk = model.objects.first().pk
        return [Target("-", {kwarg: pk}, expect, gone=partial(_gone, model, pk))]

    return targets


VIEW_CONFIG, CONFIGURE, USERS = (
    perm(Perm.HUB_VIEW_CONFIGURATION),
    perm(Perm.HUB_CONFIGURE),
    perm(Perm.USERS_MANAGE),
)
SOURCES = perm(Perm.SOURCES_MANAGE)

ROUTES: dict[str, Route] = {
    # Signing in and the person's own account: no family data.
    "accounts:home": Route(one(anyone_signed_in), post=False),
    "accounts:sign-in": Route(one(lambda u: True), public=True, post=False),
    "accounts:sign-out": Route(one(lambda u: True), skip="signs the sweep's client out"),
    "accounts:two-factor": Route(one(lambda u: True), public=True, post=False),
    "accounts:two-factor-setup": Route(one(anyone_signed_in), public=True),
    "accounts:two-factor-recovery": Route(one(anyone_signed_in), public=True),
    "accounts:role-home": Route(role_homes, post=False),
    "accounts:switch-role": Route(one(anyone_signed_in), public=True),
    "accounts:users": Route(one(USERS)),
    "accounts:user-create": Route(one(USERS)),
    "accounts:role-grants": Route(one(USERS)),
    "accounts:role-grant-decide": Route(
        with_kwargs(USERS, grant_id=lambda s: PendingRoleGrant.objects.first().pk)
    ),
    "accounts:user-roles": Route(with_kwargs(USERS, user_id=lambda s: s.users["police"].pk)),
    "accounts:user-mfa-reset": Route(with_kwargs(USERS, user_id=lambda s: s.users["police"].pk)),
    # Health: the endpoints anyone may ask (PUBLIC_ROUTES), and the page about the background worker.
    "health:live": Route(one(lambda u: True), public=True, post=False),
    "health:ready": Route(one(lambda u: True), public=True, post=False),
    "health:background-work": Route(one(CONFIGURE), post=False),
    # Hub configuration.
    "hub:overview": Route(one(VIEW_CONFIG), post=False),
    "hub:settings": Route(one(CONFIGURE)),
    "hub:agencies": Route(one(VIEW_CONFIG), post=False),
    "hub:agency-create": Route(one(CONFIGURE)),
    "hub:agency-edit": Route(with_kwargs(CONFIGURE, agency_id=lambda s: Agency.objects.first().pk)),
    "hub:response-times": Route(one(VIEW_CONFIG), post=False),
    "hub:response-time-edit": Route(with_kwargs(CONFIGURE, rating=lambda s: RagRating.RED.value)),
    "hub:thresholds": Route(one(VIEW_CONFIG)),
    "hub:threshold-level": Route(with_kwargs(CONFIGURE, number=lambda s: 3)),
    "hub:threshold-indicator-remove": Route(
        removable(CONFIGURE, "indicator_id", ThresholdIndicator), get=False
    ),
    "hub:calendar": Route(one(VIEW_CONFIG), post=False),
    "hub:closure-add": Route(one(CONFIGURE), get=False),
    "hub:closure-remove": Route(removable(CONFIGURE, "closure_id", ClosureDay), get=False),
    "audit:events": Route(one(perm(Perm.AUDIT_VIEW)), post=False),
    "audit:verify": Route(one(perm(Perm.AUDIT_VIEW))),
    # Referrals and cases.
    "referrals:create": Route(one(perm(Perm.REFERRAL_CREATE))),
    "referrals:detail": Route(referrals, post=False),
    "cases:list": Route(one(policy(Action.CASES_LIST)), post=False),
    "cases:queue": Route(one(perm(Perm.CASE_SCREEN)), post=False),
    "cases:detail": Route(cases(Action.CASE_VIEW), post=False),
    "cases:screen": Route(cases(Action.CASE_SCREEN)),
    "cases:rerate": Route(cases(Action.CASE_RERATE)),
    "cases:ask-further": Route(cases(Action.CASE_ASK_FURTHER)),
    "cases:triage": Route(one(policy(Action.TRIAGE))),
    "cases:keyworker": Route(cases(Action.CASE_HAND_OVER)),
    "cases:hand-over": Route(cases(Action.CASE_HAND_OVER)),
    "cases:route-again": Route(cases(Action.CASE_ROUTE_AGAIN)),
    # Specialist teams, and early-help cases handed to a keyworker's agency.
    "teams:list": Route(one(policy(Action.TEAMS_LIST)), post=False),
    "teams:queue": Route(teams, post=False),
    "teams:accept": Route(routings),
    "teams:send-back": Route(routings),
    "teams:handed-over": Route(one(policy(Action.HANDOVERS_LIST)), post=False),
    "teams:manage": Route(one(policy(Action.TEAMS_CONFIGURE)), post=False),
    "teams:create": Route(one(policy(Action.TEAMS_CONFIGURE))),
    "teams:edit": Route(with_kwargs(policy(Action.TEAMS_CONFIGURE), team_id=lambda s: s.teams["da"].pk)),
    "cases:allocate": Route(cases(Action.CASE_ALLOCATE)),
    # Requests and the trawl.
    "enquiries:queue": Route(one(perm(Perm.REQUEST_RESPOND)), post=False),
    "enquiries:detail": Route(requests(Action.REQUEST_VIEW, post=Action.REQUEST_RESPOND)),
    "enquiries:take": Route(requests(Action.REQUEST_RESPOND), get=False),
    "enquiries:nil-return": Route(requests(Action.REQUEST_RESPOND), get=False),
    "trawl:page": Route(requests(Action.REQUEST_TRAWL), post=False),
    "trawl:run": Route(requests(Action.TRAWL_RECORD), get=False),
    "trawl:progress": Route(requests(Action.REQUEST_TRAWL), post=False),
    "trawl:add-person": Route(requests(Action.REQUEST_ADD_PERSON)),
    "trawl:decide": Route(candidates(Action.TRAWL_RECORD), get=False),
    "trawl:record": Route(candidates(Action.REQUEST_TRAWL, post=Action.TRAWL_RECORD)),
    "trawl:remove-item": Route(trawl_items(Action.TRAWL_RECORD), get=False),
    "trawl:edit-item": Route(trawl_items(Action.REQUEST_TRAWL, post=Action.TRAWL_RECORD)),
    # Data sources: hub administrators only.
    "sources:list": Route(one(VIEW_CONFIG), post=False),
    "sources:create": Route(one(SOURCES)),
    "sources:detail": Route(with_kwargs(VIEW_CONFIG, source_id=lambda s: s.source.pk), post=False),
    "sources:edit": Route(with_kwargs(SOURCES, source_id=lambda s: s.source.pk)),
    "sources:mapping": Route(with_kwargs(SOURCES, source_id=lambda s: s.source.pk)),
    "sources:load-new": Route(with_kwargs(SOURCES, source_id=lambda s: s.source.pk), get=False),
    "sources:load": Route(
        with_kwargs(
            VIEW_CONFIG,
            source_id=lambda s: s.source.pk,
            load_id=lambda s: SourceLoad.objects.filter(source=s.source).first().pk,
        ),
        post=False,
    ),
    "sources:load-progress": Route(
        with_kwargs(
            VIEW_CONFIG,
            source_id=lambda s: s.source.pk,
            load_id=lambda s: SourceLoad.objects.filter(source=s.source).first().pk,
        ),
        post=False,
    ),
    # Decisions and outcomes.
    "decisions:queue": Route(one(perm(Perm.DECISION_RECORD)), post=False),
    "decisions:record": Route(cases(Action.CASE_DECIDE)),
    "feedback:outcomes": Route(one(policy(Action.OUTCOMES_LIST)), post=False),
    "feedback:note": Route(notices(Action.OUTCOME_VIEW), post=False),
    "feedback:failed": Route(notices(Action.OUTCOME_RESEND), post=False),
    "decisions:challenge": Route(notices(Action.OUTCOME_CHALLENGE)),
    "decisions:challenge-answer": Route(challenges_to_answer),
    "feedback:resend": Route(notices(Action.OUTCOME_RESEND), get=False),
    "feedback:give-up": Route(notices(Action.OUTCOME_RESEND), get=False),
    # Consent, the disclosure log and transparency reports.
    "consent:case": Route(cases(Action.CONSENT_VIEW), post=False),
    "consent:record": Route(cases(Action.CONSENT_RECORD)),
    "consent:lawful-basis": Route(cases(Action.CONSENT_RECORD)),
    "consent:ask-again": Route(cases(Action.CONSENT_RECORD), get=False),
    "consent:withdraw": Route(consents),
    "consent:disclosures": Route(disclosure_lookups, post=False, refusal_in_page=True),
    "consent:transparency": Route(transparency, post=False),
    "consent:transparency-pdf": Route(transparency, post=False, pdf=True),
    # The collated picture.
    "chronology:case": Route(cases(Action.CASE_VIEW), post=False),
    "chronology:csv": Route(cases(Action.CASE_VIEW), post=False),
    "people:case": Route(cases(Action.CASE_VIEW), post=False),
    "people:person_add": Route(cases(Action.PEOPLE_CHANGE)),
    "people:relationship_add": Route(cases(Action.PEOPLE_CHANGE)),
    "people:relationship_remove": Route(case_children(PersonRelationship, "relationship_id"), get=False),
    "people:household_add": Route(cases(Action.PEOPLE_CHANGE)),
    "people:household_change": Route(case_children(Household, "household_id")),
    "people:identifier_add": Route(case_people(Action.PEOPLE_CHANGE)),
    "people:identifier_change": Route(identifiers),
    "people:person_change": Route(case_people(Action.PEOPLE_CHANGE)),
    "people:person_remove": Route(added_people),
    "people:address_add": Route(case_people(Action.PEOPLE_CHANGE)),
    "people:genogram": Route(cases(Action.CASE_VIEW), post=False),
    "people:genogram_svg": Route(cases(Action.CASE_VIEW), post=False),
    "product:case": Route(cases(Action.CASE_VIEW), post=False),
    "product:pack": Route(cases(Action.CASE_VIEW), post=False, pdf=True),
    # Meetings.
    "meetings:list": Route(one(policy(Action.MEETINGS_LIST)), post=False),
    "meetings:schedule": Route(one(policy(Action.MEETING_SCHEDULE))),
    "meetings:detail": Route(meetings(Action.MEETING_VIEW), post=False),
    "meetings:agenda": Route(meetings(Action.MEETING_AGENDA), get=False),
    "meetings:attendance": Route(meetings(Action.MEETING_RUN), get=False),
    "meetings:start": Route(meetings(Action.MEETING_RUN), get=False),
    "meetings:close": Route(meetings(Action.MEETING_RUN), get=False),
    "meetings:screen": Route(meetings(Action.MEETING_VIEW), post=False),
    "meetings:discussed": Route(meetings(Action.MEETING_RUN), get=False),
    "meetings:minutes": Route(meetings(Action.MEETING_VIEW), post=False),
    # Partnership performance.
    "reporting:dashboard": Route(one(policy(Action.REPORTS_VIEW)), post=False),
    "reporting:measure": Route(
        with_kwargs(policy(Action.REPORTS_VIEW), slug=lambda s: "timeliness"), post=False
    ),
    "reporting:measure-xlsx": Route(
        with_kwargs(policy(Action.REPORTS_VIEW), slug=lambda s: "decisions"), post=False
    ),
    "reporting:measure-csv": Route(
        with_kwargs(policy(Action.REPORTS_VIEW), slug=lambda s: "volumes", table=lambda s: "sources"),
        post=False,
    ),
    "reporting:scorecard": Route(scorecards, post=False),
    "reporting:monthly": Route(one(policy(Action.REPORTS_VIEW)), post=False),
    "reporting:monthly-pdf": Route(
        with_kwargs(policy(Action.REPORTS_VIEW), year=lambda s: monthly_report().year, month=lambda s: 11),
        post=False,
    ),
    "reporting:annex-a": Route(one(policy(Action.ANNEX_A)), post=False),
    "reporting:annex-a-csv": Route(with_kwargs(policy(Action.ANNEX_A), which=lambda s: "list1"), post=False),
    "reporting:annex-a-xlsx": Route(one(policy(Action.ANNEX_A)), post=False),
    # Retention and destruction: information governance.
    "retention:schedule": Route(one(policy(Action.RETENTION_VIEW)), post=False),
    "retention:rules": Route(one(policy(Action.RETENTION_VIEW)), post=False),
    "retention:rule-edit": Route(
        with_kwargs(policy(Action.RETENTION_CONFIGURE), kind=lambda s: RecordKind.CONTACT_NFA.value)
    ),
    "retention:holds": Route(one(policy(Action.RETENTION_VIEW)), post=False),
    "retention:hold-place": Route(cases(Action.LEGAL_HOLD)),
    "retention:hold-lift": Route(legal_holds),
    "retention:destroyed": Route(one(policy(Action.RETENTION_VIEW)), post=False),
    "retention:destroyed-detail": Route(
        with_kwargs(policy(Action.RETENTION_VIEW), record_id=lambda s: DestructionRecord.objects.first().pk),
        post=False,
    ),
    # The API for agency systems (token sign-in).
    "api-schema": Route(one(lambda u: True), api=True, public=True, post=False),
    "api-referrals": Route(one(perm(Perm.REFERRAL_CREATE)), api=True, get=False),
    "api-referral": Route(api_referrals, api=True, post=False),
}


def route_names() -> Iterator[str]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern):
                yield f"{namespace}:{p.name}" if namespace else str(p.name)

    yield from walk(get_resolver().url_patterns, None)


def test_every_route_has_an_entry_in_the_sweep() -> None:
    names = set(route_names())
    assert names - set(ROUTES) == set(), "routes the access sweep does not cover"
    assert set(ROUTES) - names == set(), "entries for routes that no longer exist"


@dataclass
class Tally:
    tried: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _check(
    tally: Tally,
    s: Scenario,
    name: str,
    route: Route,
    target: Target,
    user: User,
    method: str,
    client: Client,
    secrets: dict[str, list[str]],
) -> None:
    url = reverse(name, kwargs=target.kwargs) + (f"?{target.query}" if target.query else "")
    expect = target.expect_post if method == "POST" and target.expect_post else target.expect
    allowed = expect(user)
    # Only a refused request's audit events are looked at: where the trail stood before it.
    last = 0 if allowed else AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
    extra: dict[str, Any] = {}
    if route.api:
        token, _ = Token.objects.get_or_create(user=user)
        extra["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        client = Client(raise_request_exception=False)
    response = client.post(url, {}, **extra) if method == "POST" else client.get(url, **extra)
    status = response.status_code
    tally.tried[method] += 1
    where = f"{method} {name} [{target.label}] as {user.username}: {status}"
    if status >= 500:
        tally.failures.append(f"{where}: a server error")
        return
    if route.public:
        return
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    if allowed:
        if status in (403, 404) and not (status == 404 and target.gone()):
            tally.failures.append(f"{where}, but the policy allows it")
        return
    refused = route.refusal_in_page or status in (302, 401, 403, 404, 405)
    if not refused:
        tally.failures.append(f"{where}, but the policy refuses it")
    leaked = [secret for secret in secrets.get(target.case, []) if secret in text]
    if leaked:
        tally.failures.append(f"{where}: a refused answer shows {leaked}")
    written = AuditEvent.objects.filter(sequence__gt=last).exclude(action=AuditAction.ACCESS_REFUSED)
    if not route.refusal_in_page and written.exists():
        tally.failures.append(
            f"{where}: a refused request wrote {sorted(set(written.values_list('action', flat=True)))}"
        )
    if route.refusal_in_page and target.query and written.exclude(persons=[]).exists():
        named = written.exclude(persons=[]).values_list("persons", flat=True)
        case_people = {str(p.pk) for p in s.people(target.case)}
        if any(case_people & set(persons) for persons in named):
            tally.failures.append(f"{where}: a refused look-up audited the case's people as read")


def test_the_access_sweep(
    make_user: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    s = build(make_user, tmp_path, django_capture_on_commit_callbacks)
    # Objects the hub administration pages act on: a closure day, a grant waiting for approval.
    closure_day_add(actor=Actor(user=s.users["admin"]), day=_a_weekday(), reason="Staff training")
    from openmash.accounts.services import user_set_roles

    user_set_roles(
        actor=Actor(user=s.users["admin"]),
        user=s.users["performance"],
        roles=[Role.PERFORMANCE_MANAGER, Role.IG_OFFICER],
        reason="Covering leave",
    )
    assert PendingRoleGrant.objects.exists()
    heartbeat_record()  # a worker was seen: the readiness check answers 200
    # A legal hold to lift (the destroyed case's destruction record is there to read).
    legal_hold_place(actor=Actor(user=s.users["hub_ig"]), case=s.cases["closed"], reason="Court order 123")

    clients = {key: Client(raise_request_exception=False) for key in s.users}
    for key, client in clients.items():
        client.force_login(s.users[key])
    tally = Tally()
    objects = 0
    everyone = connection.vendor == "sqlite" or _everywhere()
    for name in sorted(ROUTES):
        route = ROUTES[name]
        if route.skip:
            continue
        targets = route.targets(s)
        assert targets, f"{name}: the fixture hub has no object for this route"
        objects += len(targets)
        # What a refused answer must not show, read once a route (the sweep's empty POSTs change no one).
        secrets = {t.case: s.secrets(t.case) for t in targets if t.case and not route.public}
        asked = _askers(s.users, targets, _everywhere() if route.pdf else everyone)
        for user_key, user in s.users.items():
            client = clients[user_key]
            for i, target in enumerate(targets):
                if (user_key, i) not in asked:
                    continue
                if route.get:
                    _check(tally, s, name, route, target, user, "GET", client, secrets)
                if route.post:
                    _check(tally, s, name, route, target, user, "POST", client, secrets)
    anonymous = _anonymous_pass(s)
    tally.failures.extend(anonymous)
    print(
        f"\naccess sweep ({'everyone' if everyone else 'one person of each role and answer'}, "
        f"{connection.vendor}): {len(ROUTES)} routes x {len(s.users)} people x {objects} route objects: "
        f"{tally.tried['GET']} GET and {tally.tried['POST']} POST requests, {len(tally.failures)} failures"
    )
    assert not tally.failures, "\n".join(tally.failures[:80])


def _everywhere() -> bool:
    return os.environ.get("OPENMASH_SWEEP_EVERYONE") == "1"


def _askers(users: dict[str, User], targets: list[Target], everyone: bool) -> set[tuple[str, int]]:
    """Who asks about which of a route's objects: everyone, or for each object the first person of each
    role (as held, in the fixture hub's order) the policy allows, and the first it refuses."""
    if everyone:
        return {(key, i) for key in users for i in range(len(targets))}
    asked = set()
    for i, target in enumerate(targets):
        seen: set[tuple[tuple[str, ...], bool, bool | None]] = set()
        for key, user in users.items():
            posted = target.expect_post(user) if target.expect_post else None
            kind = (tuple(sorted(user.held_roles())), target.expect(user), posted)
            if kind not in seen:
                seen.add(kind)
                asked.add((key, i))
    return asked


def _anonymous_pass(s: Scenario) -> list[str]:
    """Someone not signed in: the pages in PUBLIC_ROUTES answer them, every other page sends them to
    sign in or refuses (the API asks for a token)."""
    client = Client(raise_request_exception=False)
    failures = []
    for name in sorted(ROUTES):
        route = ROUTES[name]
        if route.skip or not route.get:
            continue
        target = route.targets(s)[0]
        url = reverse(name, kwargs=target.kwargs) + (f"?{target.query}" if target.query else "")
        status = client.get(url).status_code
        if name in PUBLIC_ROUTES:
            if status >= 400:
                failures.append(f"GET {name} not signed in: {status}, but it is public")
        elif status not in (302, 401, 403, 404, 405):
            failures.append(f"GET {name} not signed in: {status}, but it is not in PUBLIC_ROUTES")
    return failures


def _a_weekday() -> Any:
    from datetime import date, timedelta

    day = date(2027, 3, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
