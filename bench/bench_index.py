"""The trawl index on disk: build, open, search and memory at 100k and 1M records (and more).

    nice -n 19 .venv/bin/python bench/bench_index.py                      # 100k and 1M
    nice -n 19 .venv/bin/python bench/bench_index.py --sizes 1000000
    nice -n 19 .venv/bin/python bench/bench_index.py --sizes 10000000 20000000 --splink-queries 0
    nice -n 19 .venv/bin/python bench/bench_index.py --sizes 10000000 --no-in-memory --splink-queries 0 \
        --train-backend spark --keep /work/idx-spark

Not part of the test run. For each size, a noisy synthetic extract (bench/linkage_data.py: 1-3
records per person, written to Parquet a chunk at a time) and present and absent query people are
generated, a model is trained on a 100k-record sample drawn while reading the extract (as
``python -m openmash.linkage index`` does; ``--training-sample N`` for another size, and
``--train-backend spark`` to train on Splink's Spark backend in local mode, which needs pyspark and
Java 17), and then, each step in its own process so that its memory is its own:

* build: ``write_index`` from the Parquet extract, read a row batch at a time (features, record
  id check, vocabulary, blocking keys sorted in ranges, term frequencies); seconds and CPU seconds
  per million records and the build's peak RSS (VmHWM);
* open: ``MappedIndex`` on the folder, in milliseconds;
* search: every query once, one person at a time; p50/p95 latency by the wall clock and in CPU
  time, top-1 accuracy on present people, false hits per 100 absent people;
* memory: the searching process's resident memory (RSS) and proportional share (PSS) after the
  queries, less before opening, per record; the index's size on disk per record (what a process
  would hold if it touched every page). Two processes then search at once and report their PSS:
  the page cache is shared, so together they hold about what one holds;
* beside it, the in-memory ``SearchIndex`` (build time, peak RSS, latency) and Splink's
  ``predict_between`` (on ``--splink-queries`` of each kind; 0 to skip) on the same data.

10M and 20M records run with the same code; the in-memory baseline and Splink do not fit there
(pass ``--no-in-memory --splink-queries 0``). Generating the data is the slow part (about a minute
per million records of one core); ``--keep DIR`` keeps it for another run (a kept extract is
reused; a kept model too, unless deleted: ``rm DIR/SIZE/model.json`` to train again), and with ``--keep``,
``--search-only`` reuses the kept data, model and index (building the index only if it is missing)
and measures only the searches — the quick way to compare one change to the search path:

    nice -n 19 .venv/bin/python bench/bench_index.py --sizes 1000000 --keep /tmp/bench-index --search-only

``--density 10`` (with ``--search-only``) generates 1M records whose blocks on dates of birth and
names are as large as at 10M (:class:`bench.linkage_data.Generator`), to measure how a search's
cost follows its block sizes without a 10M build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HERE = Path(__file__).resolve().parent
THRESHOLD = 0.5
TOP = 5


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _pss_kb() -> int:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def label(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n // 1000}k"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- workers (each run in its own process) ----------------------------------------------------------


def work_prepare(
    data: Path,
    size: int,
    queries: int,
    density: int = 1,
    backend: str = "duckdb",
    sample_size: int = 100_000,
    names: str = "narrow",
) -> dict[str, float]:
    """The synthetic extract, written a chunk at a time (unless kept whole from an earlier run), and
    a model trained on a ``sample_size`` sample of it (drawn while reading, as ``python -m
    openmash.linkage index`` draws it) on DuckDB or on Spark in local mode."""
    from bench.linkage_data import write_search_data
    from openmash.linkage.engine.backends import backend_from_config
    from openmash.linkage.engine.inputs import Extract, trained_on

    started = time.perf_counter()
    if not (data / "truth.json").is_file():  # written last: the kept extract is whole
        write_search_data(size, data, queries=queries, density=density, names=names)
    generated = time.perf_counter()
    print(f"  {size:,}: generated in {generated - started:.0f} s", file=sys.stderr)
    extract = Extract(data / "index.parquet")
    engine = backend_from_config(backend)
    session_s = time.perf_counter() - generated
    trained = time.perf_counter()
    try:
        model = trained_on(extract, sample_size, backend=engine)
    finally:
        engine.close()
    (data / "model.json").write_text(model.to_json())
    return {
        "generate_s": generated - started,
        "train_s": time.perf_counter() - trained,
        "start_s": session_s,
        "trained_on": float(model.training["trained_on"]),
    }


def work_build(data: Path) -> dict[str, float]:
    from openmash.linkage.engine import LinkageModel, write_index
    from openmash.linkage.engine.inputs import Extract

    model = LinkageModel.from_json((data / "model.json").read_text())
    rss_before = _status_kb("VmRSS")
    started, started_cpu = time.perf_counter(), time.process_time()
    extract = Extract(data / "index.parquet")  # read a row batch at a time; every id is checked

    def progress(message: str) -> None:
        elapsed = time.perf_counter() - started
        if message.startswith("sorted the vocabulary"):
            steps["vocabulary_s"] = elapsed
        print(f"    {elapsed:6.0f} s {message} (RSS {_status_kb('VmRSS') // 1024} MB)", file=sys.stderr)

    steps: dict[str, float] = {}
    write_index(extract, model, data / "index", progress=progress)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    size = sum(f.stat().st_size for f in (data / "index").iterdir())
    return {
        "build_s": seconds,
        "build_cpu_s": cpu,
        "keys_s": seconds - steps.get("vocabulary_s", seconds),
        "records": len(extract),
        "disk_bytes": size,
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": _status_kb("VmHWM") / 1024,
    }


def work_search(data: Path, queries: int, barrier: Path | None, peers: int) -> dict[str, object]:
    import pandas as pd

    from bench.linkage_data import load_truth
    from bench.linkage_search import _summary
    from openmash.linkage.engine import MappedIndex
    from openmash.linkage.engine.search import query_rows

    truth = load_truth(data)
    present = pd.read_parquet(data / "present.parquet").head(queries)
    absent = pd.read_parquet(data / "absent.parquet").head(queries)
    rows = query_rows(pd.concat([present, absent]).sort_index(kind="stable").reset_index(drop=True))
    rss0, pss0 = _status_kb("VmRSS"), _pss_kb()
    started = time.perf_counter()
    index = MappedIndex(data / "index")
    open_ms = 1000 * (time.perf_counter() - started)
    rss_open = _status_kb("VmRSS")
    answers: dict[str, list[tuple[str, float]]] = {}
    latencies = []
    cpu = []
    considered = []
    for row in rows:
        asked, asked_cpu = time.perf_counter(), time.thread_time()
        result = index.search_features(row, top=TOP, threshold=THRESHOLD)
        latencies.append(time.perf_counter() - asked)
        cpu.append(time.thread_time() - asked_cpu)
        considered.append(result.considered)
        answers[result.query_id] = [(c.record_id, c.match_probability) for c in result.candidates]
    if barrier is not None:  # measure only once every peer has searched and holds its pages
        (barrier / f"ready-{os.getpid()}").touch()
        while len(list(barrier.glob("ready-*"))) < peers:
            time.sleep(0.05)
        time.sleep(0.5)
    rss1, pss1 = _status_kb("VmRSS"), _pss_kb()
    if barrier is not None:
        (barrier / f"done-{os.getpid()}").touch()
        while len(list(barrier.glob("done-*"))) < peers:
            time.sleep(0.05)
    summary = _summary(answers, latencies, truth)
    return {
        **summary,
        "open_ms": open_ms,
        "records": len(index),
        "rss_open_kb": rss_open - rss0,
        "rss_delta_kb": rss1 - rss0,
        "pss_delta_kb": pss1 - pss0,
        "mean_ms": 1000 * statistics.fmean(latencies),
        "cpu_p50_ms": 1000 * statistics.median(cpu),
        "cpu_p95_ms": 1000 * _percentile(cpu, 0.95),
        "considered_mean": statistics.fmean(considered),
        "considered_p95": _percentile([float(c) for c in considered], 0.95),
    }


def _run_worker(*args: str) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - this script
        [sys.executable, __file__, "--worker", *args], check=True, stdout=subprocess.PIPE, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# --- the benchmark ------------------------------------------------------------------------------------


def kept_folder(keep: Path, size: int, density: int = 1, names: str = "narrow") -> Path:
    """Where a size's data, model and index are kept: one folder for each population."""
    folder = str(size) if density == 1 else f"{size}-dense{density}"
    return keep / (folder if names == "narrow" else f"{folder}-{names}")


