"""The people on a case, their relationships and households, and the family's genogram.

Who may see: hub staff who see every case, and researchers of agencies asked about this case; anyone
else gets 404 (a case's existence is personal data). Who may change: screening managers and the
researchers of agencies asked; other hub staff read only (403 on the forms).
"""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from openmash.access.enforce import authorize, case_people_keys, load, open_case
from openmash.access.policy import Action, contribution_agencies, decide, destruction_of, requests_visible
from openmash.accounts.permissions import Perm, can, signed_in
from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.cases.destroyed import NOTICE
from openmash.cases.models import Case
from openmash.casework.household import person_remove as remove_person
from openmash.core.actor import Actor
from openmash.core.concurrency import show_their_version
from openmash.core.dates import format_date
from openmash.core.errors import ConcurrentEditError, DomainError
from openmash.enquiries.models import OPEN_STATUSES, InformationRequest
from openmash.genogram import relationship_list, render_svg
from openmash.people import services
from openmash.people.forms import (
    AddressForm,
    HouseholdForm,
    IdentifierForm,
    PersonForm,
    RelationshipForm,
    RemovePersonForm,
    RemoveRelationshipForm,
)
from openmash.people.models import (
    Household,
    IdentifierScheme,
    PersonIdentifier,
    PersonRelationship,
    RelationshipKind,
)
from openmash.people.selectors import (
    addition_of,
    family_for,
    households_on,
    people_on,
    provenance,
    relationships_on,
)
from openmash.referrals.models import ReferralPerson


def may_edit_people(user: object, case: Case) -> bool:
    return decide(user, Action.PEOPLE_CHANGE, case).allowed


def _case(
    request: HttpRequest, case_id: str, purpose: str, *, edit: bool = False, audit: bool = True
) -> tuple[Actor, Case]:
    """The case, opened for this purpose; ``audit=False`` for a page that audits its read itself."""
    actor, case, _ = open_case(
        request, case_id, Action.PEOPLE_CHANGE if edit else Action.CASE_VIEW, purpose=purpose, audit=audit
    )
    return actor, case


CORRECTION_FIELD = "correction_reason"
NO_CORRECTION_REASON = "Give the reason for correcting a decided case"


def _correcting(request: HttpRequest, case: Case, form: Any) -> Any:
    """On a decided case the policy lets a decision maker correct the people, giving a reason: the form
    asks for it (required), and the correction is audited with it."""
    if not decide(request.user, Action.PEOPLE_CHANGE, case).correction:
        return form
    form.fields[CORRECTION_FIELD] = forms.CharField(
        label="Why does this decided case need correcting?",
        help_text="The audit trail keeps the reason with the correction.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": NO_CORRECTION_REASON},
    )
    layout = getattr(getattr(form, "helper", None), "layout", None)
    if layout is not None:
        layout.append(Field.textarea(CORRECTION_FIELD))
    return form


def _done(actor: Actor, case: Case, form: Any, change: str) -> HttpResponse:
    """Back to the people page; a correction to a decided case is audited with its reason."""
    reason = str(getattr(form, "cleaned_data", {}).get(CORRECTION_FIELD, "")).strip()
    if reason:
        audit_record(
            actor=actor,
            action=AuditAction.CASE_CORRECTED,
            obj=case,
            persons=_person_ids(case),
            justification=reason,
            detail={"case": case.reference, "change": change},
        )
    return redirect(_back(case))


