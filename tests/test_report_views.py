"""The report's dose-response and cost views, its layout and its Chinese (issue 15).

The views are checked against a model whose coverage and spending are known
functions of the budget (``tests/budget_model.py``: returns flatten by
construction), run on a grid of four budgets in a second or two.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_experiment_file
from experiments import analysis as an
from experiments import figures as fg
from experiments import numbers as nb
from experiments import report
from experiments import summary as sm
from experiments.cli import main
from experiments.labels import text
from experiments.report import build_report
from experiments.spec import spec_from_dict

BUDGETS = [0.0, 20e6, 40e6, 60e6]

GRID = f"""
name = "budget"
description = "How far does coverage rise with the purchase budget, and where do returns flatten?"
description_zh = "需求覆盖率随购买预算如何上升，收益在何处趋平？"
design = "grid"
model = "budget_model:make"
replicates = 4
months = 3
record = "last"
[factors]
"purchase.budget_yuan" = {BUDGETS}
"""

FACTOR = "purchase.budget_yuan"


def true_coverage(budget: float) -> float:
    """The budget model's coverage without noise."""
    return 0.2 + 0.4 * (1 - math.exp(-budget / 20e6))


def near(truth: float, estimate: float, low: float, high: float) -> bool:
    """Whether ``truth`` is within twice the 95% interval's half-width of the estimate.

    A nominal 95% interval misses the truth one time in twenty; six of them in a
    test would miss one in four experiments. Twice the half-width (about four
    standard errors) misses one in thousands, and a wrong estimate still by far.
    """
    return abs(estimate - truth) <= (high - low)


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return run_experiment_file(tmp_path_factory.mktemp("budget"), GRID, "budget")[0]


@pytest.fixture(scope="module")
def reports(grid):
    return {lang: build_report(grid, lang=lang) for lang in ("en", "zh")}


# --- dose-response and cost ----------------------------------------------------------
def test_dose_response_holds_each_level_and_the_known_gain_of_each_step(grid, reports):
    res = an.load_results(grid)
    dose = an.dose_response(res, FACTOR, ["need_coverage", "committee_admin_share"])
    cov = dose[dose["indicator"] == "need_coverage"].set_index("level")
    assert list(cov.index) == BUDGETS
    for prev, level in zip(BUDGETS, BUDGETS[1:], strict=False):
        truth = true_coverage(level) - true_coverage(prev)
        row = cov.loc[level]
        assert row["previous"] == prev and row["verdict"] == "higher"
        assert near(truth, row["gain"], row["gain_low"], row["gain_high"])  # the seed's shared noise cancels
        assert row["gain_per_unit"] == pytest.approx(row["gain"] / (level - prev))
    gains = cov["gain"].dropna().to_numpy()
    assert (np.diff(gains) < 0).all()  # returns flatten: each step gains less
    same = dose[(dose["indicator"] == "committee_admin_share") & dose["previous"].notna()]
    assert (same["verdict"] == "no difference").all()
    assert reports["en"].tables[f"dose:{FACTOR}"]["gain"].notna().sum() > 0
    assert {f"dose_{FACTOR.replace('.', '_')}", f"cost_{FACTOR.replace('.', '_')}"} <= set(reports["en"].figures)


def test_cost_per_point_is_extra_spending_over_points_gained_against_the_lowest_and_the_level_below(grid):
    res = an.load_results(grid)
    cost = an.cost_per_point(res, FACTOR).set_index("level")
    for prev, level in zip(BUDGETS, BUDGETS[1:], strict=False):
        row = cost.loc[level]
        spent = 0.9 * (level - prev)  # the model spends nine tenths of its budget
        assert row["step_spent"] == pytest.approx(spent)
        truth = spent / (100 * (true_coverage(level) - true_coverage(prev)))
        assert row["step_priced"] and near(truth, row["step_cost"], row["step_cost_low"], row["step_cost_high"])
        assert row["step_cost"] == pytest.approx(spent / row["step_points"])
        lowest = 0.9 * level / (100 * (true_coverage(level) - true_coverage(0)))
        assert near(lowest, row["lowest_cost"], row["lowest_cost_low"], row["lowest_cost_high"])
    assert not cost.loc[0.0, "step_priced"] and np.isnan(cost.loc[0.0, "step_cost"])


