"""Threshold contagion on a sparse network, usable on its own.

The model uses :func:`threshold_contagion` for participation in community
affairs and for volunteering (DESIGN §4 step 7), but the function knows
nothing of the model: a researcher can study the cascade alone on any
adjacency matrix::

    import numpy as np, scipy.sparse as sp
    from model.contagion import threshold_contagion

    rng = np.random.default_rng(1)
    adj = sp.random_array((1000, 1000), density=0.008, rng=rng, format="csr")
    adj = ((adj + adj.T) > 0).astype(np.float32)
    active = rng.random(1000) < 0.05
    thresholds = rng.normal(0.25, 0.1, 1000).astype(np.float32)
    for _ in range(20):
        active, share = threshold_contagion(adj, active, thresholds, rng=rng)

Two peer terms can be used, alone or together. ``lift`` is Granovetter's
(1978) threshold rule made noisy: a node whose active share of neighbours
has reached its threshold gains ``lift`` log-odds at once, so its chance
rises steeply at the threshold and not before (Watts 2002; Centola & Macy
2007: a complex contagion needs several active neighbours). ``sensitivity``
is a smooth response around the threshold, the noisy thresholds of Eckles
et al. (2024): with a large ``sensitivity`` and ``base_logit = 0`` it is
the deterministic rule too, but below the threshold it lowers the odds.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from model import kernels


def neighbour_counts(adjacency: sp.csr_array | sp.csr_matrix, state: np.ndarray) -> np.ndarray:
    """How many of each node's neighbours have ``state`` (a 1-d bool array).

    For a symmetric 0/1 adjacency this equals ``adjacency @ state``; when few
    nodes hold the state it is computed by pushing from those nodes along
    their rows, which costs in proportion to their ties rather than to all
    ties of the network.
    """
    state = np.ascontiguousarray(state, dtype=bool)
    if np.count_nonzero(state) > 0.3 * state.size:
        return (adjacency @ state.astype(np.float32)).astype(np.float32)
    return kernels.count_neighbours(adjacency.indptr, adjacency.indices, state.view(np.uint8))


def ties_of(adjacency: sp.csr_array | sp.csr_matrix, nodes: np.ndarray) -> np.ndarray:
    """The neighbours of ``nodes``, concatenated (a node appears once per tie)."""
    return kernels.gather_ties(adjacency.indptr, adjacency.indices, np.asarray(nodes, dtype=np.int64))


def neighbour_share(adjacency: sp.csr_array | sp.csr_matrix, state: np.ndarray,
                    degree: np.ndarray | None = None) -> np.ndarray:
    """Share of each node's neighbours for which ``state`` holds (0 for isolated nodes).

    ``state`` may be 1-d (one trait) or 2-d with one column per trait. The
    adjacency must be symmetric (an undirected network) when few nodes hold
    a trait, since counts are then pushed along rows (:func:`neighbour_counts`).
    """
    if degree is None:
        degree = np.diff(adjacency.indptr)
    state = np.asarray(state, dtype=bool)
    deg = np.maximum(degree, 1).astype(np.float32)
    if state.ndim == 1:
        return neighbour_counts(adjacency, state) / deg
    return np.column_stack([neighbour_counts(adjacency, state[:, j]) / deg
                            for j in range(state.shape[1])])


def threshold_contagion(
    adjacency: sp.csr_array | sp.csr_matrix,
    active: np.ndarray,
    thresholds: np.ndarray,
    *,
    base_logit: float | np.ndarray = 0.0,
    sensitivity: float = 10.0,
    lift: float = 0.0,
    dropout: float | np.ndarray = 0.0,
    eligible: np.ndarray | None = None,
    share: np.ndarray | None = None,
    uniforms: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One synchronous step of a noisy threshold contagion.

    An inactive node ``i`` becomes active with probability
    ``sigmoid(base_logit_i + sensitivity * (f_i - thresholds_i) + lift * [f_i >= thresholds_i])``,
    where ``f_i`` is the active share of its neighbours; an active node becomes
    inactive with probability ``dropout_i``. Nodes outside ``eligible`` end
    inactive.

    Args:
        adjacency: (n, n) sparse 0/1 adjacency in CSR form (symmetric for an
            undirected network; row ``i`` lists whom ``i`` listens to).
        active: (n,) bool, current state.
        thresholds: (n,) share of active neighbours at which adoption is even odds
            (when ``base_logit`` is 0).
        base_logit: scalar or (n,) log-odds added for every node (propensity,
            invitations, trust...).
        sensitivity: log-odds per unit of ``f - threshold``.
        lift: log-odds gained once ``f`` reaches the threshold (the step of
            Granovetter's rule).
        dropout: scalar or (n,) probability that an active node stops.
        eligible: optional (n,) bool; ineligible nodes are set inactive.
        share: optional precomputed (n,) active-neighbour share (saves the
            sparse product when the caller batches several traits).
        uniforms: optional (n,) uniforms in [0, 1) used for the draws, so a
            caller can use common random numbers; else ``rng`` draws them.
        rng: a numpy Generator, needed when ``uniforms`` is not given.

    Returns:
        ``(new_active, share)``: the new (n,) bool state and the neighbour share used.
    """
    active = np.asarray(active, dtype=bool)
    if share is None:
        share = neighbour_share(adjacency, active)
    if uniforms is None:
        if rng is None:
            raise ValueError("threshold_contagion needs either uniforms or rng")
        uniforms = rng.random(active.size, dtype=np.float32)
    new_active = contagion_decisions(active, share, thresholds, base_logit, sensitivity,
                                     dropout, uniforms, lift)
    if eligible is not None:
        new_active &= eligible
    return new_active, share


def contagion_decisions(active: np.ndarray, share: np.ndarray, thresholds: np.ndarray,
                        base_logit: float | np.ndarray, sensitivity: float,
                        dropout: float | np.ndarray, uniforms: np.ndarray, lift: float = 0.0) -> np.ndarray:
    """The decisions of :func:`threshold_contagion` given the neighbour shares.

    All arrays are aligned (they may be a subset of the nodes). An active node
    stays active when ``u >= dropout``; an inactive one adopts when
    ``u < sigmoid(base_logit + sensitivity * (share - threshold) + lift * [share >= threshold])``.
    """
    z = np.asarray(base_logit, dtype=np.float32) + np.float32(sensitivity) * (share - thresholds)
    if lift:
        z += np.float32(lift) * (share >= thresholds)
    np.clip(z, -60.0, 60.0, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += np.float32(1.0)
    z *= uniforms  # adopt when u < 1 / (1 + e^-z), that is when u * (1 + e^-z) < 1
    stay = uniforms >= dropout
    stay &= active
    adopt = z < 1.0
    adopt &= ~active
    return stay | adopt
