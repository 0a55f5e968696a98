"""The machinery behind :func:`openmash.synth.generate_area` (defined here, below the record types).

Generation happens in four passes:

1. **Families.** Households are built one family at a time from a small set of
   archetypes (two-parent, single-parent, blended, kinship care, adults living
   alone or as a couple). A family may also create "satellite" households for
   people who matter to it but live elsewhere in the area: ex-partners (perhaps
   with a new partner and children) and grandparents. Satellites count towards
   the requested number of households. When no household slot is left, those
   people are recorded as having left the area, or are not generated at all.
2. **Address histories.** One adult in each household is its *anchor*, with
   a chain of addresses ending at the household's address. Everyone else
   *follows* another person's history for a period (children from birth,
   partners from when they moved in), so families move together and
   ex-partners share the family's old addresses.
3. **Schools** for the children of school age.
4. **Referrals**, in date order, with a share of re-referrals.

All randomness comes from one ``random.Random(seed)`` and one Faker instance
seeded with the same seed, consumed in a fixed order, so the output depends on
nothing but the arguments. Collections that are iterated are lists or dicts
(never sets), so string hashing cannot change the order.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from openmash.synth import _referrals as texts
from openmash.synth._dates import DAY, academic_year_start, add_years, rand_date, referral_days, years
from openmash.synth._names import Names
from openmash.synth._places import Places
from openmash.synth.area import (
    CONCERN_CATEGORIES,
    DEFAULT_REFERENCE_DATE,
    Address,
    AddressMove,
    AgencyKind,
    Area,
    ConcernCategory,
    Household,
    PartnershipStatus,
    Person,
    Referral,
    Relationship,
    RelationshipKind,
    Sex,
    age_on,
)
from openmash.synth.nhs import synthetic_nhs_number

Seg = tuple[str, date, date | None]
"""One address-history segment: (address id, from date, to date or None)."""

MAX_HISTORY = 4

_ETHNICITIES = (
    ("WBRI", 70.0),
    ("WIRI", 0.6),
    ("WIRT", 0.2),
    ("WROM", 0.4),
    ("WOTH", 5.5),
    ("MWBC", 1.0),
    ("MWBA", 0.5),
    ("MWAS", 0.8),
    ("MOTH", 1.0),
    ("AIND", 2.8),
    ("APKN", 2.6),
    ("ABAN", 1.0),
    ("AOTH", 1.2),
    ("BCRB", 1.0),
    ("BAFR", 3.0),
    ("BOTH", 0.5),
    ("CHNE", 0.7),
    ("OOTH", 1.5),
    ("REFU", 0.5),
    ("NOBT", 1.0),
)
_ETHNICITY_CODES = tuple(code for code, _ in _ETHNICITIES)
_ETHNICITY_WEIGHTS = tuple(weight for _, weight in _ETHNICITIES)
_MIXED_WITH_WHITE = {
    "BCRB": "MWBC",
    "BAFR": "MWBA",
    "AIND": "MWAS",
    "APKN": "MWAS",
    "ABAN": "MWAS",
    "AOTH": "MWAS",
}
_WHITE = ("WBRI", "WIRI", "WOTH")

_ARCHETYPES = (
    ("couple_family", 0.40),
    ("single_parent", 0.25),
    ("blended", 0.15),
    ("kinship", 0.03),
    ("single_adult", 0.09),
    ("couple", 0.08),
)
_ARCHETYPE_NAMES = tuple(name for name, _ in _ARCHETYPES)
_ARCHETYPE_WEIGHTS = tuple(weight for _, weight in _ARCHETYPES)
#: Relative chance that a household with children is referred.
_REFERRAL_WEIGHT = {
    "couple_family": 0.7,
    "single_parent": 1.5,
    "blended": 1.4,
    "kinship": 2.0,
    "ex_partner": 1.2,
    "grandparents": 1.0,
    "single_adult": 1.0,
    "couple": 1.0,
}

_CONCERN_WEIGHTS: dict[ConcernCategory, float] = {
    "neglect": 18,
    "physical_abuse": 11,
    "sexual_abuse": 5,
    "emotional_abuse": 10,
    "domestic_abuse": 24,
    "cse": 3,
    "cce": 3,
    "missing": 4,
    "fgm": 1,
    "radicalisation": 1,
    "parental_mental_health": 8,
    "substance_misuse": 7,
    "other": 5,
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


# -- mutable drafts ---------------------------------------------------------


@dataclass(slots=True, eq=False)
class _P:
    id: str
    sex: Sex
    dob: date
    given: str
    middle: str | None
    family: str
    birth_family: str
    ethnicity: str | None
    nhs: str | None
    prev: list[str] = field(default_factory=list)
    dod: date | None = None
    school: str | None = None
    history: list[Seg] = field(default_factory=list)
    household: _HH | None = None

    def rename(self, new: str) -> None:
        if new == self.family:
            return
        if self.family not in self.prev:
            self.prev.append(self.family)
        if new in self.prev:
            self.prev.remove(new)
        self.family = new

    def alive(self) -> bool:
        return self.dod is None


@dataclass(slots=True, eq=False)
class _Union:
    a: _P
    b: _P
    start: date
    end: date | None
    married: bool
    divorced: bool = False


@dataclass(slots=True, eq=False)
class _HH:
    id: str
    kind: str
    anchor: _P
    members: list[_P]


@dataclass(slots=True, frozen=True)
class _Cast:
    carer: _P
    other: _P | None
    other_resident: bool
    other_absent: bool


def _female_of(a: _P, b: _P | None) -> _P | None:
    if a.sex == "female":
        return a
    if b is not None and b.sex == "female":
        return b
    return None


# -- the generator ----------------------------------------------------------


class _Generator:
    def __init__(self, seed: int, households: int, reference_date: date) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.names = Names(self.fake)
        self.ref = reference_date
        self.target = households
        self.places = Places(self.rng, self.fake, self.names, households)
        self.people: list[_P] = []
        self.parents: dict[str, list[_P]] = {}
        self.children: dict[str, list[_P]] = {}
        self.unions: list[_Union] = []
        self.households: list[_HH] = []
        self.nhs_used: set[str] = set()
        self.claimed = 0
        self.satellites = 0
        self.max_satellites = round(households * 0.2)
        self.school_pools: dict[tuple[str, str], list[str]] = {}
        self.household_school: dict[tuple[str, str], str] = {}

    # -- small helpers ------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def grant_satellite(self) -> bool:
        """Claim a household slot for someone living elsewhere in the area."""
        if self.claimed < self.target and self.satellites < self.max_satellites:
            self.claimed += 1
            self.satellites += 1
            return True
        return False

    def first_name(self, sex: Sex) -> str:
        if sex == "female":
            return self.names.female()
        if sex == "male":
            return self.names.male()
        return self.names.any()

    def surname(self) -> str:
        return self.names.surname()

    def ethnicity(self) -> str | None:
        if self.chance(0.06):
            return None
        return self.rng.choices(_ETHNICITY_CODES, weights=_ETHNICITY_WEIGHTS)[0]

    def partner_ethnicity(self, other: str | None) -> str | None:
        if other is not None and self.chance(0.75):
            return other
        return self.ethnicity()

    def child_ethnicity(self, mother: _P | None, father: _P | None) -> str | None:
        recorded = [p.ethnicity for p in (mother, father) if p is not None and p.ethnicity is not None]
        # "Refused" and "not obtained" are recording outcomes, not ethnic groups.
        codes = [code for code in recorded if code not in ("REFU", "NOBT")]
        if not codes:
            return recorded[0] if recorded else None
        if len(codes) == 1 or codes[0] == codes[1]:
            return codes[0]
        first, second = codes
        if first in _WHITE and second in _MIXED_WITH_WHITE:
            return _MIXED_WITH_WHITE[second]
        if second in _WHITE and first in _MIXED_WITH_WHITE:
            return _MIXED_WITH_WHITE[first]
        return "MOTH"

    def child_sex(self) -> Sex:
        roll = self.rng.random()
        if roll < 0.007:
            return "unknown"
        return "male" if roll < 0.51 else "female"

    def nhs_number(self) -> str | None:
        if self.chance(0.025):
            return None
        while True:
            number = synthetic_nhs_number(self.rng)
            if number not in self.nhs_used:
                self.nhs_used.add(number)
                return number

    def person(self, sex: Sex, dob: date, family: str, ethnicity: str | None) -> _P:
        given = self.first_name(sex)
        middle: str | None = None
        if self.chance(0.55):
            middle = self.first_name(sex)
            if middle == given:
                middle = None
        p = _P(
            id=f"P{len(self.people) + 1:06d}",
            sex=sex,
            dob=dob,
            given=given,
            middle=middle,
            family=family,
            birth_family=family,
            ethnicity=ethnicity,
            nhs=self.nhs_number(),
        )
        self.people.append(p)
        return p

    def adult(self, sex: Sex, dob: date, ethnicity: str | None = None, family: str | None = None) -> _P:
        return self.person(sex, dob, family or self.surname(), ethnicity)

    def link_parent(self, child: _P, parent: _P) -> None:
        self.parents.setdefault(child.id, []).append(parent)
        self.children.setdefault(parent.id, []).append(child)

    def child(self, dob: date, mother: _P | None, father: _P | None, family: str) -> _P:
        kid = self.person(self.child_sex(), dob, family, self.child_ethnicity(mother, father))
        for parent in (mother, father):
            if parent is not None:
                self.link_parent(kid, parent)
        return kid

    def child_surname(self, mother: _P | None, father: _P | None) -> str:
        if father is None:
            return mother.family if mother is not None else self.surname()
        if mother is None or mother.family == father.family:
            return father.family
        roll = self.rng.random()
        if roll < 0.55:
            return father.family
        if roll < 0.88 or "-" in mother.family or "-" in father.family:
            return mother.family
        if self.chance(0.7):
            return f"{father.family}-{mother.family}"
        return f"{mother.family}-{father.family}"

    def couple(self, a: _P, b: _P, start: date, end: date | None, *, married: bool) -> _Union:
        union = _Union(a, b, start, end, married)
        self.unions.append(union)
        if married:
            self.marriage_names(a, b)
        return union

    def marriage_names(self, a: _P, b: _P) -> None:
        if a.family == b.family:
            return
        if a.sex == b.sex:
            if self.chance(0.3):
                b.rename(a.family)
            return
        wife, husband = (a, b) if a.sex == "female" else (b, a)
        roll = self.rng.random()
        if roll < 0.72:
            wife.rename(husband.family)
        elif roll < 0.76:
            husband.rename(wife.family)
        elif roll < 0.83 and "-" not in husband.family and "-" not in wife.family:
            joined = f"{husband.family}-{wife.family}"
            wife.rename(joined)
            husband.rename(joined)

    def separate(self, union: _Union, end: date) -> None:
        """End a union; a married couple usually divorces and may revert names."""
        union.end = end
        if union.married:
            union.divorced = self.chance(0.7)
            for p in (union.a, union.b):
                if p.family != p.birth_family and self.chance(0.5):
                    p.rename(p.birth_family)

    def births_back(
        self,
        youngest: date,
        k: int,
        mother_dob: date | None,
        father_dob: date | None,
        earliest: date | None = None,
    ) -> list[date]:
        """Up to ``k`` birth dates, ascending, ending at ``youngest``, spaced 11 months to 7 years."""
        dobs = [youngest]
        current = youngest
        for _ in range(k - 1):
            current -= timedelta(days=int(self.rng.triangular(330, 2500, 750)))
            if mother_dob is not None and current < add_years(mother_dob, 16):
                break
            if father_dob is not None and current < add_years(father_dob, 17):
                break
            if earliest is not None and current < earliest:
                break
            dobs.append(current)
        dobs.reverse()
        return dobs

    def keep_at_home(self, dobs: Sequence[date]) -> list[date]:
        """Drop children who have grown up and left (not part of this area)."""
        kept = []
        for dob in dobs:
            age = age_on(dob, self.ref)
            if age < 18 or (age <= 22 and self.chance(0.6)):
                kept.append(dob)
        return kept

    def adult_dob(self, dob: date) -> date:
        """``dob``, or an earlier date so that the person is an adult now."""
        latest = add_years(self.ref, -18)
        return dob if dob <= latest else latest - self.days(0, 400)

    def mother_dob_for(self, youngest: date, low: float = 18, high: float = 43, mode: float = 30) -> date:
        return self.adult_dob(youngest - years(self.rng.triangular(low, high, mode)) - self.days(0, 300))

    def partner_dob(self, dob: date, *, older_by: float = 2.5) -> date:
        gap = min(14.0, max(-6.0, self.rng.gauss(older_by, 4.0)))
        return self.adult_dob(dob - years(gap) - self.days(-180, 180))

    def other_surname(self, than: str) -> str:
        while True:
            name = self.surname()
            if name != than:
                return name

    def union_start(self, a: _P, b: _P, first_child: date, max_years_before: float = 7) -> date:
        low = max(add_years(a.dob, 16), add_years(b.dob, 16), first_child - years(max_years_before))
        return rand_date(self.rng, low, max(low, first_child - DAY * 30))

    def end_between(self, low: date, high: date) -> date:
        """A random date in ``[low, high]``, never on or after the reference date."""
        return min(rand_date(self.rng, low, max(low, high)), self.ref - DAY)

    def death_date(self, p: _P, *, after: date, min_age: int = 45) -> date | None:
        """A plausible death date for an older person, or None if they are alive."""
        age = age_on(p.dob, self.ref)
        p_dead = min(0.9, max(0.02, (age - 62) / 28))
        if not self.chance(p_dead):
            return None
        low = max(after, add_years(p.dob, min_age))
        high = self.ref - DAY
        if low >= high:
            return None
        return rand_date(self.rng, max(low, high - years(18)), high)

    # -- address histories --------------------------------------------------

    def own(self, start: date, end: date | None, n: int, *, away: float = 0.15) -> list[Seg]:
        """A chain of ``n`` new addresses from ``start`` until ``end`` (None: to date)."""
        bound = end if end is not None else self.ref
        total = (bound - start).days
        if end is not None and total <= 0:
            return []
        if total < 2:
            return [(self.places.new_local_address(), start, end)]
        n = max(1, min(n, total // 120))
        cuts: list[int] = []
        if n > 1:
            cuts = sorted(self.rng.sample(range(1, total), n - 1))
            bounds_days = [0, *cuts, total]
            if any(b - a < 45 for a, b in zip(bounds_days, bounds_days[1:], strict=False)):
                cuts = cuts[-1:]
        dates = [start, *(start + timedelta(days=c) for c in cuts)]
        segs: list[Seg] = []
        for i, from_date in enumerate(dates):
            last = i == len(dates) - 1
            to_date = end if last else dates[i + 1]
            if last and end is None:
                address = self.places.new_local_address()
            elif self.chance(away):
                address = self.places.new_out_of_area_address()
            else:
                address = self.places.new_local_address()
            segs.append((address, from_date, to_date))
        return segs

    def chain_start(self, p: _P, required: Iterable[date], spread: float = 4) -> date:
        """When an anchor's recorded history starts: before every date it must cover."""
        must = min(required)
        start = must - years(self.rng.uniform(0, spread))
        return min(must, max(start, add_years(p.dob, 16)))

    def address_count(self) -> int:
        return self.rng.choices((1, 2, 3), weights=(0.42, 0.38, 0.2))[0]

    @staticmethod
    def follow(source: Sequence[Seg], start: date, end: date | None) -> list[Seg]:
        """The part of ``source`` between ``start`` and ``end`` (None: open-ended)."""
        out: list[Seg] = []
        for address, from_date, to_date in source:
            low = max(from_date, start)
            if to_date is None:
                high = end
            elif end is None:
                high = to_date
            else:
                high = min(to_date, end)
            if high is None or low < high:
                out.append((address, low, high))
        return out

    def set_history(self, p: _P, *parts: Sequence[Seg]) -> None:
        merged: list[Seg] = []
        for part in parts:
            for seg in part:
                if merged and merged[-1][0] == seg[0] and merged[-1][2] == seg[1]:
                    merged[-1] = (seg[0], merged[-1][1], seg[2])
                else:
                    merged.append(seg)
        # Nobody lives anywhere before they are born or after they die.
        merged = self.follow(merged, p.dob, p.dod)
        # The full history is kept so that people who follow ``p`` see every
        # address; only the last MAX_HISTORY moves are recorded (see freeze).
        p.history = merged

    def pre_chain(self, p: _P, until: date, *, probability: float = 0.6) -> list[Seg]:
        """Maybe one or two addresses of ``p``'s own before ``until``."""
        start = max(add_years(p.dob, 16), until - years(self.rng.uniform(0.5, 6)))
        if start >= until or not self.chance(probability):
            return []
        return self.own(start, until, self.rng.choice((1, 1, 2)), away=0.3)

    def after_separation(self, p: _P, since: date, *, housed: bool, new_family: bool = False) -> list[_P]:
        """Where ``p`` went after leaving a household on ``since``; returns anyone new.

        ``housed`` means a satellite household slot has been granted, so ``p``
        becomes the anchor of a household (perhaps with a new partner and
        children). Otherwise ``p`` left the area.
        """
        if not housed:
            leave = max(self.end_between(since + DAY * 30, self.ref - DAY), since + DAY)
            return self._left_area(p, since, leave)
        post = self.own(since, None, self.rng.choice((1, 1, 2)))
        self.set_history(p, p.history, post)
        members = [p]
        if new_family and since < self.ref - years(1):
            members += self._new_partnership(p, since)
        self.new_household(p, members, "ex_partner")
        return members[1:]

    def _left_area(self, p: _P, since: date, leave: date) -> list[_P]:
        self.set_history(p, p.history, self.own(since, leave, 1, away=0.4))
        return []

    def _new_partnership(self, p: _P, since: date) -> list[_P]:
        rng = self.rng
        start = rand_date(rng, since + DAY * 60, self.ref - DAY * 60)
        sex: Sex = "female" if p.sex == "male" else "male"
        partner = self.adult(sex, self.partner_dob(p.dob, older_by=0), self.partner_ethnicity(p.ethnicity))
        if age_on(partner.dob, start) < 18:
            partner.dob = add_years(start, -18) - self.days(0, 900)
        union = self.couple(p, partner, start, None, married=self.chance(0.3))
        mother = _female_of(p, partner)
        father = partner if mother is p else p
        kids: list[_P] = []
        if mother is not None and self.chance(0.55):
            low = max(union.start + DAY * 270, add_years(mother.dob, 17), add_years(father.dob, 17))
            high = min(self.ref, add_years(mother.dob, 44))
            if low < high:
                dobs = self.births_back(
                    rand_date(rng, low, high), rng.choice((1, 1, 2)), mother.dob, None, low
                )
                family = self.child_surname(mother, father)
                kids = [self.child(dob, mother, father, family) for dob in dobs]
        self.set_history(
            partner, self.pre_chain(partner, start, probability=0.8), self.follow(p.history, start, None)
        )
        for kid in kids:
            self.set_history(kid, self.follow(p.history, kid.dob, None))
        return [partner, *kids]

    # -- households -----------------------------------------------------------

    def new_household(self, anchor: _P, members: list[_P], kind: str) -> _HH:
        hh = _HH(f"H{len(self.households) + 1:06d}", kind, anchor, [])
        self.households.append(hh)
        for member in members:
            self.join(hh, member)
        return hh

    @staticmethod
    def join(hh: _HH, member: _P) -> None:
        member.household = hh
        hh.members.append(member)

    # -- archetypes -----------------------------------------------------------

    def build_families(self) -> None:
        while self.claimed < self.target:
            self.claimed += 1
            kind = self.rng.choices(_ARCHETYPE_NAMES, weights=_ARCHETYPE_WEIGHTS)[0]
            if kind == "couple_family":
                self.couple_family()
            elif kind == "single_parent":
                self.single_parent()
            elif kind == "blended":
                self.blended()
            elif kind == "kinship":
                self.kinship()
            elif kind == "single_adult":
                self.single_adult()
            else:
                self.couple_household()

    def couple_family(self) -> None:
        rng = self.rng
        k = rng.choices((1, 2, 3, 4, 5), weights=(30, 36, 20, 10, 4))[0]
        youngest = self.ref - self.days(0, 17 * 365)
        mother_dob = self.mother_dob_for(youngest)
        father_dob = self.partner_dob(mother_dob)
        all_dobs = self.births_back(youngest, k, mother_dob, None)
        father_dob = min(father_dob, add_years(all_dobs[0], -17) - self.days(0, 400))
        ethnicity = self.ethnicity()
        mother = self.adult("female", mother_dob, ethnicity)
        father = self.adult("male", father_dob, self.partner_ethnicity(ethnicity))
        start = self.union_start(mother, father, all_dobs[0])
        self.couple(mother, father, start, None, married=self.chance(0.58))
        family = self.child_surname(mother, father)
        kids = [self.child(dob, mother, father, family) for dob in self.keep_at_home(all_dobs)]
        if kids and self.chance(0.04):
            kids[-1].rename(f"{father.family}-{mother.family}" if father.family != mother.family else family)

        self.set_history(mother, self.own(self.chain_start(mother, [start]), None, self.address_count()))
        self.set_history(father, self.pre_chain(father, start), self.follow(mother.history, start, None))
        for kid in kids:
            self.set_history(kid, self.follow(mother.history, kid.dob, None))
        hh = self.new_household(mother, [mother, father, *kids], "couple_family")
        self.grandparents(mother, hh, 0.5)
        self.grandparents(father, hh, 0.35)

    def single_parent(self) -> None:
        rng = self.rng
        resident_sex: Sex = "female" if self.chance(0.88) else "male"
        k = rng.choices((1, 2, 3, 4), weights=(38, 35, 18, 9))[0]
        youngest = self.ref - self.days(0, 17 * 365)
        mother_dob = self.mother_dob_for(youngest, 17, 42, 27)
        all_dobs = self.births_back(youngest, k, mother_dob, None)
        pattern = rng.choices(("one", "two", "unknown"), weights=(70, 18, 12))[0]
        if resident_sex == "male" or len(all_dobs) < 2:
            pattern = "one" if pattern == "two" or resident_sex == "male" else pattern
        ethnicity = self.ethnicity()
        mother = self.adult("female", mother_dob, ethnicity)
        resident = mother
        # Children grouped by father: each group is (father or None, birth dates).
        groups: list[tuple[_P | None, list[date]]]
        if pattern == "unknown":
            groups = [(None, all_dobs)]
        elif pattern == "one":
            groups = [(None, all_dobs)]
        else:
            split = rng.randint(1, len(all_dobs) - 1)
            groups = [(None, all_dobs[:split]), (None, all_dobs[split:])]

        unions: list[_Union] = []
        made: list[tuple[_P | None, list[_P]]] = []
        previous_end: date | None = None
        for index, (_, dobs) in enumerate(groups):
            father: _P | None = None
            if pattern != "unknown":
                father_dob = min(self.partner_dob(mother_dob), add_years(dobs[0], -17) - self.days(0, 400))
                father = self.adult("male", father_dob, self.partner_ethnicity(ethnicity))
                start = self.union_start(mother, father, dobs[0], 5)
                if previous_end is not None:
                    start = max(start, previous_end)
                unions.append(self.couple(mother, father, start, None, married=self.chance(0.3)))
                if index == 0 and resident_sex == "male":
                    resident = father
            family = self.child_surname(mother, father)
            kids = [self.child(dob, mother, father, family) for dob in self.keep_at_home(dobs)]
            if father is not None:
                is_last = index == len(groups) - 1
                next_birth = groups[index + 1][1][0] if not is_last else self.ref
                low = max(unions[-1].start + DAY * 60, dobs[-1] - DAY * 150)
                high = (
                    min(self.ref - DAY * 30, next_birth - DAY * 240) if not is_last else self.ref - DAY * 30
                )
                end = self.end_between(low, high)
                self.separate(unions[-1], end)
                previous_end = end
            made.append((father, kids))

        all_kids = [kid for _, kids in made for kid in kids]
        if not all_kids:
            # Every child has grown up and left: keep the youngest at home.
            father, _ = made[-1]
            family = self.child_surname(mother, father)
            all_kids = [self.child(groups[-1][1][-1], mother, father, family)]
            made[-1] = (father, all_kids)

        required = [u.start for u in unions] + [kid.dob for kid in all_kids]
        self.set_history(resident, self.own(self.chain_start(resident, required), None, self.address_count()))
        for union in unions:
            other = union.a if union.b is resident else union.b
            if other is resident:
                continue
            end = union.end or self.ref
            self.set_history(
                other, self.pre_chain(other, union.start), self.follow(resident.history, union.start, end)
            )
        for kid in all_kids:
            self.set_history(kid, self.follow(resident.history, kid.dob, None))
        hh = self.new_household(resident, [resident, *all_kids], "single_parent")

        for union in unions:
            other = union.a if union.b is resident else union.b
            if other is resident or union.end is None:
                continue
            roll = rng.random()
            if roll < 0.05 and age_on(other.dob, self.ref) > 30 and union.end < self.ref - DAY * 60:
                other.dod = rand_date(rng, union.end + DAY * 30, self.ref - DAY)
                self.set_history(other, other.history, self.own(union.end, other.dod, 1))
            else:
                housed = roll < 0.7 and self.grant_satellite()
                self.after_separation(other, union.end, housed=housed, new_family=self.chance(0.45))
        self.grandparents(resident, hh, 0.5)

    def blended(self) -> None:
        rng = self.rng
        a_sex: Sex = "female" if self.chance(0.8) else "male"
        together = self.ref - years(rng.uniform(0.7, 11))
        youngest_prev = rand_date(rng, max(self.ref - years(16.5), together - years(8)), together - DAY * 120)
        mother_dob = self.mother_dob_for(youngest_prev, 17, 38, 25)
        prev_dobs = self.births_back(
            youngest_prev, rng.choices((1, 2, 3), weights=(45, 40, 15))[0], mother_dob, None
        )
        father_dob = min(self.partner_dob(mother_dob), add_years(prev_dobs[0], -17) - self.days(0, 400))
        ethnicity = self.ethnicity()
        mother = self.adult("female", mother_dob, ethnicity)
        father = self.adult("male", father_dob, self.partner_ethnicity(ethnicity))
        a, x = (mother, father) if a_sex == "female" else (father, mother)
        first = self.couple(
            a, x, self.union_start(mother, father, prev_dobs[0], 5), None, married=self.chance(0.35)
        )
        prev_family = self.child_surname(mother, father)
        prev_kids = [self.child(dob, mother, father, prev_family) for dob in self.keep_at_home(prev_dobs)]
        low = max(first.start + DAY * 60, prev_dobs[-1] - DAY * 150)
        self.separate(first, self.end_between(low, together - DAY * 60))

        b_sex: Sex = "male" if a.sex == "female" else "female"
        b = self.adult(
            b_sex,
            self.partner_dob(a.dob, older_by=2 if b_sex == "male" else -2),
            self.partner_ethnicity(a.ethnicity),
        )
        if age_on(b.dob, together) < 18:
            b.dob = add_years(together, -18) - self.days(0, 1500)
        current = self.couple(a, b, together, None, married=self.chance(0.4))
        joint_mother = _female_of(a, b)
        joint_father = b if joint_mother is a else a
        joint: list[_P] = []
        if joint_mother is not None and self.chance(0.62):
            low = max(together + DAY * 270, add_years(joint_mother.dob, 17), add_years(joint_father.dob, 17))
            high = min(self.ref, add_years(joint_mother.dob, 44))
            if low < high:
                k = rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
                dobs = self.births_back(rand_date(rng, low, high), k, joint_mother.dob, None, low)
                family = self.child_surname(joint_mother, joint_father)
                joint = [self.child(dob, joint_mother, joint_father, family) for dob in dobs]
        if current.married and prev_kids and a.sex == "female" and self.chance(0.12):
            for kid in prev_kids:
                if age_on(kid.dob, self.ref) < 16:
                    kid.rename(b.family)

        # B's children from an earlier relationship, with them or with their other parent.
        b_kids: list[_P] = []
        b_ex: _P | None = None
        b_union: _Union | None = None
        b_kids_here = False
        roll = rng.random()
        if roll < 0.5:
            b_kids_here = roll < 0.2
            low = max(self.ref - years(16.5), add_years(b.dob, 18), together - years(10))
            high = together - DAY * 60
            if b.sex == "female":
                high = min(high, add_years(b.dob, 43))
            if low < high:
                youngest_b = rand_date(rng, low, high)
                k_b = rng.choice((1, 1, 2))
                y_sex: Sex = "female" if b.sex == "male" else "male"
                if y_sex == "female":
                    y_dob = self.mother_dob_for(youngest_b, 18, 40, 27)
                    dobs_b = self.births_back(youngest_b, k_b, y_dob, b.dob)
                else:
                    dobs_b = self.births_back(youngest_b, k_b, b.dob, None)
                    y_dob = min(self.partner_dob(b.dob), add_years(dobs_b[0], -17) - self.days(0, 300))
                b_ex = self.adult(y_sex, y_dob, self.partner_ethnicity(b.ethnicity))
                b_union = self.couple(
                    b, b_ex, self.union_start(b, b_ex, dobs_b[0], 5), None, married=self.chance(0.3)
                )
                bm, bf = (b, b_ex) if b.sex == "female" else (b_ex, b)
                family = self.child_surname(bm, bf)
                b_kids = [self.child(dob, bm, bf, family) for dob in dobs_b if age_on(dob, self.ref) < 18]
                low_end = max(b_union.start + DAY * 60, dobs_b[-1] - DAY * 120)
                self.separate(b_union, self.end_between(low_end, together - DAY * 30))

        # Address histories.
        required = [first.start, together, *(kid.dob for kid in prev_kids)]
        self.set_history(a, self.own(self.chain_start(a, required), None, self.address_count()))
        first_end = first.end or together
        self.set_history(x, self.pre_chain(x, first.start), self.follow(a.history, first.start, first_end))
        for kid in [*prev_kids, *joint]:
            self.set_history(kid, self.follow(a.history, kid.dob, None))
        if b_union is not None and b_ex is not None:
            b_required = [b_union.start, *(kid.dob for kid in b_kids)]
            b_pre = self.own(self.chain_start(b, b_required, 3), together, self.rng.choice((1, 2)), away=0.25)
            self.set_history(b, b_pre, self.follow(a.history, together, None))
            b_end = b_union.end or together
            self.set_history(
                b_ex, self.pre_chain(b_ex, b_union.start), self.follow(b.history, b_union.start, b_end)
            )
        else:
            self.set_history(
                b, self.pre_chain(b, together, probability=0.9), self.follow(a.history, together, None)
            )

        members = [a, b, *prev_kids, *joint]
        away_kids: list[_P] = []
        if b_kids_here:
            for kid in b_kids:
                self.set_history(kid, self.follow(b.history, kid.dob, None))
            members += b_kids
        else:
            away_kids = b_kids
        if not prev_kids and not joint and not (b_kids_here and b_kids):
            # Keep at least one child at home so this stays a family household.
            kid = self.child(youngest_prev, mother, father, prev_family)
            self.set_history(kid, self.follow(a.history, kid.dob, None))
            prev_kids.append(kid)
            members.append(kid)
        hh = self.new_household(a, members, "blended")

        # The first ex-partner.
        if (
            rng.random() < 0.04
            and age_on(x.dob, self.ref) > 30
            and first.end is not None
            and first.end < together
        ):
            x.dod = rand_date(rng, first.end + DAY * 30, self.ref - DAY)
            self.set_history(x, x.history, self.own(first.end, x.dod, 1))
        elif first.end is not None:
            housed = self.chance(0.65) and self.grant_satellite()
            self.after_separation(x, first.end, housed=housed, new_family=self.chance(0.35))

        # B's ex-partner, with B's children if they do not live here.
        if b_ex is not None and b_union is not None and b_union.end is not None:
            if away_kids:
                if self.grant_satellite():
                    self.set_history(b_ex, b_ex.history, self.own(b_union.end, None, self.rng.choice((1, 2))))
                    for kid in away_kids:
                        self.set_history(
                            kid,
                            self.follow(b.history, kid.dob, b_union.end),
                            self.follow(b_ex.history, b_union.end, None),
                        )
                    self.new_household(b_ex, [b_ex, *away_kids], "ex_partner")
                else:
                    # No room elsewhere: the children live with B after all.
                    for kid in away_kids:
                        self.set_history(kid, self.follow(b.history, kid.dob, None))
                        self.join(hh, kid)
            else:
                self.after_separation(b_ex, b_union.end, housed=self.chance(0.5) and self.grant_satellite())
        self.grandparents(a, hh, 0.45)
        self.grandparents(b, hh, 0.25)

    def kinship(self) -> None:
        rng = self.rng
        youngest = self.ref - self.days(0, 14 * 365)
        d_dob = self.mother_dob_for(youngest, 16, 34, 22)
        dobs = self.births_back(youngest, rng.choices((1, 2, 3), weights=(50, 35, 15))[0], d_dob, None)
        dobs = [dob for dob in dobs if age_on(dob, self.ref) < 18] or [youngest]
        gm_dob = d_dob - years(rng.triangular(17, 36, 23)) - self.days(0, 300)
        ethnicity = self.ethnicity()
        grandfather_family = self.surname()
        gm = self.adult("female", gm_dob, ethnicity, grandfather_family)
        gf: _P | None = None
        g_union: _Union | None = None
        if self.chance(0.55):
            gf_dob = min(self.partner_dob(gm_dob), add_years(d_dob, -18) - self.days(0, 700))
            gf = self.adult("male", gf_dob, self.partner_ethnicity(ethnicity), grandfather_family)
            if self.chance(0.8):
                gm.birth_family = self.other_surname(grandfather_family)
                gm.prev.append(gm.birth_family)
            g_union = _Union(gm, gf, self.union_start(gm, gf, d_dob, 6), None, married=True)
            self.unions.append(g_union)
        d = self.person("female", d_dob, grandfather_family, self.child_ethnicity(gm, gf))
        self.link_parent(d, gm)
        if gf is not None:
            self.link_parent(d, gf)
        father: _P | None = None
        d_union: _Union | None = None
        if self.chance(0.5):
            father_dob = min(self.partner_dob(d_dob), add_years(dobs[0], -17) - self.days(0, 400))
            father = self.adult("male", father_dob, self.partner_ethnicity(d.ethnicity))
            d_union = self.couple(
                d, father, self.union_start(d, father, dobs[0], 4), None, married=self.chance(0.15)
            )
        family = self.child_surname(d, father)
        kids = [self.child(dob, d, father, family) for dob in dobs]
        if d_union is not None:
            low = max(d_union.start + DAY * 60, dobs[-1] - DAY * 150)
            self.separate(d_union, self.end_between(low, self.ref - DAY * 60))

        # Placement with the grandparents, and why.
        placed = (
            rand_date(rng, youngest + DAY, self.ref - DAY * 14)
            if youngest < self.ref - DAY * 15
            else youngest
        )
        outcome = rng.choices(("died", "housed", "left"), weights=(20, 45, 35))[0]
        if outcome == "died" and placed > d.dob + years(17):
            d.dod = placed
        elif outcome == "housed":
            outcome = "housed" if self.grant_satellite() else "left"
        else:
            outcome = "left"
        if outcome == "died" and d.dod is None:
            outcome = "left"
        if d.dod is not None and d_union is not None and d_union.end is not None and d_union.end > d.dod:
            d_union.end = d.dod

        if gf is not None and g_union is not None and self.chance(0.15):
            gf.dod = self.death_date(gf, after=max(d.dob + years(10), placed - years(3)), min_age=50)

        g_required = [placed] + ([g_union.start] if g_union is not None else [])
        self.set_history(gm, self.own(self.chain_start(gm, g_required), None, self.address_count()))
        if gf is not None and g_union is not None:
            self.set_history(
                gf,
                self.pre_chain(gf, g_union.start, probability=0.3),
                self.follow(gm.history, g_union.start, gf.dod),
            )
        d_required = [kids[0].dob] + ([d_union.start] if d_union is not None else [])
        d_start = self.chain_start(d, d_required, 3)
        if outcome == "died":
            d_chain = self.own(d_start, d.dod, self.rng.choice((1, 2)))
        elif outcome == "housed":
            d_chain = self.own(d_start, None, self.rng.choice((2, 3)))
        else:
            leave = (
                rand_date(rng, placed + DAY, self.ref - DAY)
                if placed < self.ref - DAY * 2
                else self.ref - DAY
            )
            d_chain = self.own(d_start, max(leave, placed + DAY), self.rng.choice((1, 2)), away=0.3)
        self.set_history(d, d_chain)
        for kid in kids:
            self.set_history(
                kid, self.follow(d.history, kid.dob, placed), self.follow(gm.history, placed, None)
            )
        members = [gm] + ([gf] if gf is not None and gf.alive() else []) + kids
        self.new_household(gm, members, "kinship")
        if outcome == "housed":
            self.new_household(d, [d], "ex_partner")
        if father is not None and d_union is not None and d_union.end is not None:
            self.set_history(
                father,
                self.pre_chain(father, d_union.start),
                self.follow(d.history, d_union.start, d_union.end),
            )
            self.after_separation(father, d_union.end, housed=self.chance(0.2) and self.grant_satellite())

    def single_adult(self) -> None:
        rng = self.rng
        sex: Sex = "female" if self.chance(0.5) else "male"
        dob = self.ref - years(rng.triangular(18, 92, 30)) - self.days(0, 364)
        p = self.adult(sex, dob, self.ethnicity())
        other: _P | None = None
        union: _Union | None = None
        age = age_on(dob, self.ref)
        if age >= 30 and self.chance(0.3):
            other_sex: Sex = "male" if sex == "female" else "female"
            other = self.adult(
                other_sex, self.partner_dob(dob, older_by=0), self.partner_ethnicity(p.ethnicity)
            )
            start = rand_date(rng, max(add_years(dob, 18), add_years(other.dob, 18)), self.ref - years(1.5))
            widowed = age >= 60 and self.chance(0.6)
            union = self.couple(p, other, start, None, married=widowed or self.chance(0.4))
            if widowed:
                other.dod = rand_date(
                    rng, max(start + years(1), add_years(other.dob, 50)), self.ref - DAY * 30
                )
            else:
                self.separate(union, self.end_between(start + DAY * 200, self.ref - DAY * 60))
        required = [union.start] if union is not None else [self.ref - years(rng.uniform(0.2, 15))]
        self.set_history(p, self.own(self.chain_start(p, required), None, self.address_count()))
        hh = self.new_household(p, [p], "single_adult")
        if other is not None and union is not None:
            end = other.dod or union.end or self.ref
            self.set_history(
                other, self.pre_chain(other, union.start), self.follow(p.history, union.start, end)
            )
            if other.dod is None:
                self.after_separation(other, end, housed=False)
        if age <= 30:
            self.grandparents(p, hh, 0.4, lives_with=0.0)

    def couple_household(self) -> None:
        rng = self.rng
        a_sex: Sex = "female" if self.chance(0.5) else "male"
        same_sex = self.chance(0.05)
        b_sex: Sex = a_sex if same_sex else ("male" if a_sex == "female" else "female")
        dob = self.ref - years(rng.triangular(19, 90, 34)) - self.days(0, 364)
        a = self.adult(a_sex, dob, self.ethnicity())
        b = self.adult(
            b_sex,
            self.partner_dob(dob, older_by=2 if b_sex == "male" else -2),
            self.partner_ethnicity(a.ethnicity),
        )
        if age_on(b.dob, self.ref) < 19:
            b.dob = add_years(self.ref, -19) - self.days(0, 900)
        low = max(add_years(a.dob, 18), add_years(b.dob, 18), self.ref - years(45))
        start = rand_date(rng, low, max(low, self.ref - DAY * 60))
        married = self.chance(0.35 + min(0.5, age_on(dob, self.ref) / 150))
        self.couple(a, b, start, None, married=married)
        self.set_history(a, self.own(self.chain_start(a, [start]), None, self.address_count()))
        self.set_history(b, self.pre_chain(b, start), self.follow(a.history, start, None))
        hh = self.new_household(a, [a, b], "couple")
        if age_on(dob, self.ref) <= 35:
            self.grandparents(a, hh, 0.3, lives_with=0.0)

    def grandparents(self, p: _P, hh: _HH, probability: float, *, lives_with: float = 0.12) -> None:
        """Maybe add ``p``'s parents: in the area, living with ``p``, or deceased."""
        rng = self.rng
        if p.id in self.parents or not self.chance(probability):
            return
        gm_dob = p.dob - years(rng.triangular(17, 40, 26)) - self.days(0, 300)
        gf_dob = min(self.partner_dob(gm_dob), add_years(p.dob, -18) - self.days(0, 700))
        arrangement = rng.choices(("together", "mother_only", "father_only"), weights=(62, 30, 8))[0]
        gm_dod = gf_dod = None
        ethnicity = p.ethnicity
        # Decide deaths first, so that we know who needs a home.
        gm_dod = self._maybe_death(gm_dob, p.dob)
        gf_dod = self._maybe_death(gf_dob, p.dob)
        alive = []
        if arrangement in ("together", "mother_only") and gm_dod is None:
            alive.append("gm")
        if arrangement in ("together", "father_only") and gf_dod is None:
            alive.append("gf")
        in_household = len(alive) == 1 and hh.kind != "kinship" and self.chance(lives_with)
        housed = False
        if not alive and self.chance(0.4):
            return  # long-dead grandparents are often not on record
        if alive and not in_household:
            housed = self.grant_satellite()
            if not housed:
                # Living grandparents outside the area are not part of the data,
                # but a deceased one may still be recorded.
                if (
                    arrangement == "together"
                    and (gm_dod is not None or gf_dod is not None)
                    and self.chance(0.5)
                ):
                    arrangement = "mother_only" if gm_dod is not None else "father_only"
                    alive = []
                else:
                    return
        family = p.birth_family
        gm: _P | None = None
        gf: _P | None = None
        if arrangement in ("together", "mother_only"):
            gm = self.adult("female", gm_dob, ethnicity, family)
            gm.dod = gm_dod
            if arrangement == "together" and self.chance(0.85):
                maiden = self.other_surname(family)
                gm.birth_family = maiden
                gm.prev.append(maiden)
            self.link_parent(p, gm)
        if arrangement in ("together", "father_only"):
            gf = self.adult("male", gf_dob, ethnicity, family)
            gf.dod = gf_dod
            self.link_parent(p, gf)

        union: _Union | None = None
        if gm is not None and gf is not None:
            # Their names were settled above, so no marriage_names() here.
            union = _Union(gm, gf, self.union_start(gm, gf, p.dob, 6), None, married=True)
            self.unions.append(union)
        # The anchor is whoever is alive (or died last); the other follows them.
        people = [g for g in (gm, gf) if g is not None]
        people.sort(key=lambda g: (g.dod is None, g.dod or self.ref), reverse=True)
        anchor = people[0]
        other = people[1] if len(people) > 1 else None
        joined: date | None = None
        required = [union.start] if union is not None else [p.dob + years(rng.uniform(0, 10))]
        start = self.chain_start(anchor, required, 6)
        if in_household:
            moved_in = hh.anchor.history[-1][1]
            joined = rand_date(rng, max(moved_in, self.ref - years(8)), self.ref - DAY * 30)
            if other is not None and other.dod is not None:
                joined = max(joined, min(other.dod + DAY * 30, self.ref - DAY))
            pre = self.own(start, joined, self.address_count())
            self.set_history(anchor, pre, self.follow(hh.anchor.history, joined, None))
        elif anchor.dod is not None:
            self.set_history(anchor, self.own(start, anchor.dod, self.address_count()))
        else:
            self.set_history(anchor, self.own(start, None, self.address_count()))
        if other is not None and union is not None:
            self.set_history(
                other,
                self.pre_chain(other, union.start, probability=0.3),
                self.follow(anchor.history, union.start, other.dod),
            )
        if in_household:
            self.join(hh, anchor)
        elif housed:
            living = [g for g in people if g.alive()]
            self.new_household(anchor, living, "grandparents")

    def _maybe_death(self, dob: date, child_dob: date) -> date | None:
        age = age_on(dob, self.ref)
        p_dead = min(0.85, max(0.01, (age - 60) / 30))
        if not self.chance(p_dead):
            return None
        low = max(child_dob + years(2), add_years(dob, 48))
        high = self.ref - DAY
        if low >= high:
            return None
        return rand_date(self.rng, max(low, high - years(20)), high)

    # -- schools ----------------------------------------------------------------

    @staticmethod
    def _stage(dob: date, on: date) -> str | None:
        """``primary``, ``secondary`` or ``sixth`` in the school year containing ``on``."""
        year = age_on(dob, academic_year_start(on) - DAY) - 4
        if year < 0 or year > 13:
            return None
        return "primary" if year <= 6 else "secondary" if year <= 11 else "sixth"

    def _pool(self, town: str, stage: str) -> list[str]:
        key = (town, stage)
        if key not in self.school_pools:
            self.school_pools[key] = self.places.school_pool(town, stage, 1, 1_000_000)
        return self.school_pools[key]

    def assign_schools(self) -> None:
        pupils: dict[tuple[str, str], list[tuple[_HH, _P]]] = {}
        for hh in self.households:
            town = self.places.town_of(hh.anchor.history[-1][0])
            for member in hh.members:
                stage = self._stage(member.dob, self.ref)
                if stage is not None and member.dod is None:
                    pupils.setdefault((town, stage), []).append((hh, member))
        for (town, stage), group in pupils.items():
            if stage == "sixth":
                college = self.places.school_pool(town, "college", len(group), 1)
                for hh, pupil in group:
                    roll = self.rng.random()
                    if roll < 0.1:
                        continue  # not in education
                    if roll < 0.45:
                        pupil.school = college[0]
                    else:
                        pupil.school = self.household_school.get((hh.id, "secondary")) or self.rng.choice(
                            self._pool(town, "secondary")
                        )
                continue
            per_school = 210 if stage == "primary" else 900
            pool = self.places.school_pool(town, stage, len(group), per_school)
            self.school_pools[(town, stage)] = pool
            for hh, pupil in group:
                if self.chance(0.025):
                    continue  # elective home education or missing from education
                key = (hh.id, stage)
                if key not in self.household_school or self.chance(0.08):
                    self.household_school[key] = self.rng.choice(pool)
                pupil.school = self.household_school[key]

    def _school_on(self, child: _P, hh: _HH, on: date) -> str | None:
        """The school ``child`` attended on ``on`` (their current one, or an earlier stage's)."""
        if child.school is None:
            return None
        then, now = self._stage(child.dob, on), self._stage(child.dob, self.ref)
        if then is None:
            return None
        if then == now or (then == "secondary" and not child.school.endswith(" College")):
            return child.school
        town = self.places.town_of(hh.anchor.history[-1][0])
        known = self.household_school.get((hh.id, then))
        return known or self._pool(town, then)[0]

    # -- relationships ------------------------------------------------------------

    def relationships(self) -> list[Relationship]:
        rels: dict[tuple[str, str, RelationshipKind], Relationship] = {}

        def add(a: str, b: str, kind: RelationshipKind, status: PartnershipStatus | None = None) -> None:
            if kind in ("partner", "spouse", "ex_partner", "sibling", "half_sibling") and b < a:
                a, b = b, a
            rels.setdefault((a, b, kind), Relationship(a, b, kind, status))

        for p in self.people:
            for parent in self.parents.get(p.id, []):
                add(parent.id, p.id, "parent")
                for grandparent in self.parents.get(parent.id, []):
                    add(grandparent.id, p.id, "grandparent")
        for kids in self.children.values():
            for i, first in enumerate(kids):
                first_parents = [q.id for q in self.parents[first.id]]
                for second in kids[i + 1 :]:
                    second_parents = [q.id for q in self.parents[second.id]]
                    if sorted(first_parents) == sorted(second_parents):
                        add(first.id, second.id, "sibling")
                    elif len(set(first_parents) & set(second_parents)) == 1:
                        add(first.id, second.id, "half_sibling")
        for union in self.unions:
            a, b = union.a, union.b
            if union.end is None:
                if a.dod is not None or b.dod is not None:
                    add(a.id, b.id, "spouse", "widowed")
                else:
                    add(a.id, b.id, "spouse" if union.married else "partner", "current")
            elif union.married and not union.divorced:
                add(a.id, b.id, "spouse", "separated")
            else:
                add(a.id, b.id, "ex_partner", "divorced" if union.married else "separated")
        # Step-parents: a current partner of a child's parent, living with them both.
        partner_of: dict[str, list[_P]] = {}
        for union in self.unions:
            if union.end is None and union.a.alive() and union.b.alive():
                partner_of.setdefault(union.a.id, []).append(union.b)
                partner_of.setdefault(union.b.id, []).append(union.a)
        for p in self.people:
            parents = self.parents.get(p.id, [])
            if p.household is None or age_on(p.dob, self.ref) >= 25:
                continue
            for parent in parents:
                if parent.household is not p.household:
                    continue
                for partner in partner_of.get(parent.id, []):
                    if (
                        partner not in parents
                        and partner.household is p.household
                        and age_on(partner.dob, p.dob) >= 14
                    ):
                        add(partner.id, p.id, "step_parent")
        return sorted(rels.values(), key=lambda r: (r.from_id, r.to_id, r.kind))

    # -- referrals ------------------------------------------------------------------

    def referrals(self, count: int) -> list[Referral]:
        rng = self.rng
        if count <= 0:
            return []
        days, weights = referral_days(self.ref)
        dates = sorted(rng.choices(days, weights=weights, k=count))
        first_repeat = max(1, count // 10)
        repeat_slots = set(
            rng.sample(
                range(first_repeat, count), min(count - first_repeat, round(count * rng.uniform(0.15, 0.2)))
            )
        )
        earliest = days[0]
        candidates: list[tuple[_HH, list[_P]]] = []
        for hh in self.households:
            kids = [m for m in hh.members if m.dod is None and age_on(m.dob, earliest) < 18]
            if kids:
                candidates.append((hh, sorted(kids, key=lambda k: (k.dob, k.id))))
        if not candidates:
            return []
        weights_hh = [_REFERRAL_WEIGHT.get(hh.kind, 1.0) for hh, _ in candidates]
        referred: set[str] = set()
        unreferred = sum(len(kids) for _, kids in candidates)
        # fresh_after[i]: referrals after i that are planned as first referrals.
        fresh_after = [0] * count
        for i in range(count - 2, -1, -1):
            fresh_after[i] = fresh_after[i + 1] + (i + 1 not in repeat_slots)
        made: list[tuple[date, _HH, list[_P], ConcernCategory]] = []
        out: list[Referral] = []
        for index, received in enumerate(dates):
            pick: tuple[_HH, list[_P], ConcernCategory | None] | None = None
            if index in repeat_slots:
                pick = self._repeat(made, received)
            if pick is None:
                # Name several siblings only while enough unreferred children remain
                # for the first referrals still to come (so the re-referral share
                # stays near its target even in a small, heavily referred area).
                spare = unreferred - 1 - round(fresh_after[index] * 1.2)
                pick = self._fresh(candidates, weights_hh, referred, received, spare=spare)
            if pick is None:
                pick = self._repeat(made, received)
            if pick is None:
                continue
            hh, kids, previous_category = pick
            for kid in kids:
                if kid.id not in referred:
                    referred.add(kid.id)
                    unreferred -= 1
            referral = self._referral(len(out) + 1, received, hh, kids, previous_category)
            made.append((received, hh, kids, referral.concern_categories[0]))
            out.append(referral)
        return out

    @staticmethod
    def _eligible(kid: _P, on: date) -> bool:
        return kid.dob <= on and age_on(kid.dob, on) < 18

    def _repeat(
        self, made: list[tuple[date, _HH, list[_P], ConcernCategory]], received: date
    ) -> tuple[_HH, list[_P], ConcernCategory | None] | None:
        earlier = [m for m in made if m[0] < received - DAY * 7]
        for _ in range(6):
            if not earlier:
                return None
            _, hh, kids, category = self.rng.choice(earlier)
            still = [kid for kid in kids if self._eligible(kid, received)]
            if still:
                if len(still) > 1 and self.chance(0.25):
                    still = [self.rng.choice(still)]
                return hh, still, category if self.chance(0.55) else None
        return None

    def _fresh(
        self,
        candidates: list[tuple[_HH, list[_P]]],
        weights: list[float],
        referred: set[str],
        received: date,
        *,
        spare: int,
    ) -> tuple[_HH, list[_P], ConcernCategory | None] | None:
        def available(kids: list[_P]) -> list[_P]:
            return [kid for kid in kids if kid.id not in referred and self._eligible(kid, received)]

        for _ in range(25):
            hh, kids = self.rng.choices(candidates, weights=weights)[0]
            free = available(kids)
            if free:
                break
        else:
            options = [(hh, free) for hh, kids in candidates if (free := available(kids))]
            if not options:
                return None
            hh, free = self.rng.choice(options)
        group = free[-4:]
        if len(group) == 1 or len(group) - 1 > spare or self.chance(0.45):
            return hh, [self.rng.choice(free)], None
        return hh, group, None

    def _referral(
        self, number: int, received: date, hh: _HH, kids: list[_P], previous: ConcernCategory | None
    ) -> Referral:
        rng = self.rng
        child = rng.choice(kids)
        age = age_on(child.dob, received)
        cast = self._cast(received, hh, kids, child)
        school = self._school_on(child, hh, received)
        category = (
            previous if previous is not None and texts.category_allowed(previous, age, child.sex) else None
        )
        template = self._template(category, child, age, school, cast) if category is not None else None
        while template is None:
            category = rng.choices(
                CONCERN_CATEGORIES, weights=[_CONCERN_WEIGHTS[c] for c in CONCERN_CATEGORIES]
            )[0]
            if texts.category_allowed(category, age, child.sex):
                template = self._template(category, child, age, school, cast)
        categories: list[ConcernCategory] = [template.category]
        options = [
            c
            for c in texts.CO_OCCURRING[template.category]
            if c in texts.SECONDARY and texts.category_allowed(c, age, child.sex)
        ]
        extra = min(len(options), rng.choices((0, 1, 2), weights=(50, 35, 15))[0])
        categories += rng.sample(options, extra)
        agency: AgencyKind = rng.choice(template.agencies)
        context = self._context(received, hh, kids, child, cast, school)
        sentences = [template.text.format_map(context)]
        sentences += [rng.choice(texts.SECONDARY[c]).format_map(context) for c in categories[1:]]
        text = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), " ".join(sentences))
        return Referral(
            id=f"R{number:06d}",
            child_ids=tuple(kid.id for kid in kids),
            household_id=hh.id,
            received_on=received,
            referrer_agency_kind=agency,
            referrer_name=self._referrer_name(agency, child),
            concern_categories=tuple(categories),
            text=text,
        )

    def _template(
        self, category: ConcernCategory, child: _P, age: int, school: str | None, cast: _Cast
    ) -> texts.Template | None:
        fits = [
            t
            for t in texts.TEMPLATES
            if t.category == category
            and t.min_age <= age <= t.max_age
            and (school is not None or not t.needs_school)
            and (child.sex == "female" or not t.female_child)
            and (cast.carer.sex == "female" or not t.female_carer)
            and (cast.other_absent or not t.absent_other)
            and (cast.other_resident or not t.resident_other)
        ]
        return self.rng.choice(fits) if fits else None

    def _referrer_name(self, agency: AgencyKind, child: _P) -> str:
        rng = self.rng
        if agency == "anonymous":
            return "Anonymous"
        if agency == "family_member":
            relatives = [
                g
                for parent in self.parents.get(child.id, [])
                for g in self.parents.get(parent.id, [])
                if g.alive()
            ]
            if relatives:
                relative = rng.choice(relatives)
                return f"{relative.given} {relative.family}"
        if agency == "public" and self.chance(0.25):
            return "Name withheld"
        sex: Sex = "female" if self.chance(0.62) else "male"
        name = f"{self.first_name(sex)} {self.surname()}"
        if agency == "police":
            return f"{rng.choice(('PC', 'PC', 'PC', 'DC', 'PS'))} {name}"
        if agency in ("gp", "hospital"):
            return f"Dr {name}"
        if agency == "school":
            title = rng.choice(("Mrs", "Ms", "Miss")) if sex == "female" else "Mr"
            return f"{title} {name}"
        return name

    def _relation(self, adult: _P, child: _P) -> str:
        parents = self.parents.get(child.id, [])
        if adult in parents:
            return {"female": "mother", "male": "father"}.get(adult.sex, "parent")
        if any(adult in self.parents.get(parent.id, []) for parent in parents):
            return {"female": "grandmother", "male": "grandfather"}.get(adult.sex, "grandparent")
        for parent in parents:
            if any(u.end is None and adult in (u.a, u.b) and parent in (u.a, u.b) for u in self.unions):
                return {"female": "stepmother", "male": "stepfather"}.get(adult.sex, "step-parent")
        if any(parent in self.parents.get(adult.id, []) for parent in parents):
            return {"female": "older sister", "male": "older brother"}.get(adult.sex, "older sibling")
        return "carer"

    def _cast(self, received: date, hh: _HH, kids: list[_P], child: _P) -> _Cast:
        """Who a referral about ``child`` talks about: the carer and one other adult."""
        adults = [m for m in hh.members if m not in kids and age_on(m.dob, received) >= 18 and m.dod is None]
        parents = self.parents.get(child.id, [])
        resident_parents = sorted((p for p in parents if p in adults), key=lambda p: p.sex != "female")
        grand = [g for g in adults if any(g in self.parents.get(p.id, []) for p in parents)]
        carer = (resident_parents or grand or sorted(adults, key=lambda a: a.dob) or [hh.anchor])[0]
        other: _P | None = None
        for union in self.unions:
            if carer in (union.a, union.b):
                partner = union.b if union.a is carer else union.a
                if union.end is None and partner.dod is None and partner in adults:
                    other = partner
                    break
        resident = other is not None
        if other is None:
            absent = [p for p in parents if p is not carer and p.dod is None]
            other = absent[0] if absent else None
        return _Cast(carer, other, other_resident=resident, other_absent=other is not None and not resident)

    def _context(
        self, received: date, hh: _HH, kids: list[_P], child: _P, cast: _Cast, school: str | None
    ) -> dict[str, str]:
        rng = self.rng
        carer, other = cast.carer, cast.other
        carer_rel = self._relation(carer, child)
        parents = self.parents.get(child.id, [])
        if other is not None:
            other_rel = self._relation(other, child)
            if other_rel == "carer":
                other_rel = f"{carer_rel}'s partner"
            other_given, other_full, other_sex = other.given, f"{other.given} {other.family}", other.sex
        else:
            other_sex = "male" if carer.sex == "female" else "female"
            other_given = self.first_name(other_sex)
            other_full = f"{other_given} {self.surname()}"
            other_rel = "a family friend"

        adults = [m for m in hh.members if m not in kids and age_on(m.dob, received) >= 18 and m.dod is None]
        alt = [a for a in adults if a is not carer and a is not other]
        if alt:
            relation = self._relation(alt[0], child)
            alt_carer = f"{'' if relation == 'carer' else relation + ' '}{alt[0].given} {alt[0].family}"
        else:
            grandparents = [
                g
                for p in parents
                for g in self.parents.get(p.id, [])
                if g.dod is None and g is not carer and g is not other
            ]
            if grandparents:
                g = grandparents[0]
                alt_carer = f"{self._relation(g, child)} {g.given} {g.family}"
            else:
                alt_carer = f"a family friend, {self.first_name('female')} {self.surname()}"

        address = self.places.addresses[int(hh.anchor.history[-1][0][1:]) - 1]
        street = f"{address.line1}, {address.line2}" if address.line1.startswith("Flat") else address.line1
        other_towns = [t.name for t in self.places.towns if t.name != address.town]
        incident = received - self.days(0, 3)
        described = [f"{kid.given} ({_age_text(kid.dob, received)})" for kid in kids]
        carer_female = carer.sex == "female"
        childword = {"mother": "Mummy", "father": "Daddy", "grandmother": "Nan", "grandfather": "Grandad"}
        hour = rng.choice((0, 1, 2, 8, 10, 14, 16, 17, 18, 19, 20, 21, 21, 22, 22, 23, 23))
        single = len(kids) == 1
        return {
            "child": child.given,
            "age": _age_text(child.dob, received),
            **_pronouns(child),
            "children_desc": _join(described),
            "children_names": _join([kid.given for kid in kids]),
            "was_were": "was" if single else "were",
            "is_are": "is" if single else "are",
            "lives_live": "lives" if single else "live",
            "carer": carer.given,
            "carer_full": f"{carer.given} {carer.family}",
            "carer_rel": carer_rel,
            "carer_she": "she" if carer_female else "he",
            "carer_she_cap": "She" if carer_female else "He",
            "carer_her": "her" if carer_female else "him",
            "carer_his": "her" if carer_female else "his",
            "carer_childword": childword.get(carer_rel, carer.given),
            "other": other_given,
            "other_full": other_full,
            "other_rel": other_rel,
            "other_he": "she" if other_sex == "female" else "he",
            "alt_carer": alt_carer,
            "school": school or "school",
            "street": street,
            "town2": rng.choice(other_towns) if other_towns else self.fake.city(),
            "time": f"{hour:02d}:{rng.choice((5, 10, 15, 20, 25, 30, 40, 45, 50, 55)):02d}",
            "incident_date": f"{_WEEKDAYS[incident.weekday()]} {incident.day} {_MONTHS[incident.month - 1]}",
            "n": str(rng.randint(3, 6)),
            "attendance": str(rng.randint(58, 86)),
            "nth": rng.choice(("second", "third", "fourth")),
            "dash": rng.choices(("standard", "medium", "high"), weights=(3, 5, 2))[0],
        }

    # -- output -----------------------------------------------------------------------

    def freeze(self, referrals: list[Referral]) -> Area:
        used: dict[str, None] = {}
        moves: list[AddressMove] = []
        people: list[Person] = []
        for p in self.people:
            for address, from_date, to_date in p.history[-MAX_HISTORY:]:
                used[address] = None
                moves.append(AddressMove(p.id, address, from_date, to_date))
            people.append(
                Person(
                    id=p.id,
                    given_name=p.given,
                    middle_name=p.middle,
                    family_name=p.family,
                    sex=p.sex,
                    date_of_birth=p.dob,
                    date_of_death=p.dod,
                    nhs_number=p.nhs,
                    school=p.school,
                    ethnicity=p.ethnicity,
                    previous_family_names=tuple(p.prev),
                )
            )
        households = []
        for hh in self.households:
            members = sorted(hh.members, key=lambda m: (m.dob, m.id))
            households.append(
                Household(
                    id=hh.id,
                    address_id=hh.anchor.history[-1][0],
                    member_ids=tuple(m.id for m in members),
                    moved_in=min(m.history[-1][1] for m in members),
                )
            )
        addresses: list[Address] = [a for a in self.places.addresses if a.id in used]
        return Area(
            seed=self.seed,
            reference_date=self.ref,
            addresses=tuple(addresses),
            people=tuple(people),
            households=tuple(households),
            moves=tuple(moves),
            relationships=tuple(self.relationships()),
            referrals=tuple(referrals),
        )


