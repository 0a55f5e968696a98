"""The explicit table of allowed case status changes. Nothing else may change a case's status."""

from __future__ import annotations

from dataclasses import dataclass

from openmash.cases.models import CaseStatus as S


@dataclass(frozen=True, slots=True)
class Transition:
    source: S
    target: S
    action: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.NEW, S.INFORMATION_GATHERING, "screen for a MASH enquiry"),
    Transition(S.NEW, S.DECIDED, "screen and route without an enquiry"),
    Transition(
        S.INFORMATION_GATHERING, S.READY_FOR_DECISION, "all agencies have returned, or go ahead without"
    ),
    Transition(S.READY_FOR_DECISION, S.INFORMATION_GATHERING, "ask another agency"),
    Transition(S.READY_FOR_DECISION, S.DECIDED, "record the decision"),
    Transition(S.DECIDED, S.CLOSED, "feed back the outcome and close"),
    # Early help (the hub records no decision): the product is handed to the keyworker, and the case closes.
    Transition(S.INFORMATION_GATHERING, S.CLOSED, "hand the product to the keyworker"),
    Transition(S.READY_FOR_DECISION, S.CLOSED, "hand the product to the keyworker"),
)
ALLOWED: frozenset[tuple[S, S]] = frozenset((t.source, t.target) for t in TRANSITIONS)

TRANSITION_REFUSED = "A case that is {source} cannot become {target}."


def is_allowed(source: S, target: S) -> bool:
    return (source, target) in ALLOWED
