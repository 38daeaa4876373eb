"""Invariants checked every month of small runs."""

import numpy as np
import pytest

from model import Params, SansheModel, load_scenario
from model.agents import OrgStatus
from model.contagion import neighbour_counts
from model.indicators import DISTRICT_INDICATORS

SHARES = [k for k, (unit, _, _) in DISTRICT_INDICATORS.items() if unit == "share"]


def check_month(m: SansheModel) -> None:
    res, p = m.residents, m.params
    row = m.recorder.district[-1]
    # Shares and coverage in [0, 1] (NaN only where nothing was closed or held).
    for k in SHARES + ["coverage_gini", "contract_hhi"]:
        v = row[k]
        assert np.isnan(v) or 0.0 <= v <= 1.0, (m.month, k, v)
    for arr in (res.satisfaction, res.expectation, res.trust_committee, res.trust_government):
        assert arr.min() >= 0.0 and arr.max() <= 1.0
    # No negative stock.
    assert all(o.staff >= 0 for o in m.organizations())
    assert all(o.status is not OrgStatus.EXITED for o in m.organizations())
    assert all(c.queue >= 0 for c in m.street_centres)
    assert all(0 <= com.certified <= com.workers for com in m.committees)
    assert m.talent_pool >= 0
    for com in m.committees:
        for hours in (com.admin_hours, com.consultation_hours, com.service_hours, com.brokering_hours):
            assert hours >= -1e-9
        assert abs(com.admin_hours + com.consultation_hours + com.service_hours
                   + com.brokering_hours - com.hours_total) < 1e-6
    # Spending within budget.
    gov = m.government
    assert gov.purchase_budget_yuan <= p.purchase.budget_yuan + 1e-6
    assert gov.purchase_budget_yuan <= p.purchase.envelope_yuan + 1e-6
    assert gov.spent_year_yuan <= gov.purchase_budget_yuan * (1 + 1e-9) + 1e-6
    # Open needs: sorted, unique, one per resident and category.
    assert (np.diff(res.need_key) > 0).all()
    # Resident counts add up per community and street.
    sizes = res.community_sizes()
    assert sizes.sum() == res.n
    assert (np.bincount(res.community, minlength=m.n_communities) == sizes).all()
    per_street = np.bincount(m.street_of, weights=sizes)
    assert per_street.sum() == res.n and (per_street > 0).all()
    # Neighbour counts kept incrementally equal a fresh count.
    assert (m.participant_nbrs == neighbour_counts(m.adjacency, res.participant)).all()
    assert (m.volunteer_nbrs == neighbour_counts(m.adjacency, res.volunteer > 0)).all()
    # Agents point only at live agents.
    live = set(m.organizations())
    for ct in gov.contracts:
        assert ct.org in live and ct.org.status is OrgStatus.ACTIVE and ct.org.staff > 0
    for w in m.social_workers():
        if w.in_room:
            assert w in w.employer.room
        else:
            assert w.employer in live and w in w.employer.social_workers
    assert all(len(com.room) <= p.social_work.posts_per_community for com in m.committees)
    # Volunteers are participants; participants are adults.
    assert not (res.participant & ~res.adult).any()
    assert not ((res.volunteer > 0) & ~res.participant).any()


@pytest.mark.parametrize("scenario", ["yuzhong_2016", "pre_reform"])
def test_invariants_hold_every_month(scenario):
    sc = load_scenario(scenario)
    sc.params["population.population_scale"] = 0.01
    m = SansheModel(sc, seed=4)
    for _ in range(40):
        m.step()
        check_month(m)


def test_invariants_hold_at_the_ends_of_ranges():
    params = Params({"population.population_scale": 0.01, "purchase.envelope_yuan": 20_000_000.0,
                     "admin.admission_control": False,
                     "admin.street_centre_requests_month": 200.0,
                     "trust.gain_month": 0.5, "trust.loss_ratio": 6.0,
                     "orgs.own_revenue_ratio": 0.3, "social_work.turnover_org_year": 0.6})
    m = SansheModel(params=params, seed=5)
    for _ in range(30):
        m.step()
        check_month(m)
    assert m.government.purchase_budget_yuan < 20_000_000  # posts and incubation come first
    assert m.recorder.district[-1]["committee_tasks"] > 72  # creep without admission control
    assert m.recorder.district[-1]["street_centre_wait_months"] > 0  # a centre that cannot cope
