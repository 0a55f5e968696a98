"""Property test of the sharing gate over random case histories, through the real services.

Hypothesis builds a case in one of the three hub models, with one or two children, and runs a random
history on it: consent given, refused and withdrawn (for the household, for oneself or for a named child;
for every agency or some; naming health information or not), lawful-basis decisions (with or without the
health override; for every agency or some), screening (which sends requests through the gate), agencies
returning or declining to share, the gate asked again, and the returns being read.

A small model of the rules (written here from the issue, not imported from the gate) follows the history.
After every step the test checks:
  (a) every item shared by an agency bound by a duty of confidentiality (health) relied on consent that
      named health information, was active and covered the agency, or on a lawful basis that set the
      duty aside for that agency; and the gate, asked again at that moment, gives the same answer;
  (b) in an early-help hub no request reaches an agency, and nothing is shared, without active consent
      covering that agency (a lawful basis is not enough);
  (c) after a consent is withdrawn nothing new is shared under it;
  (d) what was shared stays in the log, unchanged;
and that every view of shared information carries the basis it was shared under, and that each
unanswered request is blocked exactly when the model says the gate should refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from openmash.accounts.roles import Role
from openmash.cases.models import Case, ConsentPosition, Route
from openmash.cases.tests.helpers import make_referral
from openmash.casework.consent import consent_record, consent_withdraw, lawful_basis_record
from openmash.casework.screening import case_screen
from openmash.consent.gate import Purpose, evaluate
from openmash.consent.models import ConsentDecision, Disclosure, DisclosureKind, ForWhom, InformedHow
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.disclosures import returns_viewed
from openmash.enquiries.models import OUTSTANDING_STATUSES, InformationRequest, RequestStatus
from openmash.enquiries.services import HistoryData, request_save_return, request_withhold, requests_recheck
from openmash.hub.models import Agency, AgencyKind, RagRating, ThresholdLevel
from openmash.hub.selectors import hub_configuration
from openmash.hub.services import hub_apply_preset
from openmash.referrals.models import Relationship
from openmash.referrals.services import PersonData

pytestmark = pytest.mark.django_db

KINDS = (AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION, AgencyKind.EARLY_HELP)
PRESETS = ("front-door", "children-in-need", "early-help")

# Actions ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GiveConsent:
    refused: bool
    for_whom: ForWhom
    giver: int  # index into the people on the referral
    child: int  # index into the children, for consent for a named child
    agencies: frozenset[str] | None  # None: every agency
    health: bool


@dataclass(frozen=True)
class Withdraw:
    which: int  # index into the consents still active


@dataclass(frozen=True)
class Basis:
    health_override: bool
    agencies: frozenset[str] | None


@dataclass(frozen=True)
class Screen:
    agencies: frozenset[str]


@dataclass(frozen=True)
class Return:
    which: int  # index into the agencies asked (into those whose request is open, if open_only)
    history: int
    open_only: bool


@dataclass(frozen=True)
class Withhold:
    which: int  # index into the agencies asked


@dataclass(frozen=True)
class Recheck:
    pass


@dataclass(frozen=True)
class View:
    pass


scopes = st.one_of(st.none(), st.frozensets(st.sampled_from(KINDS), min_size=1))
consents = st.builds(
    GiveConsent,
    refused=st.sampled_from([False, False, False, True]),
    for_whom=st.sampled_from([ForWhom.HOUSEHOLD, ForWhom.HOUSEHOLD, ForWhom.CHILD, ForWhom.SELF]),
    giver=st.integers(0, 2),
    child=st.integers(0, 1),
    agencies=scopes,
    health=st.sampled_from([True, True, False]),
)
withdrawals = st.builds(Withdraw, which=st.integers(0, 3))
bases = st.builds(Basis, health_override=st.booleans(), agencies=scopes)
before_screening = st.one_of(consents, withdrawals, bases)
after_screening = st.one_of(
    consents,
    withdrawals,
    bases,
    st.builds(Return, which=st.integers(0, 3), history=st.integers(0, 2), open_only=st.just(True)),
    st.builds(Return, which=st.integers(0, 3), history=st.integers(0, 2), open_only=st.just(False)),
    st.builds(Withhold, which=st.integers(0, 3)),
    st.just(Recheck()),
    st.just(View()),
)
histories = st.fixed_dictionaries(
    {
        "preset": st.sampled_from(PRESETS),
        "children": st.integers(1, 2),
        "before": st.lists(before_screening, max_size=3),
        # Health (bound by the duty of confidentiality) is asked in most histories: it is what (a) is about.
        "screen": st.builds(
            lambda asked, health: asked | {AgencyKind.HEALTH} if health else asked,
            st.frozensets(st.sampled_from(KINDS), min_size=1),
            st.sampled_from([True, True, True, False]),
        ),
        "after": st.lists(after_screening, min_size=1, max_size=10),
    }
)

# The model of the rules ---------------------------------------------------------------------------------


@dataclass
class ConsentModel:
    given: bool
    for_whom: ForWhom
    covered: object  # the person covered (self or the named child); None for the household
    agencies: frozenset[object] | None
    health: bool
    withdrawn: bool = False

    def covers(self, agency: Agency) -> bool:
        return (
            self.given
            and not self.withdrawn
            and (self.agencies is None or agency.pk in self.agencies)
            and (self.health or not agency.duty_of_confidentiality)
        )


@dataclass
class BasisModel:
    agencies: frozenset[object] | None
    override: bool

    def covers(self, agency: Agency) -> bool:
        return (self.agencies is None or agency.pk in self.agencies) and (
            self.override or not agency.duty_of_confidentiality
        )


@dataclass
class Model:
    early_help: bool
    children: list[object]
    consents: dict[object, ConsentModel] = field(default_factory=dict)
    bases: dict[object, BasisModel] = field(default_factory=dict)
    withdrawn: set[object] = field(default_factory=set)

    def consent_covers_case(self, agency: Agency) -> bool:
        """Household consent, or consents that between them cover every child, for this agency."""
        usable = [c for c in self.consents.values() if c.covers(agency)]
        if any(c.for_whom == ForWhom.HOUSEHOLD for c in usable):
            return True
        return bool(usable) and {c.covered for c in usable} >= set(self.children)

    def allows(self, agency: Agency) -> bool:
        if self.consent_covers_case(agency):
            return True
        if self.early_help:
            return False
        return any(b.covers(agency) for b in self.bases.values())


# Running a history --------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    agencies: dict[str, Agency]


def _pks(agencies: dict[str, Agency], kinds: frozenset[str] | None) -> frozenset[object] | None:
    return None if kinds is None else frozenset(agencies[k].pk for k in kinds)


def _referral(children: int, referrer: Any) -> Case:
    kids = [
        PersonData(given_name=name, family_name="Okoro", date_of_birth=date(2017 + i, 3, 3), sex="F")
        for i, name in enumerate(["Ada", "Bisi"][:children])
    ]
    mother = PersonData(given_name="Ngozi", family_name="Okoro", relationship=Relationship.MOTHER, sex="F")
    return make_referral(referrer, people=[*kids, mother]).case


def _snapshot(case: Case) -> dict[int, tuple[object, ...]]:
    return {
        d.pk: (d.kind, d.from_agency_id, d.consent_id, d.lawful_basis_id, d.basis_text, d.item_id, d.at)
        for d in Disclosure.objects.filter(case=case)
    }


def _asked(case: Case, which: int, open_only: bool = False) -> InformationRequest:
    # Health first: what it may share is what the property is mostly about.
    requests = list(
        case.requests.select_related("agency").order_by("-agency__duty_of_confidentiality", "agency__name")
    )
    if open_only and any(r.is_open for r in requests):
        requests = [r for r in requests if r.is_open]
    return requests[which % len(requests)]


def run(step: object, case: Case, model: Model, world: World) -> None:
    screener = Actor(user=world.users["screener"], role=Role.SCREENING_MANAGER)
    people = list(case.referral.people.all())
    children = [p for p in people if p.is_subject]
    if isinstance(step, GiveConsent):
        child = children[step.child % len(children)]
        giver = people[step.giver % len(people)]
        record = consent_record(
            actor=screener,
            case=case,
            given_by=giver,
            for_whom=step.for_whom,
            decision=ConsentDecision.REFUSED if step.refused else ConsentDecision.GIVEN,
            informed_how=InformedHow.WRITTEN,
            privacy_notice_version="2026-04",
            child=child if step.for_whom == ForWhom.CHILD else None,
            all_agencies=step.agencies is None,
            agencies=[world.agencies[k] for k in step.agencies or ()],
            includes_health=step.health,
        )
        covered = {ForWhom.SELF: giver.pk, ForWhom.CHILD: child.pk, ForWhom.HOUSEHOLD: None}[step.for_whom]
        model.consents[record.pk] = ConsentModel(
            given=not step.refused,
            for_whom=step.for_whom,
            covered=covered,
            agencies=_pks(world.agencies, step.agencies),
            health=step.health,
        )
    elif isinstance(step, Withdraw):
        active = [pk for pk, c in model.consents.items() if c.given and not c.withdrawn]
        if not active:
            return
        pk = active[step.which % len(active)]
        consent_withdraw(actor=screener, consent=case.consents.get(pk=pk), note="Changed their mind")
        if case.disclosures.filter(consent_id=pk, kind=DisclosureKind.SHARED).exists():
            event("consent withdrawn after something was shared under it")
        model.consents[pk].withdrawn = True
        model.withdrawn.add(pk)
    elif isinstance(step, Basis):
        basis = lawful_basis_record(
            actor=screener,
            case=case,
            reason="Risk of significant harm",
            health_override=step.health_override,
            all_agencies=step.agencies is None,
            agencies=[world.agencies[k] for k in step.agencies or ()],
        )
        model.bases[basis.pk] = BasisModel(_pks(world.agencies, step.agencies), step.health_override)
    elif isinstance(step, Screen):
        case.refresh_from_db()
        case_screen(
            actor=screener,
            case=case,
            expected_version=case.version,
            level=ThresholdLevel.objects.get(number=3),
            indicators=[],
            rag=RagRating.AMBER,
            rag_reason="Concerns from school",
            consent_position=ConsentPosition.TO_BE_SOUGHT,
            route=Route.MASH_ENQUIRY,
            agencies=[world.agencies[k] for k in sorted(step.agencies)],
        )
    elif isinstance(step, Return):
        request = _asked(case, step.which, step.open_only)
        was_open = request.is_open
        try:
            request_save_return(
                actor=Actor(user=world.users[request.agency.kind]),
                request=request,
                expected_version=request.version,
                summary="Known to this agency",
                risk_factors="",
                protective_factors="",
                history=[
                    HistoryData(date(2026, 1, 1 + i), "incident", "Attended", "low", f"REF-{i}")
                    for i in range(step.history)
                ],
                submit=True,
            )
        except DomainError:
            # Refused: a blocked request, or one already answered. Never an open one the gate allows.
            assert not was_open
            event("return refused")
        else:
            assert was_open
    elif isinstance(step, Withhold):
        request = _asked(case, step.which)
        request_withhold(
            actor=Actor(user=world.users[request.agency.kind]),
            request=request,
            what="Older records",
            reason="Not relevant to the concern",
        )
    elif isinstance(step, Recheck):
        # The gate was already asked whenever anything changed, so asking again changes nothing.
        assert requests_recheck(actor=screener, case=case) == []
    elif isinstance(step, View):
        returns_viewed(actor=Actor(user=world.users["decider"], role=Role.DECISION_MAKER), case=case)


def check(
    case: Case, model: Model, world: World, before: dict[int, tuple[object, ...]], seen_open: set
) -> None:
    config = hub_configuration()
    after = _snapshot(case)
    # (d) Nothing already in the log changed or went away.
    assert {pk: after.get(pk) for pk in before} == before
    new = (
        Disclosure.objects.filter(pk__in=set(after) - set(before))
        .select_related("from_agency", "consent", "lawful_basis")
        .order_by("id")
    )
    for d in new:
        agency = d.from_agency
        if d.kind == DisclosureKind.SHARED:
            assert (d.consent_id is None) != (d.lawful_basis_id is None), "one basis per shared item"
            if d.consent is not None:
                consent = d.consent
                # (a) from the record: active at the time, covering the agency, naming health if needed.
                assert consent.decision == ConsentDecision.GIVEN
                assert consent.withdrawn_at is None or consent.withdrawn_at > d.at
                assert consent.all_agencies or consent.agencies.filter(pk=agency.pk).exists()
                assert consent.includes_health or not agency.duty_of_confidentiality
                # (c) never under a consent withdrawn before this step.
                assert consent.pk not in model.withdrawn
                assert model.consents[consent.pk].covers(agency)
            else:
                basis = d.lawful_basis
                assert basis is not None
                # (b) a lawful basis is never enough in an early-help hub.
                assert not model.early_help
                assert basis.decided_at <= d.at
                assert basis.all_agencies or basis.agencies.filter(pk=agency.pk).exists()
                assert basis.health_override or not agency.duty_of_confidentiality
                assert model.bases[basis.pk].covers(agency)
            assert model.allows(agency)
            health = "health" if agency.duty_of_confidentiality else "other agency"
            event(f"{health} shared under {'consent' if d.consent_id else 'a lawful basis'}")
            # Replay the gate at this moment (nothing has changed since the item was shared).
            replay = evaluate(config=config, case=case, agency=agency, purpose=Purpose.SHARE)
            assert replay.allowed
            assert (replay.consent, replay.lawful_basis) == (d.consent, d.lawful_basis)
            assert replay.basis_text == d.basis_text
        elif d.kind in (DisclosureKind.VIEWED, DisclosureKind.EXPORTED):
            # Shown only with the basis it was shared under, which (a) checked when it was shared.
            original = Disclosure.objects.get(
                kind=DisclosureKind.SHARED, item_type="return", item_id=d.item_id, case=case
            )
            assert (d.consent_id, d.lawful_basis_id, d.basis_text) == (
                original.consent_id,
                original.lawful_basis_id,
                original.basis_text,
            )
    # Every unanswered request is blocked exactly when the gate should refuse, with the reason and remedy.
    requests: list[InformationRequest] = list(case.requests.select_related("agency"))
    for request in requests:
        if request.status in OUTSTANDING_STATUSES:
            assert (request.status != RequestStatus.BLOCKED) == model.allows(request.agency), request.agency
            if request.status == RequestStatus.BLOCKED:
                assert request.blocked_reason and request.unblock_hint
                assert request.due_at is None
        if request.status != RequestStatus.BLOCKED and request.pk not in seen_open:
            # (b) The first moment a request reaches an agency, the gate allows it: in an early-help hub
            # that means active consent covering the agency.
            seen_open.add(request.pk)
            assert model.allows(request.agency)
            if model.early_help:
                assert model.consent_covers_case(request.agency)
                event("early help: a request reached an agency after consent")


@pytest.fixture
def world(make_user: Any) -> World:
    agencies = {kind: Agency.objects.filter(kind=kind).order_by("created_at").first() for kind in KINDS}
    assert agencies[AgencyKind.HEALTH].duty_of_confidentiality
    assert not any(agencies[k].duty_of_confidentiality for k in KINDS if k != AgencyKind.HEALTH)
    users = {kind: make_user(Role.AGENCY_RESEARCHER, kind) for kind in KINDS}
    users["screener"] = make_user(Role.SCREENING_MANAGER)
    users["decider"] = make_user(Role.DECISION_MAKER)
    users["referrer"] = make_user(Role.REFERRER, AgencyKind.EDUCATION)
    return World(users=users, agencies=agencies)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_random_case_histories_keep_the_sharing_rules(world: World, history: dict[str, Any]) -> None:
    # One test database for every example: each example works on a fresh referral of its own.
    hub_apply_preset(actor=Actor.system("tests"), preset_slug=history["preset"])
    case = _referral(history["children"], world.users["referrer"])
    children = list(case.referral.people.filter(is_subject=True).values_list("pk", flat=True))
    model = Model(early_help=hub_configuration().consent_before_search, children=children)
    assert model.early_help == (history["preset"] == "early-help")
    seen_open: set[object] = set()
    steps = [*history["before"], Screen(history["screen"]), *history["after"]]
    for step in steps:
        before = _snapshot(case)
        run(step, case, model, world)
        check(case, model, world, before, seen_open)
    health_shares = case.disclosures.filter(
        kind=DisclosureKind.SHARED, from_agency__duty_of_confidentiality=True
    ).count()
    target(float(health_shares), label="items shared by health")
    # Whatever happened, every agency asked has a request, and nothing reached an agency the gate refused.
    assert case.requests.count() == len(history["screen"])
