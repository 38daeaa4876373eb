"""The experiment engine: runs every (design point, replicate), resumable.

Runs go on local processes or a Dask cluster, with results identical whatever
the backend and the number of workers.

- Seeds: one per replicate, spawned from ``base_seed`` with numpy's
  ``SeedSequence``; every design point uses the same replicate seeds
  (common random numbers), so differences between points are paired.
- Identity: a run is the hash of its resolved parameters and lever changes,
  seed, months, scale, indicators, record mode, model and model version
  (a hash of the model's source), so a changed spec or model gets new ids
  instead of stale results.
- Storage: runs travel and are written in batches. Each worker writes the
  runs it finishes together, atomically, as one chunk file
  ``DIR/runs/chunk-<hash>.parquet`` (and ``chunk-<hash>.communities.parquet``
  beside it for the community panels), which names the runs it holds in its
  footer; a run is done when it is in a chunk file. A rerun reads only the
  footers and runs what is missing, so an interrupted sweep resumes and a
  finished one reruns nothing. Batches adapt to the runs' duration: about a
  second of work each (one run each for long runs), the last ones spread over
  every worker, and a worker writes what it has at least every two seconds,
  so an interruption loses little work. A folder written by the engine before
  chunks (one ``runs/<id>.parquet`` a run) is read as it is and resumed.
- Failures: a run that raises is written to ``DIR/failures/<id>.json``
  (parameters, seed, error) and the sweep goes on; a rerun tries it again.
- Stopping: one sweep at a time writes into ``DIR`` (a lock on
  ``DIR/.sanshe-lock``). A KeyboardInterrupt stops every worker process (a
  local pool's or a local Dask cluster's), removes the temporary files and
  raises :class:`SweepInterrupted` with the number of runs saved; workers
  ignore Ctrl-C (it is the main process's to handle) and end themselves
  within a second if the main process is killed; the temporary files such a
  kill leaves are removed when the next sweep into ``DIR`` starts.
- At the end the chunk files are compacted into ``DIR/runs.parquet`` (tidy,
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

import contextlib
import fcntl
import hashlib
import importlib
import inspect
import json
import math
import os
import platform
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.spec import ExperimentError, ExperimentSpec
from model.parameters import PARAMETERS, first_effect_month
from model.scenario import Scenario, ScenarioError, load_scenario
from sanshe.output import atomic_write, code_version, folder_problem, package_versions

if TYPE_CHECKING:  # the designs (SALib, scipy) are imported when runs are planned, not in every worker process;
    import pandas as pd  # pandas when a run gives a frame, not to rerun a finished sweep

    from experiments.designs import DesignPoint

ENGINE_PACKAGES = ("dask", "distributed", "salib", "tqdm")
MAX_WORKERS = 256  # local processes (--workers) or local Dask workers (--dask local:N)
DASK_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")  # what distributed can connect to
DASK_CONNECT_S = 5  # a remote scheduler must answer within this many seconds
LOCK_FILE = ".sanshe-lock"  # in the output folder: one sweep at a time writes there
COMPACTED = ("runs.parquet", "points.parquet", "communities.parquet", "manifest.json")
BATCH_S = 1.0  # a batch of short runs is sized to take about this long on a worker (see _Batcher)
FLUSH_S = 2.0  # a worker writes the runs it has finished at least this often (a chunk file)
MAX_BATCH = 4096  # runs in one batch, at most
RUN_IDS_KEY = b"sanshe.run_ids"  # in a chunk file's footer: the runs it holds (a JSON list)
CHUNK_FILE = re.compile(r"chunk-[0-9a-f]{20}\.parquet")  # in runs/: the results of several runs
SINGLE_FILE = re.compile(r"[0-9a-f]{20}\.parquet")  # in runs/: one run's results, as engines before chunks wrote


class OptionError(ExperimentError):
    """A bad value of one of :func:`run_experiment`'s options (``workers``, ``dask``, ``out``).

    ``option`` names it as the command line does (``--workers``), ``message`` says
    what is allowed.
    """

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option, self.message = option, message


class SweepAborted(Exception):
    """A sweep stopped by something outside the user's command and our code.

    For example a worker process killed by the system; the message is one line
    saying what is saved. Rerunning resumes.
    """


class SweepInterrupted(KeyboardInterrupt):
    """A sweep stopped by Ctrl-C (or a signal the caller turned into a KeyboardInterrupt).

    Its processes are stopped, no temporary file is left, and ``done`` of ``total``
    runs are saved in ``out``; rerunning resumes.
    """

    def __init__(self, done: int, total: int, out: Path) -> None:
        super().__init__(f"interrupted: {done} of {total} runs saved in {out}")
        self.done, self.total, self.out = done, total, out


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
    draw: int | None = None
    """The parameter draw the run uses (``[uncertainty]``), or None."""


def run_seeds(spec: ExperimentSpec) -> list[int]:
    """The experiment's seeds: one a replicate, times the parameter draws (``[uncertainty]``) when there are any."""
    return replicate_seeds(spec.base_seed, spec.replicates * ((spec.uncertainty or {}).get("draws") or 1))


def replicate_seeds(base_seed: int, replicates: int) -> list[int]:
    """One seed per replicate from ``SeedSequence(base_seed).spawn``."""
    return [int(s.generate_state(1, dtype=np.uint32)[0])
            for s in np.random.SeedSequence(base_seed).spawn(replicates)]