def _pronouns(child: _P) -> dict[str, str]:
    if child.sex == "female":
        return {"he": "she", "He": "She", "him": "her", "his": "her", "His": "Her", "himself": "herself"}
    if child.sex == "male":
        return {"he": "he", "He": "He", "him": "him", "his": "his", "His": "His", "himself": "himself"}
    name = child.given
    return {
        "he": name,
        "He": name,
        "him": name,
        "his": f"{name}'s",
        "His": f"{name}'s",
        "himself": "themself",
    }


def _age_text(dob: date, on: date) -> str:
    """An age as a professional would write it: ``7``, or ``9 months`` under two."""
    years_old = age_on(dob, on)
    if years_old >= 2:
        return str(years_old)
    months = (on.year - dob.year) * 12 + on.month - dob.month - (on.day < dob.day)
    if months >= 1:
        return f"{months} month{'s' if months > 1 else ''}"
    weeks = (on - dob).days // 7
    return f"{max(weeks, 1)} week{'s' if weeks > 1 else ''}"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def generate_area(
    seed: int,
    *,
    households: int = 150,
    reference_date: date = DEFAULT_REFERENCE_DATE,
    referrals: int = 200,
) -> Area:
    """Generate a synthetic local area, deterministically for a given ``seed``.

    ``households`` is the exact number of households in the area (at least 1):
    families, adults living alone or as couples, and the homes of ex-partners
    and grandparents. ``referrals`` is the number of referrals received in the
    twelve months before ``reference_date``; fewer are produced only when the
    area has too few children to refer.
    """
    if households < 1:
        raise ValueError("households must be at least 1")
    if referrals < 0:
        raise ValueError("referrals must not be negative")
    generator = _Generator(seed, households, reference_date)
    generator.build_families()
    generator.assign_schools()
    return generator.freeze(generator.referrals(referrals))
