"""Uniform draws from the model's generators, numpy's numbers in less time.

Every resident rule draws float32 uniforms, one per resident or per open
need each month: at full scale three draws of 630,000 and two of some
160,000. numpy's ``Generator.random(n, dtype=np.float32)`` calls the bit
generator through a function pointer once per number. The model's streams
are PCG64 (O'Neill 2014, numpy's default bit generator): a 128-bit linear
congruential state, stepped ``s ← s × M + c``, whose XSL-RR output word
numpy splits into two float32 uniforms. :func:`uniform32` runs that
algorithm itself (:func:`model.kernels.pcg64_uniform32`), four steps at a
time, in about 0.42 of numpy's time at 630,000. It returns the same numbers
and leaves the generator in the state numpy would, so nothing the model
computes changes (``tests/test_draws.py`` compares both with numpy's).
"""

from __future__ import annotations

import numpy as np

from model import kernels

F32 = np.float32
SMALL = 8192  # numpy's time against ours: 8.4 us against 10.0 at 4,096 numbers, 15 against 12 at 8,192

_MOD = 1 << 128
_HALF = (1 << 64) - 1
PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
"""PCG64's 128-bit LCG multiplier (``PCG_DEFAULT_MULTIPLIER_128`` of numpy's ``pcg64.h``)."""
_JUMP_MULTIPLIER = pow(PCG64_MULTIPLIER, 4, _MOD)
_JUMP_SUM = (PCG64_MULTIPLIER ** 3 + PCG64_MULTIPLIER ** 2 + PCG64_MULTIPLIER + 1) % _MOD


def uniform32(rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.random(n, dtype=np.float32)``: the same numbers, and ``rng`` left in the same state.

    numpy keeps the unused high half of a PCG64 word for the next float32
    draw (``has_uint32`` and ``uinteger`` of the bit generator's state);
    this one uses such a half first, draws whole words for the largest
    multiple of eight numbers after it (at least eight, ``n`` being at
    least :data:`SMALL`), sets the generator's state to the last word's,
    with that word's high half as numpy leaves it (spent), and leaves the
    rest (at most seven) to numpy, which keeps a half word exactly when it
    would have. Another bit generator, or a small ``n``, is drawn by numpy
    itself.
    """
    bits = rng.bit_generator
    if n < SMALL or type(bits) is not np.random.PCG64:
        return rng.random(n, dtype=F32)
    state = bits.state
    out = np.empty(n, F32)
    first = 0
    if state["has_uint32"]:
        out[0] = F32(state["uinteger"] >> 8) * kernels.TWO_TO_MINUS_24
        first = 1
    s, c = state["state"]["state"], state["state"]["inc"]
    chains = []
    for _ in range(4):  # the states of the next four words
        s = (s * PCG64_MULTIPLIER + c) % _MOD
        chains += [s & _HALF, s >> 64]
    jump_c = c * _JUMP_SUM % _MOD
    jump = np.array([_JUMP_MULTIPLIER & _HALF, _JUMP_MULTIPLIER >> 64, jump_c & _HALF, jump_c >> 64], np.uint64)
    done, last_lo, last_hi = kernels.pcg64_uniform32(np.array(chains, np.uint64), jump, out[first:])
    lo, hi = int(last_lo), int(last_hi)
    x, turn = lo ^ hi, hi >> 58  # the last word (XSL-RR), whose high half numpy leaves behind, spent
    word = ((x >> turn) | (x << (64 - turn))) & _HALF
    state["state"]["state"] = lo | (hi << 64)
    state["has_uint32"], state["uinteger"] = 0, word >> 32
    bits.state = state
    rest = n - first - done
    if rest:
        out[first + done:] = rng.random(rest, dtype=F32)
    return out
