"""The district's networks (DESIGN §3).

* :func:`build_district_graph`: 77 communities in 11 streets along the
  peninsula, a networkx graph that the model places in a Mesa
  ``discrete_space.Network``.
* :func:`build_resident_network`: the resident network as an int32 CSR
  matrix built with vectorised numpy and a compiled pass (:mod:`model.kernels`): households as cliques, a
  Watts-Strogatz ring inside each community, a share of rewired ties going
  to adjacent communities. The resident graph never goes into networkx or
  Mesa at district scale (DESIGN §9).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from model import kernels

STREET_NAMES: tuple[str, ...] = (
    "chaotianmen", "jiefangbei", "nanjimen", "qixinggang", "caiyuanba", "lianglukou",
    "daxigou", "shangqingsi", "shiyoulu", "daping", "hualongqiao",
)
"""The 11 streets of Yuzhong (its administrative division by 2015), in approximate order along the
peninsula from its tip westward (the order is an assumption)."""


def communities_per_street(n_communities: int, n_streets: int) -> np.ndarray:
    """Split communities as evenly as possible over streets (77 / 11 = 7 each)."""
    base, extra = divmod(n_communities, n_streets)
    return np.array([base + (s < extra) for s in range(n_streets)], dtype=np.int64)


def build_district_graph(n_communities: int = 77, n_streets: int = 11) -> nx.Graph:
    """The community adjacency graph.

    Communities of a street form a ring with chords to the second neighbour
    (dense inside a street); consecutive streets along the peninsula are
    joined by two ties between their facing communities (sparse between
    streets). Nodes are integers ``0..n_communities-1`` with a ``street``
    attribute.
    """
    sizes = communities_per_street(n_communities, n_streets)
    g = nx.Graph()
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for s, (start, size) in enumerate(zip(first, sizes, strict=True)):
        members = list(range(start, start + size))
        g.add_nodes_from(members, street=s)
        for i, c in enumerate(members):
            for step in (1, 2):
                if size > step:
                    other = members[(i + step) % size]
                    if other != c:
                        g.add_edge(c, other)
    for s in range(n_streets - 1):
        a_last = int(first[s] + sizes[s] - 1)
        b_first = int(first[s + 1])
        g.add_edge(a_last, b_first)
        g.add_edge(int(first[s] + sizes[s] // 2), int(first[s + 1] + sizes[s + 1] // 2))
    return g


def build_resident_network(
    community_start: np.ndarray,
    household: np.ndarray,
    district: nx.Graph,
    lattice_degree: int,
    rewire_prob: float,
    cross_community_share: float,
    rng: np.random.Generator,
) -> sp.csr_array:
    """Build the symmetric 0/1 adjacency of residents as a CSR array.

    Args:
        community_start: offsets of each community's block of rows, length
            ``n_communities + 1`` (residents are stored contiguously by community).
        household: household id of each resident; members are contiguous.
        district: the community graph, for ties to adjacent communities.
        lattice_degree: ring-lattice ties per resident (rounded down to even).
        rewire_prob: share of lattice ties rewired to a random resident.
        cross_community_share: share of rewired ties sent to an adjacent community.
        rng: the model's generator for the network stream.

    Returns:
        ``scipy.sparse.csr_array`` of ones (bool: one byte a tie, and ``adjacency @ x`` is in
        the dtype of ``x``) with int32 indices, sorted in each row, no self-loops.
    """
    n = int(community_start[-1])
    sizes = np.diff(community_start)
    community = np.repeat(np.arange(len(sizes)), sizes)
    src_parts, dst_parts = [], []

    # Households are cliques: pair each member with the ones after it.
    for d in range(1, 12):
        same = np.flatnonzero(household[:n - d] == household[d:])
        if same.size == 0:
            break
        src_parts.append(same)
        dst_parts.append(same + d)

    # Ring lattice on a random order inside each community.
    order = rng.permutation(n)
    # A stable sort by community (radix sort on small integers: the order is that of any stable sort).
    key_type = np.uint8 if len(sizes) <= 1 << 8 else np.uint16 if len(sizes) <= 1 << 16 else np.int64
    order = order[np.argsort(community[order].astype(key_type), kind="stable")]
    block_start, block_size = community_start[community], sizes[community]
    pos = np.arange(n) - block_start  # position in the community block
    half = max(lattice_degree // 2, 0)
    for d in range(1, half + 1):
        ok = block_size > 2 * d  # ring only where the community is large enough
        a = order[ok]
        b = order[(block_start + (pos + d) % block_size)[ok]]
        rewire = rng.random(a.size) < rewire_prob
        if rewire.any():
            b = b.copy()
            b[rewire] = _rewired_targets(a[rewire], community, community_start, district,
                                         cross_community_share, rng)
        src_parts.append(a)
        dst_parts.append(b)

    src = np.concatenate(src_parts, dtype=np.int32, casting="same_kind")  # rows fit in int32: one pass, not two
    dst = np.concatenate(dst_parts, dtype=np.int32, casting="same_kind")
    indptr, indices = kernels.symmetric_csr(src, dst, n)  # self-loops left out
    adj = sp.csr_array((np.ones(indices.size, dtype=bool), indices, indptr), shape=(n, n))
    adj.indices = adj.indices.astype(np.int32, copy=False)
    adj.indptr = adj.indptr.astype(np.int32, copy=False)
    adj.has_canonical_format = True  # rows sorted, no duplicates (kernels.symmetric_csr)
    return adj


def _rewired_targets(
    sources: np.ndarray,
    community: np.ndarray,
    community_start: np.ndarray,
    district: nx.Graph,
    cross_share: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Random new partners for rewired ties: same community, or an adjacent one."""
    n_comm = len(community_start) - 1
    nbr_lists = [sorted(district.neighbors(c)) for c in range(n_comm)]
    deg = np.array([len(x) for x in nbr_lists])
    nbr_offsets = np.concatenate([[0], np.cumsum(deg)])
    nbr_flat = np.array([c for x in nbr_lists for c in x], dtype=np.int64)

    target_comm = community[sources].astype(np.int64)
    cross = (rng.random(sources.size) < cross_share) & (deg[target_comm] > 0)
    pick = (rng.random(sources.size) * deg[target_comm]).astype(np.int64)
    target_comm[cross] = nbr_flat[nbr_offsets[target_comm[cross]] + pick[cross]]
    size = community_start[target_comm + 1] - community_start[target_comm]
    return community_start[target_comm] + (rng.random(sources.size) * size).astype(np.int64)
