"""Speed of the experiment engine (issue: engine overhead and sweep throughput).

Usage::

    python benchmarks/sweep.py [--workers 2] [--json results/sweep_bench.json]

Measures, on this machine:

1. engine overhead on a 200-run sweep at scale 0.02 (``--overhead-months``,
   120 by default): the share of the wall time x workers not spent inside the
   model (``--one-worker`` adds the same sweep on one process);
2. a sample of 120-month runs at scale 0.05, extrapolated to 1,000 runs;
3. a sample of full-district (scale 1.0) 120-month runs, extrapolated to 1,000 runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from experiments.engine import run_experiment
from experiments.spec import load_experiment

SPEC = """
name = "bench_{tag}"
design = "grid"
base = "yuzhong_2016"
replicates = {replicates}
base_seed = 1
months = {months}
scale = {scale}
record = "last"
[factors]
"purchase.budget_yuan" = {budgets}
"""


def sweep(tag: str, points: int, replicates: int, months: int, scale: float, workers: int) -> dict:
    """Time one budget sweep of ``points`` × ``replicates`` runs through the experiment engine.

    ``overhead_share`` is the share of wall time × workers not spent inside the model.
    """
    budgets = [float(i * 5_000_000) for i in range(points)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.toml"
        path.write_text(SPEC.format(tag=tag, replicates=replicates, months=months, scale=scale,
                                    budgets=budgets))
        t0 = time.perf_counter()
        result = run_experiment(load_experiment(path), Path(tmp) / "out", workers=workers, progress=False)
        wall = time.perf_counter() - t0
    runs = result.runs_total
    return {"runs": runs, "months": months, "scale": scale, "workers": workers, "wall_s": wall,
            "model_s": result.model_seconds, "s_per_run_wall": wall / runs,
            "overhead_share": max(0.0, 1.0 - result.model_seconds / (wall * workers))}


def main() -> None:  # the engine's worker processes need this guard
    """Measure the engine's overhead and extrapolate the time of 1,000 runs, against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample-005", type=int, default=8, help="runs sampled at scale 0.05")
    parser.add_argument("--replicates-005", type=int, default=1,
                        help="seeds of the scale-0.05 sample (runs of one seed share a spin-up); "
                             "--sample-005 1000 --replicates-005 50 measures 1,000 runs as a sweep of 20 points")
    parser.add_argument("--sample-full", type=int, default=2, help="runs sampled at scale 1.0")
    parser.add_argument("--replicates-full", type=int, default=1,
                        help="seeds of the full-district sample; --sample-full 40 --replicates-full 2 has the "
                             "runs per seed (20) of a 1,000-run sweep of 50 seeds")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--only-overhead", action="store_true")
    parser.add_argument("--overhead-months", type=int, default=120)
    parser.add_argument("--one-worker", action="store_true")
    args = parser.parse_args()
    w = args.workers

    months = args.overhead_months
    overhead_1 = sweep("overhead1", 20, 10, months, 0.02, 1) if args.one_worker else None
    overhead_w = sweep("overhead", 20, 10, months, 0.02, w)
    if overhead_1:
        print(f"200 runs x {months} months at scale 0.02, 1 worker: {overhead_1['wall_s']:.1f} s, "
              f"engine overhead {overhead_1['overhead_share']:.1%} (target <= 5%)")
    print(f"200 runs x {months} months at scale 0.02, {w} workers: {overhead_w['wall_s']:.1f} s, "
          f"engine overhead {overhead_w['overhead_share']:.1%} of wall x workers (target <= 5%)")
    if args.only_overhead:
        return
    mid = sweep("mid", args.sample_005 // args.replicates_005, args.replicates_005, 120, 0.05, w)
    est_mid = mid["s_per_run_wall"] * 1000
    print(f"{mid['runs']} runs x 120 months at scale 0.05 ({args.replicates_005} seeds) on {w} workers: "
          f"{mid['wall_s']:.1f} s -> 1,000 runs ≈ {est_mid / 60:.1f} min (target <= 5 min)")
    full, est_full = None, None
    if args.sample_full:
        full = sweep("full", args.sample_full // args.replicates_full, args.replicates_full, 120, 1.0, w)
        est_full = full["s_per_run_wall"] * 1000
        print(f"{full['runs']} full-district runs x 120 months ({args.replicates_full} seeds) on {w} workers: "
              f"{full['wall_s']:.1f} s "
              f"-> 1,000 runs ≈ {est_full / 3600:.2f} h (target <= 1 h)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"overhead_1_worker": overhead_1, "overhead": overhead_w,
                                         "scale_0_05": mid, "full": full,
                                         "estimate_1000_at_0_05_s": est_mid,
                                         "estimate_1000_full_s": est_full}, indent=2))


if __name__ == "__main__":
    main()
