"""Reads of the disclosure log: the information governance officer's log and a person's transparency report.

Both are reads of personal data about families, so both are audited. Only people who may produce
transparency reports (information governance officers) see anything here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from openmash.accounts.models import User
from openmash.accounts.permissions import Perm, can
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.models import Case
from openmash.consent.models import (
    ConsentRecord,
    Disclosure,
    DisclosureKind,
    ForWhom,
    LawfulBasisDecision,
)
from openmash.core.actor import Actor
from openmash.hub.models import Agency, AgencyKind
from openmash.hub.selectors import hub_configuration
from openmash.referrals.models import ReferralPerson, SubjectWords
from openmash.referrals.selectors import PersonLine

THIRD_PARTY_FLAG = "Contains information about {count} other {people}: review before release"


# The disclosure log ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisclosureFilter:
    case: Case | None = None
    agency: Agency | None = None
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


def sees_whole_log(user: object) -> bool:
    """The hub's own information governance officers (children's social care hosts the hub) answer for
    the whole log; a partner agency's answer for their agency's part of it."""
    return isinstance(user, User) and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE


DISCLOSURE_COLUMNS = tuple(f.name for f in Disclosure._meta.concrete_fields)


def disclosures_visible_to(user: object) -> QuerySet[Disclosure]:
    """The disclosure log for information governance officers, nothing for anyone else: the whole log
    for the hub's, and for a partner agency's what their agency shared or withheld and what their
    staff saw or exported."""
    if not can(user, Perm.TRANSPARENCY_REPORT) or not isinstance(user, User):
        return Disclosure.objects.none()
    # The log names each line's case and agency, nothing more of them: their other columns (a case has
    # dozens) are neither read nor built into objects, fifty lines a page.
    rows = (
        Disclosure.objects.select_related("case", "from_agency")
        .only(*DISCLOSURE_COLUMNS, "case__reference", "from_agency__name")
        .prefetch_related(Prefetch("about", queryset=ReferralPerson.objects.order_by("-is_subject", "pk")))
    )
    return rows if sees_whole_log(user) else agency_part(rows, user)


def agency_part(rows: QuerySet[Disclosure], user: User) -> QuerySet[Disclosure]:
    """The disclosures a partner agency answers for: what it shared or withheld, what its staff saw."""
    return rows.filter(Q(from_agency_id=user.agency_id) | Q(by_user__agency_id=user.agency_id))


def _hub_midnight(day: date) -> datetime:
    """The start of a calendar day in the hub's time zone: dates in filters are the hub's dates."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(hub_configuration().time_zone))


def disclosures_filtered(user: object, chosen: DisclosureFilter) -> QuerySet[Disclosure]:
    """The log, filtered, newest first."""
    rows = disclosures_visible_to(user)
    if chosen.case is not None:
        rows = rows.filter(case=chosen.case)
    if chosen.agency is not None:
        rows = rows.filter(from_agency=chosen.agency)
    if chosen.kind:
        rows = rows.filter(kind=chosen.kind)
    if chosen.date_from is not None:
        rows = rows.filter(at__gte=_hub_midnight(chosen.date_from))
    if chosen.date_to is not None:
        rows = rows.filter(at__lt=_hub_midnight(chosen.date_to + timedelta(days=1)))
    return rows.order_by("-at", "-id")


def case_by_reference(cases: QuerySet[Case], reference: str) -> Case | None:
    """A case found by its reference among the cases the officer may look up (the policy's `ig_cases`)."""
    reference = reference.strip()
    if not reference:
        return None
    return cases.select_related("referral", "destruction").filter(reference__iexact=reference).first()


def people_on(case: Case) -> list[ReferralPerson]:
    """The people named on the case's referral: children first, then by name."""
    return list(case.referral.people.all())


@dataclass(frozen=True, slots=True)
class LineCase:
    reference: str


@dataclass(frozen=True, slots=True)
class LineAgency:
    name: str


@dataclass(frozen=True, slots=True)
class DisclosureLine:
    """One line of the log as the page shows it, read as values (ADR 0037), not as model objects."""

    pk: int
    at: datetime
    kind: str
    item_summary: str
    case: LineCase
    from_agency: LineAgency | None
    to_description: str
    basis_text: str
    reason: str
    people: tuple[PersonLine, ...]

    def get_kind_display(self) -> str:
        try:
            return str(DisclosureKind(self.kind).label)
        except ValueError:
            return self.kind


LINE_COLUMNS = (
    "id",
    "at",
    "kind",
    "item_summary",
    "case__reference",
    "from_agency__name",
    "to_description",
    "basis_text",
    "reason",
)


def line_values(rows: QuerySet[Disclosure]) -> QuerySet[Disclosure, dict[str, Any]]:
    """The columns a line of the log shows, from the rows the officer may see (filtered and ordered)."""
    return rows.prefetch_related(None).values(*LINE_COLUMNS)


