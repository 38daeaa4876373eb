"""The report's summary: the answer in a few plain sentences, then the caveats.

Everything here is generated from the analysis frames the report's sections
computed (``Report.tables``: outcomes, differences, factorial effects, the
synergy, the changes between horizons, the parameter uncertainty) and the
saved runs, never written by hand, so the sentences say what the tables
below them hold, in the numbers of :mod:`experiments.numbers`.

The answer: the largest effects on the key indicators with their 95%
intervals, what is within noise (and what is exactly the same in every
seed), whether the whole beats the sum of its parts (said in the indicator's
better direction, so "lower is better" cannot be misread), which conclusions
depend on the horizon, and how many survive parameter uncertainty.

The caveats: the start of the runs (the spin-up), whether the curves are
still moving at the end (the change over the last year against the outcome's
interval), the calibrated range of months, and what the baseline is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments import analysis as an
from experiments import numbers as nb
from experiments.labels import INDICATOR_NAMES, indicator_name, text
from model.indicators import DISTRICT_INDICATORS
from model.parameters import PARAMETERS

KEY_INDICATORS = ("need_coverage", "consultation_rate", "trust_committee", "committee_admin_share")
"""The indicators the summary speaks of first, when the experiment recorded them."""

LISTED = 3
"""Effects named per indicator outside noise (the tables list them all)."""

"""Registered organizations in the district government's 2016 report (F3), the stock calibrated to."""


@dataclass
class Summary:
    """The summary's paragraphs: the answer's sentences and the caveats, in one language."""

    answer: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


def key_indicators(headline: list[str]) -> list[str]:
    """The indicators the summary speaks of: :data:`KEY_INDICATORS` recorded, else the first three of ``headline``."""
    return [i for i in KEY_INDICATORS if i in headline] or list(headline[:3])


def build_summary(res: an.Results, tables: dict[str, pd.DataFrame], baseline: str | None, lang: str,
                  headline: list[str], window: int, rename: dict[str, str] | None = None) -> Summary:
    """The summary of an experiment from the report's tables (see the module's docstring).

    Args:
        res: the saved results.
        tables: the frames the report computed (``Report.tables``).
        baseline: the scenario or point differences are taken against, or None.
        lang: "en" or "zh".
        headline: the indicators the report tabulates.
        window: outcomes are means over each run's last ``window`` months.
        rename: factor names in ``lang`` (the factorial's ``factors_zh``).
    """
    keys = key_indicators(headline)
    rename = rename or {}
    out = Summary()
    effects = tables.get("effects")
    diffs = tables.get("differences")
    if effects is not None and not effects.empty:
        main = effects[effects["order"] == 1]
        for ind in keys:
            s = _largest(main[main["indicator"] == ind], "effect", "term", ind, lang, rename, "sum_effects")
            if s:
                out.answer.append(s)
    elif diffs is not None and not diffs.empty:
        for ind in keys:
            s = _largest(diffs[diffs["indicator"] == ind], "diff", "label", ind, lang, {}, "sum_differences",
                         baseline=baseline)
            if s:
                out.answer.append(s)
    elif "summary" in tables:
        out.answer += [s for ind in keys if (s := _range_sentence(tables["summary"], ind, lang))]
    noise = _noise_count(effects if effects is not None and not effects.empty else diffs, lang)
    if noise:
        out.answer.append(noise)
    syn = tables.get("synergy")
    if syn is not None and not syn.empty:
        out.answer += _synergy_sentences(syn, [rename.get(n, n) for n in an.factorial_coding(res)[0]], lang)
    out.answer += [cost_sentence(frame, lang) for name, frame in tables.items() if name.startswith("cost:")]
    if "horizon_changes" in tables:
        out.answer.append(_horizon_sentence(tables["horizon_changes"], an.available_horizons(res), lang))
    if "uncertainty" in tables:
        out.answer.append(_uncertainty_sentence(tables, keys, lang, rename))
    out.caveats = [c for c in (_start_caveat(res, lang, window), _trend_caveat(res, tables, keys, lang),
                               _calibration_caveat(res, lang, window), _baseline_caveat(res, tables, baseline, keys,
                                                                                         lang)) if c]
    return out


# --- the answer -----------------------------------------------------------------
def _name(ind: str, lang: str, capital: bool = True) -> str:
    """The indicator's name, with its better direction in words when it has one."""
    name = indicator_name(ind, lang)
    if lang == "en" and capital and ind in INDICATOR_NAMES:  # a code name keeps its case
        name = name[:1].upper() + name[1:]
    better = DISTRICT_INDICATORS.get(ind, ("", 0, ""))[1]
    if better:
        name += text("sum_higher_better" if better > 0 else "sum_lower_better", lang)
    return name