def model_version(model: str | None) -> str:
    """A hash of the model's source.

    Every file of ``model/`` for sanshe, the factory's module file for another model.
    """
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
    """Every run of the experiment, in (point, replicate) order.

    Raises:
        ExperimentError: a scenario that does not load, a dated change or a
            factor that would act at no month of the experiment (one line).
    """
    from experiments.designs import design_points
    from experiments.uncertainty import draw_parameters

    points = design_points(spec)
    draws = draw_parameters(spec) or [None]
    # With parameter draws, run k = d × replicates + r has draw d and the k-th seed at every point.
    seeds = run_seeds(spec)
    version = model_version(spec.model)
    indicators = tuple(spec.indicators) if spec.indicators else None
    scenarios = {name: _base_scenario(spec, name) for name in dict.fromkeys(p.scenario for p in points)}
    runs = []
    for point in points:
        for d, draw in enumerate(draws):
            params, changes = _resolve_point(spec, point, scenarios[point.scenario], draw)
            first = d * spec.replicates
            point_seeds = seeds[first:first + spec.replicates] if point.seed is None else [point.seed]
            for r, seed in enumerate(point_seeds):
                # The point's number and names are part of the identity, so two points that
                # happen to resolve to the same parameters still get a result each.
                identity = {"point": point.index, "scenario": point.scenario, "factors": point.factors,
                            "params": params, "changes": changes, "seed": seed, "months": spec.months,
                            "indicators": indicators, "record": spec.record, "model": spec.model,
                            "communities": spec.communities, "version": version}
                run_id = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:20]
                runs.append(Run(run_id, point.index, first + r, seed, point.scenario, point.factors, params,
                                changes, spec.months, indicators, spec.record, spec.model, spec.communities,
                                None if draw is None else d))
    return runs


def _base_scenario(spec: ExperimentSpec, name: str | None) -> Scenario | None:
    """The scenario a design point starts from, loaded once per experiment.

    It is checked against the experiment's months; the factors' placements are
    checked here too, since they depend on the scenario and not on the values.
    """
    if spec.model is not None:
        return None
    try:
        # A scenario named in an experiment file is looked up beside the file first.
        scenario = load_scenario(name, relative_to=Path(spec.source).parent) if name else Scenario(name="defaults")
    except ScenarioError as e:
        raise ExperimentError(f"{spec.source}: {e}") from None
    for path in spec.factors:
        if path not in PARAMETERS:
            continue  # designs.py names an unknown parameter path
        months = scenario.months_set(path)
        acts = min(first_effect_month(path, m, scenario.spinup_years) for m in months)
        if acts > spec.months:
            where = (f"where {scenario.name} changes it (month {', '.join(map(str, months))})"
                     if months != [1] else "from month 1")
            raise ExperimentError(f"{spec.source}: factors.{path}: a value set {where} first acts at month "
                                  f"{acts}, after the experiment's last month ({spec.months}); allowed: "
                                  f"months >= {acts}, or a base scenario in which it acts earlier")
    try:
        scenario.check_horizon(spec.months)
    except ScenarioError as e:
        raise ExperimentError(f"{spec.source}: {e}") from None
    return scenario


def _resolve_point(spec: ExperimentSpec, point: DesignPoint, scenario: Scenario | None,
                   draw: dict[str, Any] | None = None) -> tuple[dict[str, Any], tuple]:
    if scenario is None:  # another model: its parameters are the factors
        return dict(point.factors), ()
    # The one rule for dated levers: a factor on a lever that the base scenario changes at
    # a month (the reform at month 25 of yuzhong_2016, say) goes into that change;
    # otherwise it holds from month 1. A parameter draw is placed the same way.
    if draw:
        scenario = scenario.with_levers(draw, origin="a parameter draw")
    scenario = scenario.with_levers(point.factors, origin=f"factor of {spec.source}")
    params = {**scenario.params, "population.population_scale": spec.scale}
    changes = tuple((c.month, c.path, c.value) for c in scenario.changes)
    return params, changes


# --- running ------------------------------------------------------------------
def execute_run(run: Run) -> tuple[pa.Table, pa.Table | None]:
    """Run one model; return its indicators by month (``month`` first) and its panel.

    The panel is the community panel the run keeps (see ``communities`` in
    :mod:`experiments.spec`) for the sanshe model, else None.
    """
    if run.model is None:
        frame, panel = _run_sanshe(run)
    else:
        frame, panel = _run_factory(run), None
    if run.indicators:
        missing = [c for c in run.indicators if c not in frame.column_names]
        if missing:
            raise KeyError(f"indicators not reported by the model: {', '.join(missing)}")
        frame = frame.select(["month", *run.indicators])
    if run.record == "last":
        frame = frame.slice(max(0, frame.num_rows - 1))
    return frame, panel


