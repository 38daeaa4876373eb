"""The HTML report and its figures, built from tiny experiments."""

import html
import re
import shutil
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from conftest import run_experiment_file
from experiments import analysis as an
from experiments import figures as fg
from experiments import numbers as nb
from experiments.cli import main
from experiments.labels import text
from experiments.report import build_report, fmt_estimate
from experiments.spec import ExperimentError

TINY = """
name = "tiny"
description = "Deburdening side by side, a tiny check of the report."
description_zh = "减负对比：报告的小型检查。"
design = "scenarios"
scenarios = ["tasks_296", "tasks_72"]
replicates = 3
base_seed = 5
months = 6
scale = 0.01
"""

FACTORIAL_WITH_FAILURE = """
name = "analytic"
description = "The analytic model on a 2^2 factorial and one point that fails."
design = "grid"
model = "analytic_model:make"
replicates = 3
months = 2
[factors]
a = [0.0, 0.5, 1.0]
b = [0.0, 1.0]
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return run_experiment_file(tmp_path_factory.mktemp("tiny"), TINY, "tiny")[0]


@pytest.fixture(scope="module")
def report_en(tiny):
    return build_report(tiny)


def test_report_tables_hold_the_means_of_the_saved_runs(tiny, report_en):
    runs = pd.read_parquet(tiny / "runs.parquet")
    # 6 months: the final-year window is the whole run.
    per_run = runs.groupby(["point", "seed"])["need_coverage"].mean()
    summary = report_en.tables["summary"]
    row = summary[(summary["label"] == "tasks_72") & (summary["indicator"] == "need_coverage")].iloc[0]
    assert row["mean"] == pytest.approx(per_run.loc[1].mean())
    assert row["n"] == 3
    page = report_en.html.read_text(encoding="utf-8")
    cell = fmt_estimate(row["mean"], row["ci_low"], row["ci_high"], "need_coverage")
    assert cell in page


def test_report_differences_are_paired_by_seed_against_the_first_scenario(tiny, report_en):
    runs = pd.read_parquet(tiny / "runs.parquet")
    per_run = runs.groupby(["point", "seed"])["committee_admin_share"].mean()
    expected = (per_run.loc[1] - per_run.loc[0]).mean()
    diffs = report_en.tables["differences"]
    row = diffs[diffs["indicator"] == "committee_admin_share"].iloc[0]
    assert row["diff"] == pytest.approx(expected)
    assert row["verdict"] == "lower"  # 72 items instead of 296: far less administration, in every seed
    page = report_en.html.read_text(encoding="utf-8")
    assert "baseline = tasks_296" in page


def test_report_says_what_differs_between_the_scenarios(report_en):
    table = report_en.tables["scenarios"]
    rows = table.set_index(table.columns[0])
    assert rows.loc["admin.committee_tasks (items)", "tasks_296"] == "296"
    assert rows.loc["admin.committee_tasks (items)", "tasks_72"] == "72"
    assert not any(i.startswith("purchase.budget_yuan") for i in rows.index)  # the same in both


def test_report_is_one_self_contained_file_with_every_figure(tiny, report_en):
    page = report_en.html.read_text(encoding="utf-8")
    assert "<img" in page and 'src="http' not in page and "<link" not in page  # nothing fetched
    assert page.count("data:image/png;base64,") == len(report_en.figures)
    for name in ("bars_need_coverage", "time_need_coverage", "forest", "map_need_coverage_0"):
        for ext in ("png", "svg"):
            path = report_en.figures[name][ext]
            assert path.is_file() and path.stat().st_size > 1000, (name, ext)
    for heading in ("The question", "Scenarios and what differs", "Differences against the baseline",
                    "Inequality between communities", "Failed runs", "Provenance"):
        assert heading in page
    assert "Deburdening side by side" in page
    assert "No run failed." in page


def test_inequality_in_the_report_comes_from_the_community_panel(tiny, report_en):
    comm = pd.read_parquet(tiny / "communities.parquet")
    assert comm["community"].nunique() == 77 and comm["month"].max() == 6
    ineq = report_en.tables["inequality"]
    row = ineq[(ineq["label"] == "tasks_296") & (ineq["indicator"] == "satisfaction")
               & (ineq["measure"] == "gini")].iloc[0]
    ginis = [an.gini(g.groupby("community")["satisfaction"].mean().to_numpy())
             for _, g in comm[comm["point"] == 0].groupby("seed")]
    assert row["mean"] == pytest.approx(np.mean(ginis))


@pytest.fixture(scope="module")
def report_zh(tiny):
    with warnings.catch_warnings():
        # matplotlib warns "Glyph ... missing from font(s)" when a character cannot be drawn.
        warnings.filterwarnings("error", message=".*missing from font.*")
        return build_report(tiny, lang="zh")


def test_maps_share_one_colour_scale_and_inequality_is_explained_and_drawn(tiny, report_en):
    res = an.load_results(tiny)
    comm = an.community_means(res, 12)
    values = comm.groupby(["point", "community"])["need_coverage"].mean()  # both maps: the baseline and the other
    page = report_en.html.read_text(encoding="utf-8")
    assert text("maps_shared", "en", low=nb.value(values.min(), "need_coverage"),
                high=nb.value(values.max(), "need_coverage")) in page
    assert html.escape(text("gini_theil", "en")) in page and "inequality" in report_en.figures
    assert {"map_need_coverage_0", "map_need_coverage_1"} <= set(report_en.figures)


def test_chinese_report_has_chinese_headings_and_figures_render_the_glyphs(report_zh):
    report = report_zh
    page = report.html.read_text(encoding="utf-8")
    assert report.html.name == "report_zh.html" and 'lang="zh-CN"' in page
    for heading in ("研究问题", "情景及其差异", "与基准情景的配对差异", "社区间不平等", "来源与可复现信息"):
        assert heading in page
    assert "减负对比" in page  # the experiment's Chinese description
    assert report.figures["forest"]["png"].parent.name == "figures_zh"
    # The page carries its own CJK font, cut down to its characters, so it renders without Chinese fonts.
    import base64
    import io

    from fontTools.ttLib import TTFont
    data = re.search(r"data:font/otf;base64,([A-Za-z0-9+/=]+)", page).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(data)))
    cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "研究问题情景社区不平等减负对比")
    assert len(data) < 1_000_000


def test_a_figure_saved_twice_gives_the_same_svg_bytes(tmp_path):
    """SVG ids come from a fixed salt and the file carries no date: same figure, same file."""
    from matplotlib.figure import Figure

    files = []
    for i in range(2):
        fig = Figure()
        fig.subplots().plot([0, 1, 2], [2, 0, 1])
        files.append(fg.save(fig, tmp_path / str(i), "f")["svg"].read_bytes())
    assert files[0] == files[1]


def test_cjk_font_is_shipped_and_registered():
    assert fg.cjk_font_file().is_file()
    fg.use_language("zh")
    from matplotlib import font_manager
    found = font_manager.findfont(font_manager.FontProperties(family=fg.CJK_FONT), fallback_to_default=False)
    assert found.endswith("NotoSansCJKsc-Regular.otf")
    fg.use_language("en")


def test_factorial_grid_heatmap_and_failed_runs_in_the_report(tmp_path):
    out, result = run_experiment_file(tmp_path, FACTORIAL_WITH_FAILURE, "analytic")
    assert len(result.failed) == 2 * 3  # the two points with a = 0.5, 3 replicates each
    report = build_report(out, discover=["y>=4"])
    page = report.html.read_text(encoding="utf-8")
    assert report.figures["heatmap_y"]["png"].is_file()
    assert report.tables["failures"].shape[0] == 6 and "a = 0.5 is the injected failure" in page
    boxes = report.tables["discover:y >= 4"]
    assert not boxes.empty and (boxes["density"] > 0.5).all()


def test_linkage_factorial_states_whether_the_whole_beats_the_parts(tmp_path):
    corners = {f"linkage_{a}{b}{c}": [a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)}
    lines = "\n".join(f"{k} = {v}" for k, v in corners.items())
    out, _ = run_experiment_file(tmp_path, f"""
