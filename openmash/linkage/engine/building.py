"""Writing an index folder's arrays in chunks, so a build's memory does not grow with the source.

:func:`~.stored.write_index` feeds :class:`IndexBuilder` the records a chunk at a time (a Parquet
or CSV extract is read a batch of rows at a time; a DataFrame is cut into slices); each chunk is
normalised with :func:`~.features.feature_frame` and appended to the folder's files. The files
are written and read back with plain file I/O, never mapped, so the build's resident memory is
what it holds:

1. **Per chunk**: each record's id and, per text feature, a *provisional* code — the value's
   position in the running vocabulary (a PyArrow string array of every distinct value seen so far,
   extended by each chunk's new values) — are appended to the column files, with the NHS number
   and sex. Term frequencies are counted by provisional code.
2. **Vocabulary**: once every chunk is in, the vocabulary is sorted (Arrow sorts strings by their
   UTF-8 bytes, which is Python's order) and every column file is rewritten, a chunk at a time,
   with ranks in place of provisional codes: the codes :class:`~.stored.MappedIndex` expects.
3. **Blocking keys**: one blocking table at a time, the keys are worked out from the column files
   a chunk at a time. A table of up to ``sort_rows`` keys is sorted at once; a larger one in key
   ranges (boundaries from a sample of its keys), each range read, sorted and appended in turn.
   Equal keys never straddle two ranges and each range keeps record order before a stable sort,
   so the result is the one a single sort gives.

Memory is then bounded by the chunk (about 1.7 kB per record being normalised), the key range
(about 24 bytes per key sorted) and the vocabulary (about 60 bytes per distinct value while
building, far fewer values than records). The output does not depend on the chunk sizes: the
tests build the same records in small chunks and in one, and compare every file.
"""

from __future__ import annotations

import ctypes
import gc
import io
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from openmash.linkage.engine.features import FeatureTable, feature_frame
from openmash.linkage.engine.model import LinkageModel
from openmash.linkage.engine.normalise import clear_caches
from openmash.linkage.engine.records import Records, records_to_frame
from openmash.linkage.engine.search import _TABLE_SHIFT, blocking_tables, encoder_of, radix_of, tf_columns

__all__ = [
    "CODED",
    "CODES",
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_ORDER_ROWS",
    "DEFAULT_SORT_ROWS",
    "Chunked",
    "IndexBuilder",
    "feature_chunks",
]

#: Records normalised at a time while an index is built (about 1.7 kB each while in hand).
DEFAULT_CHUNK_ROWS: Final = 200_000
#: Blocking keys sorted at a time (about 24 bytes each); a larger key table is sorted in ranges.
DEFAULT_SORT_ROWS: Final = 4_000_000
#: Records are put in date-of-birth order this many at a time (a fixed number, not the chunk's, so
#: that the folder is the same whatever the chunk sizes): a date's records then lie together in a few
#: places, and a search reads the codes of a date of birth's block from a few pages, not one page each.
DEFAULT_ORDER_ROWS: Final = 1 << 22
#: Records whose ids are moved at a time while they are put in order.
_ID_ROWS: Final = 1 << 18
#: Keys sampled per range when a key table is cut into ranges.
_SAMPLE_PER_RANGE: Final = 2_000

#: Text features kept per record (as vocabulary codes): those the comparisons read or show.
#: given_prefix, surname_key and address_key only form blocking keys, which are stored already;
#: the given name's initial and prefix and the date of birth's day number, swapped date and year
#: are worked out from the stored name and date when read, by the functions that made them.
CODED: Final[tuple[str, ...]] = (
    "given_name",
    "given_canon",
    "surname",
    "surname_first",
    "surname_last",
    "dob",
    "postcode",
    "postcode_sector",
    "postcode_outward",
    "address",
    "other_id",
)
#: The file holding every record's CODED features, one row per record, in CODED's order.
CODES: Final = "codes"
_YEAR_OFFSET: Final = 1850  # as search.py encodes a birth year in a key
_INT32_MAX: Final = np.iinfo(np.int32).max


class Chunked:
    """Records that arrive in chunks: what :func:`~.stored.write_index` accepts besides a table.

    ``chunks(rows)`` yields DataFrames of standard columns of about ``rows`` records each, in
    order. :class:`~.inputs.Extract` (a Parquet or CSV file) is one.
    """

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        raise NotImplementedError