def _item(r: Any, value: str, what: str, lang: str, rename: dict[str, str]) -> str:
    label = " × ".join(rename.get(t, t) for t in str(getattr(r, what)).split(" × "))
    return f"{label} {nb.estimate(getattr(r, value), r.ci_low, r.ci_high, r.indicator, diff=True, lang=lang)}"


def _largest(frame: pd.DataFrame, value: str, what: str, ind: str, lang: str, rename: dict[str, str],
             key: str, baseline: str | None = None) -> str:
    """One indicator's largest effects (or differences) outside noise, then those within noise."""
    if frame.empty or (frame["verdict"] == "no data").all():
        return ""
    frame = frame.assign(_size=frame[value].abs()).sort_values("_size", ascending=False, kind="stable")
    sure = frame[frame["verdict"].isin(["higher", "lower"])]
    noise = frame[frame["verdict"] == "within noise"]
    same = frame[frame["verdict"] == "no difference"]
    sep = "；" if lang == "zh" else "; "
    parts = []
    if not sure.empty:
        items = [_item(r, value, what, lang, rename) for r in sure.head(LISTED).itertuples()]
        more = len(sure) - LISTED
        parts.append(text(key, lang, indicator=_name(ind, lang), items=sep.join(items), baseline=baseline)
                     + (text("sum_and_more", lang, n=more) if more > 0 else ""))
    else:
        parts.append(text(key + "_none", lang, indicator=_name(ind, lang), baseline=baseline))
    if not noise.empty:
        parts.append(text("sum_within_noise", lang,
                          items=sep.join(_item(r, value, what, lang, rename) for r in noise.itertuples())))
    if not same.empty:
        parts.append(text("sum_no_difference", lang,
                          items=("、" if lang == "zh" else ", ").join(
                              " × ".join(rename.get(t, t) for t in str(getattr(r, what)).split(" × "))
                              for r in same.itertuples())))
    return "".join(parts)


def _range_sentence(summary: pd.DataFrame, ind: str, lang: str) -> str:
    """Without a baseline: the lowest and highest point of one indicator."""
    s = summary[(summary["indicator"] == ind) & np.isfinite(summary["mean"])]
    if len(s) < 2:
        return ""
    lo, hi = s.loc[s["mean"].idxmin()], s.loc[s["mean"].idxmax()]
    return text("sum_range", lang, indicator=_name(ind, lang),
                low=nb.estimate(lo["mean"], lo["ci_low"], lo["ci_high"], ind), low_label=lo["label"],
                high=nb.estimate(hi["mean"], hi["ci_low"], hi["ci_high"], ind), high_label=hi["label"])


def _noise_count(frame: pd.DataFrame | None, lang: str) -> str:
    """How many of the changes in the tables are within noise, and how many exactly zero."""
    if frame is None or frame.empty:
        return ""
    defined = frame[frame["verdict"] != "no data"]
    noise = int((defined["verdict"] == "within noise").sum())
    same = int((defined["verdict"] == "no difference").sum())
    return text("sum_noise_count_same" if same else "sum_noise_count", lang, n=len(defined), noise=noise, same=same)


def _synergy_sentences(syn: pd.DataFrame, names: list[str], lang: str) -> list[str]:
    """A sentence for each indicator whose whole differs from the sum of its parts, one for those within noise."""
    out = [synergy_sentence(r, names, lang) for r in syn.itertuples()
           if r.verdict in ("more than the sum of its parts", "less than the sum of its parts")]
    noise = [r for r in syn.itertuples() if r.verdict == "the sum of its parts, within noise"]
    if noise:
        sep = "；" if lang == "zh" else "; "
        items = sep.join(f"{indicator_name(r.indicator, lang)} "
                         f"{nb.estimate(r.synergy, r.ci_low, r.ci_high, r.indicator, diff=True, lang=lang)}"
                         for r in noise)
        sentence = text("sum_synergy_noise", lang, levers=("、" if lang == "zh" else ", ").join(names), items=items)
        out.append(sentence[:1].upper() + sentence[1:])
    return out


def _change_words(v: float, ind: str, lang: str, half: float | None = None) -> str:
    """A change in words: "raise it by 12.6 pp", "lower it by 0.3", "leave it unchanged"."""
    if not np.isfinite(v):
        return text("no data", lang)
    size = nb.magnitude(v, ind, half, lang)
    if float(nb.magnitude(v, ind, half).rstrip("% p").replace(",", "") or 0) == 0:
        return text("sum_unchanged", lang)
    return text("sum_raise" if v > 0 else "sum_lower", lang, size=size)


