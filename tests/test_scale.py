"""population_scale changes how many people a row stands for, never the district."""

import numpy as np
import pytest

from conftest import run_small

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def small_and_large():
    small = [run_small((), seed, 24, scale=0.02) for seed in SEEDS]
    large = [run_small((), seed, 24, scale=0.1) for seed in SEEDS]
    return small, large


def _mean(frames, col):
    return float(np.mean([f[col].tail(6).mean() for f in frames]))


@pytest.mark.parametrize("col,rel_tol", [
    ("org_count", 0.05), ("org_staff", 0.08), ("contract_holders", 0.12),
    ("purchase_spent_yuan", 0.02), ("committee_admin_share", 0.03), ("certified_share", 0.08),
])
def test_institutions_and_budgets_agree_across_scales(small_and_large, col, rel_tol):
    small, large = small_and_large
    a, b = _mean(small, col), _mean(large, col)
    assert abs(a - b) <= rel_tol * abs(b), (col, a, b)


@pytest.mark.parametrize("col,abs_tol", [
    ("need_coverage", 0.03), ("coverage_vulnerable", 0.03), ("satisfaction", 0.03),
    ("trust_committee", 0.03), ("consultation_rate", 0.01), ("volunteer_rate", 0.01),
])
def test_resident_indicators_agree_across_scales(small_and_large, col, abs_tol):
    small, large = small_and_large
    a, b = _mean(small, col), _mean(large, col)
    assert abs(a - b) <= abs_tol, (col, a, b)
