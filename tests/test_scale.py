"""population_scale changes how many people a row stands for, never the district."""

import numpy as np

from conftest import run_small


def test_organizations_budgets_and_rates_are_comparable_across_scales():
    small = [run_small((), seed, 24, scale=0.02) for seed in (1, 2)]
    large = [run_small((), seed, 24, scale=0.1) for seed in (1, 2)]
    first_s, first_l = small[0].iloc[0], large[0].iloc[0]
    # Structures that do not scale: the same at the start.
    for col in ("org_count", "orgs_per_10k", "projects_common", "projects_individual",
                "purchase_spent_yuan"):
        assert first_s[col] == first_l[col], col
    # District indicators agree within a tolerance after two years.
    for col, tol in [("org_count", 0.08), ("contract_holders", 0.15), ("purchase_spent_yuan", 1e-9),
                     ("committee_admin_share", 0.05), ("certified_share", 0.10)]:
        a = np.mean([f[col].tail(6).mean() for f in small])
        b = np.mean([f[col].tail(6).mean() for f in large])
        assert abs(a - b) <= tol * max(abs(b), 1e-9), (col, a, b)
    for col, tol in [("need_coverage", 0.06), ("coverage_vulnerable", 0.08), ("satisfaction", 0.05)]:
        a = np.mean([f[col].tail(6).mean() for f in small])
        b = np.mean([f[col].tail(6).mean() for f in large])
        assert abs(a - b) <= tol, (col, a, b)
