"""An adult at risk's own family (ADR 0024): where the hub covers adults, the forms that name someone
around the person referred offer "Their partner or spouse" and "Their son or daughter", and the case
keeps what they mean (the adult referred is that person's partner, or parent), so the genogram and its
words draw them so. A child's case does not offer them, and a hub for children only refuses them. The
referral form asks for a school "if they go to one", and screening does not start by asking schools and
children's services about an adult at risk."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from openmash.cases.tests.helpers import make_referral, referral_data
from openmash.decisions.tests.test_views import people  # noqa: F401
from openmash.hub.models import Agency, AgencyKind, HubConfiguration
from openmash.people.forms import PersonForm
from openmash.people.models import PersonRelationship, RelationshipKind
from openmash.referrals.models import ADULT_WORDS, CHILD_WORDS, Relationship, age_on
from openmash.referrals.services import PersonData, referral_validate
from openmash.referrals.tests.test_subject_words import ADULT_AT_RISK, WALTER
from openmash.referrals.tests.words import visible
from openmash.trawl.forms import HouseholdMemberForm

pytestmark = pytest.mark.django_db

ADULT_ONLY = ["Their partner or spouse", "Their son or daughter"]
JUNE = PersonData(given_name="June", family_name="Crane", relationship=Relationship.OWN_PARTNER, sex="F")
PETER = PersonData(
    given_name="Peter", family_name="Crane", relationship=Relationship.SON_OR_DAUGHTER, sex="M"
)
WALTERS_FAMILY = {**ADULT_AT_RISK, "people": [WALTER, JUNE, PETER]}
FORM = reverse("referrals:create")
ON = date(2026, 6, 1)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page, flags=re.DOTALL)
    assert select is not None, name
    return [
        html.unescape(_flat(option)) for option in re.findall(r"<option[^>]*>(.*?)</option>", select.group(0))
    ]


def _kept(case: Any) -> set[tuple[str, str, str]]:
    """The case's relationships: (from, to, kind), read "from is the kind of to"."""
    rows = PersonRelationship.objects.filter(case=case).select_related("from_person", "to_person")
    return {(r.from_person.given_name, r.to_person.given_name, r.kind) for r in rows}


def test_walters_partner_and_son_are_drawn_as_his_partner_and_his_son(people: dict[str, Any]) -> None:  # noqa: F811
    case = make_referral(people["referrer"], **WALTERS_FAMILY).case
    kept = _kept(case)
    assert kept == {
        ("Walter", "June", RelationshipKind.PARTNER),
        ("Walter", "Peter", RelationshipKind.PARENT),
    }
    decider = client_for(people["decider"])
    genogram = _flat(visible(decider.get(reverse("people:genogram", args=[case.pk]))))
    age = age_on(WALTER.date_of_birth, timezone.localdate())  # type: ignore[arg-type]
    assert (
        f"Peter Crane (age not known) is the son of Walter Crane ({age}, adult at risk referred)" in genogram
    )
    assert "Walter Crane and June Crane (age not known) are partners" in genogram
    listed = _flat(visible(decider.get(reverse("people:case", args=[case.pk]))))
    assert "Their partner or spouse" in listed and "Their son or daughter" in listed


def test_a_partner_of_one_of_two_adults_referred_is_not_guessed(people: dict[str, Any]) -> None:  # noqa: F811
    """Two adults referred: whose partner June is cannot be told, so she is a member of their household;
    Peter is the son of each, as a father named on a child's referral is the parent of each child."""
    edith = PersonData(given_name="Edith", family_name="Crane", date_of_birth=WALTER.date_of_birth, sex="F")
    case = make_referral(people["referrer"], **{**ADULT_AT_RISK, "people": [WALTER, edith, JUNE, PETER]}).case
    kept = _kept(case)
    assert kept == {
        ("June", "Walter", RelationshipKind.HOUSEHOLD_MEMBER),
        ("June", "Edith", RelationshipKind.HOUSEHOLD_MEMBER),
        ("Walter", "Peter", RelationshipKind.PARENT),
        ("Edith", "Peter", RelationshipKind.PARENT),
    }


