"""The experiment engine: runs every (design point, replicate), resumable,
on local processes or a Dask cluster, with results identical whatever the
backend and the number of workers.

- Seeds: one per replicate, spawned from ``base_seed`` with numpy's
  ``SeedSequence``; every design point uses the same replicate seeds
  (common random numbers), so differences between points are paired.
- Identity: a run is the hash of its resolved parameters and lever changes,
  seed, months, scale, indicators, record mode, model and model version
  (a hash of the model's source). Its result is written atomically to
  ``DIR/runs/<id>.parquet``; a rerun skips runs whose file exists, so an
  interrupted sweep resumes and a finished one reruns nothing, and a changed
  spec or model gets new ids instead of stale results.
- Failures: a run that raises is written to ``DIR/failures/<id>.json``
  (parameters, seed, error) and the sweep goes on; a rerun tries it again.
- At the end the run files are compacted into ``DIR/runs.parquet`` (tidy,
  one row per run and month), ``DIR/points.parquet`` (one row per point and
  replicate, final month), ``DIR/communities.parquet`` (the community panel:
  by default each community's last 12 months) and ``DIR/manifest.json``.

From Python::

    from experiments.engine import run_experiment
    from experiments.spec import load_experiment

    if __name__ == "__main__":  # worker processes re-import the calling script
        run_experiment(load_experiment("experiments/smoke.toml"), Path("results/smoke"))
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import math
import os
import platform
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.designs import DesignPoint, design_points
from experiments.spec import ExperimentError, ExperimentSpec
from model.output import atomic_write, code_version, package_versions
from model.scenario import Scenario, ScenarioError, load_scenario

ENGINE_PACKAGES = ("dask", "distributed", "salib", "tqdm")


@dataclass(frozen=True)
class Run:
    """Everything a worker needs for one run (picklable, no model objects)."""

    run_id: str
    point: int
    replicate: int
    seed: int
    scenario: str | None
    factors: dict[str, Any]
    params: dict[str, Any]
    changes: tuple[tuple[int, str, Any], ...]
    months: int
    indicators: tuple[str, ...] | None
    record: str
    model: str | None
    communities: str = "last_year"


def replicate_seeds(base_seed: int, replicates: int) -> list[int]:
    """One seed per replicate from ``SeedSequence(base_seed).spawn``."""
    return [int(s.generate_state(1, dtype=np.uint32)[0])
            for s in np.random.SeedSequence(base_seed).spawn(replicates)]


def model_version(model: str | None) -> str:
    """A hash of the model's source: every file of ``model/`` for sanshe, the
    factory's module file for another model."""
    digest = hashlib.sha256()
    if model is None:
        import model as sanshe_model
        files = sorted(Path(sanshe_model.__file__).parent.glob("*.py"))
    else:
        module = importlib.import_module(model.split(":", 1)[0])
        files = [Path(inspect.getfile(module))]
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def plan_runs(spec: ExperimentSpec) -> list[Run]:
    """Every run of the experiment, in (point, replicate) order."""
    points = design_points(spec)
    seeds = replicate_seeds(spec.base_seed, spec.replicates)
    version = model_version(spec.model)
    indicators = tuple(spec.indicators) if spec.indicators else None
    runs = []
    for point in points:
        params, changes = _resolve_point(spec, point)
        for rep, seed in enumerate(seeds):
            # The point's number and names are part of the identity, so two points that
            # happen to resolve to the same parameters still get a result each.
            identity = {"point": point.index, "scenario": point.scenario, "factors": point.factors,
                        "params": params, "changes": changes, "seed": seed, "months": spec.months,
                        "indicators": indicators, "record": spec.record, "model": spec.model,
                        "communities": spec.communities, "version": version}
            run_id = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:20]
            runs.append(Run(run_id, point.index, rep, seed, point.scenario, point.factors, params,
                            changes, spec.months, indicators, spec.record, spec.model, spec.communities))
    return runs


