"""Roles that open case records wait for a second hub administrator's approval when a person gives them.

The security finding: a hub administrator could give themselves (or anyone) the decision-maker role on
the roles page and read every case, with no one else involved or told.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.accounts import services
from openmash.accounts.models import GrantOutcome, PendingRoleGrant, RoleGrant, User
from openmash.accounts.roles import APPROVAL_ROLES, Role
from openmash.accounts.tests.factories import UserFactory
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.hub.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db

R = Role
DECISIONS = "/decisions/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def roles_url(person: User) -> str:
    return reverse("accounts:user-roles", args=[person.pk])


def decide_url(grant: PendingRoleGrant) -> str:
    return reverse("accounts:role-grant-decide", args=[grant.pk])


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run what the views leave for after the commit (the e-mails), as a real request would."""

    @contextmanager
    def run() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "grace": make_user(R.HUB_ADMINISTRATOR, first_name="Grace", last_name="Adeyemi"),
        "daniel": make_user(R.HUB_ADMINISTRATOR, first_name="Daniel", last_name="Osei"),
        "helen": make_user(R.REFERRER, first_name="Helen", last_name="Marsh"),
        "nadia": make_user(R.IG_OFFICER, email="nadia.ig@openmash.invalid"),
    }


def ask_for_decision_maker(client: Client, person: User, reason: str = "New team manager") -> Any:
    return client.post(
        roles_url(person),
        {"roles": [R.REFERRER.value, R.DECISION_MAKER.value], "reason": reason},
        follow=True,
    )


