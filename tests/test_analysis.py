"""The analysis recovers known effects from saved experiments.

The experiments run :mod:`analytic_model`, whose indicators are known
functions of its parameters, through the real engine; the analysis must
find the true main effects, interactions, synergy, Sobol and Morris
indices and the box of scenario discovery.
"""

import numpy as np
import pandas as pd
import pytest

from conftest import run_experiment_file
from experiments import analysis as an
from experiments.spec import ExperimentError, load_experiment

FACTORIAL = """
name = "analytic_factorial"
description = "a 2^3 factorial of the analytic model"
design = "factorial"
model = "analytic_model:make"
replicates = 8
base_seed = 11
months = 3
[factors]
a = { low = 0.0, high = 1.0 }
b = { low = 0.0, high = 1.0 }
c = { low = 0.0, high = 1.0 }
"""


def run(tmp_path, text, name):
    return an.load_results(run_experiment_file(tmp_path, text, name)[0])


@pytest.fixture(scope="module")
def factorial(tmp_path_factory):
    return run(tmp_path_factory.mktemp("fac"), FACTORIAL, "fac")


def test_summary_is_the_mean_and_t_interval_of_the_last_months(factorial):
    s = an.summarise(factorial, ["y"], window=2)
    runs = factorial.runs
    point0 = runs[(runs["point"] == 0) & (runs["month"] >= 2)].groupby("seed")["y"].mean()
    row = s[s["point"] == 0].iloc[0]
    assert row["n"] == 8
    assert row["mean"] == pytest.approx(point0.mean())
    half = 2.364624 * point0.std(ddof=1) / np.sqrt(8)  # t(0.975, 7)
    assert row["ci_high"] - row["mean"] == pytest.approx(half, rel=1e-5)


def test_factorial_effects_recover_main_effects_and_interactions(factorial):
    eff = an.factorial_effects(factorial, ["y"]).set_index("term")
    truth = {"a": 2.75, "b": 3.75, "c": 0.0, "a × b": 0.75, "a × c": 0.0, "b × c": 0.0, "a × b × c": 0.0}
    for term, value in truth.items():
        row = eff.loc[term]
        assert row["ci_low"] <= value <= row["ci_high"], term
        assert row["effect"] == pytest.approx(value, abs=0.06), term
    assert eff.loc["a", "verdict"] == "higher" and eff.loc["c", "verdict"] == "within noise"
    assert set(eff["order"]) == {1, 2, 3}


def test_synergy_is_the_whole_minus_the_sum_of_the_parts(factorial):
    syn = an.synergy(factorial, ["y"]).iloc[0]
    # all high − all low = 2 + 3 + 1.5; the three alone: 2 + 3 + 0.
    assert syn["whole"] == pytest.approx(6.5, abs=0.1) and syn["parts"] == pytest.approx(5.0, abs=0.1)
    assert syn["ci_low"] <= 1.5 <= syn["ci_high"]
    assert syn["verdict"] == "more than the sum of its parts"


def test_paired_differences_cancel_the_shared_noise(factorial):
    d = an.paired_differences(factorial, "0", ["y"]).set_index("point")
    labels = factorial.labels
    high_a = next(p for p, lab in labels.items() if lab == "a=1, b=0, c=0")
    assert d.loc[high_a, "diff"] == pytest.approx(2.0, abs=0.06)
    # The shared noise has sd 1: unpaired intervals would be ±0.8 wide; paired ones are narrow.
    assert d.loc[high_a, "ci_high"] - d.loc[high_a, "ci_low"] < 0.1
    c_only = next(p for p, lab in labels.items() if lab == "a=0, b=0, c=1")
    assert d.loc[c_only, "verdict"] == "within noise"


def test_unknown_baseline_is_a_one_line_mistake(factorial):
    with pytest.raises(ExperimentError, match="--baseline: found 'nope', allowed"):
        an.paired_differences(factorial, "nope", ["y"])


