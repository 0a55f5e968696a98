"""The multi-agency chronology: every event from every return and from the case's own history, merged.

Built on read from the records it summarises (history items returned by agencies, the referral, the
case's status changes and re-ratings), so it can never drift from them. Only information an agency has
actually returned appears: drafts and blocked requests contribute nothing. A destroyed case's chronology
ends with its destruction, so that what is left is never read as all there was.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openmash.cases.destroyed import NOTICE, when_destroyed
from openmash.cases.models import Case, CaseEvent, CaseStatus
from openmash.core.dates import format_date
from openmash.core.prepared import Param, Prepared, kept_rows
from openmash.enquiries.models import HistoryItem, HistoryType, RequestStatus, Significance
from openmash.referrals.models import PEOPLE_ORDER

LONDON = ZoneInfo("Europe/London")
HUB = "The hub"
SIGNIFICANCE_ORDER = {Significance.HIGH: 0, Significance.MEDIUM: 1, Significance.LOW: 2, "": 3}


@dataclass(frozen=True, slots=True)
class Entry:
    on: date
    at: datetime | None
    agency: str
    category: str
    category_label: str
    significance: str
    description: str
    source_reference: str
    people: tuple[str, ...]
    source_system: str = ""
    """The agency system an event was found in by the trawl (empty when typed by the researcher)."""
    source_record: str = ""

    @property
    def significant(self) -> bool:
        return self.significance == Significance.HIGH

    @property
    def significance_label(self) -> str:
        return Significance(self.significance).label if self.significance else ""


@dataclass(frozen=True, slots=True)
class Filters:
    agency: str = ""
    person: str = ""
    category: str = ""
    significance: str = ""

    def keep(self, entry: Entry) -> bool:
        return (
            (not self.agency or entry.agency == self.agency)
            and (not self.person or self.person in entry.people)
            and (not self.category or entry.category == self.category)
            and (not self.significance or entry.significance == self.significance)
        )


def chronology(
    case: Case, filters: Filters | None = None, *, agencies: Collection[object] | None = None
) -> list[Entry]:
    """Entries oldest first; on the same day, returned events before the hub's own, then by agency.
    ``agencies``: only these agencies' returned events (the access policy's answer for the reader)."""
    filters = filters or Filters()
    people = tuple(str(p) for p in case.referral.people.all())
    entries: list[Entry] = []
    items = _RETURNED_ITEMS.run(case=case.pk)
    if agencies is not None:  # the reader's agencies' items only, before anything is made of them
        items = [item for item in items if item.request.agency_id in agencies]
    named: dict[object, list[str]] = {}
    if items:
        for link in _ITEM_SUBJECTS.run(case=case.pk):
            named.setdefault(link.historyitem_id, []).append(str(link.referralperson))
    for item in items:
        candidate = item.trawl_candidate
        subjects = tuple(named.get(item.pk, ()))
        if not subjects and candidate is not None:
            subjects = (str(candidate.person),)
        entries.append(
            Entry(
                on=item.occurred_on,
                at=None,
                agency=item.request.agency.name,
                category=item.kind,
                category_label=HistoryType(item.kind).label,
                significance=item.significance,
                description=item.description,
                source_reference=item.source_reference,
                people=subjects or people,
                source_system=item.source_system,
                source_record=item.source_record_id,
            )
        )
    received = case.referral.received_at
    concerns = ", ".join(case.referral.concern_labels())
    entries.append(
        Entry(
            on=received.astimezone(LONDON).date(),
            at=received,
            agency=HUB,
            category="referral",
            category_label="Referral received",
            significance=Significance.HIGH,
            description=f"Referral from {case.referral.referrer_organisation}: {concerns}",
            source_reference=case.referral.reference,
            people=people,
        )
    )
    for event in _events(case):
        if event.kind != CaseEvent.Kind.PERSON_REMOVED:  # a correction of the case, not the family's events
            entries.append(_hub_entry(case, event, people))
    destroyed = when_destroyed(case)
    if destroyed is not None:  # the last entry of a destroyed case's chronology says so, with the date
        entries.append(
            Entry(
                on=destroyed.astimezone(LONDON).date(),
                at=destroyed,
                agency=HUB,
                category="destroyed",
                category_label="Personal information destroyed",
                significance=Significance.HIGH,
                description=NOTICE.format(date=format_date(destroyed)),
                source_reference=case.reference,
                people=people,
            )
        )
    entries.sort(key=lambda e: (e.on, e.agency == HUB, e.at or datetime.min.replace(tzinfo=LONDON), e.agency))
    return [e for e in entries if filters.keep(e)]


# A case's returned history, whom each item names, and the case's own events: read on every chronology,
# case product and meeting pack, each compiled once (ADR 0040).
_RETURNED_ITEMS = Prepared(
    lambda: HistoryItem.objects.filter(
        request__case_id=Param("case", Case._meta.pk), request__status=RequestStatus.RETURNED
    ).select_related("request__agency", "trawl_candidate__person")
)
_ITEM_SUBJECTS = Prepared(
    lambda: (
        HistoryItem.subjects.through.objects.filter(
            historyitem__request__case_id=Param("case", Case._meta.pk),
            historyitem__request__status=RequestStatus.RETURNED,
        )
        .select_related("referralperson")
        .order_by(
            *(f"-referralperson__{f[1:]}" if f[0] == "-" else f"referralperson__{f}" for f in PEOPLE_ORDER)
        )
    )
)
_EVENTS = Prepared(lambda: CaseEvent.objects.filter(case_id=Param("case", Case._meta.pk)))


def _events(case: Case) -> list[CaseEvent]:
    kept = kept_rows(case, "events")  # the caller read them already
    return kept if kept is not None else _EVENTS.run(case=case.pk)


def _hub_entry(case: Case, event: CaseEvent, people: tuple[str, ...]) -> Entry:
    if event.kind == CaseEvent.Kind.RERATED:
        label, text = (
            "RAG rating changed",
            f"Re-rated from {event.from_value} to {event.to_value}: {event.reason}",
        )
        significance = Significance.MEDIUM
    else:
        label = "Case status"
        text = f"{CaseStatus(event.to_value).label}" + (f": {event.reason}" if event.reason else "")
        significance = Significance.MEDIUM if event.to_value == CaseStatus.DECIDED else Significance.LOW
    return Entry(
        on=event.at.astimezone(LONDON).date(),
        at=event.at,
        agency=HUB,
        category=f"case_{event.kind}",
        category_label=label,
        significance=significance,
        description=text,
        source_reference=case.reference,
        people=people,
    )


def filter_choices(entries: list[Entry]) -> dict[str, list[tuple[str, str]]]:
    agencies = sorted({e.agency for e in entries})
    categories = sorted({(e.category, e.category_label) for e in entries}, key=lambda c: c[1])
    return {
        "agencies": [(a, a) for a in agencies],
        "categories": categories,
        "significance": [(s.value, s.label) for s in Significance],
    }
