"""Every view x every role x several agencies -> allowed, or refused (403, or sign-in for nobody).

The expectations are written out here by hand, not derived from the policy under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.models import PendingRoleGrant
from openmash.accounts.roles import Role
from openmash.hub.models import AgencyKind, ClosureDay, RagResponseTime, ThresholdIndicator

R = Role
ADMIN = {R.HUB_ADMINISTRATOR}
CONFIG_READERS = {
    R.HUB_ADMINISTRATOR,
    R.SCREENING_MANAGER,
    R.DECISION_MAKER,
    R.IG_OFFICER,
    R.PERFORMANCE_MANAGER,
}
IG = {R.IG_OFFICER}
EVERY_ROLE = set(Role)
# Screening and decisions are held only in children's social care; elsewhere those grants give nothing.
CSC_ONLY = {R.SCREENING_MANAGER, R.DECISION_MAKER}
AGENCY_KINDS = [AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH]


@dataclass(frozen=True)
class V:
    name: str
    url: str
    allowed: set[Role]
    method: str = "get"
    data: dict[str, str] | None = None


def views(ids: dict[str, str]) -> list[V]:
    return [
        V("home", reverse("accounts:home"), EVERY_ROLE),
        V("users", reverse("accounts:users"), ADMIN),
        V("user-create", reverse("accounts:user-create"), ADMIN),
        V("user-roles", reverse("accounts:user-roles", args=[ids["user"]]), ADMIN),
        V("user-mfa-reset", reverse("accounts:user-mfa-reset", args=[ids["user"]]), ADMIN, method="post"),
        V("role-grants", reverse("accounts:role-grants"), ADMIN),
        V("role-grant-decide", reverse("accounts:role-grant-decide", args=[ids["grant"]]), ADMIN),
        V("two-factor-setup", reverse("accounts:two-factor-setup"), EVERY_ROLE),
        V("two-factor", reverse("accounts:two-factor"), EVERY_ROLE),
        V("two-factor-recovery", reverse("accounts:two-factor-recovery"), EVERY_ROLE),
        V("hub-overview", reverse("hub:overview"), CONFIG_READERS),
        V("hub-settings", reverse("hub:settings"), ADMIN),
        V("agencies", reverse("hub:agencies"), CONFIG_READERS),
        V("agency-create", reverse("hub:agency-create"), ADMIN),
        V("agency-edit", reverse("hub:agency-edit", args=[ids["agency"]]), ADMIN),
        V("response-times", reverse("hub:response-times"), CONFIG_READERS),
        V("response-time-edit", reverse("hub:response-time-edit", args=["red"]), ADMIN),
        V("thresholds", reverse("hub:thresholds"), CONFIG_READERS),
        V("threshold-level", reverse("hub:threshold-level", args=[2]), ADMIN),
        V(
            "threshold-indicator-remove",
            reverse("hub:threshold-indicator-remove", args=[ids["indicator"]]),
            ADMIN,
            method="post",
        ),
        V("calendar", reverse("hub:calendar"), CONFIG_READERS),
        V(
            "closure-add",
            reverse("hub:closure-add"),
            ADMIN,
            method="post",
            data={"date": "27/12/2030", "reason": "Staff training"},
        ),
        V("closure-remove", reverse("hub:closure-remove", args=[ids["closure"]]), ADMIN, method="post"),
        V("audit-events", reverse("audit:events"), IG),
        V("audit-verify", reverse("audit:verify"), IG, method="post"),
    ]


def role_home_views() -> list[V]:
    return [
        V(f"home-{r.value}", reverse("accounts:role-home", args=[r.value.replace("_", "-")]), {r})
        for r in Role
    ]


@pytest.fixture
def ids(hub: object, make_user: Any) -> dict[str, str]:
    from datetime import date

    other = make_user(R.REFERRER, AgencyKind.EDUCATION)
    asker = make_user(R.HUB_ADMINISTRATOR, AgencyKind.EDUCATION)
    grant = PendingRoleGrant.objects.create(user=other, role=R.MEETING_CHAIR, requested_by=asker)
    closure = ClosureDay.objects.create(date=date(2030, 12, 24), reason="Christmas Eve")
    indicator = ThresholdIndicator.objects.filter(level__number=2).first()
    assert indicator is not None
    agency = other.agency
    return {
        "user": str(other.pk),
        "agency": str(agency.pk),
        "indicator": str(indicator.pk),
        "closure": str(closure.pk),
        "grant": str(grant.pk),
    }


def expected_allowed(view: V, role: Role, kind: AgencyKind) -> bool:
    if role in CSC_ONLY and kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
        return False
    return role in view.allowed


def request(client: Client, view: V) -> int:
    if view.method == "post":
        return client.post(view.url, view.data or {}).status_code
    return client.get(view.url).status_code


@pytest.mark.parametrize("kind", AGENCY_KINDS, ids=lambda k: k.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_and_agency_matrix(role: Role, kind: AgencyKind, ids: dict[str, str], make_user: Any) -> None:
    user = make_user(role, kind)
    client = Client()
    client.force_login(user)
    failures = []
    for view in [*views(ids), *role_home_views()]:
        status = request(client, view)
        allowed = expected_allowed(view, role, kind)
        ok = status in (200, 302) if allowed else status == 403
        if not ok:
            failures.append(f"{view.name}: got {status}, expected {'allowed' if allowed else 403}")
    assert not failures, f"{role.value} in {kind.value}:\n" + "\n".join(failures)


def test_nobody_signed_in_is_sent_to_sign_in(ids: dict[str, str]) -> None:
    client = Client()
    for view in [*views(ids), *role_home_views()]:
        response = client.post(view.url, view.data or {}) if view.method == "post" else client.get(view.url)
        assert response.status_code == 302, view.name
        assert response["Location"].startswith(reverse("accounts:sign-in")), view.name


def test_refused_post_changes_nothing(ids: dict[str, str], make_user: Any) -> None:
    police = make_user(R.AGENCY_RESEARCHER, AgencyKind.POLICE)
    client = Client()
    client.force_login(police)
    red = RagResponseTime.objects.get(rating="red")
    response = client.post(
        reverse("hub:response-time-edit", args=["red"]),
        {"version": red.version, "amount": 40, "unit": "working_hours", "runs_out_of_hours": "no"},
    )
    assert response.status_code == 403
    red.refresh_from_db()
    assert red.amount == 4
    assert ClosureDay.objects.filter(pk=ids["closure"]).exists()
