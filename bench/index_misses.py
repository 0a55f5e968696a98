"""Why a present person was not found first in a kept benchmark index (bench/bench_index.py --keep DIR).

    .venv/bin/python bench/index_misses.py DIR/20000000 [--queries 1000]

For each present query person whose first candidate at the benchmark's threshold is not them, searches
with a threshold near 0 and up to 200 candidates and says which of these it was: their record first,
below the threshold (the prior falls as the index grows, so the same evidence gives a lower
probability); another person's record agreeing at least as well on every field (a tie included); another
person's record scoring higher, though not on every field; or their record not among the candidates (no
shared block). ``index_bound.py`` sorts the misses of its fitted model the same way. Not part of the
test run.
"""

from __future__ import annotations

import argparse
import collections
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass
class Kept:
    """A kept benchmark index with its query people and who each record belongs to."""

    index: Any
    person_of: Any
    query_person: dict[str, int]
    present: list[Any]
    absent: list[Any]


def open_kept(
    description: str, parser: argparse.ArgumentParser | None = None
) -> tuple[Kept, argparse.Namespace]:
    """The command line's kept index folder (DIR/SIZE) and its first ``--queries`` people of each kind
    (``parser``: a script's own parser, its options added to these)."""
    import pandas as pd

    from bench.linkage_data import load_truth
    from openmash.linkage.engine import MappedIndex
    from openmash.linkage.engine.search import query_rows

    parser = parser or argparse.ArgumentParser(description=description)
    parser.add_argument("data", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    truth = load_truth(args.data)

    def people(kind: str) -> list[Any]:
        return query_rows(pd.read_parquet(args.data / f"{kind}.parquet").head(args.queries))

    kept = Kept(
        MappedIndex(args.data / "index"),
        truth["person_of"],
        truth["query_person"],
        people("present"),
        people("absent"),
    )
    return kept, args


def why_missed(kept: Kept, index: Any, threshold: float) -> collections.Counter[str]:
    """Why each present person not found first at ``threshold`` in ``index`` is missed. "At least as
    well on every field" means that no scorer weighing each field's levels in this order could put
    their own record first."""
    kinds: collections.Counter[str] = collections.Counter()
    for row in kept.present:
        found = index.search_features(row, top=200, threshold=1e-4)
        want = kept.query_person[found.query_id]
        theirs = [c for c in found.candidates if kept.person_of[c.record_id] == want]
        first = found.candidates[0] if found.candidates else None
        if theirs and theirs[0] is first and first.match_probability >= threshold:
            continue
        if not theirs:
            kinds["their record not among the best 200 candidates"] += 1
        elif theirs[0] is first:
            kinds[f"their record first, below {threshold:g}"] += 1
        else:
            own = {e.comparison: e.match_weight for e in theirs[0].evidence}
            other = {e.comparison: e.match_weight for e in first.evidence}
            if all(other.get(name, 0.0) >= weight - 1e-9 for name, weight in own.items()):
                kinds["another person's record agrees at least as well on every field"] += 1
            else:
                kinds["another person's record scores higher, not on every field"] += 1
    return kinds


def main() -> None:
    from bench.bench_index import THRESHOLD

    kept, _ = open_kept(__doc__.splitlines()[0])
    kinds = why_missed(kept, kept.index, THRESHOLD)
    missed = sum(kinds.values())
    print(f"{len(kept.index):,} records; {len(kept.present)} present people; not found first: {missed}")
    for kind, count in kinds.most_common():
        print(f"  {count:4}  {kind}")


if __name__ == "__main__":
    main()