def test_decision_maker_given_on_the_roles_page_waits_until_a_second_administrator_approves(
    people: dict[str, User], commit: Callable[[], Any]
) -> None:
    grace, daniel, helen = people["grace"], people["daniel"], people["helen"]
    with commit():
        page = ask_for_decision_maker(client_for(grace), helen)
    html = page.content.decode()
    assert "Decision maker for Helen Marsh waits for a second hub administrator&#x27;s approval" in html
    assert client_for(helen).get(DECISIONS).status_code == 403
    assert not RoleGrant.objects.filter(user=helen, role=R.DECISION_MAKER).exists()

    listing = client_for(daniel).get(reverse("accounts:role-grants")).content.decode()
    assert "Helen Marsh" in listing and "Decision maker" in listing and "New team manager" in listing
    grant = PendingRoleGrant.objects.get(user=helen, role=R.DECISION_MAKER)
    with commit():
        response = client_for(daniel).post(decide_url(grant), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    assert client_for(helen).get(DECISIONS).status_code == 200
    grant.refresh_from_db()
    assert (grant.outcome, grant.requested_by, grant.decided_by) == (GrantOutcome.APPROVED, grace, daniel)


def test_other_roles_and_revocations_on_the_roles_page_apply_at_once(
    people: dict[str, User], make_user: Callable[..., User]
) -> None:
    manager = make_user(R.SCREENING_MANAGER)
    client_for(people["grace"]).post(
        roles_url(manager), {"roles": [R.REFERRER.value, R.PERFORMANCE_MANAGER.value]}
    )
    assert User.objects.get(pk=manager.pk).held_roles() == [R.REFERRER, R.PERFORMANCE_MANAGER]
    assert not PendingRoleGrant.objects.exists()


def test_giving_an_approval_role_asks_why(people: dict[str, User]) -> None:
    page = client_for(people["grace"]).post(
        roles_url(people["helen"]), {"roles": [R.REFERRER.value, R.MEETING_CHAIR.value], "reason": " "}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "govuk-error-summary" in html
    assert "Enter why Helen Marsh needs the meeting chair role" in html
    assert not PendingRoleGrant.objects.exists()
    assert not RoleGrant.objects.filter(user=people["helen"], role=R.MEETING_CHAIR).exists()


def test_the_administrator_who_asked_cannot_approve_it(people: dict[str, User]) -> None:
    grace, helen = people["grace"], people["helen"]
    ask_for_decision_maker(client_for(grace), helen)
    grant = PendingRoleGrant.objects.get(user=helen)
    page = client_for(grace).get(decide_url(grant)).content.decode()
    assert "You asked for this role to be given, so you cannot approve it" in page

    response = client_for(grace).post(decide_url(grant), {"decision": "approve"})
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert services.GRANT_OWN_REQUEST in html
    grant.refresh_from_db()
    assert grant.outcome == GrantOutcome.PENDING
    assert client_for(helen).get(DECISIONS).status_code == 403


def test_an_administrator_cannot_approve_a_grant_to_themselves(
    people: dict[str, User], make_user: Callable[..., User]
) -> None:
    grace, daniel = people["grace"], people["daniel"]
    client_for(grace).post(
        roles_url(daniel),
        {"roles": [R.HUB_ADMINISTRATOR.value, R.DECISION_MAKER.value], "reason": "Covers decisions"},
    )
    grant = PendingRoleGrant.objects.get(user=daniel)
    response = client_for(daniel).post(decide_url(grant), {"decision": "approve"})
    assert services.GRANT_TO_SELF in response.content.decode()
    assert client_for(daniel).get(DECISIONS).status_code == 403
    # Grace asked and Daniel would hold it: the page says no one can approve it yet.
    listing = client_for(grace).get(reverse("accounts:role-grants")).content.decode()
    assert "Waits for a hub administrator who neither asked for it nor would hold it" in listing

    third = make_user(R.HUB_ADMINISTRATOR)
    assert client_for(third).post(decide_url(grant), {"decision": "approve"}).status_code == 302
    assert client_for(daniel).get(DECISIONS).status_code == 200


def test_nobody_approves_a_grant_they_asked_for_themselves(people: dict[str, User]) -> None:
    grace = people["grace"]
    services.user_set_roles(
        actor=Actor(user=grace),
        user=grace,
        roles=[R.HUB_ADMINISTRATOR, R.DECISION_MAKER],
        reason="I want to read cases",
    )
    assert User.objects.get(pk=grace.pk).held_roles() == [R.HUB_ADMINISTRATOR]
    grant = PendingRoleGrant.objects.get(user=grace)
    with pytest.raises(DomainError, match="you cannot approve it"):
        services.role_grant_approve(actor=Actor(user=grace), grant=grant)
    services.role_grant_approve(actor=Actor(user=people["daniel"]), grant=grant)
    assert User.objects.get(pk=grace.pk).held_roles() == [R.DECISION_MAKER, R.HUB_ADMINISTRATOR]


def test_the_database_refuses_an_approval_by_the_requester_or_the_grantee(people: dict[str, User]) -> None:
    grace, helen = people["grace"], people["helen"]
    ask_for_decision_maker(client_for(grace), helen)
    grant = PendingRoleGrant.objects.filter(user=helen)
    for approver in (grace, helen):
        with pytest.raises(IntegrityError), transaction.atomic():
            grant.update(outcome=GrantOutcome.APPROVED, decided_by=approver, decided_at=timezone.now())


def test_refusal_leaves_the_role_ungiven(people: dict[str, User], commit: Callable[[], Any]) -> None:
    grace, daniel, helen = people["grace"], people["daniel"], people["helen"]
    ask_for_decision_maker(client_for(grace), helen)
    grant = PendingRoleGrant.objects.get(user=helen)

    no_reason = client_for(daniel).post(decide_url(grant), {"decision": "refuse", "reason": ""})
    assert "Enter why you are refusing this role grant" in no_reason.content.decode()
    grant.refresh_from_db()
    assert grant.outcome == GrantOutcome.PENDING

    with commit():
        client_for(daniel).post(
            decide_url(grant), {"decision": "refuse", "reason": "Not a team manager"}, follow=True
        )
    grant.refresh_from_db()
    assert (grant.outcome, grant.decided_by, grant.decision_reason) == (
        GrantOutcome.REFUSED,
        daniel,
        "Not a team manager",
    )
    assert not RoleGrant.objects.filter(user=helen, role=R.DECISION_MAKER).exists()
    assert client_for(helen).get(DECISIONS).status_code == 403
    # Once decided, it cannot be decided again.
    again = client_for(people["daniel"]).post(decide_url(grant), {"decision": "approve"})
    assert "This role grant has already been refused by Daniel Osei" in again.content.decode()
    assert not RoleGrant.objects.filter(user=helen, role=R.DECISION_MAKER).exists()
    assert mail.outbox[-1].subject == "OpenMASH: decision maker role refused for Helen Marsh"
    assert "Not a team manager" in mail.outbox[-1].body


def test_the_information_governance_officers_are_told_of_each_request_and_decision(
    people: dict[str, User], make_user: Callable[..., User], commit: Callable[[], Any]
) -> None:
    grace, daniel, helen = people["grace"], people["daniel"], people["helen"]
    make_user(R.IG_OFFICER, AgencyKind.POLICE, email="police.ig@openmash.invalid")  # not the hub's IG
    make_user(R.IG_OFFICER, email="left@openmash.invalid", is_active=False)
    with commit():
        ask_for_decision_maker(client_for(grace), helen)
    grant = PendingRoleGrant.objects.get(user=helen)
    with commit():
        client_for(daniel).post(decide_url(grant), {"decision": "approve"})

    assert [m.to for m in mail.outbox] == [["nadia.ig@openmash.invalid"]] * 2
    asked, approved = mail.outbox
    assert asked.subject == "OpenMASH: decision maker role requested for Helen Marsh, waiting for approval"
    assert "Asked for by: Grace Adeyemi" in asked.body and "For: Helen Marsh" in asked.body
    assert "Role: Decision maker" in asked.body and "New team manager" in asked.body
    assert "Waiting for a second hub administrator's approval" in asked.body
    assert approved.subject == "OpenMASH: decision maker role approved for Helen Marsh"
    assert "Approved by Daniel Osei" in approved.body and "Asked for by: Grace Adeyemi" in approved.body


def test_requests_approvals_and_refusals_are_audited(people: dict[str, User]) -> None:
    grace, daniel, helen = people["grace"], people["daniel"], people["helen"]
    client_for(grace).post(
        roles_url(helen),
        {"roles": [R.REFERRER.value, R.DECISION_MAKER.value, R.MEETING_CHAIR.value], "reason": "Cover"},
    )
    grants = {g.role: g for g in PendingRoleGrant.objects.filter(user=helen)}
    client_for(daniel).post(decide_url(grants[R.DECISION_MAKER]), {"decision": "approve"})
    client_for(daniel).post(decide_url(grants[R.MEETING_CHAIR]), {"decision": "refuse", "reason": "No"})

    events = AuditEvent.objects.filter(object_id=str(helen.pk)).order_by("sequence")
    assert [(e.action, e.actor_id, e.detail["role"]) for e in events] == [
        (AuditAction.ROLE_GRANT_REQUESTED, str(grace.pk), R.DECISION_MAKER),
        (AuditAction.ROLE_GRANT_REQUESTED, str(grace.pk), R.MEETING_CHAIR),
        (AuditAction.ROLE_GRANT_APPROVED, str(daniel.pk), R.DECISION_MAKER),
        (AuditAction.ROLE_GRANT_REFUSED, str(daniel.pk), R.MEETING_CHAIR),
    ]
    assert events.last().detail["requested_by"] == grace.username  # type: ignore[union-attr]


def test_with_one_hub_administrator_the_pages_say_why_the_grant_waits(make_user: Callable[..., User]) -> None:
    only = make_user(R.HUB_ADMINISTRATOR)
    helen = make_user(R.REFERRER, first_name="Helen", last_name="Marsh")
    saved = ask_for_decision_maker(client_for(only), helen).content.decode()
    assert "This hub has only one hub administrator" in saved
    assert "a second hub administrator is needed to approve it" in saved

    listing = client_for(only).get(reverse("accounts:role-grants")).content.decode()
    assert 'data-testid="only-one-administrator"' in listing
    assert "a second hub administrator is needed to approve them" in listing
    grant = PendingRoleGrant.objects.get(user=helen)
    decide = client_for(only).get(decide_url(grant)).content.decode()
    assert "This hub has only one hub administrator, so this grant waits" in decide


@pytest.mark.parametrize("role", [r for r in Role if r is not R.HUB_ADMINISTRATOR], ids=lambda r: r.value)
def test_only_hub_administrators_see_or_decide_grants(
    role: Role, people: dict[str, User], make_user: Callable[..., User]
) -> None:
    ask_for_decision_maker(client_for(people["grace"]), people["helen"])
    grant = PendingRoleGrant.objects.get()
    client = client_for(make_user(role))
    assert client.get(reverse("accounts:role-grants")).status_code == 403
    assert client.get(decide_url(grant)).status_code == 403
    assert client.post(decide_url(grant), {"decision": "approve"}).status_code == 403
    grant.refresh_from_db()
    assert grant.outcome == GrantOutcome.PENDING
    with pytest.raises(DomainError, match="Only a hub administrator"):
        services.role_grant_approve(actor=Actor(user=make_user(role)), grant=grant)


def test_nobody_signed_in_is_sent_to_sign_in(people: dict[str, User]) -> None:
    response = Client().get(reverse("accounts:role-grants"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_adding_a_user_with_an_approval_role_on_the_page_also_waits(people: dict[str, User]) -> None:
    csc = Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE).order_by("created_at").first()
    assert csc is not None
    form = {
        "first_name": "Sam",
        "last_name": "Puppet",
        "username": "sam.puppet",
        "email": "sam@openmash.invalid",
        "agency": str(csc.pk),
        "roles": [R.DECISION_MAKER.value],
        "password": "a-long-enough-password",
    }
    missing = client_for(people["grace"]).post(reverse("accounts:user-create"), form)
    assert "Enter why Sam Puppet needs the decision maker role" in missing.content.decode()
    assert not User.objects.filter(username="sam.puppet").exists()

    page = client_for(people["grace"]).post(
        reverse("accounts:user-create"), {**form, "reason": "New starter"}, follow=True
    )
    assert "Decision maker for Sam Puppet waits for a second hub administrator" in page.content.decode()
    sam = User.objects.get(username="sam.puppet")
    assert sam.held_roles() == []
    assert client_for(sam).get(DECISIONS).status_code == 403
    assert PendingRoleGrant.objects.get(user=sam).outcome == GrantOutcome.PENDING


def test_the_system_gives_roles_at_once(hub: object) -> None:
    """The set-up paths (demo loader, commands, test factories) are the system, not a person."""
    csc = Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE).order_by("created_at").first()
    assert csc is not None
    actor = Actor.system("tests")
    created = services.user_create(
        actor=actor,
        username="set.up",
        email="s@openmash.invalid",
        first_name="Set",
        last_name="Up",
        agency=csc,
        roles=[R.DECISION_MAKER, R.SCREENING_MANAGER],
        password=None,
    )
    assert created.held_roles() == [R.SCREENING_MANAGER, R.DECISION_MAKER]
    services.user_set_roles(actor=actor, user=created, roles=[R.MEETING_CHAIR, R.IG_OFFICER])
    assert User.objects.get(pk=created.pk).held_roles() == [R.MEETING_CHAIR, R.IG_OFFICER]
    made: Any = UserFactory(agency=csc, roles=[R.DECISION_MAKER])
    assert User.objects.get(pk=made.pk).held_roles() == [R.DECISION_MAKER]
    assert not PendingRoleGrant.objects.exists()


def test_the_demo_hub_has_two_hub_administrators_to_approve_grants() -> None:
    from openmash.demo.loader import DEMO_USERS

    assert sum(1 for u in DEMO_USERS if u.role is R.HUB_ADMINISTRATOR) >= 2
    assert {R.DECISION_MAKER, R.SCREENING_MANAGER, R.MEETING_CHAIR, R.IG_OFFICER} == APPROVAL_ROLES