def _run_sanshe(run: Run) -> tuple[pa.Table, pa.Table | None]:
    from model.model import SansheModel
    from model.scenario import LeverChange

    scenario = Scenario(name=run.scenario or "defaults", params=dict(run.params),
                        changes=[LeverChange(*c) for c in run.changes])
    model = SansheModel.started(scenario, seed=run.seed)  # shares a spin-up with earlier runs of this worker
    # Only the months kept are computed: the final one with record = "last", the panel's year or none.
    model.recorder.district_from = run.months if run.record == "last" else 1
    model.recorder.communities_from = {"none": None, "last_year": run.months - 11, "all": 1}[run.communities]
    model.recorder.indicators = run.indicators  # only those kept are computed (None: all)
    model.run(run.months)
    panel = None
    if run.communities != "none":
        panel = _arrow(model.recorder.community_frame(model))
    return _arrow(model.recorder.district_frame()), panel


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """A pandas frame as the Arrow table its parquet file would hold (no index, no pandas metadata)."""
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def _run_factory(run: Run) -> pa.Table:
    """Another Mesa model: ``factory(params, seed)`` builds it.

    The engine calls ``step()`` once a month, for months 1..M.

    A model with ``indicators()`` (a dict) reports months 1..M, read after
    each step. Otherwise its DataCollector's model variables are read at the
    end, numbered by when they were collected: rows collected while the model
    was built (the initial state that Mesa's examples collect in ``__init__``)
    are month 0, rows collected during the m-th ``step()`` are month m; when
    one of these adds several rows the last is kept, and a step that collects
    nothing has no row.
    """
    module, name = run.model.split(":", 1)
    factory = getattr(importlib.import_module(module), name)
    model = factory(dict(run.params), run.seed)
    if hasattr(model, "indicators"):
        rows = []
        for month in range(1, run.months + 1):
            model.step()
            rows.append({"month": month, **model.indicators()})
        return _table_of_rows(rows)
    collector = getattr(model, "datacollector", None)
    if collector is None:
        raise TypeError(f"{run.model} returned a model with neither indicators() nor a datacollector")
    counts = [_collected(collector)]  # rows after construction, then after each step
    for _ in range(run.months):
        model.step()
        counts.append(_collected(collector))
    frame = collector.get_model_vars_dataframe().reset_index(drop=True)
    kept = [(month, counts[month] - 1) for month in range(run.months + 1)
            if counts[month] > (counts[month - 1] if month else 0)]
    frame = frame.iloc[[row for _, row in kept]].reset_index(drop=True)
    frame.insert(0, "month", np.array([month for month, _ in kept], dtype=np.int64))
    return _arrow(frame)


def _table_of_rows(rows: list[dict]) -> pa.Table:
    """Rows (dicts) as a table: a column per key, in the order keys first appear, None where a row lacks it."""
    names = list(dict.fromkeys(k for row in rows for k in row))
    # Table.from_arrays, not pa.table(dict): the same table in a twentieth of the time (about 40 µs, not 0.8 ms).
    return pa.Table.from_arrays([pa.array([row.get(name) for row in rows]) for name in names], names=names)


def _collected(collector) -> int:
    """How many rows of model variables a Mesa DataCollector holds."""
    return max((len(v) for v in getattr(collector, "model_vars", {}).values()), default=0)


@dataclass
class BatchResult:
    """What a worker did with a batch of runs.

    Attributes:
        outcomes: ``(run_id, model seconds, failure)`` per run, in the batch's
            order; ``failure`` is None for a run that finished, else a dict with
            its ``error`` and ``traceback``.
        seconds: the batch's wall time in the worker, writing included.
        district: when the caller writes the results (no shared folder), the
            tidy district table of the finished runs, else None.
        panel: likewise, their community panels (None when they keep none).
    """

    outcomes: list[tuple[str, float, dict | None]]
    seconds: float
    district: pa.Table | None = None
    panel: pa.Table | None = None


class _Chunk:
    """The runs a worker has finished and not yet written, with their tables."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.district: list[pa.Table] = []
        self.panels: list[tuple[Run, pa.Table]] = []

    @property
    def ids(self) -> list[str]:
        """The ids of its runs, in the order they finished."""
        return [r.run_id for r in self.runs]

    def add(self, run: Run, district: pa.Table, panel: pa.Table | None) -> None:
        """One more finished run: its indicators by month and its community panel (or None).

        Raises:
            ValueError: the model reports a column the engine adds (``run_id``,
                ``point``, ..., ``factor:NAME``).
        """
        head = _head(run)
        for table in (district, panel):
            columns = set(table.column_names) if table is not None else set()
            clash = [k for k in head if k in columns]
            if clash:
                raise ValueError(f"the model reports columns the engine adds: {', '.join(clash)}")
        self.runs.append(run)
        self.district.append(district)
        if panel is not None:
            self.panels.append((run, panel))

    def tables(self) -> tuple[pa.Table, pa.Table | None]:
        """The tidy district table and panel (None when no run kept one), each one table."""
        panel = _tidy([r for r, _ in self.panels], [t for _, t in self.panels]) if self.panels else None
        return _tidy(self.runs, self.district), panel


def execute_batch(runs: list[Run], run_dir: str | None = None, main_pid: int | None = None) -> BatchResult:
    """Run a batch in one worker; a run that raises becomes a failure record.

    With ``run_dir`` (a folder the worker can reach) the worker writes the
    finished runs itself, as chunk files (:func:`write_chunk`): one at the end
    of the batch, and one at least every ``FLUSH_S`` seconds before, so an
    interruption loses little work. Otherwise the tidy tables go back to the
    caller in the result. With ``main_pid`` (the sweep's process, on the same
    machine) a worker process exits as soon as that process is gone (see
    :func:`_watch`). Ctrl-C is not caught here: it stops the batch like any
    interruption.
    """
    if main_pid is not None and main_pid != os.getpid():
        _watch(main_pid)
    started = flushed = time.perf_counter()
    outcomes, chunk = [], _Chunk()
    for run in runs:
        t0 = time.perf_counter()
        try:
            frame, panel = execute_run(run)
            seconds = time.perf_counter() - t0
            chunk.add(run, frame, panel)
        except Exception as e:  # a failing run must not stop the sweep
            outcomes.append((run.run_id, time.perf_counter() - t0,
                             {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}))
            continue
        outcomes.append((run.run_id, seconds, None))
        if run_dir is not None and time.perf_counter() - flushed >= FLUSH_S:
            write_chunk(Path(run_dir), chunk.ids, *chunk.tables())
            chunk, flushed = _Chunk(), time.perf_counter()
    if run_dir is None:
        district, panel = chunk.tables() if chunk.ids else (None, None)
        return BatchResult(outcomes, time.perf_counter() - started, district, panel)
    if chunk.ids:
        write_chunk(Path(run_dir), chunk.ids, *chunk.tables())
    return BatchResult(outcomes, time.perf_counter() - started)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """Tables of runs as one (a column missing from some runs is null there; int and float columns meet as float)."""
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")
    return table.combine_chunks()


def write_chunk(run_dir: Path, run_ids: list[str], district: pa.Table, panel: pa.Table | None = None) -> str:
    """Write the results of several runs atomically, as one chunk; return its name.

    The chunk is ``chunk-<hash of its run ids>.parquet`` (the tidy district
    rows of these runs) and, for runs that keep a community panel,
    ``chunk-<hash>.communities.parquet`` beside it. Each file names the runs it
    holds in its footer (the key ``sanshe.run_ids``), so a sweep learns which
    runs are done from the footers, without reading the tables. The panel is
    written first; the district file, written last, is what marks the runs as
    done.
    """
    name = "chunk-" + hashlib.sha256("\n".join(run_ids).encode()).hexdigest()[:20]
    metadata = {RUN_IDS_KEY: json.dumps(run_ids).encode()}
    if panel is not None:
        atomic_write(run_dir / f"{name}.communities.parquet", lambda p: _write_table(panel, metadata, p))
    atomic_write(run_dir / f"{name}.parquet", lambda p: _write_table(district, metadata, p))
    return name


def _write_table(table: pa.Table, metadata: dict[bytes, bytes], path: str) -> None:
    pq.write_table(table.replace_schema_metadata(metadata), path, write_page_checksum=True)


def start_key(run: Run) -> tuple:
    """What a sanshe run's spin-up depends on: its seed and its month-1 parameters (``SansheModel.started``)."""
    return run.seed, json.dumps(run.params, sort_keys=True, default=str)


