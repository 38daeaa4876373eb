"""The public threshold-contagion function, used on its own."""

import numpy as np
import scipy.sparse as sp

from model.contagion import neighbour_counts, neighbour_share, threshold_contagion


def ring(n, k=2):
    rows = np.concatenate([np.arange(n)] * k)
    cols = np.concatenate([(np.arange(n) + d) % n for d in range(1, k + 1)])
    adj = sp.csr_array((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
    return ((adj + adj.T) > 0).astype(np.float32)


def test_neighbour_counts_push_equals_the_matrix_product():
    rng = np.random.default_rng(0)
    adj = ring(500, 3)
    for density in (0.01, 0.2, 0.6):
        state = rng.random(500) < density
        np.testing.assert_array_equal(neighbour_counts(adj, state), adj @ state.astype(np.float32))


def test_large_sensitivity_gives_granovetter_thresholds():
    adj = ring(100, 2)  # 4 neighbours each
    active = np.zeros(100, bool)
    active[[10, 11]] = True
    thresholds = np.full(100, 0.4, np.float32)
    new, share = threshold_contagion(adj, active, thresholds, sensitivity=1e4,
                                     uniforms=np.full(100, 0.5, np.float32))
    # Nodes with 2 of 4 neighbours active (share 0.5 >= 0.4) adopt; 1 of 4 (0.25) does not.
    assert new[9] and new[12] and not new[8] and not new[13]
    assert share[9] == 0.5 and share[8] == 0.25
    assert new[10] and new[11]  # no dropout


def test_cascade_spreads_on_a_ring_and_dropout_stops_it():
    adj = ring(200, 2)
    thresholds = np.full(200, 0.2, np.float32)
    rng = np.random.default_rng(1)
    active = np.zeros(200, bool)
    active[:3] = True
    for _ in range(100):
        active, _ = threshold_contagion(adj, active, thresholds, sensitivity=50.0, rng=rng)
    assert active.all()
    for _ in range(5):
        active, _ = threshold_contagion(adj, active, thresholds, base_logit=-100.0,
                                        sensitivity=0.0, dropout=1.0, rng=rng)
    assert not active.any()


def test_ineligible_nodes_end_inactive():
    adj = ring(50)
    eligible = np.arange(50) % 2 == 0
    new, _ = threshold_contagion(adj, np.ones(50, bool), np.zeros(50, np.float32),
                                 eligible=eligible, rng=np.random.default_rng(2))
    assert not new[~eligible].any()


def test_share_of_isolated_nodes_is_zero():
    adj = sp.csr_array((3, 3), dtype=np.float32)
    assert (neighbour_share(adj, np.ones(3, bool)) == 0).all()

