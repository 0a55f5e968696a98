"""Meetings: the list, scheduling, the meeting page, the projector screen and the minutes."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openmash.access.enforce import authorize, load
from openmash.access.policy import Action, cases_visible, decide, meetings_visible
from openmash.accounts.permissions import Perm, can, signed_in
from openmash.audit.catalogue import AuditAction
from openmash.cases.models import Case, CaseStatus
from openmash.core.actor import Actor
from openmash.core.errors import DomainError
from openmash.decisions.selectors import DECIDABLE
from openmash.enquiries.disclosures import returns_viewed
from openmash.hub.calendar_format import format_deadline
from openmash.hub.selectors import hub_calendar
from openmash.meetings.forms import AgendaForm, AttendanceForm, ScheduleForm, VersionForm
from openmash.meetings.models import Attendance, Meeting, MeetingStatus
from openmash.meetings.selectors import (
    age,
    audit_meeting_read,
    initials,
    minutes_items,
    screen_case,
    with_item_count,
)
from openmash.meetings.selectors import agenda as agenda_rows
from openmash.meetings.services import (
    agenda_build_from_ready,
    agenda_item_discussed,
    attendance_record,
    meeting_close,
    meeting_schedule,
    meeting_start,
)

SCHEDULED = "Meeting scheduled. Build its agenda from the cases ready for discussion."
NOT_A_WORKING_DAY = "This meeting is on {why}, when the hub is closed: check the agencies can attend"


def _hub_closed_on(meeting: Meeting) -> str:
    """Why the hub is closed on the meeting's day ("a Sunday", "a bank holiday (Christmas Day)"), or ""."""
    day = timezone.localtime(meeting.scheduled_for).date()
    calendar = hub_calendar()
    if calendar.is_working_day(day):
        return ""
    holiday = calendar.bank_holidays(day.year).get(day)
    if holiday:
        return f"a bank holiday ({holiday})"
    if day.weekday() >= 5:
        return f"a {day:%A}"
    return "a day the hub is closed"


AGENDA_BUILT = "{count} case{s} added to the agenda."
ATTENDANCE_SAVED = "{name} recorded as {status} for {agency}."
STARTED = "Meeting started."
CLOSED = "Meeting closed. The minutes are ready."
MINUTES_NOT_READY = "The minutes are produced when the meeting is closed."
STATUS_TAGS = {
    MeetingStatus.SCHEDULED: "govuk-tag--blue",
    MeetingStatus.IN_PROGRESS: "govuk-tag--yellow",
    MeetingStatus.CLOSED: "govuk-tag--grey",
}


def _open(
    request: HttpRequest, meeting_id: str, action: Action = Action.MEETING_VIEW
) -> tuple[Actor, Meeting]:
    """The meeting, once the policy lets this person see (or run) it."""
    actor = Actor.from_request(request)
    meeting, _ = load(actor, action, with_item_count(Meeting.objects.all()), meeting_id)
    return actor, meeting


def _when(meeting: Meeting) -> str:
    return format_deadline(meeting.scheduled_for)


@signed_in
def meeting_list(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.MEETINGS_LIST, None)
    meetings = list(with_item_count(meetings_visible(request.user)).order_by("-scheduled_for"))
    rows = [{"meeting": m, "when": _when(m), "tag": STATUS_TAGS[MeetingStatus(m.status)]} for m in meetings]
    closed = {m.pk for m in meetings if m.status == MeetingStatus.CLOSED}
    return render(
        request,
        "meetings/list.html",
        {
            "current": [r for r, m in zip(rows, meetings, strict=True) if m.pk not in closed],
            "closed": [r for r, m in zip(rows, meetings, strict=True) if m.pk in closed],
            "can_run": decide(request.user, Action.MEETING_SCHEDULE).allowed,
        },
    )


@signed_in
def schedule(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.MEETING_SCHEDULE, None)
    form = ScheduleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_schedule(
                actor=actor, title=form.cleaned_data["title"], scheduled_for=form.scheduled_for()
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, SCHEDULED)
            closed = _hub_closed_on(meeting)
            if closed:
                messages.warning(request, NOT_A_WORKING_DAY.format(why=closed))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/schedule.html", {"form": form})


