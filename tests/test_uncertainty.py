"""Parameter uncertainty in experiments (experiments/uncertainty.py): paired draws, two intervals, one-line mistakes."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import experiment_file as write
from experiments import analysis as an
from experiments.cli import main
from experiments.engine import plan_runs, run_experiment
from experiments.spec import DEFAULT_SPREAD, ExperimentError, load_experiment
from experiments.uncertainty import assumption_parameters, draw_parameters, intervals
from model.parameters import PARAMETERS

BASE = """
name = "unc"
design = "scenarios"
scenarios = ["tasks_296", "tasks_72"]
replicates = 2
base_seed = 7
months = 6
scale = 0.005
indicators = ["need_coverage", "committee_admin_share"]
"""


def test_intervals_by_hand():
    """Two draws × two seeds: 1, 3 | 5, 7.

    Mean 4. Within draws the deviations are ±1: 4 over 2 degrees of freedom,
    variance 2; the seed half-width is t(0.975, 2) √(2/4) = 4.3027 × 0.7071 =
    3.0425. The draws' means 2 and 6 have a standard deviation of 2.8284;
    1.95996 (the normal 97.5% point) of them is 5.5436; the total half-width is
    √(3.0425² + 5.5436²) = 6.3236.
    Both draws' means are positive: the sign holds in all of them.
    """
    iv = intervals(np.array([1.0, 3.0, 5.0, 7.0]), np.array([0, 0, 1, 1]))
    assert iv["mean"] == 4.0
    assert iv["ci_high"] - 4 == pytest.approx(3.0425, abs=1e-4)
    assert iv["total_high"] - 4 == pytest.approx(6.3236, abs=1e-4)
    assert iv["total_low"] == pytest.approx(4 - 6.3236, abs=1e-4) and iv["sign_share"] == 1.0


def test_without_draws_the_seed_interval_is_the_t_interval_and_there_is_no_total():
    x = np.array([0.1, 0.3, 0.2, 0.5])
    iv = intervals(x, None)
    assert (iv["mean"], iv["ci_low"], iv["ci_high"]) == pytest.approx(an.t_interval(x))
    assert math.isnan(iv["total_low"]) and math.isnan(iv["sign_share"])


@given(st.lists(st.floats(-100, 100), min_size=6, max_size=6), st.integers(2, 3))
def test_the_total_interval_holds_the_seed_interval(values, n_draws):
    draws = np.repeat(np.arange(n_draws), 6 // n_draws)
    iv = intervals(np.array(values), draws)
    assert iv["total_low"] <= iv["ci_low"] + 1e-9 and iv["ci_high"] <= iv["total_high"] + 1e-9


def test_a_sign_that_flips_in_one_draw_of_four_holds_in_three_quarters():
    iv = intervals(np.array([1.0, 1.2, 2.0, 2.2, 3.0, 3.1, -0.5, -0.4]), np.repeat(np.arange(4), 2))
    assert iv["sign_share"] == 0.75


def test_every_point_runs_every_draw_with_every_seed_paired(tmp_path):
    spec = load_experiment(write(tmp_path, BASE + '[uncertainty]\nsample = "assumptions"\ndraws = 3\n'))
    runs = plan_runs(spec)
    assert len(runs) == 2 * 3 * 2
    drawn = [p.path for p in assumption_parameters()]
    by_point = {p: sorted((r for r in runs if r.point == p), key=lambda r: r.replicate) for p in (0, 1)}
    for a, b in zip(by_point[0], by_point[1], strict=True):
        assert (a.replicate, a.seed, a.draw) == (b.replicate, b.seed, b.draw)
        assert all(a.params[k] == b.params[k] for k in drawn)  # the same parameter draw at both points
    assert {r.draw for r in runs} == {0, 1, 2} and len({r.seed for r in by_point[0]}) == 6
    values = [{k: r.params[k] for k in drawn} for r in by_point[0][::2]]
    assert values[0] != values[1] != values[2]  # three different draws


@settings(max_examples=20, deadline=None)
@given(st.floats(0.01, 1.0), st.integers(0, 2**31))
def test_assumption_draws_stay_within_the_spread_and_the_declared_range(spread, seed):
    from experiments.spec import spec_from_dict

    data = {"name": "x", "design": "scenarios", "scenarios": ["pre_reform"], "base_seed": seed,
            "uncertainty": {"sample": "assumptions", "spread": spread, "draws": 2}}
    for draw in draw_parameters(spec_from_dict(data, "x.toml")):
        for path, value in draw.items():
            p = PARAMETERS[path]
            assert p.low <= value <= p.high
            slack = 0.5 if p.kind is int else 1e-9  # an integer is rounded to the nearest whole number
            assert abs(value - p.default) <= spread * abs(p.default) + slack


def test_a_factor_is_never_drawn(tmp_path):
    text = BASE.replace('design = "scenarios"\nscenarios = ["tasks_296", "tasks_72"]',
                        'design = "grid"\nbase = "tasks_72"') + \
        '[factors]\n"needs.abandon_prob_month" = [0.1, 0.2]\n[uncertainty]\nsample = "assumptions"\ndraws = 2\n'
    draws = draw_parameters(load_experiment(write(tmp_path, text)))
    assert draws and all("needs.abandon_prob_month" not in d for d in draws)
    assert DEFAULT_SPREAD == 0.25 and all("needs.rate_group_month" in d for d in draws)


def test_posterior_draws_follow_the_weights(tmp_path):
    """Systematic resampling of 4 draws from weights 0.75 and 0.25: the first particle three times, the second once."""
    pd.DataFrame({"needs.abandon_prob_month": [0.1, 0.3], "weight": [0.75, 0.25], "distance": [0.5, 0.9]}
                 ).to_parquet(tmp_path / "posterior.parquet")
    spec = load_experiment(write(tmp_path, BASE + '[uncertainty]\nposterior = "posterior.parquet"\ndraws = 4\n'))
    values = sorted(d["needs.abandon_prob_month"] for d in draw_parameters(spec))
    assert values == [0.1, 0.1, 0.1, 0.3]


def test_posterior_and_assumptions_together(tmp_path):
    """The posterior's parameter drawn by weight, never moved within the spread; every other assumption drawn."""
    fitted = "orgs.own_revenue_ratio"
    assert fitted in {p.path for p in assumption_parameters()}
    pd.DataFrame({fitted: [0.9, 1.2], "weight": [0.75, 0.25]}).to_parquet(tmp_path / "posterior.parquet")
    spec = load_experiment(write(tmp_path, BASE + '[uncertainty]\nposterior = "posterior.parquet"\n'
                                 'sample = "assumptions"\nspread = 0.1\ndraws = 4\n'))
    draws = draw_parameters(spec)
    assert sorted(d[fitted] for d in draws) == [0.9, 0.9, 0.9, 1.2]
    others = [p for p in assumption_parameters() if p.path != fitted]
    for d in draws:
        assert set(d) == {fitted} | {p.path for p in others}
        for p in others:
            assert abs(d[p.path] - p.default) <= 0.1 * abs(p.default) + (0.5 if p.kind is int else 1e-9)
    assert len({d["needs.rate_group_month"] for d in draws}) == 4  # each draw its own set of the others


