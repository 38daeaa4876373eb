"""Uniform draws from the model's generators, numpy's numbers in less time.

Every resident rule draws float32 uniforms, one per resident or per open
need each month: at full scale three draws of 630,000 and two of some
180,000. numpy's ``Generator.random(n, dtype=np.float32)`` calls the bit
generator once per number, and PCG64 hands out each 64-bit word in two
halves; :func:`uniform32` draws each word once and uses both halves
(:func:`model.kernels.fill_uniform32`), which takes about two-thirds of the
time. It returns the same numbers and leaves the generator to draw the
same numbers next, so nothing the model computes changes
(``tests/test_draws.py``).
"""

from __future__ import annotations

import numpy as np

from model import kernels

F32 = np.float32
SMALL = 8192  # below this many numbers the generator's own call is as quick (measured: 7.9 against 8.7 us at 4,096)


def uniform32(rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.random(n, dtype=np.float32)``: the same numbers, and ``rng`` left to draw the same numbers next.

    numpy keeps the unused high half of a PCG64 word for the next float32
    draw (``has_uint32`` and ``uinteger`` of the bit generator's state);
    this one uses such a half first and leaves one behind exactly when
    numpy would (numpy also leaves a spent half in ``uinteger``, which no
    draw reads; this one does not). Another bit generator, or a small
    ``n``, is drawn by numpy itself.
    """
    bits = rng.bit_generator
    if n < SMALL or type(bits) is not np.random.PCG64:
        return rng.random(n, dtype=F32)
    kept = bits.state
    out = np.empty(n, F32)
    first = 0
    if kept["has_uint32"]:
        out[0] = F32(kept["uinteger"] >> 8) * F32(1.0 / 16777216.0)
        first = 1
    left_over = kernels.fill_uniform32(bits.ctypes.next_uint64, bits.ctypes.state_address, out[first:])
    if first or left_over >= 0:
        state = bits.state  # the words drawn moved the PCG64 state; the half words are ours to set
        state["has_uint32"] = int(left_over >= 0)
        if left_over >= 0:
            state["uinteger"] = int(left_over)
        bits.state = state
    return out