def _resolve_point(spec: ExperimentSpec, point: DesignPoint) -> tuple[dict[str, Any], tuple]:
    if spec.model is not None:
        return dict(point.factors), ()
    try:
        scenario = load_scenario(point.scenario) if point.scenario else Scenario(name="defaults")
    except ScenarioError as e:
        raise ExperimentError(f"{spec.source}: {e}") from None
    # A factor on a lever that the base scenario changes at a month (the reform at
    # month 25 of yuzhong_2016, say) goes into that change; otherwise it holds from month 1.
    scenario = scenario.with_levers(point.factors)
    params = {**scenario.params, "population.population_scale": spec.scale}
    changes = tuple((c.month, c.path, c.value) for c in scenario.changes)
    return params, changes


# --- running ------------------------------------------------------------------
def execute_run(run: Run) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run one model; return its indicators by month (``month`` first) and,
    for the sanshe model, the community panel the run keeps (see
    ``communities`` in :mod:`experiments.spec`), else None."""
    if run.model is None:
        frame, panel = _run_sanshe(run)
    else:
        frame, panel = _run_factory(run), None
    if run.indicators:
        missing = [c for c in run.indicators if c not in frame.columns]
        if missing:
            raise KeyError(f"indicators not reported by the model: {', '.join(missing)}")
        frame = frame[["month", *run.indicators]]
    if run.record == "last":
        frame = frame.tail(1)
    return frame.reset_index(drop=True), panel


def _run_sanshe(run: Run) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from model.model import SansheModel
    from model.scenario import LeverChange

    scenario = Scenario(name=run.scenario or "defaults", params=dict(run.params),
                        changes=[LeverChange(*c) for c in run.changes])
    model = SansheModel(scenario, seed=run.seed)
    model.run(run.months)
    panel = None
    if run.communities != "none":
        panel = model.recorder.community_frame(model)
        if run.communities == "last_year":
            panel = panel[panel["month"] > run.months - 12].reset_index(drop=True)
    return model.recorder.district_frame(), panel


def _run_factory(run: Run) -> pd.DataFrame:
    """Another Mesa model: ``factory(params, seed)`` builds it; each step it
    reports ``model.indicators()`` (a dict), or its DataCollector's model
    variables are read at the end."""
    module, name = run.model.split(":", 1)
    factory = getattr(importlib.import_module(module), name)
    model = factory(dict(run.params), run.seed)
    rows = []
    for month in range(1, run.months + 1):
        model.step()
        if hasattr(model, "indicators"):
            rows.append({"month": month, **model.indicators()})
    if rows:
        return pd.DataFrame(rows)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "month", np.arange(1, len(frame) + 1))
    return frame


def execute_batch(runs: list[Run], run_dir: str | None = None
                  ) -> list[tuple[str, float, tuple | None, dict | None]]:
    """Run a batch in one worker; a run that raises becomes a failure record.

    With ``run_dir`` (a folder the worker can reach) the worker writes each
    result file itself and sends back only its id; otherwise the tidy frames
    (district, community panel or None) go back to the caller. Returns
    ``(run_id, model seconds, frames, failure)``.
    """
    out = []
    for run in runs:
        t0 = time.perf_counter()
        try:
            frame, panel = execute_run(run)
            tidy = (_tidy(run, frame), None if panel is None else _tidy(run, panel))
            seconds = time.perf_counter() - t0
            if run_dir is not None:
                store_run(Path(run_dir), run.run_id, *tidy)
                tidy = None
            out.append((run.run_id, seconds, tidy, None))
        except Exception as e:  # a failing run must not stop the sweep
            out.append((run.run_id, time.perf_counter() - t0, None,
                        {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}))
    return out


def store_run(run_dir: Path, run_id: str, tidy: pd.DataFrame, panel: pd.DataFrame | None = None) -> None:
    """Write one run's result atomically: a reader sees the whole file or none.

    The community panel goes to ``<id>.communities.parquet`` first; the
    district file, written last, is what marks the run as done.
    """
    if panel is not None:
        atomic_write(run_dir / f"{run_id}.communities.parquet", lambda p: panel.to_parquet(p, index=False))
    atomic_write(run_dir / f"{run_id}.parquet", lambda p: tidy.to_parquet(p, index=False))


def _batches(runs: list[Run], workers: int) -> list[list[Run]]:
    """Short runs are grouped so scheduling overhead stays small, in batches
    small enough (about 64 a worker, at most 32 runs) that the last ones do
    not leave workers idle for long."""
    if not runs:
        return []
    size = max(1, min(32, math.ceil(len(runs) / (64 * max(workers, 1)))))
    return [runs[i:i + size] for i in range(0, len(runs), size)]


def _local(batches: list[list[Run]], workers: int, run_dir: str) -> Iterator[list]:
    if workers <= 1:
        for batch in batches:
            yield execute_batch(batch, run_dir)
        return
    # Workers fork from a server that has already imported the model, so each
    # starts in milliseconds, and the same processes serve every batch.
    context = get_context("forkserver")
    context.set_forkserver_preload(["experiments.engine", "model.model"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(execute_batch, b, run_dir) for b in batches]
        for f in as_completed(futures):
            yield f.result()


def _dask(batches: list[list[Run]], address: str, run_dir: str) -> Iterator[list]:
    """Batches on a Dask cluster. Workers of a local cluster write their files;
    a remote cluster's workers send results back (no shared disk assumed)."""
    from distributed import Client, LocalCluster, as_completed as dask_completed

    local = address.startswith("local:")
    if local:
        n = int(address.split(":", 1)[1])
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(address)
    try:
        futures = [client.submit(execute_batch, b, run_dir if local else None, pure=False)
                   for b in batches]
        for f in dask_completed(futures):
            yield f.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- files --------------------------------------------------------------------
