"""One self-contained HTML report per experiment (figures embedded).

``sanshe experiment report DIR [--baseline NAME] [--lang en|zh]`` calls
:func:`build_report`: the question (the experiment's description), a
summary generated from the results (the answer in plain sentences, then
the caveats: :mod:`experiments.summary`), the design, the scenarios and what differs between them, outcomes with 95%
intervals, paired differences against the baseline, factorial effects and
the synergy question, the same at several horizons with the sign changes
and ranking flips between them, sensitivity indices, scenario discovery, inequality
between communities with the district map, failed runs, and the
provenance (the manifest). Every number is formatted by
:mod:`experiments.numbers`. Figures are also written as PNG and SVG to
``DIR/figures`` (``DIR/figures_zh`` for Chinese).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from experiments import analysis as an
from experiments import figures as fg
from experiments import numbers as nb
from experiments import summary as sm
from experiments.labels import axis_label, indicator_name, parameter_label, parameter_unit, text
from experiments.spec import ExperimentError
from sanshe.output import folder_problem

HEADLINE = ("need_coverage", "coverage_vulnerable", "satisfaction", "trust_committee", "trust_government",
            "consultation_rate", "volunteer_rate", "committee_admin_share", "org_count", "certified_share",
            "contract_top10_share", "purchase_spent_yuan_year", "cost_per_need_met_yuan")
"""Indicators the report tabulates by default, when the experiment recorded them (spending per year, which
reads against the yearly budget; per month where the runs predate it)."""

SYNERGY = ("need_coverage", "coverage_vulnerable", "consultation_rate", "volunteer_rate", "trust_committee")
"""Coverage, participation and trust: the synergy question is asked of these."""

INEQUALITY_DRAWN = ("need_coverage", "satisfaction", "consultation_rate")
"""Indicators whose inequality between communities the report draws."""

COST_INDICATORS = ("purchase_spent_yuan_year", "cost_per_need_met_yuan")
"""What the purchase costs: tabulated beside the drawn indicators in the dose-response views."""

FIGURE_INDICATORS = ("need_coverage", "consultation_rate", "trust_committee", "committee_admin_share")

MAX_COLUMNS = 7
"""Value columns a table shows side by side; a wider one is split, so it fits 1280 px and an A4 page."""

MAX_LISTED = 60
"""Sentences listed per kind of change between horizons; a large grid can flip thousands of pairs."""


@dataclass
class Report:
    """What :func:`build_report` wrote and the tables it holds (for tests and notebooks)."""

    html: Path
    figures: dict[str, dict[str, Path]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: sm.Summary | None = None
    """The summary's sentences (the answer and the caveats) as the page shows them."""


def build_report(path: str | Path, baseline: str | None = None, lang: str = "en", window: int = 12,
                 discover: list[str] | tuple[str, ...] = (), out: str | Path | None = None) -> Report:
    """Analyse the experiment saved in ``path`` and write its HTML report.

    Args:
        path: the experiment's output directory.
        baseline: the scenario (or point number) differences are taken
            against; default the first scenario of a scenario design, the
            all-low corner of a factorial, none for other sweeps.
        lang: "en" or "zh".
        window: outcomes are means over each run's last ``window`` months.
        discover: conditions such as ``"need_coverage>=0.6"`` for scenario discovery.
        out: the HTML file (default ``DIR/report.html`` or ``DIR/report_zh.html``).
    """
    if lang not in ("en", "zh"):
        raise ExperimentError(f"--lang: found {lang!r}, allowed: en, zh")
    if window < 1:
        raise ExperimentError(f"--window: found {window}, allowed: an integer >= 1")
    conditions = [an.Condition.parse(c) for c in discover]
    if out is not None:  # a mistyped --out costs nothing: checked before the results are read
        _check_html_target(Path(out), "--out: ")
    res = an.load_results(path)
    for cond in conditions:  # the user's mistakes first, before any work
        an.check_condition(res, cond)
    ctx = _context(res, baseline, lang, window, out)
    title = text("title", lang, name=res.spec.name)
    _question_and_design(ctx, title)
    _scenarios_section(ctx)
    _outcomes_section(ctx)
    _differences_section(ctx)
    _dose_section(ctx)
    _factorial_section(ctx)
    _uncertainty_section(ctx)
    _horizons_section(ctx)
    _sensitivity_section(ctx)
    _heatmaps(ctx)
    _discovery_section(ctx, conditions)
    _inequality_section(ctx)
    _summary_section(ctx)
    _failures_section(ctx)
    _provenance_section(ctx)
    try:
        ctx.doc.write(ctx.rep.html, title)
    except OSError as e:
        raise ExperimentError(f"{ctx.rep.html}: cannot write: {e.strerror or e}") from None
    return ctx.rep


@dataclass
class _Context:
    """What every section of the report reads (the results and the reader's choices) and writes to."""

    res: an.Results
    lang: str
    window: int
    what: str
    """The outcome window in words ("mean of months ... to ...", "month ...")."""
    headline: list[str]
    drawn: list[str]
    baseline: str | None
    rep: Report
    doc: _Doc
    fig_dir: Path
    summary_at: int = 0
    """Where in the page the summary goes (after the question)."""

    def figure(self, name: str, fig: Any) -> None:
        """Save ``fig`` as PNG and SVG in the figures' folder and embed it in the page."""
        try:
            self.rep.figures[name] = fg.save(fig, self.fig_dir, name)
        except OSError as e:  # a full disk, say: the figure's file, in one line
            raise ExperimentError(f"{self.fig_dir / name}: cannot write: {e.strerror or e}") from None
        self.doc.image(self.rep.figures[name]["png"], name)


def _context(res: an.Results, baseline: str | None, lang: str, window: int, out: str | Path | None) -> _Context:
    """The window, indicators, baseline and files of the report; a wrong baseline or folder is refused first."""
    fg.use_language(lang)
    last = int(res.runs["month"].max())
    window = min(window, last) if res.spec.record == "all" else 1
    what = (text("final_window", lang, window=window, first=last - window + 1, last=last) if window > 1
            else text("final_month", lang, last=last))
    headline = headline_indicators(res)
    drawn = [i for i in FIGURE_INDICATORS if i in headline] or headline[:2]
    if baseline is not None:
        res.point_of(baseline)  # a wrong name is the user's mistake: say so before any work
    elif res.spec.baseline is not None:
        baseline = res.spec.baseline
        res.point_of(baseline, where=f"{res.spec.source}: baseline")
    else:
        baseline = _default_baseline(res)
    fig_dir = res.path / ("figures_zh" if lang == "zh" else "figures")
    rep = Report(Path(out) if out else res.path / ("report_zh.html" if lang == "zh" else "report.html"))
    if out is None:
        _check_html_target(rep.html, "")
    _check_figure_folder(fig_dir)
    return _Context(res, lang, window, what, headline, drawn, baseline, rep, _Doc(lang), fig_dir)


