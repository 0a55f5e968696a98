"""The referral API's request and response bodies.

Serializers here only check shape and type (required fields, types, lengths, known code values). The
rules of a referral (a child named, valid NHS numbers, dates of birth, known kinds of concern and
threshold levels) are `referral_validate`'s, shared with the referral form, and are applied by
`referral_create`: the view maps their messages to problem-details pointers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from openmash.cases.models import CaseStatus
from openmash.core.codes import ReferralSource, Sex
from openmash.core.nhs import normalise_nhs_number
from openmash.decisions.models import Outcome
from openmash.hub.models import Agency, RiskGrading
from openmash.referrals.models import ConcernCategory, FamilyConsent, Relationship
from openmash.referrals.services import PersonData, ReferralData

UNKNOWN_FIELD = "'{name}' is not a field OpenMASH accepts here: remove it or check its spelling"
NOT_ONE_OF = '"{{input}}" is not one of the codes allowed here: {codes}'
NOT_TEXT = "Must be text (a JSON string), not {kind}."
MAX_PEOPLE = 50
MAX_CATEGORIES = 20


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "null"


class TextField(serializers.CharField):
    """Text as the schema says: a JSON string. DRF would turn 0 into "0", so a client sending the
    wrong type would have it saved without a word."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_TEXT.format(kind=_json_kind(data)), code="invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """A JSON integer; DRF would also take "2" and 2.0."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")  # "A valid integer is required."
        return int(super().to_internal_value(data))


class CodeField(serializers.ChoiceField):
    """A code as a JSON string; DRF would take the number 4 for the code "4"."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_TEXT.format(kind=_json_kind(data)), code="invalid")
        return super().to_internal_value(data)


def _choice(choices: type[models.TextChoices], **kwargs: Any) -> serializers.ChoiceField:
    """A code field whose error message lists the codes allowed."""
    message = NOT_ONE_OF.format(codes=", ".join(choices.values))
    return CodeField(choices=choices.choices, error_messages={"invalid_choice": message}, **kwargs)


