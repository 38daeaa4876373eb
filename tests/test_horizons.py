"""Results at several horizons.

The spec's ``horizons``, the analysis of sign changes and ranking flips
between them, and the report's section.

The experiments run :mod:`horizon_model`, whose effects change sign at known
months, through the real engine: the analysis must name those changes with
their months, and nothing where nothing changes.
"""

import pandas as pd
import pytest

from conftest import run_experiment_file
from experiments import analysis as an
from experiments.cli import main
from experiments.engine import plan_runs
from experiments.report import build_report
from experiments.spec import ExperimentError, default_horizons, load_experiment, spec_from_dict

FLIP = """
name = "flip"
description = "Effects built to change sign at month 10."
design = "factorial"
model = "horizon_model:make"
replicates = 4
base_seed = 3
months = 20
horizons = [20, 5, 15, 10]
[factors]
a = { low = 0, high = 1 }
b = { low = 0, high = 1 }
"""
BASE = "a=0, b=0"
A, B, AB = "a=1, b=0", "a=0, b=1", "a=1, b=1"


@pytest.fixture(scope="module")
def flip(tmp_path_factory):
    return run_experiment_file(tmp_path_factory.mktemp("flip"), FLIP, "flip")[0]


@pytest.fixture(scope="module")
def changes(flip):
    # A window of 3 months: horizon 10 is months 8-10 (before the change), 15 is months 13-15.
    return an.horizon_changes(an.load_results(flip), BASE, window=3)


def _one(frame, **where):
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key] == value]
    assert len(rows) == 1, (where, frame.drop(columns="sentence"))
    return rows.iloc[0]


# --- the spec ---------------------------------------------------------------------
def test_horizons_are_used_sorted_and_kept_out_of_the_run_identity(tmp_path):
    spec = load_experiment(_write(tmp_path, FLIP))
    assert spec.horizons == [5, 10, 15, 20]
    without = spec_from_dict({k: v for k, v in spec.raw.items() if k != "horizons"}, "x.toml")
    assert without.horizons == [10, 20]  # the default: half the months and the last
    assert [r.run_id for r in plan_runs(without)] == [r.run_id for r in plan_runs(spec)]


@pytest.mark.parametrize("months, record, expected", [
    (120, "all", [60, 120]), (240, "all", [120, 240]), (360, "all", [120, 180, 360]),
    (250, "all", [120, 125, 250]), (3, "all", [1, 3]), (1, "all", [1]), (120, "last", [120]),
])
def test_default_horizons_are_the_last_month_its_half_and_month_120_in_long_runs(months, record, expected):
    assert default_horizons(months, record) == expected
    doc = {"name": "d", "design": "grid", "model": "horizon_model:make", "months": months, "record": record,
           "factors": {"a": [0, 1]}}
    assert spec_from_dict(doc, "d.toml").horizons == expected


HORIZON_MISTAKES = {
    "after the months": ("horizons = [10, 21]", ("horizons: found 21, after the experiment's last month (20); "
                                                "allowed: whole months in [1, 20]")),
    "month 0": ("horizons = [0, 10]", "horizons: found 0, allowed: whole months in [1, 20]"),
    "negative": ("horizons = [-5]", "horizons: found -5, allowed: whole months in [1, 20]"),
    "twice": ("horizons = [10, 5, 10]", "horizons: 10 listed more than once; allowed: each month once"),
    "not whole": ("horizons = [10.5]", "horizons: found 10.5, allowed: whole months in [1, 20]"),
    "text": ('horizons = ["10"]', "horizons: found '10', allowed: whole months in [1, 20]"),
    "a switch": ("horizons = [true]", "horizons: found True, allowed: whole months in [1, 20]"),
    "not a list": ("horizons = 10", "horizons: found 10, allowed: a list of whole months, e.g. [60, 120]"),
    "empty": ("horizons = []", "horizons: empty, allowed: a list of whole months in [1, 20]"),
    "record last": ('record = "last"\nhorizons = [20]', ("horizons: not used with record = 'last' (only the final "
                                                       "month is kept")),
}