def headline_indicators(res: an.Results) -> list[str]:
    """The indicators the report tabulates.

    Those the experiment file lists, in its order, when it lists them; else
    :data:`HEADLINE` as far as recorded (monthly spending where yearly was not),
    else the first eight.
    """
    if res.spec.indicators:
        return [i for i in res.spec.indicators if i in res.indicators]
    wanted = [i for i in HEADLINE if i in res.indicators]
    if "purchase_spent_yuan_year" not in res.indicators and "purchase_spent_yuan" in res.indicators:
        wanted.append("purchase_spent_yuan")
    return wanted or res.indicators[:8]


def _check_html_target(html: Path, option: str) -> None:
    """The report can be written there: a file (not a folder) in an existing, writable folder.

    Checked before any analysis, so a long report never ends on a refusal.
    """
    allowed = "allowed: an HTML file in an existing, writable folder"
    if html.is_dir():
        raise ExperimentError(f"{option}{html}: is a directory, {allowed}")
    if not html.parent.is_dir():
        raise ExperimentError(f"{option}{html}: folder {html.parent} does not exist, {allowed}")
    problem = folder_problem(html.parent)
    if problem:
        raise ExperimentError(f"{option}{html}: {problem}, {allowed}")


def _check_figure_folder(folder: Path) -> None:
    """The figures' folder exists and is writable, or can be created."""
    problem = folder_problem(folder)
    if problem:
        raise ExperimentError(f"{folder}: {problem}; the report's figures go there")


# --- sections, in the order of the page ------------------------------------------
def _question_and_design(ctx: _Context, title: str) -> None:
    """The title, the question (the experiment's description), the design and the runs done."""
    res, lang, doc = ctx.res, ctx.lang, ctx.doc
    spec = res.spec
    doc.h1(title)
    doc.h2(text("question", lang))
    doc.p(spec.description_zh if lang == "zh" and spec.description_zh else spec.description)
    ctx.summary_at = len(doc.parts)  # the summary goes here, once the sections below have computed their tables

    doc.h2(text("design", lang))
    doc.p(_design_sentence(res, ctx.what, lang))
    doc.p(text("runs_done", lang, done=res.manifest["runs_done"], total=res.manifest["runs_total"],
               failed=res.manifest["runs_failed"]))


def _summary_section(ctx: _Context) -> None:
    """The answer in plain sentences and the caveats, generated from the tables above; placed after the question."""
    summary = sm.build_summary(ctx.res, ctx.rep.tables, ctx.baseline, ctx.lang, ctx.headline, ctx.window,
                               _term_names(ctx.res, ctx.lang))
    ctx.rep.summary = summary
    part = _Doc(ctx.lang)
    part.h2(text("summary", ctx.lang))
    part.h3(text("answer", ctx.lang))
    part.ul(summary.answer)
    part.h3(text("caveats", ctx.lang))
    part.ul(summary.caveats)
    part.h2(text("details", ctx.lang))
    ctx.doc.parts[ctx.summary_at:ctx.summary_at] = part.parts


def _scenarios_section(ctx: _Context) -> None:
    """The scenarios (design points) and the parameters that differ between them."""
    ctx.doc.h2(text("scenarios", ctx.lang))
    described = _descriptions(ctx.res, ctx.lang)
    if described:  # long texts in a list, not in narrow table cells
        ctx.doc.dl(described)
    ctx.rep.tables["scenarios"] = _what_differs(ctx.res, ctx.lang)
    ctx.doc.table(ctx.rep.tables["scenarios"])


def _outcomes_section(ctx: _Context) -> None:
    """Outcomes with 95% intervals; bars and lines over time when there are few points."""
    res, lang, doc, what = ctx.res, ctx.lang, ctx.doc, ctx.what
    doc.h2(text("outcomes", lang) + f" — {what}")
    summary = an.summarise(res, ctx.headline, ctx.window)
    ctx.rep.tables["summary"] = summary
    doc.table(wide(summary, "mean", lang))
    few_points = len(res.labels) <= 12
    if few_points:
        for ind in ctx.drawn:
            ctx.figure(f"bars_{ind}", fg.final_bars(summary, ind, what, lang))
        if res.spec.record == "all":
            doc.h3(text("over_time", lang))
            for ind in ctx.drawn:
                ctx.figure(f"time_{ind}", fg.over_time(an.over_time(res, ind), ind, lang, res.spec.design))


def _differences_section(ctx: _Context) -> None:
    """Paired differences against the baseline, when there is one and another point to compare."""
    lang, doc, baseline = ctx.lang, ctx.doc, ctx.baseline
    diffs = (an.paired_differences(ctx.res, baseline, ctx.headline, ctx.window) if baseline is not None
             else pd.DataFrame())
    if diffs.empty:  # nothing to compare when the baseline is the only point with runs
        return
    doc.h2(text("differences", lang) + f": {text('baseline', lang)} = {baseline}")
    ctx.rep.tables["differences"] = diffs
    doc.p(_noise_sentence(diffs, lang))
    doc.table(wide(diffs, "diff", lang))
    ctx.figure("forest", fg.forest(diffs, ctx.drawn, baseline, lang))


def _dose_section(ctx: _Context) -> None:
    """For each numeric factor of a grid or factorial: the outcomes against it, the gain per step, the cost.

    A factor at two levels only (a factorial's low and high) is shown when it
    changes purchase spending (what a point of coverage costs); otherwise its
    factorial effect already says all two levels can.
    """
    res, lang, doc = ctx.res, ctx.lang, ctx.doc
    shown = [*ctx.drawn, *[i for i in COST_INDICATORS if i in res.indicators and i not in ctx.drawn]]
    recorded = {an.COVERAGE, an.SPENDING} <= set(res.indicators)
    for factor in an.numeric_factors(res):
        cost = an.cost_per_point(res, factor, ctx.window) if recorded else None
        priced = cost is not None and bool(np.nanmax(np.abs(cost["lowest_spent"].to_numpy(dtype=float)),
                                                      initial=0.0))
        if res.runs[f"factor:{factor}"].nunique() < 3 and not priced:
            continue
        dose = an.dose_response(res, factor, shown, ctx.window)
        ctx.rep.tables[f"dose:{factor}"] = dose
        unit, per = _per_unit(factor, dose["level"].unique(), lang)
        doc.h2(text("dose", lang, factor=factor))
        doc.p(text("dose_intro", lang, factor=factor, per=per))
        name = factor.replace(".", "_")
        ctx.figure(f"dose_{name}", fg.dose_response(dose, ctx.drawn, lang))
        doc.table(_dose_table(dose, unit, per, lang))
        if not priced:
            doc.p(text("cost_same", lang, factor=factor) if recorded else
                  text("cost_unrecorded", lang, coverage=an.COVERAGE, spending=an.SPENDING))
            continue
        ctx.rep.tables[f"cost:{factor}"] = cost
        doc.h3(text("cost_heading", lang))
        doc.p(sm.cost_sentence(cost, lang))
        ctx.figure(f"cost_{name}", fg.cost_curve(cost, lang))
        doc.table(_cost_table(cost, lang))


