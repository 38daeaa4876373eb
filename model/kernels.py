"""Compiled kernels of the resident rules, of the network and of the institutions' loops (numba).

Each kernel is one fused pass over resident (or need, or tie) arrays that
does, element by element, the operations of the numpy code it replaced, in
the same order and the same precision, so its results are bit for bit those
of numpy (``tests/test_kernels.py`` checks each against that code, kept in
``tests/numpy_rules.py``). Three rules keep them so:

* each float has numpy's dtype: float32 where numpy computes in float32,
  with float32 constants (:data:`F0`, :data:`F1`; a Python float in a kernel
  is float64), float64 where numpy promotes (the detection chances);
* no transcendental function is computed here (numpy's ``exp`` is SIMD code
  whose last bit can differ from LLVM's): callers run ``np.exp`` between passes.
  The one exception is a draw from the model's generator inside a loop (the
  tender's ``normal``, the founders' ``geometric``, ``normal`` and
  ``lognormal``): numba's generator methods are numpy's C algorithms, and
  both call the platform's scalar ``log`` and ``exp``, so the draws are
  numpy's bit for bit (the tests compare them with the Python loops on this
  platform; on another, a C compiler that fuses ``loc + scale × z`` into one
  instruction would be the first suspect);
* no fast-math, so LLVM neither reassociates nor contracts a multiply and
  an add into a fused multiply-add.

The float32 uniforms of the resident rules (:func:`pcg64_uniform32`, for
:mod:`model.draws`) are PCG64's own steps in whole-number arithmetic and
numpy's conversion to float32 (a whole number below 2^24 times 2^-24, exact),
so they are numpy's on any platform.

Per-community values are read once per community block (residents are
stored contiguously by community, ``community_start``), and the inner loop
indexes slices of the block from 0: a loop from ``community_start[c]``
defeats LLVM's vectoriser (measured ten times slower), a slice does not.
Booleans travel as ``uint8`` views and combine with bitwise operators.

Kernels are compiled on first use and cached on disk (``cache=True``, in
``model/__pycache__``): a fresh checkout compiles them all in a few seconds
once; a later process loads them (about 0.3 s for numba's start, then a few
milliseconds each).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

F0 = np.float32(0.0)
F1 = np.float32(1.0)
F60 = np.float32(60.0)

_jit = numba.njit(cache=True, error_model="numpy", nogil=True)


# --- uniform draws ----------------------------------------------------------
TWO_TO_MINUS_24 = np.float32(1.0 / 16777216.0)
"""numpy's float32 uniform of 32 random bits is ``(bits >> 8) × 2^-24``."""
_LOW32 = np.uint64(0xFFFFFFFF)


@intrinsic
def _mul_add_128(typingctx, s_lo, s_hi, m_lo, m_hi, c_lo, c_hi):
    """``(s × m + c) mod 2^128`` of three unsigned 128-bit numbers given as (low, high) 64-bit halves.

    LLVM's own 128-bit arithmetic (numba has no 128-bit integer), which is
    what numpy's C code for PCG64 compiles to: a few multiplications.
    """
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        i128, i64 = ir.IntType(128), ir.IntType(64)

        def join(lo, hi):
            return builder.or_(builder.zext(lo, i128), builder.shl(builder.zext(hi, i128), ir.Constant(i128, 64)))

        r = builder.add(builder.mul(join(args[0], args[1]), join(args[2], args[3])), join(args[4], args[5]))
        halves = [builder.trunc(r, i64), builder.trunc(builder.lshr(r, ir.Constant(i128, 64)), i64)]
        return context.make_tuple(builder, signature.return_type, halves)

    return sig, codegen


@numba.njit(inline="always")
def _xsl_rr(lo: np.uint64, hi: np.uint64) -> np.uint64:
    """PCG64's output of a 128-bit state: its halves XORed, rotated right by its top six bits."""
    x = hi ^ lo
    rot = hi >> np.uint64(58)
    return (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))


@numba.njit(inline="always")
def _two_uniforms(out: np.ndarray, k: int, word: np.uint64) -> None:
    """The float32 uniforms numpy makes of a word, ``(bits >> 8) × 2^-24``: low half in ``out[k]``, then high."""
    out[k] = np.float32(np.uint32(word & _LOW32) >> np.uint32(8)) * TWO_TO_MINUS_24
    out[k + 1] = np.float32(np.uint32(word >> np.uint64(32)) >> np.uint32(8)) * TWO_TO_MINUS_24


@_jit
def pcg64_uniform32(states: np.ndarray, jump: np.ndarray, out: np.ndarray) -> tuple[int, np.uint64, np.uint64]:
    """Fill ``out`` with numpy's float32 uniforms of a PCG64 stream, eight at a time; how many, and the state after.

    PCG64 steps its 128-bit state ``s ← s × M + c`` and outputs
    :func:`_xsl_rr` of the new state as a 64-bit word; numpy makes two
    float32 uniforms of each word, low half first. ``states`` holds the
    next four states (low, high halves; the caller computes them), and
    ``jump`` the multiplier and increment of four steps at once (``M⁴`` and
    ``c × (M³ + M² + M + 1)``, modulo 2^128): four interleaved chains, whose
    multiplications the processor overlaps where one chain waits on each.
    Fills the largest multiple of eight of ``out`` and returns it with the
    state after the last word used (the one a fifth word would step from).
    """
    a0, a1, b0, b1, c0, c1, d0, d1 = states[0], states[1], states[2], states[3], states[4], states[5], states[6], \
        states[7]
    m0, m1, i0, i1 = jump[0], jump[1], jump[2], jump[3]
    last0, last1 = np.uint64(0), np.uint64(0)
    k = 0
    while k + 8 <= out.size:
        _two_uniforms(out, k, _xsl_rr(a0, a1))
        _two_uniforms(out, k + 2, _xsl_rr(b0, b1))
        _two_uniforms(out, k + 4, _xsl_rr(c0, c1))
        _two_uniforms(out, k + 6, _xsl_rr(d0, d1))
        last0, last1 = d0, d1
        a0, a1 = _mul_add_128(a0, a1, m0, m1, i0, i1)
        b0, b1 = _mul_add_128(b0, b1, m0, m1, i0, i1)
        c0, c1 = _mul_add_128(c0, c1, m0, m1, i0, i1)
        d0, d1 = _mul_add_128(d0, d1, m0, m1, i0, i1)
        k += 8
    return k, last0, last1


