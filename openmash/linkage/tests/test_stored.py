"""The index on disk: the same answers as the in-memory index and as Splink, and a safe switch."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from openmash.linkage.engine import LinkageModel, Record, SearchIndex, normalise_sex
from openmash.linkage.engine.features import FEATURE_INDEX
from openmash.linkage.engine.inputs import Extract
from openmash.linkage.engine.search import SearchResult
from openmash.linkage.engine.stored import (
    CURRENT,
    IndexCache,
    IndexFormatError,
    MappedIndex,
    open_index,
    publish,
    write_index,
)
from openmash.linkage.tests.folders import folder_contents
from openmash.linkage.tests.test_search import splink_predict_between

Pairs = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory, pairs: Pairs, trained: LinkageModel) -> MappedIndex:
    _, right, _ = pairs
    return MappedIndex(write_index(right, trained, tmp_path_factory.mktemp("stored") / "index"))


def _answers(results: list[SearchResult]) -> dict[tuple[str, str], float]:
    return {(r.query_id, c.record_id): c.match_probability for r in results for c in r.candidates}


def test_mapped_index_gives_the_in_memory_candidates_probabilities_and_evidence(
    pairs: Pairs, index: SearchIndex, mapped: MappedIndex
) -> None:
    left, _, _ = pairs
    ours = index.search(left, top=10_000, threshold=0.0)
    theirs = mapped.search(left, top=10_000, threshold=0.0)
    assert sum(len(r.candidates) for r in ours) > 1000
    # Candidates (in rank order), probabilities, weights and every field's evidence, exactly.
    assert theirs == ours
    assert len(mapped) == len(index)
    assert mapped.model == index.model


def test_mapped_index_probabilities_equal_splink_predict_between(
    pairs: Pairs, index: SearchIndex, mapped: MappedIndex
) -> None:
    left, _, _ = pairs
    ours = _answers(mapped.search(left, top=10_000, threshold=0.0))
    theirs = splink_predict_between(index, left)
    assert set(ours) == set(theirs), "both block the same pairs"
    assert max(abs(ours[pair] - theirs[pair]) for pair in ours) < 1e-6


def test_an_oversized_block_is_skipped_and_reported_on_disk_too(tmp_path: Path) -> None:
    placeholder = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(30)],
            "given_name": [f"name{i}" for i in range(30)],
            "surname": [f"family{i}" for i in range(30)],
            "date_of_birth": ["1900-01-01"] * 30,
        }
    )
    mapped = MappedIndex(write_index(placeholder, LinkageModel.default(), tmp_path / "i", max_block_size=10))
    [result] = mapped.search(
        [Record("q", given_name="Ann", surname="Other", date_of_birth="1900-01-01")], threshold=0
    )
    assert "date of birth" in result.skipped_blocks
    assert result.considered == 0


def test_values_the_index_never_saw_find_nothing_but_still_search(mapped: MappedIndex) -> None:
    [result] = mapped.search(
        [
            Record(
                "q", given_name="Zzyzx", surname="Qwertyuiop", date_of_birth="1901-02-03", postcode="ZE3 9XX"
            )
        ],
        threshold=0,
    )
    assert result.candidates == ()


def test_an_index_folder_is_written_whole_or_not_at_all(tmp_path: Path, pairs: Pairs) -> None:
    _, right, _ = pairs
    target = tmp_path / "i"
    write_index(right.head(50), LinkageModel.default(), target)
    with pytest.raises(FileExistsError):
        write_index(right.head(50), LinkageModel.default(), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["i"], "no partial folder is left behind"
    with pytest.raises(IndexFormatError):
        open_index(tmp_path / "nothing-here")


def test_a_reload_switches_indexes_without_a_failed_search(tmp_path: Path, pairs: Pairs) -> None:
    """A searcher keeps searching while new loads are published; every search answers, from the
    old index or the new one, and once CURRENT names the new index the searcher uses it."""
    left, right, _ = pairs
    model = LinkageModel.default()
    root = tmp_path / "root"
    publish(right.head(100), model, root)
    cache = IndexCache()
    sizes_seen: set[int] = set()
    errors: list[BaseException] = []
    stop = threading.Event()
    queries = list(left.head(40).to_dict("records"))

    def searcher() -> None:
        try:
            while not stop.is_set():
                index = cache.get(root)
                for result in index.search(queries, top=3, threshold=0.0):
                    assert result.query_id.startswith("L")
                sizes_seen.add(len(index))
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        for size in (200, 300, 400, len(right)):
            publish(right.head(size), model, root)
            assert len(cache.get(root)) == size, "the cache reopens once CURRENT changes"
            deadline = time.monotonic() + 30
            while size not in sizes_seen and not errors and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert sizes_seen >= {200, 300, 400, len(right)}, "the searcher moved to each new index"
    # The older folders are removed but for the one before the current.
    folders = [p for p in root.iterdir() if p.is_dir()]
    assert len(folders) == 2
    assert (root / (root / CURRENT).read_text().strip()).is_dir()


def test_an_open_index_keeps_answering_after_its_folder_is_removed(tmp_path: Path, pairs: Pairs) -> None:
    left, right, _ = pairs
    root = tmp_path / "root"
    first = publish(right, LinkageModel.default(), root)
    held = open_index(root)
    before = held.search(left.head(20))
    for _ in range(2):
        publish(right.head(100), LinkageModel.default(), root)
    assert not first.exists()
    assert held.search(left.head(20)) == before


def test_a_build_in_small_chunks_writes_the_same_index_as_one_in_a_single_chunk(
    tmp_path: Path, pairs: Pairs, trained: LinkageModel, index: SearchIndex
) -> None:
    """Records normalised 37 at a time and blocking keys sorted 101 at a time (each key table cut
    into key ranges) give the same files as one chunk and one sort; a Parquet extract read in
    row batches gives them too, and the index answers as the in-memory one."""
    left, right, _ = pairs
    whole = write_index(right, trained, tmp_path / "whole")
    chunked = write_index(right, trained, tmp_path / "chunked", chunk_rows=37, sort_rows=101)
    right.to_parquet(tmp_path / "right.parquet", index=False, row_group_size=50)
    streamed = write_index(
        Extract(tmp_path / "right.parquet"), trained, tmp_path / "streamed", chunk_rows=64, sort_rows=500
    )
    expected = folder_contents(whole)
    assert {"block_keys.npy", "codes.npy", "vocab_blob.npy", "tf_surname_values.npy"} <= set(expected)
    assert not any(name.startswith("key_") for name in expected), "working files are removed"
    assert folder_contents(chunked) == expected
    assert folder_contents(streamed) == expected
    assert MappedIndex(streamed).search(left.head(100)) == index.search(left.head(100))


def test_warnings_and_sexes_are_gathered_across_chunks(tmp_path: Path) -> None:
    records = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(12)],
            "surname": ["Smith"] * 12,
            "date_of_birth": ["31/02/2001", "1990-01-01", "1990-01-01"] * 4,
            "sex": [None, None, None, None, None, "F", "M", "F", None, None, "X", "M"],
            "nhs_number": ["123"] + [None] * 11,
        }
    )
    whole = MappedIndex(write_index(records, LinkageModel.default(), tmp_path / "whole"))
    chunked = MappedIndex(write_index(records, LinkageModel.default(), tmp_path / "c", chunk_rows=5))
    assert chunked.warnings == whole.warnings
    assert len(whole.warnings) == 2 and whole.warnings[0].startswith("4 date_of_birth value(s)")
    assert chunked.rows(np.arange(12)) == whole.rows(np.arange(12))
    by_id = {row[0]: row for row in chunked.rows(np.arange(12))}  # kept in date-of-birth order
    sexes = [by_id[record_id][FEATURE_INDEX["sex"]] for record_id in records["record_id"]]
    assert sexes == [normalise_sex(s) for s in records["sex"]]
    assert sexes[5:7] == ["f", "m"], "first seen in the second chunk"


def test_an_empty_source_writes_an_index_that_finds_nothing(tmp_path: Path) -> None:
    empty = pd.DataFrame({"record_id": pd.Series([], dtype=object)})
    mapped = MappedIndex(write_index(empty, LinkageModel.default(), tmp_path / "i"))
    assert len(mapped) == 0
    [result] = mapped.search([Record("q", given_name="Ann", surname="Smith", date_of_birth="2001-02-03")])
    assert result.candidates == ()


# --- scoring on arrays against scoring a pair at a time ---------------------------------------------------


def _blanked(left: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The left records with fields blanked, garbled into values no record holds, or swapped about,
    so that every comparison meets missing values and values the index never saw."""
    rng = np.random.default_rng(seed)
    queries = left.copy()
    for column in ("given_name", "surname", "date_of_birth", "postcode", "address", "sex", "nhs_number"):
        if column not in queries:
            continue
        draw = rng.random(len(queries))
        queries.loc[draw < 0.2, column] = None
        garbled = (draw >= 0.2) & (draw < 0.3) & queries[column].notna()
        queries.loc[garbled, column] = queries.loc[garbled, column].astype(str) + "x"
    # Postcodes a letter or two out, with no address to match first: the near-miss location levels.
    moved = (rng.random(len(queries)) < 0.2) & queries["postcode"].notna()
    near = moved & (rng.random(len(queries)) < 0.5)
    queries.loc[moved, "address"] = None
    queries.loc[near, "postcode"] = queries.loc[near, "postcode"].str[:-1] + "Z"
    queries.loc[moved & ~near, "postcode"] = queries.loc[moved & ~near, "postcode"].str[:-2] + "ZZ"
    return queries


