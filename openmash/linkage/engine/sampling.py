"""Samples for EM that keep each session's matching pairs: records drawn in whole groups.

EM learns m, how the records of one person differ, from the matching pairs among the pairs a session's
blocking rule makes. A uniform random sample of a fraction f of a source keeps a pair only when both
its records are drawn: f squared of them. A 100,000-record sample of a 20M-record source keeps about
one pair in 40,000, some 190 of the source's millions of matching pairs, and m learnt from so few is
rough (a rare level's m is off by several times).

Drawn in whole groups instead, a sample for a session keeps every record that shares the session's
blocking key with one drawn: the records whose key is one of a fraction f of the keys, chosen by a
fixed hash of the key. A pair the session compares is then kept whenever its key is drawn, f of them,
not f squared: for the same 20M-record source, thousands of matching pairs in a sample of the same
size. The sample is drawn on exactly the rule's key, so within each block the matching and
non-matching pairs are the source's own (drawn on anything else, the pairs agreeing on it would be
over-represented, and EM, whose u is fixed at the source's, would take them for matches).

A group larger than :data:`GROUP_CAP` (one common surname's block, hundreds of thousands of records in
a regional source) is thinned to about that many, each record kept by a fixed hash of its id with the
same chance: its matching and non-matching pairs are thinned alike, so the block's mix stays the
source's, and no one block can be most of the sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

__all__ = [
    "EM_SESSIONS",
    "GROUP_CAP",
    "EmSession",
    "WholeGroups",
    "drawn_whole",
    "thinned",
    "whole_groups",
    "within_cap",
]

_HASH_KEY: Final = "openmash-em-draw"  # 16 bytes: the same keys are drawn in every table and batch
_SEPARATOR: Final = "\x1f"


@dataclass(frozen=True)
class EmSession:
    """One EM session: its Splink blocking rule and the feature columns it reads, in the order a
    sample for it is drawn on them (Splink leaves every comparison reading one untrained)."""

    rule: str
    drawn_on: tuple[str, ...]
    raw_column: str
    """The standard column the features drawn on are made from."""
    words: str
    """What the records of one key share, for the training notes."""

    @property
    def blocked(self) -> frozenset[str]:
        return frozenset(self.drawn_on)


#: The EM sessions. Splink leaves untrained every comparison that reads a column the rule uses. The
#: second rule blocks on the surname's parts, which only the surname comparison reads, so given name
#: and date of birth are estimated together there. (Blocking on given name and surname would leave
#: date of birth the only free field in a names-and-DOB source, and EM cannot tell "a match with a
#: wrong date" from "a non-match" with one field; blocking on ``surname`` itself would also freeze the
#: given name, whose "swapped" level reads it.)
EM_SESSIONS: Final[tuple[EmSession, ...]] = (
    EmSession("l.dob = r.dob", ("dob",), "date_of_birth", "a date of birth"),
    EmSession(
        "l.surname_first = r.surname_first AND l.surname_last = r.surname_last",
        ("surname_first", "surname_last"),
        "surname",
        "a surname",
    ),
)
#: The most records of one key a sample keeps (about): a block of this many is two million pairs.
GROUP_CAP: Final = 2_000


def _key_text(columns: list[np.ndarray], at: np.ndarray) -> np.ndarray:
    text = columns[0][at].astype(str)
    for column in columns[1:]:
        text = np.char.add(np.char.add(text, _SEPARATOR), column[at].astype(str))
    return text.astype(object)


def _below(hashes: np.ndarray, chance: np.ndarray | float) -> np.ndarray:
    """Where a 64-bit hash falls in the lowest ``chance`` of its range."""
    limit = np.minimum(np.asarray(chance, dtype=np.float64), 1.0) * 2.0**64
    return np.asarray(hashes.astype(np.float64) < limit)


def drawn_whole(keys: Sequence[np.ndarray | pd.Series], fraction: float) -> np.ndarray:
    """Which records to draw (a boolean mask) so that of the distinct keys (the values of ``keys``
    taken together, one array per feature) about ``fraction`` are drawn, each with every record that
    holds it. The choice is a fixed hash of the key, so the same key is drawn or not in every table,
    batch and run. A record missing any part of its key is not drawn: it makes no pair on the key."""
    columns = [np.asarray(key, dtype=object) for key in keys]
    present = np.ones(len(columns[0]), dtype=bool)
    for column in columns:
        present &= pd.notna(column)
    drawn = np.zeros(len(present), dtype=bool)
    at = np.flatnonzero(present)
    if not len(at) or fraction <= 0:
        return drawn
    hashes = pd.util.hash_array(_key_text(columns, at), hash_key=_HASH_KEY, categorize=True)
    drawn[at] = _below(hashes, fraction)
    return drawn


def thinned(
    keys: Sequence[np.ndarray | pd.Series], ids: np.ndarray | pd.Series, cap: int = GROUP_CAP
) -> np.ndarray:
    """Which of records drawn whole to keep (a boolean mask): all of a key held by at most ``cap``,
    else each with the chance ``cap`` / the key's records, by a fixed hash of its record id."""
    columns = [np.asarray(key, dtype=object) for key in keys]
    if not len(columns[0]):
        return np.ones(0, dtype=bool)
    text = _key_text(columns, np.arange(len(columns[0])))
    codes, uniques = pd.factorize(text)
    sizes = np.bincount(codes, minlength=len(uniques))[codes]
    if sizes.max() <= cap:
        return np.ones(len(codes), dtype=bool)
    hashes = pd.util.hash_array(np.asarray(ids, dtype=object), hash_key=_HASH_KEY, categorize=False)
    return (sizes <= cap) | _below(hashes, cap / sizes)