def synergy_sentence(r: Any, names: list[str], lang: str) -> str:
    """Whole against the sum of its parts, in the indicator's better direction (one row of ``analysis.synergy``)."""
    ind = r.indicator
    if r.verdict == "no data":
        return ""
    half = (r.ci_high - r.ci_low) / 2 if np.isfinite(r.ci_low) and np.isfinite(r.ci_high) else None
    better = r.better
    if r.synergy == 0 and r.ci_low == 0 and r.ci_high == 0:
        verdict = text("sum_syn_exact", lang)
    elif r.verdict == "the sum of its parts, within noise":
        verdict = text("sum_syn_noise", lang)
    elif better == 0:
        verdict = text("sum_syn_neutral", lang)
    else:
        verdict = text("sum_syn_better" if r.verdict == "more than the sum of its parts" else "sum_syn_worse",
                       lang)
    return text("sum_synergy", lang, indicator=_name(ind, lang), levers=("、" if lang == "zh" else ", ").join(names),
                whole=_change_words(r.whole, ind, lang, half), parts=_change_words(r.parts, ind, lang, half),
                synergy=nb.estimate(r.synergy, r.ci_low, r.ci_high, ind, diff=True, lang=lang), verdict=verdict)


def cost_sentence(cost: pd.DataFrame, lang: str) -> str:
    """What a point of coverage costs along a numeric factor, in one sentence.

    Coverage and spending from the factor's lowest to its highest level, and
    what a point costs in the first and the last step that gains points outside
    noise (rising: returns flatten).

    ``cost`` is :func:`experiments.analysis.cost_per_point`'s output.
    """
    from experiments.figures import tick

    cov, spend = an.COVERAGE, an.SPENDING
    lo, hi = cost.iloc[0], cost.iloc[-1]
    words = {"factor": lo["factor"], "low": tick(lo["level"]), "high": tick(hi["level"]),
             "cov_low": nb.value(lo["coverage"], cov), "cov_high": nb.value(hi["coverage"], cov)}
    priced = cost[cost["step_priced"]]
    if priced.empty:
        return text("sum_cost_unpriced", lang, **words)
    levels = list(cost["level"])
    first, last = priced.iloc[0], priced.iloc[-1]

    def step(r: pd.Series) -> str:
        return f"{tick(levels[levels.index(r['level']) - 1])} → {tick(r['level'])}"

    def price(r: pd.Series) -> str:
        return nb.estimate(r["step_cost"], r["step_cost_low"], r["step_cost_high"], "")

    flattens = len(priced) > 1 and last["step_cost_low"] > first["step_cost_high"]
    return text("sum_cost", lang, **words, spent_low=nb.value(lo["spent"], spend),
                spent_high=nb.value(hi["spent"], spend),
                first=price(first), first_step=step(first), last=price(last), last_step=step(last),
                verdict=text("sum_cost_flattens" if flattens else "sum_cost_steady", lang))


def _horizon_sentence(changes: pd.DataFrame, horizons: list[int], lang: str) -> str:
    """Which conclusions change sign (or ranking) between the horizons, and how many are weaker statements."""
    first, last = min(horizons), max(horizons)
    strong = changes[changes["kind"].isin(["sign change", "ranking flip"])]
    weak = changes[changes["kind"].isin(["fades", "emerges"])]
    if strong.empty:
        return text("sum_horizon_none" if len(weak) else "sum_horizon_steady", lang, first=first, last=last,
                    weak=len(weak))
    items = [text("sum_horizon_item", lang, indicator=indicator_name(r.indicator, lang), what=r.what,
                  a=r.from_month, b=r.to_month) for r in strong.head(LISTED).itertuples()]
    more = len(strong) - LISTED
    return text("sum_horizon", lang, first=first, last=last, n=len(strong),
                items=("；" if lang == "zh" else "; ").join(items), weak=len(weak)) + (
        text("sum_and_more", lang, n=more) if more > 0 else "")