def _candidates(user: object, meeting: Meeting) -> tuple[QuerySet[Case], dict[UUID, str]]:
    """Cases still gathering information, not on the agenda: the chair may add them by choice."""
    cases = (
        cases_visible(user)
        .filter(status=CaseStatus.INFORMATION_GATHERING)
        .exclude(agenda_items__meeting=meeting)
        .prefetch_related("referral__people")
        .order_by("decision_due_at")
    )
    labels = {}
    for case in cases:
        children = ", ".join(
            f"{initials(p)} ({age(p.date_of_birth)})" for p in case.referral.people.all() if p.is_subject
        )
        labels[case.pk] = f"{case.reference}: {children or 'no one named'}, {case.get_rag_display()}"
    return cases, labels


def _detail_context(request: HttpRequest, meeting: Meeting, **forms: object) -> dict[str, object]:
    runs = (
        decide(request.user, Action.MEETING_RUN, meeting).allowed and meeting.status != MeetingStatus.CLOSED
    )
    context: dict[str, object] = {
        "meeting": meeting,
        "when": _when(meeting),
        # Not "tag": crispy-forms reads a context variable of that name as the element wrapping each
        # form group, which made the attendance form's groups unstyled inline elements.
        "status_tag": STATUS_TAGS[MeetingStatus(meeting.status)],
        "rows": agenda_rows(meeting),
        "reload_url": reverse("meetings:detail", args=[meeting.pk]),
        "attendance": list(meeting.attendance.select_related("agency")),
        "runs": runs,
        "ready_waiting": cases_visible(request.user)
        .filter(status=CaseStatus.READY_FOR_DECISION)
        .exclude(agenda_items__meeting=meeting)
        .count(),
    }
    builds_agenda = runs and decide(request.user, Action.MEETING_AGENDA, meeting).allowed
    context["builds_agenda"] = builds_agenda
    if builds_agenda:
        candidates, labels = _candidates(request.user, meeting)
        context["agenda_form"] = forms.get("agenda_form") or AgendaForm(
            initial={"version": meeting.version}, candidates=candidates, labels=labels
        )
    if runs:
        context["attendance_form"] = forms.get("attendance_form") or AttendanceForm()
        context["version_form"] = forms.get("version_form") or VersionForm(
            initial={"version": meeting.version}
        )
    context["form"] = next((f for f in forms.values() if f is not None), None)
    return context


