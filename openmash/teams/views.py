"""Specialist teams: each team's queue of routed cases and its answer; the hub administrator's list of
teams; and, for early help, the cases handed to a keyworker in the person's agency."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openmash.access.enforce import authorize, load
from openmash.access.policy import Action, cases_visible, teams_visible, writable
from openmash.accounts.permissions import signed_in
from openmash.cases.models import Case
from openmash.cases.selectors import audit_list, children_of, with_list_data
from openmash.casework.routing import routed_case_accept
from openmash.core.actor import Actor
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.hub.models import Team
from openmash.hub.services import team_save
from openmash.teams.forms import AnswerForm, SendBackForm, TeamForm
from openmash.teams.models import Routing, RoutingStatus
from openmash.teams.services import routing_send_back


@signed_in
def team_list(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.TEAMS_LIST, None)
    teams = list(teams_visible(request.user).filter(is_active=True).order_by("name"))
    waiting = {t: Routing.objects.filter(team=t, status=RoutingStatus.WAITING).count() for t in teams}
    return render(request, "teams/list.html", {"teams": teams, "waiting": waiting})


@signed_in
def queue(request: HttpRequest, team_id: str) -> HttpResponse:
    actor = Actor.from_request(request)
    team, _ = load(actor, Action.TEAM_QUEUE, Team.objects.all(), team_id)
    routings = list(
        Routing.objects.filter(team=team)
        .exclude(status=RoutingStatus.SENT_BACK)
        .select_related("case", "case__referral")
        .order_by("status", "routed_at")
    )
    listed = Case.objects.filter(pk__in=[r.case_id for r in routings]).select_related("destruction")
    cases = {c.pk: c for c in with_list_data(listed)}
    member = team.members.filter(username=request.user.get_username()).exists()
    # A member answers each waiting case, unless the policy refuses every write on it (destroyed).
    rows = [
        (r, cases[r.case_id], children_of(cases[r.case_id]), member and writable(cases[r.case_id]).allowed)
        for r in routings
    ]
    audit_list(actor, queue=f"team: {team.name}", cases=list(cases.values()))
    return render(
        request,
        "teams/queue.html",
        {
            "team": team,
            "waiting": [row for row in rows if row[0].status == RoutingStatus.WAITING],
            "accepted": [row for row in rows if row[0].status == RoutingStatus.ACCEPTED],
        },
    )


def _routing(request: HttpRequest, routing_id: str) -> tuple[Actor, Routing]:
    actor = Actor.from_request(request)
    rows = Routing.objects.select_related("team", "case", "case__referral")
    routing, _ = load(actor, Action.ROUTING_ANSWER, rows, routing_id)
    return actor, routing


@signed_in
def accept(request: HttpRequest, routing_id: str) -> HttpResponse:
    actor, routing = _routing(request, routing_id)
    if request.method != "POST":
        return redirect("teams:queue", team_id=routing.team_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            routed_case_accept(actor=actor, routing=routing, expected_version=form.cleaned_data["version"])
        except (ConcurrentEditError, DomainError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Case {routing.case.reference} accepted by the {routing.team.name}.")
    else:
        messages.error(request, "This page is out of date. Reload it and try again")
    return redirect("teams:queue", team_id=routing.team_id)


@signed_in
def send_back(request: HttpRequest, routing_id: str) -> HttpResponse:
    actor, routing = _routing(request, routing_id)
    form = SendBackForm(
        request.POST if request.method == "POST" else None, initial={"version": routing.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            routing_send_back(
                actor=actor,
                routing=routing,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, str(error))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Case {routing.case.reference} sent back to the front door.")
            return redirect("teams:queue", team_id=routing.team_id)
    return render(
        request,
        "teams/send_back.html",
        {"routing": routing, "form": form},
        status=400 if form.errors else 200,
    )


@signed_in
def handed_over(request: HttpRequest) -> HttpResponse:
    """Early help: the cases whose product was handed to a keyworker in the person's agency."""
    actor = Actor.from_request(request)
    authorize(actor, Action.HANDOVERS_LIST, None)
    agency_id = getattr(request.user, "agency_id", None)
    handed = cases_visible(request.user).filter(handed_over_at__isnull=False)
    handed = handed.filter(keyworker__agency_id=agency_id) if agency_id else handed.none()
    cases = list(with_list_data(handed).select_related("keyworker").order_by("-handed_over_at")[:200])
    audit_list(actor, queue="handed over to the agency", cases=cases)
    return render(
        request,
        "teams/handed_over.html",
        {"rows": [(c, children_of(c)) for c in cases]},
    )


@signed_in
def manage(request: HttpRequest) -> HttpResponse:
    authorize(Actor.from_request(request), Action.TEAMS_CONFIGURE, None)
    teams = list(Team.objects.prefetch_related("members").order_by("name"))
    return render(request, "teams/manage.html", {"teams": teams})


@signed_in
def team_edit(request: HttpRequest, team_id: str | None = None) -> HttpResponse:
    actor = Actor.from_request(request)
    authorize(actor, Action.TEAMS_CONFIGURE, None)
    team = Team.objects.filter(pk=team_id).first() if team_id else None
    if team_id and team is None:
        raise Http404
    initial: dict[str, object] = {"is_active": True}
    if team is not None:
        initial = {
            "version": team.version,
            "name": team.name,
            "specialism": team.specialism,
            "contact_email": team.contact_email,
            "members": list(team.members.all()),
            "is_active": team.is_active,
        }
    form = TeamForm(request.POST if request.method == "POST" else None, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = team_save(
                actor=actor,
                team=team,
                name=data["name"],
                specialism=data["specialism"],
                contact_email=data["contact_email"],
                members=list(data["members"]),
                is_active=data["is_active"],
                expected_version=data.get("version"),
            )
        except (ConcurrentEditError, DomainError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{saved.name} saved.")
            return redirect("teams:manage")
    return render(
        request, "teams/team_edit.html", {"team": team, "form": form}, status=400 if form.errors else 200
    )