def _per_unit(factor: str, levels: Any, lang: str) -> tuple[float, str]:
    """A round amount of the factor the gains are given per (a power of ten near its steps), and its words."""
    steps = np.diff(np.sort(np.asarray(levels, dtype=float)))
    unit = float(10 ** np.floor(np.log10(np.median(steps)))) if steps.size and np.median(steps) > 0 else 1.0
    from model.parameters import PARAMETERS

    declared = parameter_unit(PARAMETERS[factor].unit, lang) if factor in PARAMETERS else ""
    return unit, f"{fg.tick(unit)} {declared}".strip()


def _dose_table(dose: pd.DataFrame, unit: float, per: str, lang: str) -> pd.DataFrame:
    """One row per indicator and level: the mean, the gain over the level below, the gain per ``unit`` of it."""
    rows = []
    for r in dose.itertuples():
        step = SimpleNamespace(verdict=r.verdict, diff=r.gain, ci_low=r.gain_low, ci_high=r.gain_high,
                               indicator=r.indicator, both_zero=r.both_zero)
        gain = "" if not np.isfinite(r.previous) else _change_cell(step, "diff", lang)
        half = _half(r.gain_low, r.gain_high)
        rows.append({text("indicator", lang): axis_label(r.indicator, lang), text("level", lang): fg.tick(r.level),
                     text("mean_ci", lang): fmt_estimate(r.mean, r.ci_low, r.ci_high, r.indicator),
                     text("gain_step", lang): gain,
                     text("gain_per", lang, per=per): "" if not np.isfinite(r.previous) else nb.value(
                         r.gain_per_unit * unit, r.indicator, True, None if half is None else
                         half * unit / (r.level - r.previous), lang)})
    return pd.DataFrame(rows)


