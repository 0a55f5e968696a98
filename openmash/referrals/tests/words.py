"""Where a page, PDF or e-mail calls someone a child: its visible text, less the names of things.

A page may still say "child" inside a name the hub or the law gives something: an agency ("Children's
Social Care"), a threshold level ("Level 3: Child in need") or indicator from the hub's threshold
document, an outcome ("Child in need assessment (s.17)"), a kind of concern ("Child sexual
exploitation"), the statute a basis cites, the genogram's key. Those are taken out first; any "child"
or "children" left is the page talking about a person.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

from pypdf import PdfReader

from openmash.cases.models import Route
from openmash.consent.models import SPECIAL_CATEGORY_BASIS
from openmash.core.codes import ReferralSource
from openmash.decisions.models import Outcome
from openmash.hub.models import Agency, AssessmentDomain, Team, ThresholdIndicator, ThresholdLevel
from openmash.referrals.models import ConcernCategory

CHILD = re.compile(r"[^.:;!?\n]{0,50}\bchild(?:ren)?\b[^.:;!?\n]{0,50}", re.IGNORECASE)

# The genogram's key: standard notation about any family, not about the person referred.
GENOGRAM_KEY = ["Children, oldest on the left", "Step-parent to step-child"]


def visible(response: Any) -> str:
    """The text a person reads: an HTML page without its tags and scripts, a PDF's text, an e-mail's."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/pdf"):
        return text_of_pdf(body)
    page = body.decode()
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def text_of_pdf(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def names() -> list[str]:
    """The names of things that may hold the word: longest first, so a longer name goes before its part."""
    found = [
        *Agency.objects.values_list("name", flat=True),
        *(str(level) for level in ThresholdLevel.objects.all()),
        *ThresholdLevel.objects.values_list("name", flat=True),
        *ThresholdLevel.objects.values_list("description", flat=True),
        *ThresholdLevel.objects.values_list("typical_response", flat=True),
        *ThresholdIndicator.objects.values_list("text", flat=True),
        *AssessmentDomain.labels,
        *Team.objects.values_list("name", flat=True),
        *Outcome.labels,
        *Route.labels,
        *ConcernCategory.labels,
        *ReferralSource.labels,
        SPECIAL_CATEGORY_BASIS,
        *GENOGRAM_KEY,
    ]
    return sorted({str(n) for n in found if n}, key=len, reverse=True)


def child_words(text: str, *, also_allowed: tuple[str, ...] = ()) -> list[str]:
    """Each place the text says "child" or "children" outside a name, with the words around it."""
    flat = re.sub(r"\s+", " ", text)
    for name in [*names(), *also_allowed]:
        flat = re.sub(re.escape(re.sub(r"\s+", " ", name)), " ", flat, flags=re.IGNORECASE)
    return [match.group(0).strip() for match in CHILD.finditer(flat)]