@pytest.fixture(scope="module")
def on_arrays(mapped: MappedIndex) -> MappedIndex:
    return MappedIndex(mapped.folder, arrays_from=0)


@pytest.fixture(scope="module")
def pair_at_a_time(mapped: MappedIndex) -> MappedIndex:
    return MappedIndex(mapped.folder, arrays_from=None)


@pytest.mark.parametrize(("top", "threshold"), [(10_000, 0.0), (5, 0.5), (1, 0.0), (3, 0.99), (2, 1e-6)])
def test_scoring_on_arrays_gives_the_pair_at_a_time_candidates_probabilities_and_evidence(
    pairs: Pairs, on_arrays: MappedIndex, pair_at_a_time: MappedIndex, top: int, threshold: float
) -> None:
    left, _, _ = pairs
    queries = pd.concat([left, _blanked(left, seed=top)], ignore_index=True)
    queries["record_id"] = [f"q{i}" for i in range(len(queries))]
    ours = on_arrays.search(queries, top=top, threshold=threshold)
    theirs = pair_at_a_time.search(queries, top=top, threshold=threshold)
    # The same candidates in the same order, with the same probabilities and field evidence, exactly.
    assert ours == theirs
    assert sum(len(r.candidates) for r in ours) >= len(left) * min(top, 1) // 2


