"""Once a case's personal data is destroyed, nothing more is written to it: the access policy refuses every
write on the case and on what is left of it (its requests, notices, challenges, consents, routings, agenda
items), with the date it was destroyed; each refusal is audited as a refusal; and no page offers the
buttons and links that would lead to one."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.db.models import Max
from django.urls import reverse

from openmash.access.policy import WRITES, Action, Refusal, decide
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.retention.tests.kept import Kept

pytestmark = pytest.mark.django_db


# The policy ------------------------------------------------------------------------------------------------


def _objects(k: Kept) -> dict[Action, tuple[str, object]]:
    """Each write, with a person allowed it on this case before destruction and the object it is on."""
    return {
        Action.CASE_SCREEN: ("screener", k.case),
        Action.CASE_RERATE: ("screener", k.case),
        Action.CASE_DECIDE: ("decider", k.case),
        Action.CASE_ALLOCATE: ("decider", k.case),
        Action.CASE_ASK_FURTHER: ("screener", k.case),
        Action.PEOPLE_CHANGE: ("decider", k.case),
        Action.CONSENT_RECORD: ("screener", k.case),
        Action.CASE_HAND_OVER: ("screener", k.case),
        Action.CASE_ROUTE_AGAIN: ("screener", k.case),
        Action.REQUEST_RESPOND: ("police", k.police),
        Action.TRAWL_RECORD: ("police", k.police),
        Action.REQUEST_ADD_PERSON: ("police", k.police),
        Action.PERSON_REMOVE: ("screener", k.case.referral.people.get(is_subject=False)),
        Action.ROUTING_ANSWER: ("member", k.routing),
        Action.OUTCOME_CHALLENGE: ("referrer", k.notice),
        Action.CHALLENGE_ANSWER: ("decider", k.challenge),
        Action.OUTCOME_RESEND: ("decider", k.notice),
        Action.MEETING_RUN: ("chair", k.item),
        Action.LEGAL_HOLD: ("ig", k.case),
    }


REFUSED_ONCE_DECIDED = {Action.REQUEST_ADD_PERSON, Action.PERSON_REMOVE}
"""Writes refused on any decided case (a destroyed case is always one): refused before, for that reason."""


def test_the_policy_refuses_every_write_once_the_case_is_destroyed(kept: Kept) -> None:
    writes = _objects(kept)
    assert set(writes) == WRITES, "a write the test does not try"
    for action, (who, obj) in writes.items():
        before = decide(kept.users[who], action, obj)
        if action in REFUSED_ONCE_DECIDED:
            assert before.refusal == Refusal.CLOSED, action
        else:
            assert before, f"{action} refused before the case was destroyed"
    day = kept.destroy()
    for action, (who, obj) in writes.items():
        verdict = decide(kept.users[who], action, obj)
        assert not verdict and verdict.refusal == Refusal.DESTROYED, action
        assert verdict.reason.startswith(
            f"This case's personal data was destroyed on {day} under the hub's retention rules"
        ), verdict.reason
    # Reading goes on; and someone the case's own rules do not let see it is told nothing of it.
    assert decide(kept.users["decider"], Action.CASE_VIEW, kept.case)
    assert decide(kept.users["police"], Action.REQUEST_VIEW, kept.police)
    assert decide(kept.users["education"], Action.PEOPLE_CHANGE, kept.case).refusal == Refusal.NOT_FOUND
    assert decide(kept.users["referrer"], Action.CASE_SCREEN, kept.case).refusal == Refusal.FORBIDDEN


# The pages that write ------------------------------------------------------------------------------------

Url = Callable[[Kept], str]


def _case(name: str) -> Url:
    return lambda k: reverse(name, args=[k.case.pk])


def _person(name: str) -> Url:
    return lambda k: reverse(name, args=[k.case.pk, k.case.referral.people.get(is_subject=True).pk])


#: (route, who tries, the URL, whether its GET is the write's form as well as its POST).
WRITE_PAGES: list[tuple[str, str, Url, bool]] = [
    ("cases:screen", "screener", _case("cases:screen"), True),
    ("cases:rerate", "screener", _case("cases:rerate"), True),
    ("cases:ask-further", "screener", _case("cases:ask-further"), True),
    ("cases:keyworker", "screener", _case("cases:keyworker"), True),
    ("cases:hand-over", "screener", _case("cases:hand-over"), True),
    ("cases:route-again", "screener", _case("cases:route-again"), True),
    ("cases:allocate", "decider", _case("cases:allocate"), True),
    ("decisions:record", "decider", _case("decisions:record"), True),
    ("consent:record", "screener", _case("consent:record"), True),
    ("consent:lawful-basis", "screener", _case("consent:lawful-basis"), True),
    ("consent:ask-again", "screener", _case("consent:ask-again"), False),
    ("consent:withdraw", "screener", lambda k: reverse("consent:withdraw", args=[k.consent.pk]), True),
    ("people:person_add", "decider", _case("people:person_add"), True),
    ("people:relationship_add", "decider", _case("people:relationship_add"), True),
    ("people:household_add", "decider", _case("people:household_add"), True),
    ("people:person_change", "decider", _person("people:person_change"), True),
    ("people:identifier_add", "decider", _person("people:identifier_add"), True),
    ("people:address_add", "decider", _person("people:address_add"), True),
    (
        "people:relationship_remove",
        "decider",
        lambda k: reverse("people:relationship_remove", args=[k.case.pk, k.relationship.pk]),
        True,
    ),
    (
        "people:household_change",
        "decider",
        lambda k: reverse("people:household_change", args=[k.case.pk, k.household.pk]),
        True,
    ),
    (
        "people:identifier_change",
        "decider",
        lambda k: reverse("people:identifier_change", args=[k.case.pk, k.subject.pk, k.identifier.pk]),
        True,
    ),
    ("enquiries:detail", "police", lambda k: reverse("enquiries:detail", args=[k.police.pk]), False),
    ("enquiries:take", "police", lambda k: reverse("enquiries:take", args=[k.police.pk]), False),
    ("enquiries:nil-return", "police", lambda k: reverse("enquiries:nil-return", args=[k.police.pk]), False),
    ("trawl:run", "police", lambda k: reverse("trawl:run", args=[k.police.pk]), False),
    ("decisions:challenge", "referrer", lambda k: reverse("decisions:challenge", args=[k.notice.pk]), True),
    (
        "decisions:challenge-answer",
        "decider",
        lambda k: reverse("decisions:challenge-answer", args=[k.challenge.pk]),
        True,
    ),
    ("feedback:failed", "decider", lambda k: reverse("feedback:failed", args=[k.notice.pk]), True),
    ("feedback:resend", "decider", lambda k: reverse("feedback:resend", args=[k.notice.pk]), False),
    ("feedback:give-up", "decider", lambda k: reverse("feedback:give-up", args=[k.notice.pk]), False),
    ("teams:accept", "member", lambda k: reverse("teams:accept", args=[k.routing.pk]), True),
    ("teams:send-back", "member", lambda k: reverse("teams:send-back", args=[k.routing.pk]), True),
    ("retention:hold-place", "ig", _case("retention:hold-place"), True),
]


@pytest.mark.parametrize(("route", "who", "url", "form"), WRITE_PAGES, ids=[w[0] for w in WRITE_PAGES])
def test_each_write_on_a_destroyed_case_is_refused_with_the_date_and_audited(
    kept: Kept, route: str, who: str, url: Url, form: bool
) -> None:
    client, address = kept.client(who), url(kept)
    before = client.get(address) if form else client.post(address, {})
    assert before.status_code not in (403, 404), f"{route} refused before the case was destroyed"
    day = kept.destroy()
    for method in ("GET", "POST") if form else ("POST",):
        last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
        response = client.get(address) if method == "GET" else client.post(address, {"reason": "x"})
        assert response.status_code == 403, (method, response.status_code)
        html = response.content.decode()
        assert "This case can no longer be changed" in html
        assert f"This case&#x27;s personal data was destroyed on {day} under the hub&#x27;s retention" in html
        written = list(AuditEvent.objects.filter(sequence__gt=last))
        assert [e.action for e in written] == [AuditAction.ACCESS_REFUSED], (method, written)
        assert written[0].detail["refusal"] == "destroyed"
        assert written[0].actor_id == str(kept.users[who].pk)


#: The changes to a search of the agency's records: (route, its URL, whether its GET is the change's form).
#: The searches, candidates and events they act on are removed with the case, so the ones here are those a
#: page opened before destruction would still name; the request is refused before they are looked for.
SEARCH_WRITES: list[tuple[str, Url, bool]] = [
    ("trawl:add-person", lambda k: reverse("trawl:add-person", args=[k.police.pk]), True),
    ("trawl:decide", lambda k: reverse("trawl:decide", args=[k.police.pk, uuid.uuid4()]), False),
    ("trawl:record", lambda k: reverse("trawl:record", args=[k.police.pk, uuid.uuid4()]), False),
    ("trawl:remove-item", lambda k: reverse("trawl:remove-item", args=[k.police.pk, uuid.uuid4()]), False),
    ("trawl:edit-item", lambda k: reverse("trawl:edit-item", args=[k.police.pk, uuid.uuid4()]), False),
]


@pytest.mark.parametrize(("route", "url", "form"), SEARCH_WRITES, ids=[w[0] for w in SEARCH_WRITES])
def test_each_change_to_a_search_on_a_destroyed_case_is_refused_with_the_date(
    kept: Kept, route: str, url: Url, form: bool
) -> None:
    client, address = kept.client("police"), url(kept)
    day = kept.destroy()
    for method in ("GET", "POST") if form else ("POST",):
        last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
        response = client.get(address) if method == "GET" else client.post(address, {"reason": "x"})
        assert response.status_code == 403, (method, response.status_code)
        assert f"destroyed on {day} under the hub&#x27;s retention" in response.content.decode()
        written = list(AuditEvent.objects.filter(sequence__gt=last))
        assert [(e.action, e.detail["refusal"]) for e in written] == [
            (AuditAction.ACCESS_REFUSED, "destroyed")
        ]


REFUSED_ROUTES = frozenset(
    [w[0] for w in WRITE_PAGES]
    + [w[0] for w in SEARCH_WRITES]
    + ["meetings:discussed", "people:person_remove"]
)
"""Every change to a destroyed case these tests see refused (test_destroyed_pages checks that each route
under a case is here or is one of its pages)."""


def test_marking_a_destroyed_case_discussed_at_a_meeting_is_refused(kept: Kept) -> None:
    chair = kept.client("chair")
    kept.destroy()
    response = chair.post(reverse("meetings:discussed", args=[kept.meeting.pk]), {"item": str(kept.item.pk)})
    assert response.status_code == 403
    kept.item.refresh_from_db()
    assert kept.item.discussed_at is None
    refusal = AuditEvent.objects.filter(action=AuditAction.ACCESS_REFUSED).latest("sequence")
    assert refusal.detail["refusal"] == "destroyed" and refusal.object_id == str(kept.item.pk)


# The pages that offer a write ----------------------------------------------------------------------------


#: (who, the page, what it offers while the case's data is kept).
OFFERS: list[tuple[str, Url, str]] = [
    ("decider", _case("cases:detail"), "Record the allocation"),
    ("decider", _case("cases:detail"), ">Answer it<"),
    ("screener", _case("consent:case"), "Record consent</a>"),
    ("screener", _case("consent:case"), "Record a lawful basis</a>"),
    ("screener", _case("consent:case"), "Withdraw<span"),
    ("decider", _case("people:case"), "Add a person</a>"),
    ("police", lambda k: reverse("enquiries:detail", args=[k.police.pk]), "Record decision not to share"),
    ("referrer", lambda k: reverse("feedback:outcomes"), 'data-testid="challenge-waiting"'),
    ("decider", lambda k: reverse("decisions:queue"), 'data-testid="challenges"'),
    ("member", lambda k: reverse("teams:queue", args=[k.routing.team_id]), 'data-testid="accept"'),
    ("chair", lambda k: reverse("meetings:screen", args=[k.meeting.pk]), "Mark as discussed"),
]


def test_no_page_offers_a_write_on_a_destroyed_case(kept: Kept) -> None:
    pages = [(kept.client(who), url(kept), offer) for who, url, offer in OFFERS]
    for client, address, offer in pages:
        assert offer in client.get(address).content.decode(), f"{address} does not offer {offer}"
    kept.destroy()
    for client, address, offer in pages:
        response = client.get(address)
        assert response.status_code == 200, address
        assert offer not in response.content.decode(), f"{address} still offers {offer}"


def test_looking_up_a_destroyed_case_to_hold_says_there_is_nothing_left_to_hold(kept: Kept) -> None:
    ig = kept.client("ig")
    found = ig.get(reverse("retention:holds"), {"reference": kept.case.reference})
    assert found.status_code == 302
    assert found["Location"] == reverse("retention:hold-place", args=[kept.case.pk])
    day = kept.destroy()
    response = ig.get(reverse("retention:holds"), {"reference": kept.case.reference})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert f"destroyed on {day} under the hub&#x27;s retention rules" in html
    assert "There is nothing left to hold." in html


def test_removing_someone_from_a_destroyed_case_is_refused_with_the_date(kept: Kept) -> None:
    """Nobody is removed from a decided case (refused before, for that reason); once it is destroyed the
    refusal gives the date, and only the refusal is written."""
    screener = kept.client("screener")
    parent = kept.case.referral.people.filter(is_subject=False).first()
    assert parent is not None
    address = reverse("people:person_remove", args=[kept.case.pk, parent.pk])
    assert screener.get(address).status_code == 403
    day = kept.destroy()
    for method in ("GET", "POST"):
        last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"] or 0
        response = screener.get(address) if method == "GET" else screener.post(address, {"reason": "x"})
        assert response.status_code == 403, (method, response.status_code)
        assert f"destroyed on {day} under the hub&#x27;s retention" in response.content.decode()
        written = list(AuditEvent.objects.filter(sequence__gt=last))
        assert [e.action for e in written] == [AuditAction.ACCESS_REFUSED], (method, written)
