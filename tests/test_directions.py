"""Directions of effect, averaged over seeds, with the tolerance written here.

Each test compares the last 12 of 48 months of runs at scale 0.02 of the
defaults (the reformed district) with one lever moved, over 4 seeds with
common random numbers. The margins are about a third of the effect the
mechanisms give, so a test fails when an effect weakens a lot or reverses.
"""

from conftest import mean_over, run_small

SEEDS = (1, 2, 3, 4)
MONTHS = 48


def runs(**overrides):
    key = tuple(sorted((k.replace("__", "."), v) for k, v in overrides.items()))
    return [run_small(key, seed, MONTHS) for seed in SEEDS]


def test_deburdening_296_to_72_items_lowers_admin_share_and_raises_consultation():
    before, after = runs(admin__committee_tasks=296), runs(admin__committee_tasks=72)
    admin_b, admin_a = mean_over(before, "committee_admin_share"), mean_over(after, "committee_admin_share")
    assert admin_a < admin_b - 0.10, (admin_b, admin_a)
    cons_b, cons_a = mean_over(before, "consultation_rate"), mean_over(after, "consultation_rate")
    assert cons_a > cons_b * 1.15, (cons_b, cons_a)


def test_purchasing_0_to_30m_yuan_raises_vulnerable_coverage():
    none, bought = runs(purchase__budget_yuan=0.0), runs(purchase__budget_yuan=30_000_000.0)
    cov_0, cov_30 = mean_over(none, "coverage_vulnerable"), mean_over(bought, "coverage_vulnerable")
    assert cov_30 > cov_0 + 0.05, (cov_0, cov_30)


def test_two_social_work_posts_per_community_raise_volunteering():
    none, two = runs(social_work__posts_per_community=0), runs(social_work__posts_per_community=2)
    vol_0, vol_2 = mean_over(none, "volunteer_rate"), mean_over(two, "volunteer_rate")
    assert vol_2 > vol_0 * 1.3, (vol_0, vol_2)
