"""Ofsted ILACS Annex A, lists 1 (contacts), 2 (early help) and 3 (referrals), with the columns and codes in
the national code lists (CODES.md section 3). Each list is a few queries, however many rows.

- The child's unique ID is their NHS number where the hub holds one, otherwise the person's record
  number in the hub.
- Age is the child's age in whole years on the date of the contact or referral.
- Ethnicity: the hub does not record it yet, so the column is "t) NOBT" (not obtained) as the Annex A
  code list says for an unknown ethnicity.
- List 2: early help assessments are not recorded in the hub, so it lists the contacts the hub decided
  should have early help (assessment start is the decision's date, the organisation the lead agency the
  hub chose) and, in a hub that runs early help, the cases handed to a keyworker (assessment start is
  the day the first keyworker was appointed, the organisation the keyworker's agency); completion is
  empty.
- List 3: one row per child per referral to children's social care; "Number of Referrals in Last 12
  Months" counts that child's earlier referrals in the 365 days before it; the allocated team and
  worker are those a decision maker recorded on the case.
- Destroyed cases (retention) stay in every list: their rows are kept without personal data, so the
  child's ID is the person's record number and the date of birth is empty, while the age comes from the
  destruction record and the earlier referrals whose links destruction cut are kept as a count.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from openmash.core.codes import ContactOutcome, ReferralOutcome
from openmash.decisions.models import Outcome
from openmash.referrals.models import Referral, ReferralPerson
from openmash.reporting.period import LONDON, Period
from openmash.reporting.selectors import TWELVE_MONTHS

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
LIST_1 = [*COMMON, "Date of Contact", "Contact Source"]
LIST_2 = [
    *COMMON,
    "Assessment start date",
    "Assessment completion date",
    "Organisation completing assessment",
]
LIST_3 = [
    *COMMON,
    "Date of referral",
    "Referral Source",
    "Referral NFA?",
    "Number of Referrals in Last 12 Months",
    "Allocated Team",
    "Allocated Worker",
]
LISTS = {
    "list1": ("List 1 Contacts", LIST_1),
    "list2": ("List 2 Early help", LIST_2),
    "list3": ("List 3 Referrals", LIST_3),
}

GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
ETHNICITY_NOT_OBTAINED = "t) NOBT"
SOURCE_LETTERS = {
    "1A": "a", "1B": "b", "1C": "c", "1D": "d", "2A": "e", "2B": "f", "3A": "g", "3B": "h", "3C": "i",
    "3D": "j", "3E": "k", "3F": "l", "4": "m", "5A": "n", "5B": "o", "5C": "p", "5D": "p1", "6": "q",
    "7": "r", "8": "s", "9": "t", "10": "u",
}  # fmt: skip
SOURCE_GROUPS = {
    "1": "Individual",
    "2A": "Schools",
    "2B": "Education services",
    "3": "Health services",
    "4": "Housing",
    "5": "LA services",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "Unknown",
}
NFA = {True: "a) Yes", False: "b) No"}


def source_pick(code: str) -> str:
    """The Annex A source picklist entry, e.g. "a) 1A: Individual"; an unknown code is "u) 10: Unknown"."""
    if code not in SOURCE_LETTERS:
        return "u) 10: Unknown"
    group = SOURCE_GROUPS.get(code) or SOURCE_GROUPS[code.rstrip("ABCDEF")]
    return f"{SOURCE_LETTERS[code]}) {code}: {group}"


def child_id(nhs_number: str, pk: object) -> str:
    return nhs_number or str(pk)


def age_on(born: date | None, on: date) -> int | str:
    if born is None:
        return ""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _common(person: dict[str, object], on: date) -> list[object]:
    born = person["date_of_birth"] if isinstance(person["date_of_birth"], date) else None
    age = age_on(born, on)
    if born is None:  # a destroyed case: the age its destruction record kept, if any
        kept = person.get(DESTROYED_AGES)
        age = kept.get(str(person["pk"]), "") if isinstance(kept, dict) else ""
    return [
        child_id(str(person["nhs_number"]), person["pk"]),
        GENDER.get(str(person["sex"]), GENDER["U"]),
        ETHNICITY_NOT_OBTAINED,
        dmy(born),
        age,
    ]


DESTROYED_AGES = "referral__case__destruction__subject_ages"
PERSON = ("pk", "nhs_number", "sex", "date_of_birth", DESTROYED_AGES)


def _children(period: Period) -> Iterator[dict[str, object]]:
    return (
        ReferralPerson.objects.filter(is_subject=True)
        .filter(period.within("referral__received_at"))
        .values(*PERSON, "referral__received_at", "referral__source", "referral_id")
        .order_by("referral__received_at", "referral__reference", "family_name", "given_name", "pk")
        .iterator(chunk_size=5000)
    )


def list1(period: Period) -> Iterator[list[object]]:
    """One row per child per contact received in the period."""
    for row in _children(period):
        on = row["referral__received_at"].astimezone(LONDON).date()  # type: ignore[attr-defined]
        yield [*_common(row, on), dmy(on), source_pick(str(row["referral__source"]))]


def list2(period: Period) -> Iterator[list[object]]:
    rows = (
        ReferralPerson.objects.filter(is_subject=True)
        .filter(
            Q(referral__case__decision__outcome=Outcome.EARLY_HELP)
            & period.within("referral__case__decision__decided_at")
        )
        .values(
            *PERSON, "referral__case__decision__decided_at", "referral__case__decision__lead_agency__name"
        )
        .order_by("referral__case__decision__decided_at", "pk")
    )
    for row in rows.iterator(chunk_size=5000):
        on = row["referral__case__decision__decided_at"].astimezone(LONDON).date()
        yield [*_common(row, on), dmy(on), "", row["referral__case__decision__lead_agency__name"] or ""]
    handed = (
        ReferralPerson.objects.filter(is_subject=True)
        .filter(period.within("referral__case__keyworker__first_appointed_at"))
        .values(
            *PERSON,
            "referral__case__keyworker__first_appointed_at",
            "referral__case__keyworker__agency__name",
        )
        .order_by("referral__case__keyworker__first_appointed_at", "pk")
    )
    for row in handed.iterator(chunk_size=5000):
        on = row["referral__case__keyworker__first_appointed_at"].astimezone(LONDON).date()
        yield [*_common(row, on), dmy(on), "", row["referral__case__keyworker__agency__name"] or ""]


def list3(period: Period) -> Iterator[list[object]]:
    """One row per child per referral to children's social care received in the period."""
    earlier = (
        Referral.earlier_referrals.through.objects.filter(
            from_referral_id=OuterRef("referral_id"),
            to_referral__received_at__lt=OuterRef("referral__received_at"),
            to_referral__received_at__gte=OuterRef("referral__received_at") - TWELVE_MONTHS,
            to_referral__case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL,
        )
        .values("from_referral_id")
        .annotate(n=Count("pk"))
        .values("n")  # type: ignore[misc]
    )
    rows = (
        ReferralPerson.objects.filter(is_subject=True)
        .filter(period.within("referral__received_at"))
        .filter(referral__case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL)
        # Earlier referrals whose link was cut when a case was destroyed are kept as a count.
        .annotate(last_year=Coalesce(Subquery(earlier), 0) + F("referral__earlier_referrals_destroyed"))
        .values(
            *PERSON,
            "last_year",
            "referral__received_at",
            "referral__source",
            "referral__case__decision__referral_outcome",
            "referral__case__allocated_team",
            "referral__case__allocated_worker",
        )
        .order_by("referral__received_at", "referral__reference", "pk")
    )
    for row in rows.iterator(chunk_size=5000):
        on = row["referral__received_at"].astimezone(LONDON).date()
        nfa = row["referral__case__decision__referral_outcome"] == ReferralOutcome.NFA
        yield [
            *_common(row, on),
            dmy(on),
            source_pick(str(row["referral__source"])),
            NFA[nfa],
            row["last_year"],
            row["referral__case__allocated_team"],
            row["referral__case__allocated_worker"],
        ]


BUILDERS = {"list1": list1, "list2": list2, "list3": list3}


def annex_a(slug: str, period: Period) -> tuple[str, list[str], Iterator[list[object]]]:
    title, columns = LISTS[slug]
    return title, columns, BUILDERS[slug](period)


def counts(period: Period) -> dict[str, int]:
    """How many rows each list has for the period (for the page, without reading the rows)."""
    children = ReferralPerson.objects.filter(is_subject=True)
    return {
        "list1": children.filter(period.within("referral__received_at")).count(),
        "list2": children.filter(
            period.within("referral__case__decision__decided_at"),
            referral__case__decision__outcome=Outcome.EARLY_HELP,
        ).count()
        + children.filter(period.within("referral__case__keyworker__first_appointed_at")).count(),
        "list3": children.filter(
            period.within("referral__received_at"),
            referral__case__decision__contact_outcome=ContactOutcome.CIN_REFERRAL,
        ).count(),
    }
