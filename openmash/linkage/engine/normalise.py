"""Normalisers for the identity fields an agency extract carries.

Every function here is pure, takes the raw text of one field and returns the normalised value
(``None`` when nothing usable is left) — the same function serves a one-person trawl query and,
mapped over the distinct values of a column, a million-record index, so both sides of a
comparison are always normalised identically.

* Names: case, accents, punctuation and titles are removed; a given name keeps its first token
  apart for the nickname table; surnames keep their parts so a double-barrelled or hyphenated
  surname can match on either part ("Smith-Jones" ~ "Jones").
* Dates of birth: ISO ``YYYY-MM-DD`` and the common UK forms (``DD/MM/YYYY``, ``12 Mar 1985``,
  ``19850312`` ...). An invalid date becomes ``None`` with a reason; a possible day/month swap is a
  comparison level, not a guess made here.
* UK postcodes: spacing and case normalised, the format validated, outward code and sector kept
  for partial matches. A value that is not a UK postcode is kept (cleaned) for exact matching only.
* NHS numbers: the modulus-11 check digit (:mod:`openmash.core.nhs`); an invalid number is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Final

from openmash.core.nhs import is_valid_nhs_number, normalise_nhs_number
from openmash.linkage.engine.nicknames import canonical_given_name

__all__ = [
    "DATE_BEFORE_1900",
    "DATE_IN_FUTURE",
    "DATE_IMPOSSIBLE",
    "DATE_UNRECOGNISED",
    "NHS_BAD_CHECK_DIGIT",
    "NHS_NOT_TEN_DIGITS",
    "POSTCODE_NOT_UK",
    "DateResult",
    "GivenName",
    "Postcode",
    "Surname",
    "normalise_address",
    "normalise_given_name",
    "normalise_nhs",
    "normalise_postcode",
    "normalise_sex",
    "normalise_surname",
    "normalise_text",
    "parse_date_of_birth",
    "soundex",
    "swap_day_month",
]

# Reasons a value was dropped or kept only partly; module constants so tests and reports can name them.
DATE_UNRECOGNISED: Final = "unrecognised date format"
DATE_IMPOSSIBLE: Final = "impossible date"
DATE_IN_FUTURE: Final = "date of birth in the future"
DATE_BEFORE_1900: Final = "date of birth before 1900"
POSTCODE_NOT_UK: Final = "not a UK postcode (kept for exact matching only)"
NHS_NOT_TEN_DIGITS: Final = "NHS number is not ten digits"
NHS_BAD_CHECK_DIGIT: Final = "NHS number fails its check digit"

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = str.maketrans("", "", "'’‘`´")

_TITLES: Final = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "master",
        "sir",
        "dame",
        "lady",
        "lord",
        "rev",
        "revd",
        "prof",
        "fr",
        "sr",
        "mstr",
    }
)
_SURNAME_SUFFIXES: Final = frozenset({"jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv"})
# Particles that belong to the following word of a surname: "van der Berg" is one part, "vanderberg".
_SURNAME_PARTICLES: Final = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "la",
        "le",
        "du",
        "da",
        "di",
        "del",
        "della",
        "dos",
        "das",
        "st",
        "saint",
        "al",
        "el",
        "ap",
        "ter",
        "ten",
    }
)


def normalise_text(raw: str | None) -> str:
    """Lower case ASCII words separated by single spaces: accents and punctuation removed.

    Apostrophes join (``O'Brien`` -> ``obrien``); any other punctuation separates words.
    """
    if not raw:
        return ""
    if raw.isascii():
        ascii_only = raw.replace("'", "").replace("`", "").lower()
    else:
        decomposed = unicodedata.normalize("NFKD", raw.translate(_APOSTROPHES))
        ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM.sub(" ", ascii_only).strip()


@dataclass(frozen=True, slots=True)
class GivenName:
    name: str
    """All given-name words joined without spaces (``Mary-Jane`` and ``Mary Jane`` -> ``maryjane``)."""
    canonical: str
    """The nickname table's canonical form of the first word (``Bill`` -> ``william``)."""
    initial: str


@lru_cache(maxsize=65536)
def normalise_given_name(raw: str | None) -> GivenName | None:
    """Normalise a given-name field; titles (``Mr``, ``Dr`` ...) are dropped."""
    words = [word for word in normalise_text(raw).split() if word not in _TITLES]
    if not words:
        return None
    return GivenName(name="".join(words), canonical=canonical_given_name(words[0]), initial=words[0][0])


@dataclass(frozen=True, slots=True)
class Surname:
    name: str
    """Every part joined without spaces: ``Smith-Jones``, ``Smith Jones`` -> ``smithjones``."""
    first: str
    """First part (``smith``); the whole name when it has one part."""
    last: str
    """Last part (``jones``); the whole name when it has one part."""


@lru_cache(maxsize=65536)
def normalise_surname(raw: str | None) -> Surname | None:
    """Normalise a family-name field into the whole name and its first and last parts."""
    words = [word for word in normalise_text(raw).split() if word not in _TITLES]
    while len(words) > 1 and words[-1] in _SURNAME_SUFFIXES:
        words.pop()
    parts: list[str] = []
    pending = ""
    for word in words:
        if word in _SURNAME_PARTICLES:
            pending += word
            continue
        parts.append(pending + word)
        pending = ""
    if pending:
        parts.append(pending)
    if not parts:
        return None
    return Surname(name="".join(parts), first=parts[0], last=parts[-1])


_SOUNDEX_CODES: Final = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def soundex(name: str) -> str:
    """American Soundex of a lower-case ASCII name (``robert`` -> ``r163``); empty for empty input."""
    letters = [ch for ch in name if "a" <= ch <= "z"]
    if not letters:
        return ""
    out = [letters[0]]
    previous = _SOUNDEX_CODES.get(letters[0], "")
    for ch in letters[1:]:
        code = _SOUNDEX_CODES.get(ch, "")
        if code and code != previous:
            out.append(code)
            if len(out) == 4:
                break
        if ch not in "hw":
            previous = code
    return "".join(out).ljust(4, "0")


# --- dates of birth ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateResult:
    value: date | None
    reason: str | None = None
    """Why a non-empty input gave no date (one of the ``DATE_*`` constants); ``None`` otherwise."""


_MONTHS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?z?)?")
_DMY = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_DIGITS8 = re.compile(r"\d{8}")
_D_MON_Y = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[-/. ]*([a-z]{3,9})[-/., ]*(\d{4}|\d{2})")
_MON_D_Y = re.compile(r"([a-z]{3,9})[-/. ]*(\d{1,2})(?:st|nd|rd|th)?[-/., ]*(\d{4})")