@pytest.mark.parametrize("covers_adults", [True, False], ids=["covers-adults", "children-only"])
def test_the_referral_form_offers_an_adults_family_only_where_the_hub_covers_adults(
    people: dict[str, Any],  # noqa: F811
    covers_adults: bool,
) -> None:
    HubConfiguration.objects.update(covers_adults=covers_adults)
    page = client_for(people["referrer"]).get(FORM).content.decode()
    offered = _options(page, "household-0-relationship_to_child")
    assert "Parent's partner" in offered and "Mother" in offered
    assert [o for o in ADULT_ONLY if o in offered] == (ADULT_ONLY if covers_adults else [])
    school = "School, college or nursery, if they go to one (optional)"
    assert (school in _flat(visible(client_for(people["referrer"]).get(FORM)))) is covers_adults


def test_a_hub_for_children_only_refuses_an_adults_family_from_an_agency_system(hub: object) -> None:
    """The rule the form and the API share: the API may send any code in its list."""
    HubConfiguration.objects.update(covers_adults=False)
    son = PersonData(given_name="Leo", family_name="Whitmore", relationship=Relationship.SON_OR_DAUGHTER)
    data = referral_data()
    data = referral_data(people=[*data.people, son])
    errors = referral_validate(data, on=ON)
    assert errors == {
        "people.2.relationship": [
            "'Their son or daughter' is for an adult at risk's family: "
            "this hub takes referrals about children"
        ]
    }
    HubConfiguration.objects.update(covers_adults=True)
    assert referral_validate(data, on=ON) == {}


def test_an_agency_adding_someone_is_offered_an_adults_family_on_an_adults_case_only(
    people: dict[str, Any],  # noqa: F811
) -> None:
    adult = make_referral(people["referrer"], **ADULT_AT_RISK).case
    child = make_referral(people["referrer"]).case
    for case, words, offered in [(adult, ADULT_WORDS, ADULT_ONLY), (child, CHILD_WORDS, [])]:
        assert case.referral.subject_words == words
        form = HouseholdMemberForm(people=list(case.referral.people.all()), households=[], words=words)
        labels = [str(label) for _, label in form.fields["relationship"].choices]  # type: ignore[attr-defined]
        assert [o for o in ADULT_ONLY if o in labels] == offered


def test_changing_someone_keeps_an_adults_family_relationship_a_childs_case_was_sent(hub: object) -> None:
    """A child's referral from an agency system on a hub that covers adults may name the child's own
    partner or son; the form that changes that person still offers what they are."""
    kept = PersonForm(initial={"relationship": Relationship.OWN_PARTNER.value}, words=CHILD_WORDS)
    fresh = PersonForm(words=CHILD_WORDS)
    kept_values = [value for value, _ in kept.fields["relationship"].choices]  # type: ignore[attr-defined]
    fresh_values = [value for value, _ in fresh.fields["relationship"].choices]  # type: ignore[attr-defined]
    assert Relationship.OWN_PARTNER in kept_values and Relationship.SON_OR_DAUGHTER not in kept_values
    assert Relationship.OWN_PARTNER not in fresh_values


def test_screening_an_adult_at_risk_does_not_start_by_asking_schools(people: dict[str, Any]) -> None:  # noqa: F811
    adult = make_referral(people["referrer"], **ADULT_AT_RISK).case
    child = make_referral(people["referrer"]).case
    screener = client_for(people["screener"])
    ticked = {}
    for name, case in (("adult", adult), ("child", child)):
        page = screener.get(reverse("cases:screen", args=[case.pk])).content.decode()
        boxes = re.findall(r'<input[^>]*name="agencies"[^>]*>', page)
        values = {re.search(r'value="([^"]+)"', box).group(1) for box in boxes if "checked" in box}  # type: ignore[union-attr]
        ticked[name] = {a.kind for a in Agency.objects.filter(pk__in=values)}
        says = "who work with young people" in _flat(visible_text(page))
        assert says is (name == "adult")
    assert AgencyKind.EDUCATION in ticked["child"] and AgencyKind.EARLY_HELP in ticked["child"]
    assert AgencyKind.EDUCATION not in ticked["adult"] and AgencyKind.EARLY_HELP not in ticked["adult"]
    assert ticked["child"] - ticked["adult"] == {
        AgencyKind.EDUCATION,
        AgencyKind.EARLY_HELP,
        AgencyKind.YOUTH_OFFENDING,
    }
    assert AgencyKind.POLICE in ticked["adult"] and AgencyKind.ADULT_SOCIAL_CARE in ticked["adult"]
