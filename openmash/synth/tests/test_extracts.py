"""Synthetic agency extracts: coverage, noise, events and the truth kept apart (pure Python)."""

from __future__ import annotations

import csv
import hashlib
import math
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from openmash.synth import (
    AGENCIES,
    Area,
    Extracts,
    IdentityRecord,
    NoiseRates,
    Person,
    generate_area,
    generate_extracts,
    write_extracts,
)
from openmash.synth.__main__ import main
from openmash.synth._noise import (
    abbreviate_street,
    dob_day_typo,
    name_alternatives,
    partial_double_barrel,
    postcode_format_variant,
    postcode_typo,
    shift_year,
    spelling_variant,
    strip_punctuation,
    swap_day_month,
    typo,
)
from openmash.synth.extracts import (
    DEFAULT_NOISE,
    EVENT_COLUMNS,
    EXTRA_COLUMNS,
    IDENTITY_COLUMNS,
    RECORD_PREFIXES,
    SEX_CODES,
    AgencyKey,
    upn_check_letter,
)
from openmash.synth.nhs import is_synthetic_nhs_number

REFERENCE = date(2026, 11, 2)
SEEDS = (42, 7)


@cache
def area(seed: int = 42, households: int = 150) -> Area:
    return generate_area(seed, households=households)


@cache
def extracts(seed: int = 42) -> Extracts:
    return generate_extracts(area(seed), seed)


def people(seed: int = 42) -> dict[str, Person]:
    return area(seed).people_by_id()


def records_with_people(ex: Extracts, seed: int) -> list[tuple[AgencyKey, IdentityRecord, Person]]:
    by_id = people(seed)
    out: list[tuple[AgencyKey, IdentityRecord, Person]] = []
    for extract in ex.agencies:
        owner = ex.person_of(extract.agency)
        out += [(extract.agency, r, by_id[owner[r.record_id]]) for r in extract.records]
    return out


def referred_ids(a: Area) -> set[str]:
    households = a.households_by_id()
    ids: set[str] = set()
    for referral in a.referrals:
        ids.update(referral.child_ids)
        ids.update(households[referral.household_id].member_ids)
    return ids


def events_by_person(ex: Extracts, agency: AgencyKey) -> Counter[tuple[str, date, str, str]]:
    owner = ex.person_of(agency)
    return Counter(
        (owner[e.record_id], e.occurred_on, e.kind, e.source_reference) for e in ex.extract(agency).events
    )


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


# -- determinism and the truth ---------------------------------------------------------------


def test_same_area_and_seed_give_identical_extracts(tmp_path: Path) -> None:
    first = extracts(42)
    again = generate_extracts(generate_area(42, households=150), 42)
    assert again == first
    write_extracts(first, tmp_path / "a")
    write_extracts(again, tmp_path / "b")
    for path in sorted((tmp_path / "a").rglob("*.csv")):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_seed_changes_the_extracts_and_defaults_to_the_area_seed() -> None:
    assert generate_extracts(area(42)) == extracts(42)
    other = generate_extracts(area(42), 43)
    assert other.extract("gp").records != extracts(42).extract("gp").records


@pytest.mark.parametrize("seed", SEEDS)
def test_every_record_has_one_truth_row_naming_a_real_living_person(seed: int) -> None:
    ex = extracts(seed)
    by_id = people(seed)
    assert [row.agency for row in ex.truth] == sorted(
        (row.agency for row in ex.truth), key=lambda agency: AGENCIES.index(agency)
    )
    for extract in ex.agencies:
        owner = ex.person_of(extract.agency)
        assert sorted(owner) == [r.record_id for r in extract.records]
        assert len(owner) == sum(1 for row in ex.truth if row.agency == extract.agency)
        for person_id in owner.values():
            assert person_id in by_id
            assert by_id[person_id].date_of_death is None


@pytest.mark.parametrize("seed", SEEDS)
def test_record_ids_are_unique_prefixed_and_opaque(seed: int) -> None:
    ex = extracts(seed)
    prefixes = set()
    for extract in ex.agencies:
        owner = ex.person_of(extract.agency)
        ids = [r.record_id for r in extract.records]
        assert len(ids) == len(set(ids)), extract.agency
        prefix = RECORD_PREFIXES[extract.agency]
        prefixes.add(prefix)
        for record_id in ids:
            assert re.fullmatch(rf"{prefix}-[0-9A-Z]{{8}}", record_id), record_id
            assert owner[record_id] not in record_id
        event_ids = {e.record_id for e in extract.events}
        assert event_ids <= set(ids)
    assert len(prefixes) == len(AGENCIES)