def test_sobol_indices_match_the_analytic_values(tmp_path):
    res = run(tmp_path, """
name = "analytic_sobol"
design = "sobol"
model = "analytic_model:make"
samples = 64
replicates = 1
months = 1
record = "last"
[factors]
x1 = { low = 0.0, high = 1.0 }
x2 = { low = 0.0, high = 1.0 }
x3 = { low = 0.0, high = 1.0 }
""", "sobol")
    si = an.sobol_indices(res, "z").set_index("factor")
    for factor, value in {"x1": 0.8, "x2": 0.2, "x3": 0.0}.items():
        assert si.loc[factor, "S1"] == pytest.approx(value, abs=0.08), factor
        assert si.loc[factor, "ST"] == pytest.approx(value, abs=0.08), factor
    assert (si.loc[["x1", "x2"], "S1_conf"] > 0).all()
    # x3 has no effect: where its estimate is negative, the note says to read it as zero.
    note = si.loc["x3", "note"]
    assert note == "" or "includes 0" in note
    # The bootstrap is seeded: the same results give the same intervals, whatever numpy's global state.
    np.random.seed(12345)
    again = an.sobol_indices(res, "z").set_index("factor")
    pd.testing.assert_frame_equal(si, again)


def test_morris_mu_star_ranks_the_factors(tmp_path):
    res = run(tmp_path, """
name = "analytic_morris"
design = "morris"
model = "analytic_model:make"
samples = 20
months = 1
[factors]
x1 = { low = 0.0, high = 1.0 }
x2 = { low = 0.0, high = 1.0 }
x3 = { low = 0.0, high = 1.0 }
""", "morris")
    mi = an.morris_indices(res, "z").set_index("factor")
    assert mi.loc["x1", "mu_star"] == pytest.approx(4.0, rel=1e-6)
    assert mi.loc["x2", "mu_star"] == pytest.approx(2.0, rel=1e-6)
    assert mi.loc["x3", "mu_star"] == pytest.approx(0.0, abs=1e-9)


def test_scenario_discovery_finds_the_box_where_the_condition_holds(tmp_path):
    res = run(tmp_path, """
name = "analytic_lhs"
design = "lhs"
model = "analytic_model:make"
samples = 200
months = 1
[factors]
x1 = { low = 0.0, high = 1.0 }
x2 = { low = 0.0, high = 1.0 }
""", "lhs")
    # z = 4 x1 + 2 x2 >= 4 holds in a triangle; the tree's boxes must lie in it mostly.
    boxes = an.discover(res, "z>=4")
    assert not boxes.empty and (boxes["density"] > 0.5).all()
    assert boxes["coverage"].sum() > 0.7
    top = boxes.iloc[0]
    assert top["low:x1"] > 0.3  # the best box needs x1 large
    # A condition on x1 alone gives one exact box.
    res.runs["z1"] = res.runs["factor:x1"]
    box = an.discover(res, "z1>0.6").iloc[0]
    assert box["density"] == 1.0 and box["coverage"] == 1.0 and box["low:x1"] > 0.6
    with pytest.raises(ExperimentError, match="--discover: found"):
        an.Condition.parse("z is big")
    with pytest.raises(ExperimentError, match="not an indicator"):
        an.discover(res, "nothing>1")


def test_theil_splits_exactly_into_between_and_within_streets():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.2, 1.0, 77)
    streets = np.repeat(np.arange(11), 7)
    total, between, within = an.theil(x, streets)
    assert total == pytest.approx(between + within)
    assert an.theil(np.full(77, 0.4), streets) == pytest.approx((0.0, 0.0, 0.0))
    # Equal inside each street, different between streets: all inequality is between.
    step = np.repeat(np.linspace(0.2, 1.0, 11), 7)
    total, between, within = an.theil(step, streets)
    assert within == pytest.approx(0.0, abs=1e-12) and between == pytest.approx(total) and total > 0
    assert an.gini(np.full(10, 3.0)) == 0.0
    assert an.gini(np.r_[np.zeros(9), 1.0]) == pytest.approx(0.9)