def feature_chunks(records: Records | FeatureTable | Chunked, rows: int) -> Iterator[FeatureTable]:
    """The records' features, ``rows`` records at a time (a :class:`FeatureTable` is already
    normalised: it is one chunk)."""
    if rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    if isinstance(records, FeatureTable):
        yield records
    elif isinstance(records, Chunked):
        for frame in records.chunks(rows):
            yield feature_frame(frame)
    else:
        frame = records_to_frame(records)
        for start in range(0, len(frame), rows):
            yield feature_frame(frame.iloc[start : start + rows].reset_index(drop=True))


# --- files ---------------------------------------------------------------------------------------------


def _header(dtype: np.dtype[Any], length: int, width: int | None = None) -> bytes:
    """The ``.npy`` header of a 1-D array, or of ``length`` rows of ``width`` (128 bytes whatever the
    length, as NumPy writes it)."""

    buffer = io.BytesIO()
    shape = (length,) if width is None else (length, width)
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue()


class ArrayFile:
    """A 1-D ``.npy`` file appended to, and read and rewritten by row range, with plain file I/O:
    its pages are the page cache's, not the builder's. The header is rewritten on :meth:`close`
    with the final length (the header's size does not depend on it)."""

    def __init__(self, path: Path, dtype: Any) -> None:
        self.path = path
        self.dtype: np.dtype[Any] = np.dtype(dtype)
        self.length = 0
        self._start = len(_header(self.dtype, 0))
        self._file: io.BufferedRandom = path.open("w+b")
        self._file.write(_header(self.dtype, 0))

    def append(self, values: np.ndarray) -> None:
        self.write(self.length, values)
        self.length += len(values)

    def write(self, start: int, values: np.ndarray) -> None:
        data = np.ascontiguousarray(values, dtype=self.dtype)
        self._file.seek(self._start + start * self.dtype.itemsize)
        self._file.write(memoryview(data).cast("B"))

    def read(self, start: int, stop: int) -> np.ndarray:
        stop = min(stop, self.length)
        out = np.empty(max(0, stop - start), dtype=self.dtype)
        self._file.seek(self._start + start * self.dtype.itemsize)
        view = memoryview(out).cast("B")
        done = 0
        while done < len(view):
            got = self._file.readinto(view[done:])
            if not got:
                raise OSError(f"{self.path} is shorter than written")
            done += got
        return out

    def close(self) -> None:
        self._file.seek(0)
        self._file.write(_header(self.dtype, self.length))
        self._file.close()


def _narrow(file: ArrayFile, block: int) -> None:
    """Rewrite an int64 file, whose values all fit, as int32, and close it."""
    narrow = ArrayFile(file.path.with_suffix(".narrow"), np.int32)
    for start in range(0, file.length, block):
        narrow.append(file.read(start, start + block))
    file.close()
    narrow.close()
    narrow.path.replace(file.path)


def _interleave(files: list[ArrayFile], path: Path, block: int) -> None:
    """Write int32 files of equal length as one ``.npy`` file of one row per record (a record's codes
    side by side), a block of rows at a time; then close and remove them."""
    length = files[0].length
    with path.open("wb") as out:
        out.write(_header(np.dtype(np.int32), length, len(files)))
        for start in range(0, length, block):
            rows = np.stack([file.read(start, start + block) for file in files], axis=1)
            out.write(memoryview(np.ascontiguousarray(rows, dtype=np.int32)).cast("B"))
    for file in files:
        file.close()
        file.path.unlink()


#: A chunk of fewer rows leaves too little behind to give back (a small source's one chunk, the last of
#: a large one), and a full collection in a busy process costs more than a small source's whole build.
_SMALL_CHUNK: Final = 20_000


def _give_back_memory() -> None:
    """Return the memory a chunk freed to the system: without it, the normalisers' caches (spread
    over every chunk's memory) and C's allocator keep most of what a chunk's many small objects
    took, and the build's resident memory creeps up chunk by chunk."""
    clear_caches()
    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


# --- the vocabulary -------------------------------------------------------------------------------------


