"""Calibration of the reform scenario to the report's 2016 figures (DESIGN §7).

The reform scenario ``yuzhong_2016`` is history-friendly: it starts in the
pre-reform state and switches the reform on at month 25. The report
describes the district about four years later, in the year that ends at
:data:`REPORT_MONTH`: the report year, :data:`REPORT_WINDOW`.

Each :class:`Target` reads one figure of the report (its F-id), or one
problem the report admits (its P-id), from the district indicators over the
report year, with its tolerance band and the reason for its width. Targets
are of four kinds (:class:`Kind`), reported separately: only *fitted*
targets measure the fit, *held-out* targets were never used to set a
parameter, and inputs reproduced and restatements of another target are
consistency checks that never count as fit.

A stock passes when the mean over seeds is inside its band in every month of
the report year and is not crossing it: a stock whose level in the year after
the report year has left the band was passing through the figure on its way
elsewhere (:func:`crossing`), not describing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property

import numpy as np
import pandas as pd

from model.model import SansheModel
from model.scenario import Scenario, load_scenario

REFORM_MONTH = min(m for m in load_scenario("yuzhong_2016").months_set("orgs.cleanup_campaign") if m > 1)
"""The month the reform switches on, read from ``yuzhong_2016`` (its dated change, with the F9 campaign)."""
REPORT_MONTH = REFORM_MONTH - 1 + 48
"""The end of the report's year: four years of reform (months 25 to 72)."""
REPORT_WINDOW = (REPORT_MONTH - 11, REPORT_MONTH)
"""The report year, first and last month: the report's stocks are undated within it (F3: "目前")."""
NEXT_WINDOW = (REPORT_MONTH + 1, REPORT_MONTH + 12)
"""The year after the report year, where a stock must still hold its figure (:func:`crossing`)."""
PRE_REFORM_WINDOW = (REFORM_MONTH - 12, REFORM_MONTH - 1)
"""The last year before the reform, the reference of the P1 pattern."""


class Kind(StrEnum):
    """What a target can tell about the model."""

    FITTED = "fitted"
    """A parameter was tuned to reach it: the fit."""
    HELD_OUT = "held out"
    """No parameter was tuned to it: a prediction."""
    INPUT = "input reproduced"
    """The figure is a lever or an input of the scenario: a consistency check, never a fit."""
    REPEAT = "repeats a target"
    """Another target in other units: a consistency check, never a fit."""


def _window(df: pd.DataFrame, window: tuple[int, int]) -> pd.DataFrame:
    return df.loc[(df.month >= window[0]) & (df.month <= window[1])]


