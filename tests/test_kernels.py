"""The compiled kernels (model/kernels.py) give the plain-numpy results bit for bit.

Each test runs the model's function (which calls a kernel) and the numpy
code it replaced (``tests/numpy_rules.py``) on the same random inputs and
compares every array bit for bit, float32 values by their bit patterns
(so a -0.0 for a 0.0 or a last-bit difference fails). Hypothesis picks
sizes, community layouts and parameters, and salts the inputs with the
edge values (0, 1, exact ties) that the branches of the rules turn on.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import numpy_rules
from model import contagion, kernels, residents, rules
from model.parameters import N_CATEGORIES
from model.residents import Residents

F32 = np.float32
SETTINGS = settings(max_examples=40, deadline=None)


def bits_equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Same dtype, shape and bytes."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def salted(rng: np.random.Generator, n: int, values: tuple[float, ...] = (0.0, 1.0, 0.5)) -> np.ndarray:
    """Uniform float32 numbers, a tenth replaced by edge values."""
    x = rng.random(n, dtype=F32)
    edge = rng.random(n) < 0.1
    x[edge] = rng.choice(np.array(values, F32), int(edge.sum()))
    return x


def random_residents(rng: np.random.Generator, n_communities: int, n: int) -> Residents:
    """Residents with random states, stored contiguously by community (some communities empty)."""
    cuts = np.sort(rng.integers(0, n + 1, n_communities - 1))
    start = np.concatenate([[0], cuts, [n]]).astype(np.int64)
    community = np.repeat(np.arange(n_communities, dtype=np.intp), np.diff(start))
    return Residents(
        community_start=start, community=community, household=np.arange(n, dtype=np.int32),
        grid=community.copy(), grid_households=np.ones(n_communities), profile=rng.integers(0, 32, n).astype(np.uint8),
        vulnerable=rng.random(n) < 0.3, adult=rng.random(n) < 0.85, civic=salted(rng, n),
        threshold=salted(rng, n), participant=rng.random(n) < 0.3,
        volunteer=np.where(rng.random(n) < 0.2, rng.integers(1, 3, n), 0).astype(np.int8),
        last_attended=np.zeros(n, np.int32), satisfaction=salted(rng, n), expectation=salted(rng, n),
        trust_committee=salted(rng, n), trust_government=salted(rng, n), served_last=np.zeros(n, F32))


layouts = st.tuples(st.integers(1, 12), st.integers(0, 3000), st.integers(0, 2**32 - 1))


@SETTINGS
@given(layout=layouts, alpha_s=st.floats(0, 1), alpha_e=st.floats(0, 1), bystander=st.floats(0, 1),
       gain=st.floats(0, 1), loss_ratio=st.floats(0, 5), bonus=st.floats(0, 0.2))
def test_satisfaction_and_trust_kernel_equals_numpy(layout, alpha_s, alpha_e, bystander, gain, loss_ratio, bonus):
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = random_residents(rng, n_comm, n)
    met = rng.integers(0, 3, n).astype(F32) * (rng.random(n) < 0.3)
    exp = rules.Experience(met=met, open_after=rng.integers(0, 3, n).astype(F32) * (rng.random(n) < 0.3),
                           community_performance=salted(rng, n_comm), government_penalty=salted(rng, n_comm) / 4,
                           voice=rng.random(n) < 0.1)
    kw = dict(alpha_s=alpha_s, alpha_e=alpha_e, bystander_weight=bystander, trust_gain=gain,
              loss_ratio=loss_ratio, voice_bonus=bonus)
    ref = copy.deepcopy(res)
    rules.update_satisfaction_trust(res, exp, **kw)
    numpy_rules.update_satisfaction_trust(ref, exp, **kw)
    for name in ("satisfaction", "expectation", "trust_committee", "trust_government"):
        assert bits_equal(getattr(res, name), getattr(ref, name)), name


def same_before(got: tuple[np.ndarray, np.ndarray], want: tuple[np.ndarray, np.ndarray]) -> bool:
    """The previous participants the same, and the previous volunteer kinds (ours) holding numpy's mask."""
    return bits_equal(got[0], want[0]) and got[1].dtype == np.int8 and bits_equal(got[1] > 0, want[1])


