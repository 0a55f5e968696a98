"""Comparison definitions: one source for Splink's SQL and the fast scorer's Python.

A :class:`Comparison` is an ordered list of levels; a pair falls in the first level whose
condition holds, exactly like Splink's ``CASE WHEN``. Each level kind below renders its condition
as SQL for a backend's dialect *and* compiles to a Python predicate over two feature rows, so the
trawl's in-memory scorer assigns every pair the level Splink would, and therefore the same weight.

Rules that keep the two in step:

* A missing value is ``None`` in Python and ``NULL`` in SQL; any comparison with it is false.
* Jaro-Winkler thresholds are lowered by :data:`JW_EPSILON` in both renderings. DuckDB and
  RapidFuzz may differ in the last bit of a similarity that sits exactly on a round threshold
  (0.92 = 23/25 is reachable by short names); no similarity of strings this short lies within
  1e-7 below a round threshold, so the shifted threshold cannot split them.
* Levenshtein distances are integers and identical in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from rapidfuzz.distance import JaroWinkler, Levenshtein

from openmash.linkage.engine.features import FEATURE_INDEX, FeatureRow

__all__ = [
    "ADDED_LEVELS",
    "DEFAULT_COMPARISONS",
    "JW_EPSILON",
    "ONE_LETTER",
    "Comparison",
    "Dialect",
    "Level",
    "LevelKind",
    "comparisons_by_name",
]

Dialect = Literal["duckdb", "spark"]
LevelKind = Literal[
    "null", "exact", "equal_any", "jaro_winkler", "levenshtein", "prefix", "abs_diff", "all_of", "else"
]

JW_EPSILON: Final = 1e-7

#: A name's level for one typing error.
ONE_LETTER: Final = "one letter different"
#: Levels added after models were first stored, by comparison: a stored model without them is read
#: with each at its starting m and u (:meth:`.model.LinkageModel.from_dict`), so that a source loaded
#: by an earlier version is still searched.
ADDED_LEVELS: Final[dict[str, frozenset[str]]] = {
    "given_name": frozenset({ONE_LETTER}),
    "surname": frozenset({ONE_LETTER}),
}

_JW_FUNCTION: Final[dict[str, str]] = {"duckdb": "jaro_winkler_similarity", "spark": "jaro_winkler"}
_LEV_FUNCTION: Final[dict[str, str]] = {"duckdb": "levenshtein", "spark": "levenshtein"}

Predicate = Callable[[FeatureRow, FeatureRow], bool]


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level. ``pairs`` lists (left column, right column) for ``equal_any``."""

    label: str
    kind: LevelKind
    column: str | None = None
    threshold: float = 0.0
    pairs: tuple[tuple[str, str], ...] = ()
    parts: tuple[Level, ...] = ()
    """For ``all_of``: every part must hold. For ``null`` over several fields: each part's column
    is missing on one side or the other."""
    tf_adjustment: bool = False
    m: float = 0.5
    """Prior m probability: the start of EM, and the value kept if training cannot estimate it."""
    u: float = 0.5
    """Prior u probability, replaced by random sampling."""

    @property
    def is_null(self) -> bool:
        return self.kind == "null"

    def sql(self, dialect: Dialect) -> str:
        c = self.column
        match self.kind:
            case "null" if self.parts:
                return " AND ".join(f"({part.sql(dialect)})" for part in self.parts)
            case "null":
                return f"{c}_l IS NULL OR {c}_r IS NULL"
            case "all_of":
                return " AND ".join(f"({part.sql(dialect)})" for part in self.parts)
            case "exact":
                return f"{c}_l = {c}_r"
            case "equal_any":
                return " OR ".join(f"{a}_l = {b}_r" for a, b in self.pairs)
            case "jaro_winkler":
                return f"{_JW_FUNCTION[dialect]}({c}_l, {c}_r) >= {self.threshold - JW_EPSILON!r}"
            case "levenshtein":
                return f"{_LEV_FUNCTION[dialect]}({c}_l, {c}_r) <= {int(self.threshold)}"
            case "prefix":
                n = int(self.threshold)
                return f"substr({c}_l, 1, {n}) = substr({c}_r, 1, {n})"
            case "abs_diff":
                return f"abs({c}_l - {c}_r) <= {int(self.threshold)}"
            case "else":
                return "ELSE"
        raise ValueError(f"unknown level kind {self.kind!r}")  # pragma: no cover

    def predicate(self) -> Predicate:
        """A Python function of (left row, right row) that is true exactly when the SQL is."""
        i = FEATURE_INDEX[self.column] if self.column else -1
        match self.kind:
            case "null" if self.parts:
                nulls = tuple(part.predicate() for part in self.parts)
                return lambda lt, rt: all(p(lt, rt) for p in nulls)
            case "null":
                return lambda lt, rt: lt[i] is None or rt[i] is None
            case "all_of":
                parts = tuple(part.predicate() for part in self.parts)
                return lambda lt, rt: all(p(lt, rt) for p in parts)
            case "exact":
                return lambda lt, rt: lt[i] is not None and lt[i] == rt[i]
            case "equal_any":
                index_pairs = tuple((FEATURE_INDEX[a], FEATURE_INDEX[b]) for a, b in self.pairs)
                return lambda lt, rt: any(lt[a] is not None and lt[a] == rt[b] for a, b in index_pairs)
            case "jaro_winkler":
                threshold = self.threshold - JW_EPSILON
                similarity = JaroWinkler.similarity
                return lambda lt, rt: (
                    lt[i] is not None and rt[i] is not None and similarity(lt[i], rt[i]) >= threshold
                )
            case "levenshtein":
                distance = int(self.threshold)
                lev = Levenshtein.distance
                return lambda lt, rt: (
                    lt[i] is not None and rt[i] is not None and lev(lt[i], rt[i]) <= distance
                )
            case "prefix":
                n = int(self.threshold)
                return lambda lt, rt: lt[i] is not None and rt[i] is not None and lt[i][:n] == rt[i][:n]
            case "abs_diff":
                limit = int(self.threshold)
                return lambda lt, rt: lt[i] is not None and rt[i] is not None and abs(lt[i] - rt[i]) <= limit
            case "else":
                return lambda lt, rt: True
        raise ValueError(f"unknown level kind {self.kind!r}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Comparison:
    """An ordered set of levels over one field; the first level is the null level."""

    name: str
    description: str
    levels: tuple[Level, ...]
    display: tuple[str, ...]
    """Feature columns shown as the evidence's values."""

    def __post_init__(self) -> None:
        if not self.levels or not self.levels[0].is_null or self.levels[-1].kind != "else":
            raise ValueError(f"{self.name}: a comparison starts with a null level and ends with else")

    def columns(self) -> frozenset[str]:
        """Every feature column the comparison's levels read."""
        found: set[str] = set()

        def visit(level: Level) -> None:
            if level.column:
                found.add(level.column)
            for a, b in level.pairs:
                found.update((a, b))
            for part in level.parts:
                visit(part)

        for level in self.levels:
            visit(level)
        return frozenset(found)

    @property
    def tf_column(self) -> str | None:
        for level in self.levels:
            if level.tf_adjustment:
                return level.column
        return None

    def classifier(self) -> Callable[[FeatureRow, FeatureRow], int]:
        """Compile to a function giving the index of the first level that holds."""
        predicates: Sequence[Predicate] = [level.predicate() for level in self.levels[:-1]]
        last = len(self.levels) - 1

        def classify(left: FeatureRow, right: FeatureRow) -> int:
            for index, predicate in enumerate(predicates):
                if predicate(left, right):
                    return index
            return last

        return classify

    def splink_dict(
        self, dialect: Dialect, parameters: Sequence[tuple[float, float]] | None
    ) -> dict[str, Any]:
        """Splink's comparison dict; ``parameters`` gives (m, u) per level (null level ignored)."""
        levels: list[dict[str, Any]] = []
        for index, level in enumerate(self.levels):
            entry: dict[str, Any] = {"sql_condition": level.sql(dialect), "label_for_charts": level.label}
            if level.is_null:
                entry["is_null_level"] = True
            else:
                m, u = parameters[index] if parameters else (level.m, level.u)
                entry["m_probability"] = m
                entry["u_probability"] = u
            if level.tf_adjustment:
                entry["tf_adjustment_column"] = level.column
                entry["tf_adjustment_weight"] = 1.0
            levels.append(entry)
        return {
            "output_column_name": self.name,
            "comparison_description": self.description,
            "comparison_levels": levels,
        }


def _null(column: str) -> Level:
    return Level("missing", "null", column)


def _else(m: float, u: float) -> Level:
    return Level("all other", "else", m=m, u=u)


_GIVEN_NAME = Comparison(
    name="given_name",
    description="Given name: exact, nickname, typo, swapped with surname, initial",
    display=("given_name",),
    levels=(
        _null("given_name"),
        Level("exact", "exact", "given_name", tf_adjustment=True, m=0.75, u=0.005),
        Level("same name (nickname table)", "exact", "given_canon", m=0.04, u=0.002),
        Level("Jaro-Winkler >= 0.92", "jaro_winkler", "given_name", 0.92, m=0.08, u=0.004),
        Level(
            "given name is the other's surname",
            "equal_any",
            pairs=(("given_name", "surname"),),
            m=0.02,
            u=0.0002,
        ),
        # One typing error (a letter added, dropped or changed) that Jaro-Winkler puts below 0.92: in a
        # short name one letter is much of the name ("Maisy" and "Mwisy" 0.88), and among different
        # people's names 0.80 is common (one pair in 200), so such a typo counted for little.
        Level(ONE_LETTER, "levenshtein", "given_name", 1, m=0.01, u=0.0004),
        Level("Jaro-Winkler >= 0.80", "jaro_winkler", "given_name", 0.80, m=0.03, u=0.03),
        Level("same initial", "exact", "given_initial", m=0.02, u=0.06),
        _else(m=0.02, u=0.9),
    ),
)

_SURNAME = Comparison(
    name="surname",
    description="Surname: exact, either part of a double-barrelled name, typo, swapped with given name",
    display=("surname",),
    levels=(
        _null("surname"),
        Level("exact", "exact", "surname", tf_adjustment=True, m=0.8, u=0.003),
        Level(
            "a part of a double-barrelled surname",
            "equal_any",
            pairs=(
                ("surname_first", "surname_first"),
                ("surname_first", "surname_last"),
                ("surname_last", "surname_first"),
                ("surname_last", "surname_last"),
            ),
            m=0.02,
            u=0.0005,
        ),
        Level("Jaro-Winkler >= 0.92", "jaro_winkler", "surname", 0.92, m=0.08, u=0.003),
        Level(
            "surname is the other's given name",
            "equal_any",
            pairs=(("surname", "given_name"),),
            m=0.02,
            u=0.0002,
        ),
        Level(ONE_LETTER, "levenshtein", "surname", 1, m=0.01, u=0.0004),
        Level("Jaro-Winkler >= 0.80", "jaro_winkler", "surname", 0.80, m=0.03, u=0.02),
        _else(m=0.05, u=0.97),
    ),
)

_DATE_OF_BIRTH = Comparison(
    name="date_of_birth",
    description="Date of birth: exact, day/month swapped, one or two digits wrong, same month, within a year",
    display=("dob",),
    levels=(
        _null("dob"),
        Level("exact", "exact", "dob", tf_adjustment=True, m=0.85, u=0.0001),
        Level("day and month swapped", "equal_any", pairs=(("dob_swapped", "dob"),), m=0.01, u=0.0001),
        Level("one digit different", "levenshtein", "dob", 1, m=0.04, u=0.003),
        Level("same year and month", "prefix", "dob", 7, m=0.01, u=0.001),
        Level("within a year", "abs_diff", "dob_days", 365, m=0.02, u=0.02),
        Level("two digits different", "levenshtein", "dob", 2, m=0.02, u=0.03),
        _else(m=0.01, u=0.95),
    ),
)

_SAME_ADDRESS = Level("same address", "exact", "address")
_SAME_POSTCODE = Level("same postcode", "exact", "postcode")

# One comparison for where the person lives: postcode and address are not independent evidence
# (the same address almost always means the same postcode), and scoring them apart counts one
# household twice — enough to make a sibling look like the person.
_LOCATION = Comparison(
    name="location",
    description="Postcode and address together: same address, same postcode, near misses, sector, district",
    display=("address", "postcode"),
    levels=(
        Level("missing", "null", parts=(_null("postcode"), _null("address"))),
        Level("same address and postcode", "all_of", parts=(_SAME_ADDRESS, _SAME_POSTCODE), m=0.55, u=0.0003),
        Level("same address", "exact", "address", m=0.05, u=0.0001),
        Level(
            "same postcode, similar address",
            "all_of",
            parts=(_SAME_POSTCODE, Level("", "jaro_winkler", "address", 0.88)),
            m=0.05,
            u=0.0002,
        ),
        # One side has no address (many systems hold only a postcode): the same postcode is then
        # evidence for, not the "same postcode, different address" of two neighbours below.
        Level(
            "same postcode, address not recorded on one side",
            "all_of",
            parts=(_SAME_POSTCODE, _null("address")),
            m=0.1,
            u=0.0005,
        ),
        Level("same postcode", "exact", "postcode", tf_adjustment=True, m=0.05, u=0.0005),
        Level("similar address", "jaro_winkler", "address", 0.92, m=0.03, u=0.002),
        Level("postcode one character different", "levenshtein", "postcode", 1, m=0.02, u=0.002),
        Level("same postcode sector", "exact", "postcode_sector", m=0.05, u=0.005),
        Level("same postcode district", "exact", "postcode_outward", m=0.05, u=0.02),
        _else(m=0.15, u=0.97),
    ),
)

_SEX = Comparison(
    name="sex",
    description="Sex: same or different",
    display=("sex",),
    levels=(_null("sex"), Level("exact", "exact", "sex", m=0.97, u=0.5), _else(m=0.03, u=0.5)),
)

_NHS_NUMBER = Comparison(
    name="nhs_number",
    description="NHS number (check digit valid): same or different",
    display=("nhs_number",),
    levels=(
        _null("nhs_number"),
        Level("exact", "exact", "nhs_number", m=0.99, u=0.000001),
        _else(m=0.01, u=0.999999),
    ),
)

_OTHER_ID = Comparison(
    name="other_id",
    description="Another shared person identifier: same, one or two characters different",
    display=("other_id",),
    levels=(
        _null("other_id"),
        Level("exact", "exact", "other_id", m=0.9, u=0.00001),
        Level("one character different", "levenshtein", "other_id", 1, m=0.05, u=0.0001),
        Level("two characters different", "levenshtein", "other_id", 2, m=0.02, u=0.001),
        _else(m=0.03, u=0.99889),
    ),
)

#: The default model's comparisons, in the order their weights are reported.
DEFAULT_COMPARISONS: Final[tuple[Comparison, ...]] = (
    _GIVEN_NAME,
    _SURNAME,
    _DATE_OF_BIRTH,
    _LOCATION,
    _SEX,
    _NHS_NUMBER,
    _OTHER_ID,
)


def comparisons_by_name() -> dict[str, Comparison]:
    return {comparison.name: comparison for comparison in DEFAULT_COMPARISONS}