def test_identity_files_carry_no_truth(tmp_path: Path) -> None:
    ex = extracts()
    written = write_extracts(ex, tmp_path)
    person_ids = set(people())
    token = re.compile(r"[A-Z]\d{6}")
    for extract in ex.agencies:
        for name in (f"{extract.agency}_identities.csv", f"{extract.agency}_events.csv"):
            columns, rows = read_csv(written[name])
            assert "person_id" not in columns and "noise" not in columns
            text = written[name].read_text(encoding="utf-8")
            assert not person_ids & set(token.findall(text)), name
        columns, rows = read_csv(written[f"{extract.agency}_identities.csv"])
        assert tuple(columns) == (*IDENTITY_COLUMNS, *EXTRA_COLUMNS[extract.agency])
        assert len(rows) == len(extract.records)
    assert written["truth/truth.csv"] == tmp_path / "truth" / "truth.csv"
    columns, truth = read_csv(written["truth/truth.csv"])
    assert columns == ["agency", "record_id", "person_id", "noise"]
    assert len(truth) == len(ex.truth)
    assert not list(tmp_path.glob("truth*.csv"))


def test_write_extracts_layout_and_columns(tmp_path: Path) -> None:
    ex = extracts()
    written = write_extracts(ex, tmp_path / "out")
    expected = {f"{a}_{kind}.csv" for a in AGENCIES for kind in ("identities", "events")}
    assert set(written) == expected | {"agencies.csv", "truth/truth.csv"}
    _, manifest = read_csv(written["agencies.csv"])
    assert [row["agency"] for row in manifest] == list(AGENCIES)
    for row, extract in zip(manifest, ex.agencies, strict=True):
        assert int(row["records"]) == len(extract.records)
        columns, events = read_csv(written[row["events"]])
        assert tuple(columns[: len(EVENT_COLUMNS)]) == EVENT_COLUMNS
        assert len(events) == len(extract.events) == int(row["event_count"])
        assert ("role" in columns) == (extract.agency == "police")
        for event in events[:50]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", event["occurred_on"])
            assert event["significance"] in ("high", "medium", "low")
            assert event["source_reference"] and event["description"] and event["kind"]


# -- realism of content --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_record_has_events_within_the_persons_life_up_to_the_reference_date(seed: int) -> None:
    ex = extracts(seed)
    by_id = people(seed)
    for extract in ex.agencies:
        owner = ex.person_of(extract.agency)
        for event in extract.events:
            person = by_id[owner[event.record_id]]
            assert person.date_of_birth <= event.occurred_on <= ex.reference_date, (extract.agency, event)
        with_events = {e.record_id for e in extract.events}
        assert all(r.record_id in with_events for r in extract.records), extract.agency


@pytest.mark.parametrize("seed", SEEDS)
def test_school_extract_covers_every_child_at_school(seed: int) -> None:
    ex = extracts(seed)
    school = ex.extract("school")
    owner = ex.person_of("school")
    on_roll = {p.id for p in area(seed).people if p.school is not None and p.date_of_death is None}
    assert set(owner.values()) == on_roll
    by_id = people(seed)
    upns: dict[str, set[str]] = defaultdict(set)
    for record in school.records:
        extra = dict(record.extra)
        person = by_id[owner[record.record_id]]
        assert extra["school"] == person.school
        upn = extra["upn"]
        assert re.fullmatch(r"[A-Z]999\d{9}", upn), upn
        assert upn[0] == upn_check_letter(upn[1:])
        assert extra["year_group"] == "R" or 1 <= int(extra["year_group"]) <= 13
        upns[upn].add(person.id)
    assert all(len(ids) == 1 for ids in upns.values())
    attendance = [e for e in school.events if e.kind == "attendance"]
    assert len(attendance) >= 2 * len(on_roll)
    shares = [float(re.search(r"attendance ([\d.]+)%", e.description).group(1)) for e in attendance]  # type: ignore[union-attr]
    assert all(0 <= s <= 100 for s in shares)
    persistent = sum(s < 90 for s in shares) / len(shares)
    assert 0.1 < persistent < 0.7


