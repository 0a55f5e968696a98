"""The trawl's index on disk: written once per load as NumPy arrays, opened memory-mapped.

:class:`SearchIndex` holds a source in each process's memory (about 1.8 GB per million records,
rebuilt whenever a process starts). :func:`write_index` writes the same index — the blocking keys,
the records' encoded features, the term-frequency tables and the model — as ``.npy`` files in one
folder, and :class:`MappedIndex` opens them with ``np.load(mmap_mode="r")``: opening reads a few
small files, every process that opens the folder shares one copy through the operating system's
page cache, and only the pages a search touches are ever read.

A search scores its candidates on the arrays themselves (:class:`~.columnar.ArrayScorer`: codes
compared as whole arrays, only distinct values decoded) with the same weights as the in-memory
index's :class:`~.scoring.Scorer`, and only the best few are decoded into rows and scored again for
their evidence, so candidates, probabilities and evidence are the same (the tests compare both with
each other, with the pair-at-a-time path and with Splink's ``predict_between``).

Layout of an index folder (written to a temporary name and renamed into place when complete):

* ``index.json`` — format, version, record count, key layout, sexes, warnings;
* ``model.json`` — the model with the trawl's prior, as :meth:`LinkageModel.to_json` writes it;
* ``vocab_blob.npy`` / ``vocab_offsets.npy`` — every text value once, UTF-8, in sorted order, so a
  code is a value's rank and a query's value is found by binary search;
* ``record_id_blob.npy`` / ``record_id_offsets.npy`` — the record ids;
* ``codes.npy`` — one row per record: the vocabulary code of each compared text feature (-1:
  missing), in ``CODED``'s order, side by side, so that the codes of a candidate are read together
  (an index written before 7 December 2026 has a ``col_<feature>.npy`` for each, which still opens);
* ``col_nhs_number.npy``, ``col_sex.npy`` — per record, the NHS number and the sex;
* ``block_keys.npy`` (sorted, distinct), ``block_offsets.npy`` and ``block_positions.npy`` — key
  ``block_keys[i]``'s records are ``block_positions[block_offsets[i]:block_offsets[i + 1]]``;
* ``tf_<feature>_codes.npy`` / ``tf_<feature>_values.npy`` — term frequencies by vocabulary code.

A *root* folder holds several index folders and a ``CURRENT`` file naming the one in use;
:func:`publish` writes a new index and switches ``CURRENT`` with one atomic rename, and
:class:`IndexCache` reopens a root's index when ``CURRENT`` changes. A process still holding the old
index keeps searching it (its files stay mapped even once removed) until it reopens.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, overload

import numpy as np

from openmash.linkage.engine.arrays import sorted_distinct
from openmash.linkage.engine.building import (
    CODED,
    CODES,
    DEFAULT_CHUNK_ROWS,
    DEFAULT_ORDER_ROWS,
    DEFAULT_SORT_ROWS,
    Chunked,
    build_files,
    feature_chunks,
)
from openmash.linkage.engine.columnar import ArrayScorer
from openmash.linkage.engine.features import FEATURE_COLUMNS, FeatureRow, FeatureTable, _dob_features
from openmash.linkage.engine.model import LinkageModel
from openmash.linkage.engine.records import Records
from openmash.linkage.engine.scoring import Scorer
from openmash.linkage.engine.search import (
    DEFAULT_MAX_BLOCK_SIZE,
    Searchable,
    _QueryVariant,
    blocking_tables,
    encoder_of,
    query_keys,
    radix_of,
    trawl_model,
)

__all__ = [
    "CURRENT",
    "FORMAT",
    "IndexCache",
    "IndexFormatError",
    "MappedIndex",
    "is_index",
    "open_index",
    "publish",
    "write_index",
]

FORMAT: Final = "openmash.linkage.index"
VERSION: Final = 1
#: The file in a root folder naming the index folder in use.
CURRENT: Final = "CURRENT"
_META: Final = "index.json"
_MODEL: Final = "model.json"

#: MappedIndex.rows() builds rows in this order.
_ROW_ORDER: Final = (
    "record_id given_name given_canon given_initial given_prefix surname surname_first surname_last "
    "surname_key dob dob_days dob_swapped birth_year sex postcode postcode_sector postcode_outward "
    "address address_key nhs_number other_id"
).split()
if tuple(_ROW_ORDER) != FEATURE_COLUMNS:  # pragma: no cover - a new feature needs rows() updated
    raise ImportError("MappedIndex.rows() does not build rows in FEATURE_COLUMNS order")


class IndexFormatError(ValueError):
    """The folder is not an index this version can open."""


def is_index(path: str | Path) -> bool:
    """Whether ``path`` is an index folder or a root folder with a current index."""
    path = Path(path)
    return (path / _META).is_file() or (path / CURRENT).is_file()


# --- writing ------------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _dob_derived(iso: str) -> tuple[Any, ...]:
    """(day number, day and month swapped, year) of a stored date of birth, as features.py makes them."""
    _, days, swapped, year = _dob_features(date.fromisoformat(iso))
    return days, swapped, year


def write_index(
    records: Records | FeatureTable | Chunked,
    model: LinkageModel,
    directory: str | Path,
    *,
    matches_per_query: float | None = 1.0,
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    sort_rows: int = DEFAULT_SORT_ROWS,
    order_rows: int = DEFAULT_ORDER_ROWS,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the index of ``records`` to ``directory`` (which must not exist yet), atomically.

    ``records`` may be a table, :class:`Record` objects, features already computed, or a
    :class:`~.building.Chunked` source such as :class:`~.inputs.Extract` (a Parquet or CSV extract
    read a batch of rows at a time). They are normalised ``chunk_rows`` at a time and blocking keys sorted
    ``sort_rows`` at a time (:mod:`.building`), so the build's memory does not grow with the
    source; the folder written does not depend on either. The records are put in date-of-birth order
    ``order_rows`` at a time: another ``order_rows`` places them differently, and answers alike.
    ``progress`` is told of each step.
    ``matches_per_query`` and ``max_block_size`` mean what they mean for :meth:`SearchIndex.build`.
    """
    target = Path(directory)
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
    work.mkdir()
    try:
        built = build_files(
            feature_chunks(records, chunk_rows),
            model,
            work,
            sort_rows=sort_rows,
            block_rows=chunk_rows,
            order_rows=order_rows,
            progress=progress,
        )
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "records": built.records,
            "text_radix": built.text_radix,
            "max_block_size": max_block_size,
            "sexes": built.sexes,
            "tf_columns": built.tf_columns,
            "warnings": built.warnings,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        trawl = trawl_model(model, built.records, matches_per_query)
        (work / _MODEL).write_text(trawl.to_json(), encoding="utf-8")
        (work / _META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def publish(
    records: Records | FeatureTable,
    model: LinkageModel,
    root: str | Path,
    *,
    keep_previous: int = 1,
    **options: Any,
) -> Path:
    """Write a new index into ``root`` and make it the current one with one atomic rename.

    Processes holding an earlier index keep searching it until they reopen (:class:`IndexCache`
    does when ``CURRENT`` changes). Index folders older than the ``keep_previous`` before the new
    one are removed; a process still holding one keeps its mapped files until it lets them go.
    """
    root = Path(root)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    folder = write_index(records, model, root / name, **options)
    switch(root, name)
    kept = sorted(p for p in root.iterdir() if p.is_dir() and (p / _META).is_file())
    for old in kept[: max(0, len(kept) - 1 - keep_previous)]:
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def switch(root: str | Path, name: str) -> None:
    """Point ``root``'s ``CURRENT`` at its index folder ``name``, atomically."""
    root = Path(root)
    if not (root / name / _META).is_file():
        raise IndexFormatError(f"{root / name} is not an index folder")
    temporary = root / f".{CURRENT}.{uuid.uuid4().hex}"
    temporary.write_text(name + "\n", encoding="utf-8")
    os.replace(temporary, root / CURRENT)


def current_folder(root: str | Path) -> Path:
    """The index folder ``root`` points at (or ``root`` itself when it is an index folder)."""
    root = Path(root)
    if (root / _META).is_file():
        return root
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexFormatError(f"{root} holds no index") from None
    return root / name


# --- reading ------------------------------------------------------------------------------------------


#: A value's code is found among this many of the vocabulary's values once a list of every this-many-th
#: value (about 100,000 strings at 20M records, read on the first search) has narrowed it down.
_STRIDE: Final = 256


class _Vocabulary(Sequence[str]):
    """The sorted text values, read from the mapped blob: code -> value, and value -> code."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._bytes = memoryview(blob)
        self._offsets = offsets
        self._n = len(offsets) - 1
        self.code = lru_cache(maxsize=4096)(self._code)
        self._signposts: Sequence[str] | None = None

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._n))]
        start, end = self._offsets[index : index + 2].tolist()
        return self._bytes[start:end].tobytes().decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(self._n))

    def _code(self, value: Any) -> int | None:
        if not isinstance(value, str):
            return None
        # Every _STRIDE-th value, decoded once, narrows the search to one stride of the mapped blob.
        if self._signposts is None:
            self._signposts = self[::_STRIDE]
        stride = bisect.bisect_right(self._signposts, value) - 1
        if stride < 0:
            return None
        lo = stride * _STRIDE
        at = bisect.bisect_left(self, value, lo, min(lo + _STRIDE, self._n))
        return at if at < self._n and self[at] == value else None

    def many(self, codes: np.ndarray) -> list[str]:
        """The values of ``codes`` (none of them -1), in order."""
        data = self._bytes
        starts = self._offsets[codes].tolist()
        ends = self._offsets[codes + 1].tolist()
        return [data[s:e].tobytes().decode("utf-8") for s, e in zip(starts, ends, strict=True)]

    def decode(self, codes: np.ndarray) -> dict[int, str]:
        """Each distinct code's value (-1 is left out)."""
        distinct = sorted_distinct(codes)
        distinct = distinct[distinct >= 0]
        return dict(zip(distinct.tolist(), self.many(distinct), strict=True))


class _TermFrequencies(Mapping[str, float]):
    """A term-frequency table read by value through the vocabulary, as the Scorer reads a dict."""

    def __init__(self, vocabulary: _Vocabulary, codes: np.ndarray, values: np.ndarray) -> None:
        self._vocabulary, self._codes, self._values = vocabulary, codes, values
        self._least: float | None = None
        self._cached = lru_cache(maxsize=16384)(self._lookup)

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[str]:
        return (self._vocabulary[c] for c in self._codes.tolist())

    def __getitem__(self, value: str) -> float:
        found = self._cached(value)
        if found is None:
            raise KeyError(value)
        return found

    def get(self, value: str, default: Any = None) -> Any:
        found = self._cached(value)
        return default if found is None else found

    def least(self) -> float:
        # Asked by each search whose value the table does not hold: read the table once.
        if self._least is None:
            self._least = float(self._values.min()) if len(self._values) else 1.0
        return self._least

    def _lookup(self, value: Any) -> float | None:
        code = self._vocabulary.code(value)
        if code is None:
            return None
        # The code as the table's own type: a Python int would have NumPy cast the whole table to
        # int64 first, for every value looked up (about 40 µs at 20M records).
        at = int(np.searchsorted(self._codes, self._codes.dtype.type(code)))
        return float(self._values[at]) if at < len(self._codes) and self._codes[at] == code else None


#: Features read from another stored column: the given name's initial and first two letters, the
#: date of birth's day number, swapped date and year.
_DERIVED: Final[dict[str, str]] = {
    "given_initial": "given_name",
    "given_prefix": "given_name",
    "dob_days": "dob",
    "dob_swapped": "dob",
    "birth_year": "dob",
}
_DOB_PART: Final = {"dob_days": 0, "dob_swapped": 1, "birth_year": 2}
#: Features the index keeps only as blocking keys: always missing in rows, so in scoring too.
_UNSTORED: Final = "-"
#: From this many candidates a query is scored on the arrays rather than a pair at a time (measured:
#: the two cost about the same at 50-60 candidates; at 1,000 the arrays cost a quarter).
ARRAYS_FROM: Final = 64
#: Text values each process keeps decoded between searches (names, dates, addresses): about 20 MB.
_DECODED: Final = 200_000


class MappedIndex(Searchable):
    """An index folder opened memory-mapped: searched like :class:`SearchIndex`, shared by every
    process through the page cache.

    A query with at least ``arrays_from`` candidates is scored on the arrays
    (:class:`~.columnar.ArrayScorer`); one with fewer, a pair at a time as the in-memory index scores
    (for a handful of candidates that costs less than the arrays' fixed cost of about a millisecond).
    ``None`` scores every query a pair at a time, ``0`` every query on the arrays: both give the
    same answers."""

    def __init__(self, folder: str | Path, *, arrays_from: int | None = ARRAYS_FROM) -> None:
        self.folder = Path(folder)
        try:
            meta = json.loads((self.folder / _META).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexFormatError(f"{self.folder} is not an index folder") from None
        if meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise IndexFormatError(f"{self.folder} was written by another version of the index")
        self.meta = meta
        self.model = LinkageModel.from_json((self.folder / _MODEL).read_text(encoding="utf-8"))
        self.max_block_size = int(meta["max_block_size"])
        self.warnings: list[str] = list(meta["warnings"])
        self._n = int(meta["records"])

        def load(name: str) -> np.ndarray:
            mapped = np.load(self.folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
            # A plain array over the same mapping: np.memmap's own indexing is several times slower.
            array: np.ndarray = mapped.view(np.ndarray)
            return array

        self._block_keys = load("block_keys")
        self._block_offsets = load("block_offsets")
        self._block_positions = load("block_positions")
        self.vocabulary = _Vocabulary(load("vocab_blob"), load("vocab_offsets"))
        self._ids = _Vocabulary(load("record_id_blob"), load("record_id_offsets"))
        self._rows: np.ndarray | None = None
        if (self.folder / f"{CODES}.npy").is_file():
            self._rows = load(CODES)
            self._coded = [self._rows[:, i] for i in range(len(CODED))]
        else:  # written before the codes were kept side by side
            self._coded = [load(f"col_{c}") for c in CODED]
        self._nhs = load("col_nhs_number")
        self._sex = load("col_sex")
        self._sexes: list[str] = list(meta["sexes"])
        tf = {
            column: _TermFrequencies(self.vocabulary, load(f"tf_{column}_codes"), load(f"tf_{column}_values"))
            for column in meta["tf_columns"]
        }
        radix = radix_of(int(meta["text_radix"]))
        self._variants: list[_QueryVariant]
        _, self._variants = blocking_tables(self.model, encoder_of(self.vocabulary.code), radix)
        self._scorer = Scorer(self.model, tf)
        self._sources: dict[str, np.ndarray] = dict(zip(CODED, self._coded, strict=True))
        self._sources["nhs_number"] = self._nhs
        self._sources["sex"] = self._sex
        self._decoded: dict[int, str] = {}
        self._arrays = ArrayScorer(self._scorer, self)
        self._arrays_from = arrays_from

    def __len__(self) -> int:
        return self._n

    def best_rows(self, query: FeatureRow, positions: np.ndarray, floor: float, top: int) -> list[FeatureRow]:
        if self._arrays_from is None or len(positions) < self._arrays_from:
            return super().best_rows(query, positions, floor, top)
        return self.rows(self._arrays.rank(query, positions, floor, top))

    # --- the columns, as ArrayScorer reads them ------------------------------------------------------

    @property
    def coded(self) -> frozenset[str]:
        return frozenset(self._sources)

    def source(self, feature: str) -> str:
        if feature in self._sources:
            return feature
        return _DERIVED.get(feature, _UNSTORED)

    def gather(self, source: str, positions: np.ndarray) -> np.ndarray:
        if source == _UNSTORED:
            return np.full(len(positions), -1, dtype=np.int8)
        return self._sources[source][positions]

    def gather_together(self, positions: np.ndarray) -> dict[str, np.ndarray]:
        if self._rows is None:
            return {}
        rows = self._rows[positions]
        return {feature: rows[:, i] for i, feature in enumerate(CODED)}

    def decode(self, source: str, codes: np.ndarray) -> list[Any]:
        if source == _UNSTORED:
            return [None] * len(codes)
        if source == "nhs_number":
            return [None if v < 0 else f"{v:010d}" for v in codes.tolist()]
        if source == "sex":
            return [None if s < 0 else self._sexes[s] for s in codes.tolist()]
        # Names and dates of birth recur from one search to the next: each is decoded once.
        cache = self._decoded
        text: list[Any] = list(map(cache.get, codes.tolist()))
        missing = [at for at, v in enumerate(text) if v is None] if None in text else []
        if missing and codes[missing].min() < 0:
            missing = [at for at in missing if codes[at] >= 0]
        if missing:
            fresh = self.vocabulary.many(codes[missing])
            if len(cache) + len(fresh) > _DECODED:
                cache.clear()
            for at, value in zip(missing, fresh, strict=True):
                text[at] = cache[int(codes[at])] = value
        return text

    def derive(self, feature: str, values: list[Any]) -> list[Any]:
        source = self.source(feature)
        if feature == source:
            return values
        if source == "given_name":
            size = 1 if feature == "given_initial" else 2
            return [None if g is None else g[:size] for g in values]
        if source == "dob":
            part = _DOB_PART[feature]
            return [None if d is None else _dob_derived(d)[part] for d in values]
        return [None] * len(values)

    def code_of(self, feature: str, value: Any) -> int | None:
        if feature == "nhs_number":
            try:
                number = int(value)
            except (TypeError, ValueError):
                return None
            return number if number >= 0 and f"{number:010d}" == value else None
        if feature == "sex":
            return self._sexes.index(value) if value in self._sexes else None
        return self.vocabulary.code(value)

    def record_ids(self, positions: np.ndarray) -> list[str]:
        return self._ids.many(positions)

    @property
    def scorer(self) -> Scorer:
        return self._scorer

    def candidate_positions(self, query: FeatureRow) -> tuple[np.ndarray, tuple[str, ...]]:
        """Positions of index records sharing at least one block with ``query``."""
        keys, rules = query_keys(self._variants, query)
        if not keys:
            return np.empty(0, dtype=np.int32), ()
        wanted = np.asarray(keys, dtype=np.int64)
        at = np.searchsorted(self._block_keys, wanted)
        found = at < len(self._block_keys)
        found[found] = self._block_keys[at[found]] == wanted[found]
        at = at[found]
        starts, ends = self._block_offsets[at], self._block_offsets[at + 1]
        large = (ends - starts) > self.max_block_size
        found_rules = [rule for rule, hit in zip(rules, found.tolist(), strict=True) if hit]
        skipped = tuple(dict.fromkeys(r for r, big in zip(found_rules, large.tolist(), strict=True) if big))
        slices = [
            self._block_positions[a:b]
            for a, b, big in zip(starts.tolist(), ends.tolist(), large.tolist(), strict=True)
            if not big
        ]
        if not slices:
            return np.empty(0, dtype=np.int32), skipped
        return sorted_distinct(np.concatenate(slices)), skipped

    def rows(self, positions: np.ndarray) -> list[FeatureRow]:
        """The candidates' feature rows: each column's codes gathered at once, each distinct value
        decoded once. Features used only as blocking keys are left ``None``."""
        if not len(positions):
            return []
        ids = self._ids.many(positions)
        gathered = [column[positions] for column in self._coded]
        values = self.vocabulary.decode(np.concatenate(gathered))
        text = [[values.get(c) for c in codes.tolist()] for codes in gathered]
        (given, canon, surname, first, last, dob) = text[:6]
        (postcode, sector, outward, address, other) = text[6:]
        derived = [(None, None, None) if d is None else _dob_derived(d) for d in dob]
        days, swapped, year = (list(column) for column in zip(*derived, strict=True))
        nhs = [None if v < 0 else f"{v:010d}" for v in self._nhs[positions].tolist()]
        sexes = self._sexes
        sex = [None if s < 0 else sexes[s] for s in self._sex[positions].tolist()]
        initial = [None if g is None else g[0] for g in given]
        prefix = [None if g is None else g[:2] for g in given]
        none = [None] * len(ids)
        return list(
            zip(
                ids,
                given,
                canon,
                initial,
                prefix,
                surname,
                first,
                last,
                none,  # surname_key
                dob,
                days,
                swapped,
                year,
                sex,
                postcode,
                sector,
                outward,
                address,
                none,  # address_key
                nhs,
                other,
                strict=True,
            )
        )


def open_index(path: str | Path) -> MappedIndex:
    """Open an index folder, or the current index of a root folder."""
    return MappedIndex(current_folder(path))


class IndexCache:
    """Open indexes per root, reopened when the root's ``CURRENT`` names another folder. Safe to
    share between threads; a search already running on the old index finishes on it."""

    def __init__(self) -> None:
        self._open: dict[Path, tuple[Path, MappedIndex]] = {}
        self._lock = threading.Lock()

    def get(self, root: str | Path) -> MappedIndex:
        root = Path(root)
        for attempt in range(3):
            folder = current_folder(root)
            with self._lock:
                held = self._open.get(root)
                if held is not None and held[0] == folder:
                    return held[1]
            try:
                index = MappedIndex(folder)
            except (FileNotFoundError, IndexFormatError):
                # Removed between reading CURRENT and opening it: a newer index is current by now.
                if attempt == 2:
                    raise
                continue
            with self._lock:
                self._open[root] = (folder, index)
            return index
        raise AssertionError("unreachable")  # pragma: no cover

    def clear(self) -> None:
        with self._lock:
            self._open.clear()
