"""The sharing gate: may agency X's information about person P be searched or shared on case C?

One function answers, from the hub model's rules, with the reason and what would unblock a refusal:
- Early help hubs: nothing is asked for or searched before consent that covers the agency.
- Agencies bound by a health-style duty of confidentiality: consent that names health information
  specifically, or a recorded decision to set the duty aside because of a risk of significant harm.
- Other agencies: consent that covers them, or a recorded lawful basis for proceeding without consent.
Withdrawn consent covers nothing from the moment it is withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from openmash.cases.models import Case
from openmash.consent.models import (
    SPECIAL_CATEGORY_BASIS,
    ConsentDecision,
    ConsentRecord,
    ForWhom,
    LawfulBasisDecision,
    health_override_text,
)
from openmash.hub.models import Agency, HubConfiguration
from openmash.referrals.models import ReferralPerson


class Purpose(StrEnum):
    SEARCH = "search"
    SHARE = "share"


@dataclass(frozen=True, slots=True)
class GateDecision:
    allowed: bool
    reason: str
    unblock: str = ""
    consent: ConsentRecord | None = None
    lawful_basis: LawfulBasisDecision | None = None

    @property
    def basis_text(self) -> str:
        if self.consent is not None:
            c = self.consent
            scope = "including health information" if c.includes_health else "not naming health information"
            how = c.get_informed_how_display().lower()
            return (
                f"Consent from {c.given_by} for {c.for_whom_label.lower()} "
                f"({how}, privacy notice {c.privacy_notice_version}, {scope})"
            )
        if self.lawful_basis is not None:
            b = self.lawful_basis
            parts = [b.get_art6_display()]
            if b.special_category:
                parts.append(SPECIAL_CATEGORY_BASIS)
            if b.health_override:
                parts.append(health_override_text(b.case.referral.subject_words))
            return "; ".join(parts)
        return ""


EARLY_HELP_NEEDS_CONSENT = (
    "This early help hub asks for consent before any request or search, and no consent covering {agency} "
    "has been recorded."
)
HEALTH_NEEDS_SPECIFIC = (
    "{agency} is bound by a duty of confidentiality: its information needs consent that names health "
    "information, or a recorded decision to set the duty aside."
)
NOTHING_COVERS = "No consent or lawful basis to proceed without consent covers {agency}."
REFUSED_NOTE = " Consent was asked for and refused on {when:%d %B %Y}."
WITHDRAWN_NOTE = " Consent was withdrawn on {when:%d %B %Y}."
UNBLOCK_CONSENT = "Record consent from {whom} that covers {agency}{health}."
UNBLOCK_HEALTH = (
    "Record consent that names health information, or a lawful-basis decision that sets aside the duty "
    "of confidentiality because of a risk of significant harm."
)
UNBLOCK_ANY = "Record consent that covers {agency}, or a lawful-basis decision to proceed without consent."
ALLOWED_BY_CONSENT = "Consent covers {agency}."
ALLOWED_BY_BASIS = "A lawful basis to proceed without consent covers {agency}."


def _covers_agency(record: ConsentRecord | LawfulBasisDecision, agency: Agency) -> bool:
    return record.all_agencies or any(a.pk == agency.pk for a in record.agencies.all())


def _covered_person_id(consent: ConsentRecord) -> object:
    return consent.given_by_id if consent.for_whom == ForWhom.SELF else consent.child_id


def evaluate(
    *,
    config: HubConfiguration,
    case: Case,
    agency: Agency,
    purpose: Purpose,
    person: ReferralPerson | None = None,
) -> GateDecision:
    """The rule itself, without side effects. `person` None means the case as a whole (every child)."""
    subjects = [p for p in case.referral.people.all() if p.is_subject]
    consents = list(case.consents.all())
    health = agency.duty_of_confidentiality
    usable = [
        c for c in consents if c.is_active and _covers_agency(c, agency) and (c.includes_health or not health)
    ]
    if person is not None:
        usable = [c for c in usable if c.for_whom == ForWhom.HOUSEHOLD or _covered_person_id(c) == person.pk]
    elif usable and not any(c.for_whom == ForWhom.HOUSEHOLD for c in usable):
        # The case as a whole: every child referred must be covered.
        covered = {_covered_person_id(c) for c in usable}
        if not all(s.pk in covered for s in subjects):
            usable = []
    name = agency.name
    if usable:
        return GateDecision(True, ALLOWED_BY_CONSENT.format(agency=name), consent=usable[0])
    note = _consent_note(consents)
    if config.consent_before_search:
        health_words = ", naming health information specifically" if health else ""
        return GateDecision(
            False,
            EARLY_HELP_NEEDS_CONSENT.format(agency=name) + note,
            UNBLOCK_CONSENT.format(
                whom=case.referral.subject_words.consent_from, agency=name, health=health_words
            ),
        )
    bases = [
        b for b in case.lawful_bases.all() if _covers_agency(b, agency) and (b.health_override or not health)
    ]
    if bases:
        return GateDecision(True, ALLOWED_BY_BASIS.format(agency=name), lawful_basis=bases[-1])
    if health:
        return GateDecision(False, HEALTH_NEEDS_SPECIFIC.format(agency=name) + note, UNBLOCK_HEALTH)
    return GateDecision(False, NOTHING_COVERS.format(agency=name) + note, UNBLOCK_ANY.format(agency=name))


def _consent_note(consents: list[ConsentRecord]) -> str:
    if not consents:
        return ""
    last = consents[-1]
    if last.decision == ConsentDecision.REFUSED:
        return REFUSED_NOTE.format(when=last.given_at)
    if last.withdrawn_at is not None:
        return WITHDRAWN_NOTE.format(when=last.withdrawn_at)
    return ""