def _cost_table(cost: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per level: spending per year, coverage, the points gained and what each costs.

    The points and their cost are counted from the lowest level and from the level below.
    """
    cov, spend = an.COVERAGE, an.SPENDING
    rows = []
    for r in cost.itertuples():
        row = {text("level", lang): fg.tick(r.level), axis_label(spend, lang): nb.value(r.spent, spend),
               axis_label(cov, lang): nb.value(r.coverage, cov)}
        for name in ("lowest", "step"):
            points = [getattr(r, f"{name}_{k}") for k in ("points", "points_low", "points_high")]
            priced = getattr(r, f"{name}_priced")
            row[text(f"cost_points_{name}", lang)] = (
                nb.estimate(*(x / 100 for x in points), cov, diff=True, lang=lang) if np.isfinite(points[0]) else "")
            row[text(f"cost_{name}", lang)] = (
                nb.estimate(*(getattr(r, f"{name}_{k}") for k in ("cost", "cost_low", "cost_high")), "")
                if priced else text("cost_not_priced", lang) if np.isfinite(points[0]) else "")
        rows.append(row)
    return pd.DataFrame(rows)


def _factorial_section(ctx: _Context) -> None:
    """Factorial effects (and the synergy question) of a factorial design or a scenario design's corners."""
    res, lang, doc, spec = ctx.res, ctx.lang, ctx.doc, ctx.res.spec
    if not _is_factorial(res):
        return
    names, _ = an.factorial_coding(res)
    if lang == "zh" and spec.factorial and spec.factorial.get("factors_zh"):
        names = list(spec.factorial["factors_zh"])
        eff_names = dict(zip(an.factorial_coding(res)[0], names, strict=True))
    else:
        eff_names = {}
    doc.h2(text("factorial", lang) + f": {' × '.join(names)}")
    missing = an.missing_corners(res)
    if missing:
        doc.p(f"No finished run of {', '.join(missing)}: effects that need these corners cannot be "
              "estimated." if lang == "en" else f"以下组合没有完成的运行，相关效应无法估计：{', '.join(missing)}。")
    eff = an.factorial_effects(res, ctx.headline, ctx.window)
    ctx.rep.tables["effects"] = eff
    for en, zh in eff_names.items():
        eff = eff.assign(term=eff["term"].str.replace(en, zh, regex=False))
    doc.table(wide(eff, "effect", lang, row="term", row_title="term"))
    for ind in [i for i in ctx.drawn if i != "committee_admin_share"]:
        ctx.figure(f"effects_{ind}", fg.effects(eff, ind, lang))
    if len(names) >= 2 and not missing:
        _synergy_section(ctx, names)


def _synergy_section(ctx: _Context, names: list[str]) -> None:
    """Whether all the factors together do more or less than the sum of each alone, in words and a table."""
    ctx.doc.h3(text("synergy_heading", ctx.lang))
    syn = an.synergy(ctx.res, [i for i in SYNERGY if i in ctx.res.indicators] or ctx.headline, ctx.window)
    ctx.rep.tables["synergy"] = syn
    for row in syn.itertuples():
        ctx.doc.p(_synergy_sentence(row, names, ctx.lang))
    ctx.doc.table(synergy_table(syn, ctx.lang))


def _uncertainty_section(ctx: _Context) -> None:
    """With parameter draws: each difference and effect, its seed and total intervals, its sign's share of draws."""
    res, lang, doc = ctx.res, ctx.lang, ctx.doc
    draws = res.draw_of_seed
    if draws is None:
        return
    u = res.manifest.get("uncertainty") or {}
    n_draws, n_seeds = len(set(draws.values())), res.spec.replicates
    spread = 100 * (u.get("spread") or 0)  # the manifest records the spread the draws used
    n_params = len(u.get("parameters", []))
    if u.get("posterior") and u.get("sample"):
        source = (f"the posterior {u.get('posterior')} for the parameters it holds and the other assumptions, "
                  f"each within ±{spread:.0f}% of its default ({n_params} parameters in all)")
        source_zh = (f"后验分布 {u.get('posterior')}（其所含参数）及其余假设参数"
                     f"（各在默认值±{spread:.0f}%内；共{n_params}个参数）")
    elif u.get("posterior"):
        source, source_zh = f"the posterior {u.get('posterior')}", f"后验分布 {u.get('posterior')}"
    else:
        source = f"{n_params} assumptions, each within ±{spread:.0f}% of its default"
        source_zh = f"{n_params}个假设参数（各在默认值±{spread:.0f}%内）"
    doc.h2("Parameter uncertainty" if lang == "en" else "参数不确定性")
    doc.p(f"Every scenario ran {n_draws} parameter draws from {source}, each with {n_seeds} seeds; the draws and "
          "seeds are the same in every scenario, so differences stay paired. The seed interval is the 95% "
          "interval from the seed noise alone (within draws); the total interval adds the spread of the "
          "draws' means (1.96 standard deviations, in quadrature), so it covers parameters and seeds."
          if lang == "en" else
          f"每个情景运行{n_draws}组参数抽样（来自{source_zh}），每组{n_seeds}个随机种子；各情景使用相同的参数与种子，"
          "差异保持配对。种子区间只反映随机种子噪声（组内）；总区间再加上各组均值的离散（1.96倍标准差，平方和开方），"
          "同时涵盖参数与种子。")
    # The tables the sections above computed (each carries the total interval and the sign's share).
    tables = ctx.rep.tables
    rows = [(f"{r.label} − {ctx.baseline}", r.indicator, r.diff, r)
            for r in tables.get("differences", pd.DataFrame()).itertuples()]
    rows += [(f"{'effect' if lang == 'en' else '效应'} {r.term}", r.indicator, r.effect, r)
             for r in tables.get("effects", pd.DataFrame()).itertuples() if r.order == 1]
    rows += [("whole − sum of parts" if lang == "en" else "整体 − 部分之和", r.indicator, r.synergy, r)
             for r in tables.get("synergy", pd.DataFrame()).itertuples()]
    table = pd.DataFrame([{
        ("conclusion" if lang == "en" else "结论"): what,
        text("indicator", lang): axis_label(ind, lang),
        ("estimate" if lang == "en" else "估计"): nb.value(value, ind, True, _half(r.ci_low, r.ci_high), lang),
        ("seed interval" if lang == "en" else "种子区间"): fmt_interval(r.ci_low, r.ci_high, ind),
        ("total interval" if lang == "en" else "总区间"): fmt_interval(r.total_low, r.total_high, ind),
        ("sign kept in draws" if lang == "en" else "符号一致的抽样比例"): nb.percent(r.sign_share),
    } for what, ind, value, r in rows])
    ctx.rep.tables["uncertainty"] = table
    fragile = [f"{what}: {indicator_name(ind, lang)}" for what, ind, _, r in rows
               if np.isfinite(r.total_low) and r.ci_low * r.ci_high > 0 and r.total_low * r.total_high <= 0]
    firm = sum(1 for _, _, _, r in rows if np.isfinite(r.total_low) and r.total_low * r.total_high > 0)
    if lang == "en":
        doc.p(f"{firm} of {len(rows)} conclusions keep their sign across parameters and seeds (the total interval "
              "excludes zero). " + (f"These are outside seed noise but not outside parameter uncertainty, so they "
                                    f"depend on the assumptions: {'; '.join(fragile)}." if fragile else
                                    "No conclusion that is outside seed noise is overturned by the parameters."))
    else:
        doc.p(f"{len(rows)}项结论中有{firm}项在参数与种子不确定性下符号不变（总区间不含零）。" +
              (f"以下结论超出种子噪声，但未超出参数不确定性，取决于假设：{'；'.join(fragile)}。" if fragile
               else "超出种子噪声的结论均未被参数不确定性推翻。"))
    doc.table(table)


def _horizons_section(ctx: _Context) -> None:
    """Results at several horizons, when the runs recorded more than one and the design is not sampled.

    The differences against the baseline, the factorial main effects and the
    synergy at each horizon (tables and a figure), then in plain words every sign
    change and ranking flip between them, and apart the weaker statements
    (significant at one horizon, within noise at the next).
    """
    res, lang, doc, window = ctx.res, ctx.lang, ctx.doc, ctx.window
    hs = an.available_horizons(res)
    if not (len(hs) > 1 and res.spec.design not in an.SAMPLED and len(res.labels) > 1):
        return
    doc.h2(text("horizons", lang))
    windows = "; ".join(text("horizon_months", lang, h=h, first=an.horizon_window(h, window)[0], last=h) for h in hs)
    doc.p(text("horizons_intro", lang, months=", ".join(map(str, hs)), window=window, windows=windows))
    rename = _term_names(res, lang)
    if ctx.baseline is not None:
        _horizon_differences(ctx, hs)
    if _is_factorial(res):
        _horizon_effects(ctx, hs, rename)
    _horizon_changes(ctx, hs, rename)


def _horizon_differences(ctx: _Context, hs: list[int]) -> None:
    """The differences against the baseline at each horizon: a table and a figure."""
    lang, baseline = ctx.lang, ctx.baseline
    hd = an.horizon_differences(ctx.res, baseline, ctx.headline, ctx.window, hs)
    if hd.empty:
        return
    ctx.rep.tables["horizon_differences"] = hd
    ctx.doc.h3(text("horizons_differences", lang, baseline=baseline))
    ctx.doc.table(_by_horizon(hd, "diff", "label", "scenario", lang), keep=2)
    ctx.figure("horizons_differences", fg.horizons(hd, "diff", "label", ctx.drawn,
                                                   text("horizons_diff_title", lang, baseline=baseline), lang))


def _horizon_effects(ctx: _Context, hs: list[int], rename: dict[str, str]) -> None:
    """The factorial main effects at each horizon (a table and a figure), and the synergy when it is defined."""
    res, lang, doc, window, headline = ctx.res, ctx.lang, ctx.doc, ctx.window, ctx.headline
    he = an.horizon_effects(res, headline, window, hs)
    ctx.rep.tables["horizon_effects"] = he
    main = he[he["order"] == 1].assign(term=lambda f: f["term"].map(lambda t: rename.get(t, t)))
    doc.h3(text("horizons_effects", lang))
    doc.table(_by_horizon(main, "effect", "term", "term", lang), keep=2)
    shown = [i for i in ctx.drawn if i != "committee_admin_share"] or ctx.drawn
    ctx.figure("horizons_effects", fg.horizons(main, "effect", "term", shown, text("horizons_effects_title", lang),
                                               lang))
    if len(an.factorial_coding(res)[0]) >= 2 and not an.missing_corners(res):
        hsyn = an.horizon_synergy(res, [i for i in SYNERGY if i in res.indicators] or headline, window, hs)
        ctx.rep.tables["horizon_synergy"] = hsyn
        doc.h3(text("horizons_synergy", lang))
        hsyn = hsyn.assign(verdict=[("no difference" if not (v or lo or hi) else an.verdict(lo, hi)) if n else "no data"
                                    for v, lo, hi, n in zip(hsyn["synergy"], hsyn["ci_low"], hsyn["ci_high"],
                                                            hsyn["n"], strict=True)])
        doc.table(_by_horizon(hsyn, "synergy", None, "indicator", lang))


def _horizon_changes(ctx: _Context, hs: list[int], rename: dict[str, str]) -> None:
    """In plain words, the sign changes and ranking flips between horizons, then apart the weaker statements."""
    lang, doc = ctx.lang, ctx.doc
    changes = an.horizon_changes(ctx.res, ctx.baseline, ctx.headline, ctx.window, hs)
    ctx.rep.tables["horizon_changes"] = changes

    def sentence(r: Any) -> str:
        if r.source == "effect":
            r = r._replace(what=" × ".join(rename.get(t, t) for t in r.what.split(" × ")))
        return an.change_sentence(r, lang, lambda v, ind: fmt_value(v, ind, True), fmt_interval,
                                  estimate=lambda v, lo, hi, ind: nb.estimate_parts(v, lo, hi, ind, True, lang))

    for heading, kinds, none in (("horizons_changes", ("sign change", "ranking flip"), "no_changes"),
                                 ("horizons_weaker", ("fades", "emerges"), "no_weaker")):
        doc.h3(text(heading, lang))
        rows = changes[changes["kind"].isin(kinds)]
        if rows.empty:
            doc.p(text(none, lang, first=hs[0], last=hs[-1]))
            continue
        if heading == "horizons_weaker":
            doc.p(text("weaker_note", lang))
        items = [sentence(r) for r in rows.head(MAX_LISTED).itertuples()]
        if len(rows) > MAX_LISTED:
            items.append(text("more_changes", lang, n=len(rows) - MAX_LISTED))
        doc.ul(items)


def _sensitivity_section(ctx: _Context) -> None:
    """Sobol or Morris indices of each drawn indicator, for those designs."""
    design = ctx.res.spec.design
    if design not in ("sobol", "morris"):
        return
    ctx.doc.h2(text("sensitivity", ctx.lang) + f" ({design.capitalize()}, SALib)")
    for ind in ctx.drawn:
        try:
            _sensitivity(ctx, ind)
        except ExperimentError as e:  # an indicator undefined at some points: say so, go on
            ctx.doc.p(str(e))


def _sensitivity(ctx: _Context, ind: str) -> None:
    """One indicator's Sobol or Morris indices: table, notes and bars."""
    res, window, lang, rep, doc = ctx.res, ctx.window, ctx.lang, ctx.rep, ctx.doc
    if res.spec.design == "sobol":
        si = an.sobol_indices(res, ind, window)
        rep.tables[f"sobol_{ind}"] = si
        doc.table(numbers_table(si))
        for note in si["note"][si["note"] != ""].unique():
            doc.p(note)
        ctx.figure(f"sobol_{ind}", fg.sobol_bars(si, lang))
    else:
        mi = an.morris_indices(res, ind, window)
        rep.tables[f"morris_{ind}"] = mi
        doc.table(numbers_table(mi))
        for note in (mi["note"].unique() if "note" in mi else []):
            doc.p(note)
        ctx.figure(f"morris_{ind}", fg.morris_bars(mi, lang))


def _heatmaps(ctx: _Context) -> None:
    """Heat maps of two drawn indicators over a grid's first two factors (means over the other factors)."""
    res = ctx.res
    if not (res.spec.design == "grid" and len(res.factors) >= 2):
        return
    x, y = res.factors[0], res.factors[1]
    outcomes = an.outcomes(res, ctx.window, ctx.headline)
    first = res.runs.drop_duplicates("point").set_index("point")
    outcomes = outcomes.join(first[[f"factor:{x}", f"factor:{y}"]], on="point")
    for ind in ctx.drawn[:2]:
        table = outcomes.pivot_table(index=f"factor:{y}", columns=f"factor:{x}", values=ind, aggfunc="mean")
        ctx.figure(f"heatmap_{ind}", fg.heatmap(table, ind, x, y, ctx.lang, others=len(res.factors) > 2))


def _discovery_section(ctx: _Context, conditions: list[an.Condition]) -> None:
    """Scenario discovery: the boxes of factor values where each condition holds, when any was asked."""
    if not conditions:
        return
    ctx.doc.h2(text("discovery", ctx.lang))
    for cond in conditions:
        boxes = an.discover(ctx.res, cond, ctx.window)
        ctx.rep.tables[f"discover:{cond}"] = boxes
        ctx.doc.h3(str(cond))
        shown = boxes[[c for c in ("box", "runs", "density", "coverage") if c in boxes]]
        ctx.doc.table(numbers_table(shown).rename(columns={c: text(c, ctx.lang) for c in shown.columns}))


def _inequality_section(ctx: _Context) -> None:
    """Inequality between communities and the district map of need coverage, when the runs kept the panel."""
    res, lang, doc, window = ctx.res, ctx.lang, ctx.doc, ctx.window
    if res.communities is None:
        return
    first_month, last_month = an.panel_months(res, window)
    panel_what = (text("final_window", lang, window=last_month - first_month + 1, first=first_month,
                       last=last_month) if last_month > first_month else text("final_month", lang, last=last_month))
    doc.h2(text("inequality", lang) + f" — {panel_what}")
    ineq = an.inequality(res, None, window)
    ctx.rep.tables["inequality"] = ineq
    doc.p(text("gini_theil", lang))
    drawn = ineq[ineq["indicator"].isin(INEQUALITY_DRAWN)]
    ctx.figure("inequality", fg.inequality(drawn, panel_what, lang))
    doc.details(text("inequality_table", lang), _inequality_table(drawn, lang))
    comm = an.community_means(res, window)
    shown = [p for p in _map_points(res, ctx.baseline) if p in set(comm["point"])]
    maps = {p: comm[comm["point"] == p].groupby("community")["need_coverage"].mean()
            .reindex(range(an.COMMUNITIES)).to_numpy() for p in shown}
    every = np.concatenate([v[np.isfinite(v)] for v in maps.values()]) if maps else np.array([])
    limits = (float(every.min()), float(every.max())) if every.size else None
    if limits and len(maps) > 1:
        doc.p(text("maps_shared", lang, low=nb.value(limits[0], "need_coverage"),
                   high=nb.value(limits[1], "need_coverage")))
    for p, values in maps.items():
        ctx.figure(f"map_need_coverage_{p}", fg.district_map(values, "need_coverage", res.labels[p], panel_what,
                                                             lang, limits=limits))


def _failures_section(ctx: _Context) -> None:
    """The failed runs (point, replicate, seed, scenario, error), or a line saying there were none."""
    ctx.doc.h2(text("failures", ctx.lang))
    if ctx.res.failures:
        keys = ("point", "replicate", "seed", "scenario", "error")
        ctx.rep.tables["failures"] = pd.DataFrame([{k: f.get(k) for k in keys} for f in ctx.res.failures])
        ctx.doc.table(ctx.rep.tables["failures"].rename(columns={k: text(f"failure_{k}", ctx.lang) for k in keys}))
    else:
        ctx.doc.p(text("no_failures", ctx.lang))


def _provenance_section(ctx: _Context) -> None:
    """The provenance: a warning if the model changed since the runs, the manifest's summary and the spec."""
    res, lang, doc = ctx.res, ctx.lang, ctx.doc
    doc.h2(text("provenance", lang))
    if res.spec.model is None and res.manifest.get("model_version") != _current_model_version():
        doc.p("These results were produced by another version of the model than the one installed now: "
              "the parameter defaults and scenario descriptions in the tables above come from the current "
              "code and may differ from those of the runs." if lang == "en" else
              "这些结果由另一版本的模型产生：上表中的参数默认值和情景描述来自当前代码，可能与运行时不同。")
    doc.table(_provenance(res, lang))
    doc.pre(json.dumps(res.manifest["spec"], indent=2, ensure_ascii=False))


# --- pieces -------------------------------------------------------------------
def _term_names(res: an.Results, lang: str) -> dict[str, str]:
    """The factorial's factor names in Chinese for ``lang = "zh"`` (from ``factors_zh``), else none."""
    fac = res.spec.factorial
    if lang != "zh" or not fac or not fac.get("factors_zh"):
        return {}
    return dict(zip(fac["factors"], fac["factors_zh"], strict=True))


def _by_horizon(frame: pd.DataFrame, value: str, row: str | None, row_title: str, lang: str) -> pd.DataFrame:
    """One row per indicator (and ``row``: a scenario or a term), one column per horizon.

    Cells are "value [low, high]" marked "(within noise)" as in :func:`_wide`.
    """
    cells: dict[tuple[str, ...], dict[str, str]] = {}
    order = {ind: i for i, ind in enumerate(dict.fromkeys(frame["indicator"]))}
    for r in frame.sort_values("indicator", key=lambda s: s.map(order), kind="stable").itertuples():
        key = (axis_label(r.indicator, lang, diff=True),) + ((str(getattr(r, row)),) if row else ())
        cells.setdefault(key, {})[text("horizon_column", lang, h=r.horizon)] = _change_cell(r, value, lang)
    out = pd.DataFrame(cells).T
    out.index.names = [text("indicator", lang)] + ([text(row_title, lang)] if row else [])
    return out.reset_index()


def _change_cell(r: Any, value: str, lang: str) -> str:
    """A difference or an effect with its interval, marked when within noise or undefined."""
    if r.verdict == "no data":
        return text("no data", lang)
    if r.verdict == "no difference":
        return _no_difference(r, lang)
    cell = fmt_estimate(getattr(r, value), r.ci_low, r.ci_high, r.indicator, True, lang)
    if r.verdict == "within noise":
        cell += f" ({text('within noise', lang)})"
    return cell.strip()


def numbers_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A table's numbers as text in the report's style (three significant figures, integers as integers).

    For frames without indicator units (sensitivity indices, discovery boxes); notebooks show them too.
    """
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].map(nb.count)
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(nb.number)
    return out


def _half(lo: float, hi: float) -> float | None:
    """Half the width of an interval, None when an end is not finite."""
    return (hi - lo) / 2 if np.isfinite(lo) and np.isfinite(hi) else None


def _no_difference(r: Any, lang: str) -> str:
    """"no difference (both zero)", or "(the same in every seed)" when both sides are equal but not zero."""
    return text("no difference (both zero)" if getattr(r, "both_zero", False) else "no difference (identical)", lang)


def _current_model_version() -> str:
    from experiments.engine import model_version
    return model_version(None)


def _default_baseline(res: an.Results) -> str | None:
    """The baseline without ``--baseline`` or the file's ``baseline``.

    The first scenario; for a grid or factorial the point where every factor is at its lowest level.
    """
    if res.spec.design == "scenarios":
        return res.labels[min(res.labels)]
    if res.spec.design in an.DOSED:
        return res.labels[an.lowest_point(res)]
    return None


def _is_factorial(res: an.Results) -> bool:
    return res.spec.design == "factorial" or res.spec.factorial is not None


def _map_points(res: an.Results, baseline: str | None) -> list[int]:
    """The baseline and the point most different from it (the all-high corner of a factorial)."""
    points = sorted(res.labels)
    first = res.point_of(baseline) if baseline is not None else points[0]
    if _is_factorial(res):
        _, coding = an.factorial_coding(res)
        other = next(p for p, lv in coding.items() if all(lv))
    else:
        other = points[-1]
    return [first] if other == first else [first, other]


def _design_sentence(res: an.Results, what: str, lang: str) -> str:
    s = res.spec
    points = len(res.labels)
    draws = (s.uncertainty or {}).get("draws")
    if lang == "zh":
        reps = f"{draws}组参数抽样×{s.replicates}次重复" if draws else f"{s.replicates}次重复"
        return (f"设计：{text('design_' + s.design, lang)}；{points}个设计点，每点{reps}（随机种子由 "
                f"base_seed={s.base_seed} 派生，各设计点共用同一组种子，差异按种子配对）；"
                f"每次运行{s.months}个月，人口比例 {s.scale}。结果指标取{what}。")
    reps = f"{draws} parameter draws × {s.replicates} replicates" if draws else f"{s.replicates} replicates"
    return (f"Design: {s.design}; {points} design points × {reps} (seeds spawned from "
            f"base_seed {s.base_seed}, the same seeds at every point, so differences are paired); "
            f"{s.months} months per run at population scale {s.scale}. Outcomes are the {what}.")


def _what_differs(res: an.Results, lang: str) -> pd.DataFrame:
    """Parameters whose value (or dated change) differs between the points, one column per point."""
    from model.parameters import PARAMETERS, _fmt

    runs = {}
    for r in res.manifest["runs"]:
        runs.setdefault(r["point"], r)
    labels = res.labels
    cells: dict[str, dict[str, str]] = {}
    keys = sorted({k for r in runs.values() for k in r["params"]} |
                  {c[1] for r in runs.values() for c in r["changes"]})
    for key in keys:
        row = {}
        for p, r in sorted(runs.items()):
            value = r["params"].get(key, PARAMETERS[key].default if key in PARAMETERS else "")
            shown = _show(value, _fmt, lang)
            for month, path, v in r["changes"]:
                if path == key:
                    shown += f"; {_show(v, _fmt, lang)} {text('from_month', lang, month=month)}"
            row[labels[p]] = shown
        if len(set(row.values())) > 1:
            cells[parameter_label(key, lang)] = row
    frame = pd.DataFrame(cells).T
    frame.index.name = text("parameter", lang)
    return frame.reset_index()


def _descriptions(res: an.Results, lang: str) -> dict[str, str]:
    """Each scenario of a scenario design with its description in ``lang`` ("–" for one renamed since the runs)."""
    if res.spec.design != "scenarios":
        return {}
    from model.scenario import ScenarioError, load_scenario

    desc = {}
    for name in res.labels.values():
        try:
            sc = load_scenario(name)
        except ScenarioError:  # renamed or removed since the runs
            desc[name] = nb.DASH
            continue
        d = sc.description_zh if lang == "zh" and sc.description_zh else sc.description
        desc[name] = " ".join(d.split())
    return desc


def _show(value: Any, fmt: Any, lang: str = "en") -> str:
    """A parameter's value as declared (exact, not rounded), never "-0"; true/false in ``lang``."""
    if isinstance(value, bool):
        return text("true" if value else "false", lang)
    if isinstance(value, int | float):
        return fmt(0 if value == 0 else value)
    return str(value)


def fmt_value(v: float, ind: str, diff: bool = False, lang: str = "en") -> str:
    """A value as a reader wants it (:func:`experiments.numbers.value`)."""
    return nb.value(v, ind, diff, lang=lang)


def fmt_interval(lo: float, hi: float, ind: str) -> str:
    """An interval "[low, high]" in the form of :func:`fmt_value` (:func:`experiments.numbers.interval`)."""
    return nb.interval(lo, hi, ind)


def fmt_estimate(v: float, lo: float, hi: float, ind: str, diff: bool = False, lang: str = "en") -> str:
    """"value [low, high]" with one precision, set by the interval (:func:`experiments.numbers.estimate`)."""
    return nb.estimate(v, lo, hi, ind, diff, lang)


def wide(frame: pd.DataFrame, value: str, lang: str = "en", row: str = "label", row_title: str = "scenario"
         ) -> pd.DataFrame:
    """Rows are points (or ``row``), columns indicators, cells "value [low, high]" in the report's number style.

    ``frame`` is one of :mod:`experiments.analysis`'s tidy frames (``summarise``
    with ``value="mean"``, ``paired_differences`` with ``"diff"``,
    ``factorial_effects`` with ``"effect"`` and ``row="term"``); notebooks show it too.

    For a change (a difference or an effect) the verdict is marked: "(within
    noise)", or "not defined" where there was nothing to compare.
    """
    change = value != "mean"
    rows: dict[str, dict[str, str]] = {}
    for r in frame.itertuples():
        cell = (_change_cell(r, value, lang) if change else
                fmt_estimate(getattr(r, value), r.ci_low, r.ci_high, r.indicator))
        rows.setdefault(getattr(r, row), {})[axis_label(r.indicator, lang, diff=change)] = cell.strip()
    out = pd.DataFrame(rows).T
    out.index.name = text(row_title, lang)
    return out.reset_index()


def _noise_sentence(diffs: pd.DataFrame, lang: str) -> str:
    """Which differences are within noise, which are no difference at all, and which are undefined."""
    zh = lang == "zh"
    sep, colon = ("；", "：") if zh else (", ", ": ")
    noise = diffs[diffs["verdict"] == "within noise"]
    undefined = diffs[diffs["verdict"] == "no data"]
    same = diffs[diffs["verdict"] == "no difference"]
    extra = ""
    if not same.empty:
        items = sep.join(f"{r.label}{colon}{indicator_name(r.indicator, lang)}（{_no_difference(r, lang)}）" if zh
                         else f"{r.label}: {indicator_name(r.indicator, lang)} ({_no_difference(r, lang)})"
                         for r in same.itertuples())
        extra += f"完全无差异：{items}。" if zh else f" No difference at all: {items}."
    if not undefined.empty:
        names = sep.join(sorted({indicator_name(i, lang) for i in undefined["indicator"]}))
        extra += (f"基准或情景中不存在该量时无定义：{names}。" if zh
                  else f" Not defined where the baseline or the scenario has no such quantity: {names}.")
    if noise.empty:
        if same.empty:
            first = ("下表所有差异的95%置信区间均不包含零，均超出噪声范围。" if zh
                     else "Every difference below is outside noise: its 95% interval excludes zero.")
        else:
            first = ("下表其余差异的95%置信区间均不包含零，均超出噪声范围。" if zh
                     else "Every other difference below is outside noise: its 95% interval excludes zero.")
        return first + extra
    items = sep.join(f"{r.label}{colon}{indicator_name(r.indicator, lang)}" for r in noise.itertuples())
    if zh:
        return f"以下差异在噪声范围内（95%置信区间包含零），不能据此判断有差别：{items}。" + extra
    return (f"These differences are within noise (their 95% interval includes zero), so the experiment "
            f"cannot tell them from no difference: {items}.") + extra


def _synergy_sentence(row: Any, names: list[str], lang: str) -> str:
    """The whole against the sum of its parts in the indicator's better direction, with the test's p and pairs."""
    if row.verdict == "no data":
        return f"{indicator_name(row.indicator, lang)}: {text('no data', lang)}."
    p = nb.p_value(row.p_value)
    p = p if p.startswith("<") else f"= {p}"
    stats = (f"（p {p}，{row.n}组配对种子）" if lang == "zh" else f" (paired t-test: p {p}, {row.n} paired seeds)")
    return sm.synergy_sentence(row, names, lang) + stats


def synergy_table(syn: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """:func:`experiments.analysis.synergy`'s frame in the report's number style: whole, parts, their difference."""
    return pd.DataFrame([{
        text("indicator", lang): axis_label(r.indicator, lang),
        text("whole", lang): nb.value(r.whole, r.indicator, True, _half(r.ci_low, r.ci_high), lang),
        text("parts", lang): nb.value(r.parts, r.indicator, True, _half(r.ci_low, r.ci_high), lang),
        text("synergy", lang): fmt_estimate(r.synergy, r.ci_low, r.ci_high, r.indicator, True, lang),
        text("p_value", lang): nb.p_value(r.p_value),
        text("verdict", lang): text(r.verdict, lang)} for r in syn.itertuples()])


def _inequality_table(ineq: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for r in ineq.itertuples():
        rows.setdefault((r.label, indicator_name(r.indicator, lang)), {})[text(r.measure, lang)] = \
            nb.estimate(r.mean, r.ci_low, r.ci_high, "")
    out = pd.DataFrame(rows).T
    out.index.names = [text("scenario", lang), text("indicator", lang)]
    return out.reset_index()


def _provenance(res: an.Results, lang: str = "en") -> pd.DataFrame:
    """The manifest's record of the runs (file, hashes, versions, seeds, timing), labelled in ``lang``."""
    m = res.manifest
    code = m.get("code_version", {})
    rows = [("prov_file", m.get("source", "")), ("prov_hash", m.get("spec_hash", "")),
            ("prov_commit", f"{code.get('commit', '')}{text('prov_dirty', lang) if code.get('dirty') else ''}"),
            ("prov_model", m.get("model_version", "")), ("prov_python", m.get("python", "")),
            ("prov_host", m.get("host", "")), ("prov_seeds", ", ".join(map(str, m.get("seeds", [])))),
            ("prov_runs", text("prov_runs_value", lang, done=m.get("runs_done"), total=m.get("runs_total"),
                               failed=m.get("runs_failed"))),
            ("prov_wall", str(m.get("timings_s", {}).get("wall", ""))),
            ("prov_packages", ", ".join(f"{k} {v}" for k, v in sorted(m.get("packages", {}).items()))),
            ("prov_written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))]
    return pd.DataFrame([(text(k, lang), v) for k, v in rows], columns=["", text("prov_value", lang)])


def _embedded_cjk_font(page: str) -> str:
    """An ``@font-face`` rule carrying the CJK font, cut down to the characters of ``page``.

    Tens of kilobytes instead of 16 MB, so the Chinese report renders on a machine
    without Chinese fonts.
    """
    from fontTools import subset

    text = html.unescape(re.sub(r"<[^>]+>|data:image/png;base64,[A-Za-z0-9+/=]+", " ", page))
    chars = {c for c in text if ord(c) > 0x2000} | set("0123456789%.,;:()[]+-–× ")
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the font's name and licence records
    font = subset.load_font(str(fg.cjk_font_file()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return ("@font-face{font-family:'sanshe-cjk';"
            f"src:url(data:font/otf;base64,{data}) format('opentype');unicode-range:U+2000-FFFF;}}")


STYLE = (
    "body{font-family:'sanshe-cjk','Noto Sans CJK SC','Noto Sans',sans-serif;max-width:1100px;margin:2em auto;"
    "padding:0 1em;color:#222;overflow-wrap:break-word}"
    ".scroll{max-width:100%;overflow-x:auto;margin:1em 0}"
    "table.t{border-collapse:collapse;font-size:0.85em}"
    "table.t td,table.t th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "table.t th{min-width:4em}"
    "dl.d dt{font-weight:bold;margin-top:0.4em}dl.d dd{margin:0 0 0 1.5em}"
    "figure{margin:1em 0;max-width:100%}img{max-width:100%;height:auto}figcaption{font-size:0.8em;color:#555}"
    "h2{border-bottom:2px solid #ccc}"
    "pre{font-size:0.8em;background:#f6f6f6;padding:1em;overflow-x:auto;white-space:pre-wrap}"
    "@page{size:A4;margin:12mm}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:9pt}"
    ".scroll{overflow:visible}"
    "table.t{width:100%;table-layout:fixed;font-size:6.5pt}"
    "table.t td,table.t th{padding:2px 3px;overflow-wrap:anywhere;min-width:0}"
    "figure,tr{break-inside:avoid}h2,h3{break-after:avoid}"
    "details{display:block}pre{font-size:6.5pt}}"
)
"""The page's style: it fits 1280 px with no horizontal scroll (a wide table scrolls in its own box) and
prints on A4 with every column (tables take the page's width and wrap their cells)."""


class _Doc:
    """A small HTML writer: headings, paragraphs, tables and embedded images."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.parts: list[str] = []

    def h1(self, s: str) -> None:
        self.parts.append(f"<h1>{html.escape(s)}</h1>")

    def h2(self, s: str) -> None:
        self.parts.append(f"<h2>{html.escape(s)}</h2>")

    def h3(self, s: str) -> None:
        self.parts.append(f"<h3>{html.escape(s)}</h3>")

    def p(self, s: str) -> None:
        self.parts.append(f"<p>{html.escape(s)}</p>")

    def ul(self, items: list[str]) -> None:
        self.parts.append("<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in items) + "</ul>")

    def dl(self, items: dict[str, str]) -> None:
        """Terms and their descriptions (a scenario and what it is), as a definition list."""
        self.parts.append('<dl class="d">' + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
                                                      for k, v in items.items()) + "</dl>")

    def pre(self, s: str) -> None:
        self.parts.append(f"<details><summary>{html.escape(text('spec', self.lang))}</summary>"
                          f"<pre>{html.escape(s)}</pre></details>")

    def details(self, summary: str, frame: pd.DataFrame) -> None:
        """A table folded under a line the reader opens (the numbers behind a figure)."""
        self.parts.append(f"<details><summary>{html.escape(summary)}</summary>")
        self.table(frame)
        self.parts.append("</details>")

    def table(self, frame: pd.DataFrame, keep: int = 1) -> None:
        """A table in its own scroll box; one wider than :data:`MAX_COLUMNS` is split into narrower ones.

        Each part repeats the first ``keep`` columns (what a row is), so it reads on its own.
        """
        rest = list(frame.columns[keep:])
        parts = max(1, math.ceil(len(rest) / MAX_COLUMNS))
        size = math.ceil(len(rest) / parts) if rest else 0
        for i in range(parts):
            part = frame[[*frame.columns[:keep], *rest[i * size:(i + 1) * size]]]
            self.parts.append('<div class="scroll">' +
                              part.to_html(index=False, escape=True, na_rep="–", border=0, classes="t") + "</div>")

    def image(self, png: Path, name: str) -> None:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        self.parts.append(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
                          f"<figcaption>{html.escape(text('figcaption', self.lang, name=png.stem,
                                                                        folder=png.parent.name))}"
                          "</figcaption></figure>")

    def write(self, path: Path, title: str) -> None:
        from sanshe.output import atomic_write

        body = "\n".join(self.parts)
        font = _embedded_cjk_font(title + body) if self.lang == "zh" else ""
        style = font + STYLE
        page = (f'<!DOCTYPE html>\n<html lang="{"zh-CN" if self.lang == "zh" else "en"}"><head>'
                f'<meta charset="utf-8"><title>{html.escape(title)}</title><style>{style}</style></head>'
                f"<body>\n{body}\n</body></html>\n")
        atomic_write(path, lambda p: Path(p).write_text(page, encoding="utf-8"))