def test_the_comparison_shows_term_frequencies_missing_values_and_every_level(
    pairs: Pairs, mapped: MappedIndex
) -> None:
    """The comparison above is only as good as the levels it meets: it meets them all."""
    left, _, _ = pairs
    results = mapped.search(
        pd.concat([left, _blanked(left, seed=1)], ignore_index=True), top=10_000, threshold=0
    )
    evidence = [e for r in results for c in r.candidates for e in c.evidence]
    assert any(e.tf_adjustment != 0 for e in evidence), "term-frequency adjusted levels"
    assert any(e.level == "missing" for e in evidence), "missing values"
    met = {(e.comparison, e.level_index) for e in evidence}
    for comparison in mapped.model.comparisons:
        if comparison.name in ("nhs_number", "other_id", "sex"):
            continue  # not every level of these can occur in the test data
        assert {(comparison.name, i) for i in range(len(comparison.levels))} <= met, comparison.name


def test_scoring_on_arrays_skips_oversized_blocks_as_the_pair_at_a_time_path_does(
    tmp_path: Path, pairs: Pairs, trained: LinkageModel
) -> None:
    left, right, _ = pairs
    folder = write_index(right, trained, tmp_path / "small-blocks", max_block_size=2)
    ours = MappedIndex(folder, arrays_from=0).search(left, top=10, threshold=0.0)
    theirs = MappedIndex(folder, arrays_from=None).search(left, top=10, threshold=0.0)
    assert any(r.skipped_blocks for r in ours)
    assert ours == theirs


def test_equal_weights_are_ranked_by_record_id_on_arrays_too(tmp_path: Path, pairs: Pairs) -> None:
    """Copies of one record score alike: the top places go to the lowest record ids, whichever path."""
    _, right, _ = pairs
    copies = pd.concat([right.head(40)] * 4, ignore_index=True)
    copies["record_id"] = [f"c{i:03d}" for i in range(len(copies))][::-1]
    folder = write_index(copies, LinkageModel.default(), tmp_path / "copies")
    queries = right.head(40)
    for top in (1, 2, 3, 10):
        ours = MappedIndex(folder, arrays_from=0).search(queries, top=top, threshold=0.0)
        assert ours == MappedIndex(folder, arrays_from=None).search(queries, top=top, threshold=0.0)
        for result in ours:
            best = result.candidates[: min(top, 4)]
            assert len({c.match_weight for c in best}) == 1, "a query's four copies lead, scored alike"
            assert [c.record_id for c in best] == sorted(c.record_id for c in best)


