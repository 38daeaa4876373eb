"""Where a month's time goes: CPU milliseconds per month of each step of ``SansheModel.step``.

Usage::

    python benchmarks/mechanisms.py [--scale 1.0] [--months 24] [--repeats 5] [--spinup-years 1]

Builds the district with a short spin-up (``--spinup-years``), keeps a pickled
copy, and runs ``--months`` months from a fresh copy ``--repeats`` times,
timing each step of the schedule (and the recorder, which records every
month here) by process time, so that other work on a shared machine counts
less than it would in wall time. Prints the median run's figures, with the
load average beside them. Runs on one core: BLAS threads are pinned to 1.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import pickle  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402

from model import (  # noqa: E402
    Params,
    administration,
    committees,
    needs,
    organizations,
    participation,
    purchasing,
    services,
    social_work,
    trust,
)
from model import model as model_module  # noqa: E402

STEPS = [(needs, "needs_arise"), (administration, "administrative_load"), (committees, "allocate_committee_time"),
         (needs, "detect_needs"), (participation, "hold_consultations"), (services, "deliver_services"),
         (participation, "update_participation"), (trust, "update_satisfaction_and_trust"),
         (purchasing, "pay_tranches"), (organizations, "settle"), (social_work, "social_worker_turnover")]
"""The calls of ``SansheModel.step`` that are timed (module, function), besides the yearly cycle and the recorder."""


def timed(times: dict[str, float]) -> None:
    """Wrap every step of the schedule so that its process time adds up in ``times``."""

    def wrap(owner, name: str, label: str) -> None:
        f = getattr(owner, name)

        def g(*args, **kwargs):
            t = time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                times[label] += time.process_time() - t

        setattr(owner, name, g)

    for module, name in STEPS:
        wrap(module, name, name)
    wrap(model_module.SansheModel, "yearly_cycle", "yearly_cycle")
    wrap(model_module.Recorder, "record", "record (indicators)")


def main() -> None:
    """Run the months, print milliseconds per month of each step (median run) and the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--spinup-years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = model_module.SansheModel(params=Params({"population.population_scale": args.scale,
                                                    "start.spinup_years": args.spinup_years}), seed=args.seed)
    blob = pickle.dumps(start, protocol=pickle.HIGHEST_PROTOCOL)
    del start
    times: dict[str, float] = defaultdict(float)
    timed(times)
    runs = []
    for _ in range(args.repeats):
        model = pickle.loads(blob)
        model.run(1)  # compiled kernels loaded, caches warm
        times.clear()
        t = time.process_time()
        model.run(args.months)
        runs.append((time.process_time() - t, dict(times)))
    runs.sort(key=lambda run: run[0])
    total, steps = runs[len(runs) // 2]
    per_month = [round(1000 * run[0] / args.months, 2) for run in runs]
    print(f"scale {args.scale} ({model.residents.n:,} resident rows), {args.months} months, median of "
          f"{args.repeats}: {1000 * total / args.months:.2f} ms a month of CPU (all: {per_month}); "
          f"load average {os.getloadavg()[0]:.2f}")
    for name, seconds in sorted(steps.items(), key=lambda item: -item[1]):
        print(f"  {name:32s} {1000 * seconds / args.months:7.3f} ms")
    print(f"  {'the rest of step':32s} {1000 * (total - sum(steps.values())) / args.months:7.3f} ms")


if __name__ == "__main__":
    main()