@SETTINGS
@given(layout=layouts, trust_weight=st.floats(-5, 5), civic_weight=st.floats(-5, 5),
       sensitivity=st.sampled_from([0.0, 1.0, 8.0, 1e4]), dropout=st.sampled_from([0.0, 0.05, 0.5, 1.0]),
       logit_scale=st.sampled_from([1.0, 100.0]), lift=st.sampled_from([0.0, 3.5, 1e4]))
def test_participation_kernel_equals_numpy(layout, trust_weight, civic_weight, sensitivity, dropout, logit_scale,
                                           lift):
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = random_residents(rng, n_comm, n)
    mob = rules.Mobilisation(participation_logit=rng.uniform(-7, 2, n_comm) * logit_scale,
                             volunteer_logit=rng.uniform(-5, 2, n_comm), volunteer_dropout=rng.uniform(0, 0.3, n_comm),
                             state_logit=rng.uniform(-5, 2, n_comm), state_dropout=rng.uniform(0, 0.3, n_comm),
                             volunteer_room=rng.uniform(0, 20, n_comm))
    u = salted(rng, n, (0.0, 0.05, 0.5, 0.999))
    u_state = salted(rng, n, (0.0, 0.05, 0.5, 0.999))
    kw = dict(trust_weight=trust_weight, civic_weight=civic_weight, sensitivity=sensitivity, dropout=dropout,
              lift=lift, volunteer_sensitivity=5.0, u_participate=u, u_volunteer=lambda k: u[::-1][:k].copy(),
              u_state=u_state)
    shares = salted(rng, n), salted(rng, n)
    ref = copy.deepcopy(res)
    got = rules.update_participation(res, *shares, mob, **kw)
    want = numpy_rules.update_participation(ref, *shares, mob, **kw)
    assert same_before(got, want)
    assert bits_equal(res.participant, ref.participant) and bits_equal(res.volunteer, ref.volunteer)
    # The model's call: neighbour counts and one over the degree, the shares taken where they are read.
    counts = rng.integers(0, 12, (2, n)).astype(F32)
    inverse_degree = (1.0 / rng.integers(1, 20, n)).astype(F32)
    got = rules.update_participation(res, *counts, mob, inverse_degree=inverse_degree, **kw)
    want = numpy_rules.update_participation(ref, *(counts * inverse_degree), mob, **kw)
    assert same_before(got, want)
    assert bits_equal(res.participant, ref.participant) and bits_equal(res.volunteer, ref.volunteer)


def test_participation_on_float64_shares_takes_the_numpy_path():
    rng = np.random.default_rng(3)
    res = random_residents(rng, 4, 500)
    mob = rules.Mobilisation(participation_logit=rng.uniform(-3, 2, 4), volunteer_logit=rng.uniform(-5, 2, 4),
                             volunteer_dropout=rng.uniform(0, 0.3, 4), state_logit=rng.uniform(-5, 2, 4),
                             state_dropout=rng.uniform(0, 0.3, 4), volunteer_room=rng.uniform(0, 20, 4))
    u = rng.random(500, dtype=F32)
    kw = dict(trust_weight=1.0, civic_weight=2.0, sensitivity=8.0, lift=3.0, dropout=0.1, volunteer_sensitivity=5.0,
              u_participate=u, u_volunteer=lambda k: u[:k], u_state=rng.random(500, dtype=F32))
    share = rng.random(500)  # float64: numpy computes the log-odds in float64
    ref = copy.deepcopy(res)
    rules.update_participation(res, share, share, mob, **kw)
    numpy_rules.update_participation(ref, share, share, mob, **kw)
    assert bits_equal(res.participant, ref.participant)


def random_network(rng: np.random.Generator, n: int, density: float) -> sp.csr_array:
    """A symmetric 0/1 CSR adjacency without self-loops, int32 indices."""
    adj = sp.random_array((n, n), density=density, rng=rng, format="csr")
    adj = ((adj + adj.T) > 0).astype(F32)
    adj.setdiag(0)
    adj.eliminate_zeros()
    adj.indices, adj.indptr = adj.indices.astype(np.int32), adj.indptr.astype(np.int32)
    return adj


