"""The disclosure log's record of agency returns seen or exported: each returned request shown to a
person (case page, decision page, chronology, meeting pack) is logged under the basis it was first
shared on (`consent.Disclosure`), in words that say what it was shown in."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import User
from openmash.cases.destroyed import when_destroyed
from openmash.cases.models import Case
from openmash.consent.models import Disclosure, DisclosureKind
from openmash.consent.services import viewer_description
from openmash.core.actor import Actor
from openmash.core.prepared import Param, Prepared, PreparedInsert, kept_rows
from openmash.enquiries.models import InformationRequest, RequestStatus


def _log_returns_seen(
    *,
    kind: DisclosureKind,
    actor: Actor,
    case: Case,
    where: str,
    item_type: str = "return",
    summary: str = "{agency}'s return",
    agencies: Collection[object] | None = None,
) -> list[Disclosure]:
    """One line per returned request the person saw or exported, under the basis it was shared on.
    ``agencies``: only the returns of these agencies were shown (the access policy's answer). None once
    the case's personal data was destroyed: no return is left to be seen, and nothing more is recorded."""
    if when_destroyed(case) is not None:
        return []
    kept = kept_rows(case, "requests")  # the page loaded them already
    if kept is not None:
        returned = [r for r in kept if r.status == RequestStatus.RETURNED]
    else:
        returned = _RETURNED.run(case=case.pk)
    if agencies is not None:
        returned = [r for r in returned if r.agency_id in agencies]
    if not returned:
        return []
    # The basis each return was shared on: its consent, lawful basis and words (the latest line of each).
    shared: dict[str, tuple[UUID | None, UUID | None, str]] = {
        item: (consent, lawful_basis, words)
        for item, consent, lawful_basis, words in _SHARED_RETURNS.run(case=case.pk)
    }
    people = list(case.referral.people.all())
    to = viewer_description(actor)
    user = actor.user if isinstance(actor.user, User) else None
    now = timezone.now()
    entries = []
    for request in returned:
        consent_id, lawful_basis_id, basis_text = shared.get(str(request.pk), (None, None, ""))
        entries.append(
            Disclosure(
                at=now,
                kind=kind,
                case=case,
                from_agency=request.agency,
                to_description=to[:300],
                by_user=user,
                item_type=item_type,
                item_id=str(request.pk),
                item_summary=summary.format(agency=request.agency.name)[:300],
                consent_id=consent_id,
                lawful_basis_id=lawful_basis_id,
                basis_text=basis_text,
                reason=where,
            )
        )
    # In one statement however many returns the page showed: the lines, and who they were about.
    with transaction.atomic(savepoint=False):
        _INSERT_LINES.insert_linked(
            entries, _INSERT_ABOUT, ("disclosure", "referralperson"), [person.pk for person in people]
        )
    return entries


# Written on every page that shows returns: their SQL built once (ADR 0040).
_ABOUT = Disclosure.about.through
_INSERT_LINES = PreparedInsert(Disclosure)
_INSERT_ABOUT = PreparedInsert(_ABOUT)


_RETURNED = Prepared(
    lambda: InformationRequest.objects.filter(
        case_id=Param("case", Case._meta.pk), status=RequestStatus.RETURNED
    ).select_related("agency")
)
# The basis each return was shared on, read whenever a page shows returns: compiled once (ADR 0040). By
# the case and kind index, as ids: joining the consent and lawful basis records made PostgreSQL, which
# cannot tell how few of a much-viewed case's lines are shared, read both tables whole (9 ms).
_SHARED_RETURNS = Prepared(
    lambda: (
        Disclosure.objects.filter(
            case_id=Param("case", Case._meta.pk), kind=DisclosureKind.SHARED, item_type="return"
        )
        .order_by("at", "id")
        .values_list("item_id", "consent_id", "lawful_basis_id", "basis_text")
    )
)


def returns_viewed(*, actor: Actor, case: Case, where: str = "", **item: Any) -> list[Disclosure]:
    """Log each agency return shown to this person (case page, decision page, chronology), with its
    original basis. ``item`` may name the item_type and summary ("{agency}'s …") logged."""
    return _log_returns_seen(kind=DisclosureKind.VIEWED, actor=actor, case=case, where=where, **item)


def returns_exported(*, actor: Actor, case: Case, where: str, **item: Any) -> list[Disclosure]:
    """Log each agency return included in a download (a meeting pack, an export), with its original basis."""
    return _log_returns_seen(kind=DisclosureKind.EXPORTED, actor=actor, case=case, where=where, **item)


@dataclass(frozen=True, slots=True)
class Shown:
    """How a person saw or took away agency returns, in the disclosure log's words."""

    viewed: bool
    where: str
    item_type: str
    summary: str


CASE_PRODUCT_VIEWED = Shown(
    True, "Case product viewed", "case_product", "{agency}'s return in the case product"
)
PRODUCT_PACK_DOWNLOADED = Shown(
    False, "Case product PDF pack downloaded", "case_pack", "{agency}'s return in the case product PDF pack"
)
CHRONOLOGY_VIEWED = Shown(
    True, "Chronology viewed", "chronology", "{agency}'s history items in the chronology"
)
CHRONOLOGY_CSV_EXPORTED = Shown(
    False,
    "Chronology CSV exported",
    "chronology_csv",
    "{agency}'s history items in the chronology CSV export",
)


def returns_shown(
    *, actor: Actor, case: Case, shown: Shown, agencies: Collection[object]
) -> list[Disclosure]:
    """Each agency's returned information that a page or download showed goes in the disclosure log,
    named for what it was (the case product or its PDF pack, the chronology or its CSV)."""
    log = returns_viewed if shown.viewed else returns_exported
    return log(
        actor=actor,
        case=case,
        where=shown.where,
        item_type=shown.item_type,
        summary=shown.summary,
        agencies=agencies,
    )
