"""The array code of the institutions against the one-at-a-time Python it replaced.

Each function here is compared, on Hypothesis-generated inputs, with a plain
loop that does what the old code did one organization (or project) at a time.
"""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import Params, SansheModel, kernels, organizations, social_work
from model.organizations import OrgStatus, certified_hires, contract_social_workers, social_worker_target
from model.parameters import N_CATEGORIES
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e6), max_size=700), st.integers(-8, 8))
def test_pairwise_sum_adds_in_numpys_order(values, exponent):
    a = np.array(values, float) * 10.0**exponent
    assert kernels.pairwise_sum(a) == a.sum()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=60), st.integers(1, 10), st.integers(0, 2**32))
def test_weighted_sample_draws_what_numpys_choice_draws(past, size, seed):
    reach = 1.0 + 0.7 * np.array(past, float)
    size = min(size, reach.size)
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    got = kernels.weighted_sample(ours, reach, size)
    assert got.tolist() == theirs.choice(reach.size, size=size, replace=False, p=reach / reach.sum()).tolist()
    assert ours.random() == theirs.random()  # as many draws


def _tender_one_by_one(rng, value, category, street, incumbent, last_score, spare, specialty, professional,
                       past_contracts, judged, price_factor, home_street, known, cost_per_need, renewal_score,
                       bidders_max, invitation_weight, noise, weights):
    """The tender as the Python code before the kernel awarded it: one project, then the next."""
    by_category = [np.flatnonzero((specialty == k) | professional) for k in range(N_CATEGORIES)]
    winners, targets = [], []
    for i in range(value.size):
        need = float(value[i]) / cost_per_need / 12.0
        winner = int(incumbent[i])
        if winner < 0 or spare[winner] < need or last_score[i] < renewal_score:
            candidates = by_category[category[i]]
            candidates = candidates[spare[candidates] >= need]
            if not candidates.size:
                winners.append(-1)
                targets.append(0.0)
                continue
            reach = 1.0 + invitation_weight * past_contracts[candidates]
            chosen = candidates[rng.choice(candidates.size, size=min(bidders_max, candidates.size), replace=False,
                                           p=reach / reach.sum())]
            scores = (weights[0] * (judged[chosen] + rng.normal(0, noise, size=chosen.size))
                      + weights[1] * (1.0 - price_factor[chosen]) + weights[2] * (home_street[chosen] == street[i])
                      + weights[3] * known[chosen])
            winner = int(chosen[int(np.argmax(scores))])
        target = float(value[i]) / (cost_per_need * float(price_factor[winner]))
        spare[winner] -= target / 12.0
        winners.append(winner)
        targets.append(target)
    return np.array(winners), np.array(targets)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), st.integers(1, 30), st.integers(0, 2**32), st.integers(1, 8),
       st.sampled_from([0.0, 1.0, 2.5]), st.sampled_from([0.02, 0.3]))
def test_the_tender_kernel_awards_what_the_one_by_one_tender_awarded(n_projects, n_bidders, seed, bidders_max,
                                                                    invitation_weight, noise):
    field = np.random.default_rng(seed + 1)
    projects = dict(value=field.uniform(5e4, 3e5, n_projects), category=field.integers(0, N_CATEGORIES, n_projects),
                    street=field.integers(0, 3, n_projects),
                    incumbent=np.where(field.random(n_projects) < 0.4, field.integers(0, n_bidders, n_projects), -1),
                    last_score=field.random(n_projects))
    bidders = dict(spare=field.uniform(-5, 60, n_bidders), specialty=field.integers(0, N_CATEGORIES, n_bidders),
                   professional=field.random(n_bidders) < 0.4, past_contracts=field.integers(0, 6, n_bidders),
                   judged=field.random(n_bidders), price_factor=field.lognormal(0, 0.2, n_bidders),
                   home_street=field.integers(0, 3, n_bidders), known=field.random(n_bidders))
    rest = dict(cost_per_need=2000.0, renewal_score=0.6, bidders_max=bidders_max,
                invitation_weight=invitation_weight, noise=noise, weights=np.array([0.5, 0.2, 0.1, 0.2]))
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    spare = bidders["spare"].copy()
    want = _tender_one_by_one(theirs, **projects, **bidders, **rest)
    got = kernels.tender(ours, **projects, **{**bidders, "spare": spare}, **rest)
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()
    assert spare.tolist() == bidders["spare"].tolist()
    assert ours.random() == theirs.random()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=40).filter(lambda w: sum(w) > 0), st.integers(0, 2**32))
