"""model.draws.uniform32 draws numpy's float32 uniforms and leaves the generator as numpy would.

Hypothesis picks the seed and a sequence of draws of any sizes (odd and
even, above and below the size where numpy draws them itself), float32
and float64, interleaved; after each the numbers must have the same bits
as ``Generator.random(n, dtype=np.float32)``, the bit generators' states
must be equal, and the next draws of either kind the same.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from model import draws
from model.model import SansheModel

F32 = np.float32
sizes = st.one_of(st.integers(0, 10), st.integers(draws.SMALL - 2, draws.SMALL + 2), st.integers(0, 30_000))


def next_draws_equal(a: np.random.Generator, b: np.random.Generator) -> bool:
    """The two generators draw the same next numbers, float32 and float64 (which leaves both on)."""
    return (a.random(3, dtype=F32).tobytes() == b.random(3, dtype=F32).tobytes()
            and a.random(3).tobytes() == b.random(3).tobytes())


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**63), steps=st.lists(st.tuples(sizes, st.booleans()), min_size=1, max_size=6))
def test_uniform32_draws_numpys_numbers_and_leaves_the_generator_as_numpy(seed, steps):
    ours, numpys = np.random.Generator(np.random.PCG64(seed)), np.random.Generator(np.random.PCG64(seed))
    for n, float64_between in steps:
        got, want = draws.uniform32(ours, n), numpys.random(n, dtype=F32)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
        assert ours.bit_generator.state == numpys.bit_generator.state
        if float64_between:  # a float64 draw skips a kept half word: it must stay kept
            assert ours.random(5).tobytes() == numpys.random(5).tobytes()
    assert next_draws_equal(ours, numpys)


def test_uniform32_on_the_models_streams_and_on_another_bit_generator():
    """The model's streams (PCG64 seeded from a (mechanism, month) key) and an SFC64 give numpy's numbers."""
    model = SansheModel.__new__(SansheModel)
    model.seed, model.month = 12345, 7
    for n in (draws.SMALL, 100_001):
        ours, numpys = model.stream("needs.arrive"), model.stream("needs.arrive")
        assert draws.uniform32(ours, n).tobytes() == numpys.random(n, dtype=F32).tobytes()
        assert next_draws_equal(ours, numpys)
    ours, numpys = np.random.Generator(np.random.SFC64(3)), np.random.Generator(np.random.SFC64(3))
    assert draws.uniform32(ours, 9_999).tobytes() == numpys.random(9_999, dtype=F32).tobytes()
    assert next_draws_equal(ours, numpys)


def test_uniform32_uses_a_half_word_numpy_kept_before_it():
    """After numpy drew an odd number of float32s, the first number is the half word it kept."""
    ours, numpys = np.random.Generator(np.random.PCG64(9)), np.random.Generator(np.random.PCG64(9))
    ours.random(1, dtype=F32), numpys.random(1, dtype=F32)
    assert ours.bit_generator.state["has_uint32"] == 1
    got = draws.uniform32(ours, draws.SMALL + 1)
    assert got.tobytes() == numpys.random(draws.SMALL + 1, dtype=F32).tobytes()
    assert ours.bit_generator.state["has_uint32"] == 0  # an even number in all: nothing kept
    assert next_draws_equal(ours, numpys)