def _monthly(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The indicator in every month of the report year and the year after (a stock, checked month by month)."""
    def measure(df: pd.DataFrame) -> pd.Series:
        return _window(df, (REPORT_WINDOW[0], NEXT_WINDOW[1])).set_index("month")[col]
    measure.stock, measure.columns = True, (col,)
    return measure


def _year_sum(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The indicator summed over the report year (a flow), dated at its last month."""
    def measure(df: pd.DataFrame) -> pd.Series:
        return pd.Series([float(_window(df, REPORT_WINDOW)[col].sum())], index=[REPORT_MONTH])
    measure.columns = (col,)
    return measure


def _year_mean(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    """The indicator's mean over the report year (a pattern, not a count), dated at its last month."""
    def measure(df: pd.DataFrame) -> pd.Series:
        return pd.Series([float(_window(df, REPORT_WINDOW)[col].mean())], index=[REPORT_MONTH])
    measure.columns = (col,)
    return measure


def _campaign(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    """What the one-off clean-up campaign did in the reform's yearly cycle (F9).

    NaN (which no band holds) if anything was done in any other month: the campaign must be one-off.
    """
    def measure(df: pd.DataFrame) -> pd.Series:
        others = df.loc[df.month != REFORM_MONTH, col]
        value = float(df.loc[df.month == REFORM_MONTH, col].iloc[0]) if (others == 0).all() else float("nan")
        return pd.Series([value], index=[REFORM_MONTH])
    measure.columns = (col,)
    return measure


def _births_share(df: pd.DataFrame) -> pd.Series:
    """Organizations founded in the report year over the year's mean stock (one value)."""
    year = _window(df, REPORT_WINDOW)
    stock = year["org_count"].mean()
    return pd.Series([float(year["org_births"].sum() / stock) if stock > 0 else float("nan")], index=[REPORT_MONTH])


_births_share.columns = ("org_count", "org_births")


def _admin_share_kept(df: pd.DataFrame) -> pd.Series:
    """P1: the report year's administrative share over the last pre-reform year's."""
    after = _window(df, REPORT_WINDOW)["committee_admin_share"].mean()
    before = _window(df, PRE_REFORM_WINDOW)["committee_admin_share"].mean()
    return pd.Series([float(after / before) if before > 0 else float("nan")], index=[REPORT_MONTH])


_admin_share_kept.columns = ("committee_admin_share",)


@dataclass(frozen=True)
class Target:
    """One figure of the report, the band the model must fall in, why, and what kind of check it is.

    ``measure`` gives the model's value by month: every month of the report
    year for a stock, one value for a flow, a campaign or a pattern.
    ``tuned`` names the parameters whose defaults were set by hand to reach a
    fitted target (the fit, ``sanshe calibrate --fit``, frees those of
    :data:`FREE` instead);
    ``lever`` the input an input target reproduces, and the multiple of it
    the figure counts (posts per community × communities); ``repeats`` the
    target a restatement repeats.
    """

    fact: str
    what: str
    target: float
    low: float
    high: float
    why: str
    kind: Kind
    measure: Callable[[pd.DataFrame], pd.Series]
    tuned: tuple[str, ...] = ()
    lever: tuple[str, float] = ()
    repeats: str = ""
    key: str = ""
    """A short unique name (the F-id, with a word where two targets share one)."""

    @property
    def name(self) -> str:
        """The target's unique name: its key, or its F- or P-id."""
        return self.key or self.fact

    @property
    def stock(self) -> bool:
        """Whether it is a stock, checked in every month of the report year and in the year after."""
        return getattr(self.measure, "stock", False)

    @property
    def columns(self) -> tuple[str, ...]:
        """The indicators its measure reads (besides ``month``)."""
        return self.measure.columns


_ORGS = ("orgs.founding_attempts_per_10k_year", "orgs.revenue_pool_yuan_per_capita_month",
         "orgs.registration_multiplier in pre_reform")
TARGETS: tuple[Target, ...] = (
    Target("F3", "registered organizations", 904, 860, 950,
           "±5%: a stock counted on an undated day of 2016 (the report's figures are unaudited and rounded)",
           Kind.FITTED, _monthly("org_count"), tuned=_ORGS),
    Target("F4", "staff of active organizations", 3850, 3465, 4235,
           "±10%: 'about 3,850', a count of people the registry holds loosely",
           Kind.FITTED, _monthly("org_staff"), tuned=("orgs.staff_mean",)),
    Target("F6", "organizations holding purchase contracts", 116, 99, 133,
           "±15%: 'about 116'; the number of holders moves with each year's tender",
           Kind.FITTED, _monthly("contract_holders"), tuned=("purchase.weight_record", "purchase.capacity_headroom")),
    Target("F9", "organizations cleaned up in the reform's campaign", 97, 82, 112,
           "±15%: a one-off campaign when the reform started (inactive organizations and trade "
           "associations); NaN if anything was cleaned up in another month",
           Kind.FITTED, _campaign("orgs_cleaned_up"), tuned=("orgs.dormancy_months in pre_reform",),
           key="F9_cleaned_up"),
    Target("F9", "of them, deregistered", 3, 0, 8, "3, a small count: 0-8",
           Kind.FITTED, _campaign("orgs_deregistered"), tuned=("orgs.campaign_association_exit_share",),
           key="F9_deregistered"),
    Target("F10", "certified community workers", 366, 330, 402, "±10% of 366",
           Kind.FITTED, _monthly("certified_workers"), tuned=("social_work.exam_pass_prob",), key="F10_certified"),
    Target("P1", "administrative share kept: report year over the last pre-reform year", float("nan"),
           0.365, 0.95,
           "committees still lean administrative: deburdening (296 to 72 items, F1) lowers the share, by more "
           "than 5%, but it keeps more than 1.5 times the 72/296 (0.365) that cutting items alone would leave",
           Kind.HELD_OUT, _admin_share_kept),
    Target("P2", "adults attending a consultation in a year (report-year mean)", float("nan"), 0.01, 0.20,
           "participation is not high enough: consultations are held (F17), but fewer than a fifth of adults "
           "attend one in a year", Kind.HELD_OUT, _year_mean("consultation_rate")),
    Target("P3", "contract money held by the top 10% of holders (report-year mean)", float("nan"), 0.15, 1.0,
           "organizations develop unevenly: the top tenth of holders take at least 1.5 times an equal share",
           Kind.HELD_OUT, _year_mean("contract_top10_share")),
    Target("P4", "social-worker vacancies (report-year mean)", float("nan"), 1, float("inf"),
           "talent cannot meet demand: room posts or organizations' social-worker needs stay unfilled",
           Kind.HELD_OUT, _year_mean("social_worker_vacancies")),
    Target("CN", "organizations founded in the report year over the stock", float("nan"), 0.05, 0.20,
           "a public statistic, not the report's: China's registered social organizations grew by more than "
           "50,000 a year from 2011, from over 630,000 in 2015 to over 720,000 in 2016 (公益时报 2018, from the "
           "Ministry of Civil Affairs' figures), 8-14% a year net; founding exceeds net growth by the closures, "
           "and a pilot district need not follow the national rate, so the band is wide: 5-20% of the stock",
           Kind.HELD_OUT, _births_share, key="births"),
    Target("F1", "items on the committees' list", 72, 72, 72,
           "a lever set by the reform; admission control keeps it exact", Kind.INPUT, _monthly("committee_tasks"),
           lever=("admin.committee_tasks", 1)),
    Target("F7", "purchase money spent in the report year (yuan)", 30e6, 27e6, 30.5e6,
           "'近3000万' is 'nearly 30 M', the reform's budget; contracts that end early leave some money unspent",
           Kind.INPUT, _year_sum("purchase_spent_yuan"), lever=("purchase.budget_yuan", 1)),
    Target("F11", "common projects", 144, 144, 144, "a lever of the purchase programme",
           Kind.INPUT, _monthly("projects_common"), lever=("purchase.common_projects", 1), key="F11_common"),
    Target("F11", "individual projects", 36, 36, 36, "a lever of the purchase programme",
           Kind.INPUT, _monthly("projects_individual"), lever=("purchase.individual_projects", 1),
           key="F11_individual"),
    Target("F12", "social-work room posts filled", 154, 140, 154,
           "2 posts in each of 77 communities; up to 10% vacant between a departure and a hire",
           Kind.INPUT, _monthly("room_posts_filled"), lever=("social_work.posts_per_community", 77)),
    Target("F5", "organizations per 10,000 residents", 15, 13.6, 16.1,
           "'15' rounds 14.5-15.5 of the 603k residents it implies; over the census's 630k, F3's band "
           "(860-950) is 13.65-15.1 a 10,000, so a restatement of F3 must allow 13.6",
           Kind.REPEAT, _monthly("orgs_per_10k"), repeats="F3 over the population"),
    Target("F10", "certified share of community workers", 0.32, 0.29, 0.35, "±0.03 around 32%",
           Kind.REPEAT, _monthly("certified_share"), repeats="F10's count over the 1,144 workers", key="F10_share"),
)
"""The calibration targets, fitted first, then held out, then the consistency checks."""

def crossing(values: pd.Series, low: float, high: float) -> float | None:
    """The mean of a stock in the year after the report year if it has left the band, else None.

    The report's stocks are undated within 2016 and say nothing of later
    years; still, a model that holds a figure only while passing through it
    (the stock in its band for the report year and out of it a year later)
    reproduces a moment of its trajectory, not the district the report
    describes. A flow, a campaign or a pattern (one value) is never crossing.
    """
    after = values[(values.index >= NEXT_WINDOW[0]) & (values.index <= NEXT_WINDOW[1])]
    if after.empty:
        return None
    level = float(after.mean())
    return None if low <= level <= high else level


@dataclass
class TargetResult:
    """A target and its measure in each calibration seed (by month)."""

    target: Target
    values: list[pd.Series]

    @cached_property
    def over_seeds(self) -> pd.Series:
        """The mean over seeds, by month: the report year and, for a stock, the year after."""
        return pd.concat(self.values, axis=1).mean(axis=1, skipna=False)

    @property
    def by_month(self) -> pd.Series:
        """The mean over seeds, by month of the report year (a stock), or the one value of a flow or pattern."""
        return self.over_seeds[self.over_seeds.index <= REPORT_WINDOW[1]]

    @property
    def mean(self) -> float:
        """The mean over seeds and months of the report year."""
        return float(self.by_month.mean(skipna=False))

    @property
    def next_year(self) -> float:
        """A stock's mean over seeds in the year after the report year (NaN for one value)."""
        after = self.over_seeds[self.over_seeds.index >= NEXT_WINDOW[0]]
        return float(after.mean()) if not after.empty else float("nan")

    @property
    def outside(self) -> str:
        """Why the target fails ('' when it passes): the first month outside its band, or its crossing trend."""
        t, by_month = self.target, self.by_month
        for month, value in by_month.items():
            if not t.low <= value <= t.high:
                return f"month {month} at {_n(value)}"
        later = crossing(self.over_seeds, t.low, t.high)
        return "" if later is None else f"crossing the band: {_n(later)} the year after"

    @property
    def inside(self) -> bool:
        """Whether the mean over seeds is inside the band in every month and not crossing it."""
        return not self.outside


def run_calibration(seeds: int, scale: float, scenario: Scenario | None = None) -> list[TargetResult]:
    """Run the reform scenario for ``seeds`` seeds until a year after the report year; measure every target."""
    scenario = scenario or load_scenario("yuzhong_2016")
    frames = []
    for seed in range(seeds):
        sc = replace(scenario, params={**scenario.params, "population.population_scale": scale})
        model = SansheModel(sc, seed=seed)
        model.run(NEXT_WINDOW[1])
        frames.append(model.recorder.district_frame())
    return [TargetResult(t, [t.measure(df) for df in frames]) for t in TARGETS]


SECTIONS = (
    ((Kind.FITTED,), "fitted (a parameter was tuned to each: the fit)", "inside"),
    ((Kind.HELD_OUT,), "held out (no parameter was tuned to them: predictions)", "inside"),
    ((Kind.INPUT, Kind.REPEAT), "consistency checks (inputs reproduced and restatements: never counted as fit)",
     "hold"),
)
"""The report's three parts: the kinds of target in each, its heading, and the word for a pass."""


def report(results: list[TargetResult], seeds: int, scale: float) -> str:
    """The calibration tables, one per part (:data:`SECTIONS`), and why each band is that wide."""
    first, last = REPORT_WINDOW
    lines = [f"calibration of yuzhong_2016 over the report year, months {first}-{last} (the fourth reform "
             f"year), {seeds} seeds, scale {scale}",
             "a stock passes when the mean over seeds is inside its band in every month of the report year "
             "and still inside it in the year after (not crossing it)"]
    for kinds, heading, word in SECTIONS:
        part = [r for r in results if r.target.kind in kinds]
        lines += ["", f"{heading}: {sum(r.inside for r in part)} of {len(part)} {word}",
                  f"  {'fact':4s} {'figure':62s} {'target':>8s} {'band':>17s} {'model':>10s} "
                  f"{'months':>17s} {'seeds':>17s} {'year after':>10s}  verdict"]
        for r in part:
            t, by_month = r.target, r.by_month
            seed_means = [float(v[v.index <= REPORT_WINDOW[1]].mean()) for v in r.values]
            target = "pattern" if np.isnan(t.target) else _n(t.target)
            verdict = "yes" if r.inside else f"NO: {r.outside}"
            lines.append(f"  {t.fact:4s} {t.what:62s} {target:>8s} {_range(t.low, t.high):>17s} {_n(r.mean):>10s} "
                         f"{_range(by_month.min(), by_month.max()):>17s} "
                         f"{_range(min(seed_means), max(seed_means)):>17s} {_n(r.next_year):>10s}  {verdict}")
    lines += ["", "why the bands, and which defaults were set by hand to reach them (--fit frees: "
              + ", ".join(f.path for f in FREE) + "):"]
    for r in results:
        t = r.target
        extra = (f" (defaults set by hand: {', '.join(t.tuned)})" if t.tuned else "") + \
            (f" (reproduces {t.lever[0]}{f' × {t.lever[1]:g}' if t.lever[1] != 1 else ''})" if t.lever else "") + \
            (f" (repeats {t.repeats})" if t.repeats else "")
        lines.append(f"  {t.fact} {t.what}: {t.why}{extra}")
    counts = {kinds: (sum(r.inside for r in results if r.target.kind in kinds),
                      sum(r.target.kind in kinds for r in results)) for kinds, _, _ in SECTIONS}
    (fit_in, fit_n), (held_in, held_n), (chk_in, chk_n) = counts.values()
    lines.append(f"fit: {fit_in} of {fit_n} fitted targets inside; {held_in} of {held_n} held-out targets "
                 f"inside; {chk_in} of {chk_n} consistency checks hold")
    return "\n".join(lines)


def _range(low: float, high: float) -> str:
    return _n(low) if low == high else f"{_n(low)} – {_n(high)}"


def _n(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} M"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.3f}"


# --- inverse modelling: which parameters matter (screening), and their fit (ABC-SMC) -------------
@dataclass(frozen=True)
class Free:
    """A parameter the fit sets, the range of its uniform prior, and why it is free."""

    path: str
    low: float
    high: float
    why: str


FREE: tuple[Free, ...] = (
    Free("orgs.founding_attempts_per_10k_year", 2.0, 6.0, "hand-tuned to F3; the founding rate of 2012-16 is "
         "not published"),
    Free("orgs.revenue_pool_yuan_per_capita_month", 35.0, 105.0, "hand-tuned to F3; the largest effect on F4 in the "
         "screening; F4 and F7 imply about 35 if all of it were taken"),
    Free("orgs.staff_mean", 3.5, 5.5, "hand-tuned to F4; the largest effect on F6 in the screening; F4 over F3 is "
         "4.3 staff an organization"),
    Free("orgs.own_revenue_ratio", 0.7, 1.4, "an assumption (the median organization about breaks even); among the "
         "largest effects on F3, F4 and F9 in the screening"),
    Free("orgs.cluster_birth_prob", 0.03, 0.3, "an assumption; the largest effect on F3 and the second on F9's "
         "clean-up in the screening"),
    Free("social_work.exam_pass_prob", 0.03, 0.12, "hand-tuned to F10, the largest effect on it in the screening; "
         "the national pass rate is near 20% of candidates, but not every worker sits the exam"),
)
"""The free parameters of the fit: each the largest or among the largest effects on a fitted target in the
screening (docs/calibration.md, "The screening"), with no published value."""

SCREEN_SPREAD = 0.5
"""The screening moves each parameter within ± this share of its default (inside its declared range)."""


AFTER = " year after"
"""What a stock's statistic in the year after adds to its target's name (left out with it, grouped with it)."""


def _statistic(t: Target, after: bool = False):
    """A target as a statistic of one run: its mean over the report year (or, ``after``, the year after)."""
    from experiments.abc import Statistic

    def measure(df: pd.DataFrame) -> float:
        v = t.measure(df)
        return float(v[v.index >= NEXT_WINDOW[0]].mean() if after else v[v.index <= REPORT_WINDOW[1]].mean())

    return Statistic(t.name + AFTER if after else t.name, t.target, t.low, t.high, measure)


def statistics(kinds: set[Kind]) -> tuple:
    """The targets of ``kinds`` as statistics; a stock twice, in the report year and in the year after."""
    out = []
    for t in TARGETS:
        if t.kind in kinds:
            out.append(_statistic(t))
            if t.stock:
                out.append(_statistic(t, after=True))
    return tuple(out)


def fit_problem(scale: float, free: tuple[Free, ...] = FREE, leave_out: tuple[str, ...] = ()):
    """The calibration as an ABC problem: the free parameters, fitted to the fitted targets, predicting the rest.

    The patterns P1-P4 and the founding rate are never fitted: they are held out, predictions the
    posterior is checked against; inputs reproduced and restatements are
    reported as consistency checks. ``leave_out`` names fitted targets to
    hold out instead (leave-one-target-out: is each fitted target predicted
    by a fit that never saw it?). Its runs record only the indicators the
    targets read.
    """
    from experiments.abc import Prior, Problem

    fitted = statistics({Kind.FITTED})
    left = {s.name for s in fitted if s.name.removesuffix(AFTER) in leave_out}
    return Problem(name="yuzhong_2016", priors=tuple(Prior(f.path, f.low, f.high) for f in free),
                   fitted=tuple(s for s in fitted if s.name not in left),
                   held_out=tuple(s for s in fitted if s.name in left) + statistics({Kind.HELD_OUT}),
                   checks=statistics({Kind.INPUT, Kind.REPEAT}), months=NEXT_WINDOW[1], base="yuzhong_2016",
                   scale=scale, indicators=tuple(dict.fromkeys(c for t in TARGETS for c in t.columns)))


def fit_report(problem, result) -> str:
    """The fit in words and tables: generations, each parameter's posterior, and every target's prediction."""
    from experiments.abc import leave_one_out, parameter_summary, predictive_checks, recycled_runs
    from experiments.engine import OptionError

    lines = [f"ABC-SMC fit of yuzhong_2016 at scale {problem.scale}: {len(result.posterior)} particles, "
             f"{len(result.generations)} generations, {sum(g.runs or g.proposed for g in result.generations):,} runs"]
    lines += [f"  generation {g.generation}: ε {g.epsilon:.3g}, {g.accepted} of {g.proposed} accepted, "
              f"{g.runs or g.proposed} runs, "
              f"{g.seconds:.0f} s" for g in result.generations]
    if result.stopped:
        lines.append(f"stopped: {result.stopped}")
    lines += ["", "parameters (posterior median and 90% interval; 'kept' is the interval's share of the prior):"]
    for r in parameter_summary(problem, result.posterior).itertuples():
        lines.append(f"  {r.parameter:45s} {_n(r.median):>10s} [{_n(r.low_90)}, {_n(r.high_90)}] of "
                     f"[{_n(r.prior_low)}, {_n(r.prior_high)}]  kept {r.range_kept:.2f}  "
                     f"{'constrained' if r.constrained else 'not constrained by the data'}")
    lines += ["", "targets (posterior predictive median and 90% interval; share of particles inside the band):"]
    for r in predictive_checks(problem, result.posterior).itertuples():
        lines.append(f"  {r.kind:8s} {r.statistic:28s} {_n(r.median):>10s} [{_n(r.low_90)}, {_n(r.high_90)}]  "
                     f"band {_range(r.low, r.high):>17s}  inside {100 * r.inside_share:.0f}%")
    if result.out is not None:
        lines += ["", "leave-one-target-out (each fitted target predicted by the posterior given the others only: "
                  "every run of the fit, weighted by adaptive multiple importance sampling; ESS the effective "
                  "sample size behind each interval):"]
        try:
            loo = leave_one_out(problem, recycled_runs(problem, result.out), target_groups(problem))
        except OptionError as e:  # the report is still written, and says why this part is missing
            lines.append(f"  not computed: {e}")
            loo = pd.DataFrame()
        for r in loo.itertuples():
            lines.append(f"  {r.statistic:28s} {_n(r.median):>10s} [{_n(r.low_90)}, {_n(r.high_90)}]  "
                         f"band {_range(r.low, r.high):>17s}  inside {100 * r.inside_share:.0f}%  "
                         f"ESS {r.ess:.0f} of {r.runs} runs")
    return "\n".join(lines)


def target_groups(problem) -> dict[str, tuple[str, ...]]:
    """The fitted statistics by target: a stock's report-year and year-after statistics are left out together."""
    groups: dict[str, list[str]] = {}
    for s in problem.fitted:
        groups.setdefault(s.name.removesuffix(AFTER), []).append(s.name)
    return {name: tuple(names) for name, names in groups.items()}


def screening_spec(trajectories: int, scale: float, spread: float = SCREEN_SPREAD):
    """A Morris design over every assumption and free parameter, each within ± ``spread`` of its default."""
    from experiments.spec import spec_from_dict
    from experiments.uncertainty import around_default, assumption_parameters
    from model.parameters import PARAMETERS

    params = {p.path: p for p in assumption_parameters()} | {f.path: PARAMETERS[f.path] for f in FREE}
    factors = {}
    for path, p in params.items():
        low, high = around_default(p, spread)
        if p.kind is int:
            low, high = int(np.ceil(low)), int(np.floor(high))
        if high > low:
            factors[path] = {"low": low, "high": high}
    data = {"name": "screening", "design": "morris", "base": "yuzhong_2016", "factors": factors,
            "samples": trajectories, "months": NEXT_WINDOW[1], "scale": scale, "communities": "none",
            "description": f"Morris screening of {len(factors)} parameters for the calibration targets"}
    return spec_from_dict(data, "screening")


def screen(out, trajectories: int, scale: float, workers: int | None = None, dask: str | None = None,
           progress: bool = True) -> pd.DataFrame:
    """Morris screening through the engine: each parameter's μ* for every target, in units of the target's band.

    μ* is the mean absolute elementary effect over the parameter's range
    (Campolongo et al. 2007); dividing by the band's half-width (its lower
    limit where it has no upper one) makes targets comparable. Rows are
    sorted by the largest scaled μ* over the fitted targets.
    """
    from SALib.analyze import morris

    from experiments.abc import measure
    from experiments.analysis import _morris_rescaled
    from experiments.designs import MORRIS_LEVELS, design_points, salib_problem
    from experiments.engine import run_experiment

    spec = screening_spec(trajectories, scale)
    run_experiment(spec, out, workers, dask, progress)
    problem = salib_problem(spec)
    x = np.array([[pt.factors[n] for n in problem["names"]] for pt in design_points(spec)], dtype=float)
    stats = statistics({Kind.FITTED, Kind.HELD_OUT})
    values = measure(stats, out, len(x))
    table = pd.DataFrame({"parameter": problem["names"]})
    for s in stats:
        y = values[s.name].to_numpy(float)
        half = (s.high - s.low) / 2 if np.isfinite(s.high) else abs(s.low)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            table[s.name] = 0.0 if np.isfinite(y).all() else np.nan
            continue
        si = morris.analyze(problem, x, _morris_rescaled(problem, x, y), num_levels=MORRIS_LEVELS, seed=1)
        table[s.name] = np.asarray(si["mu_star"]) / half
    fitted = [s.name for s in statistics({Kind.FITTED})]
    table.insert(1, "largest_fitted", table[fitted].max(axis=1))
    return table.sort_values("largest_fitted", ascending=False, kind="stable").reset_index(drop=True)
