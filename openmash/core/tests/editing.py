"""What a person sees when two of them edit one record at once: helpers for the concurrent-edit tests.

Each test opens the edit page twice (two tabs or two people) and reads the version from the page, as a
browser sends it back, rather than from the database.
"""

from __future__ import annotations

import html
import re
from typing import Any

from openmash.core.errors import CONCURRENT_EDIT, NO_VERSION

__all__ = ["CONCURRENT_EDIT", "NO_VERSION", "error_summary", "field_text", "opened_version", "their_version"]


def opened_version(response: Any, name: str = "version") -> str:
    """The version a page's hidden field carries: what the person's next save will claim."""
    page = response.content.decode()
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"the page has no hidden {name} field"
    value = re.search(r'value="(\d+)"', tag.group(0))
    assert value, f"the {name} field has no value"
    return value.group(1)


def error_summary(response: Any) -> list[str]:
    """The messages in the page's GOV.UK error summary, in order."""
    match = re.search(
        r'class="govuk-list govuk-error-summary__list">(.*?)</ul>', response.content.decode(), re.S
    )
    if not match:
        return []
    items = re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def their_version(response: Any) -> str:
    """The text of the panel that shows what the other person saved ("" when there is none)."""
    match = re.search(r'data-testid="their-version">(.*?)</dl>', response.content.decode(), re.S)
    if not match:
        return ""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def field_text(response: Any, name: str) -> str:
    """What a text input or textarea called `name` holds as the page is shown (the typed text kept)."""
    page = response.content.decode()
    area = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', page, re.S)
    if area:
        return html.unescape(area.group(1)).strip()
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, f"the page has no {name} field"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""
