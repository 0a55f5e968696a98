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

# Said when a form arrives without a usable version (an old page, a hand-made request); the same words
# the case forms use.
NO_VERSION = "This page is out of date. Reload it and make your changes again"
