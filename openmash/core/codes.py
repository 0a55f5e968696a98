"""National code lists (domain/CODES.md): stored as codes, labels versioned by collection year."""

from __future__ import annotations

from django.db import models

CODES_COLLECTION_YEAR = "2025-26"


class ReferralSource(models.TextChoices):
    """CIN census ReferralSource (N00152), also the SSD and Annex A contact source."""

    INDIVIDUAL_FAMILY = "1A", "Individual: family member, relative or carer"
    INDIVIDUAL_ACQUAINTANCE = "1B", "Individual: acquaintance (including neighbours and child minders)"
    INDIVIDUAL_SELF = "1C", "Individual: self"
    INDIVIDUAL_OTHER = "1D", "Individual: other (including strangers)"
    SCHOOLS = "2A", "Schools"
    EDUCATION_SERVICES = "2B", "Education services"
    HEALTH_GP = "3A", "Health services: general practitioner (GP)"
    HEALTH_VISITOR = "3B", "Health services: health visitor"
    HEALTH_SCHOOL_NURSE = "3C", "Health services: school nurse"
    HEALTH_OTHER_PRIMARY = "3D", "Health services: other primary health services"
    HEALTH_AE = "3E", "Health services: A&E (accident and emergency department)"
    HEALTH_OTHER = "3F", "Health services: other (for example hospice)"
    HOUSING = "4", "Housing: local authority housing or housing association"
    LA_SOCIAL_CARE = "5A", "LA services: social care, for example adults social care services"
    LA_OTHER_INTERNAL = "5B", "LA services: other internal (for example youth offending, excluding housing)"
    LA_EXTERNAL = "5C", "LA services: external, for example another LA's adults social care"
    LA_EARLY_HELP = "5D", "LA services: early help"
    POLICE = "6", "Police"
    OTHER_LEGAL = "7", "Other legal agency: courts, probation, immigration, CAFCASS or prison"
    OTHER = "8", "Other: children's centres, independent agency providers or voluntary organisations"
    ANONYMOUS = "9", "Anonymous"
    UNKNOWN = "10", "Unknown"


class Sex(models.TextChoices):
    """CIN census Sex (N00783), from 2024-25."""

    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Unknown or not recorded"


class ContactOutcome(models.TextChoices):
    """SSD contact outcome values (SSD038)."""

    NFA = "nfa", "No Further Action"
    ADVICE = "advice", "Information and Advice"
    EARLY_HELP = "early_help", "EH Referral"
    CIN_REFERRAL = "cin_referral", "CIN Referral"


class ReferralOutcome(models.TextChoices):
    """SSD CIN referral outcome values (SSD051)."""

    NFA = "nfa", "No Further Action"
    ADVICE = "advice", "Advice and Information or signpost to other services"
    EARLY_HELP = "early_help", "Step-down to Early Help"
    ASSESSMENT = "assessment", "Assessment required"
    STRATEGY = "strategy", "Strategy discussion and/or Section 47 enquiry"
    OTHER = "other", "Other"