def search_only(size: int, queries: int, keep: Path, density: int = 1, names: str = "narrow") -> list[str]:
    """Only the searches, on the kept data, model and index (built first if missing)."""
    data = kept_folder(keep, size, density, names)
    if not (data / "model.json").is_file():
        data.mkdir(parents=True, exist_ok=True)
        _run_worker("prepare", str(data), str(size), str(queries), str(density), "duckdb", "100000", names)
    if not (data / "index" / "index.json").is_file():
        shutil.rmtree(data / "index", ignore_errors=True)
        _run_worker("build", str(data))
    s = _run_worker("search", str(data), str(queries))
    kind = "searches only" if density == 1 else f"searches only; blocks as at {label(size * density)}"
    return [
        f"| {label(int(s['records']))} | mapped index ({kind}) | | open {s['open_ms']:.0f} ms"
        f" | p50 {s['p50_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms"
        f" (CPU time p50 {s['cpu_p50_ms']:.2f} ms, p95 {s['cpu_p95_ms']:.2f} ms);"
        f" candidates considered mean {s['considered_mean']:.0f}, p95 {s['considered_p95']:.0f}"
        f" | top-1 {s['top1']:.3f}, false hits/100 absent {s['false_hits_per_100_absent']:.1f} | |"
    ]


