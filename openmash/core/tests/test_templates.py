"""Template hygiene that would otherwise show up on a page as stray text."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_template_has_a_comment_spanning_lines() -> None:
    # Django's {# #} comments end at the line's end; a multi-line one is printed on the page.
    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in ROOT.rglob("templates/**/*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line
    ]
    assert broken == []
