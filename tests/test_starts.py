"""Design points share a spin-up: SansheModel.started gives what a fresh spin-up gives.

The spin-up depends only on the month-1 parameters and the seed, so the
engine reuses one spun-up district for every point and scenario that shares
them (for example every budget of the reform, which changes at month 25).
A reused start must continue exactly as a fresh one, whatever the process ran
before; a different seed or month-1 value must not reuse it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from model import SansheModel, load_scenario
from model import model as model_module
from model.scenario import LeverChange

SMALL = {"population.population_scale": 0.005, "start.spinup_years": 3}


def scenario(name: str, **params):
    sc = load_scenario(name)
    sc.params.update({**SMALL, **params})
    return sc


@pytest.fixture(autouse=True)
def no_starts_kept():
    model_module._STARTS.clear()
    model_module._BUILDS.clear()
    yield
    model_module._STARTS.clear()
    model_module._BUILDS.clear()


def test_a_reused_start_continues_exactly_as_a_fresh_spin_up():
    # yuzhong_2016 is pre_reform until month 25: the two share a spin-up.
    first = SansheModel.started(scenario("pre_reform"), seed=4)
    first.run(30)
    assert len(model_module._STARTS) == 1
    reused = SansheModel.started(scenario("yuzhong_2016"), seed=4)
    assert len(model_module._STARTS) == 1  # no new spin-up: the start was reused
    reused.run(30)
    fresh = SansheModel(scenario("yuzhong_2016"), seed=4)
    fresh.run(30)
    pd.testing.assert_frame_equal(reused.recorder.district_frame(), fresh.recorder.district_frame())
    pd.testing.assert_frame_equal(reused.recorder.community_frame(reused), fresh.recorder.community_frame(fresh))
    # And the reform did act in the reused run: it is not the pre-reform run.
    tasks = first.recorder.district_frame()["committee_tasks"]
    assert not tasks.equals(fresh.recorder.district_frame()["committee_tasks"])


def test_a_later_change_of_a_sweep_point_shares_the_start_and_keeps_its_own_changes():
    base = scenario("yuzhong_2016")
    budgets = []
    for budget in (10e6, 60e6):
        sc = scenario("yuzhong_2016")
        sc.changes = [c if c.path != "purchase.budget_yuan" else LeverChange(c.month, c.path, budget)
                      for c in base.changes]
        m = SansheModel.started(sc, seed=2)
        m.run(30)
        budgets.append(m.recorder.district_frame()["purchase_spent_yuan"].iloc[-1])
    assert len(model_module._STARTS) == 1
    assert budgets[1] > 3 * budgets[0]


@pytest.mark.parametrize("other", [{"seed": 5}, {"params": {"needs.abandon_prob_month": 0.2}}])
def test_another_seed_or_month_1_value_spins_up_anew(other):
    SansheModel.started(scenario("pre_reform"), seed=4)
    sc = scenario("pre_reform", **other.get("params", {}))
    m = SansheModel.started(sc, seed=other.get("seed", 4))
    assert len(model_module._STARTS) == 2
    m.run(6)
    fresh = SansheModel(scenario("pre_reform", **other.get("params", {})), seed=other.get("seed", 4))
    fresh.run(6)
    pd.testing.assert_frame_equal(m.recorder.district_frame(), fresh.recorder.district_frame())


def test_a_reused_start_is_a_copy_that_a_run_cannot_change():
    a = SansheModel.started(scenario("pre_reform"), seed=4)
    a.run(12)
    b = SansheModel.started(scenario("pre_reform"), seed=4)
    assert b is not a and b.month == 0 and a.month == 12


# --- a built population is reused across design points with the same seed and population ------
def frames(params: dict, seed: int = 4, months: int = 14) -> pd.DataFrame:
    m = SansheModel(scenario("yuzhong_2016", **params), seed=seed)
    m.run(months)
    return m.recorder.district_frame()


def test_a_reused_population_gives_what_a_fresh_build_gives():
    policy = {"admin.committee_tasks": 150, "purchase.third_party_evaluation": False}
    fresh = frames(policy)
    model_module._BUILDS.clear()
    frames({})  # another design point of the same seed and population: builds and keeps it
    assert len(model_module._BUILDS) == 1
    reused = frames(policy)
    assert len(model_module._BUILDS) == 1  # taken, not built again
    pd.testing.assert_frame_equal(reused, fresh)


def test_a_population_is_built_anew_for_another_seed_or_a_value_the_build_reads():
    frames({})
    frames({}, seed=5)
    frames({"population.household_size_mean": 3.0})
    frames({"participation.threshold_mean": 0.3})  # read by the build (residents' thresholds)
    assert len(model_module._BUILDS) == 4
    reads = dict(next(read for seed, read in model_module._BUILDS.keys() if seed == 4))
    assert "population.population_scale" in reads and "network.lattice_degree" in reads
    assert "purchase.budget_yuan" not in reads
