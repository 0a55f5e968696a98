"""The three hub models in the report, as presets that set the core agencies and the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from openmash.core.codes import ReferralSource
from openmash.hub.models import (
    AgencyKind,
    AssessmentDomain,
    HubModel,
    Location,
    RagRating,
    RiskGrading,
    Specialism,
    TimeUnit,
)


@dataclass(frozen=True, slots=True)
class CoreAgency:
    kind: AgencyKind
    name: str
    location: Location
    duty_of_confidentiality: bool = False


@dataclass(frozen=True, slots=True)
class Preset:
    slug: str
    hub_model: HubModel
    name: str
    consent_before_search: bool
    decision_in_hub: bool
    screen_all_referrals: bool
    destroy_record_on_keyworker: bool
    covers_adults: bool
    core_agencies: tuple[CoreAgency, ...]


CSC = CoreAgency(AgencyKind.CHILDRENS_SOCIAL_CARE, "Children's Social Care", Location.CO_LOCATED)
POLICE = CoreAgency(AgencyKind.POLICE, "Police", Location.CO_LOCATED)
HEALTH = CoreAgency(AgencyKind.HEALTH, "Health", Location.CO_LOCATED, duty_of_confidentiality=True)
EDUCATION = CoreAgency(AgencyKind.EDUCATION, "Education", Location.CO_LOCATED)
PROBATION = CoreAgency(AgencyKind.PROBATION, "Probation", Location.CO_LOCATED)
HOUSING = CoreAgency(AgencyKind.HOUSING, "Housing", Location.CO_LOCATED)
YOS = CoreAgency(AgencyKind.YOUTH_OFFENDING, "Youth Offending Service", Location.CO_LOCATED)


def _virtual(agency: CoreAgency) -> CoreAgency:
    return CoreAgency(agency.kind, agency.name, Location.VIRTUAL, agency.duty_of_confidentiality)


PRESETS: dict[str, Preset] = {
    "front-door": Preset(
        slug="front-door",
        hub_model=HubModel.FRONT_DOOR,
        name="Front Door MASH",
        consent_before_search=False,
        decision_in_hub=True,
        screen_all_referrals=True,
        destroy_record_on_keyworker=False,
        covers_adults=True,
        core_agencies=(
            CSC,
            POLICE,
            HEALTH,
            EDUCATION,
            CoreAgency(AgencyKind.EARLY_HELP, "Early Help", Location.CO_LOCATED),
            _virtual(PROBATION),
            _virtual(HOUSING),
            _virtual(YOS),
            CoreAgency(AgencyKind.ADULT_SOCIAL_CARE, "Adult Social Care", Location.VIRTUAL),
        ),
    ),
    "children-in-need": Preset(
        slug="children-in-need",
        hub_model=HubModel.CHILDREN_IN_NEED,
        name="Children in Need MASH",
        consent_before_search=False,
        decision_in_hub=True,
        screen_all_referrals=False,
        destroy_record_on_keyworker=False,
        covers_adults=False,
        core_agencies=(CSC, POLICE, HEALTH, EDUCATION, PROBATION, HOUSING, YOS),
    ),
    "early-help": Preset(
        slug="early-help",
        hub_model=HubModel.EARLY_HELP,
        name="Early Help Hub",
        consent_before_search=True,
        decision_in_hub=False,
        screen_all_referrals=False,
        destroy_record_on_keyworker=True,
        covers_adults=False,
        core_agencies=(
            CSC,
            CoreAgency(AgencyKind.EARLY_HELP, "Early Help", Location.CO_LOCATED),
            CoreAgency(AgencyKind.CHILDRENS_CENTRES, "Children's Centres", Location.CO_LOCATED),
            CoreAgency(AgencyKind.ADULT_SOCIAL_CARE, "Adult Social Care", Location.CO_LOCATED),
            _virtual(POLICE),
            CoreAgency(AgencyKind.DISTRICT_COUNCIL, "District Council", Location.VIRTUAL),
        ),
    ),
}


# Police domestic-abuse notifications graded standard: the notifications hubs that do not screen every
# referral most often triage in bulk (set on every preset; used only where not everything is screened).
DEFAULT_TRIAGE = (ReferralSource.POLICE.value, "domestic_abuse", RiskGrading.STANDARD.value)

# The specialist teams the front door routes to; a hub administrator renames, adds or retires them.
DEFAULT_TEAMS: tuple[tuple[str, Specialism], ...] = (
    ("Domestic abuse team", Specialism.DOMESTIC_ABUSE),
    ("Exploitation team", Specialism.EXPLOITATION),
    ("Missing people team", Specialism.MISSING),
    ("Adults at risk team", Specialism.ADULTS_AT_RISK),
    ("Hate crime team", Specialism.HATE_CRIME),
    ("Early help team", Specialism.EARLY_HELP),
)


@dataclass(frozen=True, slots=True)
class DefaultResponseTime:
    rating: RagRating
    amount: int
    unit: TimeUnit
    runs_out_of_hours: bool = False


DEFAULT_RESPONSE_TIMES = (
    DefaultResponseTime(RagRating.RED, 4, TimeUnit.WORKING_HOURS),
    DefaultResponseTime(RagRating.AMBER, 1, TimeUnit.WORKING_DAYS),
    DefaultResponseTime(RagRating.GREEN, 3, TimeUnit.WORKING_DAYS),
)
DEFAULT_DAY = (time(9, 0), time(17, 0))


@dataclass(frozen=True, slots=True)
class DefaultLevel:
    number: int
    name: str
    description: str
    typical_response: str
    indicators: tuple[tuple[AssessmentDomain, str], ...]


A, P, F = AssessmentDomain.CHILD, AssessmentDomain.PARENTING, AssessmentDomain.FAMILY
DEFAULT_THRESHOLDS = (
    DefaultLevel(
        1,
        "Universal",
        "Children whose needs are met by universal services.",
        "No referral needed; signpost to universal services",
        (
            (A, "Healthy, developing well and attending school regularly"),
            (P, "Parents provide consistent, safe care"),
            (F, "Stable housing and support from family and community"),
        ),
    ),
    DefaultLevel(
        2,
        "Early help",
        "Children with additional needs that a single agency or a team around the family can meet.",
        "Targeted early help with consent: a keyworker and a Team Around the Family",
        (
            (A, "School attendance falling or persistent lateness"),
            (A, "Emerging behavioural or emotional difficulties"),
            (P, "Parent struggling with routines or boundaries"),
            (F, "Family under financial or housing stress"),
        ),
    ),
    DefaultLevel(
        3,
        "Child in need",
        "Children whose development is likely to be significantly impaired without services.",
        "Children Act 1989 s.17 assessment by children's social care",
        (
            (A, "Significant unmet health or developmental needs"),
            (A, "Child missing from home or education repeatedly"),
            (P, "Parental substance misuse or mental ill health affecting care"),
            (F, "Domestic abuse in the household"),
        ),
    ),
    DefaultLevel(
        4,
        "Child protection",
        "Children suffering, or likely to suffer, significant harm.",
        "s.47 enquiry; strategy discussion with police and others",
        (
            (A, "Disclosure or evidence of physical, sexual or emotional abuse"),
            (A, "Suspected child sexual or criminal exploitation"),
            (P, "Parent unable or unwilling to protect the child from harm"),
            (F, "Serious domestic abuse with the child present"),
        ),
    ),
)
