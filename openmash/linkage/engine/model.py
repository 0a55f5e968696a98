"""The linkage model: comparison definitions plus the m and u trained for one source.

:class:`LinkageModel` is a value object. Its comparisons and blocking rules are code (the
default set in :mod:`.comparisons` and :mod:`.blocking`); what is trained and stored with an
agency's source is the prior (lambda, "probability two random records match") and each level's
m and u. ``to_json``/``from_json`` round-trip exactly that, so a model saved from DuckDB can be
rebuilt for Spark (the SQL is regenerated for the dialect; lambda and every m/u are copied).

Training runs Splink (:meth:`LinkageModel.train`): lambda from deterministic rules, u by random
sampling, m by expectation maximisation on two blocking rules (date of birth; surname), then
lambda refined by EM over the prediction blocks with m and u held fixed.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from openmash.linkage.engine.backends import Backend, DuckDBBackend
from openmash.linkage.engine.blocking import (
    DEFAULT_BLOCKING_RULES,
    BlockingRule,
    deterministic_rules,
    splink_blocking_rules,
)
from openmash.linkage.engine.comparisons import ADDED_LEVELS, DEFAULT_COMPARISONS, Comparison, Dialect
from openmash.linkage.engine.features import FeatureTable, feature_frame
from openmash.linkage.engine.records import Records
from openmash.linkage.engine.sampling import EM_SESSIONS, WholeGroups, whole_groups

__all__ = [
    "MODEL_FORMAT",
    "LinkType",
    "LinkageModel",
    "ModelFormatError",
    "match_probability",
    "prob_to_weight",
]

MODEL_FORMAT: Final = "openmash.linkage.model"
MODEL_VERSION: Final = 1
M_U_CLAMP_MIN: Final = 1e-300  # Splink clamps m and u to this before taking log2(m / u)
#: The least m a trained level keeps: at least one true match in a thousand disagrees on any field.
M_FLOOR: Final = 1e-3
#: Random pairs compared to estimate u: enough to see agreements as rare as a few in ten million (the
#: same address in a regional index), in about ten seconds on DuckDB.
U_MAX_PAIRS: Final = 1e7
#: A level never seen among the random pairs is given u = RULE_OF_THREE / pairs compared (the 95% upper
#: bound on a rate never observed in that many trials), not the level's prior u, where that is lower.
RULE_OF_THREE: Final = 3.0

LinkType = Literal["dedupe_only", "link_only"]
#: A source larger than this is trained on a random sample of this many records (see ``train``).
TRAINING_SAMPLE: Final = 100_000
#: EM runs on about this many records for each session, drawn in whole groups from a larger source
#: (see ``train`` and :mod:`.sampling`).
EM_SAMPLE: Final = 30_000

log = logging.getLogger(__name__)

#: How every Splink linker here is made: errors only in the log, and without Splink's settings
#: validation, whose only output is warnings about columns (which the error level hides), at about
#: 0.15 s a linker; the settings are built from the feature frame's own columns.
SPLINK_QUIET: Final[dict[str, Any]] = {"log_level": logging.ERROR, "validate_settings": False}


class ModelFormatError(ValueError):
    """A stored model cannot be read as this version's model."""


def prob_to_weight(probability: float) -> float:
    """log2 of the odds, as Splink turns lambda into the prior match weight."""
    return math.log2(probability / (1.0 - probability))


