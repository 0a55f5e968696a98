"""OpenMASH's identity-matching engine: plain Python, no Django.

Public API (everything else in this package is internal):

* :class:`Record` — one person-record as an agency holds it (``record_id`` plus optional given
  name, surname, date of birth, sex, postcode, address, NHS number).
* :class:`LinkageModel` — Splink 5 comparisons and blocking rules with lambda and m/u trained per
  source: ``LinkageModel.default().train(records)``; ``to_json()`` / ``from_json()`` store it with
  the source.
* :class:`Linker` — ``Linker(model).link(left, right)``: batch linkage with Splink's predict.
* :class:`SearchIndex` — ``SearchIndex.build(records, model).search(queries, top=5, threshold=0.5)``:
  the trawl's fast one-to-many path, in memory, scoring with the model's weights so its
  probabilities equal Splink's. Every :class:`Candidate` carries :class:`FieldEvidence` per field.
* :class:`MappedIndex` — the same index written once to a folder of NumPy arrays
  (:func:`write_index`, or :func:`publish` into a root folder with an atomic ``CURRENT`` switch) and
  opened memory-mapped (:func:`open_index`, :class:`IndexCache`), so every process shares one copy.
* Backends: :class:`DuckDBBackend` (default), :class:`SparkBackend`, :func:`backend_from_config`.
* Input files: :func:`read_records` (CSV or Parquet, standard columns, ``mapping`` renames) raising
  :class:`InputError` with the file, row and column.
* Normalisers for the identity fields, re-exported from :mod:`.normalise`.
"""

from openmash.linkage.engine.backends import Backend, DuckDBBackend, SparkBackend, backend_from_config
from openmash.linkage.engine.inputs import InputError, LoadedRecords, read_records
from openmash.linkage.engine.linker import Link, Linker
from openmash.linkage.engine.model import LinkageModel, ModelFormatError, match_probability
from openmash.linkage.engine.normalise import (
    DateResult,
    Postcode,
    normalise_address,
    normalise_given_name,
    normalise_nhs,
    normalise_postcode,
    normalise_sex,
    normalise_surname,
    parse_date_of_birth,
)
from openmash.linkage.engine.records import STANDARD_COLUMNS, Record
from openmash.linkage.engine.scoring import Candidate, FieldEvidence
from openmash.linkage.engine.search import SearchIndex, SearchResult
from openmash.linkage.engine.stored import (
    IndexCache,
    IndexFormatError,
    MappedIndex,
    open_index,
    publish,
    write_index,
)

__all__ = [
    "STANDARD_COLUMNS",
    "Backend",
    "Candidate",
    "DateResult",
    "DuckDBBackend",
    "FieldEvidence",
    "IndexCache",
    "IndexFormatError",
    "InputError",
    "Link",
    "LinkageModel",
    "Linker",
    "LoadedRecords",
    "MappedIndex",
    "ModelFormatError",
    "Postcode",
    "Record",
    "SearchIndex",
    "SearchResult",
    "SparkBackend",
    "backend_from_config",
    "match_probability",
    "normalise_address",
    "normalise_given_name",
    "normalise_nhs",
    "normalise_postcode",
    "normalise_sex",
    "normalise_surname",
    "open_index",
    "parse_date_of_birth",
    "publish",
    "read_records",
    "write_index",
]
