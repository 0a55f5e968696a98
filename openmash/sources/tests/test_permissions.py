"""Every data-source page x every role -> allowed or 403; nobody signed in -> sign-in.
Written out by hand, not derived from the policy under test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from openmash.accounts.roles import Role
from openmash.sources.models import DataSource
from openmash.sources.tests.helpers import police_source

pytestmark = pytest.mark.django_db

SEE = {
    Role.SCREENING_MANAGER,
    Role.DECISION_MAKER,
    Role.IG_OFFICER,
    Role.PERFORMANCE_MANAGER,
    Role.HUB_ADMINISTRATOR,
}
MANAGE = {Role.HUB_ADMINISTRATOR}


def pages(source: DataSource) -> list[tuple[str, str, str, set[Role], int]]:
    load = source.current_load
    assert load is not None
    return [
        ("list", "get", reverse("sources:list"), SEE, 200),
        ("detail", "get", reverse("sources:detail", args=[source.pk]), SEE, 200),
        ("load", "get", reverse("sources:load", args=[source.pk, load.pk]), SEE, 200),
        ("progress", "get", reverse("sources:load-progress", args=[source.pk, load.pk]), SEE, 200),
        ("create", "get", reverse("sources:create"), MANAGE, 200),
        ("edit", "get", reverse("sources:edit", args=[source.pk]), MANAGE, 200),
        ("mapping", "get", reverse("sources:mapping", args=[source.pk]), MANAGE, 200),
        ("load-new", "post", reverse("sources:load-new", args=[source.pk]), MANAGE, 302),
    ]


def test_role_matrix(make_user: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any) -> None:
    """One source, every role in turn (the administrator last: its load POST adds a load)."""
    source = police_source(tmp_path)
    failures = []
    for role in sorted(Role, key=lambda r: r in MANAGE):
        client = Client()
        client.force_login(make_user(role))
        for name, method, url, allowed, ok in pages(source):
            with django_capture_on_commit_callbacks(execute=True):
                status = (client.post(url) if method == "post" else client.get(url)).status_code
            expected = ok if role in allowed else 403
            if status != expected:
                failures.append(f"{role.value} {name}: got {status}, expected {expected}")
        assert source.loads.count() == (2 if role in MANAGE else 1), role
    assert not failures, "\n".join(failures)


def test_nobody_signed_in_is_sent_to_sign_in(hub: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path)
    client = Client()
    for name, method, url, _, _ in pages(source):
        response = client.post(url) if method == "post" else client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign-in")), (
            name
        )
