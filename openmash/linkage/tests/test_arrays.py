"""The search path's array helpers give what NumPy's own functions give."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from openmash.linkage.engine.arrays import distinct_and_where, sorted_distinct


@given(
    arrays(st.sampled_from([np.int32, np.int64, np.intp]), st.integers(0, 300), elements=st.integers(-5, 40))
)
def test_sorted_distinct_is_numpys_unique(values: np.ndarray) -> None:
    found = sorted_distinct(values)
    assert found.dtype == values.dtype
    assert found.tolist() == np.unique(values).tolist()


@given(arrays(st.sampled_from([np.int32, np.int64]), st.integers(0, 300), elements=st.integers(-5, 40)))
def test_distinct_and_where_is_numpys_unique_with_its_inverse(values: np.ndarray) -> None:
    distinct, where = distinct_and_where(values)
    expected, inverse = np.unique(values, return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert where.tolist() == inverse.reshape(-1).tolist()