def _two_digit_year(yy: int, today: date) -> int:
    year = 2000 + yy
    return year if year <= today.year else 1900 + yy


def _checked(year: int, month: int, day: int, today: date) -> DateResult:
    try:
        value = date(year, month, day)
    except ValueError:
        return DateResult(None, DATE_IMPOSSIBLE)
    if value > today:
        return DateResult(None, DATE_IN_FUTURE)
    if value.year < 1900:
        return DateResult(None, DATE_BEFORE_1900)
    return DateResult(value)


def parse_date_of_birth(raw: str | None, *, today: date | None = None) -> DateResult:
    """Parse a date of birth written as ISO or in a common UK form.

    Accepted: ``1985-03-12`` (optionally with a time), ``1985/03/12``, ``19850312``, ``12/03/1985``,
    ``12-03-1985``, ``12.03.1985``, ``12/03/85`` (two-digit years pivot on ``today``), ``12 Mar
    1985``, ``12-MAR-1985``, ``12th March 1985``, ``March 12, 1985``. Numeric dates are read day
    first, as in the UK. Empty input gives ``DateResult(None)`` with no reason (missing is not
    an error); anything else that is not a real date in 1900..today gives ``None`` and a reason.
    """
    text = (raw or "").strip().lower()
    if not text:
        return DateResult(None)
    today = today or datetime.now(UTC).date()
    if m := _ISO.fullmatch(text):
        return _checked(int(m[1]), int(m[2]), int(m[3]), today)
    if _DIGITS8.fullmatch(text):
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
        if 1900 <= year <= today.year:
            return _checked(year, month, day, today)
        return _checked(int(text[4:]), int(text[2:4]), int(text[:2]), today)  # DDMMYYYY
    if m := _DMY.fullmatch(text):
        year = int(m[3]) if len(m[3]) == 4 else _two_digit_year(int(m[3]), today)
        return _checked(year, int(m[2]), int(m[1]), today)
    if (m := _D_MON_Y.fullmatch(text)) and m[2] in _MONTHS:
        year = int(m[3]) if len(m[3]) == 4 else _two_digit_year(int(m[3]), today)
        return _checked(year, _MONTHS[m[2]], int(m[1]), today)
    if (m := _MON_D_Y.fullmatch(text)) and m[1] in _MONTHS:
        return _checked(int(m[3]), _MONTHS[m[1]], int(m[2]), today)
    return DateResult(None, DATE_UNRECOGNISED)


