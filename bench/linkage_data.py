"""A large noisy identity index for the search benchmarks (100k to 20M records).

``openmash.synth`` builds a realistic local area of a few thousand people; a regional index of a
million records needs something cheaper. This draws people from Faker's name lists (en_GB first,
with other locales' surnames for a realistic long tail), gives each one to three records with the
synthetic extracts' own noise functions (typos, nicknames, day/month swaps, moves, surname
changes, missing fields), and makes query records for people in the index (with fresh noise, as
another agency would hold them) and for people absent from it. Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import pandas as pd
from faker.providers.person.en_GB import Provider as GbPerson

from openmash.synth._noise import dob_day_typo, nickname_for, shift_year, swap_day_month, typo
from openmash.synth.nhs import synthetic_nhs_number

REFERENCE = date(2026, 11, 2)
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_AREAS = (
    "AL B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DE DH DL DN DT DY E EC EN EX FY GL GU HA "
    "HD HG HP HR HU HX IG IP KT L LA LE LN LS LU M ME MK N NE NG NN NP NR NW OL OX PE PL PO PR RG RH RM S SE "
    "SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN TQ TR TS TW UB W WA WD WF WN WR WS WV YO"
).split()


def _surname_pool() -> tuple[list[str], list[float]]:
    import importlib

    names: dict[str, float] = {}
    gb = dict(GbPerson.last_names)
    total = sum(gb.values())
    for name, weight in gb.items():
        names[name] = 0.7 * weight / total
    others: list[str] = []
    for locale in ("en_US", "en_IE", "en_IN", "it_IT", "de_DE", "fr_FR", "es_ES", "yo_NG", "pt_PT", "lt_LT"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        others += [n for n in provider.last_names if n.isascii() and n.isalpha() and n not in names]
    others = list(dict.fromkeys(others))
    # A Zipf-like tail: the 30 % of people with less common surnames.
    for name, weight in zip(others, _zipf(len(others), 10), strict=True):
        names[name] = 0.3 * weight
    return list(names), list(accumulate(names.values()))


def _given_name_pool(sex: str) -> tuple[list[str], list[float]]:
    """Given names as varied as a real population's (``names="wide"``): en_GB's 182 names for the sex
    given to 55 % of people, the commonest about 2 % (a Zipf-like fall, the order being Faker's), and
    every other Faker locale's names for the sex (ASCII letters only, about 8,000) to the other 45 %,
    in a longer Zipf-like tail."""
    import importlib
    import pkgutil

    import faker.providers.person as people

    attribute = "first_names_female" if sex == "F" else "first_names_male"
    head = list(dict.fromkeys(getattr(GbPerson, attribute)))
    tail: list[str] = []
    for module in sorted(m.name for m in pkgutil.iter_modules(people.__path__)):
        if module == "en_GB":
            continue
        try:
            provider = importlib.import_module(f"faker.providers.person.{module}").Provider
        except ImportError:
            continue
        tail += [
            n for n in getattr(provider, attribute, ()) if n.isascii() and n.isalpha() and n[0].isupper()
        ]
    known = set(head)
    tail = [n for n in dict.fromkeys(tail) if n not in known]
    weights = [0.55 * w for w in _zipf(len(head), 15)] + [0.45 * w for w in _zipf(len(tail), 10)]
    return head + tail, list(accumulate(weights))


def _zipf(count: int, offset: int) -> list[float]:
    raw = [1.0 / (rank + offset) for rank in range(count)]
    total = sum(raw)
    return [w / total for w in raw]


@dataclass
class Person:
    pid: int
    given: str
    surname: str
    sex: str
    dob: date
    nhs: str | None
    address: int


class Generator:
    """``density`` > 1 draws births from a span that many times shorter and surnames from a pool
    that many times smaller (each name standing for that many neighbours in the pool), so that
    blocks on dates of birth and names are as large as in an index that many times bigger: the
    search cost of a 10M-record index measured on 1M records. (Not its accuracy: the people are
    more alike than real ones.)"""

    def __init__(self, seed: int, people_hint: int, density: int = 1, names: str = "narrow") -> None:
        self.rng = random.Random(seed)
        # "narrow": en_GB's 182 given names for each sex, each as likely as the next (the population
        # every figure before 6 December 2026 was measured on); "wide": see _given_name_pool.
        if names not in ("narrow", "wide"):
            raise ValueError(f"names must be narrow or wide, not {names!r}")
        self.given_pools = {sex: _given_name_pool(sex) for sex in "FM"} if names == "wide" else None
        self.surnames, self.surname_cum = _surname_pool()
        self.density = density
        self.surname_of = {
            name: self.surnames[(i // density) * density] for i, name in enumerate(self.surnames)
        }
        self.female = list(GbPerson.first_names_female)
        self.male = list(GbPerson.first_names_male)
        streets = [
            f"{n} {s}"
            for n in list(dict(GbPerson.last_names))[:300]
            for s in ("Road", "Street", "Lane", "Close", "Avenue", "Drive", "Gardens", "Way")
        ]
        towns = [
            f"{p}{s}"
            for p in ("North", "South", "East", "West", "Upper", "Lower", "Great", "Little")
            for s in ("ton", "field", "bury", "ham", "ford", "wood")
        ]
        self.addresses: list[tuple[str, str]] = []
        n_addresses = max(1000, int(people_hint / 2.3))
        postcode = ""
        for i in range(n_addresses):
            if i % 15 == 0:
                area = self.rng.choice(_AREAS)
                unit = f"{self.rng.randint(0, 9)}{self.rng.choice(_LETTERS)}{self.rng.choice(_LETTERS)}"
                postcode = f"{area}{self.rng.randint(1, 30)} {unit}"
            line = f"{self.rng.randint(1, 200)} {self.rng.choice(streets)}, {self.rng.choice(towns)}"
            self.addresses.append((line, postcode))
        self.next_pid = 0

    def person(self) -> Person:
        rng = self.rng
        sex = "F" if rng.random() < 0.51 else "M"
        if self.given_pools is None:
            given = rng.choice(self.female if sex == "F" else self.male)
        else:
            pool, cumulative = self.given_pools[sex]
            given = rng.choices(pool, cum_weights=cumulative)[0]
        surname = self.surname_of[rng.choices(self.surnames, cum_weights=self.surname_cum)[0]]
        if rng.random() < 0.03:
            other = self.surname_of[rng.choices(self.surnames, cum_weights=self.surname_cum)[0]]
            surname = f"{surname}-{other}"
        age_days = int(rng.triangular(0, 95 * 365, 30 * 365)) // self.density
        dob = REFERENCE - timedelta(days=age_days)
        nhs = synthetic_nhs_number(rng) if rng.random() < 0.9 else None
        self.next_pid += 1
        return Person(self.next_pid, given, surname, sex, dob, nhs, rng.randrange(len(self.addresses)))

    def record(self, person: Person, record_id: str, *, nhs_share: float = 0.5) -> dict[str, str | None]:
        """One agency's record of ``person`` with identity noise."""
        rng = self.rng
        given: str | None = person.given
        surname: str | None = person.surname
        if rng.random() < 0.08:
            given = nickname_for(rng, person.given) or given
        if rng.random() < 0.03 and given:
            given = typo(rng, given)
        if rng.random() < 0.04 and person.sex == "F":
            surname = rng.choices(self.surnames, cum_weights=self.surname_cum)[0]  # married / changed name
        elif "-" in person.surname and rng.random() < 0.35:
            surname = rng.choice(person.surname.split("-"))
        if rng.random() < 0.03 and surname:
            surname = typo(rng, surname)
        if rng.random() < 0.01:
            given = None
        if rng.random() < 0.01:
            surname = None
        dob: date | None = person.dob
        roll = rng.random()
        if roll < 0.02:
            dob = swap_day_month(person.dob) or person.dob
        elif roll < 0.03:
            dob = dob_day_typo(rng, person.dob, REFERENCE)
        elif roll < 0.04:
            dob = shift_year(rng, person.dob, REFERENCE)
        elif roll < 0.06:
            dob = None
        address = person.address if rng.random() > 0.15 else rng.randrange(len(self.addresses))  # moved
        line, postcode = self.addresses[address]
        pc: str | None = postcode
        if rng.random() < 0.05:
            pc = None
        elif rng.random() < 0.08:
            pc = postcode.replace(" ", "").lower()
        nhs = person.nhs if person.nhs and rng.random() < nhs_share else None
        return {
            "record_id": record_id,
            "given_name": given,
            "surname": surname.upper() if surname and rng.random() < 0.2 else surname,
            "date_of_birth": dob.isoformat() if dob else None,
            "sex": None if rng.random() < 0.02 else person.sex,
            "postcode": pc,
            "address": None if rng.random() < 0.03 else line,
            "nhs_number": nhs,
        }


@dataclass
class SearchData:
    index: pd.DataFrame
    person_of: dict[str, int]
    """index record_id -> person id"""
    present: pd.DataFrame
    """query records of people in the index; query_id -> person id in ``query_person``"""
    absent: pd.DataFrame
    query_person: dict[str, int]


def make_search_data(records: int, *, queries: int, seed: int = 11) -> SearchData:
    """An index of about ``records`` records (1-3 per person) plus ``queries`` present and absent queries."""
    gen = Generator(seed, people_hint=int(records / 1.6))
    rng = gen.rng
    rows: list[dict[str, str | None]] = []
    person_of: dict[str, int] = {}
    people: list[Person] = []
    while len(rows) < records:
        person = gen.person()
        people.append(person)
        for _ in range(rng.choices((1, 2, 3), weights=(0.55, 0.3, 0.15))[0]):
            record_id = f"R{len(rows):07d}"
            rows.append(gen.record(person, record_id))
            person_of[record_id] = person.pid
            if len(rows) >= records:
                break
    query_person: dict[str, int] = {}
    present = []
    for i, person in enumerate(rng.sample(people, queries)):
        qid = f"QP{i:05d}"
        present.append(gen.record(person, qid, nhs_share=0.3))
        query_person[qid] = person.pid
    absent = []
    for i in range(queries):
        person = gen.person()
        qid = f"QA{i:05d}"
        absent.append(gen.record(person, qid, nhs_share=0.3))
        query_person[qid] = person.pid
    return SearchData(
        pd.DataFrame(rows), person_of, pd.DataFrame(present), pd.DataFrame(absent), query_person
    )


#: The index's columns, all text: a chunk where one is all empty keeps its type.
_COLUMNS = ("record_id", "given_name", "surname", "date_of_birth", "sex", "postcode", "address", "nhs_number")


def write_search_data(
    records: int,
    folder: Path,
    *,
    queries: int,
    seed: int = 11,
    chunk_rows: int = 250_000,
    density: int = 1,
    names: str = "narrow",
) -> None:
    """:func:`make_search_data` for sizes that do not fit in memory (10M, 20M records), streamed.

    Writes ``index.parquet`` a chunk of rows at a time (record ids ``R0000000``...), the person of
    each record as ``person.npy`` (indexed by the record's number), ``present.parquet`` and
    ``absent.parquet`` and their people in ``truth.json``; :func:`load_truth` reads them back. The
    present people are drawn in advance from the first third of the people generated (there are
    always at least that many), so no list of people is kept. ``density`` and ``names``: see
    :class:`Generator`.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    gen = Generator(seed, people_hint=int(records / 1.6), density=density, names=names)
    rng = gen.rng
    chosen = set(random.Random(seed + 1).sample(range(max(queries, records // 3)), queries))
    schema = pa.schema([(c, pa.string()) for c in _COLUMNS])
    person_of = np.empty(records, dtype=np.int32)
    query_person: dict[str, int] = {}
    present: list[dict[str, str | None]] = []
    rows: list[dict[str, str | None]] = []
    written = 0
    with pq.ParquetWriter(folder / "index.parquet", schema) as writer:

        def flush() -> None:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            rows.clear()

        people = 0
        while written < records:
            person = gen.person()
            if people in chosen:
                qid = f"QP{len(present):05d}"
                present.append(gen.record(person, qid, nhs_share=0.3))
                query_person[qid] = person.pid
            people += 1
            for _ in range(rng.choices((1, 2, 3), weights=(0.55, 0.3, 0.15))[0]):
                rows.append(gen.record(person, f"R{written:07d}"))
                person_of[written] = person.pid
                written += 1
                if len(rows) >= chunk_rows:
                    flush()
                if written >= records:
                    break
        if rows:
            flush()
    absent = []
    for i in range(queries):
        person = gen.person()
        qid = f"QA{i:05d}"
        absent.append(gen.record(person, qid, nhs_share=0.3))
        query_person[qid] = person.pid
    np.save(folder / "person.npy", person_of)
    pd.DataFrame(present).to_parquet(folder / "present.parquet", index=False)
    pd.DataFrame(absent).to_parquet(folder / "absent.parquet", index=False)
    (folder / "truth.json").write_text(json.dumps({"query_person": query_person}))


class _PersonOf(Mapping[str, int]):
    """record id ``R0000123`` -> its person, read from the array :func:`write_search_data` wrote."""

    def __init__(self, people: Any) -> None:
        self._people = people

    def __getitem__(self, record_id: str) -> int:
        return int(self._people[int(record_id[1:])])

    def __len__(self) -> int:
        return len(self._people)

    def __iter__(self) -> Iterator[str]:
        return (f"R{i:07d}" for i in range(len(self._people)))


def load_truth(folder: Path) -> dict[str, Any]:
    """``{"person_of": record id -> person, "query_person": query id -> person}`` for either
    :func:`make_search_data`'s files (as bench_linkage.py writes them) or :func:`write_search_data`'s."""
    import numpy as np

    truth: dict[str, Any] = json.loads((folder / "truth.json").read_text())
    if "person_of" not in truth:
        truth["person_of"] = _PersonOf(np.load(folder / "person.npy", mmap_mode="r"))
    return truth
