"""Invariants that must hold for any family, checked on many random families and on awkward data."""

from __future__ import annotations

import itertools
import re
import time
from datetime import date

import pytest

from openmash.genogram import Family, GenoHousehold, GenoPerson, GenoRelationship, layout, render_svg
from openmash.genogram.layout import Layout
from openmash.genogram.tests.families import AS_OF, random_family
from openmash.genogram.tests.helpers import parse, polygon_contains, relationship_tokens, with_attr


def check_invariants(family: Family) -> Layout:
    svg = render_svg(family, as_of=AS_OF)
    root = parse(svg)
    assert not re.search(r'\sstyle="', svg)
    drawn = sorted(e.attrib["data-person-id"] for e in with_attr(root, "data-person-id"))
    assert drawn == sorted(p.id for p in family.people)
    assert {r.key for r in family.relationships} <= relationship_tokens(root)
    placed = layout(family)
    people = list(placed.people.values())
    for a, b in itertools.combinations(people, 2):
        ax0, ay0, ax1, ay1 = a.box()
        bx0, by0, bx1, by1 = b.box()
        assert ax1 < bx0 or bx1 < ax0 or ay1 < by0 or by1 < ay0, (a.id, b.id)
        if a.generation == b.generation:
            assert abs(a.x - b.x) >= a.extent + b.extent, (a.id, b.id)
    born = {p.id: p.date_of_birth for p in family.people}
    for union in placed.unions:
        xs = [placed.people[c].x for c in union.children]
        assert xs == sorted(xs)
        known = [d for d in (born[c] for c in union.children) if d is not None]
        assert known == sorted(known)
    for household in placed.households:
        for person in people:
            inside = any(polygon_contains(piece, person.x, person.y) for piece in household.pieces)
            assert inside == (person.id in household.member_ids), (household.id, person.id)
    return placed


@pytest.mark.parametrize("seed", range(30))
def test_random_families_keep_every_invariant(seed: int) -> None:
    check_invariants(random_family(seed, couples=1 + seed % 4))


def test_a_large_family_is_laid_out_quickly() -> None:
    family = random_family(102, couples=6)
    assert len(family.people) >= 70
    started = time.perf_counter()
    check_invariants(family)
    assert time.perf_counter() - started < 10


def person(pid: str, sex: str = "female", year: int | None = 1990, **kw: object) -> GenoPerson:
    return GenoPerson(pid, pid.title(), sex, date(year, 1, 1) if year else None, **kw)  # type: ignore[arg-type]


def test_a_parent_with_three_partners() -> None:
    family = Family(
        [person("mum"), person("a", "male"), person("b", "male"), person("c", "male")]
        + [person(f"k{i}", "male" if i % 2 else "female", 2010 + i) for i in range(4)],
        [
            GenoRelationship("partner", "mum", "a", "separated"),
            GenoRelationship("ex_partner", "mum", "b"),
            GenoRelationship("partner", "mum", "c"),
            GenoRelationship("parent", "mum", "k0"),
            GenoRelationship("parent", "a", "k0"),
            GenoRelationship("parent", "mum", "k1"),
            GenoRelationship("parent", "b", "k1"),
            GenoRelationship("parent", "mum", "k2"),
            GenoRelationship("parent", "c", "k2"),
            GenoRelationship("parent", "mum", "k3"),
        ],
    )
    placed = check_invariants(family)
    assert sum(u.arched for u in placed.unions) == 1  # one partner cannot stand beside her


def test_awkward_data_still_draws() -> None:
    family = Family(
        [
            person("p1", "male", 1960),
            person("p2", "female", 1962),
            person("p3", "unknown", None),
            person("kid", "male", 2015, is_subject=True),
            person("twin", "female", 2015),
            person("sib", "other", 2012),
            person("gran", "female", 1940),
            person("loop1", "male", 1970),
            person("loop2", "male", 1971),
            person("old", "male", 1930),
        ],
        [
            GenoRelationship("parent", "p1", "kid"),
            GenoRelationship("parent", "p2", "kid"),
            GenoRelationship("parent", "p3", "kid"),  # three parents
            GenoRelationship("sibling", "sib", "twin"),  # siblings with no parents recorded
            GenoRelationship("grandparent", "gran", "twin"),  # grandparent without the parent between
            GenoRelationship("parent", "loop1", "loop2"),
            GenoRelationship("parent", "loop2", "loop1"),  # a cycle
            GenoRelationship("spouse", "old", "p2"),  # partners across generations
            GenoRelationship("step_parent", "old", "kid"),
        ],
        [GenoHousehold("h", ("kid", "gran", "loop1"), "Scattered")],
    )
    check_invariants(family)


def test_a_person_in_no_relationship_and_a_one_person_household() -> None:
    check_invariants(
        Family([person("x", "male", 1980), person("y")], [], [GenoHousehold("h", ("x",), "Alone")])
    )