@pytest.mark.parametrize("seed", SEEDS)
def test_coverage_is_realistic_and_favours_referred_families(seed: int) -> None:
    a = area(seed)
    ex = extracts(seed)
    living = [p for p in a.people if p.date_of_death is None]
    residents = {p.id for h in a.households for p in living if p.id in h.member_ids}
    adults = {p.id for p in living if p.age_on(REFERENCE) >= 18}
    referred = referred_ids(a)
    known = {agency: set(ex.person_of(agency).values()) for agency in AGENCIES}
    assert len(known["gp"] & residents) / len(residents) > 0.9
    police_adults = known["police"] & adults
    assert 0.15 < len(police_adults) / len(adults) < 0.6
    for agency in ("police", "emergency_department", "housing"):
        inside = len(known[agency] & referred) / len(referred & {p.id for p in living})
        outside_pool = {p.id for p in living} - referred
        outside = len(known[agency] & outside_pool) / len(outside_pool)
        assert inside > outside, agency
    assert len(known["emergency_department"]) < 0.5 * len(living)
    assert len(known["housing"]) < 0.4 * len(living)
    assert 0 < len(known["probation"]) < 0.06 * len(adults)
    assert known["probation"] <= adults
    assert len(known["adult_social_care"]) < 0.1 * len(adults)
    assert known["adult_social_care"] <= adults
    by_id = people(seed)
    owner = ex.person_of("youth_offending")
    outcomes: dict[str, list[date]] = defaultdict(list)
    for event in ex.extract("youth_offending").events:
        if event.kind == "outcome":
            outcomes[owner[event.record_id]].append(event.occurred_on)
    assert set(outcomes) == set(owner.values())
    for person_id, dates in outcomes.items():
        assert all(10 <= by_id[person_id].age_on(on) <= 17 for on in dates)


def test_police_incidents_have_roles_references_and_follow_police_referrals() -> None:
    a = area()
    ex = extracts()
    police = ex.extract("police")
    owner = ex.person_of("police")
    roles = Counter(e.role for e in police.events)
    assert set(roles) <= {"victim", "suspect", "witness", "person present", "missing person", "subject"}
    assert {"victim", "suspect", "witness", "person present"} <= set(roles)
    kinds = Counter(e.kind for e in police.events)
    assert {"domestic_abuse", "assault", "missing_episode", "asb"} <= set(kinds)
    for event in police.events:
        assert re.fullmatch(r"INC-(\d{4})-\d{6}", event.source_reference)
        assert event.source_reference[4:8] == str(event.occurred_on.year)
    incidents: dict[str, set[str]] = defaultdict(set)
    dates: dict[str, set[date]] = defaultdict(set)
    for event in police.events:
        incidents[event.source_reference].add(owner[event.record_id])
        dates[event.source_reference].add(event.occurred_on)
    assert all(len(d) == 1 for d in dates.values())
    assert any(len(who) >= 3 for who in incidents.values())
    by_person: dict[str, list[date]] = defaultdict(list)
    for event in police.events:
        by_person[owner[event.record_id]].append(event.occurred_on)
    police_referrals = [r for r in a.referrals if r.referrer_agency_kind == "police"]
    assert police_referrals
    for referral in police_referrals:
        assert any(
            0 <= (referral.received_on - on).days <= 3
            for child in referral.child_ids
            for on in by_person[child]
        ), referral.id


def test_every_agency_records_its_characteristic_events() -> None:
    ex = extracts()
    expected: dict[str, set[str]] = {
        "school": {"attendance", "suspension"},
        "gp": {"registration", "appointment", "missed_appointment"},
        "emergency_department": {"attendance"},
        "housing": {"tenancy_start", "rent_arrears", "homelessness_application"},
        "probation": {"sentence", "risk_assessment"},
        "youth_offending": {"outcome", "assessment"},
        "adult_social_care": {"assessment"},
    }
    for agency, kinds in expected.items():
        extract = ex.extract(agency)  # type: ignore[arg-type]
        assert kinds <= {e.kind for e in extract.events}, agency
        assert {"high", "medium", "low"} & {e.significance for e in extract.events}
    ed = ex.extract("emergency_department").events
    assert all(e.description.startswith("Presenting complaint: ") for e in ed)
    assert any(e.significance == "high" for e in ed)


@pytest.mark.parametrize("seed", SEEDS)
def test_nhs_numbers_are_only_synthetic(seed: int) -> None:
    ex = extracts(seed)
    by_id = people(seed)
    noise = {(row.agency, row.record_id): row.noise for row in ex.truth}
    counts: Counter[str] = Counter()
    for agency, record, person in records_with_people(ex, seed):
        if not record.nhs_number:
            continue
        counts[agency] += 1
        assert re.fullmatch(r"999\d{7}", record.nhs_number), record.nhs_number
        if "nhs_typo" in noise[(agency, record.record_id)]:
            assert record.nhs_number != person.nhs_number
        else:
            assert record.nhs_number == person.nhs_number
            assert is_synthetic_nhs_number(record.nhs_number)
    assert by_id
    gp = len(ex.extract("gp").records)
    assert counts["gp"] > 0.9 * gp
    assert counts["police"] < 0.1 * len(ex.extract("police").records)


