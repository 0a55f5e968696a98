"""Synthetic NHS numbers, always drawn from the range 999 000 0000 – 999 999 9999, which NHS England
reserves for testing and never issues to a patient. The check digit itself is
:mod:`openmash.core.nhs` (re-exported here for the generator and its tests).
"""

from __future__ import annotations

import random

from openmash.core.nhs import format_nhs_number, is_valid_nhs_number, nhs_check_digit, normalise_nhs_number

__all__ = [
    "SYNTHETIC_PREFIX",
    "format_nhs_number",
    "is_synthetic_nhs_number",
    "is_valid_nhs_number",
    "normalise_nhs_number",
    "nhs_check_digit",
    "synthetic_nhs_number",
]

#: The first three digits of every number in the NHS test range.
SYNTHETIC_PREFIX = "999"


def is_synthetic_nhs_number(s: str) -> bool:
    """True when ``s`` is a valid NHS number in the reserved 999 test range."""
    return is_valid_nhs_number(s) and normalise_nhs_number(s).startswith(SYNTHETIC_PREFIX)


def synthetic_nhs_number(rng: random.Random) -> str:
    """Draw a valid NHS number from the 999 test range using ``rng``."""
    while True:
        nine = f"{SYNTHETIC_PREFIX}{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(nine)
        if check is not None:
            return f"{nine}{check}"