def disclosure_lines(values: list[dict[str, Any]]) -> list[DisclosureLine]:
    """A page of the log's values as lines, with the people each is about (children first), read for
    the whole page in one more query."""
    about: dict[int, list[PersonLine]] = {row["id"]: [] for row in values}
    if about:
        through = Disclosure.about.through
        for row in (
            through.objects.filter(disclosure_id__in=list(about))
            .order_by("-referralperson__is_subject", "referralperson_id")
            .values_list(
                "disclosure_id",
                "referralperson_id",
                "referralperson__given_name",
                "referralperson__family_name",
                "referralperson__is_subject",
            )
        ):
            about[row[0]].append(PersonLine(*row[1:]))
    return [
        DisclosureLine(
            pk=row["id"],
            at=row["at"],
            kind=row["kind"],
            item_summary=row["item_summary"],
            case=LineCase(reference=row["case__reference"]),
            from_agency=LineAgency(name=row["from_agency__name"])
            if row["from_agency__name"] is not None
            else None,
            to_description=row["to_description"],
            basis_text=row["basis_text"],
            reason=row["reason"],
            people=tuple(about[row["id"]]),
        )
        for row in values
    ]


def disclosure_log_viewed(
    *,
    actor: Actor,
    shown: list[DisclosureLine],
    people: list[ReferralPerson],
    chosen: DisclosureFilter,
    page: int | str,
) -> None:
    """The log names people: who looked at which part of it is recorded like any other read."""
    persons = {str(p.pk) for d in shown for p in d.people} | {str(p.pk) for p in people}
    audit_record(
        actor=actor,
        action=AuditAction.DISCLOSURES_VIEWED,
        object_type="consent.disclosure",
        persons=sorted(persons),
        detail={
            "case": chosen.case.reference if chosen.case else "",
            "agency": chosen.agency.name if chosen.agency else "",
            "kind": chosen.kind,
            "from": chosen.date_from.isoformat() if chosen.date_from else "",
            "to": chosen.date_to.isoformat() if chosen.date_to else "",
            "page": page,
            "disclosures": [d.pk for d in shown],
        },
    )


# The transparency report -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One line of the report: one disclosure about the person, with why it happened."""

    entry: Disclosure
    basis_kind: str
    basis_text: str
    basis_reason: str
    basis_decided: str
    others: int
    other_roles: list[str]
    about_whom: str = ""
    """For information about someone else that names the person: whose information it is (roles)."""

    @property
    def third_party_flag(self) -> str:
        if not self.others:
            return ""
        return THIRD_PARTY_FLAG.format(count=self.others, people="person" if self.others == 1 else "people")


@dataclass(frozen=True, slots=True)
class ConsentLine:
    record: ConsentRecord
    scope: str


@dataclass(frozen=True, slots=True)
class BasisLine:
    record: LawfulBasisDecision
    scope: str
    grounds: list[str]


@dataclass
class TransparencyReport:
    person: ReferralPerson
    case: Case
    generated_at: datetime
    shared: list[ReportItem] = field(default_factory=list)
    seen: list[ReportItem] = field(default_factory=list)
    withheld: list[ReportItem] = field(default_factory=list)
    mentions: list[ReportItem] = field(default_factory=list)
    """The case's information about the children referred that names this person (not a child referred):
    third-party information, listed apart from what is about the person."""
    consents: list[ConsentLine] = field(default_factory=list)
    bases: list[BasisLine] = field(default_factory=list)
    covers: str = ""
    """Empty for the whole hub; else the agency whose part of the log the report covers."""

    @property
    def name(self) -> str:
        """Who the report is about: their name, or, once the case's personal data was destroyed (the name
        with it), where they were."""
        return str(self.person).strip() or f"Someone on case {self.case.reference}"

    @property
    def agencies(self) -> list[str]:
        return sorted({item.entry.from_agency.name for item in self.shared})

    @property
    def viewed_count(self) -> int:
        return sum(1 for item in self.seen if item.entry.kind == DisclosureKind.VIEWED)

    @property
    def exported_count(self) -> int:
        return sum(1 for item in self.seen if item.entry.kind == DisclosureKind.EXPORTED)

    @property
    def flagged_count(self) -> int:
        return sum(1 for item in [*self.shared, *self.withheld] if item.others)


def _role_of(person: ReferralPerson, words: SubjectWords) -> str:
    """Their relationship ("mother"), or for the person referred the case's words ("child referred",
    "adult at risk referred")."""
    return words.referred if person.is_subject else str(person.get_relationship_display()).lower()


def _roles(people: list[ReferralPerson], words: SubjectWords) -> list[str]:
    roles = Counter(_role_of(p, words) for p in people)
    return [role if n == 1 else f"{role} ({n})" for role, n in sorted(roles.items())]


