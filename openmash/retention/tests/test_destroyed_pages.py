"""Every page of a destroyed case says its personal information was destroyed, with the same words and the
date, rather than showing what is left as if the case simply held nothing; and none shows anything of the
family. Pages that would change the case are refused instead (test_destroyed_writes.py). Outcome notices
on a destroyed case show the notice, and reading them marks nothing read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader
from rest_framework.authtoken.models import Token

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.core.actor import Actor
from openmash.feedback.models import OutcomeNotification
from openmash.feedback.selectors import unread_outcome_count
from openmash.meetings.services import meeting_close
from openmash.retention.tests.kept import Kept
from openmash.retention.tests.test_destroyed_writes import REFUSED_ROUTES

pytestmark = pytest.mark.django_db

NOTICE = "The personal information on this case was destroyed on {date} under the hub's retention rules."


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


def notice_in(html: str) -> bool:
    return 'data-testid="destroyed"' in html and NOTICE.split(" {date}")[0] in html


Args = Callable[[Kept], list[Any]]


def _case(k: Kept) -> list[Any]:
    return [k.case.pk]


def _request(k: Kept) -> list[Any]:
    return [k.police.pk]


def _meeting(k: Kept) -> list[Any]:
    return [k.meeting.pk]


def _close_meeting(k: Kept) -> None:
    k.meeting.refresh_from_db()
    meeting_close(actor=Actor(user=k.users["chair"]), meeting=k.meeting, expected_version=k.meeting.version)


@dataclass(frozen=True)
class Page:
    route: str
    who: str
    args: Args = lambda k: []
    kind: str = "html"
    """html (a page with the GOV.UK warning), fragment (an htmx panel), or the file it downloads: pdf, svg,
    csv, txt."""
    query: Callable[[Kept], str] = lambda k: ""
    before: Callable[[Kept], None] = lambda k: None
    """What must happen first (a meeting's minutes exist once it is closed)."""

    @property
    def label(self) -> str:
        return f"{self.route}[{self.who}]"


#: Every page and download of a case that the people allowed to see it read, as each reads it.
PAGES = [
    Page("cases:detail", "decider", _case),
    Page("referrals:detail", "decider", lambda k: [k.case.referral_id]),
    Page("referrals:detail", "referrer", lambda k: [k.case.referral_id]),
    Page("people:case", "decider", _case),
    Page("people:genogram", "decider", _case),
    Page("people:genogram_svg", "decider", _case, kind="svg"),
    Page("chronology:case", "decider", _case),
    Page("chronology:csv", "decider", _case, kind="csv"),
    Page("consent:case", "decider", _case),
    Page("product:case", "decider", _case),
    Page("product:pack", "decider", _case, kind="pdf"),
    Page("enquiries:detail", "police", _request),
    Page("trawl:page", "police", _request),
    Page("trawl:progress", "police", _request, kind="fragment"),
    Page("consent:disclosures", "ig", query=lambda k: f"case={k.case.reference}"),
    Page("consent:transparency", "ig", lambda k: [k.subject.pk]),
    Page("consent:transparency-pdf", "ig", lambda k: [k.subject.pk], kind="pdf"),
    Page("meetings:detail", "chair", _meeting),
    Page("meetings:screen", "chair", _meeting, query=lambda k: "item=1"),
    Page("meetings:minutes", "chair", _meeting, before=_close_meeting),
    Page("feedback:outcomes", "referrer"),
    Page("feedback:outcomes", "police"),
    Page("feedback:note", "referrer", lambda k: [k.notice.pk], kind="txt"),
    Page("feedback:note", "police", lambda k: [k.police_notice.pk], kind="txt"),
]


def _content(response: Any, kind: str) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "pdf":
        assert response["Content-Type"] == "application/pdf"
        return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(body)).pages)
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        return "\n".join(" ".join(row) for row in rows)
    if kind == "svg":
        assert response["Content-Type"].startswith("image/svg+xml")
    return text(body.decode())


