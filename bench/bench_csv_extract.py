"""A large CSV extract read for an index: seconds and peak memory of its reads, sample and build.

    nice -n 19 .venv/bin/python bench/bench_csv_extract.py --data /tmp/csv-extract
    nice -n 19 .venv/bin/python bench/bench_csv_extract.py --data /tmp/csv-extract --code /other/checkout

Not part of the test run. ``--data`` is a folder kept between runs: the synthetic extract of
``--records`` records (bench/linkage_data.py ``write_search_data``, written as ``index.parquet``)
is converted to ``index.csv`` a row batch at a time, and a model trained on a 100k sample of the
Parquet file is kept as ``model.json``, so that every run reads the same file with the same
model. Then, each step in its own process so that its peak memory (VmHWM) is its own, with its
seconds by the wall clock and in CPU time (on a shared machine under ``nice`` the wall clock
mostly measures the other work):

* sample: ``Extract(index.csv)`` (which checks every record) and ``Extract.sample(100_000)``, as
  ``python -m openmash.linkage index FILE.csv --training-sample 100000`` draws it;
* build: ``Extract(index.csv)`` and ``write_index`` from it into a new folder, as the same
  command builds the index;
* open: ``Extract(index.csv)`` alone (its checks and record count);
* read: ``read_frame(index.csv)``, the whole file at once, as ``link`` and ``search`` read a file.

``--code`` runs the steps with the ``openmash`` of another checkout (e.g. the main branch), to
compare a change with what came before it; by default, this checkout's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def prepare(data: Path, records: int) -> Path:
    """``index.csv`` (and ``model.json``) in ``data``, made once."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    sys.path.insert(0, str(HERE.parent))
    from bench.linkage_data import write_search_data
    from openmash.linkage.engine import LinkageModel
    from openmash.linkage.engine.inputs import Extract

    data.mkdir(parents=True, exist_ok=True)
    if not (data / "index.parquet").exists():
        started = time.perf_counter()
        write_search_data(records, data, queries=1000)
        print(f"generated {records:,} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    csv_path = data / "index.csv"
    if not csv_path.exists():
        parquet = pq.ParquetFile(data / "index.parquet")
        with pacsv.CSVWriter(str(csv_path) + ".partial", parquet.schema_arrow) as writer:
            for batch in parquet.iter_batches(batch_size=200_000):
                writer.write_batch(batch)
        os.replace(str(csv_path) + ".partial", csv_path)
    if not (data / "model.json").exists():
        extract = Extract(data / "index.parquet")
        model = LinkageModel.default().train(extract.sample(100_000)).sampled_from(len(extract))
        (data / "model.json").write_text(model.to_json())
    return csv_path


def work(step: str, data: Path) -> dict[str, Any]:
    from openmash.linkage.engine import LinkageModel, write_index
    from openmash.linkage.engine.inputs import Extract, read_frame

    before = _status_kb("VmRSS")
    started, started_cpu = time.perf_counter(), time.process_time()
    if step == "read":
        records = len(read_frame(data / "index.csv"))
    else:
        extract = Extract(data / "index.csv")
        records = len(extract)
    opened, opened_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    result: dict[str, Any] = {"records": records, "open_s": opened, "open_cpu_s": opened_cpu}
    if step == "sample":
        drawn = extract.sample(100_000)
        result["rows"] = len(drawn)
    elif step == "build":
        model = LinkageModel.from_json((data / "model.json").read_text())
        with tempfile.TemporaryDirectory(dir=data) as folder:
            write_index(extract, model, Path(folder) / "index")
            result["index_bytes"] = sum(f.stat().st_size for f in (Path(folder) / "index").iterdir())
    result["seconds"] = time.perf_counter() - started
    result["cpu_s"] = time.process_time() - started_cpu
    result["rss_before_mb"] = before / 1024
    result["peak_rss_mb"] = _status_kb("VmHWM") / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--code", type=Path, default=HERE.parent, help="checkout whose openmash is run")
    parser.add_argument(
        "--steps", nargs="+", default=["sample", "build"], choices=["open", "read", "sample", "build"]
    )
    parser.add_argument("--worker", nargs=2, metavar=("STEP", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(work(args.worker[0], Path(args.worker[1]))))
        return
    if args.data is None:
        parser.error("--data is required")
    csv_path = prepare(args.data, args.records)
    code = args.code.resolve()
    print(f"{csv_path} ({csv_path.stat().st_size / 1e6:,.0f} MB), openmash from {code}")
    for step in args.steps:
        out = subprocess.run(  # noqa: S603 - this script
            [sys.executable, __file__, "--worker", step, str(args.data)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(code)},
            cwd=code,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        what = {
            "open": "Extract",
            "read": "read_frame",
            "sample": "Extract + sample(100000)",
            "build": "Extract + write_index",
        }[step]
        print(
            f"  {what:<26} {r['records']:>10,} records  {r['seconds']:6.1f} s, {r['cpu_s']:5.1f} s CPU"
            f" (opening {r['open_s']:.1f} s, {r['open_cpu_s']:.1f} s CPU)"
            f"  peak RSS {r['peak_rss_mb']:,.0f} MB"
            f" (before reading {r['rss_before_mb']:,.0f} MB)"
        )


if __name__ == "__main__":
    main()
