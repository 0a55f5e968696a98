"""Django's database sessions, with the session read on every signed-in page compiled once (ADR 0040).

``SESSION_ENGINE = "openmash.accounts.sessions"``. Everything else (creating, saving, deleting,
flushing, clearing expired sessions) is Django's own."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from openmash.core.prepared import Param, Prepared

_SESSION = Prepared(
    lambda: Session.objects.filter(
        session_key=Param("key", Session._meta.get_field("session_key")),
        expire_date__gt=Param("now", Session._meta.get_field("expire_date")),
    )[:1]
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        """The session row, if its key is known and it has not expired (Django's own read, prepared)."""
        key = self.session_key
        found = _SESSION.first(key=key, now=timezone.now()) if key is not None else None
        if found is None:
            self._session_key = None
        return found
