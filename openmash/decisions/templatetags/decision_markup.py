"""The decision page's markup written in Python (ADR 0043): ``{% load decision_markup %}``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.safestring import SafeString

from openmash.decisions import markup

register = template.Library()


@register.simple_tag
def return_cards(returns: Iterable[Any]) -> SafeString:
    """``{% return_cards returns %}``: a summary card for each agency's request and what it returned."""
    return markup.return_cards(returns)


@register.simple_tag
def case_decision(decision: Any, case: Any, may_answer_challenges: object = False) -> SafeString:
    """``{% case_decision decision case may_answer_challenges %}``: the case page's decision, whole."""
    return markup.case_decision(decision, case, may_answer_challenges=bool(may_answer_challenges))