def test_a_step_whose_coverage_gain_is_within_noise_is_not_priced(grid):
    """No price per point where no point is surely gained: the coverage of a step that gains nothing is noise."""
    res = an.load_results(grid)
    flat = res.runs.assign(need_coverage=0.3 + 0.01 * np.random.default_rng(1).normal(size=len(res.runs)))
    cost = an.cost_per_point(an.Results(res.path, res.spec, res.manifest, flat, None), FACTOR)
    assert not cost["step_priced"].any() and cost["step_cost"].isna().all()
    sentence = sm.cost_sentence(cost, "en")
    assert sentence.startswith("Cost of coverage along purchase.budget_yuan") and "no point of coverage" in sentence


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_prices_a_point_of_coverage_as_the_cost_table_does_and_says_returns_flatten(reports, lang):
    rep = reports[lang]
    cost = rep.tables[f"cost:{FACTOR}"]
    sentence = sm.cost_sentence(cost, lang)
    assert sentence in rep.summary.answer
    first, last = cost.iloc[1], cost.iloc[-1]
    for r in (first, last):
        assert nb.estimate(r["step_cost"], r["step_cost_low"], r["step_cost_high"], "") in sentence
    assert last["step_cost_low"] > first["step_cost_high"]
    assert sentence.endswith(text("sum_cost_flattens", lang))
    assert sentence in rep.html.read_text(encoding="utf-8")


def test_outcomes_hold_spending_per_year_and_cost_per_need_met(reports):
    summary = reports["en"].tables["summary"]
    assert {"purchase_spent_yuan_year", "cost_per_need_met_yuan"} <= set(summary["indicator"])
    spent = summary[summary["indicator"] == "purchase_spent_yuan_year"].set_index("label")["mean"]
    assert spent["budget_yuan=20,000,000"] == pytest.approx(18e6)
    page = reports["en"].html.read_text(encoding="utf-8")
    assert "purchase spending per year (yuan per year)" in page and "cost per need met (yuan)" in page


def test_the_district_records_spending_per_year_as_twelve_months_of_the_month():
    from model import SansheModel
    from model.scenario import Scenario

    sc = Scenario(name="t", params={"population.population_scale": 0.003, "start.spinup_years": 0,
                                    "purchase.budget_yuan": 12e6})
    model = SansheModel(sc, seed=3)
    model.run(2)
    frame = model.recorder.district_frame()
    assert frame["purchase_spent_yuan"].max() > 0
    assert (frame["purchase_spent_yuan_year"] == 12 * frame["purchase_spent_yuan"]).all()


# --- the baseline of a grid ----------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_grid_takes_its_lowest_point_as_baseline_and_says_so(grid, reports, lang):
    rep = reports[lang]
    assert set(rep.tables["differences"]["label"]) == {f"budget_yuan={b:,.0f}" for b in BUDGETS[1:]}
    assert text("sum_baseline_lowest", lang, label="budget_yuan=0",
                design=text("design_grid", lang)) in rep.summary.caveats


def test_a_grid_point_named_by_its_label_is_the_baseline(grid):
    res = an.load_results(grid)
    assert res.point_of("budget_yuan=40,000,000") == 2
    summary = sm.build_summary(res, {}, "budget_yuan=40,000,000", "en", ["need_coverage"], 12)
    assert summary.caveats[-1] == text("sum_baseline_point", "en", label="budget_yuan=40,000,000")


