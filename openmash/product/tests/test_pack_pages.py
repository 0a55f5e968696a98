"""The PDF pack as a reader sees it: each page rendered to a PNG with poppler's pdftoppm and looked at.

Every page holds content beyond its markings (no page with only a heading or a single table row), the
genogram's key stays on its page above the footer, and the names and ages under the genogram's symbols
are drawn in a dark colour (a white stroke once covered them). Set OPENMASH_KEEP_PACK_PAGES=<folder> to
keep the PNGs for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess  # noqa: S404 - poppler's command-line tools, fixed arguments
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from openmash.accounts.roles import Role
from openmash.cases.models import Case
from openmash.cases.tests.helpers import make_referral, screen
from openmash.core.actor import Actor
from openmash.enquiries.services import HistoryData, request_save_return
from openmash.hub.models import AgencyKind
from openmash.people.models import PartnershipStatus, RelationshipKind
from openmash.people.services import household_save, person_add, relationship_add

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (pdftoppm, pdftotext)"),
]

DPI = 100
MM = DPI / 25.4  # pixels per millimetre
MARGIN_MM = 22  # the pack's top and bottom page margins, where the markings are
DARK = 110  # a pixel this dark (0-255 luminance) is ink


def big_case(make_user: Any) -> tuple[Case, Any]:
    """A case with a three-generation family of twelve and a police return of forty events."""
    screener = make_user(Role.SCREENING_MANAGER)
    police = make_user(Role.AGENCY_RESEARCHER, AgencyKind.POLICE)
    case = make_referral(make_user(Role.REFERRER, AgencyKind.EDUCATION)).case
    screen(case, screener)
    request = case.requests.get(agency__kind=AgencyKind.POLICE)
    start = date(2024, 1, 8)
    request_save_return(
        actor=Actor(user=police),
        request=request,
        expected_version=request.version,
        summary="Repeated call-outs to the home over two years.",
        risk_factors="Domestic abuse between the adults.",
        protective_factors="Grandmother nearby and involved.",
        history=[
            HistoryData(
                start + timedelta(days=17 * n),
                "domestic_abuse" if n % 3 else "incident",
                f"Officers attended the home (visit {n + 1}); the children were present and spoken to.",
                "high" if n % 4 == 0 else "medium",
                f"INC-2025-{n:05d}",
            )
            for n in range(40)
        ],
        submit=True,
    )
    actor = Actor(user=screener)
    people = {p.given_name: p for p in case.referral.people.all()}
    for given, family, sex, born in [
        ("Dean", "Whitmore", "M", date(1988, 7, 15)),
        ("Ronald", "Whitmore", "M", date(1958, 4, 12)),
        ("Patricia", "Whitmore", "F", date(1960, 9, 3)),
        ("Brian", "Hollis", "M", date(1950, 1, 20)),
        ("Sandra", "Hollis", "F", date(1957, 6, 30)),
        ("Chloe", "Whitmore", "F", date(2014, 10, 3)),
        ("Lee", "Parker", "M", date(1995, 8, 9)),
        ("Mia", "Parker", "F", date(2024, 11, 25)),
        ("Leanne", "Whitmore", "F", date(1986, 2, 11)),
        ("Maureen", "O'Neill", "F", date(1971, 2, 14)),
    ]:
        people[given] = person_add(
            actor=actor, case=case, given_name=given, family_name=family, sex=sex, date_of_birth=born
        )
    parent = RelationshipKind.PARENT
    for a, kind, b, status in [
        ("Ronald", RelationshipKind.SPOUSE, "Patricia", PartnershipStatus.CURRENT),
        ("Brian", RelationshipKind.SPOUSE, "Sandra", PartnershipStatus.CURRENT),
        ("Ronald", parent, "Dean", ""),
        ("Patricia", parent, "Dean", ""),
        ("Ronald", parent, "Leanne", ""),
        ("Patricia", parent, "Leanne", ""),
        ("Brian", parent, "Kerry", ""),
        ("Sandra", parent, "Kerry", ""),
        ("Dean", RelationshipKind.SPOUSE, "Kerry", PartnershipStatus.DIVORCED),
        ("Dean", parent, "Jayden", ""),
        ("Dean", parent, "Chloe", ""),
        ("Kerry", parent, "Chloe", ""),
        ("Kerry", RelationshipKind.PARTNER, "Lee", PartnershipStatus.CURRENT),
        ("Kerry", parent, "Mia", ""),
        ("Lee", parent, "Mia", ""),
        ("Maureen", RelationshipKind.CARER, "Jayden", ""),
    ]:
        relationship_add(
            actor=actor, case=case, from_person=people[a], to_person=people[b], kind=kind, status=status
        )
    household_save(
        actor=actor,
        case=case,
        label="Household at 1 Elm Road, NT1 1AA",
        members=[people[n] for n in ("Kerry", "Lee", "Chloe", "Jayden", "Mia")],
    )
    case.refresh_from_db()
    return case, screener


def ink_rows(image: Image.Image) -> list[int]:
    """The pixel rows of the page body (between the top and bottom margins) holding any ink."""
    grey = image.convert("L")
    width, height = grey.size
    top, bottom = int(MARGIN_MM * MM), height - int(MARGIN_MM * MM)
    pixels = grey.load()
    return [y for y in range(top, bottom) if any(pixels[x, y] < DARK for x in range(0, width, 2))]


def words_on(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """Each word on a page with its box in points, from pdftotext's bounding-box output."""
    out = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
    )
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in found]


def test_every_pack_page_has_content_and_the_genogram_labels_are_dark(make_user: Any, tmp_path: Path) -> None:
    case, screener = big_case(make_user)
    client = Client()
    client.force_login(screener)
    response = client.get(reverse("product:pack", args=[case.pk]))
    assert response.status_code == 200
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "page")],  # noqa: S607
        check=True,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    keep = os.environ.get("OPENMASH_KEEP_PACK_PAGES")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in pngs:
            shutil.copy(png, Path(keep) / png.name)
    assert len(pngs) >= 6  # title, summary, contributions, a chronology of forty events, genogram

    for number, png in enumerate(pngs, start=1):
        with Image.open(png) as image:
            rows = ink_rows(image)
        # More than a heading or one table row: ink on at least 20 mm of the page body.
        assert len(rows) > 20 * MM, f"page {number} holds almost nothing ({len(rows)} rows of ink)"

    # The genogram page: find the child's name and age by their boxes, and look at those pixels.
    genogram_page = next(n for n in range(1, len(pngs) + 1) if any(w[0] == "Key" for w in words_on(pdf, n)))
    words = words_on(pdf, genogram_page)
    labels = [w for w in words if w[0] in {"Jayden", "Chloe", "Mia", "Age"}]
    assert len(labels) >= 4, words
    scale = DPI / 72
    with Image.open(pngs[genogram_page - 1]) as image:
        grey = image.convert("L")
        for word, x0, y0, x1, y1 in labels:
            box = grey.crop((int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1, int(y1 * scale) + 1))
            darkest = box.getextrema()[0]  # a grey image: (darkest, lightest)
            assert darkest < DARK, f"the label {word!r} is not drawn in a visible colour ({darkest})"
        # The key ends on its page above the footer: its last entry is above the bottom margin.
        last = next(w for w in words if w[0] == "(dashed)")
        assert last[4] * scale < image.height - MARGIN_MM * MM
