"""NHS number check digits (modulus 11) and synthetic numbers from the 999 test range."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openmash.synth.nhs import (
    format_nhs_number,
    is_synthetic_nhs_number,
    is_valid_nhs_number,
    nhs_check_digit,
    synthetic_nhs_number,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def test_known_valid_number() -> None:
    # The example number used throughout NHS Digital documentation.
    assert nhs_check_digit("943476591") == 9
    assert is_valid_nhs_number("9434765919")
    assert is_valid_nhs_number("943 476 5919")
    assert is_valid_nhs_number("943-476-5919")
    assert not is_valid_nhs_number("9434765918")


def test_check_digit_eleven_becomes_zero() -> None:
    # A weighted sum divisible by 11 gives 11 - 0 = 11, which is written as 0.
    assert nhs_check_digit("000000000") == 0
    assert is_valid_nhs_number("0000000000")


def test_check_digit_ten_means_no_valid_number() -> None:
    stem = next(f"999{n:06d}" for n in range(1_000_000) if nhs_check_digit(f"999{n:06d}") is None)
    assert not any(is_valid_nhs_number(f"{stem}{d}") for d in range(10))


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678a", "١٢٣٤٥٦٧٨٩"])
def test_check_digit_rejects_malformed_input(bad: str) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        nhs_check_digit(bad)


@pytest.mark.parametrize("bad", ["", "943476591", "94347659190", "943476591X", "９４３４７６５９１９"])
def test_malformed_numbers_are_invalid(bad: str) -> None:
    assert not is_valid_nhs_number(bad)


@given(nine_digits)
def test_valid_numbers_round_trip(stem: str) -> None:
    check = nhs_check_digit(stem)
    valid = [d for d in range(10) if is_valid_nhs_number(f"{stem}{d}")]
    assert valid == ([] if check is None else [check])


@given(nine_digits, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_detected(stem: str, position: int, delta: int) -> None:
    check = nhs_check_digit(stem)
    if check is None:
        return
    digits = list(f"{stem}{check}")
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_nhs_number("".join(digits))


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=2**32))
def test_synthetic_numbers_are_valid_and_in_the_test_range(seed: int) -> None:
    number = synthetic_nhs_number(random.Random(seed))
    assert len(number) == 10 and number.startswith("999")
    assert is_valid_nhs_number(number)
    assert is_synthetic_nhs_number(number)
    assert 999_000_0000 <= int(number) <= 999_999_9999


def test_synthetic_numbers_are_deterministic() -> None:
    first = [synthetic_nhs_number(random.Random(5)) for _ in range(3)]
    assert first == [synthetic_nhs_number(random.Random(5)) for _ in range(3)]


def test_real_range_numbers_are_not_synthetic() -> None:
    assert not is_synthetic_nhs_number("9434765919")


def test_format() -> None:
    assert format_nhs_number("9434765919") == "943 476 5919"
