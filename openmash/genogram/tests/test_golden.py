"""The golden genogram: a fixed three-generation blended family must render byte-for-byte the same.

When a deliberate change alters the drawing, look at the new picture first
(``.venv/bin/python -m openmash.genogram.tests.browser /tmp/genogram.png``), then regenerate the
golden file with::

    GENOGRAM_UPDATE_GOLDEN=1 .venv/bin/pytest openmash/genogram/tests/test_golden.py

and commit the new ``golden/blended_family.svg`` (and refresh docs/screenshots/genogram-blended-family.png
with ``.venv/bin/python -m openmash.genogram.tests.browser``).
"""

from __future__ import annotations

import os
from pathlib import Path

from openmash.genogram import render_svg
from openmash.genogram.tests.families import AS_OF, blended_family

GOLDEN = Path(__file__).parent / "golden" / "blended_family.svg"


def test_blended_family_matches_the_golden_svg_byte_for_byte() -> None:
    svg = render_svg(blended_family(), as_of=AS_OF)
    if os.environ.get("GENOGRAM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(svg, encoding="utf-8", newline="\n")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert svg == expected, (
        "The genogram no longer matches tests/golden/blended_family.svg. If the change is intended, look "
        "at the picture and regenerate: GENOGRAM_UPDATE_GOLDEN=1 .venv/bin/pytest "
        "openmash/genogram/tests/test_golden.py"
    )


def test_golden_file_is_plain_utf8_with_unix_line_endings() -> None:
    raw = GOLDEN.read_bytes()
    assert b"\r\n" not in raw
    assert raw.endswith(b"</svg>\n")
    raw.decode("utf-8")