def _tidy(run: Run, frame: pd.DataFrame) -> pd.DataFrame:
    head = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
            "seed": run.seed, "scenario": run.scenario or ""}
    head.update({f"factor:{k}": v for k, v in run.factors.items()})
    tidy = frame.copy()
    for i, (k, v) in enumerate(head.items()):
        tidy.insert(i, k, v)
    return tidy


@dataclass
class SweepResult:
    runs_total: int
    runs_done: int
    runs_run_now: int
    failed: list[str]
    seconds: float
    model_seconds: float
    out: Path


def run_experiment(spec: ExperimentSpec, out: Path, workers: int | None = None,
                   dask: str | None = None, progress: bool = True) -> SweepResult:
    """Run what is missing of ``spec`` into ``out`` and compact the results."""
    t0 = time.perf_counter()
    runs = plan_runs(spec)
    workers = workers or os.cpu_count() or 1
    run_dir, fail_dir = out / "runs", out / "failures"
    run_dir.mkdir(parents=True, exist_ok=True)
    fail_dir.mkdir(parents=True, exist_ok=True)
    by_id = {r.run_id: r for r in runs}
    done = {r.run_id for r in runs if (run_dir / f"{r.run_id}.parquet").exists()}
    pending = [r for r in runs if r.run_id not in done]
    for r in pending:  # a rerun tries failed runs again
        (fail_dir / f"{r.run_id}.json").unlink(missing_ok=True)
    batches = _batches(pending, 1 if dask is None and workers <= 1 else workers)
    results: Iterable[list] = (_dask(batches, dask, str(run_dir)) if dask
                               else _local(batches, workers, str(run_dir)))

    bar = _progress(len(runs), len(done), progress)
    failed, model_seconds = [], 0.0
    for batch_result in results:
        for run_id, seconds, tidy, failure in batch_result:
            run = by_id[run_id]
            model_seconds += seconds
            if failure is None:
                if tidy is not None:  # sent back by a remote worker
                    store_run(run_dir, run_id, *tidy)
            else:
                failed.append(run_id)
                record = {"run_id": run_id, "point": run.point, "replicate": run.replicate,
                          "seed": run.seed, "scenario": run.scenario, "factors": run.factors, **failure}
                atomic_write(fail_dir / f"{run_id}.json",
                              lambda p, r=record: Path(p).write_text(json.dumps(r, indent=2, default=str)))
            bar.update(failures=len(failed))
    bar.close()
    done_now = sum(1 for r in runs if (run_dir / f"{r.run_id}.parquet").exists())
    elapsed = time.perf_counter() - t0
    result = SweepResult(len(runs), done_now, len(pending) - len(failed), failed, elapsed, model_seconds, out)
    compact(spec, runs, out, result)
    return result


