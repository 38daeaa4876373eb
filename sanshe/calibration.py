"""Calibration of the reform scenario to the report's 2016 figures (DESIGN §7).

The reform scenario ``yuzhong_2016`` is history-friendly: it starts in the
pre-reform state and switches the reform on at month 25. The report
describes the district about four years later; :data:`REPORT_MONTH` is the
end of that fourth reform year. Each :class:`Target` reads one figure of
the report (its F-id) from the district indicators at that date and carries its
tolerance band with the reason for its width.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from model.model import SansheModel
from model.scenario import Scenario, load_scenario

REFORM_MONTH = min(m for m in load_scenario("yuzhong_2016").months_set("orgs.cleanup_campaign") if m > 1)
"""The month the reform switches on, read from ``yuzhong_2016`` (its dated change, with the F9 campaign)."""
REPORT_MONTH = REFORM_MONTH - 1 + 48
"""The report's date: four years of reform (months 25 to 72)."""


def _at(col: str) -> Callable[[pd.DataFrame], float]:
    return lambda df: float(df.loc[df.month == REPORT_MONTH, col].iloc[0])


def _last_year_sum(col: str) -> Callable[[pd.DataFrame], float]:
    return lambda df: float(df.loc[(df.month > REPORT_MONTH - 12) & (df.month <= REPORT_MONTH), col].sum())


def _campaign(col: str) -> Callable[[pd.DataFrame], float]:
    """What the one-off clean-up campaign did in the reform's yearly cycle (F9).

    Nothing in any other month, or the campaign was not one-off.
    """
    def measure(df: pd.DataFrame) -> float:
        others = df.loc[df.month != REFORM_MONTH, col]
        return float(df.loc[df.month == REFORM_MONTH, col].iloc[0]) if (others == 0).all() else float("nan")
    return measure


@dataclass(frozen=True)
class Target:
    """One figure of the report, the band the model must fall in, and why."""

    fact: str
    what: str
    target: float
    low: float
    high: float
    why: str
    measure: Callable[[pd.DataFrame], float]


TARGETS: tuple[Target, ...] = (
    Target("F1", "items on the committees' list", 72, 72, 72,
           "a lever set by the reform; admission control keeps it exact", _at("committee_tasks")),
    Target("F3", "registered organizations", 904, 860, 950,
           "±5%: a stock counted on an undated day of 2016 (the report's figures are unaudited and rounded)",
           _at("org_count")),
    Target("F4", "staff of active organizations", 3850, 3465, 4235,
           "±10%: 'about 3,850', a count of people the registry holds loosely", _at("org_staff")),
    Target("F5", "organizations per 10,000 residents", 15, 13.9, 16.1,
           "'15' rounds 14.5-15.5 and the population behind it (603k) differs from the census (630k)",
           _at("orgs_per_10k")),
    Target("F6", "organizations holding purchase contracts", 116, 99, 133,
           "±15%: 'about 116'; the number of holders moves with each year's tender", _at("contract_holders")),
    Target("F7", "purchase money spent in the report year (yuan)", 30e6, 27e6, 30.5e6,
           "'近3000万' is 'nearly 30 M'; contracts that end early leave some money unspent",
           _last_year_sum("purchase_spent_yuan")),
    Target("F9", "organizations cleaned up in the reform's campaign", 97, 82, 112,
           "±15%: a one-off campaign when the reform started (inactive organizations and trade "
           "associations); NaN if anything was cleaned up in another month", _campaign("orgs_cleaned_up")),
    Target("F9", "of them, deregistered", 3, 0, 8,
           "3, a small count: 0-8", _campaign("orgs_deregistered")),
    Target("F10", "certified community workers", 366, 330, 402,
           "±10% of 366", _at("certified_workers")),
    Target("F10", "certified share of community workers", 0.32, 0.29, 0.35,
           "±0.03 around 32%", _at("certified_share")),
    Target("F11", "common projects", 144, 144, 144, "a lever of the purchase programme",
           _at("projects_common")),
    Target("F11", "individual projects", 36, 36, 36, "a lever of the purchase programme",
           _at("projects_individual")),
    Target("F12", "social-work room posts filled", 154, 140, 154,
           "154 posts; up to 10% vacant between a departure and a hire", _at("room_posts_filled")),
)


@dataclass
class TargetResult:
    """A target and the values of its measure, one per calibration seed."""

    target: Target
    values: list[float]

    @property
    def mean(self) -> float:
        """The mean over seeds."""
        return float(np.mean(self.values))

    @property
    def inside(self) -> bool:
        """Whether the mean falls in the target's band."""
        return self.target.low <= self.mean <= self.target.high


def run_calibration(seeds: int, scale: float, scenario: Scenario | None = None) -> list[TargetResult]:
    """Run the reform scenario to the report's date for ``seeds`` seeds and measure every target."""
    scenario = scenario or load_scenario("yuzhong_2016")
    frames = []
    for seed in range(seeds):
        sc = replace(scenario, params={**scenario.params, "population.population_scale": scale})
        model = SansheModel(sc, seed=seed)
        model.run(REPORT_MONTH)
        frames.append(model.recorder.district_frame())
    return [TargetResult(t, [t.measure(df) for df in frames]) for t in TARGETS]


def report(results: list[TargetResult], seeds: int, scale: float) -> str:
    """The calibration table: target, band, model mean and range, inside or not."""
    lines = [f"calibration of yuzhong_2016 at month {REPORT_MONTH} (four reform years), "
             f"{seeds} seeds, scale {scale}",
             f"{'fact':5s} {'figure':46s} {'target':>12s} {'band':>25s} {'model mean':>12s} "
             f"{'model range':>25s}  inside"]
    for r in results:
        t = r.target
        band = f"{_n(t.low)} – {_n(t.high)}"
        rng = f"{_n(min(r.values))} – {_n(max(r.values))}"
        lines.append(f"{t.fact:5s} {t.what:46s} {_n(t.target):>12s} {band:>25s} {_n(r.mean):>12s} "
                     f"{rng:>25s}  {'yes' if r.inside else 'NO'}")
    lines.append("why the bands:")
    lines += [f"  {r.target.fact} {r.target.what}: {r.target.why}" for r in results]
    inside = sum(r.inside for r in results)
    lines.append(f"{inside} of {len(results)} targets inside their bands")
    return "\n".join(lines)


def _n(x: float) -> str:
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} M"
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:.3f}"
