"""Loading an agency extract end to end, as `manage.py source_load` does it, at 100k and 1M records;
prints one table (not part of the test run).

Stages: read and check every row through the CSV connector (all-or-nothing, row-level report), train
the source's matching model (Splink 5 on DuckDB), write the Parquet snapshot, then build the search
index from the snapshot as a web process does on its first trawl. Peak RSS is the process's high-water
mark after each size.

.venv/bin/python bench/bench_sources.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage_data import make_search_data  # noqa: E402

from openmash.linkage.engine import LinkageModel, SearchIndex  # noqa: E402
from openmash.linkage.engine.model import TRAINING_SAMPLE  # noqa: E402
from openmash.linkage.sources import Snapshot  # noqa: E402
from openmash.linkage.sources.files import CsvConnector  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"{'records':>9} {'read+check s':>12} {'train s':>8} {'snapshot s':>10} {'index s':>8}"
        f" {'total s':>8} {'peak RSS MB':>11}"
    )
    for size in args.sizes:
        data = make_search_data(size, queries=10)
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "identities.csv"
            data.index.to_csv(path, index=False)
            del data
            started = time.perf_counter()
            extract = CsvConnector(path).read()
            read = time.perf_counter()
            model = LinkageModel.default().train(extract.identities, max_records=TRAINING_SAMPLE)
            trained = time.perf_counter()
            snapshot = Snapshot.write(extract, Path(work) / "snapshot")
            written = time.perf_counter()
            del extract
            index = SearchIndex.build(snapshot.identities(), LinkageModel.from_json(model.to_json()))
            built = time.perf_counter()
            assert len(index) == size  # noqa: S101
            print(
                f"{size:>9,} {read - started:>12.1f} {trained - read:>8.1f} {written - trained:>10.1f}"
                f" {built - written:>8.1f} {built - started:>8.1f} {peak_rss_mb():>11.0f}"
            )


if __name__ == "__main__":
    main()
