"""The session store reads a session by key only while it has not expired (its read is prepared); a page
is given the signed-in person themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, SimpleLazyObject

from openmash.accounts.middleware import person_itself
from openmash.accounts.models import User
from openmash.accounts.roles import Role
from openmash.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_hub_uses_this_store() -> None:
    assert settings.SESSION_ENGINE == "openmash.accounts.sessions"


def test_a_saved_session_is_read_back_by_its_key_and_an_unknown_key_reads_nothing() -> None:
    first = SessionStore()
    first["role"] = "decision_maker"
    first.save()
    assert SessionStore(first.session_key)["role"] == "decision_maker"
    unknown = SessionStore("x" * 32)
    assert unknown.get("role") is None
    assert unknown.session_key is None  # forgotten, so a new one is made on saving


def test_an_expired_session_is_not_read() -> None:
    store = SessionStore()
    store["role"] = "decision_maker"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    again = SessionStore(store.session_key)
    assert again.get("role") is None
    assert again.session_key is None


def test_a_page_is_given_the_person_themselves_not_a_lazy_stand_in(make_user: Any) -> None:
    """From the active-role middleware on, a page's ``request.user`` is the signed-in person (the
    authentication and two-factor middleware's lazy wrappers unwrapped once), still answering
    the two-factor check; a visitor who is not signed in is the anonymous user."""
    person = make_user(Role.SCREENING_MANAGER)
    reads: list[int] = []

    def load() -> Any:
        reads.append(1)
        return person

    nested = SimpleLazyObject(lambda: SimpleLazyObject(load))
    assert person_itself(nested) is person and reads == [1]

    client = Client()
    client.force_login(person)
    response = client.get(reverse("cases:queue"))
    assert response.status_code == 200
    seen = response.wsgi_request.user
    assert isinstance(seen, User) and not isinstance(seen, LazyObject) and seen.pk == person.pk
    assert seen.is_verified() is False  # django-otp's check still answers: no authenticator used
    anonymous = Client().get(reverse("accounts:sign-in")).wsgi_request.user
    assert isinstance(anonymous, AnonymousUser)
