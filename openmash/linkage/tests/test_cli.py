"""The command line: happy paths and one-line errors with exit status 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from openmash.linkage.__main__ import EXIT_BAD_INPUT, main

Pairs = tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, pairs: Pairs) -> dict[str, Path]:
    left, right, truth = pairs
    folder = tmp_path_factory.mktemp("cli")
    left.head(300).rename(columns={"record_id": "ID", "surname": "Family name"}).to_csv(
        folder / "left.csv", index=False
    )
    kept = set(left.head(300)["record_id"])
    right.to_parquet(folder / "right.parquet", index=False)
    with (folder / "truth.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["left_id", "right_id"])
        writer.writerows(sorted(pair for pair in truth if pair[0] in kept))
    return {
        "left": folder / "left.csv",
        "right": folder / "right.parquet",
        "truth": folder / "truth.csv",
        "dir": folder,
    }


def test_link_writes_pairs_and_prints_precision_recall_f1(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = files["dir"] / "links.csv"
    model = files["dir"] / "model.json"
    status = main(
        [
            "link",
            str(files["left"]),
            str(files["right"]),
            "--out",
            str(out),
            "--truth",
            str(files["truth"]),
            "--map",
            "ID=record_id",
            "--map",
            "Family name=surname",
            "--save-model",
            str(model),
            "--quiet",
        ]
    )
    assert status == 0
    links = pd.read_csv(out)
    assert links.columns.tolist() == ["left_id", "right_id", "match_probability"]
    assert (links["match_probability"] >= 0.5).all()
    line = capsys.readouterr().out.strip()
    f1 = float(line.split("F1 ")[1].split()[0])
    assert line.startswith("precision ") and f1 >= 0.95
    assert json.loads(model.read_text())["format"] == "openmash.linkage.model"


def test_search_writes_ranked_candidates_with_evidence(files: dict[str, Path]) -> None:
    out = files["dir"] / "matches.csv"
    status = main(
        [
            "search",
            str(files["right"]),
            str(files["left"]),
            "--out",
            str(out),
            "--top",
            "3",
            "--threshold",
            "0.8",
            "--map",
            "ID=record_id",
            "--map",
            "Family name=surname",
            "--evidence",
            "--quiet",
        ]
    )
    assert status == 0
    matches = pd.read_csv(out)
    assert matches.columns.tolist() == ["query_id", "record_id", "match_probability", "rank", "evidence"]
    assert (matches["match_probability"] >= 0.8).all()
    assert matches.groupby("query_id")["rank"].max().max() <= 3
    assert matches["evidence"].str.contains("date_of_birth: ").all()
    assert matches["query_id"].nunique() >= 270


def test_missing_column_exits_2_with_one_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["link", str(files["left"]), str(files["right"]), "--out", str(files["dir"] / "x.csv")])
    assert status == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert err.startswith(f"error: {files['left']}, column record_id: has no record_id column")


def test_bad_encoding_and_duplicates_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("record_id,surname\n1,Brontë\n".encode("latin-1"))
    dup = tmp_path / "dup.csv"
    dup.write_text("record_id,surname\n1,Lee\n1,Lee\n")
    assert main(["search", str(latin), str(dup), "--out", str(tmp_path / "o.csv")]) == EXIT_BAD_INPUT
    assert "row 1, column surname: is not valid UTF-8" in capsys.readouterr().err
    assert main(["search", str(dup), str(dup), "--out", str(tmp_path / "o.csv")]) == EXIT_BAD_INPUT
    assert "row 2, column record_id: duplicate record_id '1'" in capsys.readouterr().err
    assert (
        main(["link", str(dup), str(dup), "--out", str(tmp_path / "o.csv"), "--map", "x=nope"])
        == EXIT_BAD_INPUT
    )
    assert "not a standard column" in capsys.readouterr().err


def test_module_runs_as_a_program(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openmash.linkage",
            "search",
            str(missing),
            str(missing),
            "--out",
            str(tmp_path / "o.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == EXIT_BAD_INPUT
    assert result.stderr.strip() == f"error: {missing}: no such file"


def _search_training(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[dict[str, object], str]:
    model = files["dir"] / "sampled-model.json"
    status = main(
        [
            "search",
            str(files["right"]),
            str(files["left"]),
            "--out",
            str(files["dir"] / "sampled.csv"),
            "--map",
            "ID=record_id",
            "--map",
            "Family name=surname",
            "--save-model",
            str(model),
            *extra,
        ]
    )
    assert status == 0
    return json.loads(model.read_text())["training"], capsys.readouterr().err


def test_search_trains_on_a_sample_of_the_index_as_the_flag_says(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    records = len(pd.read_parquet(files["right"]))
    assert records > 400
    training, err = _search_training(files, capsys, "--training-sample", "400")
    assert (training["records"], training["trained_on"]) == (records, 400)
    assert f"training the model on a random sample of 400 of the {records:,} records" in err
    assert "peak memory" in err and " MB" in err and "elapsed" in err
    everything, _ = _search_training(files, capsys, "--training-sample", "0")
    assert everything["trained_on"] == records


def test_search_trains_on_the_sample_size_the_setting_gives(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unset, the command line uses OPENMASH_TRAINING_SAMPLE as loading a data source does."""
    monkeypatch.setenv("OPENMASH_TRAINING_SAMPLE", "350")
    training, _ = _search_training(files, capsys)
    assert training["trained_on"] == 350


