"""One regression test for each access finding, on the sweep's fixture hub, as the person who found it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.access.tests.scenario import Scenario, build
from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.accounts.services import user_set_roles
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.enquiries.models import RequestStatus
from openmash.hub.models import AgencyKind, HubConfiguration
from openmash.people.models import PersonIdentifier
from openmash.referrals.models import ReferralPerson

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub_s(make_user: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any) -> Scenario:
    return build(make_user, tmp_path, django_capture_on_commit_callbacks)


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def shows_any(response: Any, secrets: list[str]) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    return [s for s in secrets if s in text]


CASE_PAGES = [
    "people:case",
    "chronology:case",
    "chronology:csv",
    "people:genogram",
    "people:genogram_svg",
    "product:case",
    "product:pack",
]


@pytest.mark.parametrize(("case_key", "who"), [("blocked", "health"), ("withdrawn", "police")])
def test_1_an_agency_whose_request_waits_sees_no_page_of_the_case(
    hub_s: Scenario, case_key: str, who: str
) -> None:
    """Finding 1: the sharing gate held only on the case page; now on every page of the case."""
    s = hub_s
    case = s.cases[case_key]
    # Health's request waits at the gate; police's was searched, then consent was withdrawn (the gate now
    # refuses it, before anyone asks it again).
    assert s.request(case_key, who).status in (RequestStatus.BLOCKED, RequestStatus.IN_PROGRESS)
    researcher = client(s.users[who])
    for name in CASE_PAGES:
        response = researcher.get(reverse(name, args=[case.pk]))
        assert response.status_code == 403, name
        assert not shows_any(response, s.secrets(case_key)), name
        if not name.endswith(("csv", "svg", "pack")):
            assert "Why it is waiting" in response.content.decode(), name
    before = case.referral.people.count()
    added = researcher.post(
        reverse("people:person_add", args=[case.pk]),
        {"given_name": "Extra", "family_name": "Person", "sex": "F", "relationship": "other"},
    )
    assert added.status_code == 403 and case.referral.people.count() == before
    person = s.people(case_key)[0]
    researcher.post(
        reverse("people:identifier_add", args=[case.pk, person.pk]), {"scheme": "nhs", "value": "9990000069"}
    )
    assert not PersonIdentifier.objects.filter(person=person, value="9990000069").exists()


def test_2_a_partner_ig_officer_reads_only_cases_their_agency_was_involved_with(hub_s: Scenario) -> None:
    """Finding 2: the disclosure log and transparency reports had no agency scope for look-ups."""
    s = hub_s
    education_ig = client(s.users["education_ig"])
    stranger = s.cases["health_only"]  # education never asked, never shared, never saw
    log = education_ig.get(reverse("consent:disclosures"), {"case": stranger.reference})
    assert f"There is no case with the reference {stranger.reference}" in log.content.decode()
    assert not shows_any(log, s.secrets("health_only"))
    person = s.people("health_only")[0]
    report = education_ig.get(reverse("consent:transparency", args=[person.pk]))
    assert report.status_code == 404 and not shows_any(report, s.secrets("health_only"))
    # Health's officer may: Health was asked about this family.
    health_ig = client(s.users["health_ig"])
    assert health_ig.get(reverse("consent:transparency", args=[person.pk])).status_code == 200
    listed = health_ig.get(reverse("consent:disclosures"), {"case": stranger.reference}).content.decode()
    assert f"{person.given_name} {person.family_name}" in listed


def test_3_a_confirmed_record_is_not_readable_once_consent_is_withdrawn(hub_s: Scenario) -> None:
    """Finding 3: the trawl record page ignored the gate after the request was blocked again."""
    s = hub_s
    candidate = s.candidates["withdrawn"]
    info = candidate.trawl.request
    # The family withdrew consent after the search: whether or not the hub has asked the gate again (which
    # blocks the request), the record is not readable from that moment.
    assert info.status in (RequestStatus.IN_PROGRESS, RequestStatus.BLOCKED)
    police = client(s.users["police"])
    for url in (
        reverse("trawl:record", args=[info.pk, candidate.pk]),
        reverse("trawl:page", args=[info.pk]),
    ):
        response = police.get(url)
        assert response.status_code == 403, url
        assert "POL-" not in response.content.decode() and not shows_any(response, s.secrets("withdrawn"))
    # The same record under an open request still reads.
    open_candidate = s.candidates["open"]
    ok = police.get(reverse("trawl:record", args=[open_candidate.trawl.request_id, open_candidate.pk]))
    assert ok.status_code == 200


def test_4_a_refused_read_is_audited_as_a_refusal_not_a_view(hub_s: Scenario) -> None:
    """Finding 4: the case helpers audited 'cases.viewed', naming everyone, before refusing."""
    s = hub_s
    case = s.cases["open"]
    referrer = client(s.users["referrer"])
    for name in ("chronology:case", "people:genogram_svg", "product:pack"):
        assert referrer.get(reverse(name, args=[case.pk])).status_code == 404
    events = AuditEvent.objects.filter(actor_id=str(s.users["referrer"].pk))
    assert not events.filter(action=AuditAction.CASE_VIEWED).exists()
    refused = events.filter(action=AuditAction.ACCESS_REFUSED)
    assert refused.count() == 3
    assert all(e.persons == [] and e.object_id == str(case.pk) for e in refused)
    assert {e.detail["refusal"] for e in refused} == {"referrer"}


def test_5_a_meeting_chair_sees_only_the_cases_on_their_meetings_agendas(hub_s: Scenario) -> None:
    """Finding 5: a meeting chair in any agency saw every case."""
    s = hub_s
    chair, other_chair = client(s.users["chair"]), client(s.users["other_chair"])
    open_case, blocked = s.cases["open"], s.cases["blocked"]
    assert chair.get(reverse("cases:detail", args=[open_case.pk])).status_code == 200
    assert chair.get(reverse("chronology:case", args=[open_case.pk])).status_code == 200
    assert chair.get(reverse("cases:detail", args=[blocked.pk])).status_code == 404
    assert other_chair.get(reverse("cases:detail", args=[open_case.pk])).status_code == 404
    listed = other_chair.get(reverse("cases:list")).content.decode()
    assert open_case.reference not in listed and blocked.reference not in listed
    assert other_chair.get(reverse("meetings:detail", args=[s.meetings["chaired"].pk])).status_code == 404


def test_6_people_on_a_decided_case_or_after_the_return_are_read_only(hub_s: Scenario) -> None:
    """Finding 6: a researcher could add or change people on a closed case after returning."""
    s = hub_s
    police = client(s.users["police"])
    data = {"given_name": "Late", "family_name": "Addition", "sex": "M", "relationship": "other"}
    closed, returned = s.cases["closed"], s.cases["open"]
    for case in (closed, returned):
        before = ReferralPerson.objects.filter(referral=case.referral).count()
        response = police.post(reverse("people:person_add", args=[case.pk]), data)
        assert response.status_code == 403
        assert ReferralPerson.objects.filter(referral=case.referral).count() == before
    screener = client(s.users["screener"])
    closed_page = screener.post(reverse("people:person_add", args=[closed.pk]), data)
    assert closed_page.status_code == 403 and "read-only" in closed_page.content.decode()
    assert "Add a person" not in police.get(reverse("people:case", args=[returned.pk])).content.decode()


def test_7_an_administrator_cannot_open_case_access_to_themselves(hub_s: Scenario) -> None:
    """Finding 7: a hub administrator granted themselves the decision-maker role and read every case."""
    s = hub_s
    admin = s.users["admin"]
    user_set_roles(
        actor=Actor(user=admin),
        user=admin,
        roles=[Role.HUB_ADMINISTRATOR, Role.DECISION_MAKER],
        reason="Covering the team manager",
    )
    admin.refresh_from_db()
    assert not admin.has_role(Role.DECISION_MAKER)
    assert client(admin).get(reverse("cases:detail", args=[s.cases["open"].pk])).status_code == 404


def test_8_a_researcher_sees_another_agencys_contribution_only_where_the_hub_decides(hub_s: Scenario) -> None:
    """Finding 8: a police researcher read Health's return through the chronology and the product."""
    s = hub_s
    case = s.cases["open"]
    police = client(s.users["police"])
    health_text = "Health knows the family"
    assert HubConfiguration.objects.get().partners_see_contributions is False
    for name in ("chronology:case", "product:case", "cases:detail"):
        body = police.get(reverse(name, args=[case.pk])).content.decode()
        assert health_text not in body, name
    assert "Police knows the family" in police.get(reverse("cases:detail", args=[case.pk])).content.decode()
    seen = Disclosure.objects.filter(case=case, kind=DisclosureKind.VIEWED, by_user=s.users["police"])
    assert not seen.filter(from_agency__kind=AgencyKind.HEALTH).exists()
    # The hub shares contributions with partners: Health's (shared under its override) is shown, logged.
    HubConfiguration.objects.update(partners_see_contributions=True)
    assert health_text in police.get(reverse("product:case", args=[case.pk])).content.decode()
    assert seen.filter(from_agency__kind=AgencyKind.HEALTH).exists()
    # Hub staff see every contribution.
    assert (
        health_text
        in client(s.users["decider"]).get(reverse("product:case", args=[case.pk])).content.decode()
    )


