"""The report's summary (the answer and the caveats) and its number style (issue 15).

The summary is checked against the analysis on experiments whose effects are
known (the analytic model's 2^3 factorial), the number style against the
rendered pages of a tiny run of the district with two replicates, and the
formatting layer against any float (Hypothesis).
"""

import math
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run_experiment_file
from experiments import analysis as an
from experiments import numbers as nb
from experiments import summary as sm
from experiments.labels import text
from experiments.report import build_report

FACTORIAL = """
name = "analytic"
description = "The analytic model on a 2^3 factorial: which factor matters, and do they add up?"
design = "factorial"
model = "analytic_model:make"
replicates = 4
months = 3
[factors]
a = { low = 0.0, high = 1.0 }
b = { low = 0.0, high = 1.0 }
c = { low = 0.0, high = 1.0 }
"""

TWO_REPLICATES = """
name = "two"
description = "Before the reform against the reformed district without purchasing, two replicates."
description_zh = "改革前与不购买服务的改革后辖区对比，两次重复。"
design = "scenarios"
scenarios = ["pre_reform", "purchase_0m"]
replicates = 2
base_seed = 11
months = 4
scale = 0.005
"""


@pytest.fixture(scope="module")
def factorial(tmp_path_factory):
    out, _ = run_experiment_file(tmp_path_factory.mktemp("factorial"), FACTORIAL, "analytic")
    return out