def test_the_founders_choice_draws_what_numpys_choice_draws(weights, seed):
    p = np.array(weights) / np.sum(weights)
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    assert organizations.choose(ours, p) == int(theirs.choice(p.size, p=p))
    assert organizations.choose(ours, p, 7).tolist() == theirs.choice(p.size, size=7, p=p).tolist()
    assert ours.random() == theirs.random()


@given(st.lists(st.integers(0, 5), max_size=50))
def test_the_occurrence_kernel_counts_the_earlier_equal_keys_with_room_for_unused_keys(keys):
    assert kernels.occurrence(np.array(keys, np.int64), 6).tolist() == [keys[:i].count(k) for i, k in enumerate(keys)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 80), st.booleans()), max_size=60),
       st.sampled_from([0.0, 0.35, 1.0]), st.sampled_from([1, 36]))
def test_the_casework_kernel_adds_what_the_numpy_functions_give(workers, leadership_share, full_months):
    sw = SimpleNamespace(hours_month=160.0, leadership_share=leadership_share, hours_per_case=6.0,
                         experience_caseload_gain=0.5, experience_full_months=full_months,
                         uncertified_caseload_factor=0.7, quality_certified=0.7, quality_uncertified=0.45,
                         experience_quality_gain=0.4)
    org = np.array([w[0] for w in workers], np.int64)
    experience = np.array([w[1] for w in workers], np.int64)
    certified = np.array([w[2] for w in workers], bool)
    cases = social_work.cases_per_month(sw, experience, certified)
    quality = social_work.casework_quality(sw, experience, certified)
    nominal = sw.hours_month * (1.0 - sw.leadership_share) / sw.hours_per_case
    got = kernels.org_casework(org, experience, certified, 10, nominal, 0.5, float(full_months), 0.7, 0.7, 0.45, 0.4)
    assert got[0].tolist() == np.bincount(org, weights=cases, minlength=10).astype(float).tolist()
    assert got[1].tolist() == np.bincount(org, weights=cases * quality, minlength=10).astype(float).tolist()


def _sync_one_by_one(model, rows) -> None:
    """The settlement's old loop: each organization in turn sheds its extra workers or hires one."""
    p, t, workers = model.params, model.organization_table, model.social_worker_table
    for row in rows.tolist():
        demand = model.contract_table.monthly_demand(t.n)[row]
        target = int(social_worker_target(p, t.staff[row], t.professional(np.array([row]))[0], demand))
        mine = workers.rows_of_org(row)
        for agent in workers.views(model, mine[target:][::-1]):
            agent.leave(stay_in_sector=True)
        if mine.size < target:
            wanted = int(contract_social_workers(p, demand)) > int(workers.certified[mine].sum())
            model.recruit_social_worker(t.agents[row], certified_wanted=wanted)


def _workers(model) -> list[tuple]:
    w = model.social_worker_table
    return [(int(w.org[r]), bool(w.certified[r]), bool(w.in_room[r]), int(w.experience_months[r]),
             w.view(model, r).row == r, w.view(model, r).employer.row if not w.in_room[r] else -1)
            for r in w.live_rows()]


@pytest.fixture(scope="module")
def district_blob() -> bytes:
    """A small district a year into its run, with contracts and social workers (pickled, to copy)."""
    m = SansheModel(params=Params({"population.population_scale": 0.01, "start.spinup_years": 1}), seed=5)
    m.run(3)
    return pickle.dumps(m)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 4), st.floats(0.0, 1.0))
def test_moving_social_workers_at_once_does_what_the_loop_over_organizations_did(district_blob, seed, pool, share):
    draw = np.random.default_rng(seed)
    old, new = pickle.loads(district_blob), pickle.loads(district_blob)
    for m in (old, new):
        t = m.organization_table
        rows = t.rows(OrgStatus.ACTIVE)
        t.staff[rows] = draw.integers(1, 12, rows.size) if m is old else old.organization_table.staff[rows]
        m.params.set("orgs.social_worker_share", share)
        m.talent_pool = pool
        m.social_workers()  # every view made: each must follow its row through a compaction
    rows = old.organization_table.rows(OrgStatus.ACTIVE)
    rows = rows[np.random.default_rng(seed + 1).permutation(rows.size)]
    _sync_one_by_one(old, rows)
    organizations.sync_social_workers(new, rows)
    assert _workers(new) == _workers(old)
    assert new.talent_pool == old.talent_pool
    assert [a.unique_id for a in new.social_workers()] == [a.unique_id for a in old.social_workers()]


