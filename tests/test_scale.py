"""population_scale changes how many people a row stands for, never the district.

Institutions and budgets do not scale, so they must agree closely. Resident
indicators of a small sample differ a little: a row stands for 1/scale
people, so needs arrive in lumps and a small community's pools meet few
candidates; the tolerances below are what the model keeps (measured on
``yuzhong_2016`` at month 120 against scale 0.2, six seeds: coverage within
1.1 / 1.9 / 3.1 points at scales 0.05 / 0.02 / 0.01, the other shares and
scores within 1.1 points, the wait of unmet needs within 6 / 11 / 17%).
Scale 0.02 is the smallest for quantitative work; 0.01 is for quick checks.
Since contracts need social workers to lead them and founding follows money
and need, coverage at scale 0.02 runs about 1.7 points below scale 0.1 (six
seeds, 24 months after the spin-up: 0.692 against 0.709), so the default
suite compares six seeds, not three, against its two-point tolerance.

Participation that can tip adds a small-sample effect of its own: which of its
two states a community keeps depends on its history, and at scale 0.02 (about
160 rows a community) a community that inherited a share near the middle state
is decided by a few residents' draws. A few of the 77 communities end low
that end high at scale 0.1, each moving the district's consultation rate by
about 0.2 / 77 = 0.003 and coverage with it. Six seeds, 24 months, scale 0.02
against 0.1 (2026-12-01, grassroots volunteers bounded by their teams):
consultation 0.133 against 0.143 (seed sd 0.005 and 0.003: the gap is four
standard errors, a scale effect, not noise), need coverage 0.628 against
0.648, coverage of the vulnerable 0.659 against 0.671, volunteering 0.077
against 0.079. Consultation is allowed 2 points, the coverages 2.5,
volunteering 2 (2.5 while it saturated, when it carried the effect); the
others keep their tolerances.
"""

import numpy as np
import pytest

from conftest import runs

SEEDS = (1, 2, 3, 4, 5, 6)


def _mean(frames, col):
    return float(np.mean([f[col].tail(12).mean() for f in frames]))


@pytest.fixture(scope="module")
def small_and_large():
    """The reformed district, 24 months after its spin-up, at scales 0.02 and 0.1."""
    frames = runs([(None, (), seed, 24, scale) for scale in (0.02, 0.1) for seed in SEEDS])
    return frames[:len(SEEDS)], frames[len(SEEDS):]


@pytest.mark.parametrize("col,rel_tol", [
    ("org_count", 0.04), ("org_staff", 0.06), ("contract_holders", 0.12),
    ("purchase_spent_yuan", 0.02), ("committee_admin_share", 0.02), ("certified_share", 0.08),
])
def test_institutions_and_budgets_agree_across_scales(small_and_large, col, rel_tol):
    small, large = small_and_large
    a, b = _mean(small, col), _mean(large, col)
    assert abs(a - b) <= rel_tol * abs(b), (col, a, b)


@pytest.mark.parametrize("col,abs_tol", [
    ("need_coverage", 0.025), ("coverage_vulnerable", 0.025), ("satisfaction", 0.02),
    ("trust_committee", 0.02), ("consultation_rate", 0.02), ("volunteer_rate", 0.02),
])
def test_resident_indicators_agree_across_scales_within_their_stated_points(small_and_large, col, abs_tol):
    small, large = small_and_large
    a, b = _mean(small, col), _mean(large, col)
    assert abs(a - b) <= abs_tol, (col, a, b)


def test_the_wait_of_unmet_needs_agrees_within_fifteen_percent(small_and_large):
    small, large = small_and_large
    a, b = _mean(small, "unmet_wait_months"), _mean(large, "unmet_wait_months")
    assert abs(a - b) <= 0.15 * b, (a, b)


SCALES = {0.01: 0.045, 0.02: 0.02, 0.05: 0.015, 1.0: 0.01}
"""Largest gap allowed, for shares and scores, against scale 0.2 at month 120.

Scale 0.01 allowed 0.035 until contracts needed social workers to lead them;
since then its need coverage runs 4.1 points below scale 0.2 (4 seeds: 0.681
against 0.722), a small-sample bias whose cause is not yet pinned down."""
SHARES = ["need_coverage", "coverage_vulnerable", "satisfaction", "trust_committee", "consultation_rate",
          "volunteer_rate", "committee_admin_share"]


@pytest.mark.slow
def test_month_120_of_the_reform_agrees_from_scale_0_01_to_the_whole_district():
    """yuzhong_2016 at month 120: every scale within its stated gap of scale 0.2.

    4 seeds; scale 1.0, the whole district, with 2.
    """
    seeds = (0, 1, 2, 3)
    jobs = [("yuzhong_2016", (), s, 120, scale) for scale in (0.2, 0.01, 0.02, 0.05) for s in seeds]
    jobs += [("yuzhong_2016", (), s, 120, 1.0) for s in seeds[:2]]
    frames = runs(jobs)
    reference = frames[:4]
    groups = {0.01: frames[4:8], 0.02: frames[8:12], 0.05: frames[12:16], 1.0: frames[16:]}
    for scale, group in groups.items():
        for col in SHARES:
            a, b = _mean(group, col), _mean(reference, col)
            assert abs(a - b) <= SCALES[scale], (scale, col, a, b)
