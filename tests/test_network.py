"""The district graph and the resident network (DESIGN §3)."""

import networkx as nx
import numpy as np
import pytest

from model import Params, SansheModel
from model.networks import build_district_graph


@pytest.fixture(scope="module")
def model():
    return SansheModel(params=Params({"population.population_scale": 0.01}), seed=2)


def test_district_has_77_communities_in_11_connected_streets():
    g = build_district_graph(77, 11)
    assert g.number_of_nodes() == 77 and nx.is_connected(g)
    streets = {g.nodes[c]["street"] for c in g}
    assert streets == set(range(11))
    for s in streets:
        members = [c for c in g if g.nodes[c]["street"] == s]
        assert nx.is_connected(g.subgraph(members))


def test_district_graph_is_a_mesa_network_without_layout(model):
    assert len(model.space.all_cells) == 77
    assert all(com.cell.coordinate == com.community for com in model.committees)


def test_resident_network_is_symmetric_without_self_loops(model):
    adj = model.adjacency
    assert (adj != adj.T).nnz == 0
    assert adj.diagonal().sum() == 0
    assert adj.indices.dtype == np.int32


def test_resident_network_has_design_degree_and_clustering(model):
    degree = np.diff(model.adjacency.indptr)
    assert 7.0 <= degree.mean() <= 9.0  # DESIGN §3: mean degree ≈ 8
    g = nx.from_scipy_sparse_array(model.adjacency)
    clustering = nx.average_clustering(g)
    assert 0.2 <= clustering <= 0.45  # DESIGN §3: clustering ≈ 0.3


def test_few_ties_cross_communities(model):
    adj = model.adjacency.tocoo()
    comm = model.residents.community
    cross = (comm[adj.row] != comm[adj.col]).mean()
    assert 0.0 < cross < 0.05  # a few percent of ties (DESIGN §3)