@pytest.mark.parametrize("page", PAGES, ids=[p.label for p in PAGES])
def test_every_page_of_a_destroyed_case_says_so_and_shows_nothing_of_the_family(
    kept: Kept, page: Page
) -> None:
    day = kept.destroy()
    page.before(kept)
    query = page.query(kept)
    address = reverse(page.route, args=page.args(kept)) + (f"?{query}" if query else "")
    response = kept.client(page.who).get(address)
    assert response.status_code == 200
    shown = _content(response, page.kind)
    assert NOTICE.format(date=day) in shown, shown[:3000]
    if page.kind in ("html", "fragment"):
        assert 'data-testid="destroyed"' in response.content.decode()
    leaked = [secret for secret in kept.secrets if secret in shown]
    assert not leaked, f"{page.label} shows {leaked}"


#: Routes under a case that are neither one of its pages (PAGES) nor a change refused once it is destroyed
#: (test_destroyed_writes.REFUSED_ROUTES), and why.
NOT_A_CASE_PAGE = {
    "meetings:agenda": "chooses a meeting's cases: only cases still open, never a destroyed one",
    "meetings:attendance": "the meeting's attendance, not any one case's",
    "meetings:start": "the meeting's own state",
    "meetings:close": "the meeting's own state",
    "retention:hold-lift": "lifts a hold: a held case is never destroyed (a lifted one's is a refused write)",
    "retention:destroyed-detail": "the destruction record itself, for information governance",
    "api-referral": "the API's answer, tested below",
}
CASE_KWARGS = {
    "case_id",
    "request_id",
    "notice_id",
    "challenge_id",
    "consent_id",
    "routing_id",
    "referral_id",
    "meeting_id",
    "reference",
    "hold_id",
    "record_id",
    "candidate_id",
    "item_id",
    "relationship_id",
    "household_id",
    "identifier_id",
    "person_id",
}


