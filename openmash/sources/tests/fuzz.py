"""Uploads an attacker or a broken export could send, and the property every one of them must keep:
pushed through the real load page (upload, queue, worker, load), it never gives a server error or an
unexpected failure, and a load that fails leaves nothing behind: no snapshot, no records, the
source's settings and current load unchanged, the uploaded file removed.

Used by the short property test (``test_fuzz.py``) and by ``bench/fuzz_uploads.py``, which runs
many more cases and prints the figures.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from openmash.sources.loading import uploads_root
from openmash.sources.models import DataSource, LoadStatus, SourceLoad

#: Text a spreadsheet would run as a formula, and other awkward cell values.
NASTY_CELLS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://example.invalid")',
    "\t=1",
    "\x00",
    "\u202eevil",
    "\ufeff",
    '"unbalanced',
    "a,b",
    "line\nbreak",
    "{{ settings.SECRET_KEY }}",
    "<script>alert(1)</script>",
]
HEADER = ["PERSON_REF", "FORENAME", "SURNAME", "DOB", "GENDER", "POSTCODE", "ADDRESS", "WARNING_MARKERS"]
#: The sources read UTF-8: the others are the wrong encodings an export may be saved in.
ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "shift_jis"]
#: The ids the police events name (a load whose identities lack them fails, as it should).
KNOWN_IDS = ["POL-100", "POL-101"]


@dataclass
class Tally:
    tried: int = 0
    refused_by_form: int = 0
    loaded: int = 0
    failed_cleanly: int = 0
    server_errors: int = 0
    crashes: int = 0
    partial_writes: int = 0
    examples: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def note(self, problem: str) -> None:
        if len(self.examples) < 10:
            self.examples.append(problem)


cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NASTY_CELLS),
    # Now and then a huge cell, past the cap on a cell's size (32,767 characters, as in Excel).
    st.integers(min_value=0, max_value=19).map(lambda n: "x" * (33_000 if n == 0 else n)),
    st.just(""),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=10), min_size=0, max_size=30)


@st.composite
def csv_uploads(draw: Any) -> tuple[str, bytes]:
    """A CSV upload: random bytes, or a table of awkward cells in some encoding, maybe cut short."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return "random.csv", draw(st.binary(min_size=1, max_size=4000))
    if choice == 1:  # over the upload limit the tests and the benchmark set (1 MB)
        return "huge.csv", b"PERSON_REF\n" + b"x" * draw(st.integers(1_100_000, 3_000_000))
    header = draw(st.one_of(st.just(HEADER), st.lists(cell, max_size=10)))
    lines = [header, *draw(rows)]
    ids = draw(st.booleans())
    if ids:  # mostly well-formed rows with unique ids, so some uploads load
        lines = [HEADER] + [[_id(n), *(r + [""] * 7)[:7]] for n, r in enumerate(lines[1:])]
    text = "\n".join(",".join(_quoted(v) for v in line) for line in lines) + "\n"
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 3)) == 0:
        data = data[: max(1, len(data) * draw(st.integers(1, 999)) // 1000)]  # truncated
    return "extract.csv", data


def _id(n: int) -> str:
    return KNOWN_IDS[n] if n < len(KNOWN_IDS) else f"FZ-{n}"


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value


@st.composite
def xlsx_uploads(draw: Any, bomb_mb: tuple[int, int] = (50, 300)) -> tuple[str, bytes]:
    """An Excel upload: a real workbook of awkward cells (formulas, huge text, numbers, dates), maybe
    truncated, maybe with an entry that expands enormously, or not a workbook at all."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return "random.xlsx", draw(st.binary(min_size=1, max_size=4000))
    book = Workbook()
    sheet = book.active
    # Excel cannot hold control characters at all: those go in the CSV cases.
    text = cell.map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v))
    sheet.append(HEADER if draw(st.booleans()) else draw(st.lists(text, max_size=8)))
    values = st.one_of(
        text,
        st.integers(-(10**12), 10**12),
        st.floats(allow_nan=True, allow_infinity=False),
        st.dates(),
        st.sampled_from(["=1/0", "=A1", "=SUM(A1:A9)", "=NOW()"]),
        st.none(),
    )
    for n, row in enumerate(draw(st.lists(st.lists(values, max_size=8), max_size=25))):
        sheet.append([_id(n), *row] if draw(st.booleans()) else row)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if choice == 1:
        # Truncated (at a fraction: a saved workbook's length varies with the time it was saved).
        data = data[: max(1, len(data) * draw(st.integers(1, 999)) // 1000)]
    elif choice == 2:  # a zip bomb: a small entry that expands to hundreds of megabytes
        buffer = io.BytesIO(data)
        with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/media/padding.bin", b"\0" * (draw(st.integers(*bomb_mb)) * 1024 * 1024))
        data = buffer.getvalue()
    return "extract.xlsx", data


def state(source: DataSource) -> tuple[Any, ...]:
    source.refresh_from_db()
    return (source.settings, source.version, source.current_load_id, source.column_mapping)


def push(
    client: Client,
    source: DataSource,
    name: str,
    content: bytes,
    tally: Tally,
    committing: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> None:
    """Upload ``content`` as the source's identities, let the worker run the load (``committing``:
    what runs the work queued on commit, inside a test's transaction), and check the property."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    tally.tried += 1
    before = state(source)
    loads_before = set(SourceLoad.objects.filter(source=source).values_list("pk", flat=True))
    try:
        with committing():
            response = client.post(
                reverse("sources:load-new", args=[source.pk]),
                {"identities_file": SimpleUploadedFile(name, content)},
            )
    except Exception as exc:  # noqa: BLE001 - any exception out of the page is a server error
        tally.server_errors += 1
        tally.note(f"server error: {type(exc).__name__}: {exc}"[:300])
        return
    if response.status_code >= 500:
        tally.server_errors += 1
        tally.note(f"HTTP {response.status_code}")
        return
    new = list(SourceLoad.objects.filter(source=source).exclude(pk__in=loads_before))
    if response.status_code == 400:
        tally.refused_by_form += 1
        page = response.content.decode(errors="replace")
        reason = page.split('govuk-error-summary__list">', 1)[-1].split("</a>", 1)[0].rsplit(">", 1)[-1]
        tally.reasons[f"refused: {reason[:50]}"] = tally.reasons.get(f"refused: {reason[:50]}", 0) + 1
        if new or state(source) != before:
            tally.partial_writes += 1
            tally.note("the form refused the upload but something changed")
        return
    if len(new) != 1:
        tally.crashes += 1
        tally.note(f"HTTP {response.status_code} with {len(new)} new loads")
        return
    load = new[0]
    if load.status == LoadStatus.LOADED:
        tally.loaded += 1
        return
    if load.status != LoadStatus.FAILED or "unexpected error" in load.error:
        tally.crashes += 1
        tally.note(f"load ended {load.status}: {load.error[:200]}")
        return
    tally.failed_cleanly += 1
    reason = load.error.split(":")[-1].split("(")[0].strip()[:60]
    tally.reasons[reason] = tally.reasons.get(reason, 0) + 1
    left = [Path(p) for p in load.uploads.values() if Path(p).exists()]
    if state(source) != before or load.snapshot or load.records is not None or left:
        tally.partial_writes += 1
        tally.note(f"a failed load left something behind: {load.snapshot or left or 'settings changed'}")


def stray_uploads() -> list[Path]:
    """Uploaded files that no successful load read (each should have been removed)."""
    root = uploads_root()
    loaded = {
        Path(p)
        for uploads in SourceLoad.objects.filter(status=LoadStatus.LOADED).values_list("uploads", flat=True)
        for p in uploads.values()
    }
    return sorted(p for p in root.rglob("*") if p.is_file() and p not in loaded) if root.exists() else []


def xlsx_source(directory: Path) -> DataSource:
    """The police extract as an Excel source, loaded once."""
    from openmash.core.actor import Actor
    from openmash.hub.models import Agency, AgencyKind
    from openmash.sources.loading import load_run
    from openmash.sources.services import source_create
    from openmash.sources.tests.helpers import FAMILY, MAPPING, filler

    directory.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    book.active.append(HEADER)
    for row in FAMILY + filler():
        book.active.append(row)
    path = directory / "police_people.xlsx"
    book.save(path)
    source = source_create(
        actor=Actor.system("tests"),
        agency=Agency.objects.get(kind=AgencyKind.POLICE),
        name="Police spreadsheet",
        kind="xlsx",
        settings_values={"identities": str(path)},
        column_mapping=MAPPING,
    )
    load_run(SourceLoad.objects.create(source=source))
    source.refresh_from_db()
    return source