@signed_in
def detail(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor, meeting = _open(request, meeting_id)
    audit_meeting_read(actor, meeting, AuditAction.MEETING_VIEWED)
    return render(request, "meetings/detail.html", _detail_context(request, meeting))


@require_POST
@signed_in
def agenda_view(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor, meeting = _open(request, meeting_id, Action.MEETING_AGENDA)
    candidates, labels = _candidates(request.user, meeting)
    form = AgendaForm(request.POST, candidates=candidates, labels=labels)
    if form.is_valid():
        try:
            items = agenda_build_from_ready(
                actor=actor,
                meeting=meeting,
                expected_version=form.cleaned_data["version"],
                chosen=list(form.cleaned_data["chosen"]),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, AGENDA_BUILT.format(count=len(items), s="" if len(items) == 1 else "s"))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return render(
        request, "meetings/detail.html", _detail_context(request, meeting, agenda_form=form), status=400
    )


@require_POST
@signed_in
def attendance(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor, meeting = _open(request, meeting_id, Action.MEETING_RUN)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            attendee = attendance_record(
                actor=actor,
                meeting=meeting,
                agency=data["agency"],
                name=data["name"],
                role=data["role"],
                status=Attendance.Status(data["status"]),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                ATTENDANCE_SAVED.format(
                    name=attendee.name, status=attendee.get_status_display().lower(), agency=attendee.agency
                ),
            )
            return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#attendance")
    return render(
        request, "meetings/detail.html", _detail_context(request, meeting, attendance_form=form), status=400
    )


def _version_action(request: HttpRequest, meeting_id: str, *, closing: bool) -> HttpResponse:
    actor, meeting = _open(request, meeting_id, Action.MEETING_RUN)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            if closing:
                meeting_close(actor=actor, meeting=meeting, expected_version=form.cleaned_data["version"])
            else:
                meeting_start(actor=actor, meeting=meeting, expected_version=form.cleaned_data["version"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if closing:
                messages.success(request, CLOSED)
                return redirect("meetings:minutes", meeting_id=meeting.pk)
            messages.success(request, STARTED)
            return redirect("meetings:detail", meeting_id=meeting.pk)
    meeting.refresh_from_db()
    return render(
        request, "meetings/detail.html", _detail_context(request, meeting, version_form=form), status=400
    )


@require_POST
@signed_in
def start(request: HttpRequest, meeting_id: str) -> HttpResponse:
    return _version_action(request, meeting_id, closing=False)


@require_POST
@signed_in
def close(request: HttpRequest, meeting_id: str) -> HttpResponse:
    return _version_action(request, meeting_id, closing=True)


def _position(request: HttpRequest, count: int) -> int:
    try:
        position = int(request.GET.get("item", "1"))
    except ValueError:
        position = 1
    return min(max(position, 1), max(count, 1))


def screen_url(meeting: Meeting, position: int) -> str:
    return reverse("meetings:screen", args=[meeting.pk]) + "?" + urlencode({"item": position})


@signed_in
def screen(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor, meeting = _open(request, meeting_id)
    items = list(
        meeting.items.select_related("case", "case__referral", "case__level", "case__destruction").order_by(
            "order"
        )
    )
    if not items:
        messages.info(request, "Add cases to the agenda before opening the meeting screen.")
        return redirect("meetings:detail", meeting_id=meeting.pk)
    position = _position(request, len(items))
    item = items[position - 1]
    case: Case = item.case
    shown = screen_case(case)
    audit_meeting_read(actor, meeting, AuditAction.MEETING_SCREEN_VIEWED, shown=case.reference, item=position)
    returns_viewed(actor=actor, case=case, where=f"Meeting screen: {meeting.title}")
    here = screen_url(meeting, position)
    record_url = ""
    if can(request.user, Perm.DECISION_RECORD) and case.status in DECIDABLE:
        record_url = reverse("decisions:record", args=[case.pk]) + "?" + urlencode({"next": here})
    return render(
        request,
        "meetings/screen.html",
        {
            "meeting": meeting,
            "item": item,
            "case": case,
            "shown": shown,
            "position": position,
            "count": len(items),
            "previous_url": screen_url(meeting, position - 1) if position > 1 else "",
            "next_url": screen_url(meeting, position + 1) if position < len(items) else "",
            "record_url": record_url,
            "decided": case.status not in DECIDABLE and hasattr(case, "decision"),
            # Marking this case discussed: the meeting's rule, and a write on the case (not if destroyed).
            "runs": decide(request.user, Action.MEETING_RUN, item).allowed
            and meeting.status == MeetingStatus.IN_PROGRESS,
        },
    )


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


@require_POST
@signed_in
def discussed(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor, meeting = _open(request, meeting_id, Action.MEETING_RUN)
    chosen = _uuid_or_none(request.POST.get("item", ""))
    item = meeting.items.filter(pk=chosen).first() if chosen is not None else None
    if item is None:
        messages.error(request, "Choose a case on this meeting's agenda")
        return redirect("meetings:detail", meeting_id=meeting.pk)
    authorize(actor, Action.MEETING_RUN, item)
    position = list(meeting.items.order_by("order").values_list("pk", flat=True)).index(item.pk) + 1
    try:
        agenda_item_discussed(actor=actor, item=item)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(screen_url(meeting, position))
    count = meeting.items.count()
    return redirect(screen_url(meeting, min(position + 1, count)))


@signed_in
def minutes(request: HttpRequest, meeting_id: str) -> HttpResponse:
    actor, meeting = _open(request, meeting_id)
    if meeting.status != MeetingStatus.CLOSED:
        messages.info(request, MINUTES_NOT_READY)
        return redirect("meetings:detail", meeting_id=meeting.pk)
    audit_meeting_read(actor, meeting, AuditAction.MEETING_MINUTES_VIEWED)
    items = minutes_items(meeting)
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "when": _when(meeting),
            "closed_at": format_deadline(meeting.closed_at),
            "items": items,
            "decided": sum(1 for i in items if i.decision),
            "present": list(meeting.attendance.filter(status="present").select_related("agency")),
            "apologies": list(meeting.attendance.filter(status="apologies").select_related("agency")),
            "now": timezone.now(),
        },
    )