def match_probability(weight: float) -> float:
    """Splink's numerically stable 2^w / (1 + 2^w)."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0 ** (-weight))
    bf = 2.0**weight
    return bf / (1.0 + bf)


@dataclass(frozen=True)
class LinkageModel:
    """Comparisons, blocking rules, lambda and every level's (m, u) for one source."""

    probability_two_random_records_match: float
    parameters: dict[str, tuple[tuple[float, float], ...]]
    """Per comparison name, (m, u) for each level (the null level's entry is unused)."""
    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS
    blocking_rules: tuple[BlockingRule, ...] = DEFAULT_BLOCKING_RULES
    link_type: LinkType = "dedupe_only"
    training: dict[str, Any] = field(default_factory=dict)

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def default(cls, *, probability_two_random_records_match: float = 1e-4) -> LinkageModel:
        """The untrained model: each level's prior m and u."""
        return cls(
            probability_two_random_records_match=probability_two_random_records_match,
            parameters={
                c.name: tuple((0.0, 0.0) if level.is_null else (level.m, level.u) for level in c.levels)
                for c in DEFAULT_COMPARISONS
            },
        )

    def with_prior(self, probability_two_random_records_match: float) -> LinkageModel:
        return replace(self, probability_two_random_records_match=probability_two_random_records_match)

    def sampled_from(self, records: int) -> LinkageModel:
        """This model, noted as trained on a random sample drawn from a table of ``records`` records
        (one too large to hand to :meth:`train` whole, sampled as it was read)."""
        trained_on = int(self.training.get("trained_on", 0))
        if records <= trained_on:
            return self
        note = f"trained on a random sample of {trained_on:,} of the {records:,} records"
        notes = [note, *self.training.get("notes", [])]
        return replace(self, training={**self.training, "records": records, "notes": notes})

    # --- weights ------------------------------------------------------------------------------

    @property
    def prior_weight(self) -> float:
        return prob_to_weight(self.probability_two_random_records_match)

    def level_weights(self, comparison: Comparison) -> list[float]:
        """Each level's match weight, log2(m / u); 0 for the null level."""
        weights = []
        for level, (m, u) in zip(comparison.levels, self.parameters[comparison.name], strict=True):
            if level.is_null:
                weights.append(0.0)
            else:
                weights.append(math.log2(max(m, M_U_CLAMP_MIN) / max(u, M_U_CLAMP_MIN)))
        return weights

    # --- Splink ---------------------------------------------------------------------------------

    def splink_settings(self, dialect: Dialect, *, link_type: LinkType | None = None) -> dict[str, Any]:
        """A Splink 5 settings dict for ``dialect`` with this model's lambda and m/u."""
        return {
            "link_type": link_type or self.link_type,
            "unique_id_column_name": "record_id",
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "blocking_rules_to_generate_predictions": splink_blocking_rules(self.blocking_rules),
            "comparisons": [c.splink_dict(dialect, self.parameters[c.name]) for c in self.comparisons],
            "max_iterations": 100,
            "em_convergence": 1e-5,
            "retain_matching_columns": False,
            "retain_intermediate_calculation_columns": False,
            "sql_dialect": dialect,
        }

    @staticmethod
    def _registered(backend: Backend, groups: WholeGroups, session: int, linking: bool) -> Any:
        """The tables (one per side when linking) drawn in whole groups for an EM session; ``None``
        when a side has none (a source without the session's key: nothing to learn from there)."""
        sides = [groups.left] if not linking or groups.right is None else [groups.left, groups.right]
        frames = [side[session] for side in sides]
        if any(not len(frame) for frame in frames):
            return None
        tables = [backend.register(frame, "em") for frame in frames]
        return tables if len(tables) > 1 else tables[0]

    def train(
        self,
        records: Records | FeatureTable,
        *,
        other: Records | FeatureTable | None = None,
        backend: Backend | None = None,
        max_pairs: float = U_MAX_PAIRS,
        seed: int = 1,
        deterministic_recall: float = 0.8,
        refine_prior: bool = True,
        min_em_matches: int = 200,
        max_records: int | None = None,
        em_max_records: int | None = EM_SAMPLE,
        drawn: WholeGroups | None = None,
    ) -> LinkageModel:
        """Train lambda, u and m on ``records`` (dedupe) or ``records`` x ``other`` (link).

        Returns a new model; this one is unchanged. A comparison that EM cannot estimate (for
        example a field empty in this source) keeps its prior m, and a level never seen keeps
        Splink's "not observed" value. A source with fewer than ``min_em_matches`` likely matching
        pairs (a well-deduplicated register) keeps the prior m throughout: EM needs matches to
        learn from. u is always estimated from the source.

        With ``max_records``, a larger table is trained on a random sample of that many records
        (each side, when linking). m and u do not depend on the table's size and lambda, a ratio of
        matches to pairs, is kept by uniform sampling, while the blocked pairs EM and the prior's
        refinement score grow with the square of it: a million police records would otherwise
        take tens of gigabytes.

        EM runs, for a table larger than ``em_max_records`` records, on samples of about that many
        drawn in whole groups for each session from the whole table (:mod:`.sampling`), or on
        ``drawn``, drawn so from the table ``records`` was sampled from (as
        :meth:`.inputs.Extract.whole_groups` draws them while reading a file too large to hold),
        when they can be expected to hold ``min_em_matches`` matching pairs. A uniform sample would
        keep a matching pair only when it drew both its records: too few of them, in a large
        source, to learn m from.
        """
        from splink import Linker

        backend = backend or DuckDBBackend()
        left = records if isinstance(records, FeatureTable) else feature_frame(records)
        right = None if other is None else other if isinstance(other, FeatureTable) else feature_frame(other)
        link_type: LinkType = "dedupe_only" if right is None else "link_only"
        notes: list[str] = []
        left_frame = _sampled(left.frame, max_records, seed, notes)
        right_frame = None if right is None else _sampled(right.frame, max_records, seed + 1, notes)
        tables = [backend.register(left_frame, "train")]
        if right_frame is not None:
            tables.append(backend.register(right_frame, "train"))
        inputs = tables if right is not None else tables[0]
        n_left, n_right = len(left_frame), len(right_frame) if right_frame is not None else 0
        total_pairs = n_left * n_right if right is not None else n_left * (n_left - 1) / 2

        # Lambda from deterministic rules, on its own linker so that a failure leaves the prior.
        prior = self.probability_two_random_records_match
        counting = Linker(inputs, self.splink_settings(backend.dialect, link_type=link_type), **SPLINK_QUIET)
        rules: list[Any] = list(deterministic_rules())
        counting.training.estimate_probability_two_random_records_match(rules, recall=deterministic_recall)
        estimated = float(counting.misc.save_model_to_json()["probability_two_random_records_match"])
        expected_matches = estimated * total_pairs * deterministic_recall
        if estimated > 0 and math.isfinite(estimated):
            prior = estimated
        else:
            notes.append("no deterministic matches: kept the prior lambda")

        # Each prior u is marked (moved by a part in a trillion) so that a level Splink leaves at its
        # prior is told apart from one whose estimate merely equals a round prior (0.5 for sex).
        marked = self._u_marked()
        linker = Linker(
            inputs,
            marked.with_prior(prior).splink_settings(backend.dialect, link_type=link_type),
            **SPLINK_QUIET,
        )
        # Where the sample holds every record (a small source), every pair is counted, in one pass.
        # Splink's default first counts a hundredth of the pairs, then ten chunks, and stops once each
        # level has 100 pairs: on a small source up to eleven passes for each comparison, and u from
        # part of the pairs.
        linker.training.estimate_u_using_random_sampling(
            max_pairs=max_pairs, seed=seed, num_chunks=1 if total_pairs <= max_pairs else 10
        )
        # Splink keeps a level's prior u when no random pair reached it; for agreement rarer than the
        # sample can show (the same address among ten million records) that prior can be a thousand
        # times too high, and the level's evidence far too weak. Such a level takes the most u that
        # seeing none in that many pairs allows instead.
        compared = max(min(max_pairs, total_pairs), 1.0)
        sampled = linker.misc.save_model_to_json()
        unseen = marked._unobserved_u(sampled)
        with_u = self._read_splink_parameters(
            sampled, link_type, unobserved=unseen, unobserved_u=RULE_OF_THREE / compared
        )
        if unseen:
            names = ", ".join(f"{name} {label!r}" for name, label in sorted(unseen))
            notes.append(
                f"no random pair of {compared:,.0f} reached {names}: u at most {RULE_OF_THREE / compared:.2g}"
            )

        # Each EM session runs on its own linker: Splink can fail part-way through a session (an m
        # that underflows to zero), and a failed session must not leave half-updated parameters.
        # As in Splink, a comparison's m is the mean over the sessions that could estimate it.
        estimates: dict[str, list[tuple[tuple[float, float], ...]]] = {c.name: [] for c in self.comparisons}
        # EM on a large source runs on records drawn in whole groups for each session (see
        # .sampling), when they can be expected to hold enough matching pairs; else on the tables
        # trained on.
        groups = drawn
        if groups is None and em_max_records is not None:
            groups = whole_groups(left.frame, None if right is None else right.frame, em_max_records)
        em_matches = expected_matches
        session_inputs: list[Any] = [inputs] * len(EM_SESSIONS)
        if groups is not None:
            in_groups = estimated * groups.pairs * groups.fraction * deterministic_recall
            if in_groups >= min_em_matches:
                em_matches = in_groups
                session_inputs = [
                    self._registered(backend, groups, i, right is not None) for i in range(len(EM_SESSIONS))
                ]
                notes.append(groups.note())
        if em_matches >= min_em_matches:
            for session_of, inputs_of in zip(EM_SESSIONS, session_inputs, strict=True):
                rule = session_of.rule
                if inputs_of is None:
                    notes.append(f"no records drawn for EM on {rule!r}: that session was not run")
                    continue
                session = Linker(
                    inputs_of,
                    with_u.splink_settings(backend.dialect, link_type=link_type),
                    **SPLINK_QUIET,
                )
                try:
                    session.training.estimate_parameters_using_expectation_maximisation(rule)
                    result = with_u._read_splink_parameters(session.misc.save_model_to_json(), link_type)
                except Exception as exc:  # noqa: BLE001 - Splink raises plain exceptions
                    notes.append(f"EM on {rule!r} failed ({exc}); its estimates are not used")
                    continue
                for comparison in self.comparisons:
                    if not comparison.columns() & session_of.blocked:
                        estimates[comparison.name].append(result.parameters[comparison.name])
        else:
            notes.append(
                f"about {em_matches:.0f} matching pairs: too few for EM (needs {min_em_matches});"
                " kept the prior m"
            )
        parameters = {}
        for comparison in self.comparisons:
            runs = estimates[comparison.name]
            base = with_u.parameters[comparison.name]
            if not runs:
                parameters[comparison.name] = base
                continue
            parameters[comparison.name] = tuple(
                (sum(run[i][0] for run in runs) / len(runs), base[i][1]) for i in range(len(base))
            )
        trained = replace(with_u, parameters=parameters).regularised()

        if refine_prior and expected_matches >= min_em_matches:
            scorer = Linker(
                inputs, trained.splink_settings(backend.dialect, link_type=link_type), **SPLINK_QUIET
            )
            predictions = backend.to_pandas(scorer.inference.predict())
            weights = predictions["match_weight"].to_numpy(dtype=float) - trained.prior_weight
            prior = refine_lambda(weights, total_pairs, trained.probability_two_random_records_match)
            notes.append(
                f"lambda refined from {trained.probability_two_random_records_match:.3g} to {prior:.3g}"
                f" over {len(weights)} blocked pairs"
            )
            trained = trained.with_prior(prior)
        info = {
            "records": len(left) + (len(right) if right is not None else 0),
            "trained_on": n_left + n_right,
            "link_type": link_type,
            "backend": backend.name,
            "u_max_pairs": max_pairs,
            "em_blocking_rules": [session.rule for session in EM_SESSIONS],
            "notes": notes,
        }
        return replace(trained, training=info)

    def _u_marked(self) -> LinkageModel:
        """This model with every estimable level's u moved by a part in a trillion."""
        parameters = {
            c.name: tuple(
                (m, u) if level.is_null or level.kind == "else" else (m, u * (1.0 - 2.0**-40))
                for level, (m, u) in zip(c.levels, self.parameters[c.name], strict=True)
            )
            for c in self.comparisons
        }
        return replace(self, parameters=parameters)

    def _unobserved_u(self, settings: dict[str, Any]) -> set[tuple[str, str]]:
        """(comparison, level) pairs whose u Splink's random sampling left at this (marked) model's
        prior: no sampled pair reached the level."""
        by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
        unseen = set()
        for comparison in self.comparisons:
            levels = by_name[comparison.name]["comparison_levels"]
            for ours, theirs, old in zip(
                comparison.levels, levels, self.parameters[comparison.name], strict=True
            ):
                if ours.is_null or ours.kind == "else":
                    continue
                if _probability(theirs.get("u_probability"), old[1]) == old[1]:
                    unseen.add((comparison.name, ours.label))
        return unseen

    def _read_splink_parameters(
        self,
        settings: dict[str, Any],
        link_type: LinkType,
        *,
        unobserved: Collection[tuple[str, str]] = (),
        unobserved_u: float = 1.0,
    ) -> LinkageModel:
        """This model with Splink's trained lambda, m and u; a level in ``unobserved`` takes u at most
        ``unobserved_u``."""
        parameters: dict[str, tuple[tuple[float, float], ...]] = {}
        by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
        for comparison in self.comparisons:
            levels = by_name[comparison.name]["comparison_levels"]
            values: list[tuple[float, float]] = []
            for ours, theirs, old in zip(
                comparison.levels, levels, self.parameters[comparison.name], strict=True
            ):
                if ours.is_null:
                    values.append(old)
                    continue
                m = _probability(theirs.get("m_probability"), old[0])
                u = _probability(theirs.get("u_probability"), old[1])
                if (comparison.name, ours.label) in unobserved:
                    u = min(u, unobserved_u)
                values.append((m, u))
            parameters[comparison.name] = tuple(values)
        return replace(
            self,
            parameters=parameters,
            probability_two_random_records_match=float(settings["probability_two_random_records_match"]),
            link_type=link_type,
        )

    def regularised(self) -> LinkageModel:
        """Two guards against EM over-fitting a source, applied before the model is stored.

        * m is at least :data:`M_FLOOR`: a source in which no true match ever disagrees on sex,
          say, would otherwise learn m ~ 1e-17 and let a single keying error veto a match.
        * Monotone weights: EM on a source where some partial agreement never occurs among
          matches (the same postcode sector but not the same postcode) drives that level's
          weight towards minus infinity, so one partly agreeing field would veto a match that
          total disagreement would not. Partial agreement never counts against a match more than
          no agreement: m is raised until log2(m/u) equals the "all other" level's weight.

        Splink then scores with the same stored m and u, so both paths still agree exactly.
        """
        parameters = dict(self.parameters)
        for comparison in self.comparisons:
            values = [
                value if level.is_null else (max(value[0], M_FLOOR), value[1])
                for level, value in zip(comparison.levels, parameters[comparison.name], strict=True)
            ]
            m_else, u_else = values[-1]
            floor = math.log2(max(m_else, M_U_CLAMP_MIN) / max(u_else, M_U_CLAMP_MIN))
            for index, level in enumerate(comparison.levels[:-1]):
                if level.is_null:
                    continue
                m, u = values[index]
                if math.log2(max(m, M_U_CLAMP_MIN) / max(u, M_U_CLAMP_MIN)) < floor:
                    values[index] = (u * 2.0**floor, u)
            parameters[comparison.name] = tuple(values)
        return replace(self, parameters=parameters)

    # --- storage ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "link_type": self.link_type,
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "comparisons": [
                {
                    "name": c.name,
                    "levels": [
                        {"label": level.label, "m_probability": m, "u_probability": u}
                        for level, (m, u) in zip(c.levels, self.parameters[c.name], strict=True)
                        if not level.is_null
                    ],
                }
                for c in self.comparisons
            ],
            "blocking_rules": [rule.name for rule in self.blocking_rules],
            "training": self.training,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageModel:
        if data.get("format") != MODEL_FORMAT or data.get("version") != MODEL_VERSION:
            raise ModelFormatError(
                "not an OpenMASH linkage model"
                f" (format {data.get('format')!r}, version {data.get('version')!r})"
            )
        stored = {c["name"]: c for c in data["comparisons"]}
        parameters: dict[str, tuple[tuple[float, float], ...]] = {}
        added_notes: list[str] = []
        for comparison in DEFAULT_COMPARISONS:
            if comparison.name not in stored:
                raise ModelFormatError(f"stored model has no {comparison.name!r} comparison")
            levels = stored[comparison.name]["levels"]
            labels = [level["label"] for level in levels]
            expected = [level.label for level in comparison.levels if not level.is_null]
            # A model stored before a level was added lacks it (and only it): read at its starting m, u.
            added = [
                label
                for label in expected
                if label not in labels and label in ADDED_LEVELS.get(comparison.name, ())
            ]
            if labels != [label for label in expected if label not in added]:
                raise ModelFormatError(
                    f"{comparison.name}: stored levels {labels} differ from this version's {expected}"
                )
            values = {
                level["label"]: (float(level["m_probability"]), float(level["u_probability"]))
                for level in levels
            }
            parameters[comparison.name] = tuple(
                (0.0, 0.0) if level.is_null else values.get(level.label, (level.m, level.u))
                for level in comparison.levels
            )
            added_notes.extend(
                f"{comparison.name} {label!r}: a level added after this model was trained, scored at its"
                " starting m and u until the source is loaded again"
                for label in added
            )
        training = dict(data.get("training", {}))
        if added_notes:
            training["notes"] = [*training.get("notes", []), *added_notes]
        return cls(
            probability_two_random_records_match=float(data["probability_two_random_records_match"]),
            parameters=parameters,
            link_type=data.get("link_type", "dedupe_only"),
            training=training,
        )

    @classmethod
    def from_json(cls, text: str) -> LinkageModel:
        return cls.from_dict(json.loads(text))


