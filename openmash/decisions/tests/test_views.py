"""The decision queue, the decision form and the decision as the case page shows it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from openmash.access.policy import EARLY_HELP_REASON
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.models import AuditEvent
from openmash.cases.models import Case, CaseStatus
from openmash.cases.tests.helpers import make_referral, screen
from openmash.casework.handover import keyworker_appoint
from openmash.casework.screening import case_rerate
from openmash.core.actor import Actor
from openmash.core.errors import CONCURRENT_EDIT
from openmash.decisions.forms import (
    ACTION_DUE_NOT_REAL,
    ACTION_DUE_PAST,
    LEAD_AGENCY_REQUIRED,
    LEVEL_REQUIRED,
    MOST_CHALLENGES,
    OTHER_SERVICE_REQUIRED,
    OUTCOME_REQUIRED,
    RATIONALE_REQUIRED,
)
from openmash.decisions.models import Action, AgencyView, Challenge, Decision, LevelChange, Outcome
from openmash.decisions.services import ActionData, ChallengeData, ViewData, decision_record
from openmash.enquiries.models import InformationRequest, RequestStatus
from openmash.enquiries.services import HistoryData, request_nil_return, request_save_return, request_take
from openmash.hub.models import Agency, AgencyKind, HubConfiguration, RagRating, ThresholdLevel

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NEXT_YEAR = timezone.localdate().year + 1


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    Agency.objects.filter(kind=AgencyKind.POLICE).update(contact_email="mash@police.invalid")
    Agency.objects.filter(kind=AgencyKind.HEALTH).update(contact_email="mash@health.invalid")
    return {
        "referrer": make_user(Role.REFERRER, AgencyKind.EDUCATION),
        "screener": make_user(Role.SCREENING_MANAGER),
        "police": make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE),
        "health": make_user(Role.AGENCY_RESEARCHER, AgencyKind.HEALTH),
        "decider": make_user(Role.DECISION_MAKER, first_name="Dana", last_name="Decider"),
    }


def gathering(people: dict[str, Any], **referral: Any) -> Case:
    """A case screened for a MASH enquiry to Health and Police, neither of which has answered."""
    case = make_referral(people["referrer"], **referral).case
    screen(case, people["screener"], rag=RagRating.AMBER)
    case.refresh_from_db()
    return case


def police_returns(people: dict[str, Any], case: Case) -> None:
    police = case.requests.get(agency__kind=AgencyKind.POLICE)
    actor = Actor(user=people["police"])
    request_take(actor=actor, request=police)
    police.refresh_from_db()
    request_save_return(
        actor=actor,
        request=police,
        expected_version=police.version,
        summary="Two domestic incidents at the address",
        risk_factors="Violence in the home",
        protective_factors="Grandmother lives nearby",
        history=[
            HistoryData(date(2026, 9, 1), "domestic_abuse", "Officers attended", "high", "INC-1"),
            HistoryData(date(2026, 10, 3), "incident", "Neighbour called", "medium", "INC-2"),
        ],
        submit=True,
    )


def ready(people: dict[str, Any], **referral: Any) -> Case:
    """A case every agency has answered: Police with information, Health with a nil return."""
    case = gathering(people, **referral)
    police_returns(people, case)
    health = case.requests.get(agency__kind=AgencyKind.HEALTH)
    request_nil_return(actor=Actor(user=people["health"]), request=health, expected_version=health.version)
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_FOR_DECISION
    return case


@pytest.fixture
def decider(people: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(people["decider"])
    return client


def level(number: int) -> ThresholdLevel:
    return ThresholdLevel.objects.get(number=number)


def post_data(case: Case, **overrides: str) -> dict[str, str]:
    """A complete decision. Agencies asked are numbered by name: view_1 is Health, view_2 is Police."""
    data = {
        "version": str(case.version),
        "outcome": Outcome.S17_ASSESSMENT.value,
        "level": str(level(3).pk),
        "rationale": "Neglect alongside domestic abuse: a social work assessment is needed.",
        "information_considered": "The referral, the police return, the health nil return",
        "participants": "Dana Decider (CSC), PC Jones (Police)",
    }
    data.update(overrides)
    return data


def record_url(case: Case) -> str:
    return reverse("decisions:record", args=[case.pk])


def page(response: Any) -> str:
    return str(response.content.decode())


def title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match
    return match.group(1).strip()


# The form page ----------------------------------------------------------------------------------------


def test_form_summarises_the_case_and_shows_the_referrers_view(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    response = decider.get(record_url(case))
    html = page(response)
    assert response.status_code == 200
    assert title(html).startswith("Record the decision for case")
    assert "Jayden has arrived hungry" in html
    assert "Two domestic incidents at the address" in html
    assert "Violence in the home" in html and "Grandmother lives nearby" in html
    assert re.search(r'data-testid="history-count">\s*2\s*<', html)
    assert "Not known to Health" in html
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in html
    assert "The referrer's view was level 2." in html
    assert f'name="version" value="{case.version}"' in html
    assert 'name="proceed_reason"' not in html  # nobody outstanding: no reason asked for
    assert "Health&#x27;s view" in html and "Police&#x27;s view" in html
    event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("sequence")
    assert event.detail == {"purpose": "decide"} and event.object_id == str(case.pk)


def test_recording_a_decision_from_ready(
    people: dict[str, Any], decider: Client, django_capture_on_commit_callbacks: Any
) -> None:
    case = ready(people)
    police, health = Agency.objects.get(kind=AgencyKind.POLICE), Agency.objects.get(kind=AgencyKind.HEALTH)
    early_help = Agency.objects.get(kind=AgencyKind.EARLY_HELP)
    data = post_data(
        case,
        view_1="disagree",
        view_1_comment="Health would have offered a health visitor first",
        view_2="agree",
        challenge_1_raised_by="Sam Patel",
        challenge_1_agency=str(health.pk),
        challenge_1_challenge="Threshold too high for the family's needs",
        challenge_1_resolution="Discussed; health visitor to join the assessment",
        challenge_1_escalated_to="",
        action_1_description="Start the child and family assessment",
        action_1_owner="Duty social worker",
        action_1_owner_agency=str(Agency.objects.get(kind=AgencyKind.CHILDRENS_SOCIAL_CARE).pk),
        action_1_due_on_0="4",
        action_1_due_on_1="12",
        action_1_due_on_2=str(NEXT_YEAR),
        action_2_description="Share the police history with the assessing worker",
        action_2_owner="PC Jones",
        action_2_owner_agency=str(police.pk),
        action_2_due_on_0="7",
        action_2_due_on_1="12",
        action_2_due_on_2=str(NEXT_YEAR),
        # Challenge 2 and action 3 are left blank and are ignored; a stray lead agency is dropped.
        lead_agency=str(early_help.pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = decider.post(record_url(case), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Decision recorded. The outcome has been sent to the referrer and 2 agencies."
    ]

    decision = Decision.objects.get(case=case)
    assert decision.outcome == Outcome.S17_ASSESSMENT
    assert decision.lead_agency is None
    assert decision.level == level(3)
    assert decision.level_change == LevelChange.ESCALATED
    assert decision.decided_by == people["decider"]
    assert decision.participants == "Dana Decider (CSC), PC Jones (Police)"
    assert decision.proceeded_without == []
    views = {v.agency.name: (v.view, v.comment) for v in AgencyView.objects.filter(decision=decision)}
    assert views == {
        "Health": ("disagree", "Health would have offered a health visitor first"),
        "Police": ("agree", ""),
    }
    challenge = Challenge.objects.get(decision=decision)
    assert (challenge.raised_by, challenge.agency) == ("Sam Patel", health)
    assert challenge.resolution == "Discussed; health visitor to join the assessment"
    actions = list(Action.objects.filter(decision=decision).values_list("owner", "due_on", "owner_agency"))
    assert actions == [
        ("Duty social worker", date(NEXT_YEAR, 12, 4), Agency.objects.get(kind="childrens_social_care").pk),
        ("PC Jones", date(NEXT_YEAR, 12, 7), police.pk),
    ]

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    outcome_mail = sorted(m.to[0] for m in mail.outbox if m.subject.startswith("Outcome of referral"))
    assert outcome_mail == ["dsl@school.invalid", "mash@health.invalid", "mash@police.invalid"]
    recorded = AuditEvent.objects.get(action=AuditAction.DECISION_RECORDED)
    assert recorded.detail["views"] == {"Health": "disagree", "Police": "agree"}
    assert recorded.detail["challenges"] == 1


def test_early_help_with_a_lead_agency(people: dict[str, Any], decider: Client) -> None:
    case = ready(people)
    early_help = Agency.objects.get(kind=AgencyKind.EARLY_HELP)
    data = post_data(
        case, outcome=Outcome.EARLY_HELP.value, level=str(level(2).pk), lead_agency=str(early_help.pk)
    )
    data["other_service"] = "Ignored: not another service"
    assert decider.post(record_url(case), data).status_code == 302
    decision = Decision.objects.get(case=case)
    assert (decision.lead_agency, decision.other_service) == (early_help, "")
    assert decision.level_change == LevelChange.SAME


def test_the_outcome_radios_reveal_their_extra_questions(people: dict[str, Any], decider: Client) -> None:
    html = page(decider.get(record_url(ready(people))))
    # Both extra questions are in the page (shown without JavaScript), with hints saying when they apply.
    assert 'data-reveals="conditional_outcome_2"' in html  # early help is the third outcome
    assert re.search(r'id="conditional_outcome_2">.*?name="lead_agency"', html, re.S)
    assert html.count("data-reveals=") == 2  # only the two outcomes that reveal a question
    assert "aria-expanded" not in html and "data-aria-controls" not in html  # not allowed on a radio
    assert re.search(r'id="conditional_outcome_6">.*?name="other_service"', html, re.S)
    assert "Only needed when the outcome is early help." in html
    assert "Only needed when the outcome is another service" in html


# Going ahead without every agency ---------------------------------------------------------------------


def test_going_ahead_without_an_agency_needs_a_reason(people: dict[str, Any], decider: Client) -> None:
    case = gathering(people)
    police_returns(people, case)
    case.refresh_from_db()
    html = page(decider.get(record_url(case)))
    warning = re.search(r'data-testid="outstanding">(.*?)</ul>', html, re.S)
    assert warning and "Health" in warning.group(1) and "Police" not in warning.group(1)
    assert 'name="proceed_reason"' in html

    response = decider.post(record_url(case), post_data(case))
    html = page(response)
    assert response.status_code == 200
    assert "Enter the reason for going ahead without Health" in html
    assert not Decision.objects.exists()

    data = post_data(case, proceed_reason="The risk to the child means the decision cannot wait")
    assert decider.post(record_url(case), data).status_code == 302
    decision = Decision.objects.get(case=case)
    assert decision.proceeded_without == ["Health"]
    assert decision.proceed_reason == "The risk to the child means the decision cannot wait"
    event = case.events.get(to_value=CaseStatus.READY_FOR_DECISION)
    assert "Going ahead without Health" in event.reason


def test_reason_names_every_outstanding_agency(people: dict[str, Any], decider: Client) -> None:
    case = gathering(people)
    html = page(decider.post(record_url(case), post_data(case)))
    assert "Enter the reason for going ahead without Health and Police" in html


def test_a_request_waiting_for_consent_is_outstanding_and_says_so(
    people: dict[str, Any], decider: Client
) -> None:
    case = gathering(people)
    police_returns(people, case)
    InformationRequest.objects.filter(case=case, agency__kind=AgencyKind.HEALTH).update(
        status=RequestStatus.BLOCKED, due_at=None, blocked_reason="Health needs consent that names health."
    )
    html = page(decider.get(record_url(case)))
    warning = re.search(r'data-testid="outstanding">(.*?)</ul>', html, re.S)
    assert warning and "Health (waiting for consent or a lawful basis)" in warning.group(1)
    assert "Enter the reason for going ahead without Health" in page(
        decider.post(record_url(case), post_data(case))
    )


# Validation -------------------------------------------------------------------------------------------

ACTION_1 = {
    "action_1_description": "Start the assessment",
    "action_1_owner": "Duty social worker",
    "action_1_due_on_0": "4",
    "action_1_due_on_1": "12",
    "action_1_due_on_2": str(NEXT_YEAR),
}


NOT_REAL_1 = ACTION_DUE_NOT_REAL.format(n=1)
DAY_1, MONTH_1 = "id_action_1_due_on_0", "id_action_1_due_on_1"


@pytest.mark.parametrize(
    ("overrides", "message", "anchor"),
    [
        ({"outcome": ""}, OUTCOME_REQUIRED, "id_outcome_0"),
        ({"level": ""}, LEVEL_REQUIRED, "id_level_1"),
        ({"level": "not-a-level"}, LEVEL_REQUIRED, "id_level_1"),
        ({"rationale": "   "}, RATIONALE_REQUIRED, "id_rationale"),
        ({"outcome": "early_help"}, LEAD_AGENCY_REQUIRED, "id_lead_agency"),
        ({"outcome": "other_service"}, OTHER_SERVICE_REQUIRED, "id_other_service"),
        ({"view_2_comment": "Not asked"}, "Select whether Police agrees or disagrees", "id_view_2_1"),
        ({"challenge_1_resolution": "Agreed"}, "Enter who raised challenge 1", "id_challenge_1_raised_by"),
        ({"challenge_2_raised_by": "Sam"}, "Enter what was challenged in challenge 2", "id_challenge_2_challenge"),  # noqa: E501
        ({"action_1_description": "Visit"}, "Enter who owns action 1", "id_action_1_owner"),
        ({"action_2_owner": "PC Jones"}, "Enter the due date for action 2", "id_action_2_due_on_0"),
        ({**ACTION_1, "action_1_due_on_0": "31", "action_1_due_on_1": "2"}, NOT_REAL_1, DAY_1),
        ({**ACTION_1, "action_1_due_on_1": "13"}, NOT_REAL_1, DAY_1),
        ({**ACTION_1, "action_1_due_on_2": "27"}, NOT_REAL_1, DAY_1),
        ({**ACTION_1, "action_1_due_on_0": "4th"}, NOT_REAL_1, DAY_1),
        ({**ACTION_1, "action_1_due_on_1": ""}, "The due date for action 1 must include a month", MONTH_1),
        ({**ACTION_1, "action_1_due_on_2": "2020"}, ACTION_DUE_PAST.format(n=1), DAY_1),
    ],
)  # fmt: skip
def test_bad_input_is_listed_in_the_error_summary_and_nothing_is_saved(
    people: dict[str, Any], decider: Client, overrides: dict[str, str], message: str, anchor: str
) -> None:
    case = ready(people)
    events = AuditEvent.objects.count()
    response = decider.post(record_url(case), post_data(case, **overrides))
    html = page(response)
    assert response.status_code == 200
    assert title(html).startswith("Error: ")
    summary = re.search(r'data-testid="error-summary">(.*?)</ul>', html, re.S)
    assert summary, "no error summary"
    assert f'<a href="#{anchor}">{message}' in summary.group(1).replace("&#x27;", "'")
    assert f'id="{anchor}"' in html  # the summary's link lands on a real input
    assert not Decision.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_FOR_DECISION
    assert not AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED).exists()
    assert AuditEvent.objects.count() == events + 1  # only the read of the case
    assert "Dana Decider (CSC), PC Jones (Police)" in html  # the input is kept


def test_a_partial_action_row_lists_every_missing_part(people: dict[str, Any], decider: Client) -> None:
    case = ready(people)
    html = page(decider.post(record_url(case), post_data(case, action_3_due_on_0="4")))
    assert "Enter what action 3 is" in html
    assert "Enter who owns action 3" in html
    assert "The due date for action 3 must include a month and year" in html
    assert not Decision.objects.exists()


def fieldsets(html: str, kind: str) -> list[str]:
    """The ids of the challenge or action rows a page shows, in order."""
    return re.findall(rf'<fieldset id="({kind}-\d+)"', html)


def test_a_new_form_shows_one_challenge_and_one_action_each_with_a_button_for_another(
    people: dict[str, Any], decider: Client
) -> None:
    html = page(decider.get(record_url(ready(people))))
    assert fieldsets(html, "challenge") == ["challenge-1"]
    assert fieldsets(html, "action") == ["action-1"]
    assert re.search(r'<button type="submit" name="add" value="challenge" formaction="#challenge-2"', html)
    assert re.search(r'<button type="submit" name="add" value="action" formaction="#action-2"', html)


def test_add_another_action_keeps_what_was_typed_checks_nothing_and_saves_nothing(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    typed = {
        "version": str(case.version),
        "rationale": "",  # not yet written: no error, as nothing was asked to be recorded
        "participants": "Dana Decider (CSC)",
        "action_1_description": "Visit the family",
        "action_1_due_on_0": "4",  # a part-typed date is kept as typed, not refused
        "action_rows": "1",
        "add": "action",
    }
    response = decider.post(record_url(case), typed)
    html = page(response)
    assert response.status_code == 200
    assert not title(html).startswith("Error")
    assert 'data-testid="error-summary"' not in html
    assert fieldsets(html, "action") == ["action-1", "action-2"]
    assert fieldsets(html, "challenge") == ["challenge-1"]
    assert re.search(r">\s*Visit the family</textarea>", html) and "Dana Decider (CSC)" in html
    assert re.search(r'name="action_1_due_on_0"[^>]*value="4"', html)
    assert '<input type="hidden" name="action_rows" value="2">' in html
    assert not Decision.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.READY_FOR_DECISION

    again = page(decider.post(record_url(case), {**typed, "action_rows": "2", "add": "challenge"}))
    assert fieldsets(again, "action") == ["action-1", "action-2"]
    assert fieldsets(again, "challenge") == ["challenge-1", "challenge-2"]


def test_more_actions_than_a_fixed_form_had_room_for_are_recorded(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    rows = {}
    for n in range(1, 6):
        rows |= {
            f"action_{n}_description": f"Action number {n}",
            f"action_{n}_owner": f"Owner {n}",
            f"action_{n}_due_on_0": str(n),
            f"action_{n}_due_on_1": "12",
            f"action_{n}_due_on_2": str(NEXT_YEAR),
        }
    for n in (1, 2, 3):
        rows |= {f"challenge_{n}_raised_by": f"Person {n}", f"challenge_{n}_challenge": f"Challenge {n}"}
    response = decider.post(record_url(case), post_data(case, action_rows="5", challenge_rows="3", **rows))
    assert response.status_code == 302
    decision = Decision.objects.get(case=case)
    owners = list(Action.objects.filter(decision=decision).order_by("due_on").values_list("owner", flat=True))
    assert owners == [f"Owner {n}" for n in range(1, 6)]
    assert Challenge.objects.filter(decision=decision).count() == 3


def test_a_row_sent_back_with_an_error_is_shown_again_though_the_form_said_fewer_rows(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    html = page(decider.post(record_url(case), post_data(case, action_rows="1", action_4_owner="Alex")))
    assert fieldsets(html, "action") == ["action-1", "action-2", "action-3", "action-4"]
    assert "Enter what action 4 is" in html
    assert not Decision.objects.exists()


def test_no_more_rows_are_offered_past_the_most_a_decision_records(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    data = {"version": str(case.version), "challenge_rows": str(MOST_CHALLENGES), "add": "challenge"}
    html = page(decider.post(record_url(case), data))
    assert len(fieldsets(html, "challenge")) == MOST_CHALLENGES
    assert 'value="challenge" formaction' not in html
    assert f"Up to {MOST_CHALLENGES} challenges can be recorded here." in html
    assert 'value="action" formaction="#action-2"' in html
    for bad in ("many", "-3", "99999"):
        shown = fieldsets(page(decider.post(record_url(case), {"challenge_rows": bad})), "challenge")
        assert 1 <= len(shown) <= MOST_CHALLENGES


def test_agency_names_in_labels_are_escaped(people: dict[str, Any], decider: Client) -> None:
    case = ready(people)
    Agency.objects.filter(kind=AgencyKind.POLICE).update(name="Police <b>West</b>")
    html = page(decider.get(record_url(case)))
    assert "Police &lt;b&gt;West&lt;/b&gt;&#x27;s view" in html
    assert "<b>West</b>" not in html


# Two decision makers --------------------------------------------------------------------------------


@pytest.mark.parametrize("adding", [{}, {"add": "action"}], ids=["recording", "adding an action row"])
def test_second_decision_maker_is_told_someone_decided_first(
    people: dict[str, Any], decider: Client, make_user: Any, adding: dict[str, str]
) -> None:
    case = ready(people)
    other = Client()
    other.force_login(make_user(Role.DECISION_MAKER))
    opened = post_data(
        case, rationale="My own view: early help would do", outcome="nfa", level=str(level(1).pk), **adding
    )
    assert decider.post(record_url(case), post_data(case)).status_code == 302

    response = other.post(record_url(case), opened)
    html = page(response)
    assert response.status_code == 200
    assert title(html).startswith("Error: ")
    assert "Dana Decider recorded a decision on this case at" in html
    assert "Your decision has not been saved" in html
    assert "My own view: early help would do" in html
    assert Decision.objects.count() == 1
    assert Decision.objects.get().outcome == Outcome.S17_ASSESSMENT


def test_a_change_to_the_case_while_deciding_is_a_concurrent_edit(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    opened = post_data(case, rationale="Written before the re-rating")
    case_rerate(
        actor=Actor(user=people["screener"]),
        case=case,
        expected_version=case.version,
        rag=RagRating.RED,
        reason="New incident reported by police",
    )
    response = decider.post(record_url(case), opened)
    html = page(response).replace("&#x27;", "'")
    assert response.status_code == 200
    assert CONCURRENT_EDIT in html
    assert "Written before the re-rating" in html
    assert not Decision.objects.exists()


# Cases that cannot be decided ---------------------------------------------------------------------------


def test_a_decided_case_shows_a_message_and_no_form(people: dict[str, Any], decider: Client) -> None:
    case = ready(people)
    decision_record(
        actor=Actor(user=people["decider"]),
        case=case,
        expected_version=case.version,
        outcome=Outcome.NFA,
        level=level(1),
        rationale="No role for services",
    )
    response = decider.get(record_url(case))
    html = page(response)
    assert response.status_code == 200
    assert "This case has already been decided" in html
    assert "Dana Decider recorded the decision" in html
    assert "no further action" in html
    assert 'id="decision-form"' not in html and 'name="rationale"' not in html


def test_a_closed_case_shows_a_message_and_no_form(
    people: dict[str, Any], decider: Client, django_capture_on_commit_callbacks: Any
) -> None:
    case = ready(people)
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            actor=Actor(user=people["decider"]),
            case=case,
            expected_version=case.version,
            outcome=Outcome.NFA,
            level=level(1),
            rationale="No role for services",
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    html = page(decider.get(record_url(case)))
    assert "This case has already been decided" in html
    assert 'id="decision-form"' not in html


def test_the_decision_page_offers_active_agencies_and_reads_the_requests_once(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    gone = Agency.objects.create(name="Closed Youth Project", kind=AgencyKind.OTHER, is_active=False)
    with CaptureQueriesContext(connection) as reads:
        html = page(decider.get(record_url(case)))
    owner = re.search(r'<select[^>]*name="action_1_owner_agency"[^>]*>.*?</select>', html, re.S)
    assert owner is not None
    offered = re.findall(r'<option value="([^"]+)"', owner.group(0))
    active = [str(a.pk) for a in Agency.objects.filter(is_active=True).order_by("name")]
    assert offered == active and str(gone.pk) not in offered
    # The disclosure log's lines for the returns shown are written from the page's own rows.
    assert (
        sum(1 for q in reads.captured_queries if q["sql"].startswith('SELECT "enquiries_informationrequest"'))
        == 1
    )
    assert "Two domestic incidents at the address" in html


def test_an_unscreened_case_cannot_be_decided(people: dict[str, Any], decider: Client) -> None:
    case = make_referral(people["referrer"]).case
    html = page(decider.get(record_url(case)))
    assert "This case cannot be decided yet" in html
    assert "awaiting screening" in html
    assert 'id="decision-form"' not in html
    response = decider.post(record_url(case), post_data(case, level=str(level(1).pk)))
    assert "A case that is awaiting screening cannot be decided." in page(response)
    assert not Decision.objects.exists()


# The decision on the case page ------------------------------------------------------------------------


def decide(people: dict[str, Any], case: Case, number: int, **kwargs: Any) -> Decision:
    return decision_record(
        actor=Actor(user=people["decider"]),
        case=case,
        expected_version=case.version,
        outcome=kwargs.pop("outcome", Outcome.S17_ASSESSMENT),
        level=level(number),
        rationale="Reasons",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("referrer_level", "decided", "tag"),
    [
        (2, 3, "Escalated"),
        (3, 1, "De-escalated"),
        (2, 2, "Same as the referrer's view"),
        (None, 2, "Referrer gave no view"),
    ],
)
def test_the_case_page_tags_escalation_against_the_referrers_level(
    people: dict[str, Any], referrer_level: int | None, decided: int, tag: str
) -> None:
    case = ready(people, referrer_level=referrer_level)
    decide(people, case, decided)
    html = render_to_string("decisions/_case_decision.html", {"case": Case.objects.get(pk=case.pk)})
    assert re.search(rf'data-testid="level-change">{tag}<', html)
    assert ("The referrer's view was level" in html) == (referrer_level is not None)


def test_the_case_page_shows_the_whole_decision(people: dict[str, Any]) -> None:
    case = gathering(people)
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    decide(
        people,
        case,
        4,
        outcome=Outcome.OTHER_SERVICE,
        other_service="MARAC",
        proceed_reason="Strategy discussion needed today",
        views=[ViewData(police, "disagree", "Police want a s.47 now")],
        challenges=[ChallengeData("Sam Patel", "Level too low", police, "", "Head of service")],
        actions=[ActionData("Refer to MARAC", "IDVA", date(NEXT_YEAR, 1, 5), police)],
    )
    html = render_to_string("decisions/_case_decision.html", {"case": Case.objects.get(pk=case.pk)})
    assert "Another service, such as MARAC" in html and "Service: MARAC" in html
    assert "Level 4" in html
    proceeded = re.search(r'data-testid="decision-proceeded-without">(.*?)</dd>', html, re.S)
    assert proceeded and "Health, Police" in proceeded.group(1)
    assert "Strategy discussion needed today" in proceeded.group(1)
    assert "Police want a s.47 now" in html and "Disagrees" in html
    assert "Challenge by Sam Patel, Police" in html and "Head of service" in html
    assert "Not resolved in the hub" in html
    assert "Refer to MARAC" in html and "IDVA, Police" in html and f"5 January {NEXT_YEAR}" in html
    assert "Dana Decider, Children&#x27;s Social Care, at" in html


def _tables_read(reads: CaptureQueriesContext) -> set[str]:
    """The tables the captured queries read rows from (by each query's first column)."""
    found = (re.match(r'SELECT "(\w+)"\.', q["sql"]) for q in reads.captured_queries)
    return {m.group(1) for m in found if m}


def test_the_case_page_reads_only_the_parts_a_decision_has(people: dict[str, Any], decider: Client) -> None:
    police = Agency.objects.get(kind=AgencyKind.POLICE)
    plain, whole = ready(people), ready(people)
    decide(people, plain, 2)
    decide(
        people,
        whole,
        3,
        views=[ViewData(police, "disagree", "Police want a s.47 now")],
        challenges=[ChallengeData("Sam Patel", "Level too low", police, "", "Head of service")],
        actions=[ActionData("Refer to MARAC", "IDVA", date(NEXT_YEAR, 1, 5), police)],
    )
    parts = {"decisions_agencyview", "decisions_challenge", "decisions_action", "decisions_outcomechallenge"}
    with CaptureQueriesContext(connection) as reads:
        html = page(decider.get(reverse("cases:detail", args=[plain.pk])))
    assert 'data-testid="case-decision"' in html and "No agency's view was recorded." in html
    assert not _tables_read(reads) & parts
    with CaptureQueriesContext(connection) as reads:
        html = page(decider.get(reverse("cases:detail", args=[whole.pk])))
    assert "Police want a s.47 now" in html
    assert "Challenge by Sam Patel, Police" in html and "Refer to MARAC" in html
    assert _tables_read(reads) & parts == parts - {"decisions_outcomechallenge"}


def test_the_case_page_shows_nothing_before_a_decision(people: dict[str, Any]) -> None:
    case = ready(people)
    assert render_to_string("decisions/_case_decision.html", {"case": case}).strip() == ""


# The queue and the home page --------------------------------------------------------------------------


def test_queue_lists_ready_cases_first_then_those_gathering(people: dict[str, Any], decider: Client) -> None:
    long_ago = datetime(2026, 1, 5, 10, 0, tzinfo=LONDON)
    waiting = gathering(people, received_at=long_ago)
    police_returns(people, waiting)
    InformationRequest.objects.filter(case=waiting, agency__kind=AgencyKind.HEALTH).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    decided_already = ready(people)
    decide(people, decided_already, 2)
    ready_case = ready(people)

    response = decider.get(reverse("decisions:queue"))
    html = page(response)
    assert response.status_code == 200
    ready_table = html.index('data-testid="ready"')
    gathering_table = html.index('data-testid="gathering"')
    assert ready_table < html.index(ready_case.reference) < gathering_table < html.index(waiting.reference)
    assert decided_already.reference not in html
    row = html[html.index(waiting.reference) :]
    row = row[: row.index("</tr>")]
    assert "1 of 2 returned" in row
    assert re.search(r'data-testid="next-due">\s*<strong class="govuk-tag govuk-tag--red">Overdue', row)
    assert re.search(r'data-testid="decision-due">\s*<strong class="govuk-tag govuk-tag--red">Overdue', row)
    assert "Jayden Whitmore" in row and "openmash-rag--amber" in row
    ready_row = html[html.index(ready_case.reference) :]
    ready_row = ready_row[: ready_row.index("</tr>")]
    assert "2 of 2 returned" in ready_row and "All returned" in ready_row
    assert f'href="{record_url(ready_case)}"' in html
    event = AuditEvent.objects.filter(action=AuditAction.QUEUE_VIEWED).latest("sequence")
    assert event.detail["queue"] == "decisions"
    assert event.detail["cases"] == [ready_case.reference, waiting.reference]
    assert len(event.persons) == 2


def test_empty_queue(people: dict[str, Any], decider: Client) -> None:
    html = page(decider.get(reverse("decisions:queue")))
    assert 'data-testid="no-ready"' in html and 'data-testid="no-gathering"' in html


def test_home_counts_ready_and_late_cases_and_shows_the_top_of_the_queue(
    people: dict[str, Any], decider: Client
) -> None:
    late = ready(people, received_at=datetime(2026, 1, 5, 10, 0, tzinfo=LONDON))
    gathering(people)
    html = page(decider.get(reverse("accounts:role-home", args=["decision-maker"])))
    assert re.search(r'data-testid="count-ready">1<', html)
    assert re.search(r'data-testid="count-overdue"><strong class="govuk-tag govuk-tag--red">1<', html)
    assert re.search(r'data-testid="count-gathering">1<', html)
    assert 'data-testid="top-of-queue"' in html
    assert html.index(late.reference) < html.index("See all 2 cases for decision")


def test_home_with_nothing_to_decide(people: dict[str, Any], decider: Client) -> None:
    html = page(decider.get(reverse("accounts:role-home", args=["decision-maker"])))
    assert 'data-testid="empty-queue"' in html
    assert re.search(r'data-testid="count-ready">0<', html)


def test_the_decision_page_says_is_due_before_the_deadline_and_was_due_after_it(
    people: dict[str, Any], decider: Client
) -> None:
    case = ready(people)
    Case.objects.filter(pk=case.pk).update(decision_due_at=timezone.now() + timedelta(hours=3))
    html = decider.get(record_url(case)).content.decode()
    assert "The decision is due by" in html
    assert "was due" not in html

    Case.objects.filter(pk=case.pk).update(decision_due_at=timezone.now() - timedelta(hours=3))
    html = decider.get(record_url(case)).content.decode()
    assert re.search(r"Overdue</strong> The decision was due by \d", html)
    assert "is due by" not in html


# Early-help cases: handed to a keyworker, never decided -------------------------------------------------


def test_a_hub_that_records_no_decision_lists_no_case_for_decision(
    people: dict[str, Any], decider: Client
) -> None:
    gathering_case = gathering(people)
    ready_case = ready(people)
    HubConfiguration.objects.update(decision_in_hub=False)  # the early-help model

    html = page(decider.get(reverse("decisions:queue")))
    assert 'data-testid="no-decision-in-hub"' in html
    assert 'data-testid="no-ready"' in html and 'data-testid="no-gathering"' in html
    assert ready_case.reference not in html and gathering_case.reference not in html
    home = page(decider.get(reverse("accounts:role-home", args=["decision-maker"])))
    assert re.search(r'data-testid="count-ready">0<', home) and ready_case.reference not in home

    refused = decider.get(record_url(ready_case))
    assert refused.status_code == 403
    assert escape(EARLY_HELP_REASON) in page(refused)
    assert "Record the decision" not in page(decider.get(reverse("cases:detail", args=[ready_case.pk])))


def test_a_case_with_a_keyworker_is_not_for_decision_where_the_hub_decides_the_others(
    people: dict[str, Any], decider: Client
) -> None:
    """A case given a keyworker while the hub followed the early-help model stays an early-help case
    after the hub starts recording decisions; the hub's other cases are for decision as before."""
    early = ready(people)
    other = ready(people)
    HubConfiguration.objects.update(decision_in_hub=False)
    keyworker_appoint(
        actor=Actor(user=people["screener"]),
        case=early,
        expected_version=early.version,
        name="Sam Keyes",
        agency=Agency.objects.get(kind=AgencyKind.EARLY_HELP),
        email="sam.keyes@earlyhelp.invalid",
    )
    HubConfiguration.objects.update(decision_in_hub=True)

    html = page(decider.get(reverse("decisions:queue")))
    assert other.reference in html[html.index('data-testid="ready"') :]
    assert early.reference not in html
    home = page(decider.get(reverse("accounts:role-home", args=["decision-maker"])))
    assert re.search(r'data-testid="count-ready">1<', home) and early.reference not in home
    assert decider.get(record_url(early)).status_code == 403
    assert "Record the decision" not in page(decider.get(reverse("cases:detail", args=[early.pk])))
    assert "Record the decision" in page(decider.get(reverse("cases:detail", args=[other.pk])))