@_jit
def below_at(u: np.ndarray, group: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(u < p[group])`` in one pass: each row's bound is its group's.

    Each row is written to the next free place, which moves on only where
    ``u`` is below: no branch per row; the copy returned is the rows found,
    not the whole row-length buffer.
    """
    out = np.empty(u.size, np.int64)
    n = 0
    for i in range(u.size):
        out[n] = i
        n += u[i] < p[group[i]]
    return out[:n].copy()


@_jit
def rows_where(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask)`` of a uint8 mask of 0 and 1, without a branch per row (as :func:`below_at`)."""
    out = np.empty(mask.size, np.int64)
    n = 0
    for i in range(mask.size):
        out[n] = i
        n += mask[i]
    return out[:n].copy()


@_jit
def rows_in_open_groups(mask: np.ndarray, groups: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask & is_open[groups])`` (uint8 ``mask``, ``is_open``) in one pass, as :func:`below_at`."""
    out = np.empty(mask.size, np.int64)
    n = 0
    for i in range(mask.size):
        out[n] = i
        n += mask[i] & is_open[groups[i]]
    return out[:n].copy()


# --- the resident network --------------------------------------------------
@_jit
def count_neighbours(indptr: np.ndarray, indices: np.ndarray, state: np.ndarray) -> np.ndarray:
    """How many neighbours of each node hold ``state`` (uint8), pushed along the holders' rows (float32)."""
    n = state.size
    counts = np.zeros(n, np.float32)
    for i in range(n):
        if state[i]:
            for k in range(indptr[i], indptr[i + 1]):
                counts[indices[k]] += F1
    return counts


@_jit
def shift_counts(counts: np.ndarray, indptr: np.ndarray, indices: np.ndarray, gained: np.ndarray,
                 lost: np.ndarray) -> None:
    """Add one to the count (float32, whole numbers) of each neighbour of ``gained``, take one for ``lost``."""
    for i in gained:
        for k in range(indptr[i], indptr[i + 1]):
            counts[indices[k]] += F1
    for i in lost:
        for k in range(indptr[i], indptr[i + 1]):
            counts[indices[k]] -= F1


@_jit
def update_counts(counts: np.ndarray, indptr: np.ndarray, indices: np.ndarray, before: np.ndarray,
                  after: np.ndarray) -> None:
    """Bring neighbour counts (float32, whole numbers) of a trait from ``before`` to ``after`` (uint8), in place.

    A row holds the trait where its value is not 0 (a participant, or a
    volunteer of either kind). One pass finds who gained and who lost the
    trait and how many hold it now; when more changed than hold it, the counts are pushed afresh from
    the holders' ties (:func:`count_neighbours`), else only the changed
    rows' ties are touched (:func:`shift_counts`). Whole numbers below 2^24
    in float32 add exactly, so either way, in any order, gives the same counts.
    """
    n = after.size
    gained, lost = np.empty(n, np.int64), np.empty(n, np.int64)
    n_gained = n_lost = holders = 0
    for i in range(n):  # a branch here: few change in a month, so it is well predicted
        a = np.uint8(after[i] != 0)
        holders += a
        if a != np.uint8(before[i] != 0):
            if a:
                gained[n_gained] = i
                n_gained += 1
            else:
                lost[n_lost] = i
                n_lost += 1
    if n_gained + n_lost > holders:
        counts[:] = count_neighbours(indptr, indices, after)
    else:
        shift_counts(counts, indptr, indices, gained[:n_gained], lost[:n_lost])


@_jit
def first_in_queue(queue: np.ndarray, candidate: np.ndarray, groups: np.ndarray,
                   capacity: np.ndarray) -> np.ndarray:
    """Which needs are served (uint8): in each group, the first ``capacity`` candidates in ``queue`` order.

    Without a branch per need (half the time of the branching loop: whether
    a need is a candidate is a coin toss the processor cannot predict).
    """
    left = capacity.copy()
    served = np.zeros(candidate.size, np.uint8)
    for i in queue:
        g = groups[i]
        take = candidate[i] & np.uint8(left[g] > 0)
        served[i] = take
        left[g] -= take
    return served


@_jit
def serve_pools(queue: np.ndarray, candidate: np.ndarray, groups: np.ndarray, capacity: np.ndarray,
                quality_sum: np.ndarray, scale: float, u_capacity: np.ndarray, u_met: np.ndarray,
                waiting: np.ndarray, per_community: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass of service delivery from a set of pools (:func:`model.services.deliver_services`).

    Each pool's capacity (people, float64) is rounded to rows up with the
    chance of its fraction (``u_capacity``, one uniform per pool); in each
    pool the first candidates in ``queue`` order are served
    (:func:`first_in_queue`), and a served need is met when its ``u_met``
    is below the pool's quality, ``quality_sum / capacity`` clipped to [0, 1]
    (0 for an empty pool). Served needs stop ``waiting`` (uint8, changed in
    place, after every candidate is read: ``candidate`` may be ``waiting``).

    Returns the served and the met needs (ascending), and what each pool
    leaves: its unrounded capacity less the people served (rows over
    ``scale``) and that times its quality. With ``per_community`` > 1 the
    pools are cells, ``per_community`` to a community, and what they leave
    is summed by community as numpy's ``reshape(-1, per_community).sum(1)``
    adds (its pairwise order). The numpy code it replaced is
    ``tests/numpy_rules.py:serve_pools``.
    """
    n_pools = capacity.size
    rows = np.empty(n_pools, np.int64)
    quality = np.empty(n_pools)
    for g in range(n_pools):
        c = capacity[g]
        x = max(c, 0.0) * scale
        base = np.floor(x)
        rows[g] = np.int64(base + 1.0) if u_capacity[g] < x - base else np.int64(base)
        q = quality_sum[g] / c if c > 0 else 0.0
        quality[g] = min(max(q, 0.0), 1.0)
    taken = first_in_queue(queue, candidate, groups, rows)
    n = taken.size
    served, met = np.empty(n, np.int64), np.empty(n, np.int64)
    count = np.zeros(n_pools, np.int64)
    n_served = n_met = 0
    for i in range(n):  # no branch per need: whether it is served, and met, is a coin toss
        s = np.int64(taken[i])
        g = groups[i]
        served[n_served] = i
        met[n_met] = i
        n_served += s
        n_met += s & np.int64(u_met[i] < quality[g])
        count[g] += s
        waiting[i] &= np.uint8(1 - s)
    left, left_q = np.empty(n_pools), np.empty(n_pools)
    for g in range(n_pools):
        left[g] = capacity[g] - count[g] / scale
        left_q[g] = left[g] * quality[g]
    if per_community > 1:
        left, left_q = _block_sums(left, per_community), _block_sums(left_q, per_community)
    return served[:n_served].copy(), met[:n_met].copy(), left, left_q


@_jit
def _block_sums(a: np.ndarray, per: int) -> np.ndarray:
    """``a.reshape(-1, per).sum(1)`` of a float64 array, each block added in numpy's order."""
    n_blocks = a.size // per
    out = np.empty(n_blocks)
    for b in range(n_blocks):
        s = b * per
        if per == 8:  # numpy's pairwise_sum of a block of 8: eight accumulators, added in pairs
            out[b] = 0.0 + (((a[s] + a[s + 1]) + (a[s + 2] + a[s + 3]))
                            + ((a[s + 4] + a[s + 5]) + (a[s + 6] + a[s + 7])))
        else:
            out[b] = 0.0 + _pairwise(a, s, per)
    return out


@_jit
def oldest_first(shuffled: np.ndarray, age: np.ndarray) -> np.ndarray:
    """``shuffled[np.argsort(-age[shuffled], kind="stable")]`` for ages that are small integers not below 0.

    A counting sort by age, oldest first, which keeps the shuffled order
    within an age: the order of any stable sort. Each need's place among
    the ages is looked up once, in shuffled order, and kept in the ages'
    dtype for the second pass (the look-up is a random read).
    """
    oldest = 0
    for i in range(age.size):
        oldest = max(oldest, np.int64(age[i]))
    start = np.zeros(oldest + 2, np.int64)
    rank = np.empty(shuffled.size, age.dtype)
    for j in range(shuffled.size):
        k = oldest - age[shuffled[j]]
        rank[j] = k
        start[k + 1] += 1
    for a in range(oldest + 1):
        start[a + 1] += start[a]
    out = np.empty(shuffled.size, shuffled.dtype)
    for j in range(shuffled.size):
        k = rank[j]
        out[start[k]] = shuffled[j]
        start[k] += 1
    return out


@_jit
def drop_needs(gone: np.ndarray, key: np.ndarray, age: np.ndarray,
               detected: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The open needs' keys, ages and flags without the needs at the (ascending, distinct) positions ``gone``.

    Every need is copied to the next free place, which moves on only for a
    need kept: no branch per need (a fifth of the time of copying the runs
    between the gone needs one slice at a time).
    """
    keep = np.ones(key.size, np.uint8)
    for g in gone:
        keep[g] = 0
    keys, ages, flags = np.empty(key.size, key.dtype), np.empty(key.size, age.dtype), np.empty(key.size, detected.dtype)
    out = 0
    for i in range(key.size):
        keys[out], ages[out], flags[out] = key[i], age[i], detected[i]
        out += keep[i]
    n = key.size - gone.size
    return keys[:n], ages[:n], flags[:n]


@_jit
def gather_ties(indptr: np.ndarray, indices: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The neighbours of ``nodes``, concatenated in node order (a node appears once per tie)."""
    total = 0
    for i in nodes:
        total += indptr[i + 1] - indptr[i]
    out = np.empty(total, indices.dtype)
    at = 0
    for i in nodes:
        for k in range(indptr[i], indptr[i + 1]):
            out[at] = indices[k]
            at += 1
    return out


@_jit
def symmetric_csr(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(indptr, indices)`` (int32) of the undirected graph of the ties ``src``–``dst``.

    Each row's indices are sorted and unique (duplicate ties collapse into
    one); a tie of a node with itself is left out.
    """
    degree = np.zeros(n + 1, np.int64)
    for k in range(src.size):
        loop = np.int64(src[k] == dst[k])
        degree[src[k] + 1] += 1 - loop
        degree[dst[k] + 1] += 1 - loop
    fill = np.cumsum(degree)
    indices = np.empty(fill[n], np.int32)
    at = fill[:n].copy()
    for k in range(src.size):
        a, b = src[k], dst[k]
        if a == b:  # rare (a rewired tie that found its own end), so well predicted
            continue
        indices[at[a]] = b
        at[a] += 1
        indices[at[b]] = a
        at[b] += 1
    # Sort each (short) row by insertion and drop repeats, compacting in place.
    indptr = np.zeros(n + 1, np.int32)
    out = 0
    for i in range(n):
        lo, hi = fill[i], fill[i + 1]
        for k in range(lo + 1, hi):
            v = indices[k]
            j = k - 1
            while j >= lo and indices[j] > v:
                indices[j + 1] = indices[j]
                j -= 1
            indices[j + 1] = v
        for k in range(lo, hi):
            if k == lo or indices[k] != indices[k - 1]:
                indices[out] = indices[k]
                out += 1
        indptr[i + 1] = out
    return indptr, indices[:out].copy()


# --- satisfaction and trust ------------------------------------------------
@_jit
def _clip01(x: np.float32) -> np.float32:
    """``np.clip(x, 0, 1)`` of numpy (a -0.0 stays -0.0)."""
    return F0 if x < F0 else (F1 if x > F1 else x)


@_jit
def _asymmetric(trust: np.float32, target: np.float32, gain: np.float32, down_rate: np.float32) -> np.float32:
    """One resident of ``rules._move_asymmetric``: ``trust + max(gap, 0) × gain + min(gap, 0) × down_rate``."""
    gap = target - trust
    up = (gap if gap > F0 else F0) * gain
    down = (gap if gap < F0 else F0) * down_rate
    return (trust + up) + down


@_jit
def satisfaction_trust(start: np.ndarray, met: np.ndarray, open_after: np.ndarray, performance: np.ndarray,
                       penalty: np.ndarray, voice: np.ndarray, satisfaction: np.ndarray, expectation: np.ndarray,
                       trust_committee: np.ndarray, trust_government: np.ndarray, coef: np.ndarray) -> None:
    """In place, the month of :func:`model.rules.update_satisfaction_trust` (see there).

    ``start`` is ``community_start``; ``performance`` and ``penalty`` are per
    community (float32); ``voice`` is uint8; ``coef`` holds the float32
    ``(bystander_weight, alpha_s, alpha_e, trust_gain, trust falling rate, voice_bonus)``.
    """
    bystander, alpha_s, alpha_e, gain, down_rate, bonus = coef[0], coef[1], coef[2], coef[3], coef[4], coef[5]
    half = np.float32(0.5)
    for c in range(start.size - 1):
        perf_c, pen_c = performance[c], penalty[c]
        lo, hi = start[c], start[c + 1]
        m, o, v = met[lo:hi], open_after[lo:hi], voice[lo:hi]
        sat, expc, tc, tg = satisfaction[lo:hi], expectation[lo:hi], trust_committee[lo:hi], trust_government[lo:hi]
        for i in range(sat.size):
            own = (m[i] + o[i]) > F0
            perf = m[i] / (m[i] + o[i]) if own else perf_c
            weight = F1 if own else bystander
            gap = perf - expc[i]
            s = sat[i] + ((_clip01(gap + half) - sat[i]) * weight) * alpha_s
            sat[i] = s
            expc[i] = expc[i] + (gap * weight) * alpha_e
            t = _asymmetric(tc[i], s, gain, down_rate)
            t = t + bonus if v[i] else t
            tc[i] = _clip01(t)
            tg[i] = _clip01(_asymmetric(tg[i], _clip01(s - pen_c), gain, down_rate))


# --- participation -----------------------------------------------------------
@_jit
def participation_exponent(start: np.ndarray, trust: np.ndarray, civic: np.ndarray, logit: np.ndarray,
                           count: np.ndarray, scale: np.ndarray, threshold: np.ndarray,
                           coef: np.ndarray) -> np.ndarray:
    """``-clip(tw × trust + cw × civic + logit + sens × (share - threshold) + lift × [share >= threshold], ±60)``.

    The float32 exponent of :func:`model.contagion.contagion_decisions` for the
    participation of :func:`model.rules.update_participation`, with the share
    ``count × scale`` (neighbour counts times one over the degree, or shares
    times one); ``logit`` is per community, ``coef`` the float32
    ``(trust_weight, civic_weight, sensitivity, lift)``. The step is a float32
    of a comparison (a select, no branch). The caller takes ``np.exp`` of it
    and passes it to :func:`contagion_outcome`.
    """
    tw, cw, sens, lift = coef[0], coef[1], coef[2], coef[3]
    out = np.empty(trust.size, np.float32)
    for c in range(start.size - 1):
        logit_c = logit[c]
        lo, hi = start[c], start[c + 1]  # slices: indices from 0 let LLVM vectorise the loop
        t, cv, th, z = trust[lo:hi], civic[lo:hi], threshold[lo:hi], out[lo:hi]
        n, k = count[lo:hi], scale[lo:hi]
        for i in range(z.size):
            share = n[i] * k[i]
            x = ((tw * t[i] + cw * cv[i]) + logit_c) + sens * (share - th[i])
            x = x + lift * np.float32(share >= th[i])
            x = -F60 if x < -F60 else (F60 if x > F60 else x)
            z[i] = -x
    return out


@_jit
def _stays_or_adopts(active: np.uint8, u: np.float32, dropout: np.float32, odds: np.float32) -> np.uint8:
    """The rule of :func:`model.contagion.contagion_decisions` for one node (uint8, no branch).

    An active node stays when ``u >= dropout``; an inactive one adopts when
    ``u × odds < 1``, with ``odds = 1 + e^-z`` (float32).
    """
    stay = np.uint8(u >= dropout) & active
    adopt = np.uint8(odds * u < F1) & (active ^ np.uint8(1))
    return stay | adopt


@_jit
def contagion_outcome(active: np.ndarray, exp_z: np.ndarray, uniforms: np.ndarray, dropout: np.float32,
                      eligible: np.ndarray) -> np.ndarray:
    """The new states (uint8) of :func:`model.contagion.contagion_decisions` given ``exp_z = e^-z``.

    :func:`_stays_or_adopts` with the odds ``1 + e^-z``; only ``eligible`` nodes (uint8) end active.
    """
    out = np.empty(active.size, np.uint8)
    for i in range(active.size):
        out[i] = _stays_or_adopts(active[i], uniforms[i], dropout, exp_z[i] + F1) & eligible[i]
    return out


@_jit
def volunteer_exponent(idx: np.ndarray, per_community: np.ndarray, logit: np.ndarray, count: np.ndarray,
                       scale: np.ndarray, threshold: np.ndarray, sensitivity: np.float32) -> np.ndarray:
    """``-clip(logit + sensitivity × (share - threshold), ±60)`` at the participants ``idx`` (float32).

    The exponent of :func:`model.contagion.contagion_decisions` (no step) for
    grassroots volunteering in :func:`model.rules.update_participation`: the
    participants are runs of ``per_community`` (rows are stored by
    community), ``logit`` is per community and the share is ``count ×
    scale`` at each participant's row. The caller takes ``np.exp`` of it.
    """
    out = np.empty(idx.size, np.float32)
    lo = 0
    for c in range(per_community.size):
        logit_c = logit[c]
        hi = lo + per_community[c]
        for k in range(lo, hi):
            i = idx[k]
            x = logit_c + sensitivity * (count[i] * scale[i] - threshold[i])
            x = -F60 if x < -F60 else (F60 if x > F60 else x)
            out[k] = -x
        lo = hi
    return out


@_jit
def volunteer_outcome(idx: np.ndarray, per_community: np.ndarray, volunteer: np.ndarray, exp_z: np.ndarray,
                      uniforms: np.ndarray, dropout: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Which participants ``idx`` volunteer as grassroots volunteers before the teams' room is counted.

    A grassroots volunteer (``volunteer`` 2) stays when ``u >= dropout`` of
    its community; any other adopts when ``u × (1 + e^-z) < 1``; a
    state-mobilised volunteer (``volunteer`` 1) never does. Returns the
    decisions and who was a grassroots volunteer already (uint8, aligned on
    ``idx``), and how many are new.
    """
    stays, active = np.empty(idx.size, np.uint8), np.empty(idx.size, np.uint8)
    n_new = 0
    lo = 0
    for c in range(per_community.size):
        d = dropout[c]
        hi = lo + per_community[c]
        for k in range(lo, hi):
            kind = volunteer[idx[k]]
            a = np.uint8(kind == 2)
            s = _stays_or_adopts(a, uniforms[k], d, exp_z[k] + F1) & np.uint8(kind != 1)
            stays[k], active[k] = s, a
            n_new += s & (a ^ np.uint8(1))
        lo = hi
    return stays, active, n_new


@_jit
def within_room(stays: np.ndarray, active: np.ndarray, per_community: np.ndarray, room: np.ndarray,
                uniforms: np.ndarray) -> None:
    """Keep each new grassroots volunteer with the chance ``min(1, room / joiners)`` of its community.

    ``stays`` (changed in place) and ``active`` (uint8) are aligned on the
    participants, runs of ``per_community``; the new are those who stay and
    were not active, with one uniform each, in order (float32, compared in
    float64 with the float64 chance ``room / joiners``, as numpy compares them).
    """
    lo, k = 0, 0
    for c in range(per_community.size):
        hi = lo + per_community[c]
        joiners = 0
        for j in range(lo, hi):
            joiners += stays[j] & (active[j] ^ np.uint8(1))
        chance = room[c] / joiners if joiners > 0 else 1.0
        for j in range(lo, hi):
            if stays[j] & (active[j] ^ np.uint8(1)):
                if np.float64(uniforms[k]) >= chance:
                    stays[j] = 0
                k += 1
        lo = hi


@_jit
def block_counts(start: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The sum of ``mask`` in each block ``start[c]:start[c + 1]`` (int64).

    Of a uint8 mask of 0 and 1, how many rows it marks; of other whole
    numbers (the open needs' ages), their sum.
    """
    out = np.zeros(start.size - 1, np.int64)
    for c in range(start.size - 1):
        m = mask[start[c]:start[c + 1]]
        n = 0
        for i in range(m.size):
            n += m[i]
        out[c] = n
    return out


@_jit
def consult(start: np.ndarray, participant: np.ndarray, uniforms: np.ndarray, chance: np.ndarray, month: int,
            last_attended: np.ndarray, community: np.ndarray, need_key: np.ndarray, detected: np.ndarray,
            agenda: np.ndarray, voice: np.ndarray, category_bits: int) -> None:
    """One month's consultation meetings (:func:`model.participation.hold_consultations`), in place.

    A participant (uint8) of community ``c`` attends when its uniform (one
    per participant, in row order) is below ``chance[c]`` and its
    ``last_attended`` becomes ``month``. Attendees voice their open needs
    (sorted keys ``row × categories + category``, with as many categories
    as ``agenda`` has columns, split by shifts of ``category_bits``,
    :data:`model.residents.KERNEL_CATEGORY_BITS`, or by division when it is -1):
    each becomes ``detected`` (uint8) and counts on this month's agenda of
    its community and category, which is added to ``agenda`` (communities
    × categories). A resident with a voiced need in the category on top of its community's
    agenda (the first most voiced; a community with an empty agenda has
    none) gains ``voice`` (uint8). Attendance is decided without a branch
    per resident (whether one takes part is a coin toss where many do);
    only an attendee's month is written (attendees are a few in a hundred,
    so that branch is well predicted, and the other rows are not rewritten).
    """
    n_comm, n_cat = start.size - 1, agenda.shape[1]
    attendee = np.zeros(participant.size, np.uint8)
    last_u = max(uniforms.size - 1, 0)
    u_all = uniforms if uniforms.size else np.ones(1)
    k = 0
    for c in range(n_comm):
        chance_c = chance[c]
        lo, hi = start[c], start[c + 1]
        p, att, last = participant[lo:hi], attendee[lo:hi], last_attended[lo:hi]
        for i in range(hi - lo):
            a = p[i] & np.uint8(u_all[min(k, last_u)] < chance_c)
            att[i] = a
            if a:
                last[i] = month
            k += p[i]
    month_agenda = np.zeros((n_comm, n_cat), np.int64)
    for j in range(need_key.size):
        row, cat = _split_key(need_key[j], n_cat, category_bits)
        if attendee[row]:
            detected[j] = 1
            month_agenda[community[row], cat] += 1
    top = np.zeros(n_comm, np.int64)
    for c in range(n_comm):
        best = 0
        for cat in range(n_cat):
            agenda[c, cat] += month_agenda[c, cat]
            if month_agenda[c, cat] > month_agenda[c, best]:
                best = cat
        top[c] = best if month_agenda[c, best] > 0 else -1
    for j in range(need_key.size):
        row, cat = _split_key(need_key[j], n_cat, category_bits)
        if attendee[row] and cat == top[community[row]]:
            voice[row] = 1


@_jit
def _split_key(key: np.int64, n_categories: int, bits: int) -> tuple[np.int64, np.int64]:
    """A need's resident row and category from its key: by shift and mask with ``bits`` when it is not -1."""
    if bits >= 0:  # the same for every key: LLVM takes the test out of the caller's loop
        return key >> bits, key & (n_categories - 1)
    return key // n_categories, key % n_categories


@_jit
def need_pools(need_key: np.ndarray, community: np.ndarray, vulnerable: np.ndarray, n_categories: int,
               category_bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each open need's community, cell (``community × categories + category``; int32) and vulnerability (uint8).

    One pass over the sorted keys (split as in :func:`consult`) instead of
    the rows, two gathers and a product, each a full-length int64 array:
    the pools of service delivery (:func:`model.services.deliver_services`).
    """
    comm, cell = np.empty(need_key.size, np.int32), np.empty(need_key.size, np.int32)
    vul = np.empty(need_key.size, np.uint8)
    for j in range(need_key.size):
        row, cat = _split_key(need_key[j], n_categories, category_bits)
        c = community[row]
        comm[j] = c
        cell[j] = c * n_categories + cat
        vul[j] = vulnerable[row]
    return comm, cell, vul


@_jit
def mobilise(start: np.ndarray, adult: np.ndarray, grassroots: np.ndarray, was_kind: np.ndarray,
             odds: np.ndarray, dropout: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Each resident's volunteer kind (int8): grassroots, state-mobilised or none.

    An adult who is not a grassroots volunteer is state-mobilised when it
    was (its ``was_kind``, uint8, is 1) and ``u >= dropout`` of its community, or when it was not and
    ``u × odds < 1`` (``odds`` = 1 + e^-z of its community, float32), as
    :func:`model.contagion.contagion_decisions` decides with no neighbour term.
    The kinds are coded as in :mod:`model.residents`: 0 none, 1 state-mobilised, 2 grassroots.
    """
    out = np.empty(uniforms.size, np.int8)
    for c in range(start.size - 1):
        lo, hi = start[c], start[c + 1]
        o, d = odds[c], dropout[c]
        u, a, g, w = uniforms[lo:hi], adult[lo:hi], grassroots[lo:hi], was_kind[lo:hi]
        kind = out[lo:hi]
        for i in range(hi - lo):
            state = _stays_or_adopts(np.uint8(w[i] == 1), u[i], d, o) & a[i] & (g[i] ^ np.uint8(1))
            kind[i] = np.int8(2) * np.int8(g[i]) + np.int8(state)
    return out


@_jit
def participation_tallies(start: np.ndarray, last_attended: np.ndarray, since: int, adult: np.ndarray,
                          volunteer: np.ndarray) -> np.ndarray:
    """Per community (int64, shape (3, communities)): consultations, volunteers and grassroots volunteers.

    Counts adults who attended a consultation after month ``since``,
    volunteers (``volunteer > 0``) and grassroots volunteers (``volunteer == 2``)
    in one pass over the three arrays (``adult`` as uint8) instead of a
    temporary and a reduction for each; the counts are whole numbers, so the
    order of the additions cannot change them.
    """
    out = np.zeros((3, start.size - 1), np.int64)
    for c in range(start.size - 1):
        lo, hi = start[c], start[c + 1]
        la, ad, vo = last_attended[lo:hi], adult[lo:hi], volunteer[lo:hi]
        consulted = volunteers = grassroots = 0
        for i in range(la.size):
            consulted += np.int64(la[i] > since) & np.int64(ad[i])
            volunteers += np.int64(vo[i] > 0)
            grassroots += np.int64(vo[i] == 2)
        out[0, c], out[1, c], out[2, c] = consulted, volunteers, grassroots
    return out


@_jit
def count_kinds(start: np.ndarray, kind: np.ndarray, first: int, second: int) -> np.ndarray:
    """Per community (int64, shape (2, communities)): the rows whose ``kind`` is ``first``, and ``second``.

    One pass instead of a comparison and a float64 reduction for each kind
    (the volunteers' kinds, :func:`model.committees.count_volunteers`); the
    counts are whole numbers, so any order of addition gives them.
    """
    out = np.zeros((2, start.size - 1), np.int64)
    for c in range(start.size - 1):
        k = kind[start[c]:start[c + 1]]
        n_first = n_second = 0
        for i in range(k.size):
            n_first += np.int64(k[i] == first)
            n_second += np.int64(k[i] == second)
        out[0, c], out[1, c] = n_first, n_second
    return out


# --- needs -------------------------------------------------------------------
@_jit
def count_per_row(keys: np.ndarray, n_categories: int, n: int) -> np.ndarray:
    """How many of ``keys`` (``row × n_categories + category``, not negative) each of ``n`` rows has (float32).

    ``np.bincount(keys // n_categories, minlength=n).astype(np.float32)``
    without the full-length int64 count and its conversion: one write per key.
    """
    out = np.zeros(n, np.float32)
    for k in keys:
        out[k // n_categories] += F1
    return out


@_jit
def tally_keys(keys: np.ndarray, n_categories: int, community: np.ndarray, vulnerable: np.ndarray,
               n_communities: int) -> tuple[np.ndarray, np.ndarray]:
    """Needs (keys ``row × n_categories + category``) by their resident's community: all, and vulnerable residents'.

    ``np.bincount(community[rows], minlength=n_communities)`` (int64) and the
    same weighted by ``vulnerable`` (uint8; float64, as bincount's weights
    give it) in one pass; sums of ones, so their order cannot change them.
    """
    count = np.zeros(n_communities, np.int64)
    weighted = np.zeros(n_communities, np.float64)
    for k in keys:
        r = k // n_categories
        c = community[r]
        count[c] += 1
        weighted[c] += np.float64(vulnerable[r])
    return count, weighted


@_jit
def need_keys(rows: np.ndarray, profile: np.ndarray, cumulative: np.ndarray, total: np.ndarray,
              uniforms: np.ndarray) -> np.ndarray:
    """Keys ``row × K + category`` of new needs, the category where ``u × total`` falls in the cumulative rates.

    ``cumulative`` is the (profiles, K) running sum of the rate table and
    ``total`` its last column as numpy summed it; the category counts the
    cumulative rates at or below ``u × total`` (at most ``K - 1``).
    """
    n_cat = cumulative.shape[1]
    out = np.empty(rows.size, np.int64)
    for k in range(rows.size):
        p = profile[rows[k]]
        x = uniforms[k] * total[p]
        cat = 0
        for j in range(n_cat):
            cat += cumulative[p, j] <= x
        out[k] = rows[k] * n_cat + min(cat, n_cat - 1)
    return out


@_jit
def merge_needs(key: np.ndarray, age: np.ndarray, detected: np.ndarray,
                new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge the sorted ``new`` keys into the sorted open needs, skipping keys already open.

    Returns the merged keys, ages and detected flags (a new need is 0 months
    old and undetected) and the new keys that were added.
    """
    keys = np.empty(key.size + new.size, np.int64)
    ages = np.zeros(keys.size, np.int16)
    flags = np.zeros(keys.size, np.bool_)
    added = np.empty(new.size, np.int64)
    i = j = out = n_added = 0
    while i < key.size or j < new.size:
        take_old = j == new.size or (i < key.size and key[i] <= new[j])
        if take_old:
            j += np.int64(j < new.size and key[i] == new[j])  # a need already open adds nothing
            keys[out] = key[i]
            ages[out] = age[i]
            flags[out] = detected[i]
            i += 1
        else:
            keys[out] = new[j]
            added[n_added] = new[j]
            n_added += 1
            j += 1
        out += 1
    return keys[:out], ages[:out], flags[:out], added[:n_added]


@_jit
def drop_and_age(gone: np.ndarray, key: np.ndarray, age: np.ndarray,
                 detected: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split open needs by ``gone`` (uint8): the keys gone, and the rest's keys, ages + 1 and flags."""
    n_gone = 0
    for k in range(gone.size):
        n_gone += gone[k]
    dropped = np.empty(n_gone, np.int64)
    keys = np.empty(key.size - n_gone, np.int64)
    ages = np.empty(key.size - n_gone, np.int16)
    flags = np.empty(key.size - n_gone, np.bool_)
    a = b = 0
    for k in range(key.size):
        if gone[k]:
            dropped[a] = key[k]
            a += 1
        else:
            keys[b], ages[b], flags[b] = key[k], age[k] + 1, detected[k]
            b += 1
    return dropped, keys, ages, flags


@_jit
def detect(rows: np.ndarray, detected: np.ndarray, served: np.ndarray, scale: np.ndarray, place: np.ndarray,
           p_place: np.ndarray, one_minus_self_referral: float, word_of_mouth: np.float32,
           uniforms: np.ndarray) -> int:
    """In place, :func:`model.rules.detect_needs` on float32 shares and uniforms, float64 place chances.

    ``rows`` are the needs' residents, ``detected`` their flags (uint8); the
    share of a resident's neighbours served is ``served × scale`` (neighbour
    counts times one over the degree, or shares times one); returns how many
    needs came to light.
    """
    hits = 0
    for k in range(rows.size):
        r = rows[k]
        hit = _comes_to_light(uniforms[k], served[r] * scale[r], p_place[place[r]], one_minus_self_referral,
                              word_of_mouth) & (detected[k] ^ np.uint8(1))
        detected[k] |= hit
        hits += hit
    return hits


@_jit
def _comes_to_light(u: np.float32, served_share: np.float32, p_place: float, one_minus_self_referral: float,
                    word_of_mouth: np.float32) -> np.uint8:
    """Whether a need comes to light (uint8): ``u`` below one minus the chance that all three ways miss it.

    Word of mouth's chance is ``word_of_mouth × served_share`` (float32, at
    most 1); the place's and self-referral's are float64, as numpy promotes them.
    """
    x = word_of_mouth * served_share
    p_wom = x if x < F1 else F1
    miss = ((1.0 - p_place) * one_minus_self_referral) * np.float64(F1 - p_wom)
    return np.uint8(u < 1.0 - miss)


@_jit
def detect_by_ties(rows: np.ndarray, detected: np.ndarray, served: np.ndarray, indptr: np.ndarray,
                   indices: np.ndarray, scale: np.ndarray, place: np.ndarray, p_place: np.ndarray,
                   one_minus_self_referral: float, word_of_mouth: np.float32, uniforms: np.ndarray) -> int:
    """:func:`detect` with each served-neighbour count taken along the ties of a need not yet detected.

    ``served`` (uint8) marks the residents served last month; a need's
    count is how many of its resident's neighbours it marks, counted only
    for the needs that can still come to light (a detected need's draw
    changes nothing), instead of pushing every served resident's ties into
    a count for every resident. The counts are whole numbers in float32, so
    the chances are :func:`detect`'s bit for bit.

    The chance never falls as the count grows (each step of
    :func:`_comes_to_light`, rounding included, is monotone, given
    ``word_of_mouth`` and ``scale`` not negative and ``p_place`` and the
    self-referral chance at most 1, as the caller checks), so a need that
    comes to light with no served neighbour comes to light, and one that
    stays hidden with all its neighbours served stays hidden, whatever the
    count: only the needs between the two are counted (with the default
    weight of word of mouth, about a third of them).
    """
    hits = 0
    for k in range(rows.size):
        if detected[k]:
            continue
        r = rows[k]
        u, p, lo, hi = uniforms[k], p_place[place[r]], indptr[r], indptr[r + 1]
        hit = _comes_to_light(u, F0 * scale[r], p, one_minus_self_referral, word_of_mouth)
        if not hit and _comes_to_light(u, np.float32(hi - lo) * scale[r], p, one_minus_self_referral,
                                       word_of_mouth):
            count = F0
            for t in range(lo, hi):
                count += np.float32(served[indices[t]])
            hit = _comes_to_light(u, count * scale[r], p, one_minus_self_referral, word_of_mouth)
        detected[k] = hit
        hits += hit
    return hits


# --- the build ---------------------------------------------------------------
@_jit
def order_in_blocks(bounds: np.ndarray, key: np.ndarray) -> np.ndarray:
    """A stable argsort of ``key`` (floats in [0, 1)) inside each block ``bounds[b]:bounds[b + 1]``.

    The order of ``np.argsort(key[lo:hi], kind="stable") + lo`` block by block,
    made by a bucket sort: a block of ``m`` keys goes into ``m`` buckets by
    ``floor(key × m)`` (which never decreases as the key grows), in row order,
    then each bucket (about one key) is sorted by insertion, moving a key only
    past strictly larger ones; so equal keys keep their row order.
    """
    order = np.empty(key.size, np.intp)
    for b in range(bounds.size - 1):
        lo, hi = bounds[b], bounds[b + 1]
        m = hi - lo
        fill = np.zeros(m + 1, np.intp)
        bucket = np.empty(m, np.intp)
        for i in range(m):
            j = min(np.intp(key[lo + i] * m), m - 1)
            bucket[i] = j
            fill[j + 1] += 1
        for j in range(m):
            fill[j + 1] += fill[j]
        at = fill[:m].copy()
        out = order[lo:hi]
        for i in range(m):
            out[at[bucket[i]]] = lo + i
            at[bucket[i]] += 1
        for j in range(m):
            for k in range(fill[j] + 1, fill[j + 1]):
                v = out[k]
                x = key[v]
                t = k - 1
                while t >= fill[j] and key[out[t]] > x:
                    out[t + 1] = out[t]
                    t -= 1
                out[t + 1] = v
    return order


# --- random streams ------------------------------------------------------------
_M32 = np.uint64(0xFFFFFFFF)


@_jit
def _hashmix(value: np.uint64, hash_const: np.uint64) -> tuple[np.uint64, np.uint64]:
    """One hash of numpy's SeedSequence (O'Neill's seed_seq): the hashed 32-bit word and the next constant."""
    value = value ^ hash_const
    hash_const = (hash_const * np.uint64(0x931E8875)) & _M32
    value = (value * hash_const) & _M32
    return value ^ (value >> np.uint64(16)), hash_const


@_jit
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    r = (((np.uint64(0xCA01F9DD) * x) & _M32) - ((np.uint64(0x4973F715) * y) & _M32)) & _M32
    return r ^ (r >> np.uint64(16))


@_jit
def seed_sequence_state(entropy: np.ndarray) -> np.ndarray:
    """``np.random.SeedSequence``'s ``generate_state(4, np.uint64)`` for the assembled entropy words (uint32).

    The algorithm of numpy's SeedSequence (a pool of four 32-bit words:
    the first four entropy words hashed in, every word mixed into every
    other, the rest of the entropy mixed in, then eight words hashed out of
    the pool and paired little-endian), in 64-bit integers masked to 32 bits.
    ``tests/test_streams.py`` checks it against numpy on thousands of keys.
    """
    h = np.uint64(0x43B0D7E5)
    pool = np.zeros(4, np.uint64)
    for i in range(4):
        pool[i], h = _hashmix(np.uint64(entropy[i]) if i < entropy.size else np.uint64(0), h)
    for src in range(4):
        for dst in range(4):
            if src != dst:
                x, h = _hashmix(pool[src], h)
                pool[dst] = _mix(pool[dst], x)
    for src in range(4, entropy.size):
        for dst in range(4):
            x, h = _hashmix(np.uint64(entropy[src]), h)
            pool[dst] = _mix(pool[dst], x)
    h = np.uint64(0x8B51F9DD)
    out = np.zeros(4, np.uint64)
    for i in range(8):
        v = pool[i % 4] ^ h
        h = (h * np.uint64(0x58F38DED)) & _M32
        v = (v * h) & _M32
        out[i // 2] |= (v ^ (v >> np.uint64(16))) << np.uint64(32 * (i % 2))
    return out


# --- institutions ----------------------------------------------------------
@_jit
def pairwise_sum(a: np.ndarray) -> float:
    """``a.sum()`` of a 1-D float64 array, added in numpy's order (pairwise blocks of 8 accumulators)."""
    return 0.0 + _pairwise(a, 0, a.size)


@_jit
def _block(a: np.ndarray, start: int, n: int) -> float:
    """The sum of ``a[start:start + n]``, at most 128 numbers, as numpy's ``pairwise_sum`` adds them."""
    if n < 8:
        res = 0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    r = a[start: start + 8].copy()
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[start + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[start + i]
        i += 1
    return res


@_jit
def _pairwise(a: np.ndarray, start: int, n: int) -> float:
    """The sum of ``a[start:start + n]`` as numpy's ``pairwise_sum`` (of its loops_utils) adds it.

    numpy halves a run longer than 128 (at a multiple of 8) and adds the
    halves' sums; the recursion runs here on a stack of its own (numba cannot
    cache a recursive function).
    """
    if n <= 128:
        return _block(a, start, n)
    depth = 128
    first, size, stage, left = (np.empty(depth, np.int64), np.empty(depth, np.int64), np.zeros(depth, np.int64),
                                np.zeros(depth))
    top, first[0], size[0] = 0, start, n
    value, returned = 0.0, False  # returned: value holds the sum of a child of the frame on top
    while True:
        s, m = first[top], size[top]
        half = m // 2
        half -= half % 8
        if not returned and m <= 128:
            value, returned = _block(a, s, m), True
            top -= 1
        elif not returned:
            stage[top] = 1  # first visit: the left half
            top += 1
            first[top], size[top] = s, half
        elif stage[top] == 1:
            left[top], stage[top], returned = value, 2, False  # then the right half
            top += 1
            first[top], size[top] = s + half, m - half
        else:
            value = left[top] + value
            top -= 1
        if top < 0:
            return value


@_jit
def weighted_sample(rng, weights: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(weights.size, size, replace=False, p=weights / weights.sum())``, the same draws and result.

    numpy's algorithm: draw as many uniforms as places are left, look them up
    in the cumulative probabilities of the not yet chosen, keep the new ones in
    the order they were first drawn, and repeat until ``size`` are chosen.
    """
    p = weights / pairwise_sum(weights)
    found = np.zeros(size, np.int64)
    n_uniq = 0
    while n_uniq < size:
        x = rng.random(size - n_uniq)
        for k in range(n_uniq):
            p[found[k]] = 0.0
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        new = np.searchsorted(cdf, x, side="right")
        seen = np.zeros(p.size, np.bool_)  # drawn already in this round (never in an earlier one: p is 0 there)
        for v in new:
            if not seen[v]:
                seen[v] = True
                found[n_uniq] = v
                n_uniq += 1
    return found


@_jit
def tender(rng, value: np.ndarray, category: np.ndarray, street: np.ndarray, incumbent: np.ndarray,
           last_score: np.ndarray, spare: np.ndarray, specialty: np.ndarray, professional: np.ndarray,
           past_contracts: np.ndarray, judged: np.ndarray, price_factor: np.ndarray, home_street: np.ndarray,
           known: np.ndarray, cost_per_need: float, renewal_score: float, bidders_max: int,
           invitation_weight: float, noise: float, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Award projects one after another (:func:`model.purchasing.tender_projects`); the winners and targets.

    Projects (``value``, ``category``, the ``street`` of their community, the
    ``incumbent`` each meets, -1 for none, and its ``last_score``) come in
    award order; bidders are the tender's field, by position: ``spare``
    capacity (used up by each award), ``specialty``, ``professional``,
    ``past_contracts``, ``judged`` quality before noise, ``price_factor``,
    ``home_street`` and ``known`` (reputation). ``weights``: the score's
    weights of quality, price, local ties and record. Returns each project's
    winner (a position, -1: not bought) and target (needs a year). Draws as
    ``rng.choice`` and ``rng.normal`` do, in the same order.
    """
    n_projects, n_bidders = value.size, spare.size
    winner = np.full(n_projects, -1, np.int64)
    target = np.zeros(n_projects)
    candidates = np.empty(n_bidders, np.int64)
    for i in range(n_projects):
        need = value[i] / cost_per_need / 12.0  # people a month, at the reference price
        w = incumbent[i]
        if w >= 0 and (spare[w] < need or last_score[i] < renewal_score):
            w = -1
        if w < 0:
            k = 0
            for b in range(n_bidders):
                if (specialty[b] == category[i] or professional[b]) and spare[b] >= need:
                    candidates[k] = b
                    k += 1
            if k == 0:
                continue  # nobody eligible: the project is not bought
            reach = np.empty(k)
            for j in range(k):
                reach[j] = 1.0 + invitation_weight * past_contracts[candidates[j]]
            chosen = weighted_sample(rng, reach, min(bidders_max, k))
            errors = rng.normal(0.0, noise, size=chosen.size)
            best = -1.0
            for j in range(chosen.size):
                b = candidates[chosen[j]]
                score = (weights[0] * (judged[b] + errors[j]) + weights[1] * (1.0 - price_factor[b])
                         + weights[2] * (1.0 if home_street[b] == street[i] else 0.0) + weights[3] * known[b])
                if w < 0 or score > best or (np.isnan(score) and not np.isnan(best)):
                    w, best = b, score
        target[i] = value[i] / (cost_per_need * price_factor[w])
        winner[i] = w
        spare[w] -= target[i] / 12.0
    return winner, target


@_jit
def _choose(rng, p: np.ndarray) -> int:
    """``rng.choice(p.size, p=p)``: one uniform looked up in the normalised cumulative ``p``."""
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(), side="right")


@_jit
def founding_attempts(rng, homes: np.ndarray, money: np.ndarray, taken: np.ndarray, opportunity: np.ndarray,
                      need: np.ndarray, bought: np.ndarray, kinds_of: np.ndarray, n_kinds: np.ndarray,
                      priority: np.ndarray, traits: np.ndarray) -> tuple[np.ndarray, ...]:
    """The founding attempts of a year (:func:`model.organizations.founding_attempts`), one after another.

    An attempt in community ``homes[a]`` succeeds with chance ``1 - taken /
    money`` there (``taken`` grows by ``traits[10]``, a newcomer's cost, at
    each success); a founder picks a category by the community's
    ``opportunity`` (uniformly when it has none), then a type among the
    category's ``kinds_of`` (its first ``n_kinds``) by the unmet ``need``
    plus, for a ``priority`` type, the ``bought`` contract needs times
    ``traits[11]``, then the traits (:func:`model.organizations.draw_traits`,
    from ``traits[:10]``). Returns the founded organizations' type, category,
    home, staff, quality, own-revenue ratio and price factor. Draws what the
    Python loop drew, in its order: numba's generator methods are numpy's
    algorithms on the same bit generator.
    """
    n = homes.size
    kind, category, home = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    staff, quality, ratio, price = np.empty(n, np.int64), np.empty(n), np.empty(n), np.empty(n)
    m = 0
    for a in range(n):
        c = homes[a]
        free = 1.0 - taken[c] / money[c] if money[c] > 0 else 0.0
        if rng.random() >= free:
            continue
        total = pairwise_sum(opportunity[c])
        k = _choose(rng, opportunity[c] / total) if total > 0 else rng.integers(0, opportunity.shape[1])
        w = np.empty(n_kinds[k])
        for j in range(n_kinds[k]):
            w[j] = need[c, k] + (bought[c, k] * traits[11] if priority[kinds_of[k, j]] else 0.0)
        w_sum = pairwise_sum(w)
        odds = w / w_sum if w_sum > 0 else np.full(w.size, 1.0 / w.size)
        kind[m], category[m], home[m] = kinds_of[k, _choose(rng, odds)], k, c
        staff[m] = rng.geometric(traits[0])
        quality[m] = min(max(rng.normal(traits[1], traits[2]), traits[3]), traits[4])
        ratio[m] = traits[5] * rng.lognormal(traits[7], traits[6]) if traits[6] > 0 else traits[5]
        price[m] = rng.lognormal(traits[9], traits[8]) if traits[8] > 0 else 1.0
        taken[c] += traits[10]
        m += 1
    return kind[:m], category[:m], home[:m], staff[:m], quality[:m], ratio[:m], price[:m]


@_jit
def spread_leadership(lead: np.ndarray, hours: np.ndarray, contract_org: np.ndarray,
                      contract_community: np.ndarray, home: np.ndarray) -> None:
    """Add each organization's leadership ``hours`` (float64, by row; 0 for none) to ``lead``, by community.

    An organization's hours are split evenly over the communities of its
    contracts (``contract_org``, ``contract_community``: the live contracts
    in the order they were awarded) or, without a contract, go to its
    ``home``; organizations are taken in row order, their contracts in
    order, one addition each (the additions of ``np.add.at`` in that order).
    """
    n = hours.size
    places = np.zeros(n, np.int64)
    for k in range(contract_org.size):
        o = contract_org[k]
        places[o] += np.int64(hours[o] > 0)
    first = np.zeros(n + 1, np.int64)
    for o in range(n):
        first[o + 1] = first[o] + places[o]
    where = np.empty(first[n], np.int64)
    fill = first[:n].copy()
    for k in range(contract_org.size):
        o = contract_org[k]
        if hours[o] > 0:
            where[fill[o]] = contract_community[k]
            fill[o] += 1
    for o in range(n):
        h = hours[o]
        if h > 0:
            if places[o] == 0:
                lead[home[o]] += h  # its one place: h / 1 is h
            else:
                share = h / places[o]
                for j in range(first[o], first[o + 1]):
                    lead[where[j]] += share


@_jit
def occurrence(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """For each of ``keys`` (integers in [0, ``n_keys``)), how many earlier elements have the same key."""
    seen = np.zeros(n_keys, np.int64)
    out = np.empty(keys.size, np.int64)
    for i in range(keys.size):
        out[i] = seen[keys[i]]
        seen[keys[i]] += 1
    return out


@_jit
def org_casework(org: np.ndarray, experience_months: np.ndarray, certified: np.ndarray, n_orgs: int,
                 nominal: float, caseload_gain: float, full_months: float, uncertified_factor: float,
                 quality_certified: float, quality_uncertified: float,
                 quality_gain: float) -> tuple[np.ndarray, np.ndarray]:
    """Per organization: its social workers' cases a month and cases × casework quality, added in worker order.

    Each worker's cases and quality are those of
    :func:`model.social_work.cases_per_month` and
    :func:`model.social_work.casework_quality` (a minimum keeps numpy's NaN).
    """
    cases = np.zeros(n_orgs)
    quality_sum = np.zeros(n_orgs)
    for i in range(org.size):
        level = experience_months[i] / full_months
        if not (level != level or level < 1.0):
            level = 1.0
        if certified[i]:
            mine = nominal * (1.0 + caseload_gain * level) * 1.0
            quality = quality_certified + quality_gain * level
        else:
            mine = nominal * (1.0 + caseload_gain * level) * uncertified_factor
            quality = quality_uncertified + quality_gain * level
        if not (quality != quality or quality < 1.0):
            quality = 1.0
        cases[org[i]] += mine
        quality_sum[org[i]] += mine * quality
    return cases, quality_sum
