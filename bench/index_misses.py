"""Why a present person was not found first in a kept benchmark index (bench/bench_index.py --keep DIR).

    .venv/bin/python bench/index_misses.py DIR/20000000 [--queries 1000]

For each present query person whose first candidate (at the benchmark's threshold and top) is not them,
searches again with a threshold near 0 and up to 200 candidates and says which of these it was: their
record scored below the threshold (the prior falls as the index grows, so the same evidence gives a
lower probability), their record was not among the candidates (no shared block), another person scored
the same (a tie), or another person scored higher. Not part of the test run.
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


def main() -> None:
    from bench.bench_index import THRESHOLD, TOP

    kept, _ = open_kept(__doc__.splitlines()[0])
    index, person_of, query_person, rows = kept.index, kept.person_of, kept.query_person, kept.present
    kinds: collections.Counter[str] = collections.Counter()
    for row in rows:
        found = index.search_features(row, top=TOP, threshold=THRESHOLD)
        want = query_person[found.query_id]
        if found.candidates and person_of[found.candidates[0].record_id] == want:
            continue
        wide = index.search_features(row, top=200, threshold=0.0001)
        ranks = [i for i, c in enumerate(wide.candidates) if person_of[c.record_id] == want]
        if not ranks:
            kinds["their record not among the candidates"] += 1
            continue
        theirs, first = wide.candidates[ranks[0]], wide.candidates[0]
        if theirs.match_probability < THRESHOLD:
            kinds[f"their record below the threshold of {THRESHOLD}"] += 1
        elif abs(first.match_weight - theirs.match_weight) < 1e-9:
            kinds["a tie with another person"] += 1
        else:
            kinds["another person scored higher"] += 1
    print(f"{len(index):,} records; {len(rows)} present people; not found first: {sum(kinds.values())}")
    for kind, count in kinds.most_common():
        print(f"  {count:4}  {kind}")


if __name__ == "__main__":
    main()
