"""ABC-SMC through the engine (experiments/abc.py): its pieces by hand, and a known parameter recovered."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from experiments import abc
from experiments.abc import Prior, Problem, Statistic, scaled_distance
from experiments.engine import OptionError

F3 = Statistic("F3", 904, 860, 950, lambda df: 0.0)
PATTERN = Statistic("P2", float("nan"), 0.01, 0.20, lambda df: 0.0)
AT_LEAST_ONE = Statistic("P4", float("nan"), 1, float("inf"), lambda df: 0.0)


def test_scaled_distance_by_hand():
    assert scaled_distance(950, F3) == 1.0  # the band's top edge
    assert scaled_distance(927, F3) == 0.5  # half way up: 23 of 46
    assert scaled_distance(882, F3) == 0.5  # half way down: 22 of 44
    assert scaled_distance(904, F3) == 0.0
    assert scaled_distance(0.1, PATTERN) == 0.0  # anywhere inside a pattern's band
    assert scaled_distance(0.3, PATTERN) == pytest.approx(1 + 0.1 / 0.19)
    assert scaled_distance(0.5, AT_LEAST_ONE) == 1.5  # 0.5 below a lower limit of 1
    assert scaled_distance(float("nan"), F3) == math.inf


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_a_distance_of_at_most_1_is_inside_the_band(value):
    for stat in (F3, PATTERN, AT_LEAST_ONE):
        assert (scaled_distance(value, stat) <= 1) == (stat.low <= value <= stat.high)


def test_the_distance_of_a_run_is_its_worst_statistic():
    values = pd.DataFrame({"F3": [927.0, 904.0], "P2": [0.1, 0.3]})
    d = abc.distances(values, (F3, PATTERN))
    assert d[0] == 0.5 and d[1] == pytest.approx(1 + 0.1 / 0.19)


def test_importance_weights_by_hand():
    """One ancestor at 0.5 (kernel σ 0.1): particles at 0.5 and 0.6 are weighted 1/φ(0) and 1/φ(1).

    The ratio is φ(0)/φ(1) = e^0.5 = 1.6487, and the normalized weights are
    1/2.6487 = 0.3775 and 0.6225.
    """
    w = abc.importance_weights(np.array([[0.5], [0.6]]), np.array([[0.5]]), np.array([1.0]), np.array([[[0.01]]]))
    assert w == pytest.approx([1 / (1 + math.exp(0.5)), math.exp(0.5) / (1 + math.exp(0.5))])


def test_importance_weights_with_a_kernel_for_each_ancestor_by_hand():
    """Ancestors at 0.3 (σ 0.1) and 0.7 (σ 0.2), weighted equally; particles at 0.5 and 0.3.

    At 0.5: 0.5 φ(2)/0.1 + 0.5 φ(1)/0.2 = 0.26996 + 0.60493 = 0.87488.
    At 0.3: 0.5 φ(0)/0.1 + 0.5 φ(2)/0.2 = 1.99471 + 0.13498 = 2.12969.
    Weights 1/0.87488 and 1/2.12969, normalized: 0.70882 and 0.29118.
    """
    w = abc.importance_weights(np.array([[0.5], [0.3]]), np.array([[0.3], [0.7]]), np.array([0.5, 0.5]),
                               np.array([[[0.01]], [[0.04]]]))
    assert w == pytest.approx([0.70882, 0.29118], abs=2e-5)


def test_a_correlated_kernel_weighs_a_step_along_its_ridge_less_than_one_across_it():
    """One ancestor at (0.5, 0.5), covariance [[0.01, 0.008], [0.008, 0.01]] (correlation 0.8).

    Its inverse is [[0.01, -0.008], [-0.008, 0.01]] / 0.000036. The step (0.1, 0.1)
    along the ridge has the squared Mahalanobis length (1e-4 - 1.6e-4 + 1e-4)/3.6e-5
    = 1.1111, the step (0.1, -0.1) across it (1e-4 + 1.6e-4 + 1e-4)/3.6e-5 = 10.
    Weights go as exp(m/2): e^0.5556 = 1.7429 and e^5 = 148.41, normalized 0.011607
    and 0.988393.
    """
    cov = np.array([[[0.01, 0.008], [0.008, 0.01]]])
    w = abc.importance_weights(np.array([[0.6, 0.6], [0.6, 0.4]]), np.array([[0.5, 0.5]]), np.array([1.0]), cov)
    assert w == pytest.approx([0.011607, 0.988393], abs=2e-6)


def test_local_covariances_by_hand():
    """Particles at (0.2, 0.3), (0.4, 0.5) and (0.8, 0.9), distances 0.5, 2 and 0.7, weighted equally; ε 1.

    Within ε: the first and the last, each weighing 1/2. About (0.4, 0.5) the steps
    are (-0.2, -0.2) and (0.4, 0.4): Σ = (0.04 + 0.16)/2 in every cell, 0.1, a ridge
    (plus 1e-6 on the diagonal). About (0.2, 0.3): steps 0 and (0.6, 0.6): 0.18.
    """
    unit = np.array([[0.2, 0.3], [0.4, 0.5], [0.8, 0.9]])
    cov = abc.local_covariances(unit, np.full(3, 1 / 3), np.array([0.5, 2.0, 0.7]), 1.0)
    tiny = abc.MIN_SCALE**2
    assert cov[1] == pytest.approx(np.array([[0.1 + tiny, 0.1], [0.1, 0.1 + tiny]]))
    assert cov[0] == pytest.approx(np.array([[0.18 + tiny, 0.18], [0.18, 0.18 + tiny]]))
    # No particle within ε: every particle counts (about (0.4, 0.5): (0.04 + 0 + 0.16)/3).
    far = abc.local_covariances(unit, np.full(3, 1 / 3), np.array([5.0, 2.0, 3.0]), 1.0)
    assert far[1, 0, 1] == pytest.approx(0.2 / 3)


def test_proposals_stay_in_the_cube_and_follow_their_ancestors():
    rng = np.random.default_rng(1)
    unit = np.array([[0.02, 0.5], [0.98, 0.5]])
    cov = np.broadcast_to(np.diag([0.05**2, 0.05**2]), (2, 2, 2))
    new = abc.propose(unit, np.array([1.0, 0.0]), cov, 2000, rng)
    assert new.shape == (2000, 2) and new.min() >= 0 and new.max() <= 1
    # The ancestor at 0.02, its kernel cut at 0: the mean of a normal(0.02, 0.05) cut at 0 is
    # 0.02 + 0.05 φ(0.4)/(1 − Φ(-0.4)) = 0.02 + 0.05 × 0.3683/0.6554 = 0.0481.
    assert abs(new[:, 0].mean() - 0.0481) < 0.003
    assert abs(new[:, 1].mean() - 0.5) < 0.005


def test_each_ancestor_moves_by_its_own_kernel_and_along_its_ridge():
    rng = np.random.default_rng(2)
    unit = np.array([[0.2, 0.2], [0.7, 0.5]])
    cov = np.array([[[1e-4, 0], [0, 1e-4]], [[0.01, 0.009], [0.009, 0.01]]])
    new = abc.propose(unit, np.array([0.5, 0.5]), cov, 4000, rng)
    near, far = new[new[:, 0] < 0.3], new[new[:, 0] >= 0.3]  # 10σ above the first ancestor, 4σ below the second
    assert abs(near[:, 0].std() - 0.01) < 0.002 and abs(far[:, 0].std() - 0.1) < 0.01
    assert abs(np.corrcoef(far.T)[0, 1] - 0.9) < 0.03 and abs(np.corrcoef(near.T)[0, 1]) < 0.1
    assert abs(len(near) / len(new) - 0.5) < 0.03


def test_weighted_proposals_are_the_uniform_prior():
    """Proposals from kernels cut by the cube's walls, weighted by the prior over their density, are uniform.

    With every run accepted (ε infinite) a generation's weighted particles are the
    prior: mean 0.5 and a fifth below 0.2 in each parameter, whatever the kernels,
    which here reach through three of the cube's walls.
    """
    unit = np.array([[0.05, 0.05], [0.5, 0.5], [0.95, 0.3]])
    cov = np.broadcast_to(0.09 * np.eye(2), (3, 2, 2))
    weights = np.array([0.5, 0.3, 0.2])
    new = abc.propose(unit, weights, cov, 20_000, np.random.default_rng(3))
    w = abc.importance_weights(new, unit, weights, cov)
    for k in range(2):
        assert abs(w @ new[:, k] - 0.5) < 0.015
        assert abs(w[new[:, k] < 0.2].sum() - 0.2) < 0.015


def test_a_population_that_cannot_propose_inside_the_cube_is_refused():
    unit = np.array([[0.0, 0.0]])
    far = np.array([[[1e6, 0.0], [0.0, 1e6]]])  # a kernel so wide it almost never lands inside
    with pytest.raises(abc.ProposalError, match="fewer than 5 proposals"):
        abc.propose(unit, np.array([1.0]), far, 5, np.random.default_rng(0))


def test_weighted_quantile_matches_the_median_and_follows_weights():
    v = np.array([3.0, 1.0, 2.0])
    assert abc.weighted_quantile(v, np.ones(3), 0.5) == 2.0
    assert abc.weighted_quantile(v, np.array([0.0, 0.0, 1.0]), 0.5) == 2.0
    # Sorted 1, 2, 3 weigh 0.01, 0.01, 0.98: their midpoints of the distribution function are
    # 0.005, 0.015 and 0.51, so the median lies 0.485/0.495 of the way from 2 to 3.
    assert abc.weighted_quantile(v, np.array([0.98, 0.01, 0.01]), 0.5) == pytest.approx(2 + 0.485 / 0.495)


# --- a known parameter, recovered through the engine -------------------------------------
TAX = 0.3
"""The toy model's tax the data come from; the fit does not know it."""


