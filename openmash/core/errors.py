"""Errors the domain raises; views turn them into GOV.UK error summaries or problem details."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the change; the message is for the person who asked."""


class ConcurrentEditError(DomainError):
    """Someone else saved the record after this person opened it."""


CONCURRENT_EDIT = (
    "Someone else changed this record while you were editing it. "
    "Your changes have not been saved: reload the page to see theirs, then make your changes again."
)

NO_VERSION = (
    "This form was sent without the version of the record it changes, so it cannot be saved safely. "
    "Reload the page and make your changes again."
)
