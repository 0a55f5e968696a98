"""Seeded synthetic local areas for demos, tests and benchmarks.

``generate_area(seed)`` builds a fictional local area of households, people,
address histories, family relationships and MASH referrals. It is pure Python
(no Django), uses Faker's ``en_GB`` locale for every name and address, and is
deterministic: the same arguments always give the same area, byte for byte
once serialised with :func:`area_to_json` or :func:`write_area`.

NHS numbers are drawn from the reserved 999 test range (see :mod:`.nhs`), so
no generated record can match a real patient.

Command line: ``python -m openmash.synth --seed 42 --households 150 --out DIR``
(add ``--extracts`` for the synthetic agency extracts of :mod:`.extracts`).
"""

from openmash.synth._generator import generate_area
from openmash.synth.area import (
    AGENCY_KINDS,
    CONCERN_CATEGORIES,
    DEFAULT_REFERENCE_DATE,
    ETHNICITY_CODES,
    PARTNERSHIP_KINDS,
    RELATIONSHIP_KINDS,
    SYMMETRIC_KINDS,
    Address,
    AddressMove,
    AgencyKind,
    Area,
    ConcernCategory,
    Household,
    PartnershipStatus,
    Person,
    Referral,
    Relationship,
    RelationshipKind,
    Sex,
    age_on,
    re_referral_ids,
)
from openmash.synth.export import area_to_dict, area_to_json, write_area
from openmash.synth.extracts import (
    AGENCIES,
    AGENCY_NAMES,
    DEFAULT_NOISE,
    AgencyEvent,
    AgencyExtract,
    AgencyKey,
    Extracts,
    IdentityRecord,
    NoiseRates,
    TruthRow,
    generate_extracts,
    write_extracts,
)
from openmash.synth.nhs import is_valid_nhs_number, nhs_check_digit, synthetic_nhs_number

__all__ = [
    "AGENCY_KINDS",
    "CONCERN_CATEGORIES",
    "DEFAULT_REFERENCE_DATE",
    "ETHNICITY_CODES",
    "PARTNERSHIP_KINDS",
    "RELATIONSHIP_KINDS",
    "SYMMETRIC_KINDS",
    "Address",
    "AddressMove",
    "AgencyKind",
    "Area",
    "ConcernCategory",
    "Household",
    "PartnershipStatus",
    "Person",
    "Referral",
    "Relationship",
    "RelationshipKind",
    "Sex",
    "age_on",
    "area_to_dict",
    "area_to_json",
    "generate_area",
    "is_valid_nhs_number",
    "nhs_check_digit",
    "re_referral_ids",
    "synthetic_nhs_number",
    "write_area",
    "AGENCIES",
    "AGENCY_NAMES",
    "DEFAULT_NOISE",
    "AgencyEvent",
    "AgencyExtract",
    "AgencyKey",
    "Extracts",
    "IdentityRecord",
    "NoiseRates",
    "TruthRow",
    "generate_extracts",
    "write_extracts",
]