def within_cap(frame: pd.DataFrame, session: EmSession, cap: int = GROUP_CAP) -> pd.DataFrame:
    """The feature frame of records drawn whole for ``session``, each key's group :func:`thinned`
    to about ``cap``."""
    keep = thinned([frame[f] for f in session.drawn_on], frame["record_id"], cap)
    return frame[keep].reset_index(drop=True)


@dataclass(frozen=True)
class WholeGroups:
    """For each of :data:`EM_SESSIONS`, the feature frames of the records drawn whole for it (one per
    side when linking), from tables of ``records`` records in all (``pairs`` record pairs), about
    ``fraction`` of the keys drawn."""

    left: tuple[pd.DataFrame, ...]
    right: tuple[pd.DataFrame, ...] | None
    fraction: float
    records: int
    pairs: float

    def note(self) -> str:
        sizes = [
            len(frame) + (len(self.right[i]) if self.right is not None else 0)
            for i, frame in enumerate(self.left)
        ]
        drawn = "; ".join(
            f"{size:,} records sharing {session.words}"
            for session, size in zip(EM_SESSIONS, sizes, strict=True)
        )
        share = f"1 in {1 / self.fraction:,.0f}" if self.fraction < 0.5 else f"{self.fraction:.0%}"
        return (
            f"EM estimated on records drawn in whole groups from the {self.records:,}"
            f" ({share} of the keys): {drawn}"
        )


def whole_groups(left: pd.DataFrame, right: pd.DataFrame | None, limit: int) -> WholeGroups | None:
    """Samples of about ``limit`` records for each EM session, drawn in whole groups from the feature
    frames ``left`` (and ``right``, when linking); ``None`` when no table is larger than ``limit``."""
    largest = max(len(left), 0 if right is None else len(right))
    if largest <= limit:
        return None
    fraction = limit / largest

    def draw(frame: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
        return tuple(
            within_cap(frame[drawn_whole([frame[f] for f in session.drawn_on], fraction)], session)
            for session in EM_SESSIONS
        )

    pairs = len(left) * (len(left) - 1) / 2 if right is None else float(len(left) * len(right))
    records = len(left) + (0 if right is None else len(right))
    return WholeGroups(draw(left), None if right is None else draw(right), fraction, records, pairs)
