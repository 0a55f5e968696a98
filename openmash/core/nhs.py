"""NHS numbers: the modulus-11 check digit, normalising and formatting. Pure functions with no
dependencies, used wherever a number is entered or matched (referrals, people, the linkage engine).

An NHS number is ten digits: nine digits followed by a modulus-11 check digit.
Each of the first nine digits is multiplied by a weight from 10 down to 2, the
products are summed, and the check digit is ``11 - (sum % 11)``; a result of 11
becomes 0 and a result of 10 means the nine digits cannot form a valid number.
"""

from __future__ import annotations

__all__ = ["format_nhs_number", "is_valid_nhs_number", "nhs_check_digit", "normalise_nhs_number"]

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_SEPARATORS = str.maketrans("", "", " -")


def nhs_check_digit(nine_digits: str) -> int | None:
    """Return the modulus-11 check digit for ``nine_digits``.

    Returns ``None`` when the check digit would be 10: no valid NHS number
    starts with those nine digits.

    Raises ``ValueError`` unless ``nine_digits`` is exactly nine ASCII digits.
    """
    if len(nine_digits) != 9 or not (nine_digits.isascii() and nine_digits.isdigit()):
        raise ValueError(f"expected nine digits, got {nine_digits!r}")
    total = sum(int(digit) * weight for digit, weight in zip(nine_digits, _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(s: str) -> str:
    """Strip surrounding whitespace and the usual spaces or hyphens (``999 123 4567``)."""
    return s.strip().translate(_SEPARATORS)


def is_valid_nhs_number(s: str) -> bool:
    """True when ``s`` is ten digits (spaces/hyphens allowed) with a correct check digit."""
    digits = normalise_nhs_number(s)
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def format_nhs_number(s: str) -> str:
    """Format as ``999 123 4567`` (the 3-3-4 grouping used on NHS documents)."""
    digits = normalise_nhs_number(s)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