def _person(case: Case, person_id: str) -> ReferralPerson:
    return get_object_or_404(ReferralPerson, pk=person_id, referral_id=case.referral_id)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one, so the form is bound and shows its errors)."""
    return request.POST if request.method == "POST" else None


def _person_ids(case: Case) -> list[str]:
    return [str(pk) for pk in case.referral.people.values_list("pk", flat=True)]


@signed_in
def case_people(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "people", audit=False)  # PEOPLE_VIEWED below
    people = people_on(case)
    today = timezone.localdate()
    audit_record(
        actor=actor,
        action=AuditAction.PEOPLE_VIEWED,
        obj=case,
        persons=[str(p.pk) for p in people],
        detail={"case": case.reference},
    )
    agencies = contribution_agencies(request.user, case)
    rows = []
    for p in people:
        addition = addition_of(p)
        rows.append(
            {
                "person": p,
                "identifiers": list(p.identifiers.all()),
                "addresses": list(p.addresses.all()),
                "addition": addition,
                "provenance": provenance(p, agencies),
                # How they know of them: told to whoever is told who added them.
                "reason": addition.reason if addition is not None and addition.told(agencies) else "",
                # Someone added in error: removed by who added them, or the screening manager.
                "may_remove": addition is not None and decide(request.user, Action.PERSON_REMOVE, p).allowed,
            }
        )
    relationships, households = relationships_on(case), households_on(case)
    family = family_for(
        case, people=people, relationships=relationships, households=households, agencies=agencies
    )
    return render(
        request,
        "people/case.html",
        {
            "case": case,
            "rows": rows,
            "relationships": relationships,
            "sentences": relationship_list(family, as_of=today),
            "households": households,
            "may_edit": may_edit_people(request.user, case),
            "search_request": search_request(request.user, case),
            "today": today,
        },
    )


def _form_page(request: HttpRequest, case: Case, form: Any, **context: Any) -> HttpResponse:
    return render(
        request,
        "people/form.html",
        {"case": case, "form": form, "cancel": _back(case), **context},
        status=200,
    )


def _back(case: Case) -> str:
    return reverse("people:case", args=[case.pk])


def search_request(user: object, case: Case) -> InformationRequest | None:
    """The researcher's own agency's request on this case from which they may add someone the referral
    did not name (the policy's answer), if there is one: they add people through it, so the case
    records that their agency found them during the search."""
    for info in requests_visible(user).filter(case=case, status__in=OPEN_STATUSES):
        if decide(user, Action.REQUEST_ADD_PERSON, info).allowed:
            return info
    return None


@signed_in
def person_add(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "add a person", edit=True)
    info = None if can(request.user, Perm.CASE_SCREEN) else search_request(request.user, case)
    if info is not None:
        return redirect("trawl:add-person", request_id=info.pk)
    form = _correcting(request, case, PersonForm(_posted(request), words=case.referral.subject_words))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.person_add(
                actor=actor,
                case=case,
                given_name=data["given_name"],
                family_name=data["family_name"],
                sex=data["sex"],
                date_of_birth=data["date_of_birth"],
                date_of_death=data["date_of_death"],
                relationship=data["relationship"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return _done(actor, case, form, "add a person")
    return _form_page(request, case, form, heading="Add a person", submit="Add person")


@signed_in
def relationship_add(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "add a relationship", edit=True)
    form = _correcting(request, case, RelationshipForm(_posted(request), people=people_on(case)))
    if request.method == "POST" and form.is_valid():
        try:
            services.relationship_add(
                actor=actor,
                case=case,
                from_person=form.person("from_person"),
                to_person=form.person("to_person"),
                kind=RelationshipKind(form.cleaned_data["kind"]),
                status=form.cleaned_data["status"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return _done(actor, case, form, "add a relationship")
    return _form_page(
        request,
        case,
        form,
        heading="Add a relationship",
        lead="Read it as a sentence: the first person is the relationship of the second.",
        submit="Add relationship",
    )


@signed_in
def relationship_remove(request: HttpRequest, case_id: str, relationship_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "remove a relationship", edit=True)
    relationship = get_object_or_404(
        PersonRelationship.objects.select_related("from_person", "to_person", "case"),
        pk=relationship_id,
        case=case,
    )
    form = _correcting(request, case, RemoveRelationshipForm(_posted(request)))
    if request.method == "POST" and form.is_valid():
        services.relationship_remove(actor=actor, relationship=relationship)
        return _done(actor, case, form, "remove a relationship")
    return _form_page(
        request,
        case,
        form,
        heading="Remove this relationship?",
        lead=str(relationship),
        submit="Remove relationship",
        warning=True,
    )


def _refused(form: Any, error: DomainError, obj: Any, saved: Any) -> None:
    """Show the refusal in the error summary; after a concurrent edit, also what is saved now (from
    `saved`, given the record read again), with the person's own typing left in the form."""
    form.add_error(None, str(error))
    if isinstance(error, ConcurrentEditError):
        obj.refresh_from_db()
        show_their_version(form, obj, saved(obj))


def _household_initial(household: Household) -> dict[str, Any]:
    return {
        "version": household.version,
        "label": household.label,
        "address": household.address,
        "members": [str(pk) for pk in household.members.values_list("pk", flat=True)],
    }


@signed_in
def household_save(request: HttpRequest, case_id: str, household_id: str | None = None) -> HttpResponse:
    actor, case = _case(request, case_id, "save a household", edit=True)
    household = get_object_or_404(Household, pk=household_id, case=case) if household_id else None
    form = _correcting(
        request,
        case,
        HouseholdForm(
            _posted(request),
            initial=_household_initial(household) if household else None,
            people=people_on(case),
            changing=household is not None,
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_save(
                actor=actor,
                case=case,
                label=form.cleaned_data["label"],
                address=form.cleaned_data["address"],
                members=form.chosen_members(),
                household=household,
                expected_version=form.cleaned_data.get("version"),
            )
        except DomainError as error:
            _refused(form, error, household, _household_initial)
        else:
            return _done(actor, case, form, "save a household")
    heading = f"Change household: {household.label}" if household else "Add a household"
    return _form_page(request, case, form, heading=heading, submit="Save household")


def _person_initial(person: ReferralPerson) -> dict[str, Any]:
    initial = {
        "version": person.version,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth,
        "date_of_death": person.date_of_death,
    }
    if not person.is_subject:
        initial["relationship"] = person.relationship
    return initial


@signed_in
def person_change(request: HttpRequest, case_id: str, person_id: str) -> HttpResponse:
    """Correct a person's name, sex, dates or relationship to the child."""
    actor, case = _case(request, case_id, "change a person", edit=True)
    person = _person(case, person_id)
    form = _correcting(
        request,
        case,
        PersonForm(
            _posted(request),
            initial=_person_initial(person),
            changing=True,
            subject=person.is_subject,
            words=case.referral.subject_words,
        ),
    )
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k in services.PERSON_FIELDS}
        try:
            services.person_update(
                actor=actor,
                case=case,
                person=person,
                expected_version=form.cleaned_data["version"],
                values=values,
            )
        except DomainError as error:
            _refused(form, error, person, _person_initial)
        else:
            return _done(actor, case, form, "change a person")
    return _form_page(request, case, form, heading=f"Change the details of {person}", submit="Save details")


REMOVE_WARNING = (
    "They will no longer appear on the case, in the genogram or in any agency's search, and search results "
    "about them that nobody confirmed go with them. The audit trail keeps a record of the removal and why."
)


@signed_in
def person_remove(request: HttpRequest, case_id: str, person_id: str) -> HttpResponse:
    """Remove someone added to the case in error; who may is the policy's (`Action.PERSON_REMOVE`): the
    agency that added them while its request is open, or the screening manager. From an agency's search
    page (`?from=search`) the researcher goes back to it."""
    actor = Actor.from_request(request)
    case, _ = load(actor, Action.CASE_VIEW, Case.objects.select_related("referral", "destruction"), case_id)
    person = _person(case, person_id)
    authorize(actor, Action.PERSON_REMOVE, person)  # before the read is audited: a refusal writes only itself
    audit_record(
        actor=actor,
        action=AuditAction.CASE_VIEWED,
        obj=case,
        persons=[person.pk],
        detail={"purpose": "remove someone added in error"},
    )
    searching = search_request(request.user, case) if request.GET.get("from") == "search" else None
    back = reverse("trawl:page", args=[searching.pk]) if searching is not None else _back(case)
    form = RemovePersonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            results = remove_person(actor=actor, person=person, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            gone = (
                f" {results} search result{'' if results == 1 else 's'} about them went with them."
                if results
                else ""
            )
            messages.success(request, f"{person} was removed from case {case.reference}.{gone}")
            return redirect(back)
    return _form_page(
        request,
        case,
        form,
        heading=f"Remove {person} from the case?",
        lead=provenance(person, contribution_agencies(request.user, case)),
        submit="Remove them from the case",
        warning=True,
        warning_text=REMOVE_WARNING,
        cancel=back,
    )


@signed_in
def identifier_add(request: HttpRequest, case_id: str, person_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "add an identifier", edit=True)
    person = _person(case, person_id)
    form = _correcting(request, case, IdentifierForm(_posted(request)))
    if request.method == "POST" and form.is_valid():
        try:
            services.identifier_add(
                actor=actor,
                person=person,
                scheme=IdentifierScheme(form.cleaned_data["scheme"]),
                value=form.cleaned_data["value"],
            )
        except DomainError as error:
            form.add_error("value", str(error))
        else:
            return _done(actor, case, form, "add an identifier")
    return _form_page(request, case, form, heading=f"Add an identifier for {person}", submit="Add identifier")


def _identifier_initial(identifier: PersonIdentifier) -> dict[str, Any]:
    return {"version": identifier.version, "scheme": identifier.scheme, "value": identifier.value}


@signed_in
def identifier_change(request: HttpRequest, case_id: str, person_id: str, identifier_id: str) -> HttpResponse:
    """Correct an identifier recorded for a person on the case."""
    actor, case = _case(request, case_id, "change an identifier", edit=True)
    person = _person(case, person_id)
    identifier = get_object_or_404(PersonIdentifier, pk=identifier_id, person=person)
    form = _correcting(
        request,
        case,
        IdentifierForm(_posted(request), initial=_identifier_initial(identifier), changing=True),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.identifier_update(
                actor=actor,
                identifier=identifier,
                expected_version=form.cleaned_data["version"],
                scheme=IdentifierScheme(form.cleaned_data["scheme"]),
                value=form.cleaned_data["value"],
            )
        except ConcurrentEditError as error:
            _refused(form, error, identifier, _identifier_initial)
        except DomainError as error:
            form.add_error("value", str(error))
        else:
            return _done(actor, case, form, "change an identifier")
    return _form_page(
        request, case, form, heading=f"Change an identifier for {person}", submit="Save identifier"
    )


@signed_in
def address_add(request: HttpRequest, case_id: str, person_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "add an address", edit=True)
    person = _person(case, person_id)
    form = _correcting(request, case, AddressForm(_posted(request)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.address_add(
                actor=actor,
                person=person,
                address=data["address"],
                postcode=data["postcode"],
                from_date=data["from_date"],
                to_date=data["to_date"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return _done(actor, case, form, "add an address")
    return _form_page(request, case, form, heading=f"Add an address for {person}", submit="Add address")


def genogram_svg(case: Case, agencies: frozenset[object] = frozenset()) -> str:
    """The case's genogram as SVG text, drawn as of today, as a reader who sees `agencies`' returned
    information is told it."""
    return render_svg(
        family_for(case, agencies=agencies),
        as_of=timezone.localdate(),
        id_prefix=f"genogram-{case.reference}",
    )


def destroyed_svg(case: Case, day: str) -> str:
    """In place of a destroyed case's genogram (no names, no dates, no relationships are left to draw):
    the destruction warning, as an image with its words as text and as its title."""
    notice = NOTICE.format(date=day)
    cut = notice.index(" the hub's")
    lines = (notice[:cut], notice[cut + 1 :] + " What is left is kept for the hub's figures.")
    words = escape(f"Genogram of case {case.reference}: " + " ".join(lines))
    text = "".join(
        f'<text x="16" y="{32 + 24 * i}" font-size="16" fill="#0b0c0c">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 88" width="720" height="88" role="img" '
        f'aria-labelledby="genogram-destroyed" font-family="Arial, sans-serif" data-destroyed="true">'
        f'<title id="genogram-destroyed">{words}</title>'
        '<rect x="0" y="0" width="720" height="88" fill="#ffffff"/>'
        f"{text}</svg>\n"
    )


@signed_in
def genogram(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "genogram", audit=False)  # GENOGRAM_VIEWED below
    family = family_for(case, agencies=contribution_agencies(request.user, case))
    today = timezone.localdate()
    audit_record(
        actor=actor,
        action=AuditAction.GENOGRAM_VIEWED,
        obj=case,
        persons=case_people_keys(case),
        detail={"case": case.reference, "people": len(family.people)},
    )
    svg = render_svg(family, as_of=today, id_prefix="genogram")
    return render(
        request,
        "people/genogram.html",
        {
            "case": case,
            # The renderer escapes every name and label it writes into the SVG.
            "svg": mark_safe(svg),  # noqa: S308
            "sentences": relationship_list(family, as_of=today),
            "people": family.people,
            "today": today,
        },
    )


@signed_in
def genogram_download(request: HttpRequest, case_id: str) -> HttpResponse:
    actor, case = _case(request, case_id, "genogram download", audit=False)  # GENOGRAM_DOWNLOADED below
    audit_record(
        actor=actor,
        action=AuditAction.GENOGRAM_DOWNLOADED,
        obj=case,
        persons=case_people_keys(case),
        detail={"case": case.reference, "format": "svg"},
    )
    record = destruction_of(case)
    if record is not None:
        svg = destroyed_svg(case, format_date(record.destroyed_at))
    else:
        svg = genogram_svg(case, contribution_agencies(request.user, case))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="genogram-{case.reference}.svg"'
    return response
