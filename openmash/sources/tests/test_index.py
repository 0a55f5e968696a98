"""A load writes its trawl index once; every process opens it memory-mapped."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from openmash.linkage.engine import LinkageModel, MappedIndex, SearchIndex
from openmash.linkage.sources import Snapshot
from openmash.sources.index import clear_cache, index_for
from openmash.sources.loading import INDEX_FOLDER, load_run
from openmash.sources.models import SourceLoad
from openmash.sources.tests.helpers import police_source

pytestmark = pytest.mark.django_db

QUERY = {
    "record_id": "q",
    "given_name": "Jayden",
    "surname": "Whitmore",
    "date_of_birth": "2018-05-04",
    "postcode": "NT1 1AA",
}


def test_a_load_writes_its_index_and_searches_open_it_mapped(hub: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path)
    load = source.current_load
    assert load is not None
    assert (Path(load.snapshot) / INDEX_FOLDER / "index.json").is_file()
    clear_cache()
    mapped = index_for(load)
    assert isinstance(mapped, MappedIndex)
    assert index_for(load) is mapped, "opened once per process"
    built = SearchIndex.build(Snapshot(load.snapshot).identities(), LinkageModel.from_json(load.model_json))
    assert mapped.search([QUERY], threshold=0.0) == built.search([QUERY], threshold=0.0)
    assert mapped.search([QUERY])[0].candidates[0].record_id == "POL-100"


def test_a_new_load_is_a_new_index_and_the_old_one_keeps_answering(hub: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path)
    first = source.current_load
    assert first is not None
    old = index_for(first)
    second = load_run(SourceLoad.objects.create(source=source))
    source.refresh_from_db()
    assert source.current_load_id == second.pk
    new = index_for(second)
    assert new is not old and Path(second.snapshot) in Path(new.folder).parents  # type: ignore[attr-defined]
    assert old.search([QUERY]) == new.search([QUERY])


def test_a_load_made_before_indexes_were_written_is_still_searched(hub: Any, tmp_path: Path) -> None:
    source = police_source(tmp_path)
    load = source.current_load
    assert load is not None
    shutil.rmtree(Path(load.snapshot) / INDEX_FOLDER)
    clear_cache()
    index = index_for(load)
    assert isinstance(index, SearchIndex)
    assert index.search([QUERY])[0].candidates[0].record_id == "POL-100"
