"""Same family, same bytes: whatever the input order, and whatever the interpreter's hash seed."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from dataclasses import replace

import pytest

from openmash.genogram import Family, render_svg
from openmash.genogram.tests.families import AS_OF, blended_family, random_family


def shuffled(family: Family, seed: int) -> Family:
    rng = random.Random(seed)
    people = list(family.people)
    rels = list(family.relationships)
    households = [
        replace(h, member_ids=tuple(rng.sample(h.member_ids, len(h.member_ids)))) for h in family.households
    ]
    rng.shuffle(people)
    rng.shuffle(rels)
    rng.shuffle(households)
    return Family(people, rels, households)


@pytest.mark.parametrize("seed", range(8))
def test_shuffled_input_gives_byte_identical_svg(seed: int) -> None:
    family = blended_family()
    assert render_svg(shuffled(family, seed), as_of=AS_OF) == render_svg(family, as_of=AS_OF)


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_shuffled_random_families_give_byte_identical_svg(seed: int) -> None:
    family = random_family(seed, couples=3)
    expected = render_svg(family, as_of=AS_OF)
    for order in range(3):
        assert render_svg(shuffled(family, order), as_of=AS_OF) == expected


def test_duplicate_relationships_do_not_change_the_picture() -> None:
    family = blended_family()
    doubled = Family(family.people, list(family.relationships) * 2, family.households)
    assert render_svg(doubled, as_of=AS_OF) == render_svg(family, as_of=AS_OF)


def test_output_does_not_depend_on_the_hash_seed() -> None:
    """Sets and dicts keyed by strings iterate in hash order; a different PYTHONHASHSEED would expose
    any place where that order leaks into the drawing."""
    code = (
        "import hashlib;"
        "from openmash.genogram import render_svg;"
        "from openmash.genogram.tests.families import AS_OF, blended_family, random_family;"
        "print(hashlib.sha256((render_svg(blended_family(), as_of=AS_OF)"
        " + render_svg(random_family(5, couples=3), as_of=AS_OF)).encode()).hexdigest())"
    )
    here = hashlib.sha256(
        (
            render_svg(blended_family(), as_of=AS_OF) + render_svg(random_family(5, couples=3), as_of=AS_OF)
        ).encode()
    ).hexdigest()
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == here