def test_an_unknown_grid_baseline_is_one_line_naming_a_label_and_the_numbers(grid, capsys):
    assert main(["experiment", "report", str(grid), "--baseline", "budget=0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "'budget_yuan=0'" in err and "0–3" in err


def test_the_files_baseline_is_the_default_the_option_wins_and_a_wrong_one_names_the_key(grid, tmp_path):
    res = an.load_results(grid)
    out = tmp_path / "report.html"
    res.spec.baseline = "budget_yuan=40,000,000"
    assert report._context(res, None, "en", 12, out).baseline == "budget_yuan=40,000,000"
    assert report._context(res, "budget_yuan=0", "en", 12, out).baseline == "budget_yuan=0"
    res.spec.baseline = "budget=1"
    with pytest.raises(an.ExperimentError, match=r"^\S+: baseline: found 'budget=1', allowed: a point's label"):
        report._context(res, None, "en", 12, out)


@pytest.mark.parametrize("design,baseline,message", [
    ("scenarios", "linkage_111", "baseline: found 'linkage_111', allowed: one of the scenarios (pre_reform, "
                                 "yuzhong_2016)"),
    ("lhs", "0", "baseline: not used by design 'lhs'; remove it"),
])
def test_a_baseline_key_the_design_cannot_use_is_one_line(design, baseline, message):
    data = {"name": "b", "design": design, "baseline": baseline}
    data.update({"scenarios": ["pre_reform", "yuzhong_2016"]} if design == "scenarios" else
                {"base": "yuzhong_2016", "factors": {"purchase.budget_yuan": {"low": 0.0, "high": 1e7}}})
    with pytest.raises(an.ExperimentError) as e:
        spec_from_dict(data, "x.toml")
    assert str(e.value) == f"x.toml: {message}"
    data.pop("baseline")
    if design == "scenarios":
        assert spec_from_dict({**data, "baseline": "yuzhong_2016"}, "x.toml").baseline == "yuzhong_2016"


def test_dose_response_of_a_factor_that_is_not_a_numeric_one_is_refused(grid):
    with pytest.raises(an.ExperimentError, match="allowed: purchase.budget_yuan"):
        an.dose_response(an.load_results(grid), "purchase.budget")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e9, 1e9), st.floats(0.01, 100)), min_size=2, max_size=12))
def test_ratio_interval_holds_the_ratio_of_the_means(pairs):
    num, den = (np.array(x, dtype=float) for x in zip(*pairs, strict=True))
    r, lo, hi = an._ratio_interval(num, den)
    assert r == pytest.approx(num.mean() / den.mean())
    assert lo <= r <= hi


# --- shares on figure axes ----------------------------------------------------------
def test_share_axes_read_in_percent_and_their_differences_in_points(reports):
    summary = reports["en"].tables["summary"]
    fig = fg.final_bars(summary, "need_coverage", "months 1–3")
    ax = fig.axes[0]
    fig.canvas.draw()
    assert ax.get_xlabel() == "need coverage (%)"
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert "50" in ticks and not any("." in t for t in ticks)  # 0, 10, ..., 60: percent, not 0.1, 0.2
    forest = fg.forest(reports["en"].tables["differences"], ["need_coverage"], "budget_yuan=0")
    assert forest.axes[0].get_xlabel() == "difference: need coverage (pp)"


# --- a horizon where an effect is exactly zero -------------------------------------------
@pytest.mark.parametrize("kind", ["fades", "emerges"])
def test_a_change_to_or_from_exactly_zero_reads_as_no_difference_not_noise(kind):
    """Exactly zero in every seed at one horizon is no difference at all, not "within noise"."""
    sure, zero = (0.05, 0.02, 0.08), (0.0, 0.0, 0.0)
    a, b = (sure, zero) if kind == "fades" else (zero, sure)
    row = SimpleNamespace(indicator="need_coverage", kind=kind, source="difference", first="b", second="a",
                          order=1, what="", between=(), from_month=60, to_month=120, from_value=a[0],
                          from_low=a[1], from_high=a[2], to_value=b[0], to_low=b[1], to_high=b[2])
    for lang in ("en", "zh"):
        sentence = an.change_sentence(row, lang)
        assert text("within noise", lang) not in sentence
        assert ("exactly zero" if lang == "en" else "恰为零") in sentence
    noisy = SimpleNamespace(**{**vars(row), "to_low" if kind == "fades" else "from_low": -0.01})
    assert "within noise" in an.change_sentence(noisy, "en")


# --- the maps and the inequality figure -------------------------------------------------
def test_a_map_takes_the_colour_scale_it_is_given_and_says_it_is_a_schematic():
    from matplotlib.collections import PathCollection

    fig = fg.district_map(np.linspace(0.2, 0.3, 77), "need_coverage", "a", "months 1–3", limits=(0.1, 0.9))
    ax = fig.axes[0]
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert (dots.norm.vmin, dots.norm.vmax) == (0.1, 0.9)
    assert ax.get_xlabel() == text("map_schematic", "en") and ax.get_xlabel().startswith("Schematic, not a map")
