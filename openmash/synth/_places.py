"""Fictional towns, streets, addresses and schools for a synthetic local area.

Town names, street-name stems, house numbers and postcodes all come from
Faker's ``en_GB`` providers; only the British street suffixes and school
naming patterns are fixed lists here. A local area has a handful of towns,
each with one to three postcode districts in a single postcode area (the
letters of the first Faker postcode, e.g. ``G6``, ``G18``), and streets that
hold several addresses sharing postcodes (so near-duplicate addresses occur,
as in real data). "Out of area" addresses are one-offs anywhere in the country.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from faker import Faker

from openmash.synth._names import Names
from openmash.synth.area import Address

_STREET_SUFFIXES = (
    ("Road", 12),
    ("Street", 10),
    ("Lane", 6),
    ("Avenue", 6),
    ("Close", 7),
    ("Drive", 5),
    ("Way", 4),
    ("Crescent", 3),
    ("Grove", 3),
    ("Gardens", 3),
    ("Place", 2),
    ("Terrace", 2),
    ("Court", 2),
    ("Walk", 1),
    ("Rise", 1),
    ("Mews", 1),
    ("View", 1),
)
_SUFFIX_NAMES = tuple(name for name, _ in _STREET_SUFFIXES)
_SUFFIX_WEIGHTS = tuple(weight for _, weight in _STREET_SUFFIXES)
_LOCALITY_SUFFIXES = ("field", " Park", " Green", " Heath", "ton", "wood", " Estate", "bury")
_BLOCK_SUFFIXES = ("House", "Court", "Lodge", "Heights", "Point")

_PRIMARY_PATTERNS = (
    "{surname} Primary School",
    "{surname} Community Primary School",
    "{surname} Infant and Junior School",
    "St {given}'s C of E Primary School",
    "St {given}'s Catholic Primary School",
    "{town} Primary Academy",
    "{surname} Park Primary School",
)
_SECONDARY_PATTERNS = (
    "{town} Academy",
    "{surname} High School",
    "{town} School",
    "{surname} Community College",
    "St {given}'s Catholic High School",
    "{surname} Academy",
)


def _split_outward(outward: str) -> tuple[str, str]:
    """``"SW01A"`` -> ``("SW", "1")``: the postcode area letters and the district number.

    A trailing sub-district letter is dropped (outside central London districts
    are plain numbers), as are leading zeros.
    """
    letters = len(outward) - len(outward.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    digits = "".join(ch for ch in outward[letters:] if ch.isdigit())
    return outward[:letters], str(int(digits or "1"))


@dataclass(slots=True)
class _Street:
    name: str
    locality: str
    postcodes: list[str]
    highest_number: int
    used_numbers: set[int] = field(default_factory=set)
    blocks: list[tuple[str, int, list[int]]] = field(default_factory=list)
    """Blocks of flats: (line2 text, house number, flat numbers used)."""


@dataclass(slots=True)
class _Town:
    name: str
    districts: list[str]
    weight: float
    streets: list[_Street] = field(default_factory=list)
    primaries: list[str] = field(default_factory=list)
    secondaries: list[str] = field(default_factory=list)


class Places:
    """Creates addresses (with synthetic UPRNs) and school names for one area."""

    def __init__(self, rng: random.Random, fake: Faker, names: Names, households: int) -> None:
        self._rng = rng
        self._fake = fake
        self._names = names
        self.addresses: list[Address] = []
        self._town_of: dict[str, str] = {}
        self._uprns: set[str] = set()
        self._districts: set[str] = set()
        self._postcode_area: str | None = None
        self.towns: list[_Town] = []
        town_count = min(8, 3 + households // 1000)
        town_names: set[str] = set()
        while len(self.towns) < town_count:
            name = fake.city()
            if name in town_names:
                continue
            town_names.add(name)
            weight = 3.0 if not self.towns else rng.uniform(0.6, 2.0)
            districts = [self._new_district() for _ in range(rng.choice((1, 1, 2, 3)))]
            self.towns.append(_Town(name, districts, weight))
        self._town_weights = [town.weight for town in self.towns]
        self._local_names = town_names

    # -- addresses ---------------------------------------------------------

    def _new_district(self) -> str:
        """A postcode district in the area's postcode area (the letters of the first one)."""
        while True:
            letters, rest = _split_outward(self._postcode_parts()[0])
            if self._postcode_area is None:
                self._postcode_area = letters
            district = f"{self._postcode_area}{rest}"
            if district not in self._districts:
                self._districts.add(district)
                return district

    def _postcode_parts(self) -> tuple[str, str]:
        outward, _, inward = self._fake.postcode().rpartition(" ")
        return outward, inward

    def _uprn(self) -> str:
        while True:
            uprn = f"99{self._rng.randrange(10**10):010d}"
            if uprn not in self._uprns:
                self._uprns.add(uprn)
                return uprn

    def _add(self, line1: str, line2: str, town: str, postcode: str) -> str:
        address_id = f"A{len(self.addresses) + 1:06d}"
        self.addresses.append(Address(address_id, line1, line2, town, postcode, self._uprn()))
        self._town_of[address_id] = town
        return address_id

    def town_of(self, address_id: str) -> str:
        return self._town_of[address_id]

    def _street_stem(self) -> str:
        roll = self._rng.random()
        if roll < 0.55:
            return self._names.surname()
        if roll < 0.8:
            return self._names.any()
        return self._fake.street_name().split(" ")[0]

    def _new_street(self, town: _Town) -> _Street:
        rng = self._rng
        existing = {street.name for street in town.streets}
        while True:
            suffix = rng.choices(_SUFFIX_NAMES, weights=_SUFFIX_WEIGHTS)[0]
            name = f"{self._street_stem()} {suffix}"
            if name not in existing:
                break
        locality = ""
        if rng.random() < 0.3:
            locality = self._names.surname() + rng.choice(_LOCALITY_SUFFIXES)
        highest = rng.randint(16, 160)
        district = rng.choice(town.districts)
        postcodes = [f"{district} {self._postcode_parts()[1]}" for _ in range(1 + highest // 40)]
        street = _Street(name, locality, postcodes, highest)
        town.streets.append(street)
        return street

    def _free_number(self, street: _Street) -> int | None:
        for _ in range(8):
            number = self._rng.randint(1, street.highest_number)
            if number not in street.used_numbers:
                street.used_numbers.add(number)
                return number
        return None

    def _postcode_for(self, street: _Street, number: int) -> str:
        return street.postcodes[(number - 1) // 40 % len(street.postcodes)]

    def new_local_address(self) -> str:
        """A new address in one of the area's towns; returns its id."""
        rng = self._rng
        town = rng.choices(self.towns, weights=self._town_weights)[0]
        while True:
            if town.streets and rng.random() < 0.85:
                street = rng.choice(town.streets)
            else:
                street = self._new_street(town)
            if rng.random() < 0.22:
                address = self._new_flat(town, street)
                if address is not None:
                    return address
                continue
            number = self._free_number(street)
            if number is not None:
                return self._add(
                    f"{number} {street.name}", street.locality, town.name, self._postcode_for(street, number)
                )

    def _new_flat(self, town: _Town, street: _Street) -> str | None:
        rng = self._rng
        open_blocks = [block for block in street.blocks if len(block[2]) < 12]
        if open_blocks and rng.random() < 0.7:
            line2, number, flats = rng.choice(open_blocks)
        else:
            free = self._free_number(street)
            if free is None:
                return None
            number = free
            if rng.random() < 0.35:
                line2 = f"{self._names.surname()} {rng.choice(_BLOCK_SUFFIXES)}, {number} {street.name}"
            else:
                line2 = f"{number} {street.name}"
            flats = []
            street.blocks.append((line2, number, flats))
        flat = len(flats) + 1
        flats.append(flat)
        return self._add(f"Flat {flat}", line2, town.name, self._postcode_for(street, number))

    def new_out_of_area_address(self) -> str:
        """A one-off address somewhere else in the country; returns its id."""
        fake = self._fake
        while True:
            town = fake.city()
            if town not in self._local_names:
                break
        number = int("".join(ch for ch in fake.building_number() if ch.isdigit()) or "1") or 1
        suffix = self._rng.choices(_SUFFIX_NAMES, weights=_SUFFIX_WEIGHTS)[0]
        return self._add(f"{number} {self._street_stem()} {suffix}", "", town, fake.postcode())

    # -- schools -----------------------------------------------------------

    def _school_name(self, town: _Town, patterns: tuple[str, ...], taken: list[str]) -> str:
        while True:
            name = self._rng.choice(patterns).format(
                surname=self._names.surname(), given=self._names.any(), town=town.name
            )
            if name not in taken:
                return name

    def school_pool(self, town_name: str, stage: str, pupils: int, pupils_per_school: int) -> list[str]:
        """Invent the schools of one stage in a town: about one per ``pupils_per_school``.

        ``stage`` is ``"primary"``, ``"secondary"`` or ``"college"`` (one sixth-form
        college per town).
        """
        town = next(t for t in self.towns if t.name == town_name)
        if stage == "college":
            return [f"{town.name} College"]
        count = max(1, -(-pupils // pupils_per_school))
        pool = town.primaries if stage == "primary" else town.secondaries
        patterns = _PRIMARY_PATTERNS if stage == "primary" else _SECONDARY_PATTERNS
        while len(pool) < count:
            pool.append(self._school_name(town, patterns, [*town.primaries, *town.secondaries]))
        return pool
