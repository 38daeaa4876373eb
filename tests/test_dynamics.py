"""A district that stands still until a lever moves, and an organization sector that fills its niche.

Several seeds; the tolerances are written in each test.

Runs start from the steady state of the regime they start in (the spin-up,
``start.spinup_years``), so a scenario with no lever moving must show no
trend, and the organization stock must approach a carrying capacity rather
than compound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import runs

pytestmark = pytest.mark.slow  # twenty years of every library scenario: `make test-slow`

MAIN = ["need_coverage", "satisfaction", "trust_committee", "trust_government", "consultation_rate",
        "volunteer_rate", "committee_admin_share", "org_count"]
DRIFT_PER_DECADE = {name: 0.015 for name in MAIN}  # shares and scores: 1.5 points a decade
DRIFT_PER_DECADE["org_count"] = 0.05  # organizations: 5% of the level a decade
PER_10K = 630_000 / 10_000


def decade_trend(frames: list[pd.DataFrame], column: str) -> tuple[float, float, float]:
    """The trend per decade of a column's yearly means: its mean over seeds and 95% t-interval.

    The trend is fitted by least squares, seed by seed.
    """
    slopes = []
    for f in frames:
        yearly = f.groupby((f["month"] - 1) // 12)[column].mean().to_numpy()
        slopes.append(np.polyfit(np.arange(yearly.size), yearly, 1)[0] * 10)
    slopes = np.array(slopes)
    half = stats.t.ppf(0.975, slopes.size - 1) * slopes.std(ddof=1) / np.sqrt(slopes.size)
    return float(slopes.mean()), float(slopes.mean() - half), float(slopes.mean() + half)


@pytest.fixture(scope="module")
def pre_reform():
    return runs([("pre_reform", (), seed, 240, 0.02) for seed in range(4)])


def test_pre_reform_stands_still_for_twenty_years(pre_reform):
    """The pre-reform district stands still: no main indicator trends beyond its stated drift.

    No main indicator of the pre-reform district has a trend whose 95% interval (over 4 seeds)
    lies outside the stated drift per decade.
    """
    for column in MAIN:
        mean, low, high = decade_trend(pre_reform, column)
        level = float(np.mean([f[column].mean() for f in pre_reform]))
        allowed = DRIFT_PER_DECADE[column] * (level if column == "org_count" else 1.0)
        assert high > -allowed and low < allowed, (column, mean, low, high, allowed)


def test_month_1_holds_no_initial_value(pre_reform):
    """The spin-up leaves no trace of the build at month 1.

    Need coverage is not the 1.0 of a district where no need has closed yet,
    and it is where the run stays.
    """
    for f in pre_reform:
        first, rest = f["need_coverage"].iloc[:12].mean(), f["need_coverage"].iloc[12:].mean()
        assert first < 0.5 and abs(first - rest) < 0.05, (first, rest)


LIBRARY = ["pre_reform", "yuzhong_2016", "linkage_000", "linkage_111", "purchase_100m",
           "registration_low_barrier", "no_third_party_evaluation"]


@pytest.fixture(scope="module")
def library():
    names = LIBRARY
    return dict(zip(names, runs([(name, (), 1, 240, 0.005) for name in names]), strict=True))


@pytest.mark.parametrize("name", LIBRARY)
def test_the_organization_stock_settles_below_twice_the_report_s_density(library, name):
    """The organization stock has reached its carrying capacity by month 240.

    At month 240 the stock is at most 30 per 10,000 residents (twice F5's 15) and within
    10% of what it was five years earlier.
    """
    counts = library[name].set_index("month")["org_count"]
    assert counts[240] / PER_10K <= 30, counts[240]
    assert abs(counts[240] - counts[180]) <= 0.10 * counts[180], (counts[180], counts[240])


def test_growth_after_the_reform_slows(library):
    """Rapid growth after the registration reform (the report's 快速增长), slowing as the niche fills.

    Net growth a month in reform years 1-4 is more than twice that of years 8-18.
    """
    n = library["yuzhong_2016"].set_index("month")["org_count"]
    early = (n[72] - n[24]) / 48
    late = (n[240] - n[120]) / 120
    assert early > 2 * max(late, 0.0) and early > 3, (early, late)


def test_the_clean_up_campaign_is_a_one_off_at_the_reform(library):
    """F9: the clean-up of the reform runs in its yearly cycle (month 25) and never again."""
    f = library["yuzhong_2016"].set_index("month")
    assert f.loc[25, "orgs_cleaned_up"] > 0
    assert (f.drop(index=25)["orgs_cleaned_up"] == 0).all()
    assert (library["pre_reform"]["orgs_cleaned_up"] == 0).all()
