"""Normalisers: what a records officer would call the same name, date, postcode or NHS number."""

from __future__ import annotations

from datetime import date

import pytest

from openmash.linkage.engine.nicknames import canonical_given_name
from openmash.linkage.engine.normalise import (
    DATE_BEFORE_1900,
    DATE_IMPOSSIBLE,
    DATE_IN_FUTURE,
    DATE_UNRECOGNISED,
    NHS_BAD_CHECK_DIGIT,
    NHS_NOT_TEN_DIGITS,
    normalise_address,
    normalise_given_name,
    normalise_nhs,
    normalise_postcode,
    normalise_sex,
    normalise_surname,
    parse_date_of_birth,
    soundex,
    swap_day_month,
)

TODAY = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("nickname", "formal"),
    [
        ("Bill", "William"),
        ("liz", "Elizabeth"),
        ("BOB", "Robert"),
        ("Peggy", "Margaret"),
        ("Jack", "John"),
        ("Kate", "Katherine"),
        ("Cathy", "Catherine"),
        ("Becky", "Rebecca"),
        ("Alfie", "Alfred"),
    ],
)
def test_nicknames_share_the_formal_names_canonical_form(nickname: str, formal: str) -> None:
    short, full = normalise_given_name(nickname), normalise_given_name(formal)
    assert short is not None and full is not None
    assert short.name != full.name
    assert short.canonical == full.canonical


def test_a_nickname_of_two_names_joins_them_but_unrelated_names_stay_apart() -> None:
    assert (
        canonical_given_name("alex") == canonical_given_name("alexander") == canonical_given_name("alexandra")
    )
    assert canonical_given_name("william") != canonical_given_name("robert")
    assert canonical_given_name("zebedee") == "zebedee"


def test_given_name_drops_titles_accents_and_punctuation() -> None:
    given = normalise_given_name("  Mr. Zoë-Anne ")
    assert given is not None
    assert given.name == "zoeanne"
    assert given.canonical == "zoe"
    assert given.initial == "z"
    assert normalise_given_name("Dr") is None
    assert normalise_given_name("") is None


@pytest.mark.parametrize(
    ("raw", "name", "first", "last"),
    [
        ("Smith-Jones", "smithjones", "smith", "jones"),
        ("smith jones", "smithjones", "smith", "jones"),
        ("O'Brien", "obrien", "obrien", "obrien"),
        ("van der Berg", "vanderberg", "vanderberg", "vanderberg"),
        ("MACDONALD Jnr", "macdonald", "macdonald", "macdonald"),
        ("Núñez", "nunez", "nunez", "nunez"),
    ],
)
def test_surname_keeps_its_parts(raw: str, name: str, first: str, last: str) -> None:
    surname = normalise_surname(raw)
    assert surname is not None
    assert (surname.name, surname.first, surname.last) == (name, first, last)


@pytest.mark.parametrize(
    "raw",
    [
        "1985-03-12",
        "1985/03/12",
        "19850312",
        "12/03/1985",
        "12-03-1985",
        "12.03.1985",
        "12/3/85",
        "12 Mar 1985",
        "12-MAR-1985",
        "12th March 1985",
        "March 12, 1985",
        "1985-03-12T00:00:00",
        "1985-03-12 00:00:00",
    ],
)
def test_dates_of_birth_in_common_uk_forms(raw: str) -> None:
    assert parse_date_of_birth(raw, today=TODAY).value == date(1985, 3, 12)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("31/02/1990", DATE_IMPOSSIBLE),
        ("2030-01-01", DATE_IN_FUTURE),
        ("1850-05-05", DATE_BEFORE_1900),
        ("not known", DATE_UNRECOGNISED),
        ("1990-13-01", DATE_IMPOSSIBLE),
        ("12/34", DATE_UNRECOGNISED),
    ],
)
def test_invalid_dates_are_missing_with_a_reason(raw: str, reason: str) -> None:
    result = parse_date_of_birth(raw, today=TODAY)
    assert result.value is None
    assert result.reason == reason


def test_empty_date_is_missing_without_a_reason() -> None:
    assert parse_date_of_birth("  ", today=TODAY).reason is None


def test_two_digit_years_pivot_on_today() -> None:
    assert parse_date_of_birth("01/02/20", today=TODAY).value == date(2020, 2, 1)
    assert parse_date_of_birth("01/02/30", today=TODAY).value == date(1930, 2, 1)


def test_day_month_swap_only_when_it_is_another_real_date() -> None:
    assert swap_day_month(date(1990, 3, 4)) == date(1990, 4, 3)
    assert swap_day_month(date(1990, 3, 3)) is None
    assert swap_day_month(date(1990, 3, 13)) is None


@pytest.mark.parametrize(
    ("raw", "full", "sector", "outward"),
    [
        ("sw1a1aa", "SW1A 1AA", "SW1A 1", "SW1A"),
        (" ls6 2ab ", "LS6 2AB", "LS6 2", "LS6"),
        ("M1 1AE", "M1 1AE", "M1 1", "M1"),
        ("EC1A OBB", "EC1A 0BB", "EC1A 0", "EC1A"),
        ("GIR 0AA", "GIR 0AA", "GIR 0", "GIR"),
    ],
)
def test_uk_postcodes(raw: str, full: str, sector: str, outward: str) -> None:
    postcode = normalise_postcode(raw)
    assert postcode is not None and postcode.is_uk
    assert (postcode.full, postcode.sector, postcode.outward) == (full, sector, outward)


def test_a_non_uk_postcode_is_kept_for_exact_matching_only() -> None:
    postcode = normalise_postcode("4223")
    assert postcode is not None
    assert (postcode.full, postcode.sector, postcode.outward, postcode.is_uk) == ("4223", None, None, False)
    assert normalise_postcode("") is None


def test_nhs_number_check_digit() -> None:
    assert normalise_nhs("943 476 5919") == ("9434765919", None)
    assert normalise_nhs("943-476-5919") == ("9434765919", None)
    assert normalise_nhs("9434765918") == (None, NHS_BAD_CHECK_DIGIT)
    assert normalise_nhs("94347659") == (None, NHS_NOT_TEN_DIGITS)
    assert normalise_nhs(None) == (None, None)


def test_sex_codes() -> None:
    assert [normalise_sex(v) for v in ("M", "female", "1", "2", "U", "9", None)] == [
        "m",
        "f",
        "m",
        "f",
        None,
        None,
        None,
    ]


def test_address_expands_abbreviations_and_drops_the_postcode() -> None:
    assert normalise_address("12 High St., Leeds LS6 2AB") == normalise_address("12 high street leeds")
    assert normalise_address(" , ") is None


def test_soundex() -> None:
    assert [soundex(n) for n in ("robert", "rupert", "ashcraft", "tymczak", "pfister")] == [
        "r163",
        "r163",
        "a261",
        "t522",
        "p236",
    ]
