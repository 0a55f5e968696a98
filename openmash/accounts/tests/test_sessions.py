"""The session store reads a session by key only while it has not expired (its read is prepared)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

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
