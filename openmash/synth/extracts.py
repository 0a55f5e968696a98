"""Synthetic agency extracts: what each agency's own system holds about the demo area.

:func:`generate_extracts` takes a synthetic :class:`~openmash.synth.area.Area`
and returns, for each of eight agencies, the identity records its system holds
(with the errors real systems contain) and the events recorded against them.
The true person behind each record is kept apart in :attr:`Extracts.truth`, for
evaluating record linkage; it never appears in an agency's identity file.

Agencies and what they record:

* ``police``: incidents (domestic abuse, assault, sexual offences, missing
  episodes, anti-social behaviour, concern for welfare), one event per person
  involved, with the role (victim, suspect, witness, person present, missing
  person, subject). Every referral a police officer made has its incident.
* ``school``: every child of school age on a school roll (all schools in the
  area, as a local-authority education system would hold them): attendance
  for each term and any suspensions or exclusions. Pupils carry a UPN-like id.
* ``gp``: registrations and appointments, including missed ones.
* ``emergency_department``: attendances with the presenting complaint.
* ``housing``: tenancies, rent arrears, ASB reports, homelessness applications.
* ``probation``: adults with convictions on licence or a community order.
* ``youth_offending``: young people aged 10 to 17 with an outcome.
* ``adult_social_care``: care packages, assessments and safeguarding concerns.

Which people an agency knows follows the area's referrals: families that have
been referred (and the concerns raised about them) appear far more often, as
they do in a real hub's trawl. Everything is deterministic for an area and a
seed, and everything is invented: NHS numbers come from the 999 test range,
UPN-like pupil ids put 999 where a local-authority code would go, and every
other reference is a random opaque string.

Files (:func:`write_extracts`): ``<agency>_identities.csv`` with the standard
columns (:data:`IDENTITY_COLUMNS`) then the agency's own (:data:`EXTRA_COLUMNS`);
``<agency>_events.csv`` (:data:`EVENT_COLUMNS`, plus ``role`` for police);
``agencies.csv`` listing them; and ``truth/truth.csv`` (:data:`TRUTH_COLUMNS`).
Sex is written in each agency's own coding (:data:`SEX_CODES`).

Noise (see :class:`~openmash.synth._noise.NoiseRates` and :data:`DEFAULT_NOISE`):
typos, nicknames, alternative spellings, middle names, day/month swaps, years
out by one, missing fields, old addresses, earlier surnames, partial
double-barrelled surnames and duplicate records. Each record's address is the
one the person had when the agency last dealt with them, so people who have
moved since are found at their old address, as in real systems.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final, Literal, TypeAlias

from faker import Faker

from openmash.synth._dates import DAY, academic_year_start, add_years
from openmash.synth._names import Names
from openmash.synth._noise import (
    NoiseRates,
    abbreviate_street,
    dob_day_typo,
    nickname_for,
    partial_double_barrel,
    postcode_format_variant,
    postcode_typo,
    shift_year,
    spelling_variant,
    strip_punctuation,
    swap_day_month,
    typo,
)
from openmash.synth.area import (
    Address,
    AddressMove,
    Area,
    ConcernCategory,
    Household,
    Person,
    Referral,
    Sex,
    age_on,
)

__all__ = [
    "AGENCIES",
    "AGENCY_NAMES",
    "DEFAULT_NOISE",
    "EVENT_COLUMNS",
    "EXTRA_COLUMNS",
    "IDENTITY_COLUMNS",
    "NHS_COVERAGE",
    "RECORD_PREFIXES",
    "SEX_CODES",
    "TRUTH_COLUMNS",
    "AgencyEvent",
    "AgencyExtract",
    "AgencyKey",
    "Extracts",
    "IdentityRecord",
    "NoiseRates",
    "Significance",
    "TruthRow",
    "generate_extracts",
    "upn_check_letter",
    "write_extracts",
]

AgencyKey = Literal[
    "police",
    "school",
    "gp",
    "emergency_department",
    "housing",
    "probation",
    "youth_offending",
    "adult_social_care",
]
AGENCIES: Final[tuple[AgencyKey, ...]] = (
    "police",
    "school",
    "gp",
    "emergency_department",
    "housing",
    "probation",
    "youth_offending",
    "adult_social_care",
)
AGENCY_NAMES: Final[dict[AgencyKey, str]] = {
    "police": "Police",
    "school": "Education (schools)",
    "gp": "GP practices",
    "emergency_department": "Emergency department",
    "housing": "Housing",
    "probation": "Probation service",
    "youth_offending": "Youth offending service",
    "adult_social_care": "Adult social care",
}
RECORD_PREFIXES: Final[dict[AgencyKey, str]] = {
    "police": "POL",
    "school": "SCH",
    "gp": "GP",
    "emergency_department": "ED",
    "housing": "HSG",
    "probation": "PRB",
    "youth_offending": "YOS",
    "adult_social_care": "ASC",
}

Significance = Literal["high", "medium", "low"]

#: The standard identity columns, in file order; agency extras follow them.
IDENTITY_COLUMNS: Final = (
    "record_id",
    "given_name",
    "surname",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "nhs_number",
)
#: Agency-specific identity columns, written after :data:`IDENTITY_COLUMNS`.
EXTRA_COLUMNS: Final[dict[AgencyKey, tuple[str, ...]]] = {
    "police": ("warning_markers",),
    "school": ("upn", "school", "year_group"),
    "gp": ("practice", "registered_on"),
    "emergency_department": ("hospital_number",),
    "housing": ("tenancy_reference", "tenure"),
    "probation": ("crn", "order_type"),
    "youth_offending": ("latest_outcome",),
    "adult_social_care": ("primary_support_reason",),
}
EVENT_COLUMNS: Final = ("record_id", "occurred_on", "kind", "description", "significance", "source_reference")
#: Police events also carry the person's role in the incident.
EVENT_EXTRA_COLUMNS: Final[dict[AgencyKey, tuple[str, ...]]] = {"police": ("role",)}
TRUTH_COLUMNS: Final = ("agency", "record_id", "person_id", "noise")

#: How each agency's system codes sex (a missing value is an empty cell).
SEX_CODES: Final[dict[AgencyKey, dict[Sex, str]]] = {
    "police": {"male": "M", "female": "F", "unknown": "U"},
    "school": {"male": "M", "female": "F", "unknown": ""},
    "gp": {"male": "male", "female": "female", "unknown": "unknown"},
    "emergency_department": {"male": "male", "female": "female", "unknown": "unknown"},
    "housing": {"male": "Male", "female": "Female", "unknown": "Not known"},
    "probation": {"male": "M", "female": "F", "unknown": "U"},
    "youth_offending": {"male": "M", "female": "F", "unknown": "U"},
    "adult_social_care": {"male": "Male", "female": "Female", "unknown": "Not known"},
}

#: Share of an agency's records that hold the person's NHS number (when they have one).
NHS_COVERAGE: Final[dict[AgencyKey, float]] = {
    "police": 0.02,
    "school": 0.03,
    "gp": 0.99,
    "emergency_department": 0.92,
    "housing": 0.02,
    "probation": 0.05,
    "youth_offending": 0.25,
    "adult_social_care": 0.9,
}

_BASE_NOISE = NoiseRates()
#: The noise each agency gets by default: schools (census-checked) and GPs (NHS
#: spine) are cleanest; police and the emergency department, who take details
#: at the roadside or at triage, are the noisiest.
DEFAULT_NOISE: Final[dict[AgencyKey, NoiseRates]] = {
    "police": _BASE_NOISE.scaled(1.5),
    "school": _BASE_NOISE.scaled(0.4),
    "gp": _BASE_NOISE.scaled(0.6),
    "emergency_department": _BASE_NOISE.scaled(1.5),
    "housing": _BASE_NOISE,
    "probation": _BASE_NOISE.scaled(0.8),
    "youth_offending": _BASE_NOISE.scaled(0.8),
    "adult_social_care": _BASE_NOISE,
}

#: Agencies that keep an address up to date while they are in touch (GP via the
#: NHS spine, schools via the census), so the address is the person's latest.
_CONTINUOUS: Final[frozenset[AgencyKey]] = frozenset({"gp", "school"})
#: Agencies whose systems store surnames in capitals.
_UPPER_SURNAMES: Final[frozenset[AgencyKey]] = frozenset({"police", "probation"})
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


# -- records ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """One row of an agency's identity file; every value is a string ("" when missing)."""

    record_id: str
    given_name: str
    surname: str
    date_of_birth: str
    """``YYYY-MM-DD`` or empty."""
    sex: str
    """In the agency's own coding (:data:`SEX_CODES`), or empty."""
    postcode: str
    address: str
    nhs_number: str
    extra: tuple[tuple[str, str], ...] = ()
    """Agency-specific columns as ``(column, value)`` pairs (:data:`EXTRA_COLUMNS`)."""

    def row(self) -> dict[str, str]:
        values = {column: getattr(self, column) for column in IDENTITY_COLUMNS}
        values.update(self.extra)
        return values


@dataclass(frozen=True, slots=True)
class AgencyEvent:
    record_id: str
    occurred_on: date
    kind: str
    description: str
    significance: Significance
    source_reference: str
    """The agency's own reference, e.g. ``INC-2026-004512``; shared by everyone in one incident."""
    role: str = ""
    """The person's role (police only): victim, suspect, witness, person present, ..."""

    def row(self, columns: Sequence[str]) -> dict[str, str]:
        values = {
            "record_id": self.record_id,
            "occurred_on": self.occurred_on.isoformat(),
            "kind": self.kind,
            "description": self.description,
            "significance": self.significance,
            "source_reference": self.source_reference,
            "role": self.role,
        }
        return {column: values[column] for column in columns}


