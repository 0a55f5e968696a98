"""The Spark backend gives Splink's answers from the same model (runs only where pyspark is installed)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from openmash.linkage.engine import LinkageModel, Linker
from openmash.linkage.engine.blocking import DEFAULT_BLOCKING_RULES

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
