"""The synthetic demo hub that `make demo` loads. Idempotent: running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from openmash.accounts.models import RoleGrant, User
from openmash.accounts.roles import Role
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.demo.cases import demo_walks, load_demo_cases
from openmash.demo.sources import demo_sources
from openmash.hub.models import Agency, AgencyKind, HubConfiguration, Specialism, Team
from openmash.hub.services import hub_apply_preset
from openmash.synth import generate_area, write_area
from openmash.synth.extracts import generate_extracts

DEMO_PASSWORD = "synthetic-demo-only"  # noqa: S105 - printed for the demo; never a real hub


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    agency_kind: AgencyKind
    role: Role

    @property
    def role_label(self) -> str:
        return self.role.label


K, R = AgencyKind, Role
DEMO_USERS = (
    DemoUser("referrer.school", "Amira", "Okafor", K.EDUCATION, R.REFERRER),
    DemoUser("referrer.gp", "Tom", "Hollis", K.HEALTH, R.REFERRER),
    DemoUser("referrer.police", "Gareth", "Lloyd", K.POLICE, R.REFERRER),
    DemoUser("screening.manager", "Priya", "Shah", K.CHILDRENS_SOCIAL_CARE, R.SCREENING_MANAGER),
    DemoUser("decision.maker", "Helen", "Marsh", K.CHILDRENS_SOCIAL_CARE, R.DECISION_MAKER),
    DemoUser("meeting.chair", "David", "Ansah", K.CHILDRENS_SOCIAL_CARE, R.MEETING_CHAIR),
    DemoUser("csc.researcher", "Lucy", "Fenwick", K.CHILDRENS_SOCIAL_CARE, R.AGENCY_RESEARCHER),
    DemoUser("police.researcher", "Mark", "Doyle", K.POLICE, R.AGENCY_RESEARCHER),
    DemoUser("health.researcher", "Sarah", "Nwosu", K.HEALTH, R.AGENCY_RESEARCHER),
    DemoUser("education.researcher", "Joanne", "Pike", K.EDUCATION, R.AGENCY_RESEARCHER),
    DemoUser("earlyhelp.researcher", "Kofi", "Mensah", K.EARLY_HELP, R.AGENCY_RESEARCHER),
    DemoUser("probation.researcher", "Ian", "Crawford", K.PROBATION, R.AGENCY_RESEARCHER),
    DemoUser("housing.researcher", "Bethan", "Rees", K.HOUSING, R.AGENCY_RESEARCHER),
    DemoUser("yos.researcher", "Callum", "Reid", K.YOUTH_OFFENDING, R.AGENCY_RESEARCHER),
    DemoUser("asc.researcher", "Margaret", "Iqbal", K.ADULT_SOCIAL_CARE, R.AGENCY_RESEARCHER),
    DemoUser("ig.officer", "Nadia", "Kowalski", K.CHILDRENS_SOCIAL_CARE, R.IG_OFFICER),
    DemoUser("performance.manager", "Robert", "Tait", K.CHILDRENS_SOCIAL_CARE, R.PERFORMANCE_MANAGER),
    DemoUser("hub.admin", "Grace", "Adeyemi", K.CHILDRENS_SOCIAL_CARE, R.HUB_ADMINISTRATOR),
    # A second hub administrator: grants of roles that open case records need one to approve them.
    DemoUser("hub.admin2", "Daniel", "Osei", K.CHILDRENS_SOCIAL_CARE, R.HUB_ADMINISTRATOR),
)


@dataclass(frozen=True, slots=True)
class ListedUser:
    username: str
    role_label: str
    agency: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    hub_name: str
    hub_model: str
    users: list[ListedUser]
    people: int
    households: int
    referrals: int
    cases: int
    sources: list[str]
    walks: list[str] = field(default_factory=list)
    """Where the states reviewers walk through are (an adult at risk, someone added in error)."""


def load_demo_hub(*, preset: str = "front-door") -> tuple[HubConfiguration, list[ListedUser]]:
    """The hub, its agencies' mailboxes and one demo user per role and agency (idempotent)."""
    actor = Actor.system("demo_load")
    config = hub_apply_preset(actor=actor, preset_slug=preset)
    if not config.contact_email:
        config.contact_email = "mash.hub@openmash.invalid"
        config.contact_phone = "01632 960 100"
        config.out_of_hours_arrangement = (
            "Outside office hours call the emergency duty team on 01632 960 999; for a child in immediate "
            "danger call the police on 999."
        )
        config.save(update_fields=["contact_email", "contact_phone", "out_of_hours_arrangement"])
    for partner in Agency.objects.filter(contact_email=""):
        mailbox = slugify(partner.name)
        partner.contact_email = f"mash.{mailbox}@openmash.invalid"
        partner.lead_email = partner.lead_email or f"lead.{mailbox}@openmash.invalid"
        partner.save(update_fields=["contact_email", "lead_email"])
    listed: list[ListedUser] = []
    with transaction.atomic():
        for spec in DEMO_USERS:
            agency = Agency.objects.filter(kind=spec.agency_kind).order_by("created_at").first()
            if agency is None:  # a preset without this kind of agency: add it as a virtual partner
                agency = Agency.objects.create(name=spec.agency_kind.label, kind=spec.agency_kind)
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username}@openmash.invalid",
                    "agency": agency,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                RoleGrant.objects.create(user=user, role=spec.role)
            listed.append(ListedUser(user.username, spec.role.label, user.agency.name))
        # Specialist teams' members: the police researcher works in the domestic abuse, exploitation,
        # missing and hate crime teams; early help and adult social care in their own teams.
        for specialism, username in TEAM_MEMBERS:
            member = User.objects.filter(username=username).first()
            if member is not None:
                for team in Team.objects.filter(specialism=specialism):
                    team.members.add(member)
    return config, listed


TEAM_MEMBERS = (
    (Specialism.DOMESTIC_ABUSE, "police.researcher"),
    (Specialism.EXPLOITATION, "police.researcher"),
    (Specialism.MISSING, "police.researcher"),
    (Specialism.HATE_CRIME, "police.researcher"),
    (Specialism.EARLY_HELP, "earlyhelp.researcher"),
    (Specialism.ADULTS_AT_RISK, "asc.researcher"),
)


def load_demo(
    *, seed: int, households: int, area_dir: Path, preset: str = "front-door", cases: int = 200
) -> DemoResult:
    actor = Actor.system("demo_load")
    config, listed = load_demo_hub(preset=preset)
    # The area is drawn as of today, so referrals fall in the twelve months before now.
    area = generate_area(seed, households=households, reference_date=timezone.localdate())
    write_area(area, area_dir)
    cases = load_demo_cases(area=area, seed=seed, count=cases)
    loads = demo_sources(actor=actor, extracts=generate_extracts(area), directory=area_dir / "extracts")
    audit_record(
        actor=actor,
        action=AuditAction.DEMO_LOADED,
        detail={
            "seed": seed,
            "households": households,
            "users": len(listed),
            "cases": cases,
            "sources": len(loads),
        },
    )
    return DemoResult(
        hub_name=config.name,
        hub_model=config.get_hub_model_display(),
        users=listed,
        people=len(area.people),
        households=len(area.households),
        referrals=len(area.referrals),
        cases=cases,
        sources=[
            f"{load.source.agency.name}: {load.source.name} – {load.records} records, {load.events} events"
            if load.records is not None
            else f"{load.source.agency.name}: {load.source.name} – load failed: {load.error}"
            for load in loads
        ],
        walks=demo_walks(),
    )