def test_sex_uses_each_agencys_codes() -> None:
    for agency, record, _person in records_with_people(extracts(), 42):
        assert record.sex in ("", *SEX_CODES[agency].values()), (agency, record.sex)


# -- noise ---------------------------------------------------------------------------------


def _within(observed: int, probabilities: list[float], label: str) -> None:
    expected = sum(probabilities)
    spread = math.sqrt(sum(p * (1 - p) for p in probabilities))
    tolerance = 4 * spread + 3
    assert abs(observed - expected) <= tolerance, (label, observed, round(expected, 1), round(tolerance, 1))


Row = tuple[AgencyKey, IdentityRecord, Person]


def _measure(ex: Extracts, seed: int, rates: Callable[[AgencyKey], NoiseRates]) -> None:
    """Compare observed noise with the configured rates, pooled over every agency's records."""
    rows = records_with_people(ex, seed)
    noise = {(row.agency, row.record_id): row.noise for row in ex.truth}

    def tagged(name: str) -> Callable[[Row], bool]:
        return lambda row: name in noise[(row[0], row[1].record_id)]

    def check(
        label: str,
        rate: Callable[[NoiseRates], float],
        eligible: Callable[[Row], bool],
        seen: Callable[[Row], bool],
    ) -> None:
        chosen = [row for row in rows if eligible(row)]
        assert chosen, label
        _within(sum(seen(row) for row in chosen), [rate(rates(row[0])) for row in chosen], label)

    def always(row: Row) -> bool:
        return True

    def swappable(row: Row) -> bool:
        d = row[2].date_of_birth
        return d.day <= 12 and d.day != d.month

    # Measured from the data itself, against the person behind each record.
    check("postcode_missing", lambda n: n.postcode_missing, always, lambda row: row[1].postcode == "")
    check("address_missing", lambda n: n.address_missing, always, lambda row: row[1].address == "")
    check("sex_missing", lambda n: n.sex_missing, always, lambda row: row[1].sex == "")
    check("dob_missing", lambda n: n.dob_missing, always, lambda row: row[1].date_of_birth == "")
    check(
        "dob_swap",
        lambda n: (
            n.dob_swap * (1 - n.dob_missing) * (1 - n.dob_year) * (1 - n.dob_day) * (1 - n.dob_placeholder)
        ),
        swappable,
        lambda row: (
            row[1].date_of_birth
            == f"{row[2].date_of_birth.year}-{row[2].date_of_birth.day:02d}-{row[2].date_of_birth.month:02d}"
        ),
    )

    def dob_differs(n: NoiseRates, can_swap: bool) -> float:
        clean = (1 - n.dob_year) * (1 - n.dob_day) * (1 - n.dob_placeholder) * (1 - n.dob_missing)
        return 1 - clean * ((1 - n.dob_swap) if can_swap else 1)

    _within(
        sum(r.date_of_birth != p.date_of_birth.isoformat() for _, r, p in rows),
        [dob_differs(rates(a), swappable((a, r, p))) for a, r, p in rows],
        "dob_differs",
    )

    def has_nickname(row: Row) -> bool:
        return bool(name_alternatives(row[2].given_name))

    def shows_nickname(row: Row) -> bool:
        options = {alt.casefold() for alt in name_alternatives(row[2].given_name)}
        return row[1].given_name.casefold() in options or row[1].surname.casefold() in options

    # A later typo or middle name can hide a nickname, so the data gives an upper bound.
    eligible = [row for row in rows if has_nickname(row)]
    probabilities = [rates(row[0]).nickname for row in eligible]
    shown = sum(shows_nickname(row) for row in eligible)
    assert shown <= sum(probabilities) + 4 * math.sqrt(sum(q * (1 - q) for q in probabilities)) + 3
    check("nickname", lambda n: n.nickname, has_nickname, tagged("nickname"))
    assert shown >= 0.6 * sum(tagged("nickname")(row) for row in eligible)

    check(
        "previous_surname",
        lambda n: n.previous_surname,
        lambda row: bool(row[2].previous_family_names),
        lambda row: (
            row[1].surname.casefold() in {name.casefold() for name in row[2].previous_family_names}
            or tagged("previous_surname")(row)
        ),
    )
    check("given_typo", lambda n: n.given_typo, always, tagged("given_typo"))
    check("surname_typo", lambda n: n.surname_typo, always, tagged("surname_typo"))
    check("name_case", lambda n: n.name_case, always, tagged("name_case"))
    check("address_format", lambda n: n.address_format, always, tagged("address_format"))
    check("postcode_format", lambda n: n.postcode_format, always, tagged("postcode_format"))


