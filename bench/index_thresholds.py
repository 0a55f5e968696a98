"""Top-1 accuracy and false hits at each threshold on a kept benchmark index (bench_index.py --keep DIR).

    .venv/bin/python bench/index_thresholds.py DIR/10000000 [--queries 1000]

Searches every present and absent query person once, keeping the best candidate at any probability, and
prints for each threshold: the share of present people whose own record is first and at or above it
(top-1), and the absent people with any candidate at or above it, per 100 (false hits). A bigger index
moves the whole curve: the same evidence is a smaller probability among more people (the prior is one in
the index's size), and more people come close to an absent person by chance. Not part of the test run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bench.index_misses import Kept

THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


@dataclass
class Curve:
    """Each present person's best candidate (its probability, and whether it is theirs) and each
    absent person's best probability, from one index."""

    present: list[tuple[float, bool]]
    absent: list[float]

    def top1(self, threshold: float) -> float:
        return sum(1 for p, own in self.present if own and p >= threshold) / len(self.present)

    def false_hits(self, threshold: float) -> float:
        """Absent people shown anyone at ``threshold``, per 100."""
        return sum(1 for p in self.absent if p >= threshold) / len(self.absent) * 100


def curve(kept: Kept, index: Any) -> Curve:
    """Every present and absent query person of ``kept`` searched once in ``index``."""
    present: list[tuple[float, bool]] = []
    for row in kept.present:
        found = index.search_features(row, top=1, threshold=1e-9)
        best = found.candidates[0] if found.candidates else None
        own = best is not None and kept.person_of[best.record_id] == kept.query_person[found.query_id]
        present.append((best.match_probability if best else 0.0, own))
    absent = []
    for row in kept.absent:
        found = index.search_features(row, top=1, threshold=1e-9)
        absent.append(found.candidates[0].match_probability if found.candidates else 0.0)
    return Curve(present, absent)


def main() -> None:
    from bench.index_misses import open_kept

    kept, _ = open_kept(__doc__.splitlines()[0])
    found = curve(kept, kept.index)
    print(f"{len(kept.index):,} records; {len(found.present)} present and {len(found.absent)} absent people")
    print("| threshold | top-1 | false hits / 100 absent |")
    print("|---|---|---|")
    for threshold in THRESHOLDS:
        print(f"| {threshold:g} | {found.top1(threshold):.3f} | {found.false_hits(threshold):.1f} |")


if __name__ == "__main__":
    main()
