"""Escaping, ages, label wrapping, and the relationships as sentences."""

from __future__ import annotations

from datetime import date

import pytest

from openmash.genogram import (
    Family,
    FamilyError,
    GenoHousehold,
    GenoPerson,
    GenoRelationship,
    relationship_list,
    render_svg,
)
from openmash.genogram.tests.families import AS_OF, blended_family
from openmash.genogram.tests.helpers import parse, tag, with_attr
from openmash.genogram.text import age_label, esc_attr, text_width, wrap

NASTY = 'Kai "K" O\'Neil & <b>Smith</b> ]]> \x07'


def nasty_family() -> Family:
    return Family(
        [
            GenoPerson("a&b", NASTY, "male", date(2016, 5, 1), is_subject=True),
            GenoPerson("m<1>", "Zoë Ångström-Łukasz", "female", date(1990, 1, 1)),
        ],
        [GenoRelationship("parent", "m<1>", "a&b"), GenoRelationship("carer", "m<1>", "a&b", 'nan & "gran"')],
        [GenoHousehold('h"1', ("a&b", "m<1>"), "<Flat 2> & 'Co'")],
    )


def test_every_text_is_escaped_and_the_document_still_parses() -> None:
    svg = render_svg(nasty_family(), as_of=AS_OF)
    root = parse(svg)
    assert "<b>" not in svg and "\x07" not in svg
    (group,) = with_attr(root, "data-person-id", "a&b")
    clean = NASTY.replace("\x07", "")
    assert ([e.text for e in group if tag(e) == "text"][0] or "").startswith('Kai "K"')
    assert group.findtext("{http://www.w3.org/2000/svg}title", "").startswith(clean)
    assert [e.text for e in with_attr(root, "data-household-label")] == ["<Flat 2> & 'Co'"]
    assert with_attr(root, "data-household-id", 'h"1')
    assert clean in root.findtext("{http://www.w3.org/2000/svg}desc", "")
    assert 'carer (nan & "gran")' in [e.text for e in with_attr(root, "data-role")]


def test_escaping_helpers() -> None:
    assert esc_attr("a&<>\"'") == "a&amp;&lt;&gt;&quot;&#39;"


@pytest.mark.parametrize(
    ("person", "label"),
    [
        (GenoPerson("x", "X", "male", date(2017, 6, 18)), "Age 8"),
        (GenoPerson("x", "X", "male", date(2017, 3, 1)), "Age 9"),
        (GenoPerson("x", "X", "male", date(2017, 3, 2)), "Age 8"),
        (GenoPerson("x", "X", "female", date(2025, 5, 20)), "Age 9 months"),
        (GenoPerson("x", "X", "female", date(2026, 2, 10)), "Age under 1 month"),
        (GenoPerson("x", "X", "female", date(2026, 6, 1)), "Not yet born"),
        (GenoPerson("x", "X", "unknown"), "Age not known"),
        (GenoPerson("x", "X", "male", date(1950, 1, 20), date(2019, 11, 2)), "d. 2019, aged 69"),
        (GenoPerson("x", "X", "male", None, date(2019, 11, 2)), "d. 2019"),
        (GenoPerson("x", "X", "male", date(1950, 1, 20), deceased=True), "Deceased"),
    ],
)
def test_age_labels(person: GenoPerson, label: str) -> None:
    assert age_label(person, AS_OF) == label


def test_long_names_wrap_onto_two_lines_and_are_shortened_after_that() -> None:
    assert wrap("Jayden Whitmore", 12, 104) == ["Jayden Whitmore"]
    lines = wrap("Anna-Maria Konstantinopoulou Fitzgerald-Smythe", 12, 104)
    assert len(lines) == 2 and all(text_width(line, 12) <= 104 for line in lines)
    assert lines[-1].endswith("\u2026")


