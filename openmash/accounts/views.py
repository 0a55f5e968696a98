from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from openmash.accounts import mfa, services
from openmash.accounts.forms import (
    CodeForm,
    GrantDecision,
    RoleGrantDecisionForm,
    RoleSwitchForm,
    SignInForm,
    UserCreateForm,
    UserRolesForm,
)
from openmash.accounts.middleware import ACTIVE_ROLE_KEY, NO_DEVICE_KEY, active_role_for
from openmash.accounts.models import GrantOutcome, PendingRoleGrant, User
from openmash.accounts.permissions import Perm, require, signed_in
from openmash.accounts.roles import ROLE_SLUGS, SLUG_ROLES, Role
from openmash.accounts.selectors import (
    decided_role_grants_for,
    grant_approvers,
    hub_administrators,
    pending_role_grants_for,
    users_for,
)
from openmash.core.actor import Actor
from openmash.core.errors import DomainError


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:home")
    refusal = None
    if request.method == "POST":
        refusal = services.sign_in_refusal(
            username=request.POST.get("username", ""), ip_address=Actor.from_request(request).ip_address
        )
    form = SignInForm(request, data=request.POST if request.method == "POST" else None, refusal=refusal)
    if request.method == "POST":
        if form.is_valid():
            login(request, form.get_user())
            services.sign_in_recorded(actor=Actor.from_request(request))
            return _next_or_home(request)
        username = request.POST.get("username", "")
        if refusal:
            services.sign_in_refused_recorded(
                actor=Actor.from_request(request), username=username, reason=refusal
            )
        else:
            services.sign_in_failed_recorded(
                actor=Actor.from_request(request),
                username=username,
                tried_password=bool(username and request.POST.get("password")),
            )
    return render(request, "accounts/sign_in.html", {"form": form, "next": request.GET.get("next", "")})


def _safe_next(request: HttpRequest) -> str:
    """Where to go after a form (the ``next`` posted or in the address), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return (
        target if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()) else ""
    )


def _next_or_home(request: HttpRequest) -> HttpResponse:
    """The page asked for, else the home of the role the person works in: straight there, not through
    the home address's own redirect (one round trip fewer between signing in and the first page)."""
    target = _safe_next(request)
    if target:
        return redirect(target)
    role = active_role_for(request)
    if role is None:
        return redirect("accounts:home")
    return redirect("accounts:role-home", role_slug=ROLE_SLUGS[role])


@signed_in
@never_cache
def two_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the person's authenticator app."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @signed_in
    if user.is_verified():  # type: ignore[attr-defined]
        return _next_or_home(request)
    if not mfa.has_device(user):
        return redirect("accounts:two-factor-setup")
    form = CodeForm(request.POST if request.method == "POST" else None)
    form.fields[
        "code"
    ].help_text = (
        "The 6-digit code your app shows now, or one of your recovery codes if you cannot use the app"
    )
    if request.method == "POST" and form.is_valid():
        try:
            left = mfa.verify(
                request=request, actor=Actor.from_request(request), code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            if left is not None:
                messages.warning(
                    request,
                    f"You signed in with a recovery code: {left} left. If you have lost your phone, ask your "
                    "hub administrator to reset your two-factor sign-in; you can make new codes under "
                    "Two-factor sign-in.",
                )
            return _next_or_home(request)
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "next": _safe_next(request)},
    )


@signed_in
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator app: scan the QR code or type the key, then a code."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @signed_in
    replacing = mfa.has_device(user)
    if replacing and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:two-factor")  # to replace an authenticator, first use the current one
    device = mfa.enrolment_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.set_up(
                request=request, actor=Actor.from_request(request), code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            request.session.pop(NO_DEVICE_KEY, None)
            request.session[RECOVERY_CODES_KEY] = codes
            messages.success(
                request, "Two-factor sign-in is set up. You will be asked for a code each time you sign in."
            )
            target = _safe_next(request)
            suffix = f"?{urlencode({'next': target})}" if target else ""
            return redirect(f"{reverse('accounts:two-factor-recovery')}{suffix}")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "next": _safe_next(request),
            "qr": mark_safe(mfa.qr_svg(device)),  # noqa: S308 - SVG made by segno from our own URL
            "secret": mfa.secret_text(device),
            "replacing": replacing,
            "required": mfa.required(),
        },
    )


