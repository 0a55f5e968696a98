"""Small array helpers for the search path, where each runs for every query."""

from __future__ import annotations

import numpy as np

__all__ = ["distinct_and_where", "sorted_distinct"]


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, in order: what ``np.unique(values)`` returns.

    NumPy 2.3 and later find the distinct values of an integer array with a hash table and then sort
    them; for the few thousand candidate positions or codes of one query that is about ten times
    slower than sorting a copy and keeping each value that differs from the one before it (measured
    here: 250 µs against 20 µs for 2,500 positions)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def distinct_and_where(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values, in order, and each value's place among them: what
    ``np.unique(values, return_inverse=True)`` returns, in about half its time for a query's few
    thousand codes (a binary search of each value among the distinct ones)."""
    distinct = sorted_distinct(values)
    return distinct, np.searchsorted(distinct, values)
