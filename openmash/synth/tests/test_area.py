"""Tests for the synthetic local-area generator (pure Python: no Django, no database)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import cache
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openmash.synth import (
    CONCERN_CATEGORIES,
    ETHNICITY_CODES,
    PARTNERSHIP_KINDS,
    RELATIONSHIP_KINDS,
    SYMMETRIC_KINDS,
    Area,
    Person,
    area_to_json,
    generate_area,
    re_referral_ids,
)
from openmash.synth import _referrals as texts
from openmash.synth.area import AGENCY_KINDS, age_on
from openmash.synth.nhs import is_synthetic_nhs_number

REFERENCE = date(2026, 11, 2)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_TEMPLATE_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'{])")


@cache
def area_150(seed: int = 42) -> Area:
    return generate_area(seed, households=150)


def parents_of(area: Area) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for rel in area.relationships:
        if rel.kind == "parent":
            parents[rel.to_id].add(rel.from_id)
    return parents


def is_child(person: Person, on: date = REFERENCE) -> bool:
    return person.is_alive_on(on) and person.age_on(on) < 18


# -- invariant checks shared by the example tests and the property test -------------


def check_people(area: Area) -> None:
    ids = [p.id for p in area.people]
    assert len(ids) == len(set(ids))
    numbers = [p.nhs_number for p in area.people if p.nhs_number is not None]
    assert len(numbers) == len(set(numbers))
    for p in area.people:
        assert p.sex in ("male", "female", "unknown")
        assert p.date_of_birth <= area.reference_date
        assert p.date_of_death is None or p.date_of_birth < p.date_of_death < area.reference_date, p
        assert p.nhs_number is None or is_synthetic_nhs_number(p.nhs_number), p.nhs_number
        assert p.ethnicity is None or p.ethnicity in ETHNICITY_CODES
        assert p.given_name and p.family_name
        assert p.family_name not in p.previous_family_names, p
        assert len(set(p.previous_family_names)) == len(p.previous_family_names), p
        if p.school is not None:
            assert 4 <= p.age_on(area.reference_date) <= 18, p


def check_relationships(area: Area) -> None:
    people = area.people_by_id()
    keys = [(r.from_id, r.to_id, r.kind) for r in area.relationships]
    assert len(keys) == len(set(keys))
    parents = parents_of(area)
    for rel in area.relationships:
        assert rel.from_id in people and rel.to_id in people, rel
        assert rel.from_id != rel.to_id
        assert rel.kind in RELATIONSHIP_KINDS
        if rel.kind in SYMMETRIC_KINDS:
            assert rel.from_id < rel.to_id, rel
        if rel.kind in PARTNERSHIP_KINDS:
            assert rel.status in PARTNERSHIP_KINDS[rel.kind], rel
        else:
            assert rel.status is None, rel
        older, younger = people[rel.from_id], people[rel.to_id]
        if rel.kind == "parent":
            gap = age_on(older.date_of_birth, younger.date_of_birth)
            assert gap >= 14, (rel, gap)
            if older.sex == "female":
                assert 16 <= gap <= 45, (rel, gap)
        elif rel.kind == "grandparent":
            assert age_on(older.date_of_birth, younger.date_of_birth) >= 30, rel
            assert any(rel.from_id in parents[p] for p in parents[rel.to_id]), rel
        elif rel.kind == "step_parent":
            assert rel.from_id not in parents[rel.to_id]
            assert age_on(older.date_of_birth, younger.date_of_birth) >= 14
        elif rel.kind == "sibling":
            assert parents[rel.from_id] and parents[rel.from_id] == parents[rel.to_id], rel
        elif rel.kind == "half_sibling":
            assert len(parents[rel.from_id] & parents[rel.to_id]) == 1, rel


def _children(area: Area) -> dict[str, set[str]]:
    children: dict[str, set[str]] = defaultdict(set)
    for rel in area.relationships:
        if rel.kind == "parent":
            children[rel.from_id].add(rel.to_id)
    return children


def check_siblings_complete(area: Area) -> None:
    """Anyone who shares a parent is recorded as a sibling or half-sibling."""
    parents = parents_of(area)
    pairs = {
        (r.from_id, r.to_id): r.kind for r in area.relationships if r.kind in ("sibling", "half_sibling")
    }
    for kids in _children(area).values():
        for a in kids:
            for b in kids:
                if a < b:
                    expected = "sibling" if parents[a] == parents[b] else "half_sibling"
                    assert pairs.get((a, b)) == expected, (a, b)


def check_children_have_parents(area: Area) -> None:
    parents = parents_of(area)
    for p in area.people:
        if is_child(p, area.reference_date):
            assert parents[p.id], p


def check_moves(area: Area) -> None:
    people = area.people_by_id()
    addresses = area.addresses_by_id()
    by_person: dict[str, list[tuple[date, date | None, str]]] = defaultdict(list)
    for move in area.moves:
        assert move.address_id in addresses
        assert move.to_date is None or move.from_date < move.to_date, move
        by_person[move.person_id].append((move.from_date, move.to_date, move.address_id))
    assert set(by_person) == set(people)
    for person_id, history in by_person.items():
        person = people[person_id]
        assert 1 <= len(history) <= 4, (person_id, history)
        assert history == sorted(history, key=lambda h: h[0]), (person, history)
        assert history[0][0] >= person.date_of_birth, (person, history)
        for (_, earlier_to, _), (later_from, _, _) in pairwise(history):
            assert earlier_to is not None and earlier_to <= later_from, history
        last_to = history[-1][1]
        if person.date_of_death is not None:
            assert last_to is not None and last_to <= person.date_of_death, (person, history)
        assert last_to is None or last_to <= area.reference_date, (person, history)
        assert history[-1][0] <= area.reference_date, (person, history)


def check_households(area: Area, expected: int) -> None:
    assert len(area.households) == expected
    people = area.people_by_id()
    addresses = area.addresses_by_id()
    current: dict[str, tuple[str, date]] = {
        m.person_id: (m.address_id, m.from_date) for m in area.moves if m.to_date is None
    }
    seen: set[str] = set()
    for hh in area.households:
        assert hh.address_id in addresses
        assert hh.member_ids
        for member_id in hh.member_ids:
            assert member_id not in seen
            seen.add(member_id)
            assert people[member_id].date_of_death is None
            assert current[member_id][0] == hh.address_id
        assert hh.moved_in == min(current[m][1] for m in hh.member_ids)
    # Everyone with an open-ended move lives in a household; nobody else does.
    assert seen == set(current)
    addresses_in_use = [hh.address_id for hh in area.households]
    assert len(addresses_in_use) == len(set(addresses_in_use))
    # Current partners live together.
    household_of = {m: hh.id for hh in area.households for m in hh.member_ids}
    for rel in area.relationships:
        if rel.status == "current":
            assert household_of.get(rel.from_id) == household_of.get(rel.to_id) is not None, rel
    # Every living child lives somewhere in the area.
    for p in area.people:
        if is_child(p, area.reference_date):
            assert p.id in household_of


def check_addresses(area: Area) -> None:
    ids = [a.id for a in area.addresses]
    assert len(ids) == len(set(ids))
    uprns = [a.uprn for a in area.addresses]
    assert len(uprns) == len(set(uprns))
    assert all(re.fullmatch(r"99\d{10}", u) for u in uprns)
    keys = [(a.line1, a.line2, a.postcode) for a in area.addresses]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", a.postcode) for a in area.addresses)


def check_referrals(area: Area, requested: int) -> None:
    people = area.people_by_id()
    households = area.households_by_id()
    assert len(area.referrals) <= requested
    ordered = sorted(area.referrals, key=lambda r: (r.received_on, r.id))
    assert [r.id for r in ordered] == [r.id for r in area.referrals]
    for referral in area.referrals:
        assert area.reference_date - timedelta(days=365) <= referral.received_on < area.reference_date
        assert referral.child_ids and len(set(referral.child_ids)) == len(referral.child_ids)
        household = households[referral.household_id]
        for child_id in referral.child_ids:
            child = people[child_id]
            assert child_id in household.member_ids
            assert child.date_of_birth <= referral.received_on
            assert child.age_on(referral.received_on) < 18
        assert referral.referrer_agency_kind in AGENCY_KINDS
        assert referral.referrer_name
        categories = referral.concern_categories
        assert categories and len(set(categories)) == len(categories)
        assert set(categories) <= set(CONCERN_CATEGORIES)
        names = {people[c].given_name for c in referral.child_ids}
        assert any(name in referral.text for name in names), referral
        assert "{" not in referral.text and "}" not in referral.text
        assert 2 <= len(_SENTENCES.split(referral.text)) <= 5, referral.text


def check_area(area: Area, *, households: int, referrals: int) -> None:
    check_people(area)
    check_addresses(area)
    check_relationships(area)
    check_siblings_complete(area)
    check_children_have_parents(area)
    check_moves(area)
    check_households(area, households)
    check_referrals(area, referrals)


# -- determinism -------------------------------------------------------------------


def test_same_seed_gives_identical_json() -> None:
    first = area_to_json(generate_area(7, households=60, referrals=40))
    second = area_to_json(generate_area(7, households=60, referrals=40))
    assert first == second


def test_different_seeds_differ() -> None:
    assert area_to_json(generate_area(7, households=60, referrals=40)) != area_to_json(
        generate_area(8, households=60, referrals=40)
    )


def test_output_does_not_depend_on_hash_randomisation() -> None:
    script = (
        "import hashlib; from openmash.synth import generate_area, area_to_json; "
        "text = area_to_json(generate_area(11, households=40, referrals=30)); "
        "print(hashlib.sha256(text.encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        result = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120
        )
        digests.add(result.stdout.strip())
    local = hashlib.sha256(area_to_json(generate_area(11, households=40, referrals=30)).encode()).hexdigest()
    assert digests == {local}


def test_json_is_stable_and_sorted() -> None:
    area = generate_area(3, households=10, referrals=5)
    text = area_to_json(area)
    data = json.loads(text)
    assert json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) == text
    assert data["seed"] == 3
    assert data["reference_date"] == "2026-11-02"


# -- the default-sized area ----------------------------------------------------------


@pytest.mark.parametrize("seed", [42, 1, 2026])
def test_default_area_invariants(seed: int) -> None:
    area = area_150(seed)
    check_area(area, households=150, referrals=200)
    assert len(area.referrals) == 200


@pytest.mark.parametrize("seed", [42, 1, 2026])
def test_every_relationship_kind_appears(seed: int) -> None:
    kinds = Counter(rel.kind for rel in area_150(seed).relationships)
    assert set(kinds) == set(RELATIONSHIP_KINDS)
    statuses = Counter((rel.kind, rel.status) for rel in area_150(seed).relationships)
    assert statuses[("ex_partner", "divorced")] and statuses[("ex_partner", "separated")]
    assert statuses[("partner", "current")] and statuses[("spouse", "current")]


def test_every_relationship_refers_to_existing_people() -> None:
    area = area_150()
    people = area.people_by_id()
    assert all(r.from_id in people and r.to_id in people for r in area.relationships)


def test_every_child_has_a_parent() -> None:
    check_children_have_parents(area_150())


def test_sibling_and_half_sibling_consistency() -> None:
    area = area_150()
    check_relationships(area)
    check_siblings_complete(area)
    kinds = Counter(r.kind for r in area.relationships)
    assert kinds["sibling"] > 0 and kinds["half_sibling"] > 0


def test_parents_are_at_least_fourteen_years_older() -> None:
    area = area_150()
    people = area.people_by_id()
    for rel in area.relationships:
        if rel.kind == "parent":
            parent, child = people[rel.from_id], people[rel.to_id]
            assert age_on(parent.date_of_birth, child.date_of_birth) >= 14


def test_nhs_numbers_are_valid_and_in_the_test_range() -> None:
    area = area_150()
    numbers = [p.nhs_number for p in area.people if p.nhs_number]
    assert len(numbers) > 0.9 * len(area.people)
    for number in numbers:
        assert is_synthetic_nhs_number(number)
        assert 999_000_0000 <= int(number) <= 999_999_9999


@pytest.mark.parametrize("seed", [42, 1, 2026])
def test_re_referral_share(seed: int) -> None:
    area = area_150(seed)
    repeats = re_referral_ids(area)
    share = len(repeats) / len(area.referrals)
    assert 0.10 <= share <= 0.30, share
    # Re-referred children really were referred before.
    first_seen: dict[str, date] = {}
    for referral in area.referrals:
        for child_id in referral.child_ids:
            first_seen.setdefault(child_id, referral.received_on)
    for referral in area.referrals:
        if referral.id in repeats:
            assert any(first_seen[c] < referral.received_on for c in referral.child_ids)


def test_referral_texts_mention_a_child_of_the_referral() -> None:
    area = area_150()
    people = area.people_by_id()
    for referral in area.referrals:
        assert any(people[c].given_name in referral.text for c in referral.child_ids)


def test_referral_dates_favour_working_days() -> None:
    area = area_150()
    weekdays = Counter(r.received_on.weekday() < 5 for r in area.referrals)
    assert weekdays[True] > 4 * weekdays[False]
    months = {(r.received_on.year, r.received_on.month) for r in area.referrals}
    assert len(months) >= 11


def test_address_moves_are_ordered_and_non_overlapping() -> None:
    check_moves(area_150())


def test_households_and_addresses_are_consistent() -> None:
    area = area_150()
    check_households(area, 150)
    check_addresses(area)


def test_family_structures_are_varied() -> None:
    area = area_150()
    people = area.people_by_id()
    parents = parents_of(area)
    household_sizes = Counter(len(hh.member_ids) for hh in area.households)
    assert household_sizes[1] > 0 and max(household_sizes) >= 5
    single_parent = two_parent = 0
    for hh in area.households:
        members = set(hh.member_ids)
        kids = [m for m in members if is_child(people[m])]
        if kids:
            resident_parents = {p for k in kids for p in parents[k] if p in members}
            single_parent += len(resident_parents) == 1
            two_parent += len(resident_parents) >= 2
    assert single_parent > 10 and two_parent > 10
    assert any(p.date_of_death for p in area.people)
    assert any(p.previous_family_names for p in area.people)
    assert any("-" in p.family_name for p in area.people)
    assert any(p.school for p in area.people)
    # Some children carry a different surname from a resident parent.
    assert any(
        people[k].family_name != people[p].family_name
        for k in parents
        for p in parents[k]
        if is_child(people[k])
    )


def test_templates_name_the_children_in_two_or_three_sentences() -> None:
    for template in texts.TEMPLATES:
        assert "{child}" in template.text or "{children_desc}" in template.text, template.text
        assert 2 <= len(_TEMPLATE_SENTENCES.split(template.text)) <= 3, template.text
        assert template.agencies and set(template.agencies) <= set(AGENCY_KINDS)
    for sentences in texts.SECONDARY.values():
        for sentence in sentences:
            assert len(_TEMPLATE_SENTENCES.split(sentence)) == 1, sentence
    # Every concern has at least one template that any child of some age can get.
    assert {t.category for t in texts.TEMPLATES} == set(CONCERN_CATEGORIES)


# -- arguments -------------------------------------------------------------------------


def test_reference_date_and_referral_count_are_respected() -> None:
    area = generate_area(9, households=40, referrals=12, reference_date=date(2025, 3, 31))
    assert area.reference_date == date(2025, 3, 31)
    assert len(area.referrals) == 12
    check_area(area, households=40, referrals=12)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="households"):
        generate_area(1, households=0)
    with pytest.raises(ValueError, match="referrals"):
        generate_area(1, households=5, referrals=-1)


# -- property-based -----------------------------------------------------------------


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(min_value=0, max_value=10**6),
    households=st.integers(min_value=1, max_value=20),
    referrals=st.integers(min_value=0, max_value=25),
)
def test_structural_invariants_hold_for_small_areas(seed: int, households: int, referrals: int) -> None:
    area = generate_area(seed, households=households, referrals=referrals)
    check_area(area, households=households, referrals=referrals)
