"""Each loaded source's search index, opened once per process.

A load writes its index as memory-mapped arrays (``<snapshot>/index``, see
:mod:`openmash.linkage.engine.stored`): every web and worker process opens it in milliseconds and
all of them share one copy through the page cache. A load made before indexes were written has
none; its index is built from the snapshot in memory, as before.

The index of a load never changes (a refresh is a new load, and the source's ``current_load``
switches in one transaction), so a cache keyed by load is always right: a new load simply becomes a
new key, and a search already running on the previous one finishes on it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from openmash.linkage.engine import LinkageModel, ModelFormatError, SearchIndex
from openmash.linkage.engine.search import Searchable
from openmash.linkage.engine.stored import IndexFormatError, MappedIndex
from openmash.linkage.sources import LoadFailed, Snapshot, SourceRecord
from openmash.sources.loading import INDEX_FOLDER, connector_of
from openmash.sources.models import DataSource, LoadStatus, SourceLoad

#: Indexes kept per process; a hub has a few dozen sources at most.
CACHE_SIZE = 32
_cache: OrderedDict[str, Searchable] = OrderedDict()
_lock = threading.Lock()


NOT_HELD = "{source}'s extract is no longer held; load it again"


class SourceUnavailable(Exception):  # noqa: N818
    """The source has no usable load, or its records cannot be read now."""


def index_for(load: SourceLoad) -> Searchable:
    if load.status != LoadStatus.LOADED or not load.snapshot:
        raise SourceUnavailable(f"{load.source.name} has no loaded index")
    key = str(load.pk)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    index: Searchable
    try:
        # The load's stored model must be one this version reads, whichever index serves it.
        model = LinkageModel.from_json(load.model_json)
        folder = Path(load.snapshot) / INDEX_FOLDER
        if folder.is_dir():
            index = MappedIndex(folder)
        else:
            index = SearchIndex.build(Snapshot(load.snapshot).identities(), model)
    except (ModelFormatError, IndexFormatError):
        raise SourceUnavailable(
            f"{load.source.name} was loaded by an earlier version of OpenMASH; a hub administrator must "
            "load it again"
        ) from None
    except FileNotFoundError:
        raise SourceUnavailable(NOT_HELD.format(source=load.source.name)) from None
    with _lock:
        _cache[key] = index
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def fetch_records(source: DataSource, load: SourceLoad, record_ids: Sequence[str]) -> dict[str, SourceRecord]:
    """Full records of ``record_ids``: asked of the source itself when it is live, else read from the
    load's snapshot (or the source's current one, if that load's snapshot has been removed)."""
    if source.is_live:
        try:
            return connector_of(source).fetch(record_ids, mapping=source.column_mapping)
        except LoadFailed as failed:
            raise SourceUnavailable(f"{source.name} could not be read: {failed}") from None
    for candidate in (load, source.current_load):
        if candidate is not None and candidate.snapshot:
            try:
                return Snapshot(candidate.snapshot).fetch(record_ids)
            except FileNotFoundError:
                continue
    raise SourceUnavailable(NOT_HELD.format(source=source.name))