def _routes_with_kwargs() -> Iterator[tuple[str, set[str]]]:
    def walk(patterns: list[Any], namespace: str | None) -> Iterator[tuple[str, set[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace else str(p.name)
                yield name, set(p.pattern.converters)

    yield from walk(get_resolver().url_patterns, None)


def test_every_route_under_a_case_is_walked_or_refused() -> None:
    """A new page of a case cannot skip these tests: each route that takes a case or one of its objects is
    a page walked above, a change refused once the case is destroyed, or listed here with the reason."""
    under_a_case = {name for name, kwargs in _routes_with_kwargs() if kwargs & CASE_KWARGS}
    covered = {p.route for p in PAGES} | set(REFUSED_ROUTES) | set(NOT_A_CASE_PAGE)
    assert under_a_case - covered == set(), "routes under a case that no destroyed-case test walks"
    assert set(NOT_A_CASE_PAGE) <= under_a_case


def test_the_api_says_the_referrals_case_was_destroyed(kept: Kept) -> None:
    token, _ = Token.objects.get_or_create(user=kept.users["referrer"])
    client = Client()
    address = reverse("api-referral", kwargs={"reference": kept.case.referral.reference})
    kept_answer = client.get(address, HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert kept_answer["destroyed"] is None
    day = kept.destroy()
    answer = client.get(address, HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert answer["destroyed"]["notice"] == NOTICE.format(date=day)
    assert answer["destroyed"]["destroyed_at"]
    assert answer["decision"]["outcome"] == "s17_assessment"


@pytest.mark.parametrize("route", ["cases:detail", "people:case", "chronology:case", "product:case"])
def test_the_pages_of_a_case_not_destroyed_carry_no_warning(kept: Kept, route: str) -> None:
    response = kept.client("decider").get(reverse(route, args=[kept.case.pk]))
    assert response.status_code == 200
    assert not notice_in(response.content.decode())


def test_reading_a_destroyed_case_records_no_return_as_seen(kept: Kept) -> None:
    """A read of a destroyed case is audited like any other, but the disclosure log gains no line saying an
    agency's return was seen: none is left to see."""
    decider = kept.client("decider")
    before = Disclosure.objects.filter(case=kept.case, kind=DisclosureKind.VIEWED).count()
    decider.get(reverse("cases:detail", args=[kept.case.pk]))
    assert Disclosure.objects.filter(case=kept.case, kind=DisclosureKind.VIEWED).count() > before
    kept.destroy()
    logged = Disclosure.objects.filter(case=kept.case).count()
    last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"]
    for route in ("cases:detail", "chronology:case", "product:case"):
        assert decider.get(reverse(route, args=[kept.case.pk])).status_code == 200
    assert Disclosure.objects.filter(case=kept.case).count() == logged
    read = AuditEvent.objects.filter(sequence__gt=last, object_id=str(kept.case.pk))
    assert {AuditAction.CASE_VIEWED, AuditAction.CHRONOLOGY_VIEWED} <= set(
        read.values_list("action", flat=True)
    )


def test_the_request_page_says_so_instead_of_showing_an_empty_return(kept: Kept) -> None:
    kept.destroy()
    html = kept.client("police").get(reverse("enquiries:detail", args=[kept.police.pk])).content.decode()
    assert f"Information request for case {kept.case.reference}" in html
    assert "Information request about" not in html
    assert "No history items returned." not in html and "None given" not in html
    assert "Destroyed under the hub's retention rules." in html


def test_the_people_and_genogram_pages_do_not_read_as_a_family_with_no_relationships(kept: Kept) -> None:
    kept.destroy()
    decider = kept.client("decider")
    for route in ("people:case", "people:genogram", "product:case"):
        html = decider.get(reverse(route, args=[kept.case.pk])).content.decode()
        assert "No relationships recorded" not in html and "has no relationships recorded" not in text(html)
        assert "Destroyed under the hub's retention rules." in html, route
    people_page = decider.get(reverse("people:case", args=[kept.case.pk])).content.decode()
    assert "No households recorded yet." not in people_page and "None recorded" not in people_page
    svg = decider.get(reverse("people:genogram_svg", args=[kept.case.pk])).content.decode()
    assert "has no relationships recorded" not in svg and 'data-person-id="' not in svg


def test_lists_name_no_one_on_a_destroyed_case_and_say_so(kept: Kept) -> None:
    kept.destroy()
    queue = kept.client("member").get(reverse("teams:queue", args=[kept.routing.team_id])).content.decode()
    assert f'Names destroyed</a><br><span class="govuk-body-s">{kept.case.reference}' in queue
    cases = text(kept.client("decider").get(reverse("cases:list"), {"status": "closed"}).content.decode())
    assert f"{kept.case.reference}" in cases and "Names destroyed" in cases
    home = text(kept.client("referrer").get(reverse("accounts:home"), follow=True).content.decode())
    assert f"{kept.case.referral.reference} Names destroyed" in home


# Outcome notices -------------------------------------------------------------------------------------------


def _new_tags(html: str) -> int:
    return html.count('govuk-tag--blue">New</strong>')


def test_an_outcome_notice_on_a_destroyed_case_says_so_and_is_not_marked_read(kept: Kept) -> None:
    referrer, police = kept.client("referrer"), kept.client("police")
    OutcomeNotification.objects.filter(case=kept.case).update(read_at=None)
    # While the case is kept, the police see their notice as new, and seeing it marks it read.
    assert _new_tags(police.get(reverse("feedback:outcomes")).content.decode()) == 1
    kept.police_notice.refresh_from_db()
    assert kept.police_notice.read_at is not None
    assert unread_outcome_count(kept.users["referrer"]) == 1
    assert "1 new outcome" in referrer.get(reverse("accounts:home"), follow=True).content.decode()
    day = kept.destroy()
    # Destroyed: the referrer's notice, never read, is not new and is not counted new on their home page.
    assert unread_outcome_count(kept.users["referrer"]) == 0
    assert "new outcome" not in referrer.get(reverse("accounts:home"), follow=True).content.decode()
    last = AuditEvent.objects.aggregate(m=Max("sequence"))["m"]
    html = referrer.get(reverse("feedback:outcomes")).content.decode()
    assert _new_tags(html) == 0
    assert NOTICE.format(date=day) in text(html)
    assert 'data-testid="challenge-link"' not in html
    note = referrer.get(reverse("feedback:note", args=[kept.notice.pk])).content.decode()
    assert NOTICE.format(date=day).split(" under")[0] in note
    kept.notice.refresh_from_db()
    assert kept.notice.read_at is None, "reading a notice on a destroyed case marked it read"
    # Reading it is still audited, as every read is: the page and the note's download.
    read = list(AuditEvent.objects.filter(sequence__gt=last).values_list("action", "object_id"))
    assert (AuditAction.OUTCOME_VIEWED, str(kept.notice.pk)) in read
    assert (AuditAction.OUTCOME_NOTE_DOWNLOADED, str(kept.notice.pk)) in read
