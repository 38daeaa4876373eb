"""The reform scenario reproduces the report's figures; the patterns of DESIGN §7."""

import numpy as np
import pytest

from conftest import runs
from sanshe.calibration import REPORT_MONTH, TARGETS, report, run_calibration
from sanshe.cli import main


@pytest.fixture(scope="module")
def calibration():
    return run_calibration(seeds=10, scale=0.05)


def test_every_target_is_inside_its_band_with_10_seeds_at_scale_0_05(calibration):
    outside = [(r.target.fact, r.target.what, r.mean) for r in calibration if not r.inside]
    assert not outside, outside


def test_every_band_is_justified_and_holds_its_target():
    for t in TARGETS:
        assert t.why.strip() and t.fact.startswith("F")
        assert t.low <= t.target <= t.high or t.fact == "F5"  # F5's band is around 15


def test_calibrate_command_prints_the_table_and_exits_1_when_a_target_is_outside(capsys):
    code = main(["calibrate", "--seeds", "1", "--scale", "0.02"])
    out = capsys.readouterr().out
    inside = sum(line.endswith("  yes") for line in out.splitlines())
    assert f"{inside} of {len(TARGETS)} targets inside their bands" in out
    assert code == (0 if inside == len(TARGETS) else 1)  # the exit code says whether every target is inside
    for t in TARGETS:
        assert t.what in out
    assert f"month {REPORT_MONTH}" in out


def test_report_marks_a_target_outside_its_band(calibration):
    moved = [type(r)(r.target, [r.target.high * 2 + 1] * len(r.values)) for r in calibration]
    assert "NO" in report(moved, 10, 0.05)
    assert all(not r.inside for r in moved if r.target.high > 0)


@pytest.mark.slow
def test_full_scale_agrees_with_the_calibration():
    results = run_calibration(seeds=2, scale=1.0)
    assert all(r.inside for r in results), [(r.target.what, r.mean) for r in results if not r.inside]


SPINUP_10 = (("start.spinup_years", 10),)
"""Patterns of a scenario that starts reformed need its steady state, not the default's twenty years
to reach it: ten settle every stock (the organization stock, the slowest, in about five)."""


def _runs(name, months=12, seeds=(1, 2, 3), scale=0.02, overrides=()):
    """Runs of a library scenario; they start from its steady state, so a year is enough."""
    return runs([(name, overrides, seed, months, scale) for seed in seeds])


def test_p1_admin_share_stays_well_above_what_72_items_imply():
    """P1: after the reform the administrative share falls, but far less than the items."""
    for df in _runs("yuzhong_2016", months=REPORT_MONTH, seeds=(1, 2, 3)):
        before = df.loc[(df.month > 12) & (df.month <= 24), "committee_admin_share"].mean()
        after = df.loc[df.month > REPORT_MONTH - 12, "committee_admin_share"].mean()
        implied = before * 72 / 296
        assert after < before - 0.15  # deburdening works...
        assert after > 1.5 * implied  # ...but the committees stay administrative


def test_returns_to_purchasing_flatten():
    """Coverage of vulnerable groups gains less from 60 → 100 M yuan than from 0 → 30 M."""
    levels = (0, 30, 60, 100)
    frames = runs([(f"purchase_{m}m", SPINUP_10, seed, 12, 0.02) for m in levels for seed in (1, 2, 3)])
    cov = {m: np.mean([df["coverage_vulnerable"].mean() for df in frames[3 * i:3 * i + 3]])
           for i, m in enumerate(levels)}
    assert cov[30] - cov[0] > 0.05
    assert cov[100] - cov[60] < 0.6 * (cov[30] - cov[0]), cov
    assert cov[0] < cov[30] < cov[60] < cov[100]


def test_contracts_concentrate_without_third_party_evaluation():
    """P3: the money concentrates on fewer holders without evaluation (invitations, reputation, no capacity check).

    Tolerances (3 seeds): the Herfindahl index without evaluation is at least twice the largest with it,
    and the top 10% of holders take a larger mean share.
    """
    with_eval = _runs("tasks_72", overrides=SPINUP_10)
    without = _runs("no_third_party_evaluation", overrides=SPINUP_10)
    hhi_with = [df["contract_hhi"].iloc[-1] for df in with_eval]
    hhi_without = [df["contract_hhi"].iloc[-1] for df in without]
    assert min(hhi_without) > 2 * max(hhi_with), (hhi_with, hhi_without)
    top_with = [df["contract_top10_share"].iloc[-1] for df in with_eval]
    top_without = [df["contract_top10_share"].iloc[-1] for df in without]
    assert np.mean(top_without) > np.mean(top_with), (top_with, top_without)