@dataclass(frozen=True, slots=True)
class AgencyExtract:
    agency: AgencyKey
    name: str
    records: tuple[IdentityRecord, ...]
    """Sorted by ``record_id`` (random, so the order says nothing about who is who)."""
    events: tuple[AgencyEvent, ...]
    """Sorted by ``record_id``, then date, then reference."""

    @property
    def identity_columns(self) -> tuple[str, ...]:
        return (*IDENTITY_COLUMNS, *EXTRA_COLUMNS[self.agency])

    @property
    def event_columns(self) -> tuple[str, ...]:
        return (*EVENT_COLUMNS, *EVENT_EXTRA_COLUMNS.get(self.agency, ()))


@dataclass(frozen=True, slots=True)
class TruthRow:
    """Which area person an agency record belongs to, and what noise it carries."""

    agency: AgencyKey
    record_id: str
    person_id: str
    noise: tuple[str, ...] = ()
    """Names of the noise applied, e.g. ``("nickname", "dob_swap")``; ``duplicate`` marks
    every record of a person held more than once by the agency, ``stale_address`` a
    record whose address is one the person has since left."""


@dataclass(frozen=True, slots=True)
class Extracts:
    seed: int
    reference_date: date
    agencies: tuple[AgencyExtract, ...]
    truth: tuple[TruthRow, ...]
    """Sorted by agency (in :data:`AGENCIES` order), then record id."""

    def extract(self, agency: AgencyKey) -> AgencyExtract:
        for item in self.agencies:
            if item.agency == agency:
                return item
        raise KeyError(agency)

    def person_of(self, agency: AgencyKey) -> dict[str, str]:
        """``record_id -> person_id`` for one agency."""
        return {row.record_id: row.person_id for row in self.truth if row.agency == agency}

    def counts(self) -> dict[AgencyKey, dict[str, int]]:
        """Records, distinct people and events per agency."""
        people: dict[str, set[str]] = {}
        for row in self.truth:
            people.setdefault(row.agency, set()).add(row.person_id)
        return {
            item.agency: {
                "records": len(item.records),
                "people": len(people.get(item.agency, ())),
                "events": len(item.events),
            }
            for item in self.agencies
        }


# -- what an agency knows, before it becomes records ----------------------------------


@dataclass(slots=True)
class _Ev:
    on: date
    kind: str
    description: str
    significance: Significance
    reference: str
    role: str = ""


@dataclass(slots=True)
class _Known:
    events: list[_Ev] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)


_Window: TypeAlias = tuple[date, date]
"""A half-open period ``[start, end)`` during which someone lived in the area."""


def upn_check_letter(twelve: str) -> str:
    """The DfE check letter for the twelve characters after it in a UPN.

    Each character in positions 2 to 13 is multiplied by its position; the sum
    modulo 23 indexes ``ABCDEFGHJKLMNPQRTUVWXYZ``.
    """
    if len(twelve) != 12 or not twelve.isdigit():
        raise ValueError(f"expected twelve digits, got {twelve!r}")
    total = sum(int(ch) * weight for ch, weight in zip(twelve, range(2, 14), strict=True))
    return _UPN_LETTERS[total % 23]


# -- the builder --------------------------------------------------------------------