class _Batcher:
    """Cuts the pending runs into batches as the sweep goes, sized by how long runs take.

    The first batches hold one run each; then each batch holds about
    ``BATCH_S`` seconds of work (from the time the finished batches took per
    run), growing at most fourfold from one batch to the next, and never more
    than a ``2 × workers``-th of what is left, so the last batches spread over
    every worker. Short runs thus travel and are written many together, and a
    long run (a full-district run takes about 25 s) is a batch, and a chunk
    file, of its own.

    With ``starts`` (one key per run, runs of a key next to each other) a
    batch is stretched to the end of the key's runs, while that stays within
    a ``workers``-th of what is left: runs that share a spun-up district
    (:func:`start_key`) then go to one worker, which spins up once for all of
    them, instead of every worker spinning up the same district. A worker
    writes what it has every ``FLUSH_S`` seconds, so a long batch loses no
    more on an interruption than a short one.
    """

    def __init__(self, runs: list[Run], workers: int, starts: list | None = None) -> None:
        self.runs, self.workers = runs, max(workers, 1)
        self.taken = self.last = self.timed = 0
        self.seconds = 0.0
        self.group_end = None
        if starts is not None:  # one past the last run of each run's group
            ends = [i + 1 for i in range(len(starts)) if i + 1 == len(starts) or starts[i + 1] != starts[i]]
            self.group_end = [end for i, end in enumerate(ends) for _ in range(end - (ends[i - 1] if i else 0))]

    def take(self) -> list[Run]:
        """The next batch (empty when every run is taken)."""
        left = len(self.runs) - self.taken
        if left <= 0:
            return []
        size = 1
        if self.timed:
            per_run = self.seconds / self.timed
            size = min(MAX_BATCH, 4 * self.last, math.ceil(BATCH_S / per_run) if per_run > 0 else MAX_BATCH)
        size = max(1, min(size, math.ceil(left / (2 * self.workers))))
        if self.group_end is not None:  # the rest of the last run's group, within a worker's share
            rest = self.group_end[self.taken + size - 1] - self.taken
            if rest <= math.ceil(left / self.workers):
                size = max(size, rest)
        batch = self.runs[self.taken:self.taken + size]
        self.taken += size
        self.last = max(self.last, size)
        return batch

    def record(self, result: BatchResult) -> None:
        """A finished batch: its time per run sizes the next ones."""
        self.seconds += result.seconds
        self.timed += len(result.outcomes)