@pytest.mark.parametrize("seed", SEEDS)
def test_default_noise_rates_are_within_bounds(seed: int) -> None:
    _measure(extracts(seed), seed, lambda agency: DEFAULT_NOISE[agency])


def test_configured_noise_rates_are_honoured() -> None:
    rates = NoiseRates.uniform(0.25)
    ex = generate_extracts(area(), 42, noise=rates)
    _measure(ex, 42, lambda agency: rates)
    # Same people and events whatever the noise: noise only changes how records look.
    clean = generate_extracts(area(), 42, noise=NoiseRates.none())
    for agency in AGENCIES:
        assert set(ex.person_of(agency).values()) == set(clean.person_of(agency).values())
        assert events_by_person(ex, agency) == events_by_person(clean, agency), agency


def test_no_noise_gives_exact_identities() -> None:
    ex = generate_extracts(area(), 42, noise=NoiseRates.none())
    rows = records_with_people(ex, 42)
    for agency, record, person in rows:
        assert record.given_name == person.given_name
        assert record.surname.casefold() == person.family_name.casefold()
        assert record.date_of_birth == person.date_of_birth.isoformat()
        assert record.sex == SEX_CODES[agency][person.sex]
        assert record.postcode and record.address
    assert {tag for row in ex.truth for tag in row.noise} <= {"stale_address"}
    assert len({(row.agency, row.person_id) for row in ex.truth}) == len(ex.truth)


def test_noise_mapping_overrides_single_agencies() -> None:
    ex = generate_extracts(area(), 42, noise={"school": NoiseRates.uniform(0.5)})
    school_tags = sum(len(row.noise) for row in ex.truth if row.agency == "school")
    default = extracts()
    assert school_tags > 3 * sum(len(row.noise) for row in default.truth if row.agency == "school")
    assert ex.extract("gp") == default.extract("gp")
    with pytest.raises(ValueError, match="unknown agencies"):
        generate_extracts(area(), 42, noise={"library": NoiseRates()})  # type: ignore[dict-item]


def test_noise_rates_are_validated_and_scalable() -> None:
    with pytest.raises(ValueError, match="dob_swap"):
        NoiseRates(dob_swap=1.5)
    doubled = NoiseRates().scaled(2)
    assert doubled.dob_swap == pytest.approx(2 * NoiseRates().dob_swap)
    assert NoiseRates.uniform(0.9).scaled(2).duplicate == 1.0
    assert all(getattr(NoiseRates.none(), f.name) == 0 for f in fields(NoiseRates))
    assert DEFAULT_NOISE["school"].given_typo < DEFAULT_NOISE["police"].given_typo


def test_realistic_noise_kinds_all_occur() -> None:
    ex = generate_extracts(area(), 42, noise=NoiseRates.uniform(0.3))
    tags = Counter(tag for row in ex.truth for tag in row.noise)
    for f in fields(NoiseRates):
        if f.name in ("punctuation", "double_barrel_partial", "nhs_typo", "known_as_surname"):
            continue  # only possible for some names or agencies
        assert tags[f.name] > 0, f.name
    assert tags["duplicate"] > 0 and tags["old_address"] > 0
    default_tags = Counter(tag for row in extracts().truth for tag in row.noise)
    for name in ("nickname", "previous_surname", "old_address", "duplicate", "dob_swap", "given_typo"):
        assert default_tags[name] > 0, name


def test_duplicates_split_a_persons_events_between_records() -> None:
    ex = generate_extracts(area(), 42, noise=replace(NoiseRates.none(), duplicate=0.5))
    for extract in ex.agencies:
        owner = ex.person_of(extract.agency)
        per_person = Counter(owner.values())
        doubled = [pid for pid, n in per_person.items() if n > 1]
        if extract.agency == "gp":
            assert doubled
        assert max(per_person.values()) <= 2
        events = Counter(owner[e.record_id] for e in extract.events)
        for record in extract.records:
            if per_person[owner[record.record_id]] > 1:
                assert any(e.record_id == record.record_id for e in extract.events)
        assert sum(events.values()) == len(extract.events)