@pytest.mark.parametrize("table, source", [
    ('sample = "assumptions"', "assumptions, each within ±25% of its default"),
    ('posterior = "posterior.parquet"\nsample = "assumptions"',
     "the posterior posterior.parquet for the parameters it holds and the other assumptions, each within ±25%"),
])
def test_the_report_gives_both_intervals_and_the_total_holds_the_seed_interval(tmp_path, table, source):
    posterior = pd.DataFrame({"orgs.own_revenue_ratio": [0.9, 1.2], "weight": [0.5, 0.5]})
    posterior.to_parquet(tmp_path / "posterior.parquet")
    spec = load_experiment(write(tmp_path, BASE + f'[uncertainty]\n{table}\ndraws = 2\n'))
    run_experiment(spec, tmp_path / "out", workers=2, progress=False)
    res = an.load_results(tmp_path / "out")
    assert res.draw_of_seed is not None and set(res.draw_of_seed.values()) == {0, 1}
    diffs = an.paired_differences(res, "tasks_296")
    moved = diffs[diffs["ci_high"] > diffs["ci_low"]]
    assert not moved.empty
    assert (moved["total_low"] <= moved["ci_low"] + 1e-12).all()
    assert (moved["total_high"] >= moved["ci_high"] - 1e-12).all()
    assert main(["experiment", "report", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Parameter uncertainty" in page and "total interval" in page and "sign kept in draws" in page
    assert source in page


@pytest.mark.parametrize("table, message", [
    ("draws = 2", "uncertainty: found neither posterior nor sample"),
    ('posterior = "p.parquet"\nspread = 0.1\ndraws = 2', "uncertainty.spread: only with sample"),
    ('sample = "assumptions"\ndraws = 1', "uncertainty.draws: found 1"),
    ('sample = "everything"\ndraws = 2', "uncertainty.sample: found 'everything'"),
    ('sample = "assumptions"\ndraws = 2\nspred = 0.1', "uncertainty.spred: unknown key (did you mean 'spread'?)"),
    ('sample = "assumptions"\nspread = 1.5\ndraws = 2', "uncertainty.spread: found 1.5"),
])
def test_uncertainty_mistakes_are_one_line_and_exit_2(tmp_path, capsys, table, message):
    path = write(tmp_path, BASE + "[uncertainty]\n" + table + "\n")
    assert main(["experiment", "run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and str(path) in err
    assert not (tmp_path / "out" / "runs").exists()


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"not parquet", "is not a readable Parquet file"),
    (pd.DataFrame({"needs.abandon_prob_month": [0.1]}), "is not a fit's posterior"),
    (pd.DataFrame({"needs.abandon_prob_month": [0.9], "weight": [1.0]}), "column needs.abandon_prob_month: found 0.9"),
])
def test_a_bad_posterior_file_is_one_line_and_exit_2_before_any_run(tmp_path, capsys, content, message):
    if isinstance(content, bytes):
        (tmp_path / "p.parquet").write_bytes(content)
    elif content is not None:
        content.to_parquet(tmp_path / "p.parquet")
    path = write(tmp_path, BASE + '[uncertainty]\nposterior = "p.parquet"\ndraws = 2\n')
    assert main(["experiment", "run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
    assert not (tmp_path / "out" / "runs").exists()


def test_uncertainty_with_another_model_is_refused(tmp_path):
    text = ('name = "toy"\ndesign = "grid"\nmonths = 3\nmodel = "toy_model:make"\n[factors]\ntax = [0.1, 0.2]\n'
            '[uncertainty]\nsample = "assumptions"\ndraws = 2\n')
    with pytest.raises(ExperimentError, match="uncertainty: only for the sanshe model"):
        load_experiment(write(tmp_path, text))