def _probability(value: object, fallback: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return fallback


def refine_lambda(evidence_weights: np.ndarray | Sequence[float], total_pairs: float, start: float) -> float:
    """EM for lambda alone: iterate lambda = sum(P(match | pair)) / total pairs over the blocked pairs.

    ``evidence_weights`` are each blocked pair's match weight without the prior. Pairs outside
    the blocks count as non-matches; with high-recall blocking that costs little.
    """
    weights = np.asarray(evidence_weights, dtype=float)
    if total_pairs <= 0 or weights.size == 0:
        return start
    prior = start
    for _ in range(100):
        w = weights + prob_to_weight(prior)
        probabilities = 1.0 / (1.0 + np.exp2(-np.clip(w, -1000, 1000)))
        updated = float(probabilities.sum() / total_pairs)
        updated = min(max(updated, 1e-12), 0.5)
        if abs(updated - prior) <= 1e-6 * prior:
            return updated
        prior = updated
    return prior


def _sampled(frame: pd.DataFrame, max_records: int | None, seed: int, notes: list[str]) -> pd.DataFrame:
    """``frame``, or a reproducible random sample of ``max_records`` of its rows."""
    if max_records is None or len(frame) <= max_records:
        return frame
    notes.append(f"trained on a random sample of {max_records:,} of the {len(frame):,} records")
    return frame.sample(n=max_records, random_state=seed).reset_index(drop=True)