@SETTINGS
@given(n=st.integers(1, 400), density=st.floats(0, 0.1), share=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_neighbour_counts_and_ties_equal_numpy(n, density, share, seed):
    rng = np.random.default_rng(seed)
    adj = random_network(rng, n, density)
    state = rng.random(n) < share
    assert bits_equal(contagion.neighbour_counts(adj, state), numpy_rules.neighbour_counts(adj, state))
    nodes = np.flatnonzero(state)
    assert bits_equal(contagion.ties_of(adj, nodes), numpy_rules.ties_of(adj, nodes))
    assert bits_equal(contagion.ties_of(adj, nodes[::-1]), numpy_rules.ties_of(adj, nodes[::-1]))


@SETTINGS
@given(layout=layouts, stock=st.floats(0, 1))
def test_need_pools_equal_the_gathers_they_replaced(layout, stock):
    """kernels.need_pools: each need's community, cell and vulnerability, keys split by shifts and by division."""
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = with_needs(random_residents(rng, n_comm, max(n, 1)), rng, stock)
    rows = res.need_key // N_CATEGORIES
    for bits in (residents.CATEGORY_BITS, -1):
        comm, cell, vul = kernels.need_pools(res.need_key, res.community, res.vulnerable.view(np.uint8),
                                             N_CATEGORIES, bits)
        assert bits_equal(comm, res.community[rows].astype(np.int32))
        assert bits_equal(cell, (res.community[rows] * N_CATEGORIES + res.need_key % N_CATEGORIES).astype(np.int32))
        assert bits_equal(vul.view(bool), res.vulnerable[rows])


@SETTINGS
@given(layout=layouts)
def test_block_counts_sum_whole_numbers_by_block(layout):
    """kernels.block_counts of the needs' ages (int16): each block's sum, as the cumulative sum gave it."""
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    bounds = np.sort(np.concatenate([[0, n], rng.integers(0, n + 1, n_comm - 1)]))
    ages = rng.integers(0, 400, n).astype(np.int16)
    want = np.diff(np.concatenate([[0], np.cumsum(ages, dtype=np.int64)])[bounds])
    assert bits_equal(kernels.block_counts(bounds, ages), want)


@SETTINGS
@given(layout=layouts)
def test_volunteer_kinds_counted_by_community(layout):
    """kernels.count_kinds: each community's grassroots and state-mobilised volunteers, empty communities 0."""
    n_comm, n, seed = layout
    res = random_residents(np.random.default_rng(seed), n_comm, n)
    got = kernels.count_kinds(res.community_start, res.volunteer, residents.GRASSROOTS, residents.STATE_MOBILISED)
    for row, kind in zip(got, (residents.GRASSROOTS, residents.STATE_MOBILISED), strict=True):
        want = np.bincount(res.community, weights=res.volunteer == kind, minlength=n_comm)
        assert bits_equal(row, want.astype(np.int64))


@SETTINGS
@given(n=st.integers(0, 3000), share=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_rows_below_and_rows_where_equal_flatnonzero(n, share, seed):
    """kernels.below_at, rows_where, rows_in_open_groups: numpy's flatnonzero, ties not below."""
    rng = np.random.default_rng(seed)
    u = salted(rng, n)
    group, bound = rng.integers(0, 32, n).astype(np.uint8), salted(rng, 32) * F32(share)
    u[: n // 3] = bound[group[: n // 3]]  # exact ties: not below
    assert bits_equal(kernels.below_at(u, group, bound), np.flatnonzero(u < bound[group]))
    mask = rng.random(n) < share
    assert bits_equal(kernels.rows_where(mask.view(np.uint8)), np.flatnonzero(mask))
    groups, is_open = rng.integers(0, 5, n).astype(np.int32), rng.random(5) < 0.6
    assert bits_equal(kernels.rows_in_open_groups(mask.view(np.uint8), groups, is_open.view(np.uint8)),
                      np.flatnonzero(mask & is_open[groups]))


@SETTINGS
@given(n=st.integers(1, 400), density=st.floats(0, 0.1), share=st.floats(0, 1), churn=st.floats(0, 1),
       seed=st.integers(0, 2**32 - 1))
def test_updated_neighbour_counts_equal_a_fresh_count(n, density, share, churn, seed):
    """kernels.update_counts, shifting the changed rows' ties or counting afresh, gives the counts of ``after``."""
    rng = np.random.default_rng(seed)
    adj = random_network(rng, n, density)
    before = rng.random(n) < share
    after = np.where(rng.random(n) < churn, rng.random(n) < share, before)  # few or many changes
    counts = numpy_rules.neighbour_counts(adj, before)
    kernels.update_counts(counts, adj.indptr, adj.indices, before.view(np.uint8), after.view(np.uint8))
    assert bits_equal(counts, numpy_rules.neighbour_counts(adj, after))
    # Volunteer kinds (0 none, 1 and 2 the two kinds): any kind holds the trait, a change of kind is no change.
    was, now = (np.where(x, rng.integers(1, 3, n), 0).astype(np.int8) for x in (before, after))
    counts = numpy_rules.neighbour_counts(adj, was > 0)
    kernels.update_counts(counts, adj.indptr, adj.indices, was.view(np.uint8), now.view(np.uint8))
    assert bits_equal(counts, numpy_rules.neighbour_counts(adj, now > 0))


@SETTINGS
@given(layout=layouts, density=st.floats(0, 0.1), served_share=st.floats(0, 1), wom=st.floats(-1, 3),
       self_referral=st.floats(0, 1))
def test_detection_counting_along_ties_equals_detection_on_counts(layout, density, served_share, wom,
                                                                  self_referral):
    """rules.detect_needs_by_ties: the needs detected and their number as detect_needs on pushed counts.

    A negative weight of word of mouth (outside the model's range) must take the numpy way: the
    kernel's shortcut assumes the chance never falls as the count grows.
    """
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = with_needs(random_residents(rng, n_comm, max(n, 1)), rng, 0.2)
    adj = random_network(rng, res.n, density)
    served = rng.random(res.n) < served_share
    inverse_degree = (1.0 / np.maximum(np.diff(adj.indptr), 1)).astype(F32)
    u = salted(rng, res.need_key.size)
    p_place = rng.random(n_comm)
    ref = copy.deepcopy(res)
    got = rules.detect_needs_by_ties(res, p_place, res.community, self_referral, wom, adj, served, u, inverse_degree)
    want = rules.detect_needs(ref, p_place, ref.community, self_referral, wom, contagion.neighbour_counts(adj, served),
                              u, inverse_degree=inverse_degree)
    assert got == want and same_needs(res, ref)


@SETTINGS
@given(layout=layouts, need_share=st.floats(0, 0.5), month=st.integers(-300, 300), shifts=st.booleans())
def test_consultation_kernel_equals_numpy(layout, need_share, month, shifts):
    """kernels.consult: who attends, the needs voiced and detected, the agenda and who gains voice.

    Keys are split by shifts with the categories' bits, or by division (-1).
    """
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = with_needs(random_residents(rng, n_comm, n), rng, need_share)
    ref = copy.deepcopy(res)
    u = salted(rng, int(res.participant.sum())).astype(np.float64)
    chance = rng.choice([0.0, 0.3, 1.0], n_comm) * rng.random(n_comm)
    agenda = np.floor(rng.random((n_comm, N_CATEGORIES)) * 3)  # earlier months' agenda, added to
    ref_agenda = agenda.copy()
    voice, ref_voice = np.zeros(n, bool), np.zeros(n, bool)
    counts = kernels.block_counts(res.community_start, res.participant.view(np.uint8))
    assert bits_equal(counts, np.bincount(res.community[res.participant], minlength=n_comm))
    kernels.consult(res.community_start, res.participant.view(np.uint8), u, chance, month, res.last_attended,
                    res.community, res.need_key, res.need_detected.view(np.uint8), agenda,
                    voice.view(np.uint8), residents.CATEGORY_BITS if shifts else -1)
    numpy_rules.consult(ref, u, chance, month, ref_agenda, ref_voice)
    assert bits_equal(res.last_attended, ref.last_attended) and same_needs(res, ref)
    assert bits_equal(agenda, ref_agenda) and bits_equal(voice, ref_voice)


@SETTINGS
@given(n_orgs=st.integers(1, 60), n_contracts=st.integers(0, 200), n_comm=st.integers(1, 12),
       seed=st.integers(0, 2**32 - 1))
def test_leadership_spread_equals_numpy(n_orgs, n_contracts, n_comm, seed):
    """kernels.spread_leadership: each organization's hours over its contracts' communities or its home."""
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(rng.random(n_orgs) < 0.7)
    hours = np.zeros(n_orgs)
    hours[active] = rng.integers(0, 4, active.size) * 160.0 * rng.random()  # some active without workers
    contract_org, contract_community = rng.integers(0, n_orgs, n_contracts), rng.integers(0, n_comm, n_contracts)
    home = rng.integers(0, n_comm, n_orgs)
    lead = rng.random(n_comm) * 100
    ref = lead.copy()
    kernels.spread_leadership(lead, hours, contract_org, contract_community, home)
    numpy_rules.spread_leadership(ref, active, hours[active], contract_org, contract_community,
                                  np.bincount(contract_org, minlength=n_orgs), home)
    assert bits_equal(lead, ref)


def with_needs(res: Residents, rng: np.random.Generator, share: float) -> Residents:
    """Give residents random open needs (sorted keys, ages up to the int16 limit, half detected)."""
    cells = np.flatnonzero(rng.random(res.n * N_CATEGORIES) < share)
    res.need_key = cells.astype(np.int64)
    res.need_age = rng.choice(np.array([0, 1, 5, 32766, 32767], np.int16), cells.size)
    res.need_detected = rng.random(cells.size) < 0.5
    return res


def same_needs(a: Residents, b: Residents) -> bool:
    return all(bits_equal(getattr(a, k), getattr(b, k)) for k in ("need_key", "need_age", "need_detected"))


@SETTINGS
@given(layout=layouts, stock=st.floats(0, 0.5), p_abandon=st.sampled_from([0.0, 0.05, 0.5, 1.0]),
       rate_scale=st.floats(0, 5), generator=st.booleans())
def test_needs_kernels_equal_numpy(layout, stock, p_abandon, rate_scale, generator):
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = with_needs(random_residents(rng, n_comm, n), rng, stock)
    ref = copy.deepcopy(res)
    u_need = salted(rng, res.need_key.size, (0.0, 0.05, 0.5))
    gone = rules.age_and_abandon(res, p_abandon, u_need)
    assert bits_equal(gone, numpy_rules.age_and_abandon(ref, p_abandon, u_need))
    assert same_needs(res, ref)

    table = rng.random((32, N_CATEGORIES)) * rng.random((32, 1)) * 0.05 * rate_scale
    table[rng.random(table.shape) < 0.2] = 0.0  # categories a profile never needs
    u_arrive = salted(rng, n, (0.0, 0.01))
    if generator:
        got = rules.arise_needs(res, table, u_arrive, np.random.default_rng(seed))
        want = numpy_rules.arise_needs(ref, table, u_arrive, np.random.default_rng(seed))
    else:
        rate = table.sum(axis=1).astype(F32)[res.profile]
        u_cat = rng.random(int((u_arrive < rate).sum()))  # one per arrival
        u_cat[rng.random(u_cat.size) < 0.1] = 0.0
        got = rules.arise_needs(res, table, u_arrive, u_cat)
        want = numpy_rules.arise_needs(ref, table, u_arrive, u_cat, rate)
    assert bits_equal(got, want) and same_needs(res, ref)

    served_share = salted(rng, n)
    p_place = rng.random(n_comm)
    p_place[rng.random(n_comm) < 0.2] = 1.0
    u_detect = salted(rng, res.need_key.size, (0.0, 0.5))
    wom, self_referral = float(rng.random()), float(rng.choice([0.0, 0.1, 1.0]))
    args = (p_place, res.community, self_referral, wom, served_share, u_detect)
    assert rules.detect_needs(res, *args) == numpy_rules.detect_needs(ref, *args)
    assert same_needs(res, ref)
    # The model's call: neighbour counts and one over the degree.
    res.need_detected[:], ref.need_detected[:] = False, False
    counts, inverse_degree = rng.integers(0, 9, n).astype(F32), (1.0 / rng.integers(1, 12, n)).astype(F32)
    args = (p_place, res.community, self_referral, wom)
    assert (rules.detect_needs(res, *args, counts, u_detect, inverse_degree=inverse_degree)
            == numpy_rules.detect_needs(ref, *args, counts * inverse_degree, u_detect))
    assert same_needs(res, ref)


@SETTINGS
@given(n=st.integers(0, 2000), groups=st.integers(1, 300), sort=st.booleans(), ties=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_stratified_uniform_by_blocks_equals_lexsort(n, groups, sort, ties, seed):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    if sort:
        group.sort()
    if ties:  # equal keys keep their row order in both (lexsort is stable)
        draws = lambda k: np.round(np.random.default_rng(seed).random(k) * 4) / 4  # noqa: E731
    else:
        draws = lambda k: np.random.default_rng(seed).random(k)  # noqa: E731
    key = draws(n)
    assert bits_equal(residents._order_in_blocks(group, key) if sort else np.lexsort((key, group)),
                      np.lexsort((key, group)))
    got = residents.stratified_uniform(group, np.random.default_rng(seed))
    assert bits_equal(got, numpy_rules.stratified_uniform(group, np.random.default_rng(seed)))


@SETTINGS
@given(n=st.integers(1, 300), ties=st.integers(0, 3000), seed=st.integers(0, 2**32 - 1))
def test_symmetric_csr_equals_scipy(n, ties, seed):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, ties).astype(np.int32), rng.integers(0, n, ties).astype(np.int32)
    indptr, indices = kernels.symmetric_csr(src, dst, n)  # self-loops (about one tie in n) left out
    keep = src != dst
    src, dst = src[keep], dst[keep]
    want = sp.csr_array((np.ones(2 * src.size, F32), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
                        shape=(n, n))
    want.sum_duplicates()
    assert bits_equal(indptr, want.indptr.astype(np.int32)) and bits_equal(indices, want.indices.astype(np.int32))


def test_resident_network_is_boolean_csr_whose_product_counts_neighbours():
    from model import Params, SansheModel

    adj = SansheModel(params=Params({"population.population_scale": 0.01, "start.spinup_years": 0}), seed=3).adjacency
    assert adj.dtype == bool and adj.has_canonical_format and (adj.data == 1).all()
    state = np.random.default_rng(3).random(adj.shape[0]) < 0.5
    counts = adj @ state.astype(F32)
    assert counts.dtype == F32
    assert bits_equal(counts, numpy_rules.neighbour_counts(adj, state))
    assert bits_equal(contagion.neighbour_counts(adj, state < 0.1), numpy_rules.neighbour_counts(adj, state < 0.1))


def test_numpy_float64_scalars_keep_numpy_precision():
    """A np.float64 dropout or word of mouth makes numpy compute in float64: the rules then take the numpy path."""
    rng = np.random.default_rng(5)
    res = with_needs(random_residents(rng, 3, 400), rng, 0.2)
    ref = copy.deepcopy(res)
    u = np.full(400, np.float32(0.1))  # float32(0.1) > 0.1: stays at dropout 0.1 in float32, not in float64
    mob = rules.Mobilisation(participation_logit=np.full(3, -50.0), volunteer_logit=np.zeros(3),
                             volunteer_dropout=np.zeros(3), state_logit=np.zeros(3), state_dropout=np.zeros(3),
                             volunteer_room=np.zeros(3))
    kw = dict(trust_weight=0.0, civic_weight=0.0, sensitivity=0.0, dropout=np.float64(0.1),
              volunteer_sensitivity=0.0, u_participate=u, u_volunteer=lambda k: u[:k], u_state=u)
    share = np.zeros(400, F32)
    rules.update_participation(res, share, share, mob, **kw)
    numpy_rules.update_participation(ref, share, share, mob, **kw)
    assert bits_equal(res.participant, ref.participant)
    u_need = rng.random(res.need_key.size, dtype=F32)
    args = (rng.random(3), res.community, 0.0, np.float64(1 / 3), salted(rng, 400), u_need)
    assert rules.detect_needs(res, *args) == numpy_rules.detect_needs(ref, *args)
    assert same_needs(res, ref)


@SETTINGS
@given(st.integers(0, 3000), st.integers(1, 40), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_serving_the_first_in_the_queue_equals_numpy(n, n_groups, share, seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, n)
    queue = rng.permutation(n)
    candidate = rng.random(n) < share
    capacity = rng.integers(0, max(n // n_groups, 1) + 3, n_groups)  # some pools short, some not, some empty
    ours = np.flatnonzero(kernels.first_in_queue(queue, candidate.view(np.uint8), groups, capacity))
    theirs = numpy_rules.allocate(np.flatnonzero(candidate), groups, queue, capacity)
    assert bits_equal(ours, theirs.astype(ours.dtype)) and ours.dtype == np.int64


@SETTINGS
@given(st.integers(1, 12), st.integers(0, 3000), st.sampled_from([1, N_CATEGORIES]), st.floats(0.0, 1.0),
       st.floats(1e-3, 1.0), st.integers(0, 2**32 - 1))
def test_a_pass_of_service_delivery_equals_numpy(n_comm, n, per, share, scale, seed):
    """kernels.serve_pools: the rounding of capacity, the served, the met, waiting and what each pool leaves."""
    rng = np.random.default_rng(seed)
    n_pools = n_comm * per
    groups = rng.integers(0, n_pools, n)
    queue = rng.permutation(n)
    candidate = rng.random(n) < share
    # Capacity in people: some pools empty, some negative (a remainder borrowed by rounding up), some short.
    capacity = rng.choice([0.0, -0.3, 1.0], n_pools) * rng.random(n_pools) * 3 + rng.random(n_pools) * (
        rng.random(n_pools) < 0.7) * n / max(n_pools, 1) / scale
    quality_sum = capacity * rng.uniform(-0.2, 1.3, n_pools)  # pools' means outside [0, 1] are clipped
    u_met = rng.random(n)
    waiting = rng.random(n) < 0.8
    ours_waiting, theirs_waiting = waiting.copy(), waiting.copy()
    u_capacity = np.random.default_rng(seed + 1).random(n_pools)
    ours = kernels.serve_pools(queue, candidate.view(np.uint8), groups, capacity, quality_sum, scale,
                               u_capacity, u_met, ours_waiting.view(np.uint8), per)
    theirs = numpy_rules.serve_pools(queue, candidate, groups, capacity, quality_sum, scale,
                                     np.random.default_rng(seed + 1), u_met, theirs_waiting, n_comm,
                                     n_comm * N_CATEGORIES if per > 1 else -1)
    assert all(bits_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert bits_equal(ours_waiting, theirs_waiting)
    assert not (ours_waiting & np.isin(np.arange(n), ours[0])).any() and np.isin(ours[1], ours[0]).all()
    # Passes 3 and 4 serve whoever is waiting: the candidates are the array the kernel updates.
    ours_waiting, theirs_waiting = waiting.copy(), waiting.copy()
    ours = kernels.serve_pools(queue, ours_waiting.view(np.uint8), groups, capacity, quality_sum, scale,
                               u_capacity, u_met, ours_waiting.view(np.uint8), per)
    theirs = numpy_rules.serve_pools(queue, waiting.copy(), groups, capacity, quality_sum, scale,
                                     np.random.default_rng(seed + 1), u_met, theirs_waiting, n_comm,
                                     n_comm * N_CATEGORIES if per > 1 else -1)
    assert all(bits_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert bits_equal(ours_waiting, theirs_waiting)


def test_block_sums_add_in_numpy_order():
    """Blocks of 8 (the categories of a community) and of other lengths are summed as numpy sums each row."""
    rng = np.random.default_rng(5)
    for per in (1, 3, 8, 9, 20):
        a = rng.standard_normal(per * 500) * 10.0 ** rng.integers(-8, 8, per * 500)
        assert bits_equal(kernels._block_sums(a, per), a.reshape(-1, per).sum(1))


@pytest.mark.filterwarnings("ignore:Error in function boost")  # both give up alike at extreme shapes
@SETTINGS
@given(st.floats(1e-3, 50.0), st.floats(1e-3, 50.0), st.floats(-2.0, 2.0), st.floats(1e-12, 3.0),
       st.integers(0, 2**32 - 1))
def test_quantile_functions_equal_scipy_stats(a, b, loc, scale, seed):
    """The build's beta and normal quantiles are scipy.stats's, bit for bit, on [0, 1) (0 included)."""
    from scipy import stats

    q = np.random.default_rng(seed).random(500)
    q[:3] = 0.0, 1e-300, 0.5
    assert bits_equal(residents._beta_ppf(q, a, b), stats.beta.ppf(q, a, b))
    assert bits_equal(residents._norm_ppf(q, loc, scale), stats.norm.ppf(q, loc, scale))


@pytest.mark.filterwarnings("ignore:Error in function boost")
@settings(max_examples=12, deadline=None)
@given(st.floats(0.3, 60.0), st.floats(0.3, 60.0), st.integers(0, 2**32 - 1))
def test_civic_quantiles_equal_scipy_stats_in_float32(a, b, seed):
    """The interpolated and polished beta quantiles round to scipy.stats's float32 bits on a district-sized array."""
    from scipy import stats

    q = np.random.default_rng(seed).random(60_000)
    q[:4] = 0.0, 1e-300, 0.5, 1e-3
    assert bits_equal(residents._beta_ppf32(q, a, b), stats.beta.ppf(q, a, b).astype(np.float32))


@SETTINGS
@given(n=st.integers(1, 3000), k=st.integers(0, 5000), seed=st.integers(0, 2**32 - 1))
def test_counting_keys_per_row_equals_bincount(n, k, seed):
    keys = np.sort(np.random.default_rng(seed).integers(0, n * N_CATEGORIES, k))
    assert bits_equal(kernels.count_per_row(keys, N_CATEGORIES, n),
                      np.bincount(keys // N_CATEGORIES, minlength=n).astype(F32))


@SETTINGS
@given(layout=layouts, since=st.integers(-20, 20))
def test_participation_tallies_equal_numpy(layout, since):
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = random_residents(rng, n_comm, n)
    res.last_attended = rng.integers(-30, 30, n).astype(np.int32)
    got = kernels.participation_tallies(res.community_start, res.last_attended, since, res.adult.view(np.uint8),
                                        res.volunteer)
    start = res.community_start
    for row, trait in enumerate([(res.last_attended > since) & res.adult, res.volunteer > 0, res.volunteer == 2]):
        want = np.array([trait[lo:hi].sum() for lo, hi in zip(start[:-1], start[1:], strict=True)], np.int64)
        assert bits_equal(got[row], want)


@SETTINGS
@given(layout=layouts, k=st.integers(0, 4000))
def test_tallying_keys_by_community_equals_bincount(layout, k):
    n_comm, n, seed = layout
    rng = np.random.default_rng(seed)
    res = random_residents(rng, n_comm, max(n, 1))
    keys = rng.integers(0, res.n * N_CATEGORIES, k)
    rows = keys // N_CATEGORIES
    count, vulnerable = kernels.tally_keys(keys, N_CATEGORIES, res.community, res.vulnerable.view(np.uint8), n_comm)
    assert bits_equal(count, np.bincount(res.community[rows], minlength=n_comm))
    # bincount's weighted counts are float64, except with no keys at all (int64 zeros): the same values.
    want = np.bincount(res.community[rows], weights=res.vulnerable[rows], minlength=n_comm).astype(np.float64)
    assert bits_equal(vulnerable, want)


@SETTINGS
@given(n=st.integers(0, 3000), oldest=st.integers(0, 40), share=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_service_queue_and_dropping_needs_equal_numpy(n, oldest, share, seed):
    rng = np.random.default_rng(seed)
    age = rng.integers(0, oldest + 1, n).astype(np.int16)
    shuffled = rng.permutation(n)
    assert bits_equal(kernels.oldest_first(shuffled, age), shuffled[np.argsort(-age[shuffled], kind="stable")])
    key, detected = np.sort(rng.integers(0, 10 * n + 1, n)), rng.random(n) < 0.5
    gone = np.flatnonzero(rng.random(n) < share)
    keep = np.ones(n, bool)
    keep[gone] = False
    got = kernels.drop_needs(gone, key, age, detected)
    assert all(bits_equal(g, w) for g, w in zip(got, (key[keep], age[keep], detected[keep]), strict=True))