def test_t_interval_edge_cases():
    assert np.isnan(an.t_interval(np.array([]))[0])
    mean, low, high = an.t_interval(np.array([2.0]))
    assert mean == 2.0 and np.isnan(low) and np.isnan(high)
    assert an.verdict(0.1, 0.3) == "higher" and an.verdict(-0.3, -0.1) == "lower"
    assert an.verdict(-0.1, 0.1) == "within noise"


def test_load_results_names_what_is_missing(tmp_path):
    with pytest.raises(ExperimentError, match="no such results directory"):
        an.load_results(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExperimentError, match="manifest.json: missing"):
        an.load_results(tmp_path / "empty")


def test_morris_effects_of_an_integer_factor_use_the_step_actually_taken(tmp_path):
    # posts 0..4 on four levels are rounded to 0, 1, 3, 4: a step is 3 posts, not 2.67.
    res = run(tmp_path, """
name = "analytic_morris_int"
design = "morris"
model = "analytic_model:make"
samples = 12
months = 1
[factors]
x1 = { low = 0.0, high = 4.0 }
x2 = { low = 0.0, high = 1.0 }
""", "morris_int")
    first = res.runs.drop_duplicates("point").set_index("point")
    res.runs["factor:x1"] = res.runs["point"].map(first["factor:x1"].round())  # as an integer parameter
    res.runs["z"] = 4 * res.runs["factor:x1"] / 4.0 + 2 * res.runs["factor:x2"]  # 4 per unit of x1's range
    mi = an.morris_indices(res, "z").set_index("factor")
    assert mi.loc["x1", "mu_star"] == pytest.approx(4.0, rel=1e-6)
    assert mi.loc["x2", "mu_star"] == pytest.approx(2.0, rel=1e-6)


def test_a_factor_on_a_dated_lever_goes_into_the_scenario_s_change(tmp_path):
    from experiments.engine import plan_runs
    path = tmp_path / "reform_sweep.toml"
    path.write_text("""
name = "reform_sweep"
design = "grid"
base = "yuzhong_2016"
months = 30
scale = 0.005
[factors]
"purchase.budget_yuan" = [0.0, 10000000.0]
""")
    for r in plan_runs(load_experiment(path)):
        assert r.params["purchase.budget_yuan"] == 0.0  # the pre-reform years keep the scenario's value
        budget = [(month, value) for month, p, value in r.changes if p == "purchase.budget_yuan"]
        assert budget == [(25, r.factors["purchase.budget_yuan"])]  # the swept value from the reform on
        assert (25, "admin.committee_tasks", 72) in r.changes  # the rest of the reform stays


def test_box_text_shows_whole_numbers_whole():
    assert an._short(19999999.999999996) == "20,000,000"
    assert an._short(0.25) == "0.25"


def test_factorial_effects_use_only_seeds_where_every_corner_is_defined(factorial):
    # An indicator undefined where b is low (like contract concentration without purchasing)
    # has no main effect of a: it must say "no data", not a conditional effect.
    runs = factorial.runs
    low_b = runs["factor:b"] == 0.0
    factorial.runs = runs.assign(y_part=runs["y"].where(~low_b))
    try:
        eff = an.factorial_effects(factorial, ["y_part"]).set_index("term")
        assert (eff["verdict"] == "no data").all() and (eff["n"] == 0).all()
        syn = an.synergy(factorial, ["y_part"]).iloc[0]
        assert syn["verdict"] == "no data" and syn["n"] == 0
    finally:
        factorial.runs = runs


def test_inequality_of_a_run_without_community_values_is_undefined():
    assert np.isnan(an.t_interval(np.array([np.nan, np.nan]))[0])
    total, between, within = an.theil(np.array([0.5, 0.5]), np.array([0, 1]))
    assert total == 0.0 and between == 0.0 and within == 0.0
