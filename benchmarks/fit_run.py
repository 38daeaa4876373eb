"""CPU seconds of one run of the calibration's fit: build, 20-year spin-up and 84 months at scale 0.02.

Usage::

    python benchmarks/fit_run.py [--runs 12] [--first-seed 100] [--scale 0.02]

Each run is what a particle of ``sanshe calibrate --fit`` costs a worker: the
reform scenario at the fit's scale, built and spun up afresh with its own
seed, then the fit's months, recording only the indicators its targets read
(``sanshe.calibration.fit_problem``). The parameters are the scenario's
(a particle's differ only in the six free ones). Prints the median process
time with the load average; one core, BLAS threads pinned to 1. The whole
fit is about 7,400 such runs on two workers (docs/calibration.md).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from model import Params  # noqa: E402
from model.model import SansheModel  # noqa: E402
from model.scenario import Scenario, load_scenario  # noqa: E402
from sanshe.calibration import fit_problem  # noqa: E402


def main() -> None:
    """Time the runs and print the median and every run's CPU seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--scale", type=float, default=0.02)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    try:
        Params({"population.population_scale": args.scale})
    except ValueError as e:
        parser.error(f"--scale: {e}")

    problem = fit_problem(args.scale)
    base = load_scenario(problem.base)
    scenario = Scenario(name="fit", params={**base.params, "population.population_scale": args.scale},
                        changes=list(base.changes))
    SansheModel(scenario, seed=args.first_seed - 1).run(1)  # compiled kernels loaded
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.runs):
        t = time.process_time()
        model = SansheModel(scenario, seed=seed)
        model.recorder.indicators = problem.kept
        model.run(problem.months)
        runs.append(time.process_time() - t)
    print(f"a fit's run at scale {args.scale} ({problem.months} months after the spin-up), median of {args.runs}: "
          f"{statistics.median(runs):.3f} s of CPU (all: {[round(r, 3) for r in sorted(runs)]}); "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
