"""Comparing index folders in tests."""

from __future__ import annotations

import json
from pathlib import Path


def folder_contents(folder: Path) -> dict[str, bytes]:
    """Every file of an index folder, byte for byte, but for the time it was built."""
    contents = {p.name: p.read_bytes() for p in folder.iterdir()}
    meta = json.loads(contents.pop("index.json"))
    del meta["built_at"]
    contents["index.json"] = json.dumps(meta).encode()
    return contents
