"""The regression baseline: a handful of small runs whose every recorded number is committed.

A change to the code either keeps these numbers bit for bit or moves them on
purpose; ``tests/test_regression.py`` fails on any difference and prints
what moved, where and by how much. After a change that is meant to move
behaviour, refresh the baseline on purpose and say in the commit why it moved:

    make baseline-diff    # what moved against the committed baseline (exit 1 if anything did)
    make baseline         # rewrite tests/data/regression_baseline.json from this code

The cases cover the three starting regimes (pre-reform, the 2016 reform with
its dated changes and one-off campaign, a reformed start), three scales, the
spin-up, and the branches the defaults do not take (no third-party
evaluation, no admission control, no training support). Each stores every
district indicator of every recorded month and every community indicator of
the last month. Numbers are stored as JSON floats, which round-trip exactly.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from model import SansheModel, load_scenario
from model.scenario import Scenario

BASELINE = Path(__file__).parent / "data" / "regression_baseline.json"

CASES: dict[str, dict] = {
    "pre_reform": {"scenario": "pre_reform", "seed": 11, "scale": 0.02, "months": 24, "params": {}},
    "yuzhong_2016": {"scenario": "yuzhong_2016", "seed": 12, "scale": 0.02, "months": 40, "params": {}},
    "linkage_111_scale_0.05": {"scenario": "linkage_111", "seed": 13, "scale": 0.05, "months": 14,
                               "params": {"start.spinup_years": 3}},
    "branches_off_the_defaults": {
        "scenario": None, "seed": 14, "scale": 0.01, "months": 26,
        "params": {"start.spinup_years": 0, "purchase.third_party_evaluation": False,
                   "admin.admission_control": False, "social_work.training_support": False}},
    "defaults_scale_0.2_cold": {"scenario": None, "seed": 15, "scale": 0.2, "months": 13,
                                "params": {"start.spinup_years": 0}},
}
"""Each case: a built-in scenario (None: the declared defaults), its seed, scale,
recorded months and parameter overrides from month 1."""


def _plain(value) -> float | int | None:
    """A recorded number as JSON stores it (NaN as null, integers as integers)."""
    if isinstance(value, int | bool) or (hasattr(value, "dtype") and value.dtype.kind in "iub"):
        return int(value)
    value = float(value)
    return None if math.isnan(value) else value


def run_case(name: str) -> dict:
    """Run one case: its district indicators by month, its communities' in the last month."""
    case = CASES[name]
    scenario = load_scenario(case["scenario"]) if case["scenario"] else Scenario(name="defaults")
    scenario.params.update({"population.population_scale": case["scale"], **case["params"]})
    model = SansheModel(scenario, seed=case["seed"])
    model.run(case["months"])
    district = model.recorder.district_frame()
    communities = model.recorder.community_frame(model)
    last = communities[communities["month"] == communities["month"].max()]
    return {
        "case": case,
        "district": {col: [_plain(v) for v in district[col].to_numpy()] for col in district.columns},
        "communities_last_month": {col: [_plain(v) for v in last[col].to_numpy()] for col in last.columns},
    }


def run_all() -> dict[str, dict]:
    """Every case, on up to 4 processes."""
    with ProcessPoolExecutor(max_workers=min(len(CASES), 4), mp_context=get_context("forkserver")) as pool:
        return dict(zip(CASES, pool.map(run_case, CASES), strict=True))


def load_baseline() -> dict[str, dict]:
    """The committed baseline."""
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def _same(a, b) -> bool:
    return a == b or (a is None and b is None)


def differences(baseline: dict[str, dict], current: dict[str, dict]) -> list[str]:
    """Lines saying what moved from ``baseline`` to ``current``.

    Per case and table, each column that differs, the
    first month it differs, its value there before and now, and the largest
    absolute change; a case or column added or removed; an empty list if every
    number is kept bit for bit.
    """
    lines = []
    for name in sorted(set(baseline) | set(current)):
        if name not in current:
            lines.append(f"{name}: case removed")
            continue
        if name not in baseline:
            lines.append(f"{name}: new case")
            continue
        old, new = baseline[name], current[name]
        if old["case"] != new["case"]:
            lines.append(f"{name}: the case changed ({old['case']} -> {new['case']})")
            continue
        for table in ("district", "communities_last_month"):
            before, after = old[table], new[table]
            rows = before.get("month") if table == "district" else before.get("community")
            for col in sorted(set(before) | set(after)):
                if col not in after or col not in before:
                    lines.append(f"{name} {table}.{col}: column {'removed' if col not in after else 'added'}")
                    continue
                a, b = before[col], after[col]
                if len(a) != len(b):
                    lines.append(f"{name} {table}.{col}: {len(a)} rows before, {len(b)} now")
                    continue
                moved = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if not _same(x, y)]
                if not moved:
                    continue
                i = moved[0]
                changes = [abs(y - x) for x, y in zip(a, b, strict=True)
                           if x is not None and y is not None and x != y]
                largest = f"largest |change| {max(changes):.6g}" if changes else "NaN where a number was (or back)"
                where = f"{'month' if table == 'district' else 'community'} {rows[i] if rows else i}"
                lines.append(f"{name} {table}.{col}: {len(moved)} of {len(a)} rows moved; first at {where}: "
                             f"{a[i]!r} -> {b[i]!r}; {largest}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python tests/regression.py [--update]``: show what moved, or rewrite the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="rewrite the committed baseline from this code (say why in the commit)")
    args = parser.parse_args(argv)
    current = run_all()
    if args.update:
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        old = load_baseline() if BASELINE.exists() else {}
        moved = differences(old, current)
        BASELINE.write_text(json.dumps(current, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
        print("\n".join(moved) if moved else "nothing moved")
        print(f"wrote {BASELINE} ({len(current)} cases)")
        return 0
    if not BASELINE.exists():
        print(f"{BASELINE}: no baseline yet; write it with `make baseline`", file=sys.stderr)
        return 2
    moved = differences(load_baseline(), current)
    print("\n".join(moved) if moved else f"all {len(current)} cases kept bit for bit")
    return 1 if moved else 0


if __name__ == "__main__":
    sys.exit(main())