def _local(batcher: _Batcher, workers: int, run_dir: str) -> Iterator[BatchResult]:
    """Batches on local processes, two a worker in flight.

    Closing the generator before it is exhausted (an interruption) terminates the
    worker processes.
    """
    if workers <= 1:
        while batch := batcher.take():
            result = execute_batch(batch, run_dir)
            batcher.record(result)
            yield result
        return
    # Workers fork from a server that has already imported the model, so each
    # starts in milliseconds, and the same processes serve every batch.
    context = get_context("forkserver")
    context.set_forkserver_preload(["experiments.engine", "model.model"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_init, initargs=(os.getpid(),))
    finished = False
    try:
        running = {pool.submit(execute_batch, b, run_dir) for b in _first_batches(batcher, workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                batcher.record(result)
                yield result
                if batch := batcher.take():
                    running.add(pool.submit(execute_batch, batch, run_dir))
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_pool(pool)


def _first_batches(batcher: _Batcher, workers: int) -> list[list[Run]]:
    """Two batches a worker to start with, so no worker waits for the next while one is sent back."""
    return [b for b in (batcher.take() for _ in range(2 * workers)) if b]


def _worker_init(main_pid: int) -> None:
    """In each local worker process: Ctrl-C is for the main process only.

    A terminal sends Ctrl-C to every process of the command; the main process then
    stops the workers. A watchdog ends the worker if the main process dies.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch(main_pid)


_watching: int | None = None


def _watch(main_pid: int, every: float = 0.25) -> None:
    """Start (once per process) a thread that ends this worker when the main process is gone.

    The worker ends within about a second once the sweep's main process is gone
    (killed with SIGKILL, say), so no orphan keeps computing. Its unfinished
    temporary file is swept up by the next run of the experiment.
    """
    global _watching
    if _watching == main_pid:
        return
    _watching = main_pid
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent or not _alive(main_pid):
                os._exit(1)

    threading.Thread(target=watch, name="sanshe-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed process its parent has not yet reaped is a zombie: gone too
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 2.0) -> None:
    """Stop a process pool now.

    Terminate its workers (SIGTERM, then SIGKILL after ``grace`` seconds), cancel
    what has not started, and wait until every worker has exited, so none is still
    writing a file.
    """
    processes = getattr(pool, "_processes", None)  # private, but the only handle on the workers
    processes = list(processes.values()) if isinstance(processes, dict) else []
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(grace)


def _dask(batcher: _Batcher, address: str, run_dir: str, client=None) -> Iterator[BatchResult]:
    """Batches on a Dask cluster, two a worker in flight.

    ``local:N`` starts (and at the end or on an interruption stops) a local cluster
    whose workers write their chunk files; otherwise ``client`` is connected to a
    remote scheduler (see :func:`connect_dask`) and its workers send the tables
    back (no shared disk assumed). Closing the generator early cancels what has
    not finished.
    """
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster, futures, finished = None, [], False
    try:
        if address.startswith("local:"):
            import logging

            n = int(address.split(":", 1)[1])
            # Each worker process runs dask_setup below; its warnings about the
            # tasks an interruption cancels are not news.
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR,
                                   preload=["experiments.engine"])
            client = Client(cluster)
            args = (run_dir, os.getpid())
        else:
            n, args = _dask_workers(client), (None,)
        futures = [client.submit(execute_batch, b, *args, pure=False) for b in _first_batches(batcher, n)]
        completed = dask_completed(futures)
        for future in completed:
            result = future.result()
            batcher.record(result)
            yield result
            if batch := batcher.take():
                futures.append(client.submit(execute_batch, batch, *args, pure=False))
                completed.add(futures[-1])
        finished = True
    finally:
        if not finished and futures:
            with contextlib.suppress(Exception):
                client.cancel(futures)
        if cluster is not None:
            with contextlib.nullcontext() if finished else _quiet_dask():
                with contextlib.suppress(Exception):
                    client.close()
                cluster.close()


def _dask_workers(client) -> int:
    """How many workers a remote scheduler has now (at least 1)."""
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:  # noqa: BLE001 -- a scheduler that cannot say: batches for one worker still go everywhere
        return 1


def dask_setup(worker) -> None:
    """Dask's preload hook, run in each worker process of a local cluster (``local:N``) as it starts.

    Ctrl-C, which a terminal sends to every process of the command, is for the
    main process only, which then closes the cluster; and the worker ends itself
    if the main process dies.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch(os.getppid())


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Meanwhile, distributed's reports of the workers and tasks an interruption stops (not news) are not printed."""
    import logging
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


# --- options ------------------------------------------------------------------
_ADDRESS = re.compile(r"(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
                      r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})")


def check_workers(workers: int | None) -> int | None:
    """``workers``: None (all cores) or an integer in [1, MAX_WORKERS]."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or not 1 <= workers <= MAX_WORKERS):
        raise OptionError("--workers", f"found {workers!r}, allowed: an integer in [1, {MAX_WORKERS}]")
    return workers


def check_dask(address: str | None) -> str | None:
    """``dask``: ``local:N``, ``scheme://host:port`` or ``host:port`` (tcp).

    N is in [1, MAX_WORKERS]; the scheme is one that distributed supports.
    """
    if address is None:
        return None
    allowed = (f"allowed: local:N with N in [1, {MAX_WORKERS}], or a scheduler address "
               f"scheme://host:port or host:port (schemes: {', '.join(DASK_SCHEMES)})")
    if address.startswith("local:"):
        n = address.split(":", 1)[1]
        if not (n.isascii() and n.isdigit()) or not 1 <= int(n) <= MAX_WORKERS:
            raise OptionError("--dask", f"found {address!r}, {allowed}")
        return address
    if address.startswith("inproc://") and len(address) > len("inproc://") and not any(c.isspace() for c in address):
        return address
    m = _ADDRESS.fullmatch(address)
    if not m or (m["scheme"] and m["scheme"] not in DASK_SCHEMES) or not 1 <= int(m["port"]) <= 65535:
        raise OptionError("--dask", f"found {address!r}, {allowed}")
    return address


def connect_dask(address: str, timeout: float = DASK_CONNECT_S):
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    A scheduler that does not answer within ``timeout`` seconds, or anything else
    that prevents talking to it, is an :class:`OptionError`.
    """
    from distributed import Client

    class Connecting(Client):
        def __init__(self, *args, **kwargs) -> None:
            try:
                super().__init__(*args, **kwargs)
            except BaseException:
                # Half-built: make its finaliser a no-op (it would wait 10 s and
                # print a traceback) and stop its event loop's thread.
                self.status = "closed"
                with contextlib.suppress(Exception):
                    self._loop_runner.stop()
                raise

    try:
        return Connecting(address, timeout=timeout)
    except KeyboardInterrupt:
        raise
    except (OSError, TimeoutError) as e:
        if "timed out" in str(e).lower() or isinstance(e, TimeoutError):
            raise OptionError("--dask", f"no scheduler answered at {_full(address)} within "
                              f"{timeout:g} s") from None
        raise OptionError("--dask", f"cannot connect to {_full(address)}: {e.strerror or e}") from None
    except Exception as e:  # noqa: BLE001 -- a scheme without support, a server that is no scheduler ...
        raise OptionError("--dask", f"cannot talk to a Dask scheduler at {_full(address)}: "
                          f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None


def _full(address: str) -> str:
    return address if "://" in address else f"tcp://{address}"


def check_out(out: str | Path) -> Path:
    """``out``: an existing folder this process can write into, or one it can create.

    So are its ``runs`` and ``failures`` folders where they exist. An empty string
    is refused (``Path("")`` would be the current folder).
    """
    if isinstance(out, str) and not out.strip():
        raise OptionError("--out", f"found {out!r}, allowed: a folder to write the results to")
    out = Path(out)
    for folder in (out, out / "runs", out / "failures"):
        problem = folder_problem(folder) if folder == out or folder.exists() else None
        if problem:
            raise OptionError("--out", problem)
    return out


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Create ``out`` and hold an exclusive lock on it.

    The lock (``out/.sanshe-lock``) is released when the sweep ends or its process
    dies: only one sweep at a time writes into a folder, so the temporary files
    found there are leftovers and can be removed.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        raise OptionError("--out", f"cannot write to {out}: {e.strerror or e}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
            raise OptionError("--out", f"{out} is in use by another sweep"
                              f"{f' (process {holder})' if holder.isdigit() else ''}; "
                              "allowed: a folder no other sanshe experiment run is writing to "
                              "(wait for it to finish, or choose another --out)") from None
        except OSError as e:
            raise OptionError("--out", f"cannot lock {out / LOCK_FILE}: {e.strerror or e}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _remove_temporary(out: Path) -> None:
    """Remove the temporary files a sweep writes, left by a sweep that was killed.

    These are ``runs/.*.tmp``, ``failures/.*.tmp`` and those of the compacted
    files, and a community panel whose district file a kill kept from being
    written (its runs are not done). Only under the folder's lock.
    """
    run_dir = out / "runs"
    leftovers = [*run_dir.glob(".*.tmp"), *(out / "failures").glob(".*.tmp"),
                 *(p for name in COMPACTED for p in out.glob(f".{name}.*.tmp")),
                 *(p for p in run_dir.glob("*.communities.parquet")
                   if not (run_dir / p.name.replace(".communities.parquet", ".parquet")).exists())]
    for p in leftovers:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


# --- files --------------------------------------------------------------------
def _head(run: Run) -> dict[str, Any]:
    """The columns that identify a run's rows: run_id, point, replicate, seed, scenario, factor:NAME."""
    head = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
            "seed": run.seed, "scenario": run.scenario or ""}
    head.update({f"factor:{k}": v for k, v in run.factors.items()})
    return head


def _tidy(runs: list[Run], tables: list[pa.Table]) -> pa.Table:
    """The runs' tables as one, each row led by its run's :func:`_head`.

    Built a column at a time for all the runs, not a run at a time.
    """
    heads = [_head(r) for r in runs]
    names = list(dict.fromkeys(k for h in heads for k in h))
    rows = np.repeat(np.arange(len(runs)), [t.num_rows for t in tables])
    columns = [pa.array([h.get(k) for h in heads]).take(rows) for k in names]
    body = _concat(tables)
    return pa.Table.from_arrays([*columns, *body.columns], names=[*names, *body.column_names])


def saved_runs(run_dir: Path) -> dict[str, str]:
    """Which runs have a result in ``run_dir``: run id -> the name of the file that holds it.

    A chunk file (:func:`write_chunk`) names its runs in its footer, so only
    footers are read. A folder written before chunks holds one file per run,
    ``<run_id>.parquet``, read as a chunk of one. A run held by two files is
    taken from the first in name order.

    Raises:
        ExperimentError: a chunk whose footer cannot be read (one line: the
            file, and to delete it and run the same command again).
    """
    held: dict[str, str] = {}
    try:
        names = sorted(os.listdir(run_dir))
    except FileNotFoundError:
        return held
    for name in names:
        if SINGLE_FILE.fullmatch(name):
            held.setdefault(name.removesuffix(".parquet"), name)
        elif CHUNK_FILE.fullmatch(name):
            for run_id in _chunk_ids(run_dir / name):
                held.setdefault(run_id, name)
    return held


def _chunk_ids(path: Path) -> list[str]:
    """The run ids a chunk file's footer names."""
    try:
        ids = json.loads(pq.read_schema(path).metadata[RUN_IDS_KEY])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError("its list of runs is damaged")
        return ids
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError) as e:
        what = "no list of runs in its footer" if isinstance(e, KeyError | TypeError) else str(e)
        raise _damaged(path, what) from None


def _damaged(path: Path, what: str) -> ExperimentError:
    return ExperimentError(f"{path}: cannot read ({' '.join(what.split())[:200]}); delete it and run the same "
                           "command again to redo its runs")


def _read_runs(path: Path, run_ids: list[str]) -> pa.Table:
    """The rows of ``run_ids`` in a saved result file (a chunk, or an older engine's one-run file).

    A file damaged on disk (its page checksums fail, or it is cut short) is one
    line naming it and how to redo its runs.
    """
    try:
        table = pq.read_table(path, page_checksum_verification=True).replace_schema_metadata(None)
    except (pa.ArrowException, OSError) as e:
        raise _damaged(path, str(e)) from None
    if set(table["run_id"].unique().to_pylist()) - set(run_ids):  # runs of another spec, or held by another file
        import pyarrow.compute as pc

        table = table.filter(pc.is_in(table["run_id"], value_set=pa.array(run_ids)))
    return table


def _gather(run_dir: Path, held: dict[str, str], runs: list[Run], panel: bool) -> pa.Table | None:
    """This experiment's saved rows, district or community panel, as one table (None when there are none)."""
    files: dict[str, list[str]] = {}
    for r in runs:
        if r.run_id in held:
            files.setdefault(held[r.run_id], []).append(r.run_id)
    reads = []
    for name, ids in files.items():
        path = run_dir / (name.replace(".parquet", ".communities.parquet") if panel else name)
        if not panel or path.exists():
            reads.append((path, ids))
    if not reads:
        return None
    # Files are read on threads (Arrow reads and decodes without the GIL), their tables kept in this order.
    with ThreadPoolExecutor(max_workers=min(len(reads), os.cpu_count() or 1, 8)) as pool:
        tables = list(pool.map(lambda read: _read_runs(*read), reads))
    return pa.concat_tables(tables, promote_options="permissive")


@dataclass
class SweepResult:
    """What a call of :func:`run_experiment` did.

    Attributes:
        runs_total: runs of the experiment.
        runs_done: runs whose result is saved after the sweep.
        runs_run_now: runs this sweep ran without failing.
        failed: ids of the runs that raised in this sweep (see ``failures/``).
        seconds: wall time of the call.
        model_seconds: time spent inside the models, summed over workers.
        out: the experiment's output folder.
    """

    runs_total: int
    runs_done: int
    runs_run_now: int
    failed: list[str]
    seconds: float
    model_seconds: float
    out: Path


def run_experiment(spec: ExperimentSpec, out: Path, workers: int | None = None,
                   dask: str | None = None, progress: bool = True) -> SweepResult:
    """Run what is missing of ``spec`` into ``out`` and compact the results.

    The options are checked before any work (:class:`OptionError`, one line):
    ``workers`` in [1, MAX_WORKERS] (default: all cores), ``dask`` as in
    :func:`check_dask` (a remote scheduler must answer within
    ``DASK_CONNECT_S`` seconds), ``out`` a folder that can be written. The
    sweep holds a lock on ``out`` (a second sweep into it is an OptionError)
    and first removes the temporary files a killed sweep left there.

    Raises:
        SweepInterrupted: on KeyboardInterrupt, after stopping every worker
            process and removing the temporary files; the runs saved so far
            are kept and a rerun resumes from them.
        ExperimentError: a saved result file that cannot be read (one line: the
            file, and to delete it and rerun); no other result is touched.
    """
    t0 = time.perf_counter()
    workers = check_workers(workers)
    dask = check_dask(dask)
    out = check_out(out)
    runs = plan_runs(spec)
    code_version()  # the commit this sweep runs, read before the runs (it is kept for the process)
    workers = min(workers or os.cpu_count() or 1, MAX_WORKERS)
    client = connect_dask(dask) if dask is not None and not dask.startswith("local:") else None
    try:
        with _locked(out):
            try:
                return _sweep(spec, runs, out, workers, dask, client, progress, t0)
            except KeyboardInterrupt:
                _remove_temporary(out)
                raise SweepInterrupted(_saved(runs, out), len(runs), out) from None
            except BrokenProcessPool:  # a worker killed from outside (out of memory, say)
                _remove_temporary(out)
                raise SweepAborted(f"a worker process died (killed from outside, out of memory?); "
                                   f"{_saved(runs, out)} of {len(runs)} runs saved in {out}; run the "
                                   "same command again to resume") from None
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()


def _saved(runs: list[Run], out: Path) -> int:
    """How many of ``runs`` have a saved result (those in readable files)."""
    try:
        held = saved_runs(out / "runs")
    except ExperimentError:  # said when the same command runs again
        return 0
    return sum(1 for r in runs if r.run_id in held)


def _sweep(spec: ExperimentSpec, runs: list[Run], out: Path, workers: int, dask: str | None,
           client, progress: bool, t0: float) -> SweepResult:
    run_dir, fail_dir = out / "runs", out / "failures"
    _remove_temporary(out)  # left by a killed sweep: no other sweep writes here (we hold the lock)
    try:
        run_dir.mkdir(exist_ok=True)
        fail_dir.mkdir(exist_ok=True)
    except OSError as e:
        raise OptionError("--out", f"cannot write to {out}: {e.strerror or e}") from None
    by_id = {r.run_id: r for r in runs}
    held = saved_runs(run_dir)
    pending = [r for r in runs if r.run_id not in held]
    _clear_failures(fail_dir, pending)  # a rerun tries failed runs again
    starts = None
    if spec.model is None:  # sanshe runs that share a spin-up go together (results do not depend on order)
        keys = {r.run_id: start_key(r) for r in pending}
        first = {}
        for r in pending:
            first.setdefault(keys[r.run_id], len(first))
        pending.sort(key=lambda r: first[keys[r.run_id]])
        starts = [keys[r.run_id] for r in pending]
    batcher = _Batcher(pending, 1 if dask is None and workers <= 1 else workers, starts)
    results: Iterator[BatchResult] = (_dask(batcher, dask, str(run_dir), client) if dask
                                      else _local(batcher, workers, str(run_dir)))
    bar = _progress(len(runs), len(runs) - len(pending), progress)
    failed, model_seconds = [], 0.0
    try:
        for result in results:
            if result.district is not None:  # sent back by a remote worker
                write_chunk(run_dir, [i for i, _, f in result.outcomes if f is None], result.district, result.panel)
            for run_id, seconds, failure in result.outcomes:
                model_seconds += seconds
                if failure is not None:
                    failed.append(run_id)
                    _record_failure(fail_dir, by_id[run_id], failure)
            bar.update(len(result.outcomes), failures=len(failed))
    finally:
        results.close()  # early (an interruption): stops the workers before anything else
        bar.close()
    held = saved_runs(run_dir)
    done_now = sum(1 for r in runs if r.run_id in held)
    elapsed = time.perf_counter() - t0
    result = SweepResult(len(runs), done_now, len(pending) - len(failed), failed, elapsed, model_seconds, out)
    compact(spec, runs, out, result, held)
    return result


def _clear_failures(fail_dir: Path, pending: list[Run]) -> None:
    """Remove the failure records of the runs about to run (one listing of the folder, not a look-up a run)."""
    recorded = {p.stem for p in fail_dir.glob("*.json")}
    for r in pending:
        if r.run_id in recorded:
            (fail_dir / f"{r.run_id}.json").unlink(missing_ok=True)


def _record_failure(fail_dir: Path, run: Run, failure: dict) -> None:
    """``failures/<run_id>.json``: the run's point, seed, factors, error and traceback."""
    record = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
              "seed": run.seed, "scenario": run.scenario, "factors": run.factors, **failure}
    atomic_write(fail_dir / f"{run.run_id}.json",
                 lambda p: Path(p).write_text(json.dumps(record, indent=2, default=str)))


def compact(spec: ExperimentSpec, runs: list[Run], out: Path, result: SweepResult,
            held: dict[str, str] | None = None) -> None:
    """Gather this experiment's saved runs into runs.parquet, points.parquet, communities.parquet and the manifest.

    ``held`` is :func:`saved_runs` of ``out/runs`` (read again when not given).
    """
    run_dir = out / "runs"
    held = saved_runs(run_dir) if held is None else held
    district = _gather(run_dir, held, runs, panel=False)
    if district is None:  # nothing finished: no compacted file may describe older runs
        for name in ("runs.parquet", "points.parquet"):
            (out / name).unlink(missing_ok=True)
    else:
        tidy = district.to_pandas()
        tidy = tidy.sort_values(["point", "replicate", "month"], kind="stable").reset_index(drop=True)
        points = tidy.groupby(["point", "replicate"], sort=True).tail(1).reset_index(drop=True)
        atomic_write(out / "runs.parquet", lambda p: tidy.to_parquet(p, index=False, write_page_checksum=True))
        atomic_write(out / "points.parquet", lambda p: points.to_parquet(p, index=False, write_page_checksum=True))
    panels = _gather(run_dir, held, runs, panel=True)
    if panels is None:
        (out / "communities.parquet").unlink(missing_ok=True)  # never a panel of other runs
    else:
        panel = panels.to_pandas()
        panel = panel.sort_values(["point", "replicate", "month", "community"], kind="stable")
        atomic_write(out / "communities.parquet",
                     lambda p: panel.reset_index(drop=True).to_parquet(p, index=False, write_page_checksum=True))
    _write_manifest(spec, runs, out, result, held)


def _write_manifest(spec: ExperimentSpec, runs: list[Run], out: Path, result: SweepResult,
                    held: dict[str, str]) -> None:
    """``manifest.json``: the spec, versions, seeds, timings, and every run with the file that holds its result."""
    failures = sorted(p.name for p in (out / "failures").glob("*.json"))
    manifest = {
        "experiment": spec.name, "description": spec.description, "source": spec.source,
        "spec": spec.raw, "spec_hash": spec.spec_hash,
        "code_version": code_version(), "model_version": model_version(spec.model),
        "packages": {**package_versions(), **{k: _version(k) for k in ENGINE_PACKAGES}},
        "python": platform.python_version(), "host": platform.node(),
        "seeds": run_seeds(spec),
        "uncertainty": _uncertainty_record(spec),
        "start": ("each sanshe run first spins up for its start.spinup_years (in its params) under its "
                  "month-1 parameters, unrecorded: it starts from the steady state of its starting regime")
                 if spec.model is None else "the model's own",
        "points": len({r.point for r in runs}),
        "runs_total": result.runs_total, "runs_done": result.runs_done,
        "runs_failed": len(failures), "failures": [f"failures/{f}" for f in failures],
        "timings_s": {"wall": round(result.seconds, 3), "model": round(result.model_seconds, 3)},
    }
    # A run's "file" is the chunk that holds its result (None for a run not done).
    listed = [vars(r) | {"file": f"runs/{held[r.run_id]}" if r.run_id in held else None} for r in runs]
    atomic_write(out / "manifest.json", lambda p: Path(p).write_text(_manifest_text(manifest, listed)))


def _uncertainty_record(spec: ExperimentSpec) -> dict[str, Any] | None:
    """The ``[uncertainty]`` table and each draw's parameter values, as the runs used them (None without it)."""
    if not spec.uncertainty:
        return None
    from experiments.uncertainty import draw_parameters

    values = draw_parameters(spec)  # the same draws plan_runs placed (they come from the spec's seed)
    return {**spec.uncertainty, "parameters": sorted({k for d in values for k in d}), "draw_values": values}


def _manifest_text(manifest: dict, runs: list[dict]) -> str:
    """The manifest as JSON, indented, with its ``runs`` last, one run a line.

    A run a line reads as well and is written by json's C encoder (indenting
    goes through its Python one, about 0.1 ms a run).
    """
    head = json.dumps(manifest, indent=2, default=str, ensure_ascii=False)
    lines = ",\n".join(f"    {json.dumps(r, default=str, ensure_ascii=False)}" for r in runs)
    return f'{head[:-2]},\n  "runs": [\n{lines}\n  ]\n}}' if runs else f'{head[:-2]},\n  "runs": []\n}}'


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

    def update(self, runs: int, failures: int) -> None:
        """``runs`` more runs are through, ``failures`` failed so far."""
        if self.bar is not None:
            self.bar.update(runs)
            self.bar.set_postfix(failed=failures, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
