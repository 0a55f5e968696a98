"""The Spark backend gives Splink's answers from the same model, and trains a model from which an
index is built (runs only where pyspark is installed: ``pip install -e '.[spark]'``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from openmash.linkage.engine import LinkageModel, Linker, SearchIndex, open_index, publish
from openmash.linkage.engine.blocking import DEFAULT_BLOCKING_RULES
from openmash.linkage.engine.inputs import Extract

pytest.importorskip("pyspark")

Pairs = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]


def test_spark_links_like_duckdb_with_the_same_model(pairs: Pairs, trained: LinkageModel) -> None:
    from openmash.linkage.engine import SparkBackend

    left, right, truth = pairs
    left = left.head(120)
    right = right[right["record_id"].isin({b for a, b in truth if a in set(left["record_id"])})]
    backend = SparkBackend(shuffle_partitions=1)
    try:
        # The model was trained on DuckDB; its JSON is rebuilt for Spark's SQL. Five of the
        # blocking rules keep the Spark job small (each rule is a join; the comparisons are all there).
        model = replace(LinkageModel.from_json(trained.to_json()), blocking_rules=DEFAULT_BLOCKING_RULES[:5])
        spark_links = {
            (x.left_id, x.right_id): x.match_probability
            for x in Linker(model, backend=backend).link(left, right)
        }
    finally:
        backend.close()
    duck_links = {(x.left_id, x.right_id): x.match_probability for x in Linker(model).link(left, right)}
    common = set(spark_links) & set(duck_links)
    assert len(common) >= 0.98 * len(duck_links)
    # Spark's Jaro-Winkler (from Splink's jar) differs slightly from DuckDB's, so allow a small gap.
    close = [pair for pair in common if abs(spark_links[pair] - duck_links[pair]) < 1e-6]
    assert len(close) >= 0.95 * len(common)


def test_a_parquet_extract_trained_on_spark_becomes_an_index_that_finds_people(
    tmp_path: Path, pairs: Pairs, index: SearchIndex
) -> None:
    """The path for a source too large to train on one machine, as ``python -m openmash.linkage
    index EXTRACT --backend spark`` takes it: a sample drawn while reading the Parquet extract is
    trained on Spark (local mode here; a cluster through ``OPENMASH_LINKAGE_BACKEND``'s options),
    and the index is written from the extract, read in chunks, and opened mapped. It finds the
    people the DuckDB-trained index finds. (u is estimated on fewer pairs and lambda is not refined,
    to keep the Spark job small.)"""
    from openmash.linkage.engine import SparkBackend

    left, right, truth = pairs
    right.to_parquet(tmp_path / "extract.parquet", index=False, row_group_size=200)
    extract = Extract(tmp_path / "extract.parquet")
    backend = SparkBackend(shuffle_partitions=1)
    try:
        model = LinkageModel.default().train(
            extract.sample(400), backend=backend, max_pairs=2e4, refine_prior=False
        )
    finally:
        backend.close()
    model = model.sampled_from(len(extract))
    assert (model.training["backend"], model.training["trained_on"]) == ("spark", 400)
    publish(extract, model, tmp_path / "indexes", chunk_rows=250)

    mapped = open_index(tmp_path / "indexes")
    assert mapped.model.training["records"] == len(right)
    queries = left.head(150)
    best = {r.query_id: r.candidates[0].record_id for r in mapped.search(queries) if r.candidates}
    duckdb_best = {r.query_id: r.candidates[0].record_id for r in index.search(queries) if r.candidates}
    found = len(set(best.items()) & truth)
    assert found >= 0.9 * len(set(duckdb_best.items()) & truth) > 100


def test_a_model_trained_on_spark_means_what_the_duckdb_model_means(
    pairs: Pairs, trained: LinkageModel
) -> None:
    """Every step of training runs on Spark (lambda from the deterministic rules, u by sampling, m by
    EM on both blocking rules, lambda refined over the prediction blocks) and gives DuckDB's model:
    the same m for every level EM estimates and the same prior. (u is drawn from a different random
    sample of pairs by each engine, so only its common levels are compared.)"""
    from openmash.linkage.engine import SparkBackend

    left, right, _ = pairs
    backend = SparkBackend(shuffle_partitions=2)
    try:
        model = LinkageModel.default().train(left, other=right, backend=backend, max_pairs=2e5)
    finally:
        backend.close()
    assert model.training["backend"] == "spark"
    assert not [note for note in model.training["notes"] if "failed" in note or "too few" in note]
    ratio = model.probability_two_random_records_match / trained.probability_two_random_records_match
    assert 0.9 < ratio < 1.1
    for comparison in trained.comparisons:
        for level, (m, u), (spark_m, spark_u) in zip(
            comparison.levels,
            trained.parameters[comparison.name],
            model.parameters[comparison.name],
            strict=True,
        ):
            if level.is_null:
                continue
            assert abs(spark_m - m) < 0.02, (comparison.name, level.label, m, spark_m)
            if u > 0.05:
                assert abs(spark_u - u) < 0.2 * u, (comparison.name, level.label, u, spark_u)


def test_spark_writes_its_intermediate_tables_where_the_server_says_and_removes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``OPENMASH_SPARK_CHECKPOINTS`` names the folder for Splink's Parquet checkpoints (a session that
    has no checkpoint directory of its own gets one there); closing the backend removes it."""
    from openmash.linkage.engine import SparkBackend

    monkeypatch.setenv("OPENMASH_SPARK_CHECKPOINTS", str(tmp_path))
    backend = SparkBackend(shuffle_partitions=1)
    try:
        [made] = list(tmp_path.iterdir())
        assert made.name.startswith("openmash-spark-")
    finally:
        backend.close()
    assert not list(tmp_path.iterdir())