@pytest.fixture(scope="module")
def factorial_reports(factorial):
    return {lang: build_report(factorial, lang=lang) for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    out, _ = run_experiment_file(tmp_path_factory.mktemp("two"), TWO_REPLICATES, "two")
    return out


@pytest.fixture(scope="module")
def two_reports(two):
    return {lang: build_report(two, lang=lang) for lang in ("en", "zh")}


def _sentence(sentences, start):
    found = [s for s in sentences if s.startswith(start)]
    assert len(found) == 1, (start, sentences)
    return found[0]


# --- the summary says what the analysis computes ---------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_names_the_largest_effects_with_the_analysis_intervals(factorial, factorial_reports, lang):
    """The model's y = 1 + 2a + 3b + 1.5ab + noise: main effects b 3.75 and a 2.75 first; c is 0."""
    res = an.load_results(factorial)
    eff = an.factorial_effects(res, ["y"]).set_index("term")
    assert eff.loc["b", "ci_low"] < 3.75 < eff.loc["b", "ci_high"]
    assert eff.loc["a", "ci_low"] < 2.75 < eff.loc["a", "ci_high"]
    est = {t: nb.estimate(eff.loc[t, "effect"], eff.loc[t, "ci_low"], eff.loc[t, "ci_high"], "y", diff=True)
           for t in "abc"}
    prefix = text("sum_effects", lang, indicator="y", items="|").split("|")[0]
    sentence = _sentence(factorial_reports[lang].summary.answer, prefix)
    sep = "；" if lang == "zh" else "; "
    assert f"b {est['b']}{sep}a {est['a']}" in sentence  # the largest first, with the analysis's interval
    assert eff.loc["c", "verdict"] == "within noise"
    noise = text("sum_within_noise", lang, items=f"c {est['c']}")
    assert sentence.endswith(noise)
    assert sentence in factorial_reports[lang].html.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_says_whether_the_whole_beats_the_sum_of_its_parts_as_the_analysis_does(
        factorial, factorial_reports, lang):
    """The synergy of y is 1.5 by construction; z is 0 everywhere, so its whole is exactly its parts."""
    res = an.load_results(factorial)
    syn = an.synergy(res, ["y", "z"]).set_index("indicator")
    assert syn.loc["y", "ci_low"] < 1.5 < syn.loc["y", "ci_high"]
    answer = factorial_reports[lang].summary.answer
    y = syn.loc["y"]
    shown = nb.estimate(y["synergy"], y["ci_low"], y["ci_high"], "y", diff=True)
    sentence = next(s for s in answer if s.startswith("y") and shown in s)
    assert text("sum_raise", lang, size=nb.magnitude(y["whole"], "y", (y["ci_high"] - y["ci_low"]) / 2)) in sentence
    assert y["verdict"] == "more than the sum of its parts"
    assert sentence.endswith(text("sum_syn_neutral", lang))  # y has no better direction: no judgement
    z = syn.loc["z"]
    assert z["synergy"] == 0 and z["verdict"] == "the sum of its parts, within noise"
    noise = text("sum_synergy_noise", lang, levers="a、b、c" if lang == "zh" else "a, b, c", items="|")
    assert any(s.startswith(noise.split("|")[0].capitalize() if lang == "en" else noise.split("|")[0])
               and "z 0 [0, 0]" in s for s in answer)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_counts_what_is_within_noise_and_what_is_exactly_zero(factorial, factorial_reports, lang):
    eff = factorial_reports[lang].tables["effects"]
    defined = eff[eff["verdict"] != "no data"]
    expected = text("sum_noise_count_same", lang, n=len(defined),
                    noise=int((defined["verdict"] == "within noise").sum()),
                    same=int((defined["verdict"] == "no difference").sum()))
    assert expected in factorial_reports[lang].summary.answer
    # z = 0 at every corner: every effect on it is no difference at all, both sides zero.
    z = eff[eff["indicator"] == "z"]
    assert (z["verdict"] == "no difference").all() and z["both_zero"].all()


def test_lower_is_better_whole_against_parts_cannot_be_misread():
    """The whole (−25.1 pp) above the parts (−27.4 pp) of committee_admin_share reads as doing worse.

    Lower is better, so the levers together do worse than added up, and the sentence says it in those words.
    """
    row = pd.DataFrame([{"indicator": "committee_admin_share", "n": 3, "whole": -0.251, "parts": -0.274,
                         "synergy": 0.023, "ci_low": 0.010, "ci_high": 0.036, "p_value": 0.01,
                         "verdict": "less than the sum of its parts", "better": -1}]).iloc[0]
    en = sm.synergy_sentence(row, ["deburdening", "purchasing", "posts"], "en")
    assert en == ("Committee time on administration (lower is better): deburdening, purchasing, posts together "
                  "lower it by 25.1 pp; each alone, added up, would lower it by 27.4 pp. The whole minus the sum "
                  "of its parts is +2.3 pp [1.0, 3.6]: together they do worse than the sum of their parts (less "
                  "than the sum of its parts).")
    zh = sm.synergy_sentence(row, ["减负", "购买服务", "社工岗位"], "zh")
    assert zh.startswith("居委会行政事务时间占比（越低越好）：减负、购买服务、社工岗位同时实施使其降低25.1个百分点；")
    assert "差于各单项之和" in zh


def test_summary_caveats_say_the_baseline_and_that_another_model_starts_its_own_way(factorial_reports):
    caveats = factorial_reports["en"].summary.caveats
    assert caveats[0] == text("sum_start_other_model", "en", model="analytic_model:make")
    assert caveats[-1] == text("sum_baseline_lowest", "en", label="a=0, b=0, c=0",
                                         design=text("design_factorial", "en"))
    zh = factorial_reports["zh"].summary.caveats
    assert zh[-1] == text("sum_baseline_lowest", "zh", label="a=0, b=0, c=0",
                                    design=text("design_factorial", "zh"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_of_the_district_states_its_start_calibration_and_baseline(two, two_reports, lang):
    res = an.load_results(two)
    caveats = two_reports[lang].summary.caveats
    # The run files are cold copies (no spin-up): the caveat says so instead of claiming a steady state.
    assert caveats[0] == text("sum_start_cold", lang, first=1, last=4)
    assert text("sum_cal_before", lang) in caveats[2]
    assert caveats[3].startswith(text("sum_baseline", lang, baseline="pre_reform", description=""))
    # The answer names the differences against the baseline the analysis computed.
    diffs = an.paired_differences(res, "pre_reform", ["need_coverage"])
    r = diffs.iloc[0]
    shown = nb.estimate(r["diff"], r["ci_low"], r["ci_high"], "need_coverage", diff=True, lang=lang)
    assert any(shown in s for s in two_reports[lang].summary.answer)


def test_trend_caveat_compares_the_change_over_the_last_year_with_the_interval(two):
    res = an.load_results(two)
    trend = an.end_trend(res, ["need_coverage"])
    runs = res.runs[res.runs["point"] == 0]
    slopes = [12 * np.polyfit(g["month"], g["need_coverage"], 1)[0] for _, g in runs.groupby("run_id")]
    row = trend[trend["point"] == 0].iloc[0]
    assert row["change"] == pytest.approx(np.mean(slopes))
    assert (row["first_month"], row["last_month"]) == (1, 4)


# --- one number style in the rendered pages ---------------------------------------------
def _visible(page: str) -> str:
    page = re.sub(r"<style>.*?</style>|data:[^\"')]+", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


NEGATIVE_ZERO = re.compile(r"(?<![\w.])[-−]0(?:\.0*)?(?![\d.])")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_negative_zero_anywhere_in_a_rendered_report(two_reports, factorial_reports, lang):
    for report in (two_reports[lang], factorial_reports[lang]):
        visible = _visible(report.html.read_text(encoding="utf-8"))
        assert not NEGATIVE_ZERO.search(visible), NEGATIVE_ZERO.search(visible).group(0)
        assert "e-0" not in visible and "nan" not in visible.lower().split()


def test_no_interval_of_a_bounded_indicator_leaves_its_range_with_two_replicates(two, two_reports):
    res = an.load_results(two)
    bounded = [i for i in res.indicators if nb.bounds(i) == (0.0, 1.0)]
    assert {"need_coverage", "consultation_rate", "satisfaction"} <= set(bounded)
    summary = an.summarise(res, bounded)
    assert summary["n"].isin([0, 2]).all() and (summary["n"] == 2).sum() > 10  # 0: undefined without purchasing
    ok = summary.dropna(subset=["ci_low"])
    assert len(ok) > 10 and (ok["ci_low"] >= 0).all() and (ok["ci_high"] <= 1).all()
    assert ((ok["ci_low"] <= ok["mean"]) & (ok["mean"] <= ok["ci_high"])).all()
    for ind in ("need_coverage", "consultation_rate"):
        band = an.over_time(res, ind).dropna(subset=["ci_low"])
        assert (band["ci_low"] >= 0).all() and (band["ci_high"] <= 1).all()
    diffs = an.paired_differences(res, "pre_reform", bounded).dropna(subset=["ci_low"])
    assert (diffs["ci_low"] >= -1).all() and (diffs["ci_high"] <= 1).all()
    ineq = two_reports["en"].tables["inequality"].dropna(subset=["ci_low"])
    assert (ineq["ci_low"] >= 0).all()
    assert (ineq.loc[ineq["measure"] == "gini", "ci_high"] <= 1).all()
    # Counts are never below zero either (their intervals on the log scale).
    counts = [i for i in res.indicators if nb.is_count(i)]
    assert {"org_count", "contract_holders"} <= set(counts)
    ok = an.summarise(res, counts).dropna(subset=["ci_low"])
    assert len(ok) > 5 and (ok["ci_low"] >= 0).all() and (ok["ci_low"] <= ok["mean"]).all()
    # And as the page shows them: no share below 0% or above 100%.
    for cell in two_reports["en"].tables["summary"].itertuples():
        if nb.is_percent(cell.indicator) and np.isfinite(cell.ci_low):
            lo, hi = re.findall(r"-?[\d.]+", nb.interval(cell.ci_low, cell.ci_high, cell.indicator))
            assert 0 <= float(lo) <= float(hi) <= 100


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_zero_against_zero_reads_as_no_difference(two, two_reports, lang):
    """Neither pre_reform nor purchase_0m buys services: spending is exactly 0 in both, in every seed."""
    diffs = two_reports[lang].tables["differences"].set_index("indicator")
    row = diffs.loc["purchase_spent_yuan_year"]
    assert row["verdict"] == "no difference" and row["both_zero"] and row["diff"] == 0
    page = two_reports[lang].html.read_text(encoding="utf-8")
    assert text("no difference (both zero)", lang) in page
    noise_cells = re.findall(r"<td>[^<]*\((?:within noise|在噪声范围内)\)</td>", page)
    assert not any(cell.startswith("<td>0 ") or "+0 [0, 0]" in cell for cell in noise_cells)


def test_bounded_interval_is_the_t_interval_when_narrow_and_stays_inside_when_wide():
    lo, hi = an.bounded_interval(0.5, 0.001)
    assert lo == pytest.approx(0.499, abs=1e-6) and hi == pytest.approx(0.501, abs=1e-6)
    lo, hi = an.bounded_interval(0.151, 0.337)  # "15.1% [-18.7, 48.8]" with a t-interval
    assert 0 < lo < 0.151 < hi < 1


@settings(max_examples=300, deadline=None)
@given(mean=st.floats(0, 1), half=st.floats(0, 1e6))
def test_bounded_interval_never_leaves_zero_one_and_holds_the_mean(mean, half):
    lo, hi = an.bounded_interval(mean, half)
    assert 0 <= lo <= mean <= hi <= 1


# --- the formatting layer's input contract ----------------------------------------------
INDICATORS = st.sampled_from(["need_coverage", "org_count", "satisfaction", "purchase_spent_yuan",
                              "unmet_wait_months", "not_an_indicator", ""])
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [-0.0, 0.0, 5e-324, -5e-324, 1e-300, -1e-9, 1e300, -1.7976931348623157e308, 0.0005, -0.00049, 0.5, -0.5])
NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?(?:e[+-]\d+)?")


def _numbers(s: str) -> list[str]:
    return NUMBER.findall(s)


def _check_shape(s: str, longest: int = 60) -> None:
    assert isinstance(s, str) and s
    assert "nan" not in s.lower() and "inf" not in s.lower()
    for token in _numbers(s):
        if token.startswith("-"):
            assert float(token.replace(",", "")) != 0, s  # never "-0", "-0.0"
    assert len(s) < longest


@settings(max_examples=500, deadline=None)
@given(v=ANY_FLOAT, ind=INDICATORS, diff=st.booleans(), half=st.none() | ANY_FLOAT)
def test_value_of_any_float_is_a_short_string_without_negative_zero(v, ind, diff, half):
    s = nb.value(v, ind, diff, half)
    _check_shape(s)
    if not math.isfinite(v):
        assert s == nb.DASH
        return
    factor = 100 if nb.is_percent(ind) else 1
    (token,) = _numbers(s)
    shown, exact = Decimal(token.replace(",", "")), factor * Decimal(v)  # exact: no overflow near 1e308
    decimals = len(token.split(".")[1].split("e")[0]) if "." in token else 0
    if "e" in token:  # scientific: three significant figures
        assert abs(shown - exact) <= Decimal("0.01") * abs(exact)
    else:
        assert abs(shown - exact) <= Decimal(0.5) * Decimal(10) ** -decimals * Decimal(1 + 1e-9)
    if diff and shown > 0:
        assert token.startswith("+")


@settings(max_examples=500, deadline=None)
@given(a=ANY_FLOAT, b=ANY_FLOAT, v=ANY_FLOAT, ind=INDICATORS, diff=st.booleans())
def test_interval_and_estimate_of_any_floats_keep_order_and_one_precision(a, b, v, ind, diff):
    lo, hi = min(a, b), max(a, b)
    iv = nb.interval(lo, hi, ind)
    est = nb.estimate(v, lo, hi, ind, diff)
    _check_shape(est, 120)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        assert iv == ""
        return
    _check_shape(iv)
    ends = _numbers(iv)
    assert len(ends) == 2
    x, y = (float(e.replace(",", "")) for e in ends)
    assert x <= y
    if math.isfinite(v):
        tokens = _numbers(est)
        assert len(tokens) == 3
        places = {len(t.split(".")[1]) if "." in t and "e" not in t else 0 for t in tokens}
        if not any("e" in t for t in tokens):
            assert len(places) == 1, est  # the value and its interval with the same decimals


@settings(max_examples=300, deadline=None)
@given(p=ANY_FLOAT)
def test_p_values_read_as_less_than_a_thousandth_or_two_figures(p):
    s = nb.p_value(p)
    _check_shape(s)
    if not math.isfinite(p) or p < 0:
        assert s == nb.DASH
    elif p < 0.001:
        assert s == "< 0.001"
    else:
        assert float(s) == pytest.approx(min(p, 1.0), rel=0.06)
        assert "e" not in s


@settings(max_examples=300, deadline=None)
@given(v=ANY_FLOAT)
def test_counts_are_integers_and_numbers_never_negative_zero(v):
    c = nb.count(v)
    _check_shape(c)
    if math.isfinite(v) and abs(v) < nb.HUGE:
        assert "." not in c
    _check_shape(nb.number(v))
    _check_shape(nb.percent(v) if math.isfinite(v) and abs(v) < 1e12 else nb.DASH)


def test_the_number_style_by_example():
    assert nb.estimate(0.62238, 0.6197, 0.6251, "need_coverage") == "62.24% [61.97, 62.51]"
    assert nb.estimate(0.151, 0.0, 0.488, "need_coverage") == "15% [0, 49]"
    assert nb.estimate(-0.0004, -0.0123, 0.0118, "need_coverage", diff=True) == "0.0 pp [-1.2, 1.2]"
    assert nb.value(-0.0, "satisfaction", diff=True) == "0"
    assert nb.estimate(904.4, 869.0, 939.0, "org_count") == "904 [869, 939]"
    assert nb.value(520.0, "org_count") == "520"
    assert nb.value(29_876_543.2, "purchase_spent_yuan") == "29,876,543"
    assert nb.p_value(1.11e-06) == "< 0.001" and nb.p_value(0.0342) == "0.034" and nb.p_value(1.0) == "1"
    assert nb.value(float("nan"), "need_coverage") == "–"
    # A spread of 1e-9 yuan is the rounding of sums, not a measurement: no six decimals for it.
    assert nb.estimate(2.5e6, 2.5e6 - 1e-9, 2.5e6 + 1e-9, "purchase_spent_yuan") == "2,500,000 [2,500,000, 2,500,000]"


def test_sanshe_run_prints_counts_as_integers(tmp_path, capsys):
    from sanshe.cli import main

    path = tmp_path / "cold.toml"
    path.write_text('name = "cold"\n[params.start]\nspinup_years = 0\n')
    assert main(["run", str(path), "--months", "2", "--scale", "0.005", "--out", str(tmp_path / "o")]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    for name in ("org_count", "org_staff", "room_posts_filled", "certified_workers"):
        cells = lines[name].split()[-3:]
        assert all(re.fullmatch(r"[\d,]+", c) for c in cells), lines[name]
    assert re.fullmatch(r"0\.\d{3}", lines["need_coverage"].split()[-1])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_start_caveat_places_the_latest_dated_change_against_the_outcome_window(two, lang):
    res = an.load_results(two)
    res.manifest["runs"][0]["changes"] = [[2, "admin.committee_tasks", 72]]
    before = sm._start_caveat(res, lang, window=2)  # outcomes: months 3-4
    assert before.endswith(text("sum_latest_change", lang, month=2, gap=1))
    inside = sm._start_caveat(res, lang, window=4)  # outcomes: months 1-4
    assert inside.endswith(text("sum_latest_change_inside", lang, month=2, first=1, last=4))


def test_an_exactly_zero_synergy_at_a_horizon_is_no_difference_not_noise(factorial_reports):
    """The indicator z is 0 everywhere: at every horizon its whole is exactly the sum of its parts."""
    rep = factorial_reports["en"]
    hsyn = rep.tables["horizon_synergy"]
    z = hsyn[hsyn["indicator"] == "z"]
    assert len(z) >= 2 and (z["synergy"] == 0).all() and (z["ci_low"] == 0).all() and (z["ci_high"] == 0).all()
    page = rep.html.read_text(encoding="utf-8")
    assert not re.search(r"<td>[+]?0 \[0, 0\] \(within noise\)</td>", page)
    assert f"<td>{text('no difference (identical)', 'en')}</td>" in page


def test_a_factorial_at_two_levels_without_spending_has_no_dose_response(factorial_reports):
    """Two levels say no more than the factorial effect, unless they change what coverage costs."""
    for rep in factorial_reports.values():
        assert not [name for name in rep.tables if name.startswith(("dose:", "cost:"))]
        assert not [name for name in rep.figures if name.startswith("dose_")]


def test_the_interval_of_a_count_from_two_replicates_stays_above_zero():
    """Contract holders 5 and 67: mean 36, t-interval 36 ± 12.71 × 43.8 / √2 = [-358, 430].

    On the log scale: 36 × e^(±394/36).
    """
    mean, low, high = an.t_interval(np.array([5.0, 67.0]), bounds=nb.bounds("contract_holders"))
    assert mean == 36.0 and 0 < low < mean < high
    assert low == pytest.approx(36 * np.exp(-394.0 / 36), rel=0.01)
