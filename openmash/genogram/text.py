"""Words for the genogram: ages, label lines, text widths and XML escaping."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from openmash.genogram.model import GenoPerson

# Advance widths of Arial (and the metric-compatible Liberation Sans) in thousandths of an em.
_ARIAL: dict[str, int] = {
    " ": 278, "!": 278, '"': 355, "#": 556, "$": 556, "%": 889, "&": 667, "'": 191, "(": 333,
    ")": 333, "*": 389, "+": 584, ",": 278, "-": 333, ".": 278, "/": 278, ":": 278, ";": 278,
    "<": 584, "=": 584, ">": 584, "?": 556, "@": 1015, "[": 278, "]": 278, "_": 556, "`": 333,
    "{": 334, "|": 260, "}": 334, "~": 584, "\u2019": 222, "\u2018": 222, "\u2026": 1000,
    "\u00b7": 278, "\u2013": 556,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278,
    "J": 500, "K": 667, "L": 556, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722,
    "S": 667, "T": 611, "U": 722, "V": 667, "W": 944, "X": 667, "Y": 667, "Z": 611,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222,
    "j": 222, "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333,
    "s": 500, "t": 278, "u": 556, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
}  # fmt: skip
_BOLD_FACTOR = 1.1
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """An estimate of the rendered width of ``text`` in Arial at ``size`` pixels (slightly generous)."""
    total = 0
    for char in text:
        if char in _ARIAL:
            total += _ARIAL[char]
        elif char.isdigit():
            total += 556
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 1000
        elif unicodedata.combining(char):
            continue
        else:
            total += 620
    width = total * size / 1000
    return width * _BOLD_FACTOR if bold else width


def wrap(text: str, size: float, max_width: float, *, bold: bool = False, max_lines: int = 2) -> list[str]:
    """Break ``text`` at spaces into at most ``max_lines`` lines no wider than ``max_width``; the last
    line is shortened with an ellipsis if the text still does not fit."""
    words = text.split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold=bold) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])]
    last = lines[-1]
    if text_width(last, size, bold=bold) > max_width:
        while last and text_width(last + "\u2026", size, bold=bold) > max_width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "\u2026"
    return [line for line in lines if line]


def clean(text: str) -> str:
    """Remove characters that XML 1.0 cannot carry at all."""
    return _INVALID_XML.sub("", text)


def esc_text(text: str) -> str:
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc_text(text).replace('"', "&quot;").replace("'", "&#39;")


def whole_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def whole_months(born: date, on: date) -> int:
    return (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)


def _age_words(born: date, on: date) -> str:
    years = whole_years(born, on)
    if years >= 1:
        return str(years)
    months = whole_months(born, on)
    if months < 1:
        return "under 1 month"
    return "1 month" if months == 1 else f"{months} months"


def age_label(person: GenoPerson, as_of: date) -> str:
    """The line under a symbol: "Age 8", "Age 9 months", "d. 2019, aged 69", "Age not known"."""
    dob, dod = person.date_of_birth, person.date_of_death
    if dod is not None:
        if dob is not None and dob <= dod:
            return f"d. {dod.year}, aged {_age_words(dob, dod)}"
        return f"d. {dod.year}"
    if person.is_deceased:
        return "Deceased"
    if dob is None:
        return "Age not known"
    if dob > as_of:
        return "Not yet born"
    return f"Age {_age_words(dob, as_of)}"


def age_phrase(person: GenoPerson, as_of: date) -> str:
    """The words in brackets after a name in a sentence: "8", "11 months", "died 2019, aged 69"."""
    dob, dod = person.date_of_birth, person.date_of_death
    if dod is not None:
        if dob is not None and dob <= dod:
            return f"died {dod.year}, aged {_age_words(dob, dod)}"
        return f"died {dod.year}"
    if person.is_deceased:
        return "deceased"
    if dob is None:
        return "age not known"
    if dob > as_of:
        return "not yet born"
    return _age_words(dob, as_of)


#: The longest age line a label can have, for reserving space before ``as_of`` is known.
AGE_LINE_SAMPLES = ("d. 2000, aged 10 months", "Age under 1 month", "Age not known")


def age_line_reserve(person: GenoPerson) -> str:
    """The widest age line this person can have at any ``as_of`` (layout happens before ``as_of``)."""
    if person.date_of_death is not None or person.is_deceased:
        return age_label(person, date.max)
    if person.date_of_birth is None:
        return "Age not known"
    return "Age 11 months"