def _own_errors(error: serializers.ValidationError) -> serializers.ValidationError | None:
    """A nested serializer's errors about itself, as a list, so the pointer names the nested field.

    DRF reports "not a list" or "not an object" as {"non_field_errors": [...]}, which the problem
    details handler would point at the whole body. None when there is nothing to change.
    """
    detail = error.detail
    if isinstance(detail, dict) and set(detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
        return serializers.ValidationError(detail[api_settings.NON_FIELD_ERRORS_KEY])
    return None


class NestedListSerializer(serializers.ListSerializer):
    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            own = _own_errors(error) if self.parent is not None else None
            if own is None:
                raise
            raise own from error


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a misspelt optional field is not silently dropped."""

    class Meta:
        list_serializer_class = NestedListSerializer

    def to_internal_value(self, data: Any) -> Any:
        try:
            return self._to_internal_value(data)
        except serializers.ValidationError as error:
            own = _own_errors(error) if self.parent is not None else None
            if own is None:
                raise
            raise own from error

    def _to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            unknown = {
                str(name): [UNKNOWN_FIELD.format(name=name)] for name in data if name not in self.fields
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from error
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictSerializerExtension(OpenApiSerializerExtension):
    """Documents the refusal of unknown fields as `additionalProperties: false`."""

    target_class = "openmash.referrals.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": list(ConcernCategory.values)},
        "maxItems": MAX_CATEGORIES,
        "description": "Kinds of concern, at least one.",
    }
)
class ConcernCategoriesField(serializers.ListField):
    """Codes are checked by `referral_validate`, so the API and the form give the same message."""

    child = TextField(max_length=50)


class PersonSerializer(StrictSerializer):
    """A person referred (`relationship: subject`), a child or, where the hub covers adults, an adult at
    risk; or someone around them."""

    given_name = TextField(max_length=100, allow_blank=True)
    family_name = TextField(max_length=100, allow_blank=True)
    relationship = _choice(
        Relationship,
        help_text="How the person relates to the person referred; `subject` marks a person referred. "
        "`own_partner` and `son_or_daughter` name an adult at risk's family, on a hub that covers adults.",
    )
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD"
    )
    sex = _choice(Sex, default=Sex.UNKNOWN.value, help_text="CIN census sex code (N00783).")
    address = TextField(max_length=300, allow_blank=True, default="")
    postcode = TextField(max_length=10, allow_blank=True, default="")
    nhs_number = TextField(
        max_length=20,
        allow_blank=True,
        default="",
        help_text="Ten digits; spaces or hyphens between the groups are allowed.",
    )
    school = TextField(max_length=200, allow_blank=True, default="")

    def validate_nhs_number(self, value: str) -> str:
        return normalise_nhs_number(value)


class ReferralSubmissionSerializer(StrictSerializer):
    """A referral from an agency system: the same content as the referral form."""

    referrer_name = TextField(max_length=200, min_length=1)
    referrer_organisation = TextField(max_length=200, min_length=1)
    referrer_job_title = TextField(max_length=200, allow_blank=True, default="")
    referrer_email = serializers.EmailField(max_length=254, allow_blank=True, default="")
    referrer_phone = TextField(max_length=40, allow_blank=True, default="")
    source = _choice(ReferralSource, help_text="CIN census referral source code (N00152).")
    concerns = TextField(allow_blank=True, help_text="What worries you, in your own words.")
    concern_categories = ConcernCategoriesField(max_length=MAX_CATEGORIES)
    referrer_level = WholeNumberField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=32767,
        help_text="The level of need the referrer thinks applies, from the hub's threshold document.",
    )
    family_consent = _choice(FamilyConsent)
    risk_grading = serializers.ChoiceField(
        choices=RiskGrading.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The risk grading the notification carries (police domestic abuse: the DASH grading).",
    )
    people = PersonSerializer(
        many=True,
        max_length=MAX_PEOPLE,
        help_text="Each person referred (`subject`: a child, or an adult at risk where the hub covers "
        "adults) and the people around them.",
    )

    def referral_data(self, *, agency: Agency) -> ReferralData:
        values = dict(self.validated_data)
        people = [PersonData(**person) for person in values.pop("people")]
        return ReferralData(**values, people=people, referrer_agency=agency)


class LinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="Where to follow this referral.")


class DecidedBySerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    outcome_label = serializers.CharField()
    lead_agency = serializers.CharField(allow_null=True, help_text="For early help: the lead agency.")
    other_service = serializers.CharField(help_text="For a referral on to another service: which one.")
    level = serializers.IntegerField(help_text="The level of need the hub decided.")
    level_name = serializers.CharField()
    decided_at = serializers.DateTimeField()
    decided_by = DecidedBySerializer(help_text="Whom to contact about the decision.")


class DestroyedSerializer(serializers.Serializer):
    destroyed_at = serializers.DateTimeField()
    notice = serializers.CharField(help_text="The words every page of the case shows, with the date.")


class ReferralSerializer(serializers.Serializer):
    """A referral as its referrer may follow it: where it has got to, and the outcome once decided."""

    reference = serializers.CharField()
    case_reference = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField()
    earlier_referrals = serializers.ListField(
        child=serializers.CharField(),
        help_text="References of earlier referrals about the same person (a re-referral).",
    )
    decision = DecisionSerializer(allow_null=True, help_text="Null until the hub has decided.")
    destroyed = DestroyedSerializer(
        allow_null=True,
        help_text=(
            "Null while the case's personal information is kept; once it was destroyed under the hub's "
            "retention rules, when, and the notice that says so."
        ),
    )
    links = LinksSerializer()


class ProblemErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(help_text="JSON pointer (RFC 6901) to the field in the request body.")
    detail = serializers.CharField(help_text="What is wrong, and how to put it right.")


class ProblemSerializer(serializers.Serializer):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemErrorSerializer(many=True, required=False, help_text="For a 400: each field to correct.")
