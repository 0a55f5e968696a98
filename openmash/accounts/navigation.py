"""Navigation per role: what each role's service navigation shows."""

from __future__ import annotations

from dataclasses import dataclass

from openmash.accounts.roles import Role


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    url_name: str
    action: str = ""
    """An access-policy action the person must be allowed, for a link only some holders of the role may
    follow (the hub's retention, not a partner agency's officer)."""


HOME = NavItem("Home", "accounts:home")
HUB_ITEMS = [
    NavItem("Hub settings", "hub:overview"),
    NavItem("Agencies", "hub:agencies"),
    NavItem("Specialist teams", "teams:manage"),
    NavItem("Response times", "hub:response-times"),
    NavItem("Thresholds", "hub:thresholds"),
    NavItem("Calendar", "hub:calendar"),
    NavItem("Data sources", "sources:list"),
    NavItem("Users", "accounts:users"),
]

NAVIGATION: dict[Role, list[NavItem]] = {
    Role.REFERRER: [
        HOME,
        NavItem("Make a referral", "referrals:create"),
        NavItem("Outcomes", "feedback:outcomes"),
    ],
    Role.SCREENING_MANAGER: [
        HOME,
        NavItem("Screening queue", "cases:queue"),
        NavItem("Triage list", "cases:triage"),
        NavItem("Cases", "cases:list"),
        NavItem("Teams", "teams:list"),
        NavItem("Thresholds", "hub:thresholds"),
    ],
    Role.AGENCY_RESEARCHER: [
        HOME,
        NavItem("Requests", "enquiries:queue"),
        NavItem("Teams", "teams:list"),
        NavItem("Handed over", "teams:handed-over"),
        NavItem("Outcomes", "feedback:outcomes"),
    ],
    Role.DECISION_MAKER: [
        HOME,
        NavItem("Ready for decision", "decisions:queue"),
        NavItem("Cases", "cases:list"),
        NavItem("Thresholds", "hub:thresholds"),
    ],
    Role.MEETING_CHAIR: [HOME, NavItem("Meetings", "meetings:list"), NavItem("Cases", "cases:list")],
    Role.IG_OFFICER: [
        HOME,
        NavItem("Audit trail", "audit:events"),
        NavItem("Disclosures", "consent:disclosures"),
        NavItem("Retention", "retention:schedule", action="retention.view"),
    ],
    Role.PERFORMANCE_MANAGER: [HOME, NavItem("Response times", "hub:response-times")],
    Role.HUB_ADMINISTRATOR: [
        HOME,
        *HUB_ITEMS,
        NavItem("Retention", "retention:schedule", action="retention.view"),
    ],
}