def _item(entry: Disclosure, person: ReferralPerson, words: SubjectWords) -> ReportItem:
    # A person's own record names only the people whose records hold it (usually them alone); the
    # case's information names everyone in `about`.
    others = [p for p in entry.about.all() if p.pk != person.pk]
    basis = entry.lawful_basis
    if entry.consent_id is not None:
        kind, reason, decided = "Consent", "", ""
    elif basis is not None:
        kind, reason = "Lawful basis without consent", basis.reason
        decided = f"{basis.decided_by.get_full_name() or basis.decided_by}, {basis.decided_at:%d %B %Y}"
    else:
        kind, reason, decided = "", "", ""
    return ReportItem(
        entry=entry,
        basis_kind=kind,
        basis_text=entry.basis_text,
        basis_reason=reason,
        basis_decided=decided,
        others=len(others),
        other_roles=_roles(others, words),
    )


def _whose(entry: Disclosure, person: ReferralPerson) -> str:
    """Where an entry belongs in the person's report: "own" (about them), "mentions" (the case's
    information about the children referred, naming them), or "" (another person's own record)."""
    if entry.subject_id is not None:  # `about` holds everyone whose own record it is
        return "own" if any(p.pk == person.pk for p in entry.about.all()) else ""
    return "own" if person.is_subject else "mentions"


def _agency_scope(record: ConsentRecord | LawfulBasisDecision) -> str:
    if record.all_agencies:
        return "All agencies"
    return ", ".join(sorted(a.name for a in record.agencies.all()))


def _consents_about(case: Case, person: ReferralPerson) -> list[ConsentLine]:
    records = (
        case.consents.filter(Q(given_by=person) | Q(child=person) | Q(for_whom=ForWhom.HOUSEHOLD))
        .select_related("given_by", "child", "recorded_by", "withdrawn_by")
        .prefetch_related("agencies")
        .order_by("given_at", "created_at")
    )
    return [ConsentLine(record=r, scope=_agency_scope(r)) for r in records]


def _bases_on(case: Case) -> list[BasisLine]:
    from openmash.consent.models import SPECIAL_CATEGORY_BASIS, health_override_text

    lines = []
    for record in case.lawful_bases.select_related("decided_by").prefetch_related("agencies"):
        grounds = [str(record.get_art6_display())]
        if record.special_category:
            grounds.append(SPECIAL_CATEGORY_BASIS)
        if record.health_override:
            grounds.append(health_override_text(case.referral.subject_words))
        lines.append(BasisLine(record=record, scope=_agency_scope(record), grounds=grounds))
    return lines


def transparency_report_for(*, actor: Actor, person: ReferralPerson, output: str) -> TransparencyReport:
    """Everything shared about the person, by whom, with whom, when and why; views, exports and refusals.

    Ready for a subject access request: the person's own records and the case's information about the
    children referred (for a child referred); another person's own records are left out; for anyone
    else on the case, the case's information naming them is listed apart as third-party information.
    Items that also concern other people are flagged for review before release. Producing the report
    is audited (`output` is "html" or "pdf").
    """
    case = person.referral.case
    entries = (
        Disclosure.objects.filter(about=person)
        # Not another person's own records: those are about their owners alone (`_whose`).
        .select_related("from_agency", "by_user", "consent", "lawful_basis", "lawful_basis__decided_by")
        .prefetch_related("about")
        .order_by("at", "id")
    )
    covers = ""
    user = actor.user
    if isinstance(user, User) and not sees_whole_log(user):  # a partner agency answers for its part
        entries = agency_part(entries, user)
        covers = user.agency.name
    report = TransparencyReport(person=person, case=case, generated_at=timezone.now(), covers=covers)
    words = person.referral.subject_words
    for entry in entries:
        whose = _whose(entry, person)
        if not whose:
            continue
        item = _item(entry, person, words)
        if whose == "mentions":
            children = [p for p in entry.about.all() if p.is_subject]
            report.mentions.append(replace(item, about_whom=", ".join(_roles(children, words)) or "the case"))
        elif entry.kind == DisclosureKind.SHARED:
            report.shared.append(item)
        elif entry.kind == DisclosureKind.WITHHELD:
            report.withheld.append(item)
        else:
            report.seen.append(item)
    report.consents = _consents_about(case, person)
    report.bases = _bases_on(case)
    audit_record(
        actor=actor,
        action=AuditAction.TRANSPARENCY_REPORT,
        obj=person,
        persons=[str(person.pk)],
        detail={
            "case": case.reference,
            "output": output,
            "shared": len(report.shared),
            "seen": len(report.seen),
            "withheld": len(report.withheld),
            "mentions": len(report.mentions),
            "flagged": report.flagged_count,
        },
    )
    return report