class _Counting(MappedIndex):
    """A mapped index that remembers every value the array scorer decoded, by source."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, arrays_from=0)
        self.decoded: dict[str, set[str]] = {}

    def decode(self, source: str, codes: np.ndarray) -> list[object]:
        values = super().decode(source, codes)
        self.decoded.setdefault(source, set()).update(v for v in values if isinstance(v, str))
        return values


def test_candidates_whose_codes_rule_them_out_are_dropped_before_their_names_are_read(
    tmp_path: Path, pairs: Pairs
) -> None:
    """Three hundred people share the query's date of birth and sex and nothing else: their codes
    show that neither name nor address is the query's, so at most a near miss on each, and that
    cannot lift them to the threshold. They are dropped before any of their names is decoded and
    compared. (Each comparison's most was once judged for the whole query, so the names of every
    record in the date of birth's block were decoded and compared with the query's.)"""
    _, right, _ = pairs
    person = right.iloc[[0]].copy()
    alike = pd.concat([person] * 300, ignore_index=True)
    letters = "BCDFGHJKLMNPQRSTVWXZ"
    made = ["".join(letters[(i // 20**k) % 20] for k in range(3)) for i in range(300)]
    alike["record_id"] = [f"alike-{i:03d}" for i in range(300)]
    alike["given_name"] = ["Q" + m.lower() + "ix" for m in made]
    alike["surname"] = ["Y" + m.lower() + "ow" for m in made]
    alike["address"] = [f"{i + 1} {m.title()} Lane" for i, m in enumerate(made)]
    alike["postcode"] = "ZE1 0AA"
    alike["nhs_number"] = None
    records = pd.concat([right, alike], ignore_index=True)
    index = _Counting(write_index(records, LinkageModel.default(), tmp_path / "alike"))
    [result] = index.search(person, top=5, threshold=0.999)
    assert result.candidates[0].record_id == person["record_id"].iloc[0]
    assert result.considered >= 300
    read = index.decoded.get("given_name", set()) | index.decoded.get("surname", set())
    names = {n.upper() for n in [*alike["given_name"], *alike["surname"]]}
    assert not {v.upper() for v in read} & names, "a name of someone the codes ruled out was read"
    # Searched a pair at a time, the answer is the same.
    assert index.search(person, top=5, threshold=0.999) == MappedIndex(index.folder, arrays_from=None).search(
        person, top=5, threshold=0.999
    )


def test_a_folder_written_with_a_file_per_feature_still_opens_and_answers_alike(
    tmp_path: Path, pairs: Pairs, trained: LinkageModel, mapped: MappedIndex
) -> None:
    """Indexes written before 7 December 2026 kept each feature's codes in a file of its own."""
    from openmash.linkage.engine.building import CODED

    left, right, _ = pairs
    folder = write_index(right, trained, tmp_path / "older")
    rows = np.load(folder / "codes.npy")
    assert rows.shape == (len(right), len(CODED))
    for i, feature in enumerate(CODED):
        np.save(folder / f"col_{feature}.npy", np.ascontiguousarray(rows[:, i]))
    (folder / "codes.npy").unlink()
    older = MappedIndex(folder)
    assert older.search(left, top=10, threshold=0.0) == mapped.search(left, top=10, threshold=0.0)


@pytest.mark.parametrize("order_rows", [1, 50, 1_000_000])
def test_records_are_kept_in_birth_order_and_answer_as_before(
    tmp_path: Path, pairs: Pairs, trained: LinkageModel, index: SearchIndex, order_rows: int
) -> None:
    """A date of birth's records lie together, run by run, so that a search reads them from a few
    pages; their ids, codes and blocking keys move with them, so the answers do not change."""
    from openmash.linkage.engine.building import CODED

    left, right, _ = pairs
    folder = write_index(right, trained, tmp_path / "ordered", order_rows=order_rows, chunk_rows=70)
    dob = np.load(folder / "codes.npy")[:, CODED.index("dob")]
    for start in range(0, len(dob), order_rows):
        run = dob[start : start + order_rows]
        assert (np.diff(run) >= 0).all(), f"records {start}.. are in date-of-birth order"
    mapped = MappedIndex(folder)
    ids = mapped.record_ids(np.arange(len(right)))
    # One record at a time keeps them as they came; more are moved.
    assert (ids == list(right["record_id"])) == (order_rows == 1)
    assert sorted(mapped.record_ids(np.arange(len(mapped)))) == sorted(right["record_id"])
    for arrays_from in (0, None):
        ordered = MappedIndex(folder, arrays_from=arrays_from)
        assert ordered.search(left, top=10_000, threshold=0.0) == index.search(
            left, top=10_000, threshold=0.0
        )
