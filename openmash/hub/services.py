"""Changes to the hub's configuration; each is audited in the same transaction."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.db import transaction

from openmash.audit.catalogue import AuditAction
from openmash.audit.services import audit_record
from openmash.core.actor import Actor
from openmash.core.concurrency import changes_between, save_versioned
from openmash.core.errors import DomainError
from openmash.hub.models import (
    Agency,
    AssessmentDomain,
    ClosureDay,
    HubConfiguration,
    RagResponseTime,
    Team,
    ThresholdIndicator,
    ThresholdLevel,
    TimeUnit,
)
from openmash.hub.presets import (
    DEFAULT_RESPONSE_TIMES,
    DEFAULT_TEAMS,
    DEFAULT_THRESHOLDS,
    DEFAULT_TRIAGE,
    PRESETS,
)
from openmash.hub.selectors import hub_configuration

UNKNOWN_PRESET = "There is no hub model preset called '{slug}'. Choose one of: {choices}."
AGENCY_NAME_TAKEN = "An agency with this name already exists."
DAY_ORDER = "The working day must end after it starts."
CLOSURE_EXISTS = "{day:%d %B %Y} is already a closure day."
RESPONSE_TOO_LONG = "A response time can be at most {limit} {unit}."
MAX_AMOUNT = {TimeUnit.WORKING_HOURS: 80, TimeUnit.WORKING_DAYS: 20}


def hub_apply_preset(*, actor: Actor, preset_slug: str) -> HubConfiguration:
    """Set the hub model and its core agencies; create missing defaults. Safe to run again."""
    preset = PRESETS.get(preset_slug)
    if preset is None:
        raise DomainError(UNKNOWN_PRESET.format(slug=preset_slug, choices=", ".join(PRESETS)))
    with transaction.atomic(durable=True):
        config = hub_configuration()
        core: list[Agency] = []
        for spec in preset.core_agencies:
            agency = Agency.objects.filter(kind=spec.kind).order_by("created_at").first()
            if agency is None:
                agency = Agency.objects.create(
                    name=spec.name,
                    kind=spec.kind,
                    location=spec.location,
                    duty_of_confidentiality=spec.duty_of_confidentiality,
                    created_by=actor.user,
                )
                audit_record(
                    actor=actor, action=AuditAction.AGENCY_CREATED, obj=agency, detail={"name": agency.name}
                )
            core.append(agency)
        values: dict[str, Any] = {
            "hub_model": preset.hub_model,
            "consent_before_search": preset.consent_before_search,
            "decision_in_hub": preset.decision_in_hub,
            "screen_all_referrals": preset.screen_all_referrals,
            "destroy_record_on_keyworker": preset.destroy_record_on_keyworker,
            "covers_adults": preset.covers_adults,
        }
        if not (config.triage_source or config.triage_concern or config.triage_grading):
            source, concern, grading = DEFAULT_TRIAGE
            values.update(triage_source=source, triage_concern=concern, triage_grading=grading)
        if config.name == HubConfiguration._meta.get_field("name").default:
            values["name"] = preset.name
        save_versioned(config, expected_version=config.version, values=values, actor_user=actor.user)
        config.core_agencies.set(core)
        for default in DEFAULT_RESPONSE_TIMES:
            RagResponseTime.objects.get_or_create(
                rating=default.rating,
                defaults={
                    "amount": default.amount,
                    "unit": default.unit,
                    "runs_out_of_hours": default.runs_out_of_hours,
                },
            )
        if not Team.objects.exists():
            Team.objects.bulk_create(
                [Team(name=name, specialism=spec, created_by=actor.user) for name, spec in DEFAULT_TEAMS]
            )
        if not ThresholdLevel.objects.exists():
            for level in DEFAULT_THRESHOLDS:
                row = ThresholdLevel.objects.create(
                    number=level.number,
                    name=level.name,
                    description=level.description,
                    typical_response=level.typical_response,
                )
                ThresholdIndicator.objects.bulk_create(
                    [ThresholdIndicator(level=row, domain=d, text=t) for d, t in level.indicators]
                )
        audit_record(
            actor=actor,
            action=AuditAction.HUB_PRESET_APPLIED,
            obj=config,
            detail={"preset": preset.slug, "core_agencies": [a.name for a in core]},
        )
    return config


def hub_settings_update(
    *,
    actor: Actor,
    config: HubConfiguration,
    expected_version: int,
    values: dict[str, Any],
    core_agencies: list[Agency],
) -> HubConfiguration:
    day_start: time = values.get("day_start", config.day_start)
    day_end: time = values.get("day_end", config.day_end)
    if day_end <= day_start:
        raise DomainError(DAY_ORDER)
    with transaction.atomic(durable=True):
        changed = changes_between(config, values)
        before = sorted(a.name for a in config.core_agencies.all())
        save_versioned(config, expected_version=expected_version, values=values, actor_user=actor.user)
        config.core_agencies.set(core_agencies)
        after = sorted(a.name for a in core_agencies)
        if before != after:
            changed["core_agencies"] = [", ".join(before), ", ".join(after)]
        audit_record(
            actor=actor, action=AuditAction.HUB_SETTINGS_CHANGED, obj=config, detail={"changes": changed}
        )
    return config


def agency_create(*, actor: Actor, values: dict[str, Any]) -> Agency:
    if Agency.objects.filter(name__iexact=values["name"]).exists():
        raise DomainError(AGENCY_NAME_TAKEN)
    with transaction.atomic(durable=True):
        agency = Agency.objects.create(created_by=actor.user, modified_by=actor.user, **values)
        audit_record(
            actor=actor, action=AuditAction.AGENCY_CREATED, obj=agency, detail={"values": _plain(values)}
        )
    return agency


def agency_update(*, actor: Actor, agency: Agency, expected_version: int, values: dict[str, Any]) -> Agency:
    """Change an agency if nobody saved it since `expected_version`, else `ConcurrentEditError`."""
    if Agency.objects.filter(name__iexact=values["name"]).exclude(pk=agency.pk).exists():
        raise DomainError(AGENCY_NAME_TAKEN)
    with transaction.atomic(durable=True):
        # Compared with the stored row: a bound model form has already put the new values on `agency`.
        changed = changes_between(Agency.objects.get(pk=agency.pk), values)
        save_versioned(agency, expected_version=expected_version, values=values, actor_user=actor.user)
        audit_record(actor=actor, action=AuditAction.AGENCY_CHANGED, obj=agency, detail={"changes": changed})
    return agency


def rag_response_time_update(
    *,
    actor: Actor,
    response_time: RagResponseTime,
    expected_version: int,
    amount: int,
    unit: TimeUnit,
    runs_out_of_hours: bool,
) -> RagResponseTime:
    limit = MAX_AMOUNT[unit]
    if amount > limit:
        raise DomainError(RESPONSE_TOO_LONG.format(limit=limit, unit=unit.label))
    values = {"amount": amount, "unit": unit.value, "runs_out_of_hours": runs_out_of_hours}
    with transaction.atomic(durable=True):
        changed = changes_between(response_time, values)
        save_versioned(response_time, expected_version=expected_version, values=values, actor_user=actor.user)
        audit_record(
            actor=actor,
            action=AuditAction.RAG_RESPONSE_TIME_CHANGED,
            obj=response_time,
            detail={"rating": response_time.rating, "changes": changed, "now": response_time.describe()},
        )
    return response_time


def threshold_level_update(
    *, actor: Actor, level: ThresholdLevel, expected_version: int, values: dict[str, Any]
) -> ThresholdLevel:
    """Change a level's wording if nobody saved it since `expected_version`, else `ConcurrentEditError`."""
    with transaction.atomic(durable=True):
        changed = changes_between(ThresholdLevel.objects.get(pk=level.pk), values)
        save_versioned(level, expected_version=expected_version, values=values, actor_user=actor.user)
        audit_record(
            actor=actor, action=AuditAction.THRESHOLD_LEVEL_CHANGED, obj=level, detail={"changes": changed}
        )
    return level