class _Builder:
    def __init__(self, area: Area, seed: int, noise: Mapping[AgencyKey, NoiseRates]) -> None:
        self.area = area
        self.seed = seed
        self.noise = noise
        self.ref = area.reference_date
        self.people: dict[str, Person] = {p.id: p for p in area.people}
        self.living: list[Person] = [p for p in area.people if p.date_of_death is None]
        self.addresses: dict[str, Address] = area.addresses_by_id()
        self.households: dict[str, Household] = area.households_by_id()
        self.household_of: dict[str, Household] = {pid: hh for hh in area.households for pid in hh.member_ids}
        local_towns = {self.addresses[hh.address_id].town for hh in area.households}
        self.local = {a.id for a in area.addresses if a.town in local_towns}
        self.moves: dict[str, list[AddressMove]] = {}
        for move in area.moves:
            self.moves.setdefault(move.person_id, []).append(move)
        for history in self.moves.values():
            history.sort(key=lambda m: m.from_date)
        self.residents: dict[str, list[AddressMove]] = {}
        for move in area.moves:
            self.residents.setdefault(move.address_id, []).append(move)
        self.windows: dict[str, list[_Window]] = {p.id: self._windows(p) for p in self.living}
        self.local_people: list[str] = [p.id for p in self.living if self.windows[p.id]]
        self.town_people: dict[str, list[str]] = {}
        for pid in self.local_people:
            towns: list[str] = []
            for move in self.moves[pid]:
                town = self.addresses[move.address_id].town
                if move.address_id in self.local and town not in towns:
                    towns.append(town)
                    self.town_people.setdefault(town, []).append(pid)
        self.parents: dict[str, list[str]] = {}
        self.step_parents: dict[str, list[str]] = {}
        self.partners: dict[str, list[tuple[str, str, str | None]]] = {}
        for rel in area.relationships:
            if rel.kind == "parent":
                self.parents.setdefault(rel.to_id, []).append(rel.from_id)
            elif rel.kind == "step_parent":
                self.step_parents.setdefault(rel.to_id, []).append(rel.from_id)
            elif rel.kind in ("partner", "spouse", "ex_partner"):
                self.partners.setdefault(rel.from_id, []).append((rel.to_id, rel.kind, rel.status))
                self.partners.setdefault(rel.to_id, []).append((rel.from_id, rel.kind, rel.status))
        self.referrals = sorted(area.referrals, key=lambda r: (r.received_on, r.id))
        self.casts: dict[str, tuple[str | None, str | None]] = {r.id: self._cast(r) for r in self.referrals}
        self.concerns: dict[str, list[ConcernCategory]] = {}
        self.referral_count: dict[str, int] = {}
        for r in self.referrals:
            carer, other = self.casts[r.id]
            involved = [*r.child_ids, *(pid for pid in (carer, other) if pid is not None)]
            involved += [m for m in self.households[r.household_id].member_ids if m not in involved]
            for pid in involved:
                self.referral_count[pid] = self.referral_count.get(pid, 0) + 1
            # Concerns attach to the children named and the adults the referral is about.
            for pid in [*r.child_ids, *(pid for pid in (carer, other) if pid is not None)]:
                bucket = self.concerns.setdefault(pid, [])
                bucket += [c for c in r.concern_categories if c not in bucket]
        self.known: dict[AgencyKey, dict[str, _Known]] = {agency: {} for agency in AGENCIES}
        self.used_refs: set[str] = set()
        # Filled in by the police pass, read by the others.
        self.da_victims: list[tuple[str, date]] = []
        self.suspects: list[tuple[str, date, str]] = []
        self.asb_suspects: list[tuple[str, date]] = []

    # -- small helpers ------------------------------------------------------------

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"openmash.synth.extracts/{self.seed}/{purpose}")

    def _windows(self, p: Person) -> list[_Window]:
        end_of_life = self.ref + DAY
        out: list[_Window] = []
        for move in self.moves.get(p.id, []):
            if move.address_id not in self.local:
                continue
            start = max(move.from_date, p.date_of_birth)
            end = min(move.to_date or end_of_life, end_of_life)
            if start >= end:
                continue
            if out and out[-1][1] >= start:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        return out

    def present_on(self, pid: str, on: date) -> bool:
        return any(start <= on < end for start, end in self.windows.get(pid, ()))

    def present_now(self, pid: str) -> bool:
        return self.present_on(pid, self.ref)

    def draw_date(self, rng: random.Random, pid: str, start: date, end: date) -> date | None:
        """A random day in ``[start, end]`` on which ``pid`` lived in the area."""
        spans: list[_Window] = []
        for w_start, w_end in self.windows.get(pid, ()):
            low, high = max(w_start, start), min(w_end, end + DAY)
            if low < high:
                spans.append((low, high))
        total = sum((high - low).days for low, high in spans)
        if total <= 0:
            return None
        pick = rng.randrange(total)
        for low, high in spans:
            days = (high - low).days
            if pick < days:
                return low + timedelta(days=pick)
            pick -= days
        return None  # pragma: no cover - pick always lands in a span

    def address_on(self, pid: str, on: date) -> str | None:
        history = self.moves.get(pid, [])
        for move in history:
            if move.from_date <= on and (move.to_date is None or on < move.to_date):
                return move.address_id
        if history and on < history[0].from_date:
            return history[0].address_id
        return history[-1].address_id if history else None

    def co_residents(self, pid: str, on: date) -> list[str]:
        address = self.address_on(pid, on)
        if address is None:
            return []
        out: list[str] = []
        for move in self.residents.get(address, []):
            other = self.people[move.person_id]
            if (
                move.person_id != pid
                and move.person_id not in out
                and move.from_date <= on
                and (move.to_date is None or on < move.to_date)
                and other.date_of_death is None
                and other.date_of_birth <= on
            ):
                out.append(move.person_id)
        return sorted(out)

    def age(self, pid: str, on: date) -> int:
        return age_on(self.people[pid].date_of_birth, on)

    def alive(self, pid: str) -> bool:
        return self.people[pid].date_of_death is None

    def referred(self, pid: str) -> int:
        return self.referral_count.get(pid, 0)

    def has_concern(self, pid: str, *categories: ConcernCategory) -> bool:
        return any(c in self.concerns.get(pid, ()) for c in categories)

    def add(self, agency: AgencyKey, pid: str, event: _Ev) -> _Known:
        person = self.people[pid]
        if not (person.date_of_birth <= event.on <= self.ref):
            raise AssertionError(f"event for {pid} dated {event.on} outside their life")  # pragma: no cover
        known = self.known[agency].setdefault(pid, _Known())
        known.events.append(event)
        return known

    def reference(self, rng: random.Random, template: str, digits: int, **parts: object) -> str:
        while True:
            number = f"{rng.randrange(10**digits):0{digits}d}"
            ref = template.format(n=number, **parts)
            if ref not in self.used_refs:
                self.used_refs.add(ref)
                return ref

    def _cast(self, r: Referral) -> tuple[str | None, str | None]:
        """The carer and the other adult a referral is about (as the area generator chose them)."""
        on = r.received_on
        hh = self.households[r.household_id]
        child = r.child_ids[0]
        adults = [
            m
            for m in hh.member_ids
            if m not in r.child_ids
            and age_on(self.people[m].date_of_birth, on) >= 18
            and self.people[m].date_of_death is None
        ]
        parents = self.parents.get(child, [])
        resident = sorted((p for p in parents if p in adults), key=lambda p: self.people[p].sex != "female")
        grand = [a for a in adults if any(a in self.parents.get(p, []) for p in parents)]
        by_age = sorted(adults, key=lambda a: self.people[a].date_of_birth)
        candidates = resident or grand or by_age
        if not candidates:
            return None, None
        carer = candidates[0]
        other = next(
            (
                partner
                for partner, kind, status in self.partners.get(carer, [])
                if kind in ("partner", "spouse") and status == "current" and partner in adults
            ),
            None,
        )
        if other is None:
            other = next((p for p in parents if p != carer and self.alive(p)), None)
        return carer, other

    # -- police -----------------------------------------------------------------------

    def police(self) -> None:
        rng = self.rng("police-events")
        start = add_years(self.ref, -5)
        da_pairs: list[tuple[str | None, str | None]] = []
        for r in self.referrals:
            carer, other = self.casts[r.id]
            primary = r.concern_categories[0]
            if r.referrer_agency_kind == "police":
                on = max(r.received_on - timedelta(days=rng.randint(0, 3)), start)
                self._referral_incident(rng, r, primary, on, carer, other)
            pair = (carer, other)
            if (
                "domestic_abuse" in r.concern_categories
                and carer is not None
                and other is not None
                and pair not in da_pairs
            ):
                da_pairs.append(pair)
                for _ in range(rng.choices((0, 1, 2), weights=(0.5, 0.35, 0.15))[0]):
                    on = r.received_on - timedelta(days=rng.randint(30, 900))
                    if on >= start:
                        self._domestic(rng, on, carer, other, (), linked=False)
            if primary in ("missing", "cse", "cce") or "missing" in r.concern_categories:
                for child in r.child_ids:
                    for _ in range(rng.randint(1, 4)):
                        when = self.draw_date(rng, child, add_years(self.ref, -2), r.received_on)
                        if when is not None and self.age(child, when) >= 10:
                            self._missing(rng, child, when)
        self._police_background(rng, start)
        self._warning_markers()

    def _incident(
        self,
        rng: random.Random,
        kind: str,
        on: date,
        summary: str,
        people: Sequence[tuple[str, str, str, Significance]],
    ) -> None:
        """One incident: ``people`` are (person id, role, role sentence, significance)."""
        reference = self.reference(rng, "INC-{year}-{n}", 6, year=on.year)
        seen: list[str] = []
        for pid, role, sentence, significance in people:
            if pid in seen or self.people[pid].date_of_birth > on or not self.alive(pid):
                continue
            seen.append(pid)
            self.add(
                "police",
                pid,
                _Ev(on, kind, f"{summary} {sentence}".strip(), significance, reference, role),
            )

    def _children_present(self, pid: str, on: date, also: Iterable[str] = ()) -> list[str]:
        kids = [c for c in self.co_residents(pid, on) if self.age(c, on) < 18]
        kids += [c for c in also if c not in kids and self.people[c].date_of_birth <= on]
        return [c for c in kids if c != pid]

    def _domestic(
        self, rng: random.Random, on: date, victim: str, suspect: str, kids: Iterable[str], *, linked: bool
    ) -> None:
        if min(self.age(victim, on), self.age(suspect, on)) < 16:
            return
        if self.people[victim].sex == "male" and self.people[suspect].sex == "female" and rng.random() < 0.7:
            victim, suspect = suspect, victim
        risk = rng.choices(
            ("standard", "medium", "high"), weights=(0.3, 0.45, 0.25) if linked else (0.5, 0.35, 0.15)
        )[0]
        summary = rng.choice(
            (
                "Domestic incident at the home address: verbal argument reported by a neighbour.",
                "Domestic incident: victim reported being pushed and threatened during an argument.",
                "Domestic incident: ex-partner attended the address in breach of bail conditions.",
                "Domestic incident: shouting and items thrown; officers separated the parties.",
                "Domestic incident: victim's phone taken and victim prevented from leaving.",
                "Domestic incident: criminal damage to the front door after an argument.",
            )
        )
        summary += f" DASH risk: {risk}."
        significance: Significance = "high" if risk == "high" else "medium"
        outcome = rng.choice(
            (
                "arrested and interviewed; released on bail.",
                "left before police arrived; circulated.",
                "arrested; no further action.",
                "voluntary interview; charged.",
            )
        )
        people: list[tuple[str, str, str, Significance]] = [
            (victim, "victim", "Recorded as victim.", significance),
            (suspect, "suspect", f"Recorded as suspect; {outcome}", significance),
        ]
        for child in self._children_present(victim, on, kids):
            people.append(
                (child, "person present", "Child present at the time of the incident.", significance)
            )
        if rng.random() < 0.2:
            witness = self._neighbour(rng, victim, on)
            if witness is not None:
                people.append((witness, "witness", "Recorded as witness (neighbour).", "low"))
        self._incident(rng, "domestic_abuse", on, summary, people)
        if self.people[victim].date_of_birth <= on and self.alive(victim):
            self.da_victims.append((victim, on))
        if self.people[suspect].date_of_birth <= on and self.alive(suspect):
            self.suspects.append((suspect, on, "domestic_abuse"))

    def _neighbour(self, rng: random.Random, pid: str, on: date) -> str | None:
        """An adult living in the same town (else anywhere in the area) but not in ``pid``'s home."""
        address = self.address_on(pid, on)
        town = self.addresses[address].town if address is not None else ""
        home = [pid, *self.co_residents(pid, on)]
        pools = (self.town_people.get(town, []), self.local_people)
        for pool, tries in zip(pools, (40, 40), strict=True):
            for _ in range(tries if pool else 0):
                other = rng.choice(pool)
                if other in home or self.age(other, on) < 18 or not self.present_on(other, on):
                    continue
                if pool is self.local_people:
                    return other
                where = self.address_on(other, on)
                if where is not None and self.addresses[where].town == town:
                    return other
        return None

    def _missing(self, rng: random.Random, child: str, on: date) -> None:
        hours = rng.choice((3, 5, 8, 14, 20, 30, 48))
        where = rng.choice(
            (
                "at a friend's address",
                "in the town centre",
                "at an address in another town with older males",
                "at a railway station",
                "after returning home of their own accord",
            )
        )
        significance: Significance = (
            "high"
            if self.age(child, on) < 16 or "older males" in where or self.has_concern(child, "cse", "cce")
            else "medium"
        )
        summary = f"Reported missing from home by carer; found after {hours} hours {where}."
        self._incident(
            rng,
            "missing_episode",
            on,
            summary,
            [(child, "missing person", "Return home interview requested.", significance)],
        )

    def _referral_incident(
        self,
        rng: random.Random,
        r: Referral,
        primary: ConcernCategory,
        on: date,
        carer: str | None,
        other: str | None,
    ) -> None:
        kids = list(r.child_ids)
        if primary == "domestic_abuse" and carer is not None and other is not None:
            self._domestic(rng, on, carer, other, kids, linked=True)
            return
        if primary in ("missing", "cse"):
            for child in kids:
                self._missing(rng, child, on)
            return
        people: list[tuple[str, str, str, Significance]] = []
        if primary == "physical_abuse":
            kind = "assault"
            summary = "Report of assault on a child; joint investigation with children's social care."
            people += [(child, "victim", "Recorded as victim.", "high") for child in kids]
            if other is not None or carer is not None:
                suspect = other if other is not None and rng.random() < 0.6 else (carer or other)
                if suspect is not None:
                    people.append((suspect, "suspect", "Recorded as suspect; voluntary interview.", "high"))
        elif primary == "sexual_abuse":
            kind = "sexual_offence"
            summary = "Disclosure of a sexual offence against a child; ABE interview arranged."
            people += [(child, "victim", "Recorded as victim.", "high") for child in kids]
            if other is not None and rng.random() < 0.5:
                people.append((other, "suspect", "Recorded as suspect; bail with conditions.", "high"))
            if carer is not None:
                people.append((carer, "witness", "Parent or carer; informed of the investigation.", "medium"))
        else:
            kind = "concern_for_welfare"
            summary = rng.choice(
                (
                    "Concern for welfare call to the home address; officers attended.",
                    "Officers attended following a call from a member of the public about the children.",
                    "Concern for welfare: adult found in a distressed state at the home address.",
                    "Officers attended a report of children left home alone.",
                )
            )
            for adult in (carer, other):
                if adult is not None and (adult == carer or rng.random() < 0.5):
                    people.append((adult, "subject", "Recorded as subject of the concern.", "medium"))
            people += [
                (child, "person present", "Child present; referral made to children's social care.", "medium")
                for child in kids
            ]
        self._incident(rng, kind, on, summary, people)
        for pid, role, _, _ in people:
            if role == "suspect" and self.people[pid].date_of_birth <= on:
                self.suspects.append((pid, on, kind))

    def _police_background(self, rng: random.Random, start: date) -> None:
        for person in self.living:
            pid = person.id
            if pid in self.known["police"] or not self.windows.get(pid):
                continue
            age_now = self.age(pid, self.ref)
            referred = self.referred(pid) > 0
            if age_now >= 18:
                chance = 0.1 + (0.04 if referred else 0.0)
                chance += 0.1 if self.has_concern(pid, "substance_misuse") else 0.0
            elif age_now >= 11:
                chance = 0.04 + (0.08 if referred else 0.0)
                chance += 0.5 if self.has_concern(pid, "cce", "cse") else 0.0
            else:
                continue
            if rng.random() >= chance:
                continue
            for _ in range(rng.choices((1, 2, 3), weights=(0.7, 0.22, 0.08))[0]):
                on = self.draw_date(rng, pid, start, self.ref)
                if on is None or self.age(pid, on) < 10:
                    continue
                self._background_incident(rng, pid, on)

    def _background_incident(self, rng: random.Random, pid: str, on: date) -> None:
        young = self.age(pid, on) < 18
        kind = rng.choices(("assault", "asb"), weights=(0.45, 0.55))[0]
        role = rng.choices(
            ("victim", "suspect", "witness"), weights=(0.35, 0.45, 0.2) if young else (0.4, 0.3, 0.3)
        )[0]
        other = self._neighbour(rng, pid, on) if rng.random() < 0.5 else None
        people: list[tuple[str, str, str, Significance]] = []
        if kind == "assault":
            summary = rng.choice(
                (
                    "Common assault outside licensed premises.",
                    "Assault occasioning actual bodily harm in the street.",
                    "Assault during a dispute between neighbours.",
                    "Assault at a bus stop; CCTV requested.",
                    "Fight between young people near the school; one injured.",
                )
            )
            sig: Significance = "medium"
            people.append((pid, role, f"Recorded as {role}.", "low" if role == "witness" else sig))
            if other is not None:
                counter = {"victim": "suspect", "suspect": "victim", "witness": "victim"}[role]
                people.append((other, counter, f"Recorded as {counter}.", sig))
        else:
            summary = rng.choice(
                (
                    "Anti-social behaviour: group gathering and causing a nuisance.",
                    "Anti-social behaviour: repeated noise nuisance reported.",
                    "Anti-social behaviour: neighbour dispute over parking and verbal abuse.",
                    "Anti-social behaviour: youths throwing stones at cars.",
                )
            )
            asb_role = "suspect" if role != "witness" else "witness"
            people.append((pid, asb_role, f"Recorded as {asb_role}.", "low"))
            if other is not None:
                people.append((other, "witness", "Reported the incident (witness).", "low"))
        self._incident(rng, kind, on, summary, people)
        for who, their_role, _, _ in people:
            if their_role == "suspect":
                self.suspects.append((who, on, kind))
                if kind == "asb":
                    self.asb_suspects.append((who, on))

    def _warning_markers(self) -> None:
        for known in self.known["police"].values():
            markers: list[str] = []
            roles = [(ev.kind, ev.role) for ev in known.events]
            if sum(1 for kind, role in roles if kind == "domestic_abuse" and role == "suspect") >= 1:
                markers.append("domestic abuse perpetrator")
            if any(kind in ("assault", "sexual_offence") and role == "suspect" for kind, role in roles):
                markers.append("violence")
            if sum(1 for kind, role in roles if role == "missing person") >= 2:
                markers.append("repeat missing person")
            if any(role == "subject" for _, role in roles):
                markers.append("vulnerable")
            known.extra["warning_markers"] = "; ".join(markers)

    # -- school -------------------------------------------------------------------------

    def school(self) -> None:
        rng = self.rng("school-events")
        establishments: dict[str, str] = {}
        for person in self.living:
            if person.school is None:
                continue
            pid = person.id
            if person.school not in establishments:
                while True:
                    number = f"{rng.randrange(2000, 7000):04d}"
                    if number not in establishments.values():
                        establishments[person.school] = number
                        break
            year_now = self._year_group(person.date_of_birth, academic_year_start(self.ref))
            entry = academic_year_start(self.ref).year - max(year_now, 0)
            while True:
                twelve = f"999{establishments[person.school]}{entry % 100:02d}{rng.randrange(1000):03d}"
                if twelve not in self.used_refs:
                    self.used_refs.add(twelve)
                    break
            known = self.known["school"].setdefault(pid, _Known())
            known.extra.update(
                upn=upn_check_letter(twelve) + twelve,
                school=person.school,
                year_group="R" if year_now == 0 else str(year_now),
            )
            self._attendance(rng, pid)
            self._exclusions(rng, pid)

    @staticmethod
    def _year_group(dob: date, year_start: date) -> int:
        return age_on(dob, year_start - DAY) - 4

    def _terms(self) -> list[tuple[str, int, date, date, int]]:
        """The last four terms begun by the reference date: (name, academic year, start, end, sessions)."""
        terms: list[tuple[str, int, date, date, int]] = []
        first = academic_year_start(self.ref).year
        for year in (first - 1, first):
            terms += [
                ("Autumn", year, date(year, 9, 3), date(year, 12, 19), 142),
                ("Spring", year, date(year + 1, 1, 5), date(year + 1, 3, 27), 116),
                ("Summer", year, date(year + 1, 4, 13), date(year + 1, 7, 22), 130),
            ]
        out: list[tuple[str, int, date, date, int]] = []
        for name, year, start, end, sessions in terms:
            if start + timedelta(days=21) > self.ref:
                continue
            if end > self.ref:
                sessions = round(sessions * (self.ref - start).days / (end - start).days)
                end = self.ref
            out.append((name, year, start, end, sessions))
        return out[-4:]

    def _attendance(self, rng: random.Random, pid: str) -> None:
        person = self.people[pid]
        mean = 96.0 - rng.expovariate(1 / 1.5)
        penalties: dict[ConcernCategory, float] = {
            "neglect": 5,
            "missing": 8,
            "cse": 7,
            "cce": 8,
            "parental_mental_health": 2,
            "substance_misuse": 2,
            "domestic_abuse": 1.5,
            "emotional_abuse": 1,
        }
        mean -= sum(v for c, v in penalties.items() if self.has_concern(pid, c))
        for name, year, _start, end, sessions in self._terms():
            if not 0 <= self._year_group(person.date_of_birth, date(year, 9, 1)) <= 13:
                continue
            if not self.present_on(pid, end) or end < person.date_of_birth:
                continue
            percent = max(15.0, min(100.0, rng.gauss(mean, 3.0)))
            percent = round(percent, 1)
            missed = round(sessions * (100 - percent) / 100)
            unauthorised = round(missed * rng.uniform(0.1, 0.7)) if percent < 95 else round(missed * 0.1)
            label = f"{name} term {year if name == 'Autumn' else year + 1}"
            if end == self.ref:
                label += " to date"
            note = " (severe absence)" if percent < 50 else " (persistent absence)" if percent < 90 else ""
            significance: Significance = "high" if percent < 50 else "medium" if percent < 90 else "low"
            description = (
                f"{label}: attendance {percent:.1f}%{note}; {missed} of {sessions} sessions missed, "
                f"{unauthorised} unauthorised."
            )
            term_code = name[:2].upper()
            reference = self.reference(rng, "ATT-{year}{term}-{n}", 6, year=year, term=term_code)
            self.add("school", pid, _Ev(end, "attendance", description, significance, reference))

    def _exclusions(self, rng: random.Random, pid: str) -> None:
        person = self.people[pid]
        year_group = self._year_group(person.date_of_birth, academic_year_start(self.ref))
        referred = self.referred(pid) > 0
        rate = 0.04 if year_group >= 7 else 0.01
        if referred:
            rate *= 3
        if self.has_concern(pid, "cce", "cse", "missing"):
            rate += 0.3
        count = sum(1 for _ in range(2) if rng.random() < rate)
        for _ in range(count):
            on = self.draw_date(rng, pid, self.ref - timedelta(days=700), self.ref)
            if on is None or self._year_group(person.date_of_birth, academic_year_start(on)) < 0:
                continue
            while on.weekday() >= 5:
                on -= DAY
            reason = rng.choice(
                (
                    "persistent disruptive behaviour",
                    "physical assault against a pupil",
                    "verbal abuse or threatening behaviour against an adult",
                    "use or threat of use of an offensive weapon",
                    "drug and alcohol related",
                    "damage to school property",
                )
            )
            significance: Significance
            permanent = rng.random() < (0.12 if self.has_concern(pid, "cce") else 0.03)
            if permanent:
                description = f"Permanent exclusion: {reason}. Governors' review arranged."
                kind, significance = "permanent_exclusion", "high"
            else:
                days = rng.choice((1, 1, 2, 3, 5))
                description = f"Suspension for {days} day{'s' if days > 1 else ''}: {reason}."
                kind, significance = "suspension", "medium"
            reference = self.reference(rng, "EXC-{year}-{n}", 5, year=on.year)
            self.add("school", pid, _Ev(on, kind, description, significance, reference))

    # -- GP -------------------------------------------------------------------------------

    def gp(self) -> None:
        rng = self.rng("gp-events")
        fake = Faker("en_GB")
        fake.seed_instance(self.seed + 1)
        names = Names(fake)
        practices: dict[str, list[str]] = {}
        by_household: dict[str, str] = {}
        for person in self.living:
            pid = person.id
            windows = self.windows.get(pid)
            if not windows:
                continue
            if self.present_now(pid):
                if rng.random() >= 0.97:
                    continue
            elif windows[-1][1] < self.ref - timedelta(days=730) or rng.random() >= 0.3:
                continue  # left the area: most have re-registered elsewhere
            last_local = windows[-1][1] - DAY
            address = self.address_on(pid, min(last_local, self.ref))
            town = self.addresses[address].town if address is not None else ""
            if town not in practices:
                names_here: list[str] = []
                for _ in range(rng.randint(2, 3)):
                    name = rng.choice(
                        (
                            f"{names.surname()} Medical Centre",
                            f"{town} Health Centre",
                            f"{names.surname()} Surgery",
                            f"{names.surname()} Road Surgery",
                            f"{town} Family Practice",
                        )
                    )
                    if name not in names_here:
                        names_here.append(name)
                practices[town] = names_here
            hh = self.household_of.get(pid)
            key = hh.id if hh is not None else pid
            if key not in by_household or rng.random() < 0.05:
                by_household[key] = rng.choice(practices[town])
            practice = by_household[key]
            registered = max(person.date_of_birth + timedelta(days=rng.randint(10, 50)), windows[0][0])
            registered = min(registered + timedelta(days=rng.randint(0, 40)), self.ref)
            reference = self.reference(rng, "REG-{n}", 7)
            what = (
                "New birth registration"
                if registered - person.date_of_birth < timedelta(days=90)
                else "Registered"
            )
            known = self.add(
                "gp", pid, _Ev(registered, "registration", f"{what} with {practice}.", "low", reference)
            )
            known.extra.update(practice=practice, registered_on=registered.isoformat())
            self._appointments(rng, pid)

    def _appointments(self, rng: random.Random, pid: str) -> None:
        age = self.age(pid, self.ref)
        low, high = (2, 6) if age < 5 else (0, 3) if age < 18 else (0, 4) if age < 65 else (2, 7)
        referred = self.referred(pid) > 0
        count = rng.randint(low, high) + (1 if referred else 0)
        child_reasons = (
            "childhood immunisations",
            "cough and fever",
            "ear infection",
            "eczema review",
            "asthma review",
            "rash",
            "tonsillitis",
        )
        adult_reasons = (
            "medication review",
            "back pain",
            "blood pressure check",
            "chest infection",
            "contraception review",
            "asthma review",
            "knee pain",
            "fatigue",
        )
        old_reasons = (
            "medication review",
            "diabetes review",
            "blood pressure check",
            "falls assessment",
            "memory assessment",
            "COPD review",
        )
        special: list[tuple[str, Significance]] = []
        if age >= 18 and self.has_concern(pid, "parental_mental_health"):
            special += [("review of depression and anxiety; antidepressant continued", "medium")]
        if age >= 18 and self.has_concern(pid, "substance_misuse"):
            special += [("alcohol use review; referred to community drug and alcohol service", "medium")]
        if age >= 18 and self.has_concern(pid, "domestic_abuse") and rng.random() < 0.3:
            special += [
                ("bruising to upper arm; patient disclosed domestic abuse; IDVA details given", "high")
            ]
        if age < 18 and self.has_concern(pid, "neglect") and rng.random() < 0.5:
            special += [("weight below expected centile; health visitor informed", "high")]
        miss_rate = (
            0.05 + (0.1 if referred else 0.0) + (0.2 if age < 18 and self.has_concern(pid, "neglect") else 0)
        )
        for i in range(count):
            on = self.draw_date(rng, pid, self.ref - timedelta(days=730), self.ref)
            if on is None:
                return
            if i < len(special):
                reason, significance = special[i]
            else:
                reasons = child_reasons if age < 18 else adult_reasons if age < 65 else old_reasons
                reason, significance = rng.choice(reasons), "low"
            with_whom = rng.choice(("GP", "GP", "practice nurse", "GP (telephone)"))
            reference = self.reference(rng, "APT-{year}-{n}", 7, year=on.year)
            if rng.random() < miss_rate:
                child = self.age(pid, on) < 18
                note = " Child was not brought." if child else ""
                sig: Significance = "medium" if child or significance != "low" else "low"
                description = f"Did not attend: appointment with {with_whom} ({reason}).{note}"
                self.add("gp", pid, _Ev(on, "missed_appointment", description, sig, reference))
            else:
                description = f"Appointment with {with_whom}: {reason}."
                self.add("gp", pid, _Ev(on, "appointment", description, significance, reference))

    # -- emergency department ---------------------------------------------------------------

    def emergency_department(self) -> None:
        rng = self.rng("ed-events")
        start = self.ref - timedelta(days=3 * 365)
        for r in self.referrals:
            if r.referrer_agency_kind in ("hospital", "ambulance"):
                child = r.child_ids[0]
                on = r.received_on - timedelta(days=rng.randint(0, 2))
                if self.people[child].date_of_birth <= on:
                    self._ed_referral(rng, child, on, r.concern_categories[0])
        for victim, on in self.da_victims:
            if rng.random() < 0.25:
                later = min(on + timedelta(days=rng.randint(0, 1)), self.ref)
                self._ed(rng, victim, later, "facial injury; patient disclosed assault by partner", "high")
        for person in self.living:
            pid = person.id
            if not self.windows.get(pid):
                continue
            age = self.age(pid, self.ref)
            chance = 0.2 if age < 5 else 0.1 if age < 16 else 0.1 if age < 65 else 0.25
            if self.referred(pid):
                chance *= 1.5
            special = self._ed_special(rng, pid, age)
            if special is not None:
                when = self.draw_date(rng, pid, start, self.ref)
                if when is not None:
                    self._ed(rng, pid, when, *special)
            if rng.random() < chance:
                for _ in range(rng.choices((1, 2, 3), weights=(0.7, 0.22, 0.08))[0]):
                    when = self.draw_date(rng, pid, start, self.ref)
                    if when is not None:
                        self._ed(rng, pid, when, *self._ed_routine(rng, pid, when))

    def _ed_special(self, rng: random.Random, pid: str, age: int) -> tuple[str, Significance] | None:
        if age >= 18 and self.has_concern(pid, "substance_misuse") and rng.random() < 0.3:
            return rng.choice(
                (
                    ("alcohol intoxication; found collapsed in the street", "medium"),
                    ("suspected opiate overdose; naloxone given by ambulance crew", "high"),
                )
            )
        if age >= 18 and self.has_concern(pid, "parental_mental_health") and rng.random() < 0.25:
            return rng.choice(
                (
                    ("self-harm: lacerations to forearm; seen by mental health liaison", "high"),
                    ("overdose of prescribed medication", "high"),
                )
            )
        if 12 <= age < 18 and self.has_concern(pid, "cse", "cce", "missing") and rng.random() < 0.4:
            return rng.choice(
                (
                    ("intoxicated; brought in by police after being found missing", "high"),
                    ("stab wound to thigh; account vague", "high"),
                    ("self-harm: superficial cuts to arms", "high"),
                )
            )
        return None

    def _ed_routine(self, rng: random.Random, pid: str, on: date) -> tuple[str, Significance]:
        age = self.age(pid, on)
        if age < 2:
            complaint = rng.choice(("fever", "breathing difficulty", "vomiting", "head injury after a fall"))
            injury = "injury" in complaint
            return complaint + ("; non-mobile infant" if injury else ""), "high" if injury else "low"
        if age < 16:
            return rng.choice(
                (
                    "fall from playground equipment; wrist injury",
                    "head injury playing football",
                    "asthma attack",
                    "abdominal pain",
                    "cut to hand",
                    "accidental ingestion of household product",
                )
            ), "low"
        if age < 65:
            complaint = rng.choice(
                (
                    "chest pain",
                    "abdominal pain",
                    "laceration to hand",
                    "ankle injury",
                    "assault: facial injury",
                    "alcohol intoxication",
                    "back pain",
                    "migraine",
                )
            )
            return complaint, "medium" if complaint.startswith(("assault", "alcohol")) else "low"
        return rng.choice(
            ("fall at home; hip pain", "shortness of breath", "chest pain", "confusion", "fall; head injury")
        ), "low"

    def _ed_referral(self, rng: random.Random, child: str, on: date, concern: ConcernCategory) -> None:
        complaints: dict[str, str] = {
            "physical_abuse": "fractured arm; explanation inconsistent with the injury",
            "neglect": "dehydration and weight loss; concerns about care at home",
            "substance_misuse": "accidental ingestion of a parent's medication",
            "sexual_abuse": "abdominal pain; disclosure made to nursing staff",
        }
        complaint = complaints.get(concern, "head injury; delayed presentation")
        self._ed(rng, child, on, complaint, "high")

    def _ed(self, rng: random.Random, pid: str, on: date, complaint: str, significance: Significance) -> None:
        if on < self.people[pid].date_of_birth or on > self.ref:
            return
        disposal = rng.choice(
            (
                "Discharged home.",
                "Discharged home with GP follow-up.",
                "Admitted.",
                "Left before being seen.",
                "Referred to the safeguarding team." if significance == "high" else "Discharged home.",
            )
        )
        reference = self.reference(rng, "ED-{year}-{n}", 6, year=on.year)
        known = self.add(
            "emergency_department",
            pid,
            _Ev(on, "attendance", f"Presenting complaint: {complaint}. {disposal}", significance, reference),
        )
        if "hospital_number" not in known.extra:
            while True:
                number = f"H{rng.randrange(10**7):07d}"
                if number not in self.used_refs:
                    self.used_refs.add(number)
                    known.extra["hospital_number"] = number
                    break

    # -- housing --------------------------------------------------------------------------

    def housing(self) -> None:
        rng = self.rng("housing-events")
        start = add_years(self.ref, -5)
        homeless_hh: list[str] = []
        for r in self.referrals:
            if r.household_id not in homeless_hh and (
                r.referrer_agency_kind == "housing"
                or ("domestic_abuse" in r.concern_categories and rng.random() < 0.1)
            ):
                homeless_hh.append(r.household_id)
        for hh in sorted(self.area.households, key=lambda h: h.id):
            members = [m for m in hh.member_ids if self.alive(m)]
            if not members:
                continue
            referred = any(self.referred(m) for m in members)
            social = rng.random() < (0.3 if referred else 0.12)
            homeless = hh.id in homeless_hh or rng.random() < (0.03 if referred else 0.01)
            if not (social or homeless):
                continue
            adults = [m for m in members if self.age(m, self.ref) >= 18]
            listed = adults + [m for m in members if m not in adults and rng.random() < 0.6]
            if not adults:
                continue
            tenancy_ref = self.reference(rng, "TEN-{n}", 7)
            lead = adults[0]
            tenure = rng.choice(("secure", "secure", "introductory")) if social else "temporary accommodation"
            for pid in listed:
                known = self.known["housing"].setdefault(pid, _Known())
                known.extra.update(tenancy_reference=tenancy_ref, tenure=tenure)
            moved_in = max(hh.moved_in, max(self.people[m].date_of_birth for m in adults))
            if social:
                reference = self.reference(rng, "HSG-TEN-{n}", 6)
                address = self.addresses[hh.address_id]
                where = ", ".join(part for part in (address.line1, address.line2) if part)
                for pid in listed:
                    if pid in adults:
                        role = "lead tenant" if pid == lead else "joint tenant"
                        description = f"{tenure.capitalize()} tenancy started at {where} ({role})."
                        started = moved_in
                    else:
                        description = f"Added to the tenancy at {where} as a household member."
                        born = self.people[pid].date_of_birth
                        started = min(max(moved_in, born + timedelta(days=rng.randint(7, 60))), self.ref)
                    self.add("housing", pid, _Ev(started, "tenancy_start", description, "low", reference))
            if social and rng.random() < (0.5 if referred else 0.2):
                on = self.draw_date(rng, lead, max(start, moved_in), self.ref)
                if on is not None:
                    amount = rng.choice((240, 480, 760, 1150, 1640, 2380))
                    weeks = max(2, amount // 110)
                    significance: Significance = "medium" if amount >= 1000 else "low"
                    reference = self.reference(rng, "ARR-{year}-{n}", 5, year=on.year)
                    description = f"Rent arrears of £{amount:,} ({weeks} weeks); repayment plan offered."
                    if amount >= 1500:
                        description += " Notice of seeking possession served."
                        significance = "high"
                    self.add("housing", lead, _Ev(on, "rent_arrears", description, significance, reference))
            if homeless:
                self._homelessness(rng, hh, adults, listed)
        for pid, on in self.asb_suspects:
            if pid in self.known["housing"] and self.alive(pid):
                later = min(on + timedelta(days=rng.randint(1, 20)), self.ref)
                reference = self.reference(rng, "ASB-{year}-{n}", 5, year=later.year)
                description = "ASB report: tenant named as the subject of a complaint by neighbours."
                self.add("housing", pid, _Ev(later, "asb_report", description, "medium", reference))
        for pid in list(self.known["housing"]):
            if self.age(pid, self.ref) < 18 or rng.random() >= 0.08:
                continue
            on = self.draw_date(rng, pid, start, self.ref)
            if on is not None:
                reference = self.reference(rng, "ASB-{year}-{n}", 5, year=on.year)
                description = "ASB report: tenant reported noise nuisance from a neighbouring property."
                self.add("housing", pid, _Ev(on, "asb_report", description, "low", reference))
        # Children listed on a tenancy with no event of their own carry the household's.
        for pid, known in self.known["housing"].items():
            if not known.events:
                home = self.household_of.get(pid)
                lead_events = [
                    ev
                    for m in (home.member_ids if home else ())
                    for ev in self.known["housing"].get(m, _Known()).events
                ]
                usable = [ev for ev in lead_events if ev.on >= self.people[pid].date_of_birth]
                if usable:
                    ev = max(usable, key=lambda e: (e.on, e.reference))
                    known.events.append(
                        _Ev(
                            ev.on,
                            ev.kind,
                            ev.description + " Listed as a household member.",
                            "low",
                            ev.reference,
                        )
                    )
        for pid in [pid for pid, known in self.known["housing"].items() if not known.events]:
            del self.known["housing"][pid]

    def _homelessness(self, rng: random.Random, hh: Household, adults: list[str], listed: list[str]) -> None:
        lead = adults[0]
        referral_dates = [r.received_on for r in self.referrals if r.household_id == hh.id]
        if referral_dates and rng.random() < 0.7:
            on = referral_dates[-1] + timedelta(
                days=rng.randint(0, min(30, (self.ref - referral_dates[-1]).days))
            )
        else:
            on = self.draw_date(rng, lead, self.ref - timedelta(days=3 * 365), self.ref) or self.ref
        domestic = any(self.has_concern(m, "domestic_abuse") for m in adults)
        reason = (
            "fleeing domestic abuse"
            if domestic and rng.random() < 0.6
            else rng.choice(
                ("end of private rented tenancy", "family no longer willing to accommodate", "rent arrears")
            )
        )
        duty = rng.choice(("prevention duty", "relief duty", "main housing duty"))
        significance: Significance = "high" if reason == "fleeing domestic abuse" else "medium"
        reference = self.reference(rng, "HOM-{year}-{n}", 5, year=on.year)
        description = f"Homelessness application: {reason}; {duty} accepted."
        for pid in listed:
            if self.people[pid].date_of_birth <= on:
                self.add(
                    "housing", pid, _Ev(on, "homelessness_application", description, significance, reference)
                )

    # -- probation ----------------------------------------------------------------------

    def probation(self) -> None:
        rng = self.rng("probation-events")
        offences = {
            "domestic_abuse": "assault by beating (domestic)",
            "assault": "assault occasioning actual bodily harm",
            "sexual_offence": "sexual assault",
            "asb": "public order offence",
        }
        chosen: dict[str, tuple[date, str]] = {}
        considered: set[str] = set()
        for pid, on, kind in self.suspects:
            if pid in considered or not self.alive(pid) or self.age(pid, on) < 18:
                continue
            considered.add(pid)
            chance = {"domestic_abuse": 0.15, "assault": 0.12, "sexual_offence": 0.3}.get(kind, 0.02)
            if rng.random() < chance:
                chosen[pid] = (on, offences.get(kind, "theft"))
        for person in self.living:
            pid = person.id
            if pid in chosen or not self.windows.get(pid) or not 18 <= self.age(pid, self.ref) <= 65:
                continue
            if rng.random() < 0.005 + (0.01 if self.has_concern(pid, "substance_misuse") else 0):
                when = self.draw_date(
                    rng, pid, self.ref - timedelta(days=3 * 365), self.ref - timedelta(days=90)
                )
                if when is not None:
                    chosen[pid] = (
                        when,
                        rng.choice(("theft from a shop", "possession with intent to supply", "burglary")),
                    )
        for pid in sorted(chosen):
            offence_on, offence = chosen[pid]
            sentenced = offence_on + timedelta(days=rng.randint(40, 200))
            if sentenced > self.ref:
                continue
            order_type = rng.choices(
                ("Community Order", "Suspended Sentence Order", "Licence"), weights=(0.5, 0.3, 0.2)
            )[0]
            months = rng.choice((12, 18, 24))
            crn = self.reference(rng, "{letter}{n}", 6, letter=rng.choice("ABCDEFGHJKLMNRSTUVWXYZ"))
            known = self.known["probation"].setdefault(pid, _Known())
            known.extra.update(crn=crn, order_type=order_type)
            if order_type == "Licence":
                what = f"Released on licence after a custodial sentence for {offence}."
            else:
                requirements = rng.choice(
                    (
                        "Rehabilitation Activity Requirement (20 days)",
                        "120 hours unpaid work",
                        "Building Better Relationships programme requirement",
                        "alcohol treatment requirement",
                    )
                )
                what = f"{order_type} ({months} months) for {offence} with {requirements}."
            self.add(
                "probation",
                pid,
                _Ev(
                    sentenced,
                    "sentence",
                    what,
                    "medium",
                    self.reference(rng, "PRB-{year}-{n}", 6, year=sentenced.year),
                ),
            )
            risk = rng.choices(("low", "medium", "high"), weights=(0.35, 0.45, 0.2))[0]
            if offence.endswith("(domestic)") and risk == "low":
                risk = "medium"
            assessed = min(sentenced + timedelta(days=rng.randint(10, 40)), self.ref)
            children = " and children" if "domestic" in offence and risk != "low" else ""
            sig: Significance = "high" if risk == "high" else "medium" if risk == "medium" else "low"
            self.add(
                "probation",
                pid,
                _Ev(
                    assessed,
                    "risk_assessment",
                    f"OASys assessment: {risk} risk of serious harm to known adults{children}.",
                    sig,
                    self.reference(rng, "PRB-{year}-{n}", 6, year=assessed.year),
                ),
            )
            day = assessed
            for _ in range(rng.randint(1, 4)):
                day = day + timedelta(days=rng.randint(14, 60))
                if day > self.ref:
                    break
                missed = rng.random() < 0.25
                description = (
                    "Missed supervision appointment; warning letter issued."
                    if missed
                    else "Supervision appointment attended."
                )
                self.add(
                    "probation",
                    pid,
                    _Ev(
                        day,
                        "missed_appointment" if missed else "supervision",
                        description,
                        "medium" if missed else "low",
                        self.reference(rng, "PRB-{year}-{n}", 6, year=day.year),
                    ),
                )
            if rng.random() < 0.12:
                day = day + timedelta(days=rng.randint(7, 60))
                if day <= self.ref:
                    what = "Licence recalled" if order_type == "Licence" else "Breach proceedings started"
                    self.add(
                        "probation",
                        pid,
                        _Ev(
                            day,
                            "breach",
                            f"{what} after failure to comply.",
                            "high",
                            self.reference(rng, "PRB-{year}-{n}", 6, year=day.year),
                        ),
                    )

    # -- youth offending -----------------------------------------------------------------

    def youth_offending(self) -> None:
        rng = self.rng("yos-events")
        chosen: dict[str, date] = {}
        for pid, on, kind in self.suspects:
            if pid in chosen or not self.alive(pid) or not 10 <= self.age(pid, on) <= 17:
                continue
            if not 10 <= self.age(pid, self.ref) <= 17:
                continue
            if rng.random() < (0.5 if kind != "asb" else 0.25):
                chosen[pid] = on
        for person in self.living:
            pid = person.id
            if pid in chosen or not self.present_now(pid) or not 10 <= self.age(pid, self.ref) <= 17:
                continue
            if rng.random() < 0.02 + (0.6 if self.has_concern(pid, "cce") else 0.0):
                low = max(add_years(person.date_of_birth, 10), self.ref - timedelta(days=2 * 365))
                when = self.draw_date(rng, pid, low, self.ref - timedelta(days=30))
                if when is not None:
                    chosen[pid] = when
        for pid in sorted(chosen):
            offence_on = chosen[pid]
            outcome_on = min(offence_on + timedelta(days=rng.randint(20, 120)), self.ref)
            outcome = rng.choices(
                (
                    "Community Resolution",
                    "Youth Caution",
                    "Youth Conditional Caution",
                    "Referral Order (6 months)",
                    "Referral Order (9 months)",
                    "Youth Rehabilitation Order (12 months)",
                ),
                weights=(0.25, 0.15, 0.15, 0.2, 0.1, 0.15),
            )[0]
            court = outcome.startswith(("Referral", "Youth Rehabilitation"))
            known = self.known["youth_offending"].setdefault(pid, _Known())
            known.extra["latest_outcome"] = outcome
            self.add(
                "youth_offending",
                pid,
                _Ev(
                    outcome_on,
                    "outcome",
                    f"Outcome: {outcome}" + (" imposed by the youth court." if court else "."),
                    "medium",
                    self.reference(rng, "YOS-{year}-{n}", 5, year=outcome_on.year),
                ),
            )
            assessed = min(outcome_on + timedelta(days=rng.randint(5, 30)), self.ref)
            concern = rng.choices(("low", "medium", "high"), weights=(0.3, 0.45, 0.25))[0]
            if self.has_concern(pid, "cce", "cse"):
                concern = "high"
            self.add(
                "youth_offending",
                pid,
                _Ev(
                    assessed,
                    "assessment",
                    f"AssetPlus assessment: {concern} safety and wellbeing concerns.",
                    "high" if concern == "high" else "medium" if concern == "medium" else "low",
                    self.reference(rng, "YOS-{year}-{n}", 5, year=assessed.year),
                ),
            )
            if self.has_concern(pid, "cce"):
                on = min(assessed + timedelta(days=rng.randint(1, 20)), self.ref)
                self.add(
                    "youth_offending",
                    pid,
                    _Ev(
                        on,
                        "exploitation_screening",
                        "Child criminal exploitation screening: indicators present; NRM referral made.",
                        "high",
                        self.reference(rng, "YOS-{year}-{n}", 5, year=on.year),
                    ),
                )
            if court and rng.random() < 0.3:
                on = min(assessed + timedelta(days=rng.randint(14, 60)), self.ref)
                self.add(
                    "youth_offending",
                    pid,
                    _Ev(
                        on,
                        "missed_appointment",
                        "Missed appointment with YOS officer; home visit arranged.",
                        "medium",
                        self.reference(rng, "YOS-{year}-{n}", 5, year=on.year),
                    ),
                )

    # -- adult social care ----------------------------------------------------------------

    def adult_social_care(self) -> None:
        rng = self.rng("asc-events")
        start = self.ref - timedelta(days=3 * 365)
        victims = [pid for pid, _ in self.da_victims]
        for person in self.living:
            pid = person.id
            if not self.present_now(pid):
                continue
            age = self.age(pid, self.ref)
            if age < 18:
                continue
            chance = 0.3 if age >= 75 else 0.08 if age >= 65 else 0.01
            reason = (
                "Support with memory and cognition"
                if age >= 75 and rng.random() < 0.3
                else "Physical support"
                if age >= 65
                else rng.choice(("Learning disability support", "Physical support", "Mental health support"))
            )
            safeguarding = None
            if pid in victims and rng.random() < 0.15:
                safeguarding = "domestic abuse"
            elif self.has_concern(pid, "parental_mental_health") and rng.random() < 0.1:
                reason, chance = "Mental health support", 1.0
            elif self.has_concern(pid, "substance_misuse") and rng.random() < 0.05:
                safeguarding = "self-neglect"
            if safeguarding is None and rng.random() >= chance:
                continue
            if safeguarding is not None:
                reason = "Social support" if safeguarding == "domestic abuse" else "Mental health support"
            known = self.known["adult_social_care"].setdefault(pid, _Known())
            known.extra["primary_support_reason"] = reason
            on = self.draw_date(rng, pid, start, self.ref - timedelta(days=30))
            if on is None:
                del self.known["adult_social_care"][pid]
                continue
            self.add(
                "adult_social_care",
                pid,
                _Ev(
                    on,
                    "assessment",
                    f"Care Act assessment completed ({reason.lower()}).",
                    "low",
                    self.reference(rng, "ASC-{year}-{n}", 5, year=on.year),
                ),
            )
            if safeguarding is not None:
                later = min(on + timedelta(days=rng.randint(0, 14)), self.ref)
                self.add(
                    "adult_social_care",
                    pid,
                    _Ev(
                        later,
                        "safeguarding_concern",
                        f"Adult safeguarding concern ({safeguarding}); section 42 enquiry opened.",
                        "high",
                        self.reference(rng, "SG-{year}-{n}", 5, year=later.year),
                    ),
                )
            elif rng.random() < 0.7:
                later = min(on + timedelta(days=rng.randint(7, 60)), self.ref)
                hours = rng.choice((3, 5, 7, 10, 14, 21))
                package = rng.choice(
                    (
                        f"home care package of {hours} hours a week",
                        "day centre placement two days a week",
                        "direct payment for a personal assistant",
                        "telecare and a key safe",
                    )
                )
                self.add(
                    "adult_social_care",
                    pid,
                    _Ev(
                        later,
                        "care_package",
                        f"Care package started: {package}.",
                        "low",
                        self.reference(rng, "ASC-{year}-{n}", 5, year=later.year),
                    ),
                )

    # -- identity records -------------------------------------------------------------

    def records(self, agency: AgencyKey) -> tuple[AgencyExtract, list[TruthRow]]:
        rng = self.rng(f"{agency}-identities")
        rates = self.noise[agency]
        prefix = RECORD_PREFIXES[agency]
        used: set[str] = set()
        records: list[IdentityRecord] = []
        events: list[AgencyEvent] = []
        truth: list[TruthRow] = []
        for pid in sorted(self.known[agency]):
            known = self.known[agency][pid]
            ordered = sorted(known.events, key=lambda e: (e.on, e.reference))
            groups = [ordered]
            if len(ordered) >= 2 and rng.random() < rates.duplicate:
                cut = rng.randint(1, len(ordered) - 1)
                groups = [ordered[:cut], ordered[cut:]]
            for group in groups:
                while True:
                    record_id = f"{prefix}-" + "".join(rng.choice(_ALPHABET) for _ in range(8))
                    if record_id not in used:
                        used.add(record_id)
                        break
                last = group is groups[-1]
                contact = self.ref if not group or (agency in _CONTINUOUS and last) else group[-1].on
                values, tags = self.identity(rng, agency, self.people[pid], contact, rates)
                if len(groups) > 1:
                    tags.append("duplicate")
                extra = tuple((column, known.extra.get(column, "")) for column in EXTRA_COLUMNS[agency])
                records.append(IdentityRecord(record_id=record_id, extra=extra, **values))
                truth.append(TruthRow(agency, record_id, pid, tuple(tags)))
                events += [
                    AgencyEvent(
                        record_id, ev.on, ev.kind, ev.description, ev.significance, ev.reference, ev.role
                    )
                    for ev in group
                ]
        records.sort(key=lambda r: r.record_id)
        events.sort(key=lambda e: (e.record_id, e.occurred_on, e.source_reference))
        truth.sort(key=lambda t: t.record_id)
        return AgencyExtract(agency, AGENCY_NAMES[agency], tuple(records), tuple(events)), truth

    def identity(
        self, rng: random.Random, agency: AgencyKey, person: Person, contact: date, rates: NoiseRates
    ) -> tuple[dict[str, str], list[str]]:
        tags: list[str] = []

        def draw(rate: float) -> bool:
            return rng.random() < rate

        # Given name.
        given = person.given_name
        nickname_draw, variant_draw = draw(rates.nickname), draw(rates.spelling_variant)
        alternative = nickname_for(rng, given) if nickname_draw else None
        if alternative is not None:
            given = alternative
            tags.append("nickname")
        elif variant_draw and (variant := spelling_variant(rng, given)) is not None:
            given = variant
            tags.append("spelling_variant")
        if person.middle_name and draw(rates.middle_name):
            given = person.middle_name if rng.random() < 0.3 else f"{given} {person.middle_name}"
            tags.append("middle_name")
        # Surname.
        surname = person.family_name
        previous_draw, known_as_draw = draw(rates.previous_surname), draw(rates.known_as_surname)
        if person.previous_family_names and previous_draw:
            names = person.previous_family_names
            surname = names[-1] if rng.random() < 0.7 else rng.choice(names)
            tags.append("previous_surname")
        elif known_as_draw and age_on(person.date_of_birth, contact) < 18:
            others = [
                self.people[m].family_name
                for m in self.co_residents(person.id, contact)
                if self.age(m, contact) >= 18 and self.people[m].family_name != surname
            ]
            if others:
                surname = rng.choice(others)
                tags.append("known_as_surname")
        if draw(rates.double_barrel_partial) and (partial := partial_double_barrel(rng, surname)) is not None:
            surname = partial
            tags.append("double_barrel_partial")
        if draw(rates.punctuation) and (plain := strip_punctuation(rng, surname)) is not None:
            surname = plain
            tags.append("punctuation")
        if draw(rates.given_typo):
            given = typo(rng, given)
            tags.append("given_typo")
        if draw(rates.surname_typo):
            surname = typo(rng, surname)
            tags.append("surname_typo")
        if agency in _UPPER_SURNAMES:
            surname = surname.upper()
        if draw(rates.name_case):
            which = rng.choice((str.upper, str.lower))
            given, surname = which(given), which(surname)
            tags.append("name_case")
        if draw(rates.name_swap):
            given, surname = surname, given
            tags.append("name_swap")
        # Date of birth.
        dob: date | None = person.date_of_birth
        latest = min(contact, self.ref)
        swap_draw, year_draw, day_draw = draw(rates.dob_swap), draw(rates.dob_year), draw(rates.dob_day)
        placeholder_draw, missing_draw = draw(rates.dob_placeholder), draw(rates.dob_missing)
        if swap_draw and (swapped := swap_day_month(person.date_of_birth)) is not None and swapped <= latest:
            dob = swapped
            tags.append("dob_swap")
        if year_draw and dob is not None:
            dob = shift_year(rng, dob, latest)
            tags.append("dob_year")
        if day_draw and dob is not None:
            dob = dob_day_typo(rng, dob, latest)
            tags.append("dob_day")
        if placeholder_draw and dob is not None:
            dob = date(dob.year, 1, 1)
            tags.append("dob_placeholder")
        if missing_draw:
            dob = None
            tags.append("dob_missing")
        # Sex.
        sex: Sex = person.sex
        if draw(rates.sex_wrong) and sex != "unknown":
            sex = "female" if sex == "male" else "male"
            tags.append("sex_wrong")
        sex_value = SEX_CODES[agency][sex]
        if draw(rates.sex_missing):
            sex_value = ""
            tags.append("sex_missing")
        # Address: where the person lived when the agency last dealt with them.
        address_id = self.address_on(person.id, contact)
        current = self.moves[person.id][-1].address_id if self.moves.get(person.id) else None
        if address_id is not None and address_id != current:
            tags.append("stale_address")
        old_draw = draw(rates.old_address)
        earlier = [
            m.address_id
            for m in self.moves.get(person.id, [])
            if m.address_id != address_id
            and m.from_date <= contact
            and (address_id is None or m.to_date is not None and m.to_date <= contact)
        ]
        if old_draw and earlier:
            address_id = rng.choice(earlier)
            tags.append("old_address")
        address = self.addresses[address_id] if address_id is not None else None
        postcode = address.postcode if address is not None else ""
        text = (
            ", ".join(part for part in (address.line1, address.line2, address.town) if part)
            if address
            else ""
        )
        if draw(rates.address_format) and address is not None:
            short = abbreviate_street(text)
            text = (
                short
                if short is not None and rng.random() < 0.7
                else ", ".join(part for part in (address.line1, address.line2) if part)
            )
            tags.append("address_format")
        if draw(rates.address_missing):
            text = ""
            tags.append("address_missing")
        if draw(rates.postcode_typo) and postcode:
            postcode = postcode_typo(rng, postcode)
            tags.append("postcode_typo")
        if draw(rates.postcode_format) and postcode:
            postcode = postcode_format_variant(rng, postcode)
            tags.append("postcode_format")
        if draw(rates.postcode_missing):
            postcode = ""
            tags.append("postcode_missing")
        # NHS number.
        nhs = ""
        if person.nhs_number and rng.random() < NHS_COVERAGE[agency]:
            nhs = person.nhs_number
            if draw(rates.nhs_typo):
                pos = rng.randrange(3, 9)
                nhs = nhs[:pos] + nhs[pos + 1] + nhs[pos] + nhs[pos + 2 :]
                if nhs != person.nhs_number:
                    tags.append("nhs_typo")
        values = {
            "given_name": given,
            "surname": surname,
            "date_of_birth": dob.isoformat() if dob is not None else "",
            "sex": sex_value,
            "postcode": postcode,
            "address": text,
            "nhs_number": nhs,
        }
        return values, tags


# -- public API -----------------------------------------------------------------------

_PASSES: Final[tuple[tuple[AgencyKey, Callable[[_Builder], None]], ...]] = (
    ("police", _Builder.police),
    ("school", _Builder.school),
    ("gp", _Builder.gp),
    ("emergency_department", _Builder.emergency_department),
    ("housing", _Builder.housing),
    ("probation", _Builder.probation),
    ("youth_offending", _Builder.youth_offending),
    ("adult_social_care", _Builder.adult_social_care),
)


def _resolve_noise(noise: NoiseRates | Mapping[AgencyKey, NoiseRates] | None) -> dict[AgencyKey, NoiseRates]:
    if noise is None:
        return dict(DEFAULT_NOISE)
    if isinstance(noise, NoiseRates):
        return {agency: noise for agency in AGENCIES}
    unknown = [key for key in noise if key not in AGENCIES]
    if unknown:
        raise ValueError(f"unknown agencies in noise: {', '.join(sorted(unknown))}")
    return {agency: noise.get(agency, DEFAULT_NOISE[agency]) for agency in AGENCIES}


def generate_extracts(
    area: Area,
    seed: int | None = None,
    *,
    noise: NoiseRates | Mapping[AgencyKey, NoiseRates] | None = None,
) -> Extracts:
    """Every agency's extract for ``area``, deterministically for ``seed`` (default: the area's seed).

    ``noise`` is one :class:`NoiseRates` for every agency, a mapping that
    overrides some agencies, or ``None`` for :data:`DEFAULT_NOISE`. Noise never
    changes who an agency knows or what events it holds, only how the identity
    records look (and whether a person is recorded twice).
    """
    seed = area.seed if seed is None else seed
    builder = _Builder(area, seed, _resolve_noise(noise))
    for _, make in _PASSES:
        make(builder)
    extracts: list[AgencyExtract] = []
    truth: list[TruthRow] = []
    for agency in AGENCIES:
        extract, rows = builder.records(agency)
        extracts.append(extract)
        truth += rows
    return Extracts(
        seed=seed, reference_date=area.reference_date, agencies=tuple(extracts), truth=tuple(truth)
    )


def _write(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def write_extracts(extracts: Extracts, directory: Path) -> dict[str, Path]:
    """Write the extracts as CSV into ``directory`` (created if needed).

    One ``<agency>_identities.csv`` and one ``<agency>_events.csv`` per agency,
    ``agencies.csv`` listing them, and ``truth/truth.csv`` (agency, record_id,
    person_id, noise) in its own folder so that it can be kept away from
    anything that loads the agency files. Returns the paths keyed by their
    path relative to ``directory``. The output is byte-for-byte repeatable.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    manifest: list[dict[str, str]] = []
    for extract in extracts.agencies:
        identities = f"{extract.agency}_identities.csv"
        events = f"{extract.agency}_events.csv"
        _write(directory / identities, extract.identity_columns, (r.row() for r in extract.records))
        _write(
            directory / events, extract.event_columns, (e.row(extract.event_columns) for e in extract.events)
        )
        written[identities] = directory / identities
        written[events] = directory / events
        manifest.append(
            {
                "agency": extract.agency,
                "name": extract.name,
                "identities": identities,
                "events": events,
                "records": str(len(extract.records)),
                "event_count": str(len(extract.events)),
            }
        )
    _write(
        directory / "agencies.csv",
        ("agency", "name", "identities", "events", "records", "event_count"),
        manifest,
    )
    written["agencies.csv"] = directory / "agencies.csv"
    truth_dir = directory / "truth"
    truth_dir.mkdir(exist_ok=True)
    _write(
        truth_dir / "truth.csv",
        TRUTH_COLUMNS,
        (
            {
                "agency": t.agency,
                "record_id": t.record_id,
                "person_id": t.person_id,
                "noise": ";".join(t.noise),
            }
            for t in extracts.truth
        ),
    )
    written["truth/truth.csv"] = truth_dir / "truth.csv"
    return written
