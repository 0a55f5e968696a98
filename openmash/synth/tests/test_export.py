"""CSV/JSON export and the ``python -m openmash.synth`` command."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openmash.synth import area_to_json, generate_area, write_area
from openmash.synth.__main__ import main
from openmash.synth.export import CSV_FILES


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_write_area_writes_one_csv_per_record_type(tmp_path: Path) -> None:
    area = generate_area(4, households=25, referrals=15)
    written = write_area(area, tmp_path / "out")
    assert sorted(written) == sorted(CSV_FILES)
    people = read_csv(written["people.csv"])
    assert len(people) == len(area.people)
    first = area.people[0]
    assert people[0]["id"] == first.id
    assert people[0]["date_of_birth"] == first.date_of_birth.isoformat()
    assert people[0]["previous_family_names"] == ";".join(first.previous_family_names)
    assert len(read_csv(written["addresses.csv"])) == len(area.addresses)
    assert len(read_csv(written["moves.csv"])) == len(area.moves)
    assert len(read_csv(written["relationships.csv"])) == len(area.relationships)
    households = read_csv(written["households.csv"])
    assert households[0]["member_ids"].split(";") == list(area.households[0].member_ids)
    referrals = read_csv(written["referrals.csv"])
    assert len(referrals) == len(area.referrals)
    assert referrals[0]["text"] == area.referrals[0].text
    open_moves = [row for row in read_csv(written["moves.csv"]) if row["to_date"] == ""]
    assert len(open_moves) == sum(len(h.member_ids) for h in area.households)


def test_csv_output_is_byte_for_byte_repeatable(tmp_path: Path) -> None:
    write_area(generate_area(4, households=25, referrals=15), tmp_path / "a")
    write_area(generate_area(4, households=25, referrals=15), tmp_path / "b")
    for name in CSV_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_json_round_trips_through_the_standard_library() -> None:
    area = generate_area(4, households=10, referrals=5)
    data = json.loads(area_to_json(area))
    assert set(data) == {
        "seed",
        "reference_date",
        "addresses",
        "people",
        "households",
        "moves",
        "relationships",
        "referrals",
    }
    assert len(data["people"]) == len(area.people)


def test_main_writes_csvs_and_prints_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "area"
    assert main(["--seed", "3", "--households", "20", "--referrals", "10", "--out", str(out), "--json"]) == 0
    printed = capsys.readouterr().out
    area = generate_area(3, households=20, referrals=10)
    for name, count in area.counts().items():
        assert f"{name}" in printed and str(count) in printed
    assert sorted(p.name for p in out.iterdir()) == sorted([*CSV_FILES, "area.json"])
    assert (out / "area.json").read_text(encoding="utf-8") == area_to_json(area) + "\n"


def test_main_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--households", "0", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["--seed", "1"])  # --out is required


def test_module_runs_as_a_script(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openmash.synth",
            "--seed",
            "42",
            "--households",
            "12",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert "households" in result.stdout
    assert (tmp_path / "people.csv").exists()


def test_synth_package_does_not_import_django() -> None:
    code = (
        "import sys; import openmash.synth; from openmash.synth import generate_area; "
        "generate_area(1, households=3, referrals=2); "
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "False"
