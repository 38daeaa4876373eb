"""Directions of effect, averaged over seeds, with the tolerance written here.

Each test compares the last 12 of 24 months of runs at scale 0.02 of the
defaults (the reformed district) with one lever moved, over 3 seeds with
common random numbers. Every run starts from the steady state of its own
regime (the spin-up), so these are differences between steady states, not
between transients from one initial state. The margins are about a third of
the effect the mechanisms give, so a test fails when an effect weakens a lot
or reverses.
"""

import pytest

from conftest import SMALL, mean_over, runs

SEEDS = (1, 2, 3)
MONTHS = 24
SPINUP = ("start.spinup_years", 10)
"""Ten years settle every stock the levers move (the organization stock, the slowest, in about five)."""
LEVERS = {
    "deburdening": ("admin.committee_tasks", 296, 72),
    "purchasing": ("purchase.budget_yuan", 0.0, 30_000_000.0),
    "posts": ("social_work.posts_per_community", 0, 2),
}


@pytest.fixture(scope="module")
def lever_runs():
    """For each lever, the runs with it low and high (all computed at once, on all cores)."""
    jobs = [(None, ((path, value), SPINUP), seed, MONTHS, SMALL)
            for path, low, high in LEVERS.values() for value in (low, high) for seed in SEEDS]
    frames = runs(jobs)
    n = len(SEEDS)
    return {name: (frames[2 * i * n:(2 * i + 1) * n], frames[(2 * i + 1) * n:(2 * i + 2) * n])
            for i, name in enumerate(LEVERS)}


def test_deburdening_296_to_72_items_lowers_admin_share_and_raises_consultation(lever_runs):
    before, after = lever_runs["deburdening"]
    admin_b, admin_a = mean_over(before, "committee_admin_share"), mean_over(after, "committee_admin_share")
    assert admin_a < admin_b - 0.10, (admin_b, admin_a)
    cons_b, cons_a = mean_over(before, "consultation_rate"), mean_over(after, "consultation_rate")
    assert cons_a > cons_b * 1.15, (cons_b, cons_a)


def test_purchasing_0_to_30m_yuan_raises_vulnerable_coverage(lever_runs):
    none, bought = lever_runs["purchasing"]
    cov_0, cov_30 = mean_over(none, "coverage_vulnerable"), mean_over(bought, "coverage_vulnerable")
    assert cov_30 > cov_0 + 0.05, (cov_0, cov_30)


def test_two_social_work_posts_per_community_raise_volunteering(lever_runs):
    none, two = lever_runs["posts"]
    vol_0, vol_2 = mean_over(none, "volunteer_rate"), mean_over(two, "volunteer_rate")
    assert vol_2 > vol_0 * 1.05, (vol_0, vol_2)
