"""The experiment engine's own cost per run, and the time of a rerun (issue 12).

Usage::

    python benchmarks/engine.py [--runs 8192] [--workers 2] [--repeats 3] [--json PATH]

A trivial Mesa model (one step, one indicator; :func:`make` below) is swept
through :func:`experiments.engine.run_experiment` (``--runs`` runs: a grid of
``runs / 8`` points × 8 replicates, one month each) on ``--workers`` local
processes, into a fresh folder; then the same experiment is run again into
that folder (a rerun: nothing to compute). Every repeat measures:

- ``wall_s``: the first sweep's wall time, from the call to its return. It
  counts everything the engine does: planning the runs, starting the worker
  processes, scheduling, building the tidy tables, writing the results, the
  final compaction and the manifest;
- ``model_s``: the trivial model's own time for as many runs (build it, one
  ``step()``, one ``indicators()``), measured here in this process, outside
  the engine;
- ``engine_ms_per_run``: ``(wall_s × workers − model_s) / runs``, the
  engine's cost per run counted on every worker (targets: <= 2 ms);
- ``engine_model_s``: the model time the engine itself reports
  (``SweepResult.model_seconds``), for comparison;
- ``rerun_s``: the rerun's wall time (target: <= 2 s for 8,192 runs);
- ``command_rerun_s``: the same rerun through ``sanshe experiment run`` in
  a new process, as a user types it: Python's start and every import counted.

Each repeat runs in a fresh Python process, as ``sanshe experiment run``
does, so it pays for starting the worker processes (the forkserver imports
the engine and the model once per process); Python's own start and the
imports of the calling process are not counted. The figures printed are
medians over ``--repeats`` repeats, with the machine's load average
(``os.getloadavg()``) before and after: on a loaded machine the figures are
not the engine's alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: benchmarks/ is on the path, the repository may not be
    sys.path.insert(0, str(ROOT))

from experiments.engine import run_experiment  # noqa: E402
from experiments.spec import load_experiment  # noqa: E402

MODEL = "engine:make"  # this file, imported by the workers as ``engine`` (benchmarks/ is on their path)
REPLICATES = 8
TARGET_MS_PER_RUN = 2.0
TARGET_RERUN_S = 2.0
SPEC = """
name = "bench_engine"
design = "grid"
model = "{model}"
replicates = {replicates}
base_seed = 1
months = 1
[factors]
x = {values}
"""


class Trivial(mesa.Model):
    """A model that does next to nothing: one number, one step."""

    def __init__(self, x: float, seed: int) -> None:
        super().__init__(rng=seed)
        self.x = x
        self.value = 0.0

    def step(self) -> None:
        """Add ``x`` to the value."""
        self.value += self.x

    def indicators(self) -> dict[str, float]:
        """The one indicator the engine records."""
        return {"value": self.value}


def make(params: dict, seed: int) -> Trivial:
    """The factory the engine calls."""
    return Trivial(float(params["x"]), seed)


def model_seconds(runs: int) -> float:
    """The trivial model's own time for ``runs`` runs (build, one step, one ``indicators()``), in this process."""
    t0 = time.perf_counter()
    for i in range(runs):
        model = make({"x": float(i % (runs // REPLICATES or 1))}, i)
        model.step()
        model.indicators()
    return time.perf_counter() - t0


def write_spec(folder: Path, runs: int) -> Path:
    """The benchmark's experiment file: ``runs / 8`` points × 8 replicates of the trivial model."""
    replicates = REPLICATES if runs % REPLICATES == 0 else 1
    values = [float(i) for i in range(runs // replicates)]
    path = folder / "bench_engine.toml"
    path.write_text(SPEC.format(model=MODEL, replicates=replicates, values=values))
    return path


def repeat(runs: int, workers: int) -> dict:
    """One repeat: a fresh sweep, then a rerun of the finished experiment."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = load_experiment(write_spec(Path(tmp), runs))
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        first = run_experiment(spec, out, workers=workers, progress=False)
        wall = time.perf_counter() - t0
        assert first.runs_done == first.runs_total == runs and not first.failed, first
        t0 = time.perf_counter()
        again = run_experiment(spec, out, workers=workers, progress=False)
        rerun = time.perf_counter() - t0
        assert again.runs_run_now == 0, again
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "experiments.command", "experiment", "run", str(spec.source),
                        "--out", str(out), "--workers", str(workers)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT)])})
        command = time.perf_counter() - t0
    model = model_seconds(runs)
    return {"wall_s": wall, "model_s": model, "engine_model_s": first.model_seconds,
            "engine_ms_per_run": 1000 * (wall * workers - model) / runs, "rerun_s": rerun,
            "command_rerun_s": command}


def in_fresh_process(runs: int, workers: int) -> dict:
    """One :func:`repeat` in a new Python process (this file with ``--child``)."""
    child = subprocess.run([sys.executable, __file__, "--child", "--runs", str(runs), "--workers", str(workers)],
                           check=True, capture_output=True, text=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:  # the engine's worker processes re-import this file: keep the guard
    """Measure, print the medians against the targets, and write them as JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8192)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one repeat, printed as JSON
    args = parser.parse_args()
    if args.child:
        print(json.dumps(repeat(args.runs, args.workers)))
        return
    load_before = os.getloadavg()
    repeats = [in_fresh_process(args.runs, args.workers) for _ in range(args.repeats)]
    load_after = os.getloadavg()
    median = {k: statistics.median(r[k] for r in repeats) for k in repeats[0]}
    print(f"{args.runs} one-step runs of a trivial model on {args.workers} workers, median of "
          f"{args.repeats} (load {load_before[0]:.2f} before, {load_after[0]:.2f} after):")
    print(f"  sweep {median['wall_s']:.2f} s wall, model {median['model_s']:.2f} s -> engine "
          f"{median['engine_ms_per_run']:.2f} ms per run (target <= {TARGET_MS_PER_RUN:g} ms)")
    print(f"  rerun of the finished experiment {median['rerun_s']:.2f} s in the engine, "
          f"{median['command_rerun_s']:.2f} s through sanshe experiment run (target <= {TARGET_RERUN_S:g} s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": args.runs, "workers": args.workers, "median": median,
                                         "repeats": repeats, "loadavg_before": load_before,
                                         "loadavg_after": load_after, "cpus": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
