"""Blocking rules: which pairs are compared at all, for Splink and for the in-memory index.

A rule is a set of *variants*; a variant is a conjunction of equalities ``l.a = r.b``. A pair is a
candidate when every equality of at least one variant holds. Each variant is one Splink blocking
rule (SQL), and in the trawl's index it is one lookup: the index side is keyed by the variant's
right-hand columns, the query side computes the key from its left-hand columns. Splink's
``predict_between(query, index)`` puts the query on the left, so both paths block the same pairs.

The default rules are chosen for recall with bounded block sizes: NHS number; surname (either
part) with date of birth; nickname-canonical given name with date of birth; date of birth alone
and with day and month swapped (about 30 records per day of birth in a million-record index);
given name with surname, also swapped; Soundex of the surname with the given initial and year of
birth; postcode with the given initial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_BLOCKING_RULES",
    "BlockingRule",
    "Variant",
    "deterministic_rules",
    "splink_blocking_rules",
]

Variant = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class BlockingRule:
    name: str
    variants: tuple[Variant, ...]

    def sql(self) -> list[str]:
        return [" AND ".join(f"l.{a} = r.{b}" for a, b in variant) for variant in self.variants]


def _same(*columns: str) -> Variant:
    return tuple((c, c) for c in columns)


_SURNAME_PARTS: Final = (
    ("surname_first", "surname_first"),
    ("surname_first", "surname_last"),
    ("surname_last", "surname_first"),
    ("surname_last", "surname_last"),
)

DEFAULT_BLOCKING_RULES: Final[tuple[BlockingRule, ...]] = (
    BlockingRule("nhs_number", (_same("nhs_number"),)),
    BlockingRule("other identifier", (_same("other_id"),)),
    BlockingRule("surname part + date of birth", tuple((part, ("dob", "dob")) for part in _SURNAME_PARTS)),
    BlockingRule("given name (nickname) + date of birth", (_same("given_canon", "dob"),)),
    BlockingRule("date of birth", (_same("dob"),)),
    BlockingRule("date of birth, day and month swapped", ((("dob_swapped", "dob"),),)),
    BlockingRule("given name (nickname) + surname", (_same("given_canon", "surname"),)),
    BlockingRule("given name and surname swapped", ((("given_name", "surname"), ("surname", "given_name")),)),
    BlockingRule("given name (nickname) + surname sound", (_same("given_canon", "surname_key"),)),
    BlockingRule("surname + given name's first two letters", (_same("surname", "given_prefix"),)),
    BlockingRule(
        "surname sound + initial + birth year", (_same("surname_key", "given_initial", "birth_year"),)
    ),
    BlockingRule("postcode + initial", (_same("postcode", "given_initial"),)),
    BlockingRule("postcode + surname sound", (_same("postcode", "surname_key"),)),
    BlockingRule(
        "postcode + a name in the other name's place",
        (
            (("postcode", "postcode"), ("surname", "given_name")),
            (("postcode", "postcode"), ("given_name", "surname")),
        ),
    ),
    BlockingRule("address", (_same("address"),)),
    BlockingRule("postcode + house number", (_same("postcode", "address_key"),)),
    BlockingRule("house number + given name (nickname)", (_same("address_key", "given_canon"),)),
    BlockingRule("house number + surname sound", (_same("address_key", "surname_key"),)),
)


def splink_blocking_rules(rules: tuple[BlockingRule, ...] = DEFAULT_BLOCKING_RULES) -> list[str]:
    return [sql for rule in rules for sql in rule.sql()]


def deterministic_rules() -> list[str]:
    """Rules whose pairs are almost all matches, for Splink's estimate of the prior (lambda)."""
    return [
        "l.nhs_number = r.nhs_number",
        "l.other_id = r.other_id",
        "l.given_name = r.given_name AND l.surname = r.surname AND l.dob = r.dob",
    ]