@pytest.mark.parametrize("case", sorted(HORIZON_MISTAKES))
def test_horizon_mistakes_are_one_line_and_exit_2(tmp_path, capsys, case):
    line, expected = HORIZON_MISTAKES[case]
    text = FLIP.replace("horizons = [20, 5, 15, 10]", line)
    path = _write(tmp_path, text)
    out = tmp_path / "o"
    assert main(["experiment", "run", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(path) in lines[0], lines
    assert not out.exists()  # refused before any run
    with pytest.raises(ExperimentError):
        load_experiment(path)


def test_adding_horizons_to_a_finished_experiment_reruns_nothing(tmp_path, capsys):
    plain = FLIP.replace("horizons = [20, 5, 15, 10]\n", "").replace("replicates = 4", "replicates = 2")
    out, first = run_experiment_file(tmp_path, plain, "flip")
    assert first.runs_run_now == 8
    assert an.available_horizons(an.load_results(out)) == [10, 20]
    files = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    path = _write(tmp_path, plain.replace("months = 20", "months = 20\nhorizons = [5, 10]"))
    assert main(["experiment", "run", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "(0 run now)" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == files
    res = an.load_results(out)
    assert res.manifest["spec"]["horizons"] == [5, 10] and an.available_horizons(res) == [5, 10]
    # Both horizons come before the change at month 10: nothing changes sign, and the report says so.
    report = build_report(out, window=3)
    page = report.html.read_text(encoding="utf-8")
    assert "No sign change and no ranking flip between months 5 and 10." in page
    strong = report.tables["horizon_changes"]
    assert strong[strong["kind"].isin(["sign change", "ranking flip"])].empty


# --- the analysis -----------------------------------------------------------------
def test_an_outcome_at_a_horizon_averages_the_window_ending_there(flip):
    res = an.load_results(flip)
    out = an.outcomes(res, 3, ["flip"], at=10).set_index(["point", "seed"])["flip"]
    runs = res.runs
    expected = runs[runs["month"].between(8, 10)].groupby(["point", "seed"])["flip"].mean()
    pd.testing.assert_series_equal(out.sort_index(), expected.sort_index(), check_names=False)
    early = an.outcomes(res, 12, ["flip"], at=4).set_index(["point", "seed"])["flip"]  # months 1-4: the window is cut
    expected = runs[runs["month"].between(1, 4)].groupby(["point", "seed"])["flip"].mean()
    pd.testing.assert_series_equal(early.sort_index(), expected.sort_index(), check_names=False)
    # At the last month the horizon is the report's usual final window.
    last = an.paired_differences(res, BASE, ["flip"], 3, at=20).set_index("label")["diff"]
    final = an.paired_differences(res, BASE, ["flip"], 3).set_index("label")["diff"]
    pd.testing.assert_series_equal(last, final)


def test_a_window_cut_at_month_1_leaves_out_the_initial_state_of_month_0(tmp_path):
    collected = FLIP.replace("horizon_model:make", "horizon_model:make_collected").replace(
        "months = 20", "months = 4").replace("horizons = [20, 5, 15, 10]", "horizons = [2, 4]")
    res = an.load_results(run_experiment_file(tmp_path, collected, "collected")[0])
    assert res.runs["month"].min() == 0
    d = an.horizon_differences(res, BASE, ["flip"], window=12).set_index(["label", "horizon"])
    assert d.loc[(A, 2), "diff"] == pytest.approx(1.0, abs=0.02)  # months 1-2, not month 0's +100
    assert (d.loc[(A, 2), "first_month"], d.loc[(A, 4), "first_month"]) == (1, 1)


def test_effects_at_each_horizon_follow_the_built_change(flip):
    eff = an.horizon_effects(an.load_results(flip), ["flip"], window=3).set_index(["term", "horizon"])
    assert list(eff.loc["a"].index) == [5, 10, 15, 20]
    for h, truth in ((5, 1.0), (10, 1.0), (15, -1.0), (20, -1.0)):
        assert eff.loc[("a", h), "effect"] == pytest.approx(truth, abs=0.02)
        assert eff.loc[("a", h), "verdict"] == ("higher" if truth > 0 else "lower")
    assert (eff.loc[("a", 15), "first_month"], eff.loc[("a", 15), "last_month"]) == (13, 15)


def test_a_sign_change_is_named_with_its_months(changes):
    row = _one(changes, indicator="flip", source="effect", what="a")
    assert row["kind"] == "sign change"
    assert (row["from_month"], row["to_month"]) == (10, 15) and row["between"] == ()
    assert row["from_low"] > 0 and row["to_high"] < 0
    assert "Flip, main effect of a: positive at month 10 (+1" in row["sentence"]
    assert "but negative at month 15 (-1" in row["sentence"]
    diff = _one(changes, indicator="flip", source="difference", first=A)
    assert diff["kind"] == "sign change" and (diff["from_month"], diff["to_month"]) == (10, 15)
    assert diff["second"] == BASE and "a=1, b=0 against the baseline a=0, b=0: higher at month 10" in diff["sentence"]


def test_a_sign_change_across_a_horizon_within_noise_names_that_horizon(changes):
    row = _one(changes, indicator="pause", source="effect", what="a")
    assert row["kind"] == "sign change"
    assert (row["from_month"], row["to_month"]) == (10, 20) and row["between"] == (15,)
    assert "within noise at month 15 in between" in row["sentence"]
    # The horizon within noise is part of the sign change, not a weaker statement of its own.
    assert changes[(changes["indicator"] == "pause") & changes["kind"].isin(["fades", "emerges"])].empty


def test_a_ranking_flip_between_two_points_is_named(changes):
    row = _one(changes, indicator="flip", kind="ranking flip", first=A, second=B)
    assert (row["from_month"], row["to_month"]) == (10, 15)
    assert row["from_value"] == pytest.approx(1.0, abs=0.02) and row["to_value"] == pytest.approx(-1.0, abs=0.02)
    assert row["sentence"].startswith("Flip: a=1, b=0 is above a=0, b=1 at month 10 (difference +")
    assert "but below it at month 15" in row["sentence"]
    # The point above at the earlier horizon comes first, whatever the points' order.
    flips = changes[changes["kind"] == "ranking flip"]
    assert (flips["from_value"] > 0).all() and (flips["to_value"] < 0).all()
    # Pairs with the baseline are its differences, named once as sign changes.
    assert not (flips["first"] == BASE).any() and not (flips["second"] == BASE).any()
    assert set(zip(flips["indicator"], flips["first"], flips["second"], strict=True)) == {
        ("flip", A, B), ("flip", AB, B), ("pause", A, B), ("pause", AB, B)}


def test_an_effect_that_fades_is_a_weaker_statement(changes):
    row = _one(changes, indicator="fade", source="effect", what="b")
    assert row["kind"] == "fades" and (row["from_month"], row["to_month"]) == (10, 15)
    assert row["to_value"] == 0
    # Zero in every seed at month 15: said as exactly zero, not as noise (issue 15's known limit).
    assert "positive at month 10" in row["sentence"] and "exactly zero at month 15" in row["sentence"]
    assert "within noise" not in row["sentence"]
    assert changes[(changes["indicator"] == "fade") & (changes["kind"] == "sign change")].empty


def test_nothing_is_named_where_nothing_changes(flip, changes):
    assert changes[changes["indicator"] == "steady"].empty
    res = an.load_results(flip)
    before = an.horizon_changes(res, BASE, ["flip", "pause", "fade"], window=3, horizons=[5, 10])
    assert before.empty
    assert an.no_change_sentence([5, 10]) == "No sign change and no ranking flip between months 5 and 10."
    assert an.horizon_changes(res, BASE, window=3, horizons=[20]).empty  # one horizon: nothing to compare


def test_the_rules_on_sequences_of_signs():
    """(+, 0, +) fades and comes back; (+, −, +) changes sign twice; (0, −) emerges."""
    def rows(values):
        g = pd.DataFrame({"horizon": [10, 20, 30][:len(values)], "diff": values,
                          "ci_low": [v - 0.5 if v else -1 for v in values],
                          "ci_high": [v + 0.5 if v else 1 for v in values]})
        g["verdict"] = [an.verdict(lo, hi) for lo, hi in zip(g["ci_low"], g["ci_high"], strict=True)]
        return [(r["kind"], r["from_month"], r["to_month"])
                for r in an._changes(g, "diff", "y", "difference", "p", "p", "q", 0, weaker=True)]

    assert rows([1, 0, 1]) == [("fades", 10, 20), ("emerges", 20, 30)]
    assert rows([1, -1, 1]) == [("sign change", 10, 20), ("sign change", 20, 30)]
    assert rows([0, -1]) == [("emerges", 10, 20)]
    assert rows([1, 0, -1]) == [("sign change", 10, 30)]
    assert rows([1, 1, 1]) == []


def test_rounding_of_identical_runs_is_not_a_sign_change():
    """Effects of ±1e-17 with intervals as narrow (identical runs summed in another order)."""
    g = pd.DataFrame({"horizon": [10, 20], "effect": [2e-17, -2e-17], "ci_low": [1e-17, -3e-17],
                      "ci_high": [3e-17, -1e-17], "verdict": ["higher", "lower"]})
    assert an._changes(g, "effect", "y", "effect", "a", "", "", 1, True, tol=0.0)[0]["kind"] == "sign change"
    assert an._changes(g, "effect", "y", "effect", "a", "", "", 1, True, tol=1e-9) == []


# --- the report -------------------------------------------------------------------
def test_the_report_names_the_sign_changes_and_flips_in_english_and_chinese(flip):
    report = build_report(flip, window=3)
    page = report.html.read_text(encoding="utf-8")
    assert "Results at several horizons" in page
    assert "month 15: months 13–15" in page
    for name in ("horizons_differences", "horizons_effects"):
        assert report.figures[name]["png"].stat().st_size > 1000
    diffs = report.tables["horizon_differences"]
    assert sorted(diffs["horizon"].unique()) == [5, 10, 15, 20]
    assert "Flip, main effect of a: positive at month 10 (+1" in page
    assert "Flip: a=1, b=0 is above a=0, b=1 at month 10" in page
    assert "Fade, main effect of b: positive at month 10 (+1" in page
    zh = build_report(flip, window=3, lang="zh").html.read_text(encoding="utf-8")
    assert "不同时间跨度的结果" in zh
    assert "a的主效应：第10月为正" in zh and "第15月却为负" in zh and "符号反转" in zh
    assert "第10月a=1, b=0高于a=0, b=1" in zh and "排序翻转" in zh


def test_the_section_needs_more_than_one_horizon(tmp_path):
    last = FLIP.replace("horizons = [20, 5, 15, 10]", 'record = "last"').replace("replicates = 4", "replicates = 2")
    out, _ = run_experiment_file(tmp_path, last, "last")
    assert an.available_horizons(an.load_results(out)) == [20]
    report = build_report(out)
    assert "Results at several horizons" not in report.html.read_text(encoding="utf-8")
    assert "horizon_changes" not in report.tables and "horizons_effects" not in report.figures


def test_the_section_on_a_small_sanshe_factorial_of_scenarios(tmp_path):
    corners = {"linkage_000": [0, 0], "linkage_100": [1, 0], "linkage_010": [0, 1], "linkage_110": [1, 1]}
    lines = "\n".join(f"{k} = {v}" for k, v in corners.items())
    out, _ = run_experiment_file(tmp_path, f"""
name = "linkage2"
design = "scenarios"
scenarios = {list(corners)}
replicates = 2
base_seed = 7
months = 6
scale = 0.005
horizons = [3, 6]
indicators = ["need_coverage", "satisfaction", "consultation_rate", "trust_committee", "committee_admin_share"]
[factorial]
factors = ["deburdening", "purchasing"]
[factorial.corners]
{lines}
""", "linkage2")
    report = build_report(out)
    page = report.html.read_text(encoding="utf-8")
    assert "Results at several horizons" in page and "Factorial main effects at each horizon" in page
    eff = report.tables["horizon_effects"]
    assert set(eff["horizon"]) == {3, 6} and {"deburdening", "purchasing"} <= set(eff["term"])
    # The last horizon is the report's own final window: the same numbers as its table of effects.
    at_end = eff[eff["horizon"] == 6].set_index(["term", "indicator"])["effect"]
    final = report.tables["effects"].set_index(["term", "indicator"])["effect"]
    pd.testing.assert_series_equal(at_end.sort_index(), final.sort_index())
    # Deburdening takes administration off the committees at once, at both horizons.
    admin = eff[(eff["term"] == "deburdening") & (eff["indicator"] == "committee_admin_share")]
    assert (admin["verdict"] == "lower").all()
    strong = report.tables["horizon_changes"]
    if strong[strong["kind"].isin(["sign change", "ranking flip"])].empty:
        assert "No sign change and no ranking flip between months 3 and 6." in page
    else:
        assert "The sign changes" in page or "The ranking flips" in page


def _write(folder, text):
    path = folder / "flip.toml"
    path.write_text(text)
    return path