RECOVERY_CODES_KEY = "openmash_new_recovery_codes"


@signed_in
@never_cache
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """Recovery codes: shown once when made (at set-up, or when the person makes a new set)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @signed_in
    if not mfa.has_device(user):
        return redirect("accounts:two-factor-setup")
    codes: list[str] = request.session.pop(RECOVERY_CODES_KEY, None) or []
    if request.method == "POST":
        codes = mfa.recovery_codes_new(actor=Actor.from_request(request))
    return render(
        request,
        "accounts/two_factor_recovery.html",
        {
            "codes": codes,
            "left": mfa.recovery_codes_left(user),
            "next": _safe_next(request),
        },
    )


@require(Perm.USERS_MANAGE)
@require_POST
def user_mfa_reset(request: HttpRequest, user_id: str) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    mfa.reset(actor=Actor.from_request(request), user=person)
    messages.success(
        request,
        f"Two-factor sign-in reset for {person}. They set up their authenticator again at next sign-in.",
    )
    return redirect("accounts:users")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.sign_out_recorded(actor=Actor.from_request(request))
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:sign-in")


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    role: Role = request.active_role  # type: ignore[attr-defined]
    return redirect("accounts:role-home", role_slug=ROLE_SLUGS[role])


@signed_in
def role_home(request: HttpRequest, role_slug: str) -> HttpResponse:
    role = SLUG_ROLES.get(role_slug)
    if role is None:
        raise Http404("No such role")
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by @signed_in
    if not user.has_role(role):
        raise PermissionDenied("role not held")
    if request.session.get(ACTIVE_ROLE_KEY) != role.value:
        request.session[ACTIVE_ROLE_KEY] = role.value
        request.active_role = role  # type: ignore[attr-defined]
    from openmash.accounts.homes import home_context

    context = home_context(role=role, request=request)
    return render(request, f"accounts/home/{role.value}.html", {"role": role, **context})


@signed_in
@require_POST
def switch_role(request: HttpRequest) -> HttpResponse:
    form = RoleSwitchForm(request.POST)
    user = request.user
    assert isinstance(user, User)  # noqa: S101
    if not form.is_valid() or not user.has_role(Role(form.cleaned_data["role"])):
        raise PermissionDenied("role not held")
    role = Role(form.cleaned_data["role"])
    request.session[ACTIVE_ROLE_KEY] = role.value
    request.active_role = role  # type: ignore[attr-defined]
    services.role_switch(actor=Actor.from_request(request), role=role)
    return redirect("accounts:role-home", role_slug=ROLE_SLUGS[role])


@require(Perm.USERS_MANAGE)
def users(request: HttpRequest) -> HttpResponse:
    people = users_for(actor=Actor.from_request(request))
    with_authenticator = set(
        TOTPDevice.objects.filter(confirmed=True, user__in=people).values_list("user_id", flat=True)
    )
    waiting = pending_role_grants_for(actor=Actor.from_request(request)).count()
    return render(
        request,
        "accounts/users.html",
        {"people": people, "with_authenticator": with_authenticator, "waiting_grants": waiting},
    )


@require(Perm.USERS_MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.user_create(
                actor=Actor.from_request(request),
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                agency=data["agency"],
                roles=[Role(r) for r in data["roles"]],
                password=data["password"] or None,
                job_title=data["job_title"],
                reason=data["reason"],
            )
        except services.GrantReasonNeededError as error:
            form.add_error("reason", str(error))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{person} can now sign in as {person.username}.")
            _say_grants_wait(request, person, list(person.pending_role_grants.all()))
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form})


GRANTS_WAIT = (
    "{roles} for {person} waits for a second hub administrator's approval: {person} does not hold it "
    "until then."
)
ONLY_ONE_ADMINISTRATOR = (
    "This hub has only one hub administrator, so no one can approve it yet: a second hub administrator "
    "is needed to approve it."
)
NO_OTHER_ADMINISTRATOR = (
    "No hub administrator can approve it yet: it needs one who neither asked for it nor would hold it."
)


def _say_grants_wait(request: HttpRequest, person: User, waiting: list[PendingRoleGrant]) -> None:
    if not waiting:
        return
    roles = " and ".join(g.get_role_display() for g in waiting)
    text = GRANTS_WAIT.format(roles=roles, person=person)
    admins = hub_administrators()
    if len(admins) < 2:
        text = f"{text} {ONLY_ONE_ADMINISTRATOR}"
    elif not any(grant_approvers(grant=g, administrators=admins) for g in waiting):
        text = f"{text} {NO_OTHER_ADMINISTRATOR}"
    messages.warning(request, text)


@require(Perm.USERS_MANAGE)
def user_roles(request: HttpRequest, user_id: str) -> HttpResponse:
    person = get_object_or_404(User.objects.select_related("agency"), pk=user_id)
    initial = {"roles": list(person.role_grants.values_list("role", flat=True))}
    form = UserRolesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            waiting = services.user_set_roles(
                actor=Actor.from_request(request),
                user=person,
                roles=[Role(r) for r in form.cleaned_data["roles"]],
                reason=form.cleaned_data["reason"],
            )
        except services.GrantReasonNeededError as error:
            form.add_error("reason", str(error))
        except DomainError as error:
            form.add_error("roles", str(error))
        else:
            messages.success(request, f"Roles saved for {person}.")
            _say_grants_wait(request, person, waiting)
            return redirect("accounts:users")
    waiting_grants = person.pending_role_grants.filter(outcome=GrantOutcome.PENDING).select_related(
        "requested_by"
    )
    return render(
        request,
        "accounts/user_roles.html",
        {"form": form, "person": person, "waiting_grants": waiting_grants},
    )


@require(Perm.USERS_MANAGE)
def role_grants(request: HttpRequest) -> HttpResponse:
    """Role grants waiting for a second hub administrator, and the latest decisions."""
    actor = Actor.from_request(request)
    admins = hub_administrators()
    waiting = [
        (grant, grant_approvers(grant=grant, administrators=admins))
        for grant in pending_role_grants_for(actor=actor)
    ]
    return render(
        request,
        "accounts/role_grants.html",
        {
            "waiting": waiting,
            "decided": decided_role_grants_for(actor=actor),
            "administrators": admins,
            "only_one_administrator": len(admins) < 2,
        },
    )


@require(Perm.USERS_MANAGE)
def role_grant_decide(request: HttpRequest, grant_id: str) -> HttpResponse:
    """Approve or refuse one waiting role grant."""
    grant = get_object_or_404(
        PendingRoleGrant.objects.select_related("user__agency", "requested_by", "decided_by"), pk=grant_id
    )
    form = RoleGrantDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)
        data = form.cleaned_data
        try:
            if data["decision"] == GrantDecision.APPROVE:
                services.role_grant_approve(actor=actor, grant=grant, reason=data["reason"])
            else:
                services.role_grant_refuse(actor=actor, grant=grant, reason=data["reason"])
        except DomainError as error:
            form.add_error("decision", str(error))
        else:
            verb = "approved" if data["decision"] == GrantDecision.APPROVE else "refused"
            messages.success(request, f"{grant.get_role_display()} for {grant.user} {verb}.")
            return redirect("accounts:role-grants")
    admins = hub_administrators()
    viewer = request.user
    return render(
        request,
        "accounts/role_grant_decide.html",
        {
            "form": form,
            "grant": grant,
            "approvers": grant_approvers(grant=grant, administrators=admins),
            "only_one_administrator": len(admins) < 2,
            "asked_by_viewer": grant.requested_by_id == viewer.pk,
            "for_viewer": grant.user_id == viewer.pk,
        },
    )
