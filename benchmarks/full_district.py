"""Speed and memory of a full-district run, and resident-rule throughput.

The throughput is compared with the one-object-per-resident implementation (DESIGN §9).

Usage::

    python benchmarks/full_district.py [--months 120] [--scale 1.0] [--oracle-residents 100000]
                                       [--json results/bench.json]

Reports build time, spin-up time, seconds per simulated month, total wall time and peak
memory (resident set size) of the run; then, in the same process, the
resident-step throughput of the vectorised rules (``vectorised_month`` of ``tests/oracle.py``)
and of the Mesa-agent-per-resident oracle (``OracleModel`` of ``tests/oracle.py``)
on the same residents, inputs and random numbers. Runs on one core: BLAS
threads are pinned to 1 before numpy loads.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from model import Params, SansheModel  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # the oracle is test code
from oracle import OracleModel, RuleSettings, draw_month, vectorised_month  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports ``ru_maxrss`` in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def full_run(months: int, scale: float, seed: int) -> dict:
    """Build, spin up and run the full district once: each part's time, seconds per month, peak memory.

    The build is timed on its own first (a model without a spin-up, in a fresh
    process: compiled kernels are loaded from their cache then). The run with
    the declared spin-up builds again (the population kept by the first build
    is forgotten, so nothing is reused) and its spin-up is timed by itself.
    """
    from model import model as model_module

    t0, c0 = time.perf_counter(), time.process_time()
    SansheModel(params=Params({"population.population_scale": scale, "start.spinup_years": 0}), seed=seed)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    model_module._BUILDS.clear()
    spin_up, spin = model_module.SansheModel.spin_up, {}

    def timed_spin_up(self) -> None:
        t = time.perf_counter()
        spin_up(self)
        spin["s"] = time.perf_counter() - t

    model_module.SansheModel.spin_up = timed_spin_up
    try:
        t0 = time.perf_counter()
        model = SansheModel(params=Params({"population.population_scale": scale}), seed=seed)
    finally:
        model_module.SansheModel.spin_up = spin_up
    t1, c1 = time.perf_counter(), time.process_time()
    model.run(months)
    t2, c2 = time.perf_counter(), time.process_time()
    spinup_months = 12 * model.params.start.spinup_years
    return {
        "months": months, "scale": scale, "resident_rows": model.residents.n, "spinup_months": spinup_months,
        "build_s": build, "spinup_s": spin["s"], "run_s": t2 - t1, "total_s": t2 - t0,
        "s_per_month": (t2 - t1) / months, "peak_rss_mb": peak_rss_mb(),
        # CPU time of this process: the figures to compare on a loaded machine (wall time counts the waits).
        "build_cpu_s": build_cpu, "run_cpu_s": c2 - c1, "load_average": os.getloadavg(),
    }


def throughput(n_residents: int, vector_months: int, oracle_months: int, seed: int) -> dict:
    """Seconds per month of the vectorised rules and of the one-object-per-resident oracle.

    The months' inputs are drawn first, on a copy, so both implementations start
    from the same residents with realistic need stocks and consume the same random
    numbers; ``ratio`` is how many times faster the vectorised rules are.
    """
    scale = n_residents / Params().population.residents_total
    model = SansheModel(params=Params({"population.population_scale": scale}), seed=seed)
    res = model.residents
    rng = np.random.default_rng(seed)
    res.participant[:] = (rng.random(res.n) < 0.08) & res.adult
    res.volunteer[:] = np.where(res.participant & (rng.random(res.n) < 0.4), 1, 0)
    settings = RuleSettings.from_params(model.params)
    months = []
    shadow = copy.deepcopy(res)
    for _ in range(max(vector_months, oracle_months)):  # realistic need stocks, same inputs for both
        m = draw_month(shadow, model.rate_table, rng, model.n_communities)
        vectorised_month(shadow, model.adjacency, model.rate_table, m, settings)
        months.append(m)
    oracle = OracleModel(copy.deepcopy(res), model.adjacency, model.rate_table, settings)

    t = time.perf_counter()
    for m in months[:vector_months]:
        vectorised_month(res, model.adjacency, model.rate_table, m, settings)
    vec_s = (time.perf_counter() - t) / vector_months
    t = time.perf_counter()
    for m in months[:oracle_months]:
        oracle.month(m)
    obj_s = (time.perf_counter() - t) / oracle_months
    return {
        "residents": res.n,
        "vectorised_s_per_month": vec_s, "objects_s_per_month": obj_s,
        "vectorised_resident_steps_per_s": res.n / vec_s,
        "objects_resident_steps_per_s": res.n / obj_s,
        "ratio": obj_s / vec_s,
    }


def main() -> None:
    """Run the benchmark, print its figures against the targets and, with ``--json``, save them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--oracle-residents", type=int, default=100_000)
    parser.add_argument("--oracle-months", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    run = full_run(args.months, args.scale, args.seed)
    print(f"full district: {run['resident_rows']:,} resident rows, {run['months']} months at scale {run['scale']}")
    print(f"  build            {run['build_s']:8.2f} s")
    print(f"  spin-up          {run['spinup_s']:8.2f} s   ({run['spinup_months']} months before month 1)")
    print(f"  per month        {run['s_per_month']:8.4f} s")
    print(f"  months 1-{run['months']:<7d} {run['run_s']:8.2f} s")
    print(f"  build + months   {run['build_s'] + run['run_s']:8.2f} s   (target: <= 5 s)")
    print(f"  total            {run['total_s']:8.2f} s   (build, spin-up and months)")
    print(f"  peak memory      {run['peak_rss_mb']:8.0f} MB  (target <= 1024 MB; resident set, imports included)")
    print(f"  CPU time         {run['build_cpu_s']:8.2f} s build, {run['run_cpu_s']:.2f} s months 1-{run['months']}"
          f"   (load average {run['load_average'][0]:.2f}: on a busy machine wall time counts the waits)")
    tp = throughput(args.oracle_residents, 6, args.oracle_months, args.seed)
    print(f"resident rules at {tp['residents']:,} residents (same inputs and random numbers):")
    print(f"  vectorised       {tp['vectorised_s_per_month']:8.4f} s/month  "
          f"{tp['vectorised_resident_steps_per_s']:14,.0f} resident-steps/s")
    print(f"  object/resident  {tp['objects_s_per_month']:8.4f} s/month  "
          f"{tp['objects_resident_steps_per_s']:14,.0f} resident-steps/s")
    print(f"  ratio            {tp['ratio']:8.0f} x   (target >= 150 x)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"full_run": run, "throughput": tp,
                                         "python": platform.python_version(),
                                         "machine": platform.machine()}, indent=2))


if __name__ == "__main__":
    main()