def _uncertainty_sentence(tables: dict[str, pd.DataFrame], keys: list[str], lang: str,
                          rename: dict[str, str]) -> str:
    """How many conclusions keep their sign across parameter draws, and the share of draws for the largest."""
    rows = []
    answered = "effects" if tables.get("effects") is not None and not tables["effects"].empty else "differences"
    for name, what in (("differences", "label"), ("effects", "term"), ("synergy", None)):
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        if name == "effects":
            frame = frame[frame["order"] == 1]
        for r in frame.itertuples():
            label = text("synergy", lang) if what is None else " × ".join(
                rename.get(t, t) for t in str(getattr(r, what)).split(" × "))
            value = r.synergy if name == "synergy" else r.effect if name == "effects" else r.diff
            rows.append((label, r.indicator, value, r, name))
    firm = [x for x in rows if np.isfinite(x[3].total_low) and x[3].total_low * x[3].total_high > 0]
    colon = "：" if lang == "zh" else ": "
    fragile = [f"{label}{colon}{indicator_name(ind, lang)}" for label, ind, _, r, _ in rows
               if np.isfinite(r.total_low) and r.ci_low * r.ci_high > 0 and r.total_low * r.total_high <= 0]
    # The share of draws keeping the sign, for the largest effects (or differences) the answer names first.
    shares = sorted(((abs(v), label, ind, r.sign_share) for label, ind, v, r, name in rows
                     if name == answered and ind in keys[:1] and np.isfinite(r.sign_share) and np.isfinite(v)),
                    key=lambda x: -x[0])
    sep = "；" if lang == "zh" else "; "
    sentence = text("sum_uncertainty", lang, firm=len(firm), n=len(rows))
    if shares:
        sentence += text("sum_sign_share", lang, indicator=indicator_name(keys[0], lang),
                         items=sep.join(f"{label} {nb.percent(share)}" for _, label, _, share in shares[:LISTED]))
    if fragile:
        sentence += text("sum_fragile", lang, items=sep.join(fragile[:6]),
                         more=text("sum_and_more", lang, n=len(fragile) - 6) if len(fragile) > 6 else "")
    return sentence


# --- the caveats ----------------------------------------------------------------
def _start_caveat(res: an.Results, lang: str, window: int) -> str:
    """How a run starts: the spin-up (or none), what month 1 holds, and the latest dated change."""
    if res.spec.model is not None:
        return text("sum_start_other_model", lang, model=res.spec.model)
    default = PARAMETERS["start.spinup_years"].default
    years = sorted({int(r["params"].get("start.spinup_years", default)) for r in res.manifest["runs"]})
    last = int(res.runs["month"].max())
    first_out = last - min(window, last) + 1 if res.spec.record == "all" else last
    changes = [int(c[0]) for r in res.manifest["runs"] for c in r["changes"]]
    if years == [0]:
        sentence = text("sum_start_cold", lang, first=first_out, last=last)
    else:
        sentence = text("sum_start_spun", lang, years=f"{years[0]}–{years[-1]}" if len(years) > 1 else years[0],
                        first=first_out, last=last)
        month1 = res.runs[res.runs["month"] == 1]
        if "need_coverage" in res.runs and not month1.empty:
            sentence += text("sum_month1", lang, value=nb.value(float(month1["need_coverage"].mean()),
                                                               "need_coverage"))
    if changes:
        latest = max(changes)
        sentence += (text("sum_latest_change", lang, month=latest, gap=first_out - latest) if latest < first_out
                     else text("sum_latest_change_inside", lang, month=latest, first=first_out, last=last))
    return sentence


def _trend_caveat(res: an.Results, tables: dict[str, pd.DataFrame], keys: list[str], lang: str) -> str:
    """Whether the key indicators are still moving at the end: the change over the last year against the interval.

    An indicator of a point is still moving when the 95% interval of its change
    per year (over replicates) excludes zero and the change is larger than the
    half-width of the outcome's 95% interval.
    """
    trend = an.end_trend(res, keys)
    if trend.empty:
        return text("sum_trend_unknown", lang)
    summary = tables.get("summary")
    if summary is None or summary.empty:
        return ""
    half = summary.assign(half=(summary["ci_high"] - summary["ci_low"]) / 2).set_index(["point", "indicator"])["half"]
    moving = []
    for r in trend.itertuples():
        h = half.get((r.point, r.indicator), np.nan)
        sure = np.isfinite(r.ci_low) and r.ci_low * r.ci_high > 0 or (r.n == 1 and np.isfinite(r.change))
        if sure and np.isfinite(r.change) and (not np.isfinite(h) or abs(r.change) > h):
            moving.append((abs(r.change) / h if np.isfinite(h) and h > 0 else np.inf, r, h))
    first, last = int(trend["first_month"].iloc[0]), int(trend["last_month"].iloc[0])
    if not moving:
        return text("sum_trend_still", lang, first=first, last=last)
    moving.sort(key=lambda x: -x[0])
    sep = "；" if lang == "zh" else "; "
    items = [text("sum_trend_item", lang, indicator=indicator_name(r.indicator, lang), label=r.label,
                  change=nb.value(r.change, r.indicator, diff=True, half=h if np.isfinite(h) else None, lang=lang),
                  half=nb.magnitude(h, r.indicator, h, lang) if np.isfinite(h) else nb.DASH)
             for _, r, h in moving[:LISTED]]
    more = len(moving) - LISTED
    return text("sum_trend_moving", lang, first=first, last=last, n=len(moving), total=len(trend),
                items=sep.join(items)) + (text("sum_and_more_plain", lang, n=more) if more > 0 else "") + \
        text("sum_trend_meaning", lang, last=last)