class _RunningVocabulary:
    """Every distinct text value seen so far, in order of first sight: a value's provisional code
    is its position here."""

    def __init__(self) -> None:
        self.values: pa.Array = pa.array([], type=pa.large_string())

    def __len__(self) -> int:
        return len(self.values)

    def codes(self, values: list[str]) -> np.ndarray:
        """The provisional codes of distinct ``values`` (new ones are added)."""
        local = pa.array(values, type=pa.large_string())
        found = pc.index_in(local, value_set=self.values)
        new = found.is_null()
        codes = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        fresh = np.flatnonzero(new.to_numpy(zero_copy_only=False))
        codes[fresh] = len(self.values) + np.arange(len(fresh))
        if len(fresh):
            self.values = pa.concat_arrays([self.values, local.filter(new)])
        return codes

    def sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rank of each provisional code, UTF-8 blob, offsets) of the values in sorted order."""
        order = pc.sort_indices(self.values).to_numpy()
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        if not len(order):
            return rank, np.empty(0, dtype=np.uint8), np.zeros(1, dtype=np.int32)
        ordered = self.values.take(pa.array(order))
        _, offset_buffer, data_buffer = ordered.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=np.int64)[
            ordered.offset : ordered.offset + len(ordered) + 1
        ]
        blob = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]].copy()
        offsets = offsets - offsets[0]
        if offsets[-1] < _INT32_MAX:
            offsets = offsets.astype(np.int32)
        return rank, blob, offsets


# --- the builder ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """What the files alone do not say, for the folder's ``index.json``."""

    records: int
    text_radix: int
    sexes: list[str]
    tf_columns: list[str]
    warnings: list[str]