def _window_mean(column):
    return lambda df: float(df.loc[df.month > 20, column].mean())


def _observed(column, seeds=range(100, 106)):
    """The 'data': the toy model at the known tax, averaged over seeds the fit never uses."""
    import toy_model

    values = []
    for seed in seeds:
        m = toy_model.make({"tax": TAX, "n": 50}, seed)
        rows = []
        for _ in range(40):
            m.step()
            rows.append(m.indicators()[column])
        values.append(np.mean(rows[20:]))
    return float(np.mean(values))


@pytest.fixture(scope="module")
def toy_problem():
    gini, top = _observed("gini"), _observed("max_wealth")
    return Problem(
        name="toy", priors=(Prior("tax", 0.0, 0.8),),
        fitted=(Statistic("gini", gini, gini - 0.03, gini + 0.03, _window_mean("gini")),),
        held_out=(Statistic("max_wealth", top, top - 0.25, top + 0.25, _window_mean("max_wealth")),),
        months=40, model="toy_model:make")


@pytest.fixture(scope="module")
def toy_fit(toy_problem, tmp_path_factory):
    return abc.fit(toy_problem, tmp_path_factory.mktemp("fit") / "toy", particles=60, generations=4,
                   base_seed=3, workers=2, progress=False)


def test_the_known_parameter_lies_inside_its_posterior_interval(toy_problem, toy_fit):
    s = abc.parameter_summary(toy_problem, toy_fit.posterior).iloc[0]
    assert s.low_90 < TAX < s.high_90, s.to_dict()
    assert s.constrained and s.range_kept < 0.4  # the data narrowed 0-0.8 to well under half of it
    assert toy_fit.generations[-1].epsilon == 1.0 and not toy_fit.stopped