def swap_day_month(value: date) -> date | None:
    """The date with day and month exchanged, when that is a different real date (3/4 <-> 4/3)."""
    if value.day > 12 or value.day == value.month:
        return None
    try:
        return value.replace(month=value.day, day=value.month)
    except ValueError:
        return None


# --- postcodes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Postcode:
    full: str
    """``SW1A 1AA`` for a UK postcode; the cleaned upper-case text otherwise."""
    sector: str | None
    """``SW1A 1``: outward code and the first character of the inward code (UK only)."""
    outward: str | None
    """``SW1A``: the postcode district (UK only)."""

    @property
    def is_uk(self) -> bool:
        return self.outward is not None


# Outward code: area (1-2 letters) + district (digit, then an optional digit or letter);
# inward code: a digit and two letters (which never include C, I, K, M, O or V).
_UK_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})")
_INWARD_DIGIT_FIXES = str.maketrans({"O": "0", "I": "1"})


@lru_cache(maxsize=262144)
def normalise_postcode(raw: str | None) -> Postcode | None:
    """Normalise a postcode; ``None`` when empty. Non-UK values keep only ``full``."""
    cleaned = re.sub(r"[^A-Z0-9]", "", (raw or "").upper())
    if not cleaned:
        return None
    if cleaned == "GIR0AA":
        return Postcode("GIR 0AA", "GIR 0", "GIR")
    candidate = cleaned
    if len(cleaned) >= 5 and not cleaned[-3].isdigit():
        # A letter O typed for the zero that starts the inward code ("SW1A OAA").
        candidate = cleaned[:-3] + cleaned[-3].translate(_INWARD_DIGIT_FIXES) + cleaned[-2:]
    if m := _UK_POSTCODE.fullmatch(candidate):
        outward, inward = m[1], m[2]
        return Postcode(f"{outward} {inward}", f"{outward} {inward[0]}", outward)
    return Postcode(cleaned, None, None)


# --- NHS number, sex and address ----------------------------------------------------------------


def normalise_nhs(raw: str | None) -> tuple[str | None, str | None]:
    """``(digits, None)`` for a valid NHS number, ``(None, reason)`` for an invalid one."""
    text = (raw or "").strip()
    if not text:
        return None, None
    digits = normalise_nhs_number(text)
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return None, NHS_NOT_TEN_DIGITS
    if not is_valid_nhs_number(digits):
        return None, NHS_BAD_CHECK_DIGIT
    return digits, None


_SEX: Final = {
    "m": "m",
    "male": "m",
    "man": "m",
    "boy": "m",
    "1": "m",
    "f": "f",
    "female": "f",
    "woman": "f",
    "girl": "f",
    "2": "f",
}


def normalise_sex(raw: str | None) -> str | None:
    """``m`` or ``f`` (NHS codes 1 and 2 accepted); unknown, not stated (0, 9, U) -> ``None``."""
    return _SEX.get((raw or "").strip().lower())


_ADDRESS_WORDS: Final = {
    "rd": "road",
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "cres": "crescent",
    "cresc": "crescent",
    "dr": "drive",
    "drv": "drive",
    "ct": "court",
    "crt": "court",
    "gdns": "gardens",
    "gdn": "gardens",
    "pl": "place",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "pk": "park",
    "grn": "green",
    "gr": "grove",
    "gro": "grove",
    "hse": "house",
    "apt": "flat",
    "apartment": "flat",
    "no": "",
}
_POSTCODE_IN_TEXT = re.compile(r"\b[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}\b")


@lru_cache(maxsize=262144)
def normalise_address(raw: str | None) -> str | None:
    """Lower-case words with the usual abbreviations expanded and any postcode removed."""
    text = normalise_text(raw)
    if any(ch.isdigit() for ch in text[-8:]):
        text = _POSTCODE_IN_TEXT.sub(" ", text)
    words = [_ADDRESS_WORDS.get(word, word) for word in text.split()]
    joined = " ".join(word for word in words if word)
    return joined or None


def clear_caches() -> None:
    """Forget the normalised values kept for repeated lookups. A long build calls it between
    chunks: the kept values are scattered over the memory each chunk used, and would otherwise stop
    the allocator from giving any of it back."""
    for cached in (normalise_given_name, normalise_surname, normalise_postcode, normalise_address):
        cached.cache_clear()
