"""The trawl end to end through the services and pages: search through the gate, candidates with
evidence, confirm/reject audited, events into the return with their source, and the chronology."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.chronology.selectors import chronology
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.enquiries.models import HistoryType, InformationRequest, RequestStatus
from openmash.enquiries.services import HistoryData, request_save_return
from openmash.enquiries.tests.test_views import make_case, make_people, request_to
from openmash.hub.models import AgencyKind
from openmash.sources.tests.helpers import police_source
from openmash.trawl.models import CandidateStatus, Trawl, TrawlCandidate, TrawlStatus, shown_value
from openmash.trawl.runner import trawl_run
from openmash.trawl.services import (
    candidate_confirm,
    candidate_record,
    candidate_reject,
    candidate_undo,
    events_add,
    trawl_item_edit,
    trawl_item_remove,
    trawl_start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    return make_people(make_user)


@pytest.fixture
def police_request(people: dict[str, Any], tmp_path: Path) -> InformationRequest:
    police_source(tmp_path)
    return request_to(make_case(people), AgencyKind.POLICE)


def run(actor: Actor, info: InformationRequest, capture: Any) -> Trawl:
    with capture(execute=True):
        trawl = trawl_start(actor=actor, request=info)
    trawl.refresh_from_db()
    return trawl


def candidates(trawl: Trawl, given: str) -> list[TrawlCandidate]:
    return list(trawl.candidates.filter(person__given_name=given).order_by("-match_probability"))


def test_trawl_finds_the_family_with_evidence_and_nothing_is_shared_until_confirmed(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    actor = Actor(user=people["police"])
    trawl = run(actor, police_request, django_capture_on_commit_callbacks)
    assert (trawl.status, trawl.people_done, trawl.people_total) == (TrawlStatus.DONE, 2, 2)
    police_request.refresh_from_db()
    assert police_request.status == RequestStatus.IN_PROGRESS  # running a trawl takes the request
    jayden = candidates(trawl, "Jayden")
    assert jayden[0].record_id == "POL-100" and jayden[0].match_probability > 0.95
    labels = {e["comparison"]: e for e in jayden[0].evidence}
    assert labels["given_name"]["level_text"] == "Similar spelling"
    assert (labels["given_name"]["query"], labels["given_name"]["record"]) == ("jayden", "jay")
    assert labels["date_of_birth"]["level_text"] == "Same" and labels["date_of_birth"]["weight"] > 0
    # The other Jayden Whitmore (different date of birth and town) is at most a weaker candidate.
    assert all(c.match_probability < jayden[0].match_probability for c in jayden if c.record_id == "POL-102")
    assert candidates(trawl, "Kerry")[0].record_id == "POL-101"
    # One search audited per person, naming them.
    searched = AuditEvent.objects.filter(action=AuditAction.TRAWL_SEARCHED)
    assert searched.count() == 2
    # Nothing is in the return, and the record cannot be opened before confirmation.
    assert not police_request.history.exists()
    with pytest.raises(DomainError, match="Confirm that this record is the same person"):
        candidate_record(actor=actor, candidate=jayden[0])
    with pytest.raises(DomainError, match="Confirm that this record is the same person"):
        events_add(actor=actor, candidate=jayden[0], event_keys=["x"])


def test_confirm_reject_and_add_events_into_the_return_and_chronology(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    actor = Actor(user=people["police"])
    trawl = run(actor, police_request, django_capture_on_commit_callbacks)
    jayden = candidates(trawl, "Jayden")[0]
    kerry = candidates(trawl, "Kerry")[0]
    candidate_confirm(actor=actor, candidate=jayden, reason="Nickname; same DOB and address")
    candidate_reject(actor=actor, candidate=kerry, reason="Checked: different person")
    with pytest.raises(DomainError, match="already been confirmed"):
        candidate_reject(actor=actor, candidate=jayden)
    record = candidate_record(actor=actor, candidate=jayden)
    assert record is not None and len(record.events) == 3
    chosen = [e.key for e in record.events if e.source_reference in {"INC-2026-000101", "INC-2026-000287"}]
    items = events_add(actor=actor, candidate=jayden, event_keys=chosen)
    assert sorted((i.kind, i.source_reference, i.source_system, i.source_record_id) for i in items) == [
        (HistoryType.DOMESTIC_ABUSE, "INC-2026-000101", "Police records system", "POL-100"),
        (HistoryType.MISSING, "INC-2026-000287", "Police records system", "POL-100"),
    ]
    assert events_add(actor=actor, candidate=jayden, event_keys=chosen) == []  # never twice
    assert "Jayden Whitmore (person present): Child present" in items[0].description
    # Saving the typed part of the return keeps the events from the trawl; submitting shares them.
    police_request.refresh_from_db()
    request_save_return(
        actor=actor,
        request=police_request,
        expected_version=police_request.version,
        summary="Known to police: domestic abuse at the home, one missing episode.",
        risk_factors="",
        protective_factors="",
        history=[HistoryData(items[0].occurred_on, "incident", "Typed by hand", "low", "INC-HAND")],
        submit=True,
    )
    assert police_request.history.count() == 3
    entries = [e for e in chronology(police_request.case) if e.source_system]
    assert [(e.source_system, e.source_record, e.source_reference) for e in entries] == [
        ("Police records system", "POL-100", "INC-2026-000101"),
        ("Police records system", "POL-100", "INC-2026-000287"),
    ]
    assert all(e.people == ("Jayden Whitmore",) for e in entries)
    actions = list(
        AuditEvent.objects.filter(action__startswith="trawl.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    for action in (
        AuditAction.TRAWL_STARTED,
        AuditAction.MATCH_CONFIRMED,
        AuditAction.MATCH_REJECTED,
        AuditAction.SOURCE_RECORD_VIEWED,
        AuditAction.TRAWL_EVENTS_ADDED,
    ):
        assert action in actions
    confirmed = AuditEvent.objects.get(action=AuditAction.MATCH_CONFIRMED)
    assert confirmed.reason == "Nickname; same DOB and address"
    assert str(jayden.person_id) in confirmed.persons
    # A submitted return's events cannot be taken out.
    with pytest.raises(DomainError):
        trawl_item_remove(actor=actor, item=items[0])


def test_the_gate_decides_who_may_be_searched(
    people: dict[str, Any], make_user: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """Health needs consent naming health or an override: without it, its request waits and no trawl runs."""
    police_source(tmp_path)
    from openmash.cases.tests.helpers import make_referral, screen
    from openmash.referrals.services import PersonData

    case = make_referral(people["referrer"], people=[PersonData(given_name="Mia", family_name="Lane")]).case
    screen(case, people["screener"], lawful_basis=False)
    health = request_to(case, AgencyKind.HEALTH)
    assert health.status == RequestStatus.BLOCKED
    with pytest.raises(DomainError):
        trawl_start(actor=Actor(user=people["health"]), request=health)
    assert not Trawl.objects.exists()


def test_an_agency_with_no_source_is_told_so(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    info = request_to(make_case(people), AgencyKind.HEALTH)
    with pytest.raises(DomainError, match="no data source loaded"):
        trawl_start(actor=Actor(user=people["health"]), request=info)


def test_a_failing_source_fails_the_trawl_visibly(
    people: dict[str, Any], police_request: InformationRequest
) -> None:
    trawl = Trawl.objects.create(request=police_request, started_by=people["police"], people_total=2)
    from openmash.sources.models import SourceLoad

    SourceLoad.objects.update(model_json="{not json")
    trawl = trawl_run(trawl)
    assert trawl.status == TrawlStatus.FAILED and trawl.error


def test_pages_run_confirm_and_add_events(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(people["police"])
    detail = client.get(reverse("enquiries:detail", args=[police_request.pk])).content.decode()
    assert "Search your agency&#x27;s records" in detail or "Search your agency's records" in detail
    page = reverse("trawl:page", args=[police_request.pk])
    assert "Police records system (63 records" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("trawl:run", args=[police_request.pk])).status_code == 302
    body = client.get(page).content.decode()
    assert "POL-100" in body and "Similar spelling" in body and "Match probability" in body
    # Values as a researcher reads them, not as compared: "Jay" in the system, the date written out.
    assert '<td class="govuk-table__cell">Jay</td>' in body
    assert '<td class="govuk-table__cell">4 May 2018</td>' in body
    progress = client.get(reverse("trawl:progress", args=[police_request.pk]))
    assert progress["HX-Refresh"] == "true"
    jayden = TrawlCandidate.objects.get(record_id="POL-100")
    response = client.post(
        reverse("trawl:decide", args=[police_request.pk, jayden.pk]), {"decision": "confirm"}
    )
    assert response["Location"] == reverse("trawl:record", args=[police_request.pk, jayden.pk])
    record_url = response["Location"]
    record_page = client.get(record_url).content.decode()
    assert "INC-2026-000287" in record_page and "Missing episode" in record_page
    empty = client.post(record_url, {})
    assert empty.status_code == 400 and "Select at least one event" in empty.content.decode()
    jayden.refresh_from_db()
    record = candidate_record(actor=Actor(user=people["police"]), candidate=jayden)
    assert record is not None
    keys = [e.key for e in record.events][:2]
    assert client.post(record_url, {"event": keys}).status_code == 302
    detail = client.get(reverse("enquiries:detail", args=[police_request.pk])).content.decode()
    assert 'data-testid="trawl-item"' in detail and "Police records system, record" in detail
    item = police_request.history.first()
    assert item is not None
    client.post(reverse("trawl:remove-item", args=[police_request.pk, item.pk]))
    assert police_request.history.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.TRAWL_EVENT_REMOVED).count() == 1
    assert jayden.status == CandidateStatus.CONFIRMED


def test_searching_again_keeps_decisions_and_an_undone_decision_is_to_review_again(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    actor = Actor(user=people["police"])
    first = run(actor, police_request, django_capture_on_commit_callbacks)
    jayden = candidates(first, "Jayden")[0]
    kerry = candidates(first, "Kerry")[0]
    candidate_confirm(actor=actor, candidate=jayden, reason="Same DOB and address")
    candidate_reject(actor=actor, candidate=kerry, reason="Different person")
    record = candidate_record(actor=actor, candidate=jayden)
    assert record is not None
    events_add(actor=actor, candidate=jayden, event_keys=[e.key for e in record.events][:2])

    second = run(actor, police_request, django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    kept_jayden = candidates(second, "Jayden")[0]
    kept_kerry = candidates(second, "Kerry")[0]
    assert (kept_jayden.record_id, kept_jayden.status, kept_jayden.reason) == (
        "POL-100",
        CandidateStatus.CONFIRMED,
        "Same DOB and address",
    )
    assert kept_jayden.decided_by == people["police"] and kept_jayden.carried_from == jayden
    assert (kept_kerry.status, kept_kerry.carried_from) == (CandidateStatus.REJECTED, kerry)
    # Records nobody decided are still to review.
    others = [c for c in second.candidates.all() if c.record_id not in {"POL-100", kerry.record_id}]
    assert others and all(c.status == CandidateStatus.PROPOSED and c.carried_from is None for c in others)
    searched = AuditEvent.objects.filter(action=AuditAction.TRAWL_SEARCHED).order_by("-sequence")
    assert sum(e.detail["decisions_kept"] for e in searched[:2]) == 2

    # Undoing the confirmation takes its events out of the draft return and is audited.
    assert candidate_undo(actor=actor, candidate=kept_jayden, reason="Checked again") == 2
    assert not police_request.history.exists()
    assert kept_jayden.status == CandidateStatus.PROPOSED and kept_jayden.decided_by is None
    undone = AuditEvent.objects.get(action=AuditAction.MATCH_UNDONE)
    assert (undone.detail["was"], undone.detail["events_removed"], undone.reason) == (
        "confirmed",
        2,
        "Checked again",
    )
    with pytest.raises(DomainError, match="not been decided"):
        candidate_undo(actor=actor, candidate=kept_jayden)
    # A third search follows the newest decision: Jayden's record is to review, Kerry's stays rejected.
    third = run(actor, police_request, django_capture_on_commit_callbacks)
    assert candidates(third, "Jayden")[0].status == CandidateStatus.PROPOSED
    assert candidates(third, "Kerry")[0].status == CandidateStatus.REJECTED


def test_undo_on_the_page_and_not_after_the_return_is_submitted(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    actor = Actor(user=people["police"])
    trawl = run(actor, police_request, django_capture_on_commit_callbacks)
    kerry = candidates(trawl, "Kerry")[0]
    candidate_reject(actor=actor, candidate=kerry)
    client = Client()
    client.force_login(people["police"])
    page = reverse("trawl:page", args=[police_request.pk])
    assert 'data-testid="undo"' in client.get(page).content.decode()
    client.post(reverse("trawl:decide", args=[police_request.pk, kerry.pk]), {"decision": "undo"})
    kerry.refresh_from_db()
    assert kerry.status == CandidateStatus.PROPOSED
    assert "is to review again" in client.get(page).content.decode()
    candidate_reject(actor=actor, candidate=kerry)
    police_request.refresh_from_db()
    request_save_return(
        actor=actor,
        request=police_request,
        expected_version=police_request.version,
        summary="Not known.",
        risk_factors="",
        protective_factors="",
        history=[],
        submit=True,
    )
    assert 'data-testid="undo"' not in client.get(page).content.decode()
    with pytest.raises(DomainError, match="already been answered"):
        candidate_undo(actor=actor, candidate=kerry)


@pytest.mark.parametrize(
    ("comparison", "value", "shown"),
    [
        ("given_name", "jayden", "Jayden"),
        ("surname", "smith-jones", "Smith-Jones"),
        ("surname", "o'neil", "O'Neil"),
        ("date_of_birth", "2018-05-04", "4 May 2018"),
        ("date_of_birth", "2018-13-04", "2018-13-04"),
        ("sex", "f", "Female"),
        ("location", "NT1 1AA", "NT1 1AA"),
        ("nhs_number", None, ""),
    ],
)
def test_evidence_values_are_shown_as_a_researcher_reads_them(
    comparison: str, value: Any, shown: str
) -> None:
    assert shown_value(comparison, value) == shown


def test_a_source_that_cannot_be_searched_is_named_not_passed_over(
    people: dict[str, Any], police_request: InformationRequest
) -> None:
    """A load whose model an earlier version stored is refused; the trawl says the source was not
    searched, rather than showing "no record looks like this person"."""
    import json

    from openmash.sources.models import SourceLoad

    load = SourceLoad.objects.get()
    stored = json.loads(load.model_json)
    stored["comparisons"][0]["levels"][1]["label"] = "a level this version does not have"
    SourceLoad.objects.update(model_json=json.dumps(stored))
    trawl = trawl_run(
        Trawl.objects.create(request=police_request, started_by=people["police"], people_total=2)
    )
    assert trawl.status == TrawlStatus.DONE and not trawl.candidates.exists()
    assert "earlier version of OpenMASH" in trawl.searched[0]["unavailable"]
    client = Client()
    client.force_login(people["police"])
    body = client.get(reverse("trawl:page", args=[police_request.pk])).content.decode()
    assert "Police records system was not searched" in body and 'data-testid="not-searched"' in body
    searched = AuditEvent.objects.filter(action=AuditAction.TRAWL_SEARCHED).first()
    assert searched is not None and searched.detail["not_searched"] == ["Police records system"]


def test_a_source_loaded_before_the_names_typing_error_level_was_added_is_still_searched(
    people: dict[str, Any], police_request: InformationRequest
) -> None:
    """A load whose model was stored before "one letter different" was added to the names is searched
    (that level at its starting values), not refused as from an earlier version."""
    import json

    from openmash.linkage.engine.comparisons import ONE_LETTER
    from openmash.sources.models import SourceLoad

    stored = json.loads(SourceLoad.objects.get().model_json)
    for comparison in stored["comparisons"]:
        comparison["levels"] = [level for level in comparison["levels"] if level["label"] != ONE_LETTER]
    SourceLoad.objects.update(model_json=json.dumps(stored))
    trawl = trawl_run(
        Trawl.objects.create(request=police_request, started_by=people["police"], people_total=2)
    )
    assert trawl.status == TrawlStatus.DONE
    assert "unavailable" not in trawl.searched[0]
    assert candidates(trawl, "Jayden")


def test_an_event_found_by_trawl_can_be_changed_before_sharing_and_the_chronology_shows_the_change(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    actor = Actor(user=people["police"])
    trawl = run(actor, police_request, django_capture_on_commit_callbacks)
    jayden = candidates(trawl, "Jayden")[0]
    candidate_confirm(actor=actor, candidate=jayden)
    record = candidate_record(actor=actor, candidate=jayden)
    assert record is not None
    [item] = events_add(actor=actor, candidate=jayden, event_keys=[record.events[1].key])
    client = Client()
    client.force_login(people["police"])
    url = reverse("trawl:edit-item", args=[police_request.pk, item.pk])
    viewed = AuditEvent.objects.filter(action=AuditAction.REQUEST_VIEWED).count()
    page = client.get(url).content.decode()
    assert "Change an event before sharing" in page and "INC-2026-000101" in page
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_VIEWED).count() == viewed + 1
    empty = client.post(url, {"version": item.version, "description": "  ", "significance": ""})
    body = empty.content.decode()
    assert empty.status_code == 400 and "govuk-error-summary" in body
    assert "Enter what happened" in body and "Select how significant the event is" in body
    response = client.post(
        url,
        {
            "version": item.version,
            "description": "Jayden was present at a domestic incident at home.",
            "significance": "medium",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.description, item.significance, item.edited) == (
        "Jayden was present at a domestic incident at home.",
        "medium",
        True,
    )
    assert (item.source_system, item.source_record_id, item.source_reference) == (
        "Police records system",
        "POL-100",
        "INC-2026-000101",
    )
    event = AuditEvent.objects.get(action=AuditAction.TRAWL_EVENT_EDITED)
    assert event.detail["changed"] == ["description", "significance"]
    assert "domestic incident at home" not in str(event.detail)  # what changed, not the words
    detail = client.get(reverse("enquiries:detail", args=[police_request.pk])).content.decode()
    assert 'data-testid="edited"' in detail
    # Saving again unchanged is not a change; a typed item is not edited here.
    trawl_item_edit(
        actor=actor,
        item=item,
        expected_version=item.version,
        description=item.description,
        significance="medium",
    )
    assert AuditEvent.objects.filter(action=AuditAction.TRAWL_EVENT_EDITED).count() == 1
    police_request.refresh_from_db()
    request_save_return(
        actor=actor,
        request=police_request,
        expected_version=police_request.version,
        summary="Known to police.",
        risk_factors="",
        protective_factors="",
        history=[HistoryData(item.occurred_on, "incident", "Typed by hand", "low", "INC-HAND")],
        submit=True,
    )
    typed = police_request.history.get(source_system="")
    with pytest.raises(DomainError, match="already been answered"):
        trawl_item_edit(
            actor=actor, item=typed, expected_version=typed.version, description="x", significance="low"
        )
    [entry] = [e for e in chronology(police_request.case) if e.source_system]
    assert entry.description.endswith("Jayden was present at a domestic incident at home.")
    with pytest.raises(DomainError, match="already been answered"):
        trawl_item_edit(
            actor=actor,
            item=item,
            expected_version=item.version,
            description="Changed after sharing",
            significance="low",
        )


def test_one_incident_in_two_peoples_records_is_one_event_about_both(
    people: dict[str, Any], police_request: InformationRequest, django_capture_on_commit_callbacks: Any
) -> None:
    """Police confirm the child's and the mother's records; the domestic incident both hold
    (INC-2026-000101) goes into the return, and the chronology, once, naming both; undoing the
    mother's match leaves it the child's alone."""

    actor = Actor(user=people["police"])
    trawl = run(actor, police_request, django_capture_on_commit_callbacks)
    confirmed = []
    for name, record_id in (("Jayden", "POL-100"), ("Kerry", "POL-101")):
        candidate = next(c for c in candidates(trawl, name) if c.record_id == record_id)
        candidate_confirm(actor=actor, candidate=candidate, reason="Same name and address")
        record = candidate_record(actor=actor, candidate=candidate)
        assert record is not None
        events_add(actor=actor, candidate=candidate, event_keys=[e.key for e in record.events])
        confirmed.append(candidate)
    refs = list(police_request.history.values_list("source_reference", flat=True))
    assert sorted(refs) == ["INC-2025-009912", "INC-2026-000101", "INC-2026-000287"]
    incident = police_request.history.get(source_reference="INC-2026-000101")
    assert {str(p) for p in incident.subjects.all()} == {"Jayden Whitmore", "Kerry Whitmore"}
    assert "Kerry Whitmore (victim): Victim of a domestic assault" in incident.description
    police_request.status = RequestStatus.RETURNED
    police_request.save(update_fields=["status"])
    rows = [e for e in chronology(police_request.case) if e.source_reference == "INC-2026-000101"]
    assert len(rows) == 1 and set(rows[0].people) == {"Jayden Whitmore", "Kerry Whitmore"}
    police_request.status = RequestStatus.OPEN
    police_request.save(update_fields=["status"])

    assert candidate_undo(actor=actor, candidate=confirmed[1], reason="Checked again") == 0
    incident.refresh_from_db()
    assert [str(p) for p in incident.subjects.all()] == ["Jayden Whitmore"]


def test_record_fields_are_shown_as_a_researcher_reads_them() -> None:
    from datetime import date

    from openmash.trawl.models import NOT_RECORDED_EITHER_SIDE, field_label, field_shown

    assert field_label("warning_markers") == "Warning markers"
    assert field_shown("date_of_birth", "1995-11-10") == ("", date(1995, 11, 10))
    assert field_shown("sex", "M") == ("Male", None)
    assert field_shown("postcode", "nt1 1aa") == ("NT1 1AA", None)
    assert field_shown("address", "1 elm road northtown nt1 1aa") == ("1 Elm Road Northtown NT1 1AA", None)
    assert field_shown("warning_markers", "") == ("Not recorded", None)
    candidate = TrawlCandidate(
        evidence=[
            {
                "comparison": "nhs_number",
                "query": "",
                "record": None,
                "level_text": "Not recorded on one side",
            },
            {"comparison": "location", "query": "1 elm road nt1 1aa", "record": "", "level_text": "x"},
        ]
    )
    rows = candidate.evidence_rows
    assert rows[0]["level_text"] == NOT_RECORDED_EITHER_SIDE
    assert rows[1]["query"] == "1 Elm Road NT1 1AA"