def test_the_held_out_statistic_is_predicted(toy_problem, toy_fit):
    checks = abc.predictive_checks(toy_problem, toy_fit.posterior).set_index("statistic")
    held = checks.loc["max_wealth"]
    assert held.kind == "held out" and held.low_90 < held.target < held.high_90, held.to_dict()
    assert checks.loc["gini", "inside_share"] == 1.0  # every particle of the last generation is inside its band


def test_the_fit_writes_its_posterior_and_manifest(toy_fit):
    out = toy_fit.out
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns[:4]) == ["tax", "weight", "distance", "seed"]
    assert posterior["weight"].sum() == pytest.approx(1.0) and (posterior["distance"] <= 1).all()
    manifest = (out / "manifest.json").read_text()
    assert '"fit": "toy"' in manifest and '"held_out"' in manifest
    assert [g.generation for g in toy_fit.generations] == list(range(len(toy_fit.generations)))
    for g in toy_fit.generations:  # the runs made, counted in each generation's engine folder
        made = pd.read_parquet(out / f"generation-{g.generation}" / "points.parquet")
        assert g.runs == len(made) >= g.proposed >= g.accepted


def test_a_stopped_fit_resumes_to_the_same_posterior(toy_problem, toy_fit, tmp_path):
    """Two generations, then the same command with four: the same posterior as the fit run in one go."""
    first = abc.fit(toy_problem, tmp_path / "toy", particles=60, generations=2, base_seed=3, workers=2, progress=False)
    assert first.stopped.startswith("the last generation (1) ran at")
    again = abc.fit(toy_problem, tmp_path / "toy", particles=60, generations=4, base_seed=3, workers=2, progress=False)
    pd.testing.assert_frame_equal(again.posterior, toy_fit.posterior)