def compact(spec: ExperimentSpec, runs: list[Run], out: Path, result: SweepResult) -> None:
    """Gather the run files of this experiment into runs.parquet, points.parquet and the manifest."""
    run_dir = out / "runs"
    tables = [pq.read_table(run_dir / f"{r.run_id}.parquet") for r in runs
              if (run_dir / f"{r.run_id}.parquet").exists()]
    if not tables:  # nothing finished: no compacted file may describe older runs
        for name in ("runs.parquet", "points.parquet"):
            (out / name).unlink(missing_ok=True)
    if tables:
        tidy = pa.concat_tables(tables, promote_options="default").to_pandas()
        tidy = tidy.sort_values(["point", "replicate", "month"], kind="stable").reset_index(drop=True)
        points = tidy.groupby(["point", "replicate"], sort=True).tail(1).reset_index(drop=True)
        atomic_write(out / "runs.parquet", lambda p: tidy.to_parquet(p, index=False))
        atomic_write(out / "points.parquet", lambda p: points.to_parquet(p, index=False))
    panels = [pq.read_table(run_dir / f"{r.run_id}.communities.parquet") for r in runs
              if (run_dir / f"{r.run_id}.communities.parquet").exists()
              and (run_dir / f"{r.run_id}.parquet").exists()]
    if not panels:
        (out / "communities.parquet").unlink(missing_ok=True)  # never a panel of other runs
    else:
        panel = pa.concat_tables(panels, promote_options="default").to_pandas()
        panel = panel.sort_values(["point", "replicate", "month", "community"], kind="stable")
        atomic_write(out / "communities.parquet",
                     lambda p: panel.reset_index(drop=True).to_parquet(p, index=False))
    failures = sorted(p.name for p in (out / "failures").glob("*.json"))
    manifest = {
        "experiment": spec.name, "description": spec.description, "source": spec.source,
        "spec": spec.raw, "spec_hash": spec.spec_hash,
        "code_version": code_version(), "model_version": model_version(spec.model),
        "packages": {**package_versions(), **{k: _version(k) for k in ENGINE_PACKAGES}},
        "python": platform.python_version(), "host": platform.node(),
        "seeds": replicate_seeds(spec.base_seed, spec.replicates),
        "points": len({r.point for r in runs}),
        "runs_total": result.runs_total, "runs_done": result.runs_done,
        "runs_failed": len(failures), "failures": [f"failures/{f}" for f in failures],
        "timings_s": {"wall": round(result.seconds, 3), "model": round(result.model_seconds, 3)},
        "runs": [asdict(r) | {"file": f"runs/{r.run_id}.parquet"} for r in runs],
    }
    atomic_write(out / "manifest.json",
                  lambda p: Path(p).write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False)))


def _version(name: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


class _progress:
    """A progress bar on standard error: runs done, failures, time remaining."""

    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm
            self.bar = tqdm(total=total, initial=initial, unit="run", file=sys.stderr,
                            dynamic_ncols=True, desc="runs")

    def update(self, failures: int) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(failed=failures, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