def bench_size(
    size: int,
    queries: int,
    splink_queries: int,
    in_memory: bool,
    keep: Path | None = None,
    train_backend: str = "duckdb",
    training_sample: int = 100_000,
    names: str = "narrow",
) -> list[str]:
    from bench.bench_linkage import _worker

    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        data = Path(tmp) if keep is None else kept_folder(keep, size, names=names)
        data.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        trained: dict[str, Any] = {}
        if not (data / "model.json").is_file():  # else kept from an earlier run
            trained = _run_worker(
                "prepare", str(data), str(size), str(queries), "1", train_backend, str(training_sample), names
            )
        print(f"  {size:,}: data and model ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        shutil.rmtree(data / "index", ignore_errors=True)
        shutil.rmtree(data / "barrier", ignore_errors=True)
        build = _run_worker("build", str(data))
        n = int(build["records"])
        search = _run_worker("search", str(data), str(queries))
        barrier = data / "barrier"
        barrier.mkdir()
        pair = [
            subprocess.Popen(  # noqa: S603 - this script
                [sys.executable, __file__, "--worker", "search", str(data), str(queries), str(barrier), "2"],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        shared = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in pair]
        memory: dict[str, Any] | None = _worker("openmash", data, queries) if in_memory else None
        splink: dict[str, Any] | None = _worker("splink", data, splink_queries) if splink_queries else None

    def per_record(kb: float) -> float:
        return 1024 * kb / n

    build_s = build["build_s"]
    lines.append(
        f"| {label(n)} | mapped index | build from the Parquet extract {build_s:.1f} s"
        f" ({build_s / n * 1e6:.0f} s per million,"
        f" CPU time {build['build_cpu_s'] / n * 1e6:.0f} s per million;"
        f" of which blocking keys {build['keys_s']:.0f} s;"
        f" peak RSS {build['peak_rss_mb']:.0f} MB) | open {search['open_ms']:.0f} ms"
        f" | p50 {search['p50_ms']:.2f} ms, p95 {search['p95_ms']:.2f} ms"
        f" (CPU time p50 {search['cpu_p50_ms']:.2f} ms, p95 {search['cpu_p95_ms']:.2f} ms;"
        f" candidates considered mean {search['considered_mean']:.0f}, p95 {search['considered_p95']:.0f})"
        f" | top-1 {search['top1']:.3f}, false hits/100 absent {search['false_hits_per_100_absent']:.1f}"
        f" | RSS {per_record(search['rss_delta_kb']):.0f} B/record,"
        f" PSS {per_record(search['pss_delta_kb']):.0f} B/record after {2 * queries} searches;"
        f" {build['disk_bytes'] / n:.0f} B/record on disk;"
        f" two processes at once: PSS {per_record(shared[0]['pss_delta_kb']):.0f}"
        f" + {per_record(shared[1]['pss_delta_kb']):.0f} B/record |"
    )
    if memory is not None:
        m = memory["summary"]
        grown = (m["peak_rss_mb"] - m["rss_before_mb"]) * 1024 * 1024 / n
        lines.append(
            f"| {label(n)} | in-memory SearchIndex (before) | build {m['build_s']:.1f} s"
            f" (peak RSS {m['peak_rss_mb']:.0f} MB, {grown:.0f} B/record) | rebuilt per process"
            f" | p50 {m['p50_ms']:.2f} ms, p95 {m['p95_ms']:.2f} ms"
            f" | top-1 {m['top1']:.3f}, false hits/100 absent {m['false_hits_per_100_absent']:.1f} | |"
        )
    if splink is not None:
        k = splink["summary"]
        lines.append(
            f"| {label(n)} | Splink predict_between ({int(k['queries'])} queries)"
            f" | register {k['build_s']:.1f} s (peak RSS {k['peak_rss_mb']:.0f} MB) |"
            f" | p50 {k['p50_ms']:.1f} ms, p95 {k['p95_ms']:.1f} ms"
            f" | top-1 {k['top1']:.3f}, false hits/100 absent {k['false_hits_per_100_absent']:.1f} | |"
        )
    if trained:
        where = "DuckDB" if train_backend == "duckdb" else "Spark in local mode (local[2])"
        lines.append(
            f"| {label(n)} | (model trained on a {label(int(trained['trained_on']))} sample on {where}"
            f" in {trained['train_s']:.0f} s, drawing the samples while reading the extract,"
            f" after {trained['start_s']:.0f} s starting the engine) | | | | | |"
        )
    else:
        lines.append(f"| {label(n)} | (model kept from an earlier run) | | | | | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000, help="present and absent people, each")
    parser.add_argument("--splink-queries", type=int, default=100, help="of each kind for Splink; 0 skips it")
    parser.add_argument("--no-in-memory", action="store_true", help="skip the in-memory SearchIndex")
    parser.add_argument("--keep", type=Path, help="keep each size's data and index in this folder")
    parser.add_argument(
        "--search-only", action="store_true", help="with --keep: reuse the kept index, measure only searches"
    )
    parser.add_argument(
        "--density",
        type=int,
        default=1,
        help="with --search-only: births and surnames this many times denser, so blocks are as large"
        " as in an index this many times bigger (the search cost at 10M measured on 1M records)",
    )
    parser.add_argument(
        "--train-backend",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="train the model on DuckDB or on Splink's Spark backend in local mode (pyspark, Java 17)",
    )
    parser.add_argument(
        "--training-sample", type=int, default=100_000, help="records drawn from the extract to train on"
    )
    parser.add_argument(
        "--names",
        choices=("narrow", "wide"),
        default="narrow",
        help="the population's given names: narrow (en_GB's 182 for each sex, each as likely; every"
        " figure before 6 December 2026) or wide (thousands, in a long tail, as in a real population)",
    )
    args = parser.parse_args()
    if args.search_only and args.keep is None:
        parser.error("--search-only needs --keep")
    if args.density != 1 and not args.search_only:
        parser.error("--density goes with --search-only")
    if args.worker:
        kind, *rest = args.worker
        if kind == "build":
            result: dict[str, object] = dict(work_build(Path(rest[0])))
        elif kind == "prepare":
            folder, size, queries, density, backend, sample, names = rest
            result = dict(
                work_prepare(Path(folder), int(size), int(queries), int(density), backend, int(sample), names)
            )
        else:
            barrier = Path(rest[2]) if len(rest) > 2 else None
            result = work_search(Path(rest[0]), int(rest[1]), barrier, int(rest[3]) if len(rest) > 3 else 1)
        print(json.dumps(result))
        return
    print("| records | index | build | open | search per person | accuracy | memory |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        if args.search_only:
            print(search_only(size, args.queries, args.keep, args.density, args.names)[0], flush=True)
            continue
        for line in bench_size(
            size,
            args.queries,
            args.splink_queries,
            not args.no_in_memory,
            args.keep,
            args.train_backend,
            args.training_sample,
            args.names,
        ):
            print(line, flush=True)


if __name__ == "__main__":
    main()
