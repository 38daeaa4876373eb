"""The figures that compare scenarios.

One module that notebooks, the report and the command line all call, so a paper
and a notebook draw the same picture.

Each function takes analysis frames (:mod:`experiments.analysis`) and
returns a matplotlib ``Figure``; :func:`save` writes it as PNG and SVG.
Every axis has a label with its unit and every title says what is compared.
``lang="zh"`` draws Chinese labels with the Noto Sans CJK font that the
``mplfonts`` package ships (no system font needed).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.ticker import FuncFormatter

from experiments.labels import axis_label, indicator_name, parameter_label, street_name, text
from experiments.numbers import is_percent, value

CJK_FONT = "Noto Sans CJK SC"
PALETTE = matplotlib.colormaps["tab10"]


def _xerr(frame: pd.DataFrame, value: str) -> np.ndarray:
    """Error-bar lengths below and above ``value`` from the frame's 95% interval (0 where undefined)."""
    return np.nan_to_num(np.vstack([frame[value] - frame["ci_low"], frame["ci_high"] - frame[value]]))


def _figure(figsize: tuple[float, float], rows: int = 1, cols: int = 1, **kw: object) -> tuple[Figure, object]:
    """A figure outside pyplot's global state (safe in the dashboard's threads)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, **kw)


def use_language(lang: str) -> None:
    """Set matplotlib's fonts for ``lang``.

    For Chinese, register the CJK font shipped by ``mplfonts`` and put it first.
    """
    from matplotlib import font_manager

    rc = matplotlib.rcParams
    rc["svg.fonttype"] = "path"  # glyphs as outlines: the SVG renders without the font
    rc["axes.unicode_minus"] = False
    if lang != "zh":
        rc["font.sans-serif"] = ["DejaVu Sans"]
        return
    if CJK_FONT not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(cjk_font_file()))
    rc["font.sans-serif"] = [CJK_FONT, "DejaVu Sans"]
    rc["font.family"] = "sans-serif"


def cjk_font_file() -> Path:
    """The Noto Sans CJK SC font file of the ``mplfonts`` package (a dependency)."""
    from importlib.resources import files
    return Path(str(files("mplfonts") / "fonts" / "NotoSansCJKsc-Regular.otf"))


def save(fig: Figure, folder: Path, name: str) -> dict[str, Path]:
    """Write ``fig`` as ``folder/name.png`` (150 dpi) and ``.svg``.

    Each is written under a temporary name renamed into place, so an interrupted
    report leaves no half figure.
    """
    from sanshe.output import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    paths = {ext: folder / f"{name}.{ext}" for ext in ("png", "svg")}
    atomic_write(paths["png"], lambda p: fig.savefig(p, format="png", dpi=150, bbox_inches="tight"))
    with matplotlib.rc_context({"svg.hashsalt": "sanshe"}):  # SVG ids from a fixed salt, not random ones
        atomic_write(paths["svg"], lambda p: fig.savefig(p, format="svg", bbox_inches="tight",
                                                         metadata={"Date": None}))  # same figure, same bytes
    return paths


def _kind(design: str, lang: str) -> str:
    return text("scenario" if design == "scenarios" else "point", lang)


def over_time(frame: pd.DataFrame, indicator: str, lang: str = "en", design: str = "scenarios",
              max_lines: int = 12) -> Figure:
    """Mean and 95% band over replicates of one indicator, one line per point.

    ``frame`` is :func:`experiments.analysis.over_time`'s output.
    """
    fig, ax = _figure((8, 4.5))
    for i, (label, g) in enumerate(frame.groupby("label", sort=False)):
        if i >= max_lines:
            break
        colour = PALETTE(i % 10)
        ax.plot(g["month"], g["mean"], color=colour, lw=1.6, label=label)
        ax.fill_between(g["month"], g["ci_low"], g["ci_high"], color=colour, alpha=0.2, lw=0)
    ax.set_xlabel(text("month", lang))
    ax.set_ylabel(axis_label(indicator, lang))
    share_axis(ax.yaxis, indicator)
    ax.set_title(text("bands_title", lang, indicator=indicator_name(indicator, lang), kind=_kind(design, lang)))
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    return fig


def run_panel(frame: pd.DataFrame, indicators: list[str], title: str, lang: str = "en") -> Figure:
    """One run's indicators over time, one small panel each.

    ``frame`` is a recorder's district frame with a ``month`` column.
    """
    cols = min(len(indicators), 3)
    rows = math.ceil(len(indicators) / cols)
    fig, axes = _figure((4.0 * cols, 2.6 * rows), rows, cols, squeeze=False)
    for k, ind in enumerate(indicators):
        ax = axes[k // cols][k % cols]
        if len(frame):
            ax.plot(frame["month"], frame[ind], color=PALETTE(k % 10), lw=1.5)
        ax.set_title(indicator_name(ind, lang), fontsize=9)
        ax.set_ylabel(axis_label(ind, lang), fontsize=7)
        share_axis(ax.yaxis, ind)
        ax.set_xlabel(text("month", lang), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for k in range(len(indicators), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def final_bars(summary: pd.DataFrame, indicator: str, what: str, lang: str = "en") -> Figure:
    """Each point's mean outcome with its 95% interval.

    ``summary`` comes from :func:`experiments.analysis.summarise`; ``what`` says which months.
    """
    s = summary[summary["indicator"] == indicator]
    fig, ax = _figure((8, max(2.5, 0.35 * len(s) + 1.2)))
    y = np.arange(len(s))
    ax.barh(y, s["mean"], xerr=_xerr(s, "mean"), color=[PALETTE(i % 10) for i in range(len(s))],
            alpha=0.8, capsize=3)
    ax.set_yticks(y, s["label"])
    ax.invert_yaxis()
    ax.set_xlabel(axis_label(indicator, lang))
    share_axis(ax.xaxis, indicator)
    ax.set_ylabel(text("scenario", lang))
    ax.set_title(text("bars_title", lang, indicator=indicator_name(indicator, lang), what=what))
    ax.grid(axis="x", alpha=0.3)
    return fig


def forest(diffs: pd.DataFrame, indicators: list[str], baseline: str, lang: str = "en") -> Figure:
    """Differences against the baseline with 95% intervals, one panel per indicator.

    Each indicator is in its own unit; markers are filled where the interval
    excludes 0, hollow where the difference is within noise.
    """
    n = len(indicators)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    labels = list(dict.fromkeys(diffs["label"]))
    fig, axes = _figure((4.2 * cols, 0.32 * len(labels) * rows + 1.6 * rows), rows, cols,
                        squeeze=False, sharey=True)
    y = np.arange(len(labels))
    for k, ind in enumerate(indicators):
        ax = axes[k // cols][k % cols]
        d = diffs[diffs["indicator"] == ind].set_index("label").reindex(labels)
        sure = d["verdict"].isin(["higher", "lower"])
        ax.axvline(0, color="grey", lw=0.8)
        ax.errorbar(d["diff"], y, xerr=_xerr(d, "diff"),
                    fmt="none", ecolor="black", elinewidth=1, capsize=2)
        ax.scatter(d["diff"][sure], y[sure.to_numpy()], color="C3", zorder=3, s=22)
        ax.scatter(d["diff"][~sure], y[~sure.to_numpy()], facecolor="white", edgecolor="C3", zorder=3, s=22)
        ax.set_xlabel(f"{text('difference', lang)}: {axis_label(ind, lang, diff=True)}", fontsize=8)
        share_axis(ax.xaxis, ind, diff=True)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
        if k % cols == 0:
            ax.set_yticks(y, labels)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    axes[0][0].invert_yaxis()
    fig.suptitle(text("forest_title", lang, baseline=baseline))
    fig.tight_layout()
    return fig


def horizons(frame: pd.DataFrame, value: str, series: str, indicators: list[str], title: str,
             lang: str = "en", max_lines: int = 10) -> Figure:
    """A difference or an effect with its 95% interval against the horizon.

    One panel per indicator (each in its own unit) and one line per ``series`` (a
    scenario, or a factorial term); filled markers where the interval excludes 0,
    hollow where it is within noise. ``frame`` is one of
    :func:`experiments.analysis.horizon_differences` or ``horizon_effects``: a line
    that crosses zero with filled markers on both sides is a sign change.
    """
    n = len(indicators)
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    names = list(dict.fromkeys(frame[series]))[:max_lines]
    months = sorted(frame["horizon"].unique())
    ncol = min(len(names), 4) or 1
    legend = 0.3 * math.ceil(len(names) / ncol) + 0.3  # inches below the panels
    height = 3.3 * rows + legend
    fig, axes = _figure((5.2 * cols, height), rows, cols, squeeze=False)
    span = (months[-1] - months[0]) or 1
    for k, ind in enumerate(indicators):
        ax = axes[k // cols][k % cols]
        ax.axhline(0, color="grey", lw=0.8)
        for i, name in enumerate(names):
            d = frame[(frame["indicator"] == ind) & (frame[series] == name)].sort_values("horizon")
            if d.empty:
                continue
            colour = PALETTE(i % 10)
            x = d["horizon"].to_numpy(dtype=float) + span * 0.012 * (i - (len(names) - 1) / 2)  # dodge
            sure = (d["verdict"].isin(["higher", "lower"])).to_numpy()
            ax.errorbar(x, d[value], yerr=np.nan_to_num(np.vstack([d[value] - d["ci_low"], d["ci_high"] - d[value]])),
                        color=colour, lw=1.2, capsize=2, label=str(name))
            ax.scatter(x[sure], d[value][sure], color=colour, zorder=3, s=20)
            ax.scatter(x[~sure], d[value][~sure], facecolor="white", edgecolor=colour, zorder=3, s=20)
        ax.set_xticks(months)
        ax.set_xlabel(text("horizon", lang), fontsize=8)
        ax.set_ylabel(axis_label(ind, lang, diff=True), fontsize=8)
        share_axis(ax.yaxis, ind, diff=True)
        ax.set_title(indicator_name(ind, lang), fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=7, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, legend / height, 1, 1))
    return fig


def dose_response(frame: pd.DataFrame, indicators: list[str], lang: str = "en") -> Figure:
    """Each indicator against the levels of a numeric factor: mean with its 95% band, one panel per indicator.

    ``frame`` is :func:`experiments.analysis.dose_response`'s output for one
    factor; each step up is marked filled where its gain is outside noise,
    hollow where the experiment cannot tell it from zero.
    """
    factor = str(frame["factor"].iloc[0])
    n = len(indicators)
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    fig, axes = _figure((5.2 * cols, 3.4 * rows), rows, cols, squeeze=False)
    for k, ind in enumerate(indicators):
        ax = axes[k // cols][k % cols]
        d = frame[frame["indicator"] == ind].sort_values("level")
        x = d["level"].to_numpy(dtype=float)
        ax.fill_between(x, d["ci_low"], d["ci_high"], color=PALETTE(k % 10), alpha=0.25, lw=0)
        ax.plot(x, d["mean"], color=PALETTE(k % 10), lw=1.6)
        sure = (d["verdict"].isin(["higher", "lower"]) | d["previous"].isna()).to_numpy()  # the lowest: no step
        ax.scatter(x[sure], d["mean"][sure], color=PALETTE(k % 10), zorder=3, s=22)
        ax.scatter(x[~sure], d["mean"][~sure], facecolor="white", edgecolor=PALETTE(k % 10), zorder=3, s=22)
        ax.set_xlabel(parameter_label(factor, lang), fontsize=8)
        ax.set_ylabel(axis_label(ind, lang), fontsize=8)
        ax.set_title(indicator_name(ind, lang), fontsize=9)
        _factor_axis(ax.xaxis, x)
        share_axis(ax.yaxis, ind)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for k in range(n, rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    fig.suptitle(text("dose_title", lang, factor=factor))
    fig.tight_layout()
    return fig


def cost_curve(cost: pd.DataFrame, lang: str = "en") -> Figure:
    """Coverage against yearly spending, and what each step's percentage point of coverage costs.

    ``cost`` is :func:`experiments.analysis.cost_per_point`'s output. Left: the
    mean coverage at each level against its mean spending per year (the
    cost-effectiveness curve: where it flattens, money buys little coverage).
    Right: the marginal cost of a point of coverage at each step up, with its
    95% interval; steps whose coverage gain is within noise are not priced.
    """
    from experiments.analysis import COVERAGE

    fig, (left, right) = _figure((10.4, 3.6), 1, 2)
    left.plot(cost["spent"], cost["coverage"], color="C0", lw=1.6, marker="o")
    for r in cost.itertuples():
        left.annotate(tick(r.level), (r.spent, r.coverage), textcoords="offset points", xytext=(4, -10),
                      fontsize=7)
    left.set_xlabel(axis_label("purchase_spent_yuan_year", lang), fontsize=8)
    left.set_ylabel(axis_label(COVERAGE, lang), fontsize=8)
    share_axis(left.yaxis, COVERAGE)
    left.set_title(text("cost_left_title", lang), fontsize=9)
    left.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick(v)))  # 20,000,000 yuan, not 2 × 1e7
    right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick(v)))
    priced = cost[cost["step_priced"]]
    x = np.arange(len(priced))
    right.bar(x, priced["step_cost"], color="C1", alpha=0.85,
              yerr=np.nan_to_num(np.vstack([priced["step_cost"] - priced["step_cost_low"],
                                            priced["step_cost_high"] - priced["step_cost"]])), capsize=3)
    right.set_xticks(x, [f"{tick(a)} → {tick(b)}" for a, b in
                         zip(cost["level"].shift(1)[cost["step_priced"]], priced["level"], strict=True)],
                     rotation=20, ha="right")
    right.set_ylabel(text("cost_unit", lang), fontsize=8)
    right.set_xlabel(parameter_label(str(cost["factor"].iloc[0]), lang), fontsize=8)
    right.set_title(text("cost_right_title", lang), fontsize=9)
    for ax in (left, right):
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def effects(eff: pd.DataFrame, indicator: str, lang: str = "en") -> Figure:
    """Main effects and interactions of a 2^k factorial with 95% intervals."""
    e = eff[eff["indicator"] == indicator]
    fig, ax = _figure((7, 0.4 * len(e) + 1.4))
    y = np.arange(len(e))
    colours = ["C0" if o == 1 else "C1" if o == 2 else "C2" for o in e["order"]]
    ax.barh(y, e["effect"], color=colours, alpha=0.85,
            xerr=_xerr(e, "effect"), capsize=3)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, e["term"])
    ax.invert_yaxis()
    ax.set_xlabel(f"{text('effect', lang)}: {axis_label(indicator, lang, diff=True)}")
    share_axis(ax.xaxis, indicator, diff=True)
    ax.set_ylabel(text("term", lang))
    ax.set_title(text("effects_title", lang, indicator=indicator_name(indicator, lang)))
    ax.grid(axis="x", alpha=0.3)
    return fig


def heatmap(table: pd.DataFrame, indicator: str, x: str, y: str, lang: str = "en", others: bool = False) -> Figure:
    """Mean outcome over a two-factor grid.

    ``table`` has ``y`` values as rows and ``x`` values as columns; ``others`` when
    it also averages over the grid's other factors.
    """
    fig, ax = _figure((1.1 * table.shape[1] + 3, 0.6 * table.shape[0] + 2))
    im = ax.imshow(table.to_numpy(dtype=float), cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(table.shape[1]), [tick(v) for v in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(table.shape[0]), [tick(v) for v in table.index])
    ax.set_xlabel(parameter_label(x, lang))
    ax.set_ylabel(parameter_label(y, lang))
    for (i, j), v in np.ndenumerate(table.to_numpy(dtype=float)):
        ax.text(j, i, value(v, indicator), ha="center", va="center", color="white", fontsize=8)
    share_axis(fig.colorbar(im, ax=ax, label=axis_label(indicator, lang)).ax.yaxis, indicator)
    ax.set_title(text("heatmap_others_title" if others else "heatmap_title", lang,
                      indicator=indicator_name(indicator, lang), x=x.split(".")[-1], y=y.split(".")[-1]))
    return fig


def sobol_bars(si: pd.DataFrame, lang: str = "en") -> Figure:
    """First-order and total Sobol indices per factor with 95% intervals."""
    indicator = si["indicator"].iloc[0]
    fig, ax = _figure((7, 0.55 * len(si) + 1.5))
    y = np.arange(len(si))
    ax.barh(y - 0.18, si["S1"], height=0.36, xerr=si["S1_conf"], capsize=3, label=text("first_order", lang))
    ax.barh(y + 0.18, si["ST"], height=0.36, xerr=si["ST_conf"], capsize=3, label=text("total_order", lang))
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, si["factor"])
    ax.invert_yaxis()
    ax.set_xlabel(f"{text('index', lang)} (share of output variance)" if lang == "en"
                  else f"{text('index', lang)}（输出方差占比）")
    ax.set_ylabel(text("parameter", lang))
    ax.set_title(text("sobol_title", lang, indicator=indicator_name(indicator, lang)))
    ax.legend(frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def morris_bars(mi: pd.DataFrame, lang: str = "en") -> Figure:
    """Morris μ* per factor with its 95% interval, and σ as a marker."""
    indicator = mi["indicator"].iloc[0]
    mi = mi.sort_values("mu_star", ascending=False)
    fig, ax = _figure((7, 0.5 * len(mi) + 1.5))
    y = np.arange(len(mi))
    ax.barh(y, mi["mu_star"], xerr=mi["mu_star_conf"], capsize=3, color="C0", label="μ*")
    ax.scatter(mi["sigma"], y, color="C3", zorder=3, label="σ")
    ax.set_yticks(y, mi["factor"])
    ax.invert_yaxis()
    ax.set_xlabel(f"μ*, σ: {axis_label(indicator, lang)}")
    ax.set_ylabel(text("parameter", lang))
    ax.set_title(text("morris_title", lang, indicator=indicator_name(indicator, lang)))
    ax.legend(frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def inequality(ineq: pd.DataFrame, what: str, lang: str = "en") -> Figure:
    """Gini and Theil (between and within streets) of each indicator by point, with 95% intervals.

    ``ineq`` is :func:`experiments.analysis.inequality`'s output (the indicators
    to draw); one panel per measure, one marker per indicator and point.
    """
    measures = ("gini", "theil_between_streets", "theil_within_streets")
    labels = list(dict.fromkeys(ineq["label"]))
    indicators = list(dict.fromkeys(ineq["indicator"]))
    fig, axes = _figure((11, 0.32 * len(labels) * max(len(indicators), 1) ** 0.5 + 2.0), 1, len(measures),
                        sharey=True, squeeze=False)
    y = np.arange(len(labels))
    for k, measure in enumerate(measures):
        ax = axes[0][k]
        for i, ind in enumerate(indicators):
            d = ineq[(ineq["measure"] == measure) & (ineq["indicator"] == ind)].set_index("label").reindex(labels)
            dodge = 0.22 * (i - (len(indicators) - 1) / 2)
            ax.errorbar(d["mean"], y + dodge, xerr=_xerr(d, "mean"), fmt="o", ms=4, color=PALETTE(i % 10),
                        capsize=2, lw=1, label=indicator_name(ind, lang))
        ax.set_xlabel(text(measure, lang), fontsize=8)
        ax.set_xlim(left=0)
        ax.tick_params(labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y, labels)
    axes[0][0].invert_yaxis()
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(indicators), fontsize=8, frameon=False)
    fig.suptitle(text("inequality_title", lang, what=what))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def district_layout(n_communities: int = 77, n_streets: int = 11) -> tuple[dict[int, tuple[float, float]],
                                                                        np.ndarray, np.ndarray]:
    """Positions of the communities for the district map.

    Streets sit along the peninsula from its tip (east, right) westward, as
    in :data:`model.networks.STREET_NAMES`; a street's communities lie on a
    circle around it. Returns positions, each community's street, and the
    street centres.
    """
    from model.networks import build_district_graph

    g = build_district_graph(n_communities, n_streets)
    street = np.array([g.nodes[c]["street"] for c in range(n_communities)])
    centres = np.array([[(n_streets - 1 - s) * 2.2, 0.9 * math.sin(s * 0.9)] for s in range(n_streets)])
    pos = {}
    for s in range(n_streets):
        members = np.flatnonzero(street == s)
        for i, c in enumerate(members):
            a = 2 * math.pi * i / len(members) + 0.3 * s
            pos[int(c)] = (centres[s, 0] + 0.75 * math.cos(a), centres[s, 1] + 0.75 * math.sin(a))
    return pos, street, centres


def district_map(values: np.ndarray, indicator: str, label: str, what: str, lang: str = "en",
                 limits: tuple[float, float] | None = None) -> Figure:
    """The 77 communities as the district network, coloured by ``values`` (one per community).

    A schematic, not geography: each street's communities are grouped in a
    circle, streets in their order along the peninsula, lines the model's
    network; the figure says so. ``limits`` (low, high) fixes the colour scale,
    so maps of one indicator drawn side by side share it (default: these values').
    """
    from matplotlib.collections import LineCollection

    from model.networks import build_district_graph

    values = np.asarray(values, dtype=float)
    n = values.size
    n_streets = 11
    pos, street, centres = district_layout(n, n_streets)
    g = build_district_graph(n, n_streets)
    fig, ax = _figure((12, 4.2))
    for s in range(n_streets):
        ax.add_patch(Circle(centres[s], 1.05, color="0.92", zorder=0))
        ax.text(centres[s, 0], centres[s, 1] - 1.3, street_name(s, lang), ha="center", va="top", fontsize=8)
    segments = [(pos[a], pos[b]) for a, b in g.edges]
    ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.6, zorder=1))
    xy = np.array([pos[c] for c in range(n)])
    low, high = limits if limits is not None else (None, None)
    sc = ax.scatter(xy[:, 0], xy[:, 1], c=values, cmap="viridis", s=70, edgecolors="black", linewidths=0.4,
                    zorder=2, plotnonfinite=True, vmin=low, vmax=high)
    share_axis(fig.colorbar(sc, ax=ax, label=axis_label(indicator, lang), shrink=0.8).ax.yaxis, indicator)
    ax.set_aspect("equal")
    ax.set_xlim(centres[:, 0].min() - 1.5, centres[:, 0].max() + 1.5)
    ax.set_ylim(centres[:, 1].min() - 2.0, centres[:, 1].max() + 1.4)
    ax.set_xlabel(text("map_schematic", lang), fontsize=9)
    ax.set_yticks([])
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(text("district_map_title", lang, indicator=indicator_name(indicator, lang), label=label, what=what))
    return fig


def share_axis(axis: object, indicator: str, diff: bool = False) -> None:
    """Ticks of a share's axis in percent (its differences in percentage points), as its label says.

    Other indicators keep matplotlib's ticks.
    """
    if is_percent(indicator):
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(100 * v, 9):g}"))  # type: ignore[attr-defined]


def _factor_axis(axis: object, levels: np.ndarray) -> None:
    """A numeric factor's levels as the ticks, in the report's style (20,000,000, not 2e7)."""
    axis.set_ticks(levels, [tick(v) for v in levels])  # type: ignore[attr-defined]


def tick(v: object) -> str:
    """A factor's value as a tick or a table shows it: 20,000,000 rather than 2e+07, 0.25 rather than 0.250000."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int) and abs(v) >= 100_000:
        return f"{v:,}"
    return f"{v:.3g}" if isinstance(v, float) else str(v)