def _identities(model) -> list[tuple[str, int]]:
    return sorted((type(a).__name__, a.unique_id) for a in model.agents)


def test_social_workers_keep_their_ids_whether_or_not_anyone_looked_at_them(district_blob):
    """Views are made on demand; a worker's id is the one it got on hiring, and looking changes no number."""
    looked, unseen = pickle.loads(district_blob), pickle.loads(district_blob)
    for _ in range(14):  # a yearly cycle included: organizations founded and closed, workers hired and dismissed
        looked.step()
        unseen.step()
        assert len(looked.social_workers()) == looked.social_worker_table.live_rows().size
        for com in looked.committees[:5]:
            assert all(w.employer is com and w.in_room for w in com.room)
    assert sum(a is not None for a in unseen.social_worker_table.agents) < len(unseen.social_workers())
    assert _identities(looked) == _identities(unseen)
    assert looked.agent_id_counter == unseen.agent_id_counter
    pd.testing.assert_frame_equal(looked.recorder.district_frame(), unseen.recorder.district_frame())


def test_social_workers_have_the_ids_mesa_gives_agents_registered_on_hiring(district_blob, monkeypatch):
    """The reference reserves no id: it registers each worker's agent with Mesa the moment it is hired."""
    lazy, eager = pickle.loads(district_blob), pickle.loads(district_blob)
    real_reserve = social_work.reserve_ids
    real_add, real_add_many = social_work.SocialWorkerTable.add, social_work.SocialWorkerTable.add_many
    monkeypatch.setattr(social_work, "reserve_ids", lambda model, count: (
        np.full(count, -1, np.int64) if model is eager else real_reserve(model, count)))

    def register_at_once(table, rows) -> None:
        for row in np.atleast_1d(rows).tolist():
            agent = social_work.SocialWorker.__new__(social_work.SocialWorker)
            mesa.Agent.__init__(agent, eager)  # Mesa's own counter gives the id
            agent.row, table.agents[row], table.uid[row] = row, agent, agent.unique_id

    def add(table, agent=None, **values):
        row = real_add(table, agent, **values)
        if table is eager.social_worker_table:
            register_at_once(table, row)
        return row

    def add_many(table, count, **values):
        rows = real_add_many(table, count, **values)
        if table is eager.social_worker_table:
            register_at_once(table, rows)
        return rows

    monkeypatch.setattr(social_work.SocialWorkerTable, "add", add)
    monkeypatch.setattr(social_work.SocialWorkerTable, "add_many", add_many)
    for _ in range(14):
        lazy.step()
        eager.step()
    assert _identities(lazy) == _identities(eager)
    assert sorted(a.unique_id for a in eager.social_workers()) == eager.social_worker_table.uid[
        eager.social_worker_table.live_rows()].tolist()


def test_mesa_sees_every_social_worker_in_post_and_none_who_left(district_blob):
    m = pickle.loads(district_blob)
    workers = m.social_worker_table
    live = workers.live_rows()
    seen = [a for a in m.agents if isinstance(a, social_work.SocialWorker)]
    assert sorted(a.row for a in seen) == live.tolist()
    assert len(m.agents_by_type[social_work.SocialWorker]) == live.size
    assert len({a.unique_id for a in m.agents}) == len(m.agents)
    leaver = seen[0]
    leaver.leave(stay_in_sector=False)
    assert leaver not in m.agents and leaver not in m.agents_by_type[social_work.SocialWorker]
    assert len(m.agents_by_type[social_work.SocialWorker]) == live.size - 1


def test_a_social_worker_is_hired_with_an_employer_or_viewed_by_row_not_both(district_blob):
    m = pickle.loads(district_blob)
    com = m.committees[0]
    before = m.agent_id_counter
    hired = social_work.SocialWorker(m, com, certified=False)
    assert hired.unique_id == before and m.agent_id_counter == before + 1
    assert hired.employer is com and not hired.certified and hired in com.room
    assert m.social_worker_table.view(m, hired.row) is hired
    with pytest.raises(TypeError, match="exactly one"):
        social_work.SocialWorker(m, com, row=hired.row)
    with pytest.raises(TypeError, match="exactly one"):
        social_work.SocialWorker(m)