def test_relationship_sentences_for_the_blended_family() -> None:
    assert relationship_list(blended_family(), as_of=AS_OF) == [
        "Jayden Whitmore (8, child referred) is the son of Kerry Whitmore (34) and Dean Whitmore (36)",
        "Kerry Whitmore and Dean Whitmore are divorced",
        "Lee Parker (30) is Jayden's step-father, Kerry's partner",
        "Chloe Whitmore (11) is Jayden's sister",
        "Mia Parker (1) is Jayden's half-sister, the daughter of Kerry Whitmore and Lee Parker",
        "Sandra Hollis (68) is Jayden's grandmother",
        "Maureen O'Neill (55) is Jayden's carer (childminder)",
        "Sam Reid (age not known) is a significant adult in Jayden's life",
        "Tyler Parker (6) is the son of Shannon Price (29) and Lee Parker",
        "Leanne Whitmore (40) and Dean Whitmore are the children of Patricia Whitmore (65) and "
        "Ronald Whitmore (67)",
        "Kerry Whitmore is the daughter of Sandra Hollis and Brian Hollis (died 2019, aged 69)",
        "Lee Parker and Shannon Price were partners and have separated",
        "Sandra Hollis was married to Brian Hollis, who has died",
        "Patricia Whitmore and Ronald Whitmore are married",
        "Lee Parker is Chloe's step-father, Kerry's partner",
        "14 Elm Road: Kerry Whitmore, Lee Parker, Chloe Whitmore, Jayden Whitmore and Mia Parker "
        "live together",
        "3 Oak Close: Ronald Whitmore, Patricia Whitmore and Dean Whitmore live together",
    ]


def test_every_person_is_named_in_the_sentences() -> None:
    family = blended_family()
    text = " ".join(relationship_list(family, as_of=AS_OF))
    for person in family.people:
        assert person.name in text


def test_sentences_for_other_kinds_and_people_without_relationships() -> None:
    family = Family(
        [
            GenoPerson("kid", "Ava Stone", "female", date(2018, 1, 1), is_subject=True),
            GenoPerson("dad", "Tom Stone", "male", date(1985, 1, 1)),
            GenoPerson("ex", "Gail Moss", "female", date(1986, 1, 1)),
            GenoPerson("bro", "Max Stone", "male", date(2012, 1, 1)),
            GenoPerson("nan", "Jean Stone", "female", date(1950, 1, 1)),
            GenoPerson("lodger", "Pat Lane", "other"),
            GenoPerson("alone", "Ray Fox", "male", date(1970, 1, 1)),
        ],
        [
            GenoRelationship("parent", "dad", "kid"),
            GenoRelationship("ex_partner", "dad", "ex"),
            GenoRelationship("sibling", "bro", "kid"),
            GenoRelationship("grandparent", "nan", "kid"),
            GenoRelationship("household_member", "lodger", "kid"),
        ],
    )
    sentences = relationship_list(family, as_of=AS_OF)
    assert sentences[0] == "Ava Stone (8, child referred) is the daughter of Tom Stone (41)"
    assert "Max Stone (14) is Ava's brother" in sentences
    assert "Jean Stone (76) is Ava's grandmother" in sentences
    assert "Pat Lane (age not known) and Ava Stone live in the same household" in sentences
    assert "Tom Stone and Gail Moss (40) were partners and have separated" in sentences
    assert sentences[-1] == "Ray Fox (56) has no relationships recorded"


def test_married_separated_and_widowed_sentences() -> None:
    people = [
        GenoPerson("a", "Al Roe", "male", date(1980, 1, 1)),
        GenoPerson("b", "Bo Roe", "female", date(1981, 1, 1)),
    ]
    assert relationship_list(
        Family(people, [GenoRelationship("spouse", "a", "b", "separated")]), as_of=AS_OF
    ) == ["Al Roe (46) and Bo Roe (45) are married but separated"]
    assert relationship_list(Family(people, [GenoRelationship("spouse", "a", "b")]), as_of=AS_OF) == [
        "Al Roe (46) and Bo Roe (45) are married"
    ]
    assert relationship_list(
        Family(people, [GenoRelationship("partner", "a", "b", "divorced")]), as_of=AS_OF
    ) == ["Al Roe (46) and Bo Roe (45) are divorced"]


@pytest.mark.parametrize(
    "family",
    [
        Family([GenoPerson("a", "A"), GenoPerson("a", "B")]),
        Family([GenoPerson("a", "A")], [GenoRelationship("parent", "a", "nobody")]),
        Family([GenoPerson("a", "A"), GenoPerson("b", "B")], [GenoRelationship("cousin", "a", "b")]),  # type: ignore[arg-type]
        Family([GenoPerson("a", "A")], [GenoRelationship("parent", "a", "a")]),
        Family(
            [GenoPerson("a", "A"), GenoPerson("b", "B")], [GenoRelationship("spouse", "a", "b", "engaged")]
        ),
        Family([GenoPerson("a", "A", "alien")]),  # type: ignore[arg-type]
        Family([GenoPerson("a", "A")], [], [GenoHousehold("h", ("a", "zz"))]),
    ],
)
def test_families_that_cannot_be_drawn_are_refused(family: Family) -> None:
    with pytest.raises(FamilyError):
        render_svg(family, as_of=AS_OF)