class IndexBuilder:
    """Writes one index folder's arrays from chunks of features (see the module's description)."""

    def __init__(
        self,
        folder: Path,
        model: LinkageModel,
        *,
        sort_rows: int = DEFAULT_SORT_ROWS,
        block_rows: int = DEFAULT_CHUNK_ROWS,
        order_rows: int = DEFAULT_ORDER_ROWS,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        if sort_rows < 1 or block_rows < 1 or order_rows < 1:
            raise ValueError("sort_rows, block_rows and order_rows must be at least 1")
        self.folder = folder
        self.model = model
        self.sort_rows = sort_rows
        self.block_rows = block_rows
        self.order_rows = order_rows
        self._say = progress or (lambda _message: None)
        self.n = 0
        self._vocabulary = _RunningVocabulary()
        self._warnings: Counter[tuple[str, str]] = Counter()
        self._sexes: dict[str, int] = {}
        self._tf_columns = tf_columns(model)
        self._tf_counts: dict[str, np.ndarray] = {c: np.zeros(0, dtype=np.int64) for c in self._tf_columns}
        # The key tables this model needs, and the columns they read that are not stored.
        self._tables, _ = blocking_tables(model, encoder_of(lambda _value: None), radix_of(1))
        needed = {column for right in self._tables for column in right}
        self._text = list(CODED) + sorted(needed - set(CODED) - {"birth_year", "nhs_number"})
        self._files: dict[str, ArrayFile] = {}
        for column in self._text:
            name = f"col_{column}" if column in CODED else f"key_{column}"
            self._files[column] = ArrayFile(folder / f"{name}.npy", np.int32)
        self._files["nhs_number"] = ArrayFile(folder / "col_nhs_number.npy", np.int64)
        self._files["sex"] = ArrayFile(folder / "col_sex.npy", np.int8)
        self._files["birth_year"] = ArrayFile(folder / "key_birth_year.npy", np.int32)
        self._ids = ArrayFile(folder / "record_id_blob.npy", np.uint8)
        self._id_offsets = ArrayFile(folder / "record_id_offsets.npy", np.int64)
        self._id_offsets.append(np.zeros(1, dtype=np.int64))

    # --- step 1 ---------------------------------------------------------------------------------------

    def add(self, table: FeatureTable) -> None:
        """Append a chunk of records."""
        frame = table.frame
        n = len(frame)
        if not n:
            return
        self._warnings.update(table.warnings)
        encoded = [str(v).encode("utf-8") for v in frame["record_id"]]
        lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=n)
        self._id_offsets.append(self._ids.length + np.cumsum(lengths))
        self._ids.append(np.frombuffer(b"".join(encoded), dtype=np.uint8))

        # Local code (the chunk's vocabulary) -> provisional code; the last slot maps missing (-1).
        local_values: list[str] = [""] * len(table.vocabulary)
        for value, code in table.vocabulary.items():
            local_values[code] = value
        provisional = np.append(self._vocabulary.codes(local_values), -1)
        size = len(self._vocabulary)
        for column in self._text:
            codes = provisional[table.codes[column]].astype(np.int32)
            self._files[column].append(codes)
            if column in self._tf_counts:
                counts = self._tf_counts[column]
                present = codes[codes >= 0]
                grown = np.bincount(present, minlength=size)
                grown[: len(counts)] += counts
                self._tf_counts[column] = grown

        years = frame["birth_year"].to_numpy(dtype="float64", na_value=np.nan)
        self._files["birth_year"].append(np.where(np.isnan(years), -1, years - _YEAR_OFFSET).astype(np.int32))
        nhs = pd.to_numeric(frame["nhs_number"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
        self._files["nhs_number"].append(nhs)
        sex_codes, sexes = pd.factorize(frame["sex"], use_na_sentinel=True)
        known = np.array(
            [self._sexes.setdefault(str(s), len(self._sexes)) for s in sexes] + [-1], dtype=np.int8
        )
        self._files["sex"].append(known[sex_codes])
        self.n += n
        if n >= _SMALL_CHUNK:
            _give_back_memory()
        self._say(f"indexed {self.n:,} records")

    # --- steps 2 and 3 --------------------------------------------------------------------------------

    def finish(self) -> Built:
        """Sort the vocabulary, recode the columns, write the term frequencies and blocking keys."""
        rank, blob, offsets = self._vocabulary.sorted()
        self._save("vocab_blob", blob)
        self._save("vocab_offsets", offsets)
        self._say(f"sorted the vocabulary of {len(rank):,} values")
        lookup = np.append(rank, -1).astype(np.int32)
        for column in self._text:
            file = self._files[column]
            for start in range(0, self.n, self.block_rows):
                file.write(start, lookup[file.read(start, start + self.block_rows)])
        self._in_birth_order()

        tf_written = []
        for column, counts in self._tf_counts.items():
            present = np.flatnonzero(counts)
            codes = rank[present]
            order = np.argsort(codes, kind="stable")
            total = float(counts.sum())
            self._save(f"tf_{column}_codes", codes[order].astype(np.int32))
            self._save(f"tf_{column}_values", counts[present][order] / total if total else np.empty(0))
            tf_written.append(column)

        text_radix = len(rank) + 1
        radix = radix_of(text_radix)
        blocking_tables(self.model, encoder_of(lambda _value: None), radix)  # the keys fit in 63 bits
        self._write_keys(radix)

        self._ids.close()
        if self._ids.length < _INT32_MAX:
            _narrow(self._id_offsets, self.block_rows)
        else:
            self._id_offsets.close()
        # A search reads most of a candidate's codes: side by side, they come in one or two cache
        # lines and one page, not one of each per feature.
        _interleave([self._files.pop(c) for c in CODED], self.folder / f"{CODES}.npy", self.block_rows)
        for column, file in self._files.items():
            file.close()
            if column not in ("nhs_number", "sex"):
                file.path.unlink()  # only the blocking keys needed it
        return Built(
            records=self.n,
            text_radix=text_radix,
            sexes=list(self._sexes),
            tf_columns=sorted(tf_written),
            warnings=FeatureTable(pd.DataFrame(), warnings=self._warnings).warning_lines(),
        )

    def _in_birth_order(self) -> None:
        """Put the records in date-of-birth order ``order_rows`` at a time (records without one first;
        ties in the order they came), every per-record file and the record ids alike. Run before the
        blocking keys are made, which so name the records' new places."""
        dob = self._files["dob"]
        for start in range(0, self.n, self.order_rows):
            stop = min(start + self.order_rows, self.n)
            order = np.argsort(dob.read(start, stop), kind="stable")
            if (order == np.arange(len(order))).all():
                continue
            for file in self._files.values():
                file.write(start, file.read(start, stop)[order])
            self._ids_in_order(start, order)
        self._say(f"put {self.n:,} records in date-of-birth order")

    def _ids_in_order(self, start: int, order: np.ndarray) -> None:
        """Rewrite the ids of the records from ``start`` in ``order`` (their places from ``start``):
        the same bytes in the same span of the blob, so only this span and its offsets change."""
        offsets = self._id_offsets.read(start, start + len(order) + 1)
        base = int(offsets[0])
        blob = self._ids.read(base, int(offsets[-1]))
        starts, lengths = offsets[:-1] - base, np.diff(offsets)
        moved_lengths = lengths[order]
        moved = np.empty_like(blob)
        at = 0
        for first in range(0, len(order), _ID_ROWS):
            part = slice(first, first + _ID_ROWS)
            count = moved_lengths[part]
            total = int(count.sum())
            # Each byte's place in the old blob: its record's old start, plus how far into the id it is.
            ends = np.cumsum(count)
            within = np.arange(total) - np.repeat(ends - count, count)
            moved[at : at + total] = blob[np.repeat(starts[order[part]], count) + within]
            at += total
        self._ids.write(base, moved)
        self._id_offsets.write(start + 1, base + np.cumsum(moved_lengths))

    def _save(self, name: str, array: np.ndarray) -> None:
        np.save(self.folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)

    def _keys(
        self, right: tuple[str, ...], radix: Callable[[str], int], start: int, stop: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keys (without the table id) and positions of the records in [start, stop) with every part."""
        stop = min(stop, self.n)
        key = np.zeros(stop - start, dtype=np.int64)
        valid = np.ones(stop - start, dtype=bool)
        for column in right:
            codes = self._files[column].read(start, stop).astype(np.int64)
            valid &= codes >= 0
            key = key * radix(column) + np.where(codes >= 0, codes, 0)
        positions = np.flatnonzero(valid)
        return key[positions], (positions + start).astype(np.int32)

    def _ranges(
        self, right: tuple[str, ...], radix: Callable[[str], int]
    ) -> list[tuple[int | None, int | None]]:
        """Key ranges of about ``sort_rows`` keys each, from a sample of the table's keys."""
        parts = math.ceil(self.n / self.sort_rows)
        if parts <= 1:
            return [(None, None)]
        step = max(1, self.n // (parts * _SAMPLE_PER_RANGE))
        sample = np.concatenate(
            [
                self._keys(right, radix, s, s + self.block_rows)[0][::step]
                for s in range(0, self.n, self.block_rows)
            ]
        )
        if not len(sample):
            return [(None, None)]
        sample.sort()
        bounds = np.unique(sample[(np.arange(1, parts) * len(sample)) // parts]).tolist()
        edges: list[int | None] = [None, *bounds, None]
        return list(zip(edges[:-1], edges[1:], strict=True))

    def _write_keys(self, radix: Callable[[str], int]) -> None:
        n_tables = len(self._tables)
        offset_type = np.int32 if self.n * max(1, n_tables) < _INT32_MAX else np.int64
        block_keys = ArrayFile(self.folder / "block_keys.npy", np.int64)
        block_offsets = ArrayFile(self.folder / "block_offsets.npy", offset_type)
        block_positions = ArrayFile(self.folder / "block_positions.npy", np.int32)
        for number, (right, table_id) in enumerate(sorted(self._tables.items(), key=lambda item: item[1])):
            ranges = self._ranges(right, radix)
            for low, high in ranges:
                key_parts, position_parts = [], []
                for start in range(0, self.n, self.block_rows):
                    keys, positions = self._keys(right, radix, start, start + self.block_rows)
                    if low is not None or high is not None:
                        inside = np.ones(len(keys), dtype=bool)
                        if low is not None:
                            inside &= keys >= low
                        if high is not None:
                            inside &= keys < high
                        keys, positions = keys[inside], positions[inside]
                    key_parts.append(keys)
                    position_parts.append(positions)
                keys = np.concatenate(key_parts) if key_parts else np.empty(0, np.int64)
                positions = np.concatenate(position_parts) if position_parts else np.empty(0, np.int32)
                del key_parts, position_parts
                order = np.argsort(keys, kind="stable")
                keys = keys[order] + (table_id << _TABLE_SHIFT)
                positions = positions[order]
                del order
                if len(keys):
                    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
                    block_keys.append(keys[starts])
                    block_offsets.append(starts + block_positions.length)
                    block_positions.append(positions)
            self._say(
                f"sorted the blocking keys of table {number + 1} of {n_tables} ({len(ranges)} range(s))"
            )
        block_offsets.append(np.array([block_positions.length]))
        for file in (block_keys, block_offsets, block_positions):
            file.close()


def build_files(
    chunks: Iterable[FeatureTable],
    model: LinkageModel,
    folder: Path,
    **options: Any,
) -> Built:
    """Write the arrays of the index of ``chunks`` into ``folder`` (which exists and is empty)."""
    builder = IndexBuilder(folder, model, **options)
    for table in chunks:
        builder.add(table)
    return builder.finish()