def test_a_view_is_made_once_and_only_of_a_worker_in_post(district_blob):
    m = pickle.loads(district_blob)
    t = m.social_worker_table
    viewed = m.committees[0].room[0]
    with pytest.raises(ValueError, match="without a view"):
        social_work.SocialWorker(m, row=viewed.row)  # a second agent under its id
    unseen = t.hire(m, m.committees[1], certified=False)
    t.dismiss(m, np.array([unseen]), stay_in_sector=False)
    assert not t.alive[unseen] and t.agents[unseen] is None  # it left before anyone looked
    for row in (unseen, t.n):
        with pytest.raises(ValueError, match="not a worker in post"):
            social_work.SocialWorker(m, row=row)
    assert len(m.agents_by_type[social_work.SocialWorker]) == t.live_rows().size


def _founding_attempts_one_by_one(p, rng, homes, money, taken, opportunity, need, bought) -> list[tuple]:
    """The founding attempts as the Python loop drew them, one after another (the compiled loop's reference)."""
    o = p.orgs
    founded = []
    for c in homes.tolist():
        free = 1.0 - taken[c] / money[c] if money[c] > 0 else 0.0
        if rng.random() >= free:
            continue
        row = opportunity[c]
        category = organizations.choose(rng, row / row.sum()) if row.sum() > 0 else int(rng.integers(N_CATEGORIES))
        kinds = organizations.CATEGORY_TYPES[category]
        odds = organizations.founding_type_weights(o, kinds, need[c, category], bought[c, category])
        kind = int(kinds[organizations.choose(rng, odds)])
        staff = int(rng.geometric(1.0 / o.staff_mean))  # the traits as the loop drew them
        quality = min(max(float(rng.normal(o.quality_mean, o.quality_sd)), o.quality_min), o.quality_max)
        sd = o.own_revenue_sd
        ratio = float(o.own_revenue_ratio * rng.lognormal(-sd**2 / 2, sd)) if sd > 0 else o.own_revenue_ratio
        price = float(rng.lognormal(-o.price_sd**2 / 2, o.price_sd)) if o.price_sd > 0 else 1.0
        founded.append((kind, category, c, False, staff, quality, ratio, price))
        taken[c] += organizations.monthly_cost(p, o.staff_mean)
    return founded


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 6), st.integers(0, 80), st.sampled_from([0.0, 0.3]),
       st.sampled_from([0.0, 0.2]), st.floats(1.0, 9.0), st.floats(0.0, 3.0))
def test_the_compiled_founding_attempts_draw_what_the_loop_over_attempts_drew(seed, n_comm, attempts, revenue_sd,
                                                                            price_sd, staff_mean, contract_weight):
    p = Params({"orgs.own_revenue_sd": revenue_sd, "orgs.price_sd": price_sd, "orgs.staff_mean": staff_mean,
                "orgs.founder_contract_weight": contract_weight})
    draw = np.random.default_rng(seed)
    money = draw.choice([0.0, 1e5, 3e5], n_comm)
    taken = money * draw.uniform(0.0, 1.3, n_comm)
    need = draw.choice([0.0, 1.0, 7.5, 40.0], (n_comm, N_CATEGORIES))
    bought = draw.choice([0.0, 0.0, 12.0], (n_comm, N_CATEGORIES))
    barren = draw.random(n_comm) < 0.3  # no opportunity: any category, and every type alike
    need[barren], bought[barren] = 0.0, 0.0
    opportunity = need + contract_weight * bought
    homes = draw.integers(0, n_comm, attempts)
    ours, theirs = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    taken_ours, taken_theirs = taken.copy(), taken.copy()
    got = organizations.founding_attempts(p, ours, homes, money, taken_ours, opportunity, need, bought)
    want = _founding_attempts_one_by_one(p, theirs, homes, money, taken_theirs, opportunity, need, bought)
    assert got == want
    assert taken_ours.tolist() == taken_theirs.tolist()
    assert ours.random() == theirs.random()
