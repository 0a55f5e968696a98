"""Batch linkage of two files with Splink's ``predict`` (the CLI's ``link`` command)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from openmash.linkage.engine.backends import Backend, DuckDBBackend
from openmash.linkage.engine.features import FeatureTable, feature_frame, feature_rows
from openmash.linkage.engine.model import SPLINK_QUIET, LinkageModel
from openmash.linkage.engine.records import Records
from openmash.linkage.engine.scoring import FieldEvidence, Scorer, term_frequencies

__all__ = ["Link", "Linker"]


@dataclass(frozen=True, slots=True)
class Link:
    """A scored pair from a batch link, with the evidence for it."""

    left_id: str
    right_id: str
    match_probability: float
    match_weight: float
    evidence: tuple[FieldEvidence, ...]


class Linker:
    """Links two sets of records with Splink on the configured backend."""

    def __init__(self, model: LinkageModel, *, backend: Backend | None = None) -> None:
        self.model = model
        self.backend = backend or DuckDBBackend()

    def predict(
        self, left: Records | FeatureTable, right: Records | FeatureTable, *, threshold: float = 0.5
    ) -> tuple[pd.DataFrame, FeatureTable, FeatureTable]:
        """Splink's predictions (``record_id_l``, ``record_id_r``, ``match_weight``, ...) >= ``threshold``."""
        from splink import Linker as SplinkLinker

        lt = left if isinstance(left, FeatureTable) else feature_frame(left)
        rt = right if isinstance(right, FeatureTable) else feature_frame(right)
        tables = [self.backend.register(lt.frame, "left"), self.backend.register(rt.frame, "right")]
        linker = SplinkLinker(
            tables,
            self.model.splink_settings(self.backend.dialect, link_type="link_only"),
            **SPLINK_QUIET,
        )
        predictions = self.backend.to_pandas(linker.inference.predict(threshold_match_probability=threshold))
        # Splink names each pair's sides by input table; put the left file's record first.
        left_name = tables[0].dataset_display_name
        if "source_dataset_l" in predictions.columns:
            flipped = (predictions["source_dataset_l"] != left_name).to_numpy()
            l_ids = predictions["record_id_l"].astype(str).to_numpy()
            r_ids = predictions["record_id_r"].astype(str).to_numpy()
            predictions = predictions.assign(
                record_id_l=[b if f else a for a, b, f in zip(l_ids, r_ids, flipped, strict=True)],
                record_id_r=[a if f else b for a, b, f in zip(l_ids, r_ids, flipped, strict=True)],
            )
        return predictions, lt, rt

    def link(
        self, left: Records | FeatureTable, right: Records | FeatureTable, *, threshold: float = 0.5
    ) -> list[Link]:
        """Pairs at or above ``threshold``, best first; each carries per-field evidence."""
        predictions, lt, rt = self.predict(left, right, threshold=threshold)
        # Splink's predict takes term frequencies over both inputs together; so does the evidence.
        both = pd.concat([lt.frame, rt.frame], ignore_index=True)
        tf_columns = [c.tf_column for c in self.model.comparisons if c.tf_column]
        scorer = Scorer(self.model, term_frequencies(both, [c for c in tf_columns if c]))
        left_rows = {row[0]: row for row in feature_rows(lt.frame)}
        right_rows = {row[0]: row for row in feature_rows(rt.frame)}
        links = []
        for left_id, right_id, probability, weight in zip(
            predictions["record_id_l"].astype(str),
            predictions["record_id_r"].astype(str),
            predictions["match_probability"].astype(float),
            predictions["match_weight"].astype(float),
            strict=True,
        ):
            evidence = scorer.candidate(left_rows[left_id], right_rows[right_id]).evidence
            links.append(Link(left_id, right_id, probability, weight, evidence))
        links.sort(key=lambda link: (-link.match_probability, link.left_id, link.right_id))
        return links