def test_8_healths_contribution_never_reaches_a_partner_without_what_let_it_be_shared(
    hub_s: Scenario,
) -> None:
    s = hub_s
    HubConfiguration.objects.update(partners_see_contributions=True)
    case = s.cases["open"]
    # Take away what let Health share: the basis's health override.
    case.lawful_bases.update(health_override=False)
    body = client(s.users["police"]).get(reverse("product:case", args=[case.pk])).content.decode()
    assert "Health knows the family" not in body
    assert "Returned but not shared with you" in body


def test_6_a_decision_maker_corrects_a_decided_case_giving_the_reason(hub_s: Scenario) -> None:
    """Closed cases are read-only except corrections by the decision maker, with a reason."""
    s = hub_s
    case = s.cases["closed"]
    decider = client(s.users["decider"])
    url = reverse("people:person_add", args=[case.pk])
    data = {"given_name": "Corrected", "family_name": "Name", "sex": "M", "relationship": "other"}
    form = decider.get(url).content.decode()
    assert "Why does this decided case need correcting?" in form
    before = ReferralPerson.objects.filter(referral=case.referral).count()
    missing = decider.post(url, data)
    assert "Give the reason for correcting a decided case" in missing.content.decode()
    assert ReferralPerson.objects.filter(referral=case.referral).count() == before
    done = decider.post(url, {**data, "correction_reason": "The father was left off the referral"})
    assert done.status_code == 302
    assert ReferralPerson.objects.filter(referral=case.referral).count() == before + 1
    corrected = AuditEvent.objects.get(action=AuditAction.CASE_CORRECTED, object_id=str(case.pk))
    assert corrected.reason == "The father was left off the referral"
    assert corrected.actor_id == str(s.users["decider"].pk)


def test_2_a_partner_ig_officer_sees_what_their_agencys_staff_did_in_the_audit_trail(hub_s: Scenario) -> None:
    """The trail names people and cases: a partner agency's officer answers for their own staff's part."""
    s = hub_s
    police_staff = str(s.users["police"].pk)
    health_staff = str(s.users["health"].pk)
    health_ig = client(s.users["health_ig"]).get(reverse("audit:events"))
    police_filtered = client(s.users["health_ig"]).get(
        reverse("audit:events"), {"actor": s.users["police"].username}
    )
    assert list(police_filtered.context["page"].object_list) == []
    shown = list(health_ig.context["page"].object_list)
    assert shown and {e.agency_id for e in shown} == {str(s.users["health"].agency_id)}
    assert any(e.actor_id == health_staff for e in shown)
    assert not any(e.actor_id == police_staff for e in shown)
    assert "You see what Health staff did" in health_ig.content.decode()
    hub_ig = client(s.users["hub_ig"]).get(reverse("audit:events"), {"actor": s.users["police"].username})
    assert any(e.actor_id == police_staff for e in hub_ig.context["page"].object_list)