def test_a_fit_on_a_dask_cluster_gives_the_same_posterior(toy_problem, toy_fit, tmp_path):
    """The runs go to the cluster's workers; the proposals and seeds are the fit's own, so nothing changes."""
    on_dask = abc.fit(toy_problem, tmp_path / "toy", particles=60, generations=4, base_seed=3, dask="local:2",
                      progress=False)
    pd.testing.assert_frame_equal(on_dask.posterior, toy_fit.posterior)


def test_draws_of_three_proposals_weigh_back_to_the_prior():
    """Uniform draws, then two kernel mixtures pressed against walls of the cube, weighted: the uniform prior.

    The mixtures' draws crowd along x = 0 and y = 1 (unweighted means about
    0.35 and 0.63) and a quarter to a third of each mixture's mass lies
    outside the cube, where :func:`abc.propose` draws again. Weighted, the
    means are 0.5 and P(x < 0.2) and P(y > 0.8) are 0.2, each within 0.012
    (over seeds 0-5 within 0.0065). Without dividing each mixture by its
    mass inside the cube (:func:`abc.cube_mass`), the y mean is 0.025-0.03
    off and P(y > 0.8) 0.03-0.04: the test tells the two apart.
    """
    rng = np.random.default_rng(0)
    first = rng.random((2000, 2))
    wall_x = np.column_stack([rng.random(50) * 0.15, rng.random(50)])
    wall_y = np.column_stack([rng.random(50), 0.85 + rng.random(50) * 0.15])
    w = np.full(50, 1 / 50)
    cov_x = np.broadcast_to(np.diag([0.1**2, 0.05**2]), (50, 2, 2)).copy()
    cov_y = np.broadcast_to(np.diag([0.05**2, 0.15**2]), (50, 2, 2)).copy()
    draws = np.vstack([first, abc.propose(wall_x, w, cov_x, 3000, rng), abc.propose(wall_y, w, cov_y, 3000, rng)])
    mass_x, mass_y = abc.cube_mass(wall_x, w, cov_x, rng), abc.cube_mass(wall_y, w, cov_y, rng)
    log_q = np.array([np.zeros(len(draws)),
                      abc.log_mixture_density(draws, wall_x, w, cov_x) - math.log(mass_x),
                      abc.log_mixture_density(draws, wall_y, w, cov_y) - math.log(mass_y)])
    weight = abc.mixture_weights(log_q, [2000, 3000, 3000])
    assert draws[:, 0].mean() < 0.4 and draws[:, 1].mean() > 0.6  # what the weights must undo
    assert weight.sum() == pytest.approx(1.0)
    x, y = draws[:, 0], draws[:, 1]
    for estimate, truth in ((weight @ x, 0.5), (weight @ y, 0.5), (weight[x < 0.2].sum(), 0.2),
                            (weight[y > 0.8].sum(), 0.2)):
        assert abs(estimate - truth) < 0.012, (estimate, truth)


