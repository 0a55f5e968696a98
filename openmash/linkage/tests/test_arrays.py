"""The search path's array helpers give what NumPy's own functions give."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from openmash.linkage.engine.arrays import sorted_distinct


@given(
    arrays(st.sampled_from([np.int32, np.int64, np.intp]), st.integers(0, 300), elements=st.integers(-5, 40))
)
def test_sorted_distinct_is_numpys_unique(values: np.ndarray) -> None:
    found = sorted_distinct(values)
    assert found.dtype == values.dtype
    assert found.tolist() == np.unique(values).tolist()