def threshold_indicator_add(
    *, actor: Actor, level: ThresholdLevel, domain: AssessmentDomain, text: str
) -> ThresholdIndicator:
    with transaction.atomic(durable=True):
        indicator = ThresholdIndicator.objects.create(
            level=level, domain=domain, text=text, created_by=actor.user
        )
        audit_record(
            actor=actor,
            action=AuditAction.THRESHOLD_INDICATOR_ADDED,
            obj=indicator,
            detail={"level": level.number, "domain": domain.value, "text": text},
        )
    return indicator


def threshold_indicator_remove(*, actor: Actor, indicator: ThresholdIndicator) -> None:
    with transaction.atomic(durable=True):
        detail = {"level": indicator.level.number, "domain": indicator.domain, "text": indicator.text}
        audit_record(
            actor=actor, action=AuditAction.THRESHOLD_INDICATOR_REMOVED, obj=indicator, detail=detail
        )
        indicator.delete()


def closure_day_add(*, actor: Actor, day: date, reason: str) -> ClosureDay:
    if ClosureDay.objects.filter(date=day).exists():
        raise DomainError(CLOSURE_EXISTS.format(day=day))
    with transaction.atomic(durable=True):
        closure = ClosureDay.objects.create(date=day, reason=reason, created_by=actor.user)
        audit_record(
            actor=actor,
            action=AuditAction.CLOSURE_DAY_ADDED,
            obj=closure,
            detail={"date": day.isoformat(), "reason": reason},
        )
    return closure


def closure_day_remove(*, actor: Actor, closure: ClosureDay) -> None:
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action=AuditAction.CLOSURE_DAY_REMOVED,
            obj=closure,
            detail={"date": closure.date.isoformat(), "reason": closure.reason},
        )
        closure.delete()


def _plain(values: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()}


TEAM_NAME_TAKEN = "There is already a team called {name}"
NO_TEAM_NAME = "Enter the team's name"


def team_save(
    *,
    actor: Actor,
    team: Team | None,
    name: str,
    specialism: str,
    contact_email: str,
    members: list[Any],
    is_active: bool,
    expected_version: int | None = None,
) -> Team:
    """Add a specialist team, or change one (its name, specialism, inbox, members, whether it takes cases)."""
    name = name.strip()
    if not name:
        raise DomainError(NO_TEAM_NAME)
    clash = Team.objects.filter(name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise DomainError(TEAM_NAME_TAKEN.format(name=name))
    values = {"name": name, "specialism": specialism, "contact_email": contact_email, "is_active": is_active}
    with transaction.atomic(durable=True):
        if team is None:
            team = Team.objects.create(**values, created_by=actor.user)
            action = AuditAction.TEAM_CREATED
        else:
            save_versioned(team, expected_version=expected_version or 0, values=values, actor_user=actor.user)
            action = AuditAction.TEAM_CHANGED
        team.members.set(members)
        audit_record(
            actor=actor,
            action=action,
            obj=team,
            detail={
                "name": name,
                "specialism": specialism,
                "members": len(members),
                "active": is_active,
            },
        )
    return team