def test_the_recycled_runs_within_the_band_give_the_fit_s_posterior(toy_problem, toy_fit):
    """Those of the recycled runs whose distance is at most 1, weighted, agree with the last population.

    Both are samples of the same ABC posterior: the median and the 90%
    interval's ends agree to 0.03 in tax (0.012-0.025 over base seeds 3-5).
    This checks that every run's parameters, statistics and generation line
    up; the weights themselves are checked by the test above (unweighted,
    the runs within the band agree about as well).
    """
    r = abc.recycled_runs(toy_problem, toy_fit.out)
    assert len(r.weight) == sum(g.runs for g in toy_fit.generations) == len(r.values)
    inside = abc.distances(r.values, toy_problem.fitted) <= 1
    tax = r.unit[inside, 0] * 0.8
    recycled = abc.weighted_quantile(tax, r.weight[inside], [0.05, 0.5, 0.95])
    smc = abc.weighted_quantile(toy_fit.posterior["tax"].to_numpy(), toy_fit.posterior["weight"].to_numpy(),
                                [0.05, 0.5, 0.95])
    assert np.abs(recycled - smc).max() < 0.03, (recycled, smc)


def test_leave_one_out_by_hand():
    """Four runs and two fitted statistics: each predicted by the runs inside the other's band.

    Leaving out B keeps runs 0, 1 and 3 (A = 2 is outside), weights 0.1, 0.2
    and 0.4: B is inside its band in runs 0 and 3, 0.5 of 0.7; the effective
    sample size is 0.7² / (0.01 + 0.04 + 0.16) = 2.33; the weighted median of
    B (0.2 at cumulative midpoint 2/7, 0.5 at 4.5/7) is 0.2 + 0.6 × 0.3 = 0.38.
    Leaving out A keeps runs 0, 2 and 3: A is inside in runs 0 and 3, 0.5 of
    0.8; ESS 0.64 / 0.26 = 2.46.
    """
    a = Statistic("A", 0.5, 0.0, 1.0, lambda df: 0.0)
    b = Statistic("B", 0.5, 0.0, 1.0, lambda df: 0.0)
    problem = Problem(name="hand", priors=(Prior("x", 0.0, 1.0),), fitted=(a, b))
    values = pd.DataFrame({"A": [0.5, 0.9, 2.0, 0.1], "B": [0.5, 3.0, 0.5, 0.2]})
    r = abc.Recycled(np.zeros((4, 1)), values, np.array([0.1, 0.2, 0.3, 0.4]), np.zeros(4, int))
    loo = abc.leave_one_out(problem, r, {"A": ("A",), "B": ("B",)}).set_index("statistic")
    assert loo.loc["B", "runs"] == 3 and loo.loc["B", "inside_share"] == pytest.approx(5 / 7)
    assert loo.loc["B", "ess"] == pytest.approx(0.49 / 0.21) and loo.loc["B", "median"] == pytest.approx(0.38)
    assert loo.loc["A", "runs"] == 3 and loo.loc["A", "inside_share"] == pytest.approx(0.625)
    assert loo.loc["A", "ess"] == pytest.approx(0.64 / 0.26)