def test_link_trains_on_a_sample_of_each_side(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    model = files["dir"] / "link-sampled.json"
    status = main(
        [
            "link",
            str(files["left"]),
            str(files["right"]),
            "--out",
            str(files["dir"] / "link-sampled.csv"),
            "--map",
            "ID=record_id",
            "--map",
            "Family name=surname",
            "--training-sample",
            "250",
            "--save-model",
            str(model),
            "--quiet",
        ]
    )
    assert status == 0
    assert json.loads(model.read_text())["training"]["trained_on"] == 500
    assert capsys.readouterr().err == ""


def test_a_negative_training_sample_exits_2(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["search", str(files["right"]), str(files["left"]), "--out", str(files["dir"] / "n.csv")]
    assert main([*argv, "--training-sample", "-1"]) == EXIT_BAD_INPUT
    assert "--training-sample" in capsys.readouterr().err


def test_index_builds_a_folder_that_search_opens_with_the_same_answers(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    model = files["dir"] / "index-model.json"
    folder = files["dir"] / "indexes"
    common = ["--map", "ID=record_id", "--map", "Family name=surname"]
    assert (
        main(["index", str(files["right"]), "--out", str(folder), "--save-model", str(model), "--quiet"]) == 0
    )
    assert (folder / "CURRENT").is_file()
    from_folder, from_file = files["dir"] / "from-folder.csv", files["dir"] / "from-file.csv"
    assert main(["search", str(folder), str(files["left"]), "--out", str(from_folder), *common]) == 0
    err = capsys.readouterr().err
    assert "opened the index of" in err
    assert "search latency per query: p50 " in err and " p95 " in err
    assert "peak memory" in err
    status = main(
        ["search", str(files["right"]), str(files["left"]), "--out", str(from_file), "--model", str(model)]
        + common
        + ["--quiet"]
    )
    assert status == 0
    assert from_folder.read_text() == from_file.read_text()
    assert len(pd.read_csv(from_folder)) >= 270


def test_search_refuses_a_model_for_an_index_folder(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = files["dir"] / "indexes-2"
    assert (
        main(["index", str(files["right"]), "--out", str(folder), "--training-sample", "300", "--quiet"]) == 0
    )
    status = main(
        [
            "search",
            str(folder),
            str(files["right"]),
            "--out",
            str(files["dir"] / "x.csv"),
            "--model",
            "m.json",
        ]
    )
    assert status == EXIT_BAD_INPUT
    assert "carries its own model" in capsys.readouterr().err


def test_index_trains_on_a_sample_drawn_while_reading_and_reports_its_steps(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    records = len(pd.read_parquet(files["right"]))
    model = files["dir"] / "sampled-index-model.json"
    folder = files["dir"] / "indexes-3"
    argv = ["index", str(files["right"]), "--out", str(folder), "--training-sample", "300"]
    assert main([*argv, "--save-model", str(model)]) == 0
    training = json.loads(model.read_text())["training"]
    assert (training["records"], training["trained_on"]) == (records, 300)
    assert f"trained on a random sample of 300 of the {records:,} records" in training["notes"]
    err = capsys.readouterr().err
    assert f"training the model on a random sample of 300 of the {records:,} records" in err
    assert f"indexed {records:,} records" in err and "sorted the vocabulary" in err
    assert f"index of {records:,} records written to {folder}" in err
