"""One search-benchmark run in its own process, so its peak memory is its own.

    python bench/linkage_search.py ENGINE DATA_DIR --queries N --out RESULT.json

ENGINE is ``openmash`` (the in-memory SearchIndex) or ``splink`` (Splink's ``predict_between``
against the index registered in DuckDB, with its term-frequency tables). Both use the same stored
model and the same prior (one expected match per query), so they differ only in how they search.
DATA_DIR holds ``index.parquet``, ``present.parquet``, ``absent.parquet``, ``truth.json`` and
``model.json`` written by bench_linkage.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.linkage_data import load_truth  # noqa: E402
from openmash.linkage.engine import LinkageModel, SearchIndex  # noqa: E402
from openmash.linkage.engine.features import feature_frame  # noqa: E402
from openmash.linkage.engine.search import query_rows  # noqa: E402

THRESHOLD = 0.5
TOP = 5


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss would include the parent's at fork time)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(
    answers: dict[str, list[tuple[str, float]]], latencies: list[float], truth: dict[str, object]
) -> dict[str, float]:
    person_of: dict[str, int] = truth["person_of"]  # type: ignore[assignment]
    query_person: dict[str, int] = truth["query_person"]  # type: ignore[assignment]
    present = [q for q in answers if q.startswith("QP")]
    absent = [q for q in answers if q.startswith("QA")]
    top1 = sum(1 for q in present if answers[q] and person_of[answers[q][0][0]] == query_person[q])
    false_present = sum(1 for q in present for rid, _ in answers[q] if person_of[rid] != query_person[q])
    false_absent = sum(len(answers[q]) for q in absent)
    return {
        "queries": len(answers),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * _percentile(latencies, 0.95),
        "top1": top1 / len(present) if present else float("nan"),
        "false_hits_per_100_absent": 100 * false_absent / len(absent) if absent else float("nan"),
        "wrong_candidates_per_100_present": 100 * false_present / len(present) if present else float("nan"),
    }


def run_openmash(data: Path, queries: pd.DataFrame, model: LinkageModel) -> dict[str, object]:
    index_frame = pd.read_parquet(data / "index.parquet")
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    index = SearchIndex.build(index_frame, model)
    build_s = time.perf_counter() - started
    del index_frame
    answers: dict[str, list[tuple[str, float]]] = {}
    latencies = []
    for row in query_rows(queries):
        started = time.perf_counter()
        result = index.search_features(row, top=TOP, threshold=THRESHOLD)
        latencies.append(time.perf_counter() - started)
        answers[result.query_id] = [(c.record_id, c.match_probability) for c in result.candidates]
    return {"build_s": build_s, "rss_before_mb": rss_before, "answers": answers, "latencies": latencies}


def run_splink(data: Path, queries: pd.DataFrame, model: LinkageModel) -> dict[str, object]:
    from splink import DuckDBAPI, Linker

    from openmash.linkage.engine.scoring import term_frequencies

    index_frame = pd.read_parquet(data / "index.parquet")
    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    features = feature_frame(index_frame).frame
    del index_frame
    model = model.with_prior(min(1.0 / len(features), 0.5))  # the same prior the SearchIndex uses
    db = DuckDBAPI()
    index_table = db.register(features, table_name="bench_index")
    linker = Linker(index_table, model.splink_settings("duckdb"), log_level=logging.ERROR)
    tf_columns = [c.tf_column for c in model.comparisons if c.tf_column]
    for column, table in term_frequencies(features, [c for c in tf_columns if c]).items():
        tf = pd.DataFrame({column: list(table), f"tf_{column}": list(table.values())})
        linker.table_management.register_term_frequency_lookup(
            db.register(tf, table_name=f"tf_{column}"), column
        )
    build_s = time.perf_counter() - started
    query_features = feature_frame(queries).frame
    answers: dict[str, list[tuple[str, float]]] = {}
    latencies = []
    for i in range(len(query_features)):
        one = query_features.iloc[[i]].reset_index(drop=True)
        started = time.perf_counter()
        query_table = db.register(one, table_name=f"bench_query_{i}")
        predictions = linker.inference.predict_between(
            query_table, index_table, threshold_match_probability=THRESHOLD, warning_mode="never"
        ).as_pandas_dataframe()
        predictions = predictions.sort_values(
            ["match_probability", "record_id_r"], ascending=[False, True]
        ).head(TOP)
        latencies.append(time.perf_counter() - started)
        answers[str(one.loc[0, "record_id"])] = list(
            zip(
                predictions["record_id_r"].astype(str),
                predictions["match_probability"].astype(float),
                strict=True,
            )
        )
    return {"build_s": build_s, "rss_before_mb": rss_before, "answers": answers, "latencies": latencies}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("engine", choices=("openmash", "splink"))
    parser.add_argument("data", type=Path)
    parser.add_argument("--queries", type=int, required=True, help="present and absent queries, each")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    model = LinkageModel.from_json((args.data / "model.json").read_text())
    truth = load_truth(args.data)
    present = pd.read_parquet(args.data / "present.parquet").head(args.queries)
    absent = pd.read_parquet(args.data / "absent.parquet").head(args.queries)
    # Interleave present and absent people, as a trawl would meet them.
    queries = pd.concat([present, absent]).sort_index(kind="stable").reset_index(drop=True)
    run = run_openmash if args.engine == "openmash" else run_splink
    result = run(args.data, queries, model)
    summary = _summary(result["answers"], result["latencies"], truth)  # type: ignore[arg-type]
    summary |= {
        "build_s": result["build_s"],
        "peak_rss_mb": _peak_rss_mb(),
        "rss_before_mb": result["rss_before_mb"],
    }
    args.out.write_text(json.dumps({"summary": summary, "answers": result["answers"]}))


if __name__ == "__main__":
    main()
