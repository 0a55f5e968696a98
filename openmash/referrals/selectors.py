"""Reads of the people on referrals for lists (no access decision here: the caller's rows are the ones
the access policy let it read)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from openmash.referrals.models import PEOPLE_ORDER, ReferralPerson


@dataclass(frozen=True, slots=True)
class PersonLine:
    """A person on a referral, as a list names them (docs/adr/0037-list-rows-read-as-values.md)."""

    pk: UUID
    given_name: str
    family_name: str
    is_subject: bool

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


def people_on_referrals(
    referral_ids: Iterable[UUID], *, subjects_only: bool = False
) -> dict[UUID, list[PersonLine]]:
    """Each referral's people in the people's own order (the people referred first, then by name), read
    in one query for a whole page of rows."""
    people = ReferralPerson.objects.filter(referral_id__in=set(referral_ids))
    if subjects_only:
        people = people.filter(is_subject=True)
    found: dict[UUID, list[PersonLine]] = {}
    for referral_id, pk, given_name, family_name, is_subject in people.order_by(
        "referral_id", *PEOPLE_ORDER
    ).values_list("referral_id", "pk", "given_name", "family_name", "is_subject"):
        found.setdefault(referral_id, []).append(PersonLine(pk, given_name, family_name, is_subject))
    return found
