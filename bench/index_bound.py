"""The most any training of the model's comparisons could give a kept index (bench_index.py --keep DIR).

    .venv/bin/python bench/index_bound.py DIR/20000000 [--queries 1000] [--pairs 200000] [--random-pairs 0]

The generator knows whose each record is, so each comparison level's m can be read off the population
itself: its share among pairs of one person's records in the index (``--pairs`` of them, drawn at
random). With ``--random-pairs N``, each level's u is read the same way from N random pairs of different
people's records; a level fewer than 20 of them reached keeps the trained u (at 20M a shared address
is rarer than one pair in a million). The index is opened again with that model (``DIR/SIZE/index-truth``: the
kept index's arrays linked, only ``model.json`` new; the prior stays one in the index's size), and the
script prints each level's trained and fitted m (and u), the threshold curve of
``index_thresholds.py`` for both models side by side, and why each present person the fitted model
does not find first at the benchmark's threshold is missed.

Nothing trained on these comparisons can know more than the fitted model: what it does not find first,
no training of them finds. Not part of the test run.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bench.index_misses import Kept

#: A level whose share is read from fewer random pairs than this keeps the trained u.
MIN_U_PAIRS = 20


def people_at(kept: Kept) -> np.ndarray:
    """Whose record each position of the kept index holds (the index keeps its records in its own
    order)."""
    index, people = kept.index, np.empty(len(kept.index), dtype=np.int64)
    for start in range(0, len(index), 1_000_000):
        ids = index.record_ids(np.arange(start, min(start + 1_000_000, len(index))))
        people[start : start + len(ids)] = [kept.person_of[i] for i in ids]
    return people


def same_person_pairs(person: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``limit`` pairs of index positions holding one person's records, drawn at random.

    A person has 1-3 records, so in positions ordered by person the pairs are those 1 and 2 apart that
    hold the same person."""
    order = np.argsort(person, kind="stable")
    ordered = person[order]
    pairs = [
        np.column_stack([order[at], order[at + step]])
        for step in (1, 2)
        for at in [np.flatnonzero(ordered[:-step] == ordered[step:])]
    ]
    every = np.concatenate(pairs)
    if len(every) > limit:
        every = every[rng.choice(len(every), size=limit, replace=False)]
    return every


def random_pairs(person: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` pairs of positions holding different people's records."""
    left = rng.integers(0, len(person), size=count * 2)
    right = rng.integers(0, len(person), size=count * 2)
    keep = person[left] != person[right]
    return np.column_stack([left[keep], right[keep]])[:count]


def level_counts(index: Any, pairs: np.ndarray) -> dict[str, np.ndarray]:
    """For each comparison, how many of ``pairs`` fall in each of its levels."""
    comparisons = index.model.comparisons
    counts = {c.name: np.zeros(len(c.levels), dtype=np.int64) for c in comparisons}
    classifiers = [(c.name, c.classifier()) for c in comparisons]
    for start in range(0, len(pairs), 50_000):
        chunk = pairs[start : start + 50_000]
        left, right = index.rows(chunk[:, 0]), index.rows(chunk[:, 1])
        for name, classify in classifiers:
            tally = counts[name]
            for a, b in zip(left, right, strict=True):
                tally[classify(a, b)] += 1
    return counts


def fitted_parameters(
    trained: dict[str, tuple[tuple[float, float], ...]],
    matches: dict[str, np.ndarray],
    others: dict[str, np.ndarray] | None,
) -> dict[str, tuple[tuple[float, float], ...]]:
    """Each level's m (and, given ``others``, u) as its share of the pairs that are not missing a value.

    A level no matching pair reached gets half a pair's share, so that its weight stays finite; a
    comparison no pair had values on both sides for keeps its trained m and u."""
    fitted: dict[str, tuple[tuple[float, float], ...]] = {}
    for name, levels in trained.items():
        seen = matches[name][1:]
        if not seen.sum():  # a field the population does not hold
            fitted[name] = levels
            continue
        m = np.maximum(seen, 0.5) / int(seen.sum())
        us = [u for _, u in levels[1:]]
        if others is not None:
            unseen = others[name][1:]
            total = max(int(unseen.sum()), 1)
            us = [int(n) / total if n >= MIN_U_PAIRS else u for n, u in zip(unseen, us, strict=True)]
        fitted[name] = (levels[0], *((float(mi), float(ui)) for mi, ui in zip(m, us, strict=True)))
    return fitted


def linked_copy(folder: Path, to: Path, model_json: str) -> Path:
    """``folder``'s index again at ``to``: every array linked, the model written anew."""
    to.mkdir(exist_ok=True)
    for item in folder.iterdir():
        target = to / item.name
        if item.name == "model.json":
            continue
        if not target.exists():
            target.symlink_to(item.resolve())
    (to / "model.json").write_text(model_json, encoding="utf-8")
    return to


def main() -> None:
    from bench.index_misses import open_kept, why_missed
    from bench.index_thresholds import THRESHOLDS, curve
    from openmash.linkage.engine import MappedIndex

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200_000, help="pairs of one person's records for m")
    parser.add_argument("--random-pairs", type=int, default=0, help="random pairs of different people for u")
    parser.add_argument("--seed", type=int, default=7)
    kept, args = open_kept(parser.description or "", parser)
    index = kept.index
    person = people_at(kept)
    rng = np.random.default_rng(args.seed)
    matches = level_counts(index, same_person_pairs(person, args.pairs, rng))
    others = level_counts(index, random_pairs(person, args.random_pairs, rng)) if args.random_pairs else None
    trained = index.model.parameters
    fitted = dataclasses.replace(index.model, parameters=fitted_parameters(trained, matches, others))
    truth = MappedIndex(linked_copy(args.data / "index", args.data / "index-truth", fitted.to_json()))

    pairs = int(next(iter(matches.values())).sum())
    print(f"{len(index):,} records; m from {pairs:,} pairs of one person's records")
    print("| comparison | level | m trained | m fitted | u trained | u fitted |")
    print("|---|---|---|---|---|---|")
    for comparison in index.model.comparisons:
        for i, level in enumerate(comparison.levels[1:], start=1):
            (m0, u0), (m1, u1) = trained[comparison.name][i], fitted.parameters[comparison.name][i]
            print(f"| {comparison.name} | {level.label} | {m0:.4g} | {m1:.4g} | {u0:.3g} | {u1:.3g} |")
    before, after = curve(kept, index), curve(kept, truth)
    print(f"\n{len(before.present)} present and {len(before.absent)} absent people")
    print("| threshold | top-1 trained | false hits / 100 trained | top-1 fitted | false hits / 100 fitted |")
    print("|---|---|---|---|---|")
    for t in THRESHOLDS:
        print(
            f"| {t:g} | {before.top1(t):.3f} | {before.false_hits(t):.1f} | {after.top1(t):.3f} | "
            f"{after.false_hits(t):.1f} |"
        )
    from bench.bench_index import THRESHOLD

    missed = why_missed(kept, truth, THRESHOLD)
    print(f"\nPresent people not found first at {THRESHOLD:g} with the fitted model: {sum(missed.values())}")
    for kind, count in missed.most_common():
        print(f"  {count:4}  {kind}")


if __name__ == "__main__":
    main()