def test_a_generation_s_statistics_are_kept_by_the_fit(toy_problem, toy_fit, monkeypatch):
    """The fit keeps every run's statistics; reading the runs back measures nothing and writes nothing."""
    for g in toy_fit.generations:
        kept = pd.read_parquet(toy_fit.out / f"generation-{g.generation}" / "statistics.parquet")
        assert len(kept) == g.runs and list(kept.columns) == ["gini", "max_wealth"]
    calls = []
    monkeypatch.setattr(abc, "measure", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(abc, "_save_statistics", lambda *a, **k: calls.append(a))
    again = abc.recycled_runs(toy_problem, toy_fit.out)
    assert calls == [] and len(again.weight) == sum(g.runs for g in toy_fit.generations)


def test_measuring_some_points_gives_their_rows_of_measuring_all(toy_problem, toy_fit):
    folder = toy_fit.out / "generation-1"
    n = toy_fit.generations[1].runs
    stats = toy_problem.fitted + toy_problem.held_out
    every = abc.measure(stats, folder, n)
    assert every.notna().all().all()
    pd.testing.assert_frame_equal(abc.measure(stats, folder, n, np.arange(5, n)), every.iloc[5:].reset_index(drop=True))
    pd.testing.assert_frame_equal(abc.measure(stats, folder, n, np.array([7, 2])),
                                  every.iloc[[7, 2]].reset_index(drop=True))


def test_failed_runs_keep_their_place_among_the_recycled_runs(toy_problem, tmp_path):
    """A model that fails on one seed in four: failed runs are NaN rows in place, the others line up.

    The failed runs are missing from the engine's ``points.parquet``; the
    proposals come from its record of every run. Every particle of every
    population is found among the recycled runs with its own statistics.
    """
    problem = Problem(name="flaky", priors=toy_problem.priors, fitted=toy_problem.fitted,
                      held_out=toy_problem.held_out, months=40, model="flaky_model:make")
    fit = abc.fit(problem, tmp_path / "flaky", particles=12, generations=2, base_seed=1, workers=2, progress=False)
    r = abc.recycled_runs(problem, fit.out)
    failures = sum(len(list((fit.out / f"generation-{g.generation}" / "failures").glob("*.json")))
                   for g in fit.generations)
    assert failures > 0 and len(r.weight) == sum(g.runs for g in fit.generations)
    assert int(r.values.isna().all(axis=1).sum()) == failures
    for g in fit.generations:
        population = pd.read_parquet(fit.out / f"population-{g.generation}.parquet")
        mine = r.generation == g.generation
        for row in population.itertuples():
            at = np.flatnonzero(mine & np.isclose(r.unit[:, 0] * 0.8, row.tax, rtol=0, atol=1e-12))
            assert at.size == 1
            # generation 0 keeps its failed runs (NaN) too
            assert np.array_equal(r.values["gini"].iloc[at], [row.gini], equal_nan=True)


def test_a_folder_holding_another_fit_is_not_resumed_from(toy_problem, toy_fit):
    with pytest.raises(OptionError, match="holds another fit \\(its particles, base_seed differ\\)"):
        abc.fit(toy_problem, toy_fit.out, particles=30, generations=4, base_seed=4, progress=False)
    (toy_fit.out / "manifest.json").write_text("{")
    with pytest.raises(OptionError, match="not a fit's manifest"):
        abc.fit(toy_problem, toy_fit.out, particles=60, generations=4, base_seed=3, progress=False)


def test_too_few_particles_or_generations_are_refused(toy_problem, tmp_path):
    with pytest.raises(OptionError, match="--particles: found 3"):
        abc.fit(toy_problem, tmp_path, particles=3)
    with pytest.raises(OptionError, match="--generations: found 0"):
        abc.fit(toy_problem, tmp_path, generations=0)