name = "linkage"
design = "scenarios"
scenarios = {list(corners)}
replicates = 2
months = 4
scale = 0.005
[factorial]
factors = ["deburdening", "purchasing", "posts"]
[factorial.corners]
{lines}
""", "linkage")
    report = build_report(out)
    assert report.tables["effects"]["term"].nunique() == 7
    syn = report.tables["synergy"].set_index("indicator")
    # The whole and the parts from the runs themselves: per seed, corner 111 less corner 000,
    # and the sum of each single lever's corner less corner 000 (points follow the file's order).
    runs = pd.read_parquet(out / "runs.parquet")
    point = {name: i for i, name in enumerate(corners)}
    for ind in ("need_coverage", "consultation_rate", "trust_committee"):
        per_run = runs.groupby(["point", "seed"])[ind].mean()
        none = per_run.loc[point["linkage_000"]]
        whole = (per_run.loc[point["linkage_111"]] - none).mean()
        parts = sum((per_run.loc[point[k]] - none).mean() for k in ("linkage_100", "linkage_010", "linkage_001"))
        assert syn.loc[ind, "whole"] == pytest.approx(whole)
        assert syn.loc[ind, "parts"] == pytest.approx(parts)
        lo, hi = syn.loc[ind, "ci_low"], syn.loc[ind, "ci_high"]
        word = ("more than the sum of its parts" if lo > 0 else "less than the sum of its parts" if hi < 0
                else "the sum of its parts, within noise")
        assert syn.loc[ind, "verdict"] == word
    page = report.html.read_text(encoding="utf-8")
    # In the detail, one sentence per indicator (the summary repeats those outside noise).
    assert page.count("The whole minus the sum of its parts is") >= 3
    assert report.tables["differences"]["label"].iloc[0] != "linkage_000"  # the baseline is not compared to itself


def test_report_command_prints_where_the_report_is(tiny, capsys):
    assert main(["experiment", "report", str(tiny), "--baseline", "tasks_72"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"report: .*report\.html", out)


@pytest.mark.parametrize("argv, message", [
    (["--baseline", "nope"], "--baseline: found 'nope', allowed: tasks_296, tasks_72"),
    (["--discover", "coverage big"], "--discover: found 'coverage big'"),
    (["--window", "0"], "--window: found 0"),
    (["--discover", "need_coverage>=0.5"], "is not a sweep over factors"),
    (["--lang", "fr"], "sanshe experiment report: argument --lang: invalid choice: 'fr'"),
])
def test_report_mistakes_are_one_line_and_exit_2(tiny, capsys, argv, message):
    assert main(["experiment", "report", str(tiny), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_report_of_a_missing_directory_is_one_line(tmp_path, capsys):
    assert main(["experiment", "report", str(tmp_path / "nothing")]) == 2
    assert "no such results directory" in capsys.readouterr().err
    with pytest.raises(ExperimentError):
        build_report(tmp_path / "nothing")


def test_sobol_and_morris_reports_show_indices_with_intervals(tmp_path):
    for design, samples in (("sobol", 16), ("morris", 6)):
        out, _ = run_experiment_file(tmp_path, f"""
