"""Worker use of a calibration fit: local processes against a local Dask cluster of the same size.

Usage::

    python benchmarks/fit_workers.py [--workers 2] [--particles 100] [--generations 2] [--scale 0.02]

Runs the fit of the reform scenario (``sanshe.calibration.fit_problem``) for
``--generations`` generations twice, into fresh temporary folders: once on
``--workers`` local processes, once on a local Dask cluster of as many
workers (``dask="local:N"``). For each batch of runs it prints the wall
time, the model time the engine measured inside the runs, and their ratio
per worker, ``model / (wall × workers)``: the share of the workers' time
spent running the model. The targets of issue 14: the fit uses the workers
it is given; the whole fit within an hour on two cores (the per-run model
time printed here, times the fit's runs, over the workers, says how far).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def timed_fit(mode: str, workers: int, particles: int, generations: int, scale: float) -> None:
    """Run the fit in ``mode`` ('local' or 'dask') and print each batch's worker use."""
    from experiments import abc
    from sanshe.calibration import fit_problem

    calls, real = [], abc.run_experiment

    def run_experiment(spec, folder, workers_, dask, progress):
        t = time.perf_counter()
        result = real(spec, folder, workers_, dask, progress)
        calls.append((folder.name, result.runs_run_now, time.perf_counter() - t, result.model_seconds))
        return result

    abc.run_experiment = run_experiment
    options = {"workers": workers} if mode == "local" else {"dask": f"local:{workers}"}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            abc.fit(fit_problem(scale), Path(tmp) / "fit", particles=particles, generations=generations,
                    base_seed=7, progress=False, **options)
            total = time.perf_counter() - t0
    finally:
        abc.run_experiment = real
    for name, runs, wall, model in calls:
        print(f"{mode:5s} {name}: {runs} runs, wall {wall:.1f} s, model {model:.1f} s, "
              f"use {model / (workers * wall):.1%}")
    wall, model, runs = sum(c[2] for c in calls), sum(c[3] for c in calls), sum(c[1] for c in calls)
    print(f"{mode:5s} all: {runs} runs, wall {wall:.1f} s, model {model:.1f} s ({model / runs:.2f} s a run), "
          f"use {model / (workers * wall):.1%}; whole fit {total:.1f} s; load average {os.getloadavg()[0]:.2f}")


def main() -> None:  # the engine's worker processes need this guard
    """Both fits, local first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--particles", type=int, default=100)
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--scale", type=float, default=0.02)
    args = parser.parse_args()
    for mode in ("local", "dask"):
        timed_fit(mode, args.workers, args.particles, args.generations, args.scale)


if __name__ == "__main__":
    main()
