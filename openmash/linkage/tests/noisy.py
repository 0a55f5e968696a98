"""FEBRL-style noisy record pairs for the engine's tests (small, fast, deterministic).

Each person appears once on the left and once, corrupted, on the right: typos, nicknames,
day/month swaps, digit typos, missing fields, given name and surname swapped, one half of a
double-barrelled surname, a move to another address. Truth is the list of (left_id, right_id).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd

from openmash.synth.nhs import synthetic_nhs_number

GIVEN = (
    "william elizabeth robert margaret james katherine thomas sarah michael rebecca david emily "
    "daniel jessica matthew olivia joseph charlotte samuel alexandra christopher victoria "
    "oliver sophie harry amelia jack isla george poppy noah freya leo evie arthur grace"
).split()
NICK = {
    "william": "bill",
    "elizabeth": "liz",
    "robert": "bob",
    "margaret": "peggy",
    "james": "jim",
    "katherine": "kate",
    "thomas": "tom",
    "michael": "mike",
    "rebecca": "becky",
    "daniel": "danny",
    "samuel": "sam",
    "alexandra": "alex",
    "christopher": "chris",
    "victoria": "vicky",
}
SURNAMES = (
    "smith jones taylor brown williams wilson johnson davies robinson wright thompson evans walker "
    "white roberts green hall wood jackson clarke patel khan lewis james phillips mason mitchell "
    "rose davis rodriguez cox alexander morgan moore hughes parker price bennett griffiths"
).split()
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Victoria Close")
TOWNS = ("Northam", "Southby", "Westford")


def _typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(1, len(text)) if len(text) > 1 else 0
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1 :]
    if kind == 1 and len(text) > 3:
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice("aeiou") + text[i:]


def _person(rng: random.Random, pid: int) -> dict[str, str | None]:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.05:
        surname = f"{surname}-{rng.choice(SURNAMES)}"
    dob = date(1940, 1, 1) + timedelta(days=rng.randrange(80 * 365))
    inward = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUWXYZ')}"
    postcode = f"{rng.choice(('LS', 'M', 'SW', 'B'))}{rng.randint(1, 20)} {inward}"
    return {
        "record_id": f"L{pid:05d}",
        "given_name": rng.choice(GIVEN).title(),
        "surname": surname.title(),
        "date_of_birth": dob.isoformat(),
        "sex": rng.choice("MF"),
        "postcode": postcode,
        "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
        "nhs_number": synthetic_nhs_number(rng) if rng.random() < 0.3 else None,
        "other_id": f"X{pid:06d}" if rng.random() < 0.3 else None,
    }


def _corrupt(rng: random.Random, record: dict[str, str | None], pid: int) -> dict[str, str | None]:
    out = dict(record, record_id=f"R{pid:05d}")
    given, surname = str(record["given_name"]), str(record["surname"])
    roll = rng.random()
    if roll < 0.10 and given.lower() in NICK:
        out["given_name"] = NICK[given.lower()].title()
    elif roll < 0.25:
        out["given_name"] = _typo(rng, given)
    elif roll < 0.28:
        out["given_name"], out["surname"] = surname, given
    elif roll < 0.31:
        out["given_name"] = None
    roll = rng.random()
    if roll < 0.15:
        out["surname"] = _typo(rng, surname)
    elif roll < 0.20 and "-" in surname:
        out["surname"] = rng.choice(surname.split("-"))
    elif roll < 0.22:
        out["surname"] = None
    dob = date.fromisoformat(str(record["date_of_birth"]))
    roll = rng.random()
    if roll < 0.05 and dob.day <= 12 and dob.day != dob.month:
        out["date_of_birth"] = date(dob.year, dob.day, dob.month).strftime("%d/%m/%Y")
    elif roll < 0.12:
        text = dob.strftime("%Y%m%d")
        i = rng.randrange(2, 8)
        out["date_of_birth"] = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1 :]
    elif roll < 0.16:
        out["date_of_birth"] = None
    else:
        out["date_of_birth"] = dob.strftime("%d/%m/%Y")
    if rng.random() < 0.15:
        out["postcode"] = None
    elif rng.random() < 0.2:
        out["postcode"] = str(record["postcode"]).replace(" ", "").lower()
    if rng.random() < 0.2:
        out["address"] = f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"
    if rng.random() < 0.05:
        out["sex"] = None
    if record["other_id"] and rng.random() < 0.2:
        out["other_id"] = _typo(rng, str(record["other_id"])) if rng.random() < 0.5 else None
    return out


def noisy_pairs(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """``n`` people as a clean left file and a corrupted right file, plus the true pairs."""
    rng = random.Random(seed)
    left, right, truth = [], [], set()
    for pid in range(n):
        record = _person(rng, pid)
        corrupted = _corrupt(rng, record, pid)
        left.append(record)
        right.append(corrupted)
        truth.add((str(record["record_id"]), str(corrupted["record_id"])))
    order = list(range(n))
    rng.shuffle(order)
    return pd.DataFrame(left), pd.DataFrame([right[i] for i in order]), truth
