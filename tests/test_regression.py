"""The committed regression baseline is kept bit for bit (``tests/regression.py``).

A difference fails with the list of what moved. When the move is meant,
refresh the baseline with ``make baseline`` and say in the commit why it moved.
"""

from __future__ import annotations

import copy

import pytest

import regression


@pytest.fixture(scope="module")
def current() -> dict[str, dict]:
    return regression.run_all()


def test_every_case_of_the_baseline_is_kept_bit_for_bit(current):
    moved = regression.differences(regression.load_baseline(), current)
    assert not moved, ("the regression baseline moved (if meant: `make baseline`, and say why in the commit):\n"
                       + "\n".join(moved))


def test_the_comparison_reports_a_moved_number_with_where_and_how_much(current):
    """Guards the guard: one number changed by 1e-12 in month 3 is found and located."""
    changed = copy.deepcopy(current)
    series = changed["pre_reform"]["district"]["need_coverage"]
    series[2] += 1e-12
    moved = regression.differences(current, changed)
    assert len(moved) == 1
    assert moved[0].startswith("pre_reform district.need_coverage: 1 of 24 rows moved; first at month 3")
    assert float(moved[0].rsplit("largest |change| ", 1)[1]) == pytest.approx(1e-12, rel=1e-3)


def test_the_comparison_reports_nan_appearing_and_columns_going():
    base = {"a": {"case": {}, "district": {"month": [1, 2], "x": [0.5, 0.5], "y": [1.0, 1.0]},
                  "communities_last_month": {"community": [0], "z": [1.0]}}}
    now = copy.deepcopy(base)
    now["a"]["district"]["x"][1] = None
    del now["a"]["district"]["y"]
    moved = regression.differences(base, now)
    assert moved == ["a district.x: 1 of 2 rows moved; first at month 2: 0.5 -> None; NaN where a number was (or back)",
                     "a district.y: column removed"]
