"""Reading extracts: clear errors naming the file, row and column; unreadable values are not errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from openmash.linkage.engine import STANDARD_COLUMNS, InputError, read_records
from openmash.linkage.engine.inputs import (
    DUPLICATE_ID,
    EMPTY_ID,
    NO_RECORD_ID,
    NOT_UTF8,
    Extract,
    parse_mapping,
)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_standard_columns_any_case_extra_columns_ignored(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "x.csv",
        "Record_ID,Given_Name,SURNAME,date_of_birth,favourite_colour\n1,Ann,Lee,1990-01-02,red\n",
    )
    loaded = read_records(path)
    assert loaded.frame.columns.tolist()[:4] == ["record_id", "given_name", "surname", "date_of_birth"]
    assert loaded.frame.loc[0, "given_name"] == "Ann"
    assert "favourite_colour" not in loaded.frame.columns
    assert loaded.frame["nhs_number"].isna().all()


def test_map_renames_source_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", "id,forename,dob\nA1,Ann,02/01/1990\n")
    loaded = read_records(
        path, mapping=parse_mapping(["id=record_id", "forename=given_name", "dob=date_of_birth"])
    )
    assert loaded.features.frame.loc[0, "dob"] == "1990-01-02"


def test_missing_record_id_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "people.csv", "given_name,surname\nAnn,Lee\n")
    with pytest.raises(InputError) as caught:
        read_records(path)
    assert NO_RECORD_ID in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.column == "record_id"


def test_bad_encoding_names_the_row_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "latin.csv", "record_id,given_name,surname\n1,Ann,Lee\n2,Zoë,Brontë\n", "latin-1"
    )
    with pytest.raises(InputError) as caught:
        read_records(path)
    error = caught.value
    assert (error.row, error.column) == (2, "given_name")
    assert NOT_UTF8 in str(error)
    assert str(error).startswith(f"{path}, row 2, column given_name:")


def test_duplicate_record_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.csv", "record_id,surname\na,Lee\nb,Kaur\na,Smith\n")
    with pytest.raises(InputError) as caught:
        read_records(path)
    assert (caught.value.row, caught.value.column) == (3, "record_id")
    assert DUPLICATE_ID in str(caught.value) and "also on row 1" in str(caught.value)


def test_empty_record_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.csv", "record_id,surname\na,Lee\n ,Kaur\n")
    with pytest.raises(InputError, match=EMPTY_ID) as caught:
        read_records(path)
    assert caught.value.row == 2


def test_a_row_with_too_many_fields(tmp_path: Path) -> None:
    path = _write(tmp_path / "ragged.csv", "record_id,surname\na,Lee\nb,Kaur,extra,more\n")
    with pytest.raises(InputError, match="fields where the header has 2") as caught:
        read_records(path)
    assert caught.value.row == 2


def test_unparseable_dates_are_missing_and_counted_not_errors(tmp_path: Path) -> None:
    path = _write(tmp_path / "d.csv", "record_id,date_of_birth\na,31/02/1990\nb,unknown\nc,1990-02-03\n")
    loaded = read_records(path)
    assert loaded.features.frame["dob"].tolist() == [None, None, "1990-02-03"]
    assert sum(loaded.features.warnings.values()) == 2
    assert any("date_of_birth" in line and "treated as missing" in line for line in loaded.warnings)


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "record_id": [1, 2],
            "surname": ["Lee", None],
            "date_of_birth": pd.to_datetime(["1990-01-02", None]),
            "nhs_number": [9434765919, None],
        }
    )
    path = tmp_path / "x.parquet"
    frame.to_parquet(path)
    loaded = read_records(path)
    assert loaded.frame["record_id"].tolist() == ["1", "2"]
    assert loaded.features.frame["dob"].tolist() == ["1990-01-02", None]
    assert loaded.features.frame["nhs_number"].tolist() == ["9434765919", None]


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_records(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="unsupported file type"):
        read_records(_write(tmp_path / "x.xlsx", "zip"))
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_records(_write(tmp_path / "x.parquet", "not parquet"))


def test_map_must_name_a_standard_column_and_an_existing_source(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a standard column"):
        parse_mapping(["dob=birthday"])
    with pytest.raises(ValueError, match="SOURCE=STANDARD"):
        parse_mapping(["dob"])
    path = _write(tmp_path / "x.csv", "record_id\n1\n")
    with pytest.raises(InputError, match="no column 'dob'"):
        read_records(path, mapping={"dob": "date_of_birth"})


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_parquet(path, index=False, row_group_size=3)
    return path


def test_an_extract_is_read_in_chunks_of_standard_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "ID": [f" p{i} " for i in range(10)],
            "SURNAME": [f"Name{i}" for i in range(10)],
            "dob": ["2001-02-03"] * 10,
            "extra": range(10),
        }
    )
    extract = Extract(
        _parquet(tmp_path / "e.parquet", frame), mapping={"ID": "record_id", "dob": "date_of_birth"}
    )
    chunks = list(extract.chunks(4))
    assert len(extract) == 10 and [len(c) for c in chunks] == [4, 4, 2]
    assert all(list(c.columns) == list(STANDARD_COLUMNS) for c in chunks)
    whole = pd.concat(chunks, ignore_index=True)
    assert whole["record_id"].tolist() == [f"p{i}" for i in range(10)]
    assert whole["surname"].tolist() == frame["SURNAME"].tolist()
    assert whole["postcode"].isna().all()
    sample = extract.sample(4, seed=3)
    assert len(sample) == 4 and len(set(sample["record_id"])) == 4
    assert set(sample["record_id"]) <= set(whole["record_id"])
    assert extract.sample(4, seed=3).equals(sample), "the same seed draws the same sample"


def test_an_extract_reports_an_id_repeated_in_a_later_chunk(tmp_path: Path) -> None:
    ids = [f"r{i}" for i in range(20)]
    ids[14] = "r2"
    path = _parquet(tmp_path / "dup.parquet", pd.DataFrame({"record_id": ids, "surname": "Lee"}))
    extract = Extract(path)
    assert len(extract.sample(5)) == 5
    with pytest.raises(InputError) as caught:
        for _ in extract.chunks(4):
            pass
    assert (caught.value.row, caught.value.column) == (15, "record_id")
    assert "duplicate record_id 'r2' (also on row 3)" in str(caught.value)


def test_an_extract_reports_an_empty_id_by_its_row_in_the_file(tmp_path: Path) -> None:
    ids: list[str | None] = [f"r{i}" for i in range(20)]
    ids[17] = None
    path = _parquet(tmp_path / "empty.parquet", pd.DataFrame({"record_id": ids}))
    with pytest.raises(InputError, match=EMPTY_ID) as caught:
        Extract(path).frame()
    assert caught.value.row == 18
    with pytest.raises(InputError, match="has no record_id column"):
        Extract(_parquet(tmp_path / "noid.parquet", pd.DataFrame({"surname": ["Lee"]})))
