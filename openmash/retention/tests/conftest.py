"""The fixtures of the destroyed-case tests: the people of a hub, and a case with something of every kind
on it (kept.py)."""

from openmash.decisions.tests.test_views import people  # noqa: F401
from openmash.retention.tests.kept import kept  # noqa: F401
