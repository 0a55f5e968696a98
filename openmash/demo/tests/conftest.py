from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def own_audit_anchor(settings: Any, tmp_path: Path) -> None:
    """A bulk load anchors the audit chain outside the database: each test keeps its own checkpoints,
    so one test's never meet another test's database."""
    settings.OPENMASH_AUDIT_ANCHOR_DIR = tmp_path / "audit-anchor"