def test_old_addresses_come_from_the_persons_history() -> None:
    a = area()
    ex = generate_extracts(a, 42, noise=replace(NoiseRates.none(), old_address=0.5))
    addresses = a.addresses_by_id()
    history: dict[str, set[str]] = defaultdict(set)
    for move in a.moves:
        history[move.person_id].add(addresses[move.address_id].postcode)
    old = 0
    for row in ex.truth:
        record = next(r for r in ex.extract(row.agency).records if r.record_id == row.record_id)
        assert record.postcode in history[row.person_id]
        old += "old_address" in row.noise
    assert old > 20


# -- noise helpers -------------------------------------------------------------------------


def test_typo_always_changes_the_text() -> None:
    rng = random.Random(1)
    for word in ("Smith", "Jo", "O'Neill", "A", "McDonald"):
        for _ in range(200):
            changed = typo(rng, word)
            assert changed != word and changed.strip()
            assert abs(len(changed) - len(word)) <= 1


def test_date_noise_helpers_give_valid_dates_not_after_the_limit() -> None:
    rng = random.Random(2)
    assert swap_day_month(date(1990, 3, 7)) == date(1990, 7, 3)
    assert swap_day_month(date(1990, 3, 17)) is None
    assert swap_day_month(date(1990, 5, 5)) is None
    limit = date(2026, 11, 2)
    for day in (date(2000, 2, 29), date(2026, 11, 1), date(1985, 12, 31), date(2010, 1, 13)):
        for _ in range(50):
            shifted = shift_year(rng, day, limit)
            assert abs(shifted.year - day.year) == 1 and shifted <= limit
            typoed = dob_day_typo(rng, day, limit)
            assert typoed != day and typoed <= limit and typoed.year == day.year


def test_name_and_address_helpers() -> None:
    rng = random.Random(3)
    assert "Bill" in name_alternatives("william") and "William" in name_alternatives("Bill")
    assert name_alternatives("Xanthe") == ()
    assert spelling_variant(rng, "Stephen") == "Steven"
    assert spelling_variant(rng, "Xanthe") is None
    assert partial_double_barrel(rng, "Smith") is None
    assert {partial_double_barrel(rng, "Smith-Jones") for _ in range(100)} == {
        "Smith",
        "Jones",
        "Smith Jones",
        "SmithJones",
    }
    assert strip_punctuation(rng, "O'Neill") in ("ONeill", "O Neill")
    assert strip_punctuation(rng, "Neill") is None
    assert abbreviate_street("12 Hall Road, North Tom") == "12 Hall Rd, North Tom"
    assert abbreviate_street("Flat 2, Holt Point") is None
    for _ in range(50):
        changed = postcode_typo(rng, "G18 5BJ")
        assert changed != "G18 5BJ" and re.fullmatch(r"G18 \d[A-Z]{2}", changed)
        assert postcode_format_variant(rng, "G18 5BJ") in ("G185BJ", "g18 5bj", "g185bj")


def test_upn_check_letter() -> None:
    assert upn_check_letter("000000000000") == "A"
    assert upn_check_letter("100000000000") == "C"  # 1 x weight 2 = 2 -> third letter
    with pytest.raises(ValueError, match="twelve digits"):
        upn_check_letter("12345")


# -- command line --------------------------------------------------------------------------


def _digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.csv")):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_cli_extracts_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "area"
    assert (
        main(["--seed", "5", "--households", "30", "--referrals", "20", "--out", str(out), "--extracts"]) == 0
    )
    printed = capsys.readouterr().out
    assert "Agency extracts" in printed and "police" in printed and "youth_offending" in printed
    assert (out / "people.csv").exists()
    assert (out / "extracts" / "truth" / "truth.csv").exists()
    assert (out / "extracts" / "police_identities.csv").exists()
    plain = tmp_path / "plain"
    assert main(["--seed", "5", "--households", "30", "--referrals", "20", "--out", str(plain)]) == 0
    assert not (plain / "extracts").exists()
    # The same files from a fresh interpreter with a different string-hash seed.
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    args = ["--seed", "5", "--households", "30", "--referrals", "20", "--out", str(again), "--extracts"]
    subprocess.run([sys.executable, "-m", "openmash.synth", *args], check=True, env=env, capture_output=True)
    assert _digest(again / "extracts") == _digest(out / "extracts")
