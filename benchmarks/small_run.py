"""CPU seconds of one small run: 120 months at scale 0.05 after the spin-up, recording every month.

Usage::

    python benchmarks/small_run.py [--scale 0.05] [--months 120] [--repeats 9] [--seed 1]

Builds and spins up one district, keeps a pickled copy, and runs ``--months``
months from a fresh copy ``--repeats`` times (the first month of a warm-up
copy loads the compiled kernels first). Each run is timed by process time, so
other work on a shared machine counts less than it would in wall time; the
median is printed with the load average. Runs on one core: BLAS threads are
pinned to 1. The target of issue 12 is 0.5 s a run at scale 0.05.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from model import Params, SansheModel  # noqa: E402


def main() -> None:
    """Time the runs and print the median and every run's CPU seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.months < 1 or args.repeats < 1:
        parser.error("--months and --repeats: at least 1")
    try:
        params = Params({"population.population_scale": args.scale})
    except ValueError as e:
        parser.error(f"--scale: {e}")

    start = SansheModel(params=params, seed=args.seed)
    blob = pickle.dumps(start, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.loads(blob).run(1)  # compiled kernels loaded, caches warm
    runs = []
    for _ in range(args.repeats):
        model = pickle.loads(blob)
        t = time.process_time()
        model.run(args.months)
        runs.append(time.process_time() - t)
    print(f"scale {args.scale}, {args.months} months recorded every month, median of {args.repeats}: "
          f"{statistics.median(runs):.3f} s of CPU (all: {[round(r, 3) for r in sorted(runs)]}); "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