def _calibration_caveat(res: an.Results, lang: str, window: int) -> str:
    """Where the outcome window lies against the months the model is calibrated to."""
    if res.spec.model is not None:
        return ""
    from sanshe.calibration import NEXT_WINDOW, REPORT_WINDOW  # the calibration's months, read when needed

    (first_cal, last_cal), checked = REPORT_WINDOW, NEXT_WINDOW[1]
    last = int(res.runs["month"].max())
    first_out = last - min(window, last) + 1 if res.spec.record == "all" else last
    hs = an.available_horizons(res)
    beyond = [h for h in hs if h > checked]
    if last <= checked and first_out >= first_cal:
        where = text("sum_cal_inside", lang)
    elif last < first_cal:
        where = text("sum_cal_before", lang)
    else:
        where = text("sum_cal_beyond", lang, span=_span(last - checked, lang))
    sentence = text("sum_calibration", lang, first=first_cal, last=last_cal, checked=checked, a=first_out, b=last,
                    where=where)
    if len(hs) > 1 and beyond:
        sentence += text("sum_cal_horizons", lang, months=", ".join(map(str, beyond)), checked=checked)
    return sentence + _stock_check(res, lang, window)


def _stock_check(res: an.Results, lang: str, window: int) -> str:
    """The reform scenario's organization stock in the outcome window against the report's 904 (F3), if run."""
    reform = "yuzhong_2016"
    if "org_count" not in res.indicators or reform not in res.labels.values():
        return ""
    s = an.summarise(res, ["org_count"], window)
    row = s[s["label"] == reform]
    if row.empty or not np.isfinite(row["mean"].iloc[0]):
        return ""
    r = row.iloc[0]
    from sanshe.calibration import TARGETS

    f3 = next(t for t in TARGETS if t.name == "F3")
    return text("sum_stock", lang, label=reform, value=nb.estimate(r["mean"], r["ci_low"], r["ci_high"], "org_count"),
                target=nb.count(f3.target))


def _span(months: int, lang: str) -> str:
    """A span of months in words: "12 months", "13 years"."""
    if months < 24:
        return text("sum_months", lang, n=months)
    return text("sum_years", lang, n=nb.number(months / 12, 0 if months % 12 == 0 else 1))


def _baseline_caveat(res: an.Results, tables: dict[str, pd.DataFrame], baseline: str | None, keys: list[str],
                     lang: str) -> str:
    """What the baseline is, and (when the design has the pre-reform district) that it is not that district."""
    if baseline is None:
        return text("sum_no_baseline", lang, design=res.spec.design)
    if res.spec.design != "scenarios":
        point = res.point_of(baseline)
        lowest = res.spec.design in an.DOSED and point == an.lowest_point(res)
        return text("sum_baseline_lowest" if lowest else "sum_baseline_point", lang, label=res.labels[point],
                    design=text(f"design_{res.spec.design}", lang))
    from model.scenario import ScenarioError, load_scenario

    try:
        sc = load_scenario(baseline)
        desc = " ".join((sc.description_zh if lang == "zh" and sc.description_zh else sc.description).split())
    except ScenarioError:
        desc = nb.DASH
    sentence = text("sum_baseline", lang, baseline=baseline, description=desc)
    pre = "pre_reform"
    summary = tables.get("summary")
    if baseline != pre and pre in res.labels.values() and summary is not None and keys:
        ind = keys[0]
        s = summary[summary["indicator"] == ind].set_index("label")
        if baseline in s.index and pre in s.index:
            sentence += text("sum_not_pre_reform", lang, baseline=baseline, indicator=indicator_name(ind, lang),
                             a=nb.value(s.loc[baseline, "mean"], ind), b=nb.value(s.loc[pre, "mean"], ind))
    return sentence
