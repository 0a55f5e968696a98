"""Where Splink runs: embedded DuckDB by default, Spark by configuration.

Both backends answer the same small interface — a Splink database API, a SQL dialect name for
the comparison definitions, table registration from a pandas frame and conversion back — so
training and batch linking are written once. The in-memory trawl index needs no backend at all.

Choosing one: :func:`backend_from_config` takes ``"duckdb"`` / ``"spark"`` or a mapping such as
``{"backend": "spark", "master": "local[2]", "shuffle_partitions": "8", "break_lineage": "parquet"}``;
with nothing given it reads ``OPENMASH_LINKAGE_BACKEND`` from the environment and falls back to DuckDB.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from openmash.linkage.engine.comparisons import Dialect
from openmash.linkage.engine.features import INT_FEATURES

__all__ = ["BACKEND_ENV", "Backend", "DuckDBBackend", "SparkBackend", "backend_from_config"]

BACKEND_ENV: Final = "OPENMASH_LINKAGE_BACKEND"
_names = itertools.count(1)


class Backend(ABC):
    """A Splink execution backend."""

    name: str
    dialect: Dialect

    @abstractmethod
    def db_api(self) -> Any:
        """The Splink ``DatabaseAPI`` every table of one linkage job is registered with."""

    @abstractmethod
    def _to_backend_table(self, frame: pd.DataFrame) -> Any: ...

    def register(self, frame: pd.DataFrame, prefix: str = "t") -> Any:
        """Register a feature (or lookup) frame under a fresh unique table name."""
        return self.db_api().register(self._to_backend_table(frame), table_name=f"om_{prefix}_{next(_names)}")

    @abstractmethod
    def to_pandas(self, splink_frame: Any) -> pd.DataFrame: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the backend's resources."""


class DuckDBBackend(Backend):
    """Embedded DuckDB (in memory by default): no server, used by the tests and the CLI."""

    name = "duckdb"
    dialect: Dialect = "duckdb"

    def __init__(self, connection: str = ":memory:") -> None:
        import duckdb
        from splink import DuckDBAPI

        # DuckDB spills to ".tmp" in the working directory by default; keep it in the system's
        # temporary directory (OPENMASH_DUCKDB_TEMP to choose another), never in a checkout.
        spill = os.environ.get("OPENMASH_DUCKDB_TEMP") or str(Path(tempfile.gettempdir()) / "openmash-duckdb")
        self._api = DuckDBAPI(connection=duckdb.connect(connection, config={"temp_directory": spill}))

    def db_api(self) -> Any:
        return self._api

    def _to_backend_table(self, frame: pd.DataFrame) -> Any:
        # An explicit Arrow schema: an all-empty column must still be text (or integer), never NULL-typed.
        import pyarrow as pa

        fields = []
        for column in frame.columns:
            if column in INT_FEATURES or frame[column].dtype.kind in "iu":
                kind: Any = pa.int64()
            elif frame[column].dtype.kind == "f":
                kind = pa.float64()
            else:
                kind = pa.string()
            fields.append(pa.field(column, kind))
        return pa.Table.from_pandas(frame, schema=pa.schema(fields), preserve_index=False)

    def to_pandas(self, splink_frame: Any) -> pd.DataFrame:
        return splink_frame.as_pandas_dataframe()


class SparkBackend(Backend):
    """Splink's Spark backend, for data one machine cannot hold.

    Creates a local session unless one is passed: the venv's interpreter for the workers, the
    similarity jar shipped in the Splink wheel (for ``jaro_winkler``), few shuffle partitions.

    Splink's intermediate tables (blocked pairs, comparison vectors, term frequencies) are written
    to Parquet in the session's checkpoint directory and read back (``break_lineage="parquet"``,
    Splink's default); a session without one gets a temporary directory, removed on :meth:`close`.
    Not ``"persist"``: a query that reads a cached table inside a ``WITH`` clause, as each EM
    iteration reads the comparison vectors once for each comparison, does not use Spark's cache,
    so every iteration blocked and compared every pair again (EM on the dates of birth of a
    30,000-record sample took 246 s; 12 s reading the stored rows).
    """

    name = "spark"
    dialect: Dialect = "spark"

    def __init__(
        self,
        spark: Any = None,
        *,
        master: str = "local[2]",
        shuffle_partitions: int = 8,
        break_lineage: str = "parquet",
    ) -> None:
        from splink.backends.spark import SparkAPI, similarity_jar_location

        if spark is None:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            from pyspark.sql import SparkSession

            spark = (
                SparkSession.builder.master(master)
                .appName("openmash-linkage")
                .config("spark.jars", similarity_jar_location())
                .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
                .config("spark.default.parallelism", str(shuffle_partitions))
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.memory", "2g")
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
            self._owns_session = True
        else:
            self._owns_session = False
        self.spark = spark
        self._checkpoints: str | None = None
        if break_lineage == "parquet" and spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty():
            root = os.environ.get("OPENMASH_SPARK_CHECKPOINTS") or tempfile.gettempdir()
            self._checkpoints = tempfile.mkdtemp(prefix="openmash-spark-", dir=root)
            spark.sparkContext.setCheckpointDir(self._checkpoints)
        self._api = SparkAPI(spark_session=spark, break_lineage_method=break_lineage)

    def db_api(self) -> Any:
        return self._api

    def _to_backend_table(self, frame: pd.DataFrame) -> Any:
        from pyspark.sql import types as spark_types

        fields = []
        for column in frame.columns:
            if column in INT_FEATURES:
                kind: Any = spark_types.LongType()
            elif frame[column].dtype.kind == "f":
                kind = spark_types.DoubleType()
            else:
                kind = spark_types.StringType()
            fields.append(spark_types.StructField(column, kind, nullable=True))
        rows = [
            tuple(
                None if pd.isna(v) else (int(v) if c in INT_FEATURES else v)
                for c, v in zip(frame.columns, row, strict=True)
            )
            for row in frame.itertuples(index=False, name=None)
        ]
        table = self.spark.createDataFrame(rows, schema=spark_types.StructType(fields))
        # A table made from Python rows is re-read through Python workers, unpickling every row, each
        # time a job reads it (training reads its input many times): keep it in Spark's own storage.
        from pyspark import StorageLevel

        table = table.persist(StorageLevel.MEMORY_AND_DISK)
        table.count()
        return table

    def to_pandas(self, splink_frame: Any) -> pd.DataFrame:
        return splink_frame.as_pandas_dataframe()

    def close(self) -> None:
        if self._owns_session:
            self.spark.stop()
        if self._checkpoints is not None:
            shutil.rmtree(self._checkpoints, ignore_errors=True)


def backend_from_config(config: str | Mapping[str, str] | None = None) -> Backend:
    """Build the configured backend (see the module docstring)."""
    if config is None:
        config = os.environ.get(BACKEND_ENV, "duckdb")
    options: dict[str, str] = {"backend": config} if isinstance(config, str) else dict(config)
    kind = options.pop("backend", "duckdb").strip().lower()
    if kind == "duckdb":
        return DuckDBBackend(options.get("connection", ":memory:"))
    if kind == "spark":
        return SparkBackend(
            master=options.get("master", "local[2]"),
            shuffle_partitions=int(options.get("shuffle_partitions", "8")),
            break_lineage=options.get("break_lineage", "parquet"),
        )
    raise ValueError(f"unknown linkage backend {kind!r}: expected 'duckdb' or 'spark'")
