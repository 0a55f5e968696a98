"""Date helpers for the generator (all arithmetic on naive calendar dates)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import holidays

DAY = timedelta(days=1)

# Relative volume of referrals by weekday (Monday = 0): front doors are busiest
# on Mondays, quieter on Fridays and take a trickle at weekends (mostly police).
_WEEKDAY_WEIGHTS = (1.15, 1.05, 1.0, 1.0, 0.9, 0.2, 0.15)
_BANK_HOLIDAY_WEIGHT = 0.2


def add_years(d: date, years: int) -> date:
    """``d`` moved by whole years; 29 February becomes 28 February when needed."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def years(n: float) -> timedelta:
    """Approximately ``n`` years as a ``timedelta``."""
    return timedelta(days=round(n * 365.25))


def rand_date(rng: random.Random, start: date, end: date) -> date:
    """A uniformly random date in ``[start, end]``; ``start`` if the range is empty."""
    span = (end - start).days
    if span <= 0:
        return start
    return start + timedelta(days=rng.randint(0, span))


def referral_days(reference_date: date) -> tuple[list[date], list[float]]:
    """The 365 days before ``reference_date`` and a business-day weighting for each."""
    first = reference_date - timedelta(days=365)
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, reference_date.year + 1))
    days = [first + timedelta(days=i) for i in range(365)]
    weights = [_BANK_HOLIDAY_WEIGHT if d in bank else _WEEKDAY_WEIGHTS[d.weekday()] for d in days]
    return days, weights


def academic_year_start(on: date) -> date:
    """1 September of the English school year containing ``on``."""
    return date(on.year if on.month >= 9 else on.year - 1, 9, 1)