name = "{design}"
design = "{design}"
model = "analytic_model:make"
samples = {samples}
months = 1
record = "last"
[factors]
x1 = {{ low = 0.0, high = 1.0 }}
x2 = {{ low = 0.0, high = 1.0 }}
""", design)
        report = build_report(out)
        page = report.html.read_text(encoding="utf-8")
        assert f"Sensitivity indices ({design.capitalize()}, SALib)" in page
        table = report.tables[f"{design}_z"].set_index("factor")
        assert set(table.index) == {"x1", "x2"}
        first = "S1" if design == "sobol" else "mu_star"
        assert table.loc["x1", first] > table.loc["x2", first] > 0  # z = 4 x1 + 2 x2
        assert report.figures[f"{design}_z"]["svg"].is_file()
        flat = report.tables[f"{design}_y"]  # y does not vary over this design
        assert (flat[first] == 0).all() and flat["note"].str.contains("does not vary").all()


def test_report_survives_a_factorial_corner_whose_runs_all_failed(tmp_path):
    out, _ = run_experiment_file(tmp_path, """
name = "broken"
design = "factorial"
model = "analytic_model:make"
replicates = 2
months = 1
[factors]
a = { low = 0.5, high = 1.0 }
b = { low = 0.0, high = 1.0 }
""", "broken")  # a = 0.5 fails
    report = build_report(out)
    page = report.html.read_text(encoding="utf-8")
    assert "No finished run of a=0.5, b=0, a=0.5, b=1" in page
    assert (report.tables["effects"]["verdict"] == "no data").all()
    assert report.tables["failures"].shape[0] == 4


def test_report_of_one_scenario_has_no_differences_section(tmp_path):
    one = (TINY.replace('scenarios = ["tasks_296", "tasks_72"]', 'scenarios = ["tasks_72"]')
           .replace("replicates = 3", "replicates = 2").replace("months = 6", "months = 2"))
    out, _ = run_experiment_file(tmp_path, one, "one")
    report = build_report(out)
    assert "differences" not in report.tables
    assert "Differences against the baseline" not in report.html.read_text(encoding="utf-8")


def test_a_rerun_without_a_community_panel_leaves_no_stale_panel(tiny, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(tiny, out)
    run_experiment_file(tmp_path, TINY + 'communities = "none"\n', "nopanel", out=out)
    assert not (out / "communities.parquet").exists()
    report = build_report(out)
    assert "inequality" not in report.tables


# --- the page: Chinese throughout, fits 1280 px, prints on A4 (issue 15) ------------------------
LATIN_ALLOWED = {"PNG", "SVG", "UTC", "Python", "H", "T", "ln", "p", "t", "spec", "Sobol", "SALib", "Morris", "HHI"}
"""Latin-script words a Chinese report may show besides identifiers: file formats, the time zone, symbols of
formulas (the horizon H, Theil's T, ln, p of a t-test) and the names of methods and of the spec."""


class _VisibleText(HTMLParser):
    """The text a reader sees: no style, script or the spec's raw text (a code block)."""

    def __init__(self):
        super().__init__()
        self.hidden, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("style", "script", "pre")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("style", "script", "pre")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def latin_words(page: str, identifiers: set[str]) -> set[str]:
    """Latin-script words of the visible text that are neither identifiers nor allowed.

    An identifier is a code name: a word with "_", ".", "=", ":" or a digit (a parameter path, an indicator, a
    file, a design point), or one of ``identifiers`` (scenarios, packages, the host, paths).
    """
    parser = _VisibleText()
    parser.feed(page)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.=:\-]*", " ".join(parser.parts)))
    return {w for w in words if not re.search(r"[_.=:0-9]", w)} - identifiers - LATIN_ALLOWED


def test_every_visible_word_of_the_chinese_report_is_chinese_or_a_code_name(tiny, report_zh):
    res = an.load_results(tiny)
    m = res.manifest
    identifiers = {*res.labels.values(), *m.get("packages", {}), *re.split(r"[/.\-]", str(m.get("host", ""))),
                   *tiny.parts, *report_zh.figures}
    page = report_zh.html.read_text(encoding="utf-8")
    assert latin_words(page, identifiers) == set()
    for english in ("true", "false", " pp", "PNG and SVG in", "experiment file", "— Report"):
        assert english not in page


def test_latin_words_finds_english_left_in_a_page():
    page = "<p>需求覆盖率 12.6 pp [1, 2]，见 figures_zh/ 与 tasks_72；within noise</p><pre>raw toml</pre>"
    assert latin_words(page, set()) == {"pp", "within", "noise"}
