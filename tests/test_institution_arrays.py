"""The array code of the institutions against the one-at-a-time Python it replaced.

Each function here is compared, on Hypothesis-generated inputs, with a plain
loop that does what the old code did one organization (or project) at a time.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model.organizations import certified_hires
from model.rows import occurrence


def _hires_one_by_one(pool: int, returned: list[int], wanted: list[bool]) -> list[bool]:
    """The old loop: each organization returns its leavers to the pool, then hires from it if it can."""
    out = []
    for back, want in zip(returned, wanted, strict=True):
        pool += back
        hired = want and pool > 0
        pool -= hired
        out.append(hired)
    return out


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 5), st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=40))
def test_certified_hires_follow_the_pool_turn_by_turn(pool, turns):
    returned = [r if not w else 0 for r, w in turns]  # an organization either sheds workers or hires
    wanted = [w for _, w in turns]
    got = certified_hires(pool, np.array(returned, np.int64), np.array(wanted, bool))
    assert got.tolist() == _hires_one_by_one(pool, returned, wanted)
    returned_any = [r for r, _ in turns]  # and with both in one turn
    got = certified_hires(pool, np.array(returned_any, np.int64), np.array(wanted, bool))
    assert got.tolist() == _hires_one_by_one(pool, returned_any, wanted)


@given(st.lists(st.integers(0, 5), max_size=50))
def test_occurrence_counts_the_earlier_equal_keys(keys):
    assert occurrence(np.array(keys, np.int64)).tolist() == [keys[:i].count(k) for i, k in enumerate(keys)]
