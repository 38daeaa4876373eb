"""The experiment engine: runs every (design point, replicate), resumable.

Runs go on local processes or a Dask cluster, with results identical whatever
the backend and the number of workers.

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
- Stopping: one sweep at a time writes into ``DIR`` (a lock on
  ``DIR/.sanshe-lock``). A KeyboardInterrupt stops every worker process (a
  local pool's or a local Dask cluster's), removes the temporary files and
  raises :class:`SweepInterrupted` with the number of runs saved; workers
  ignore Ctrl-C (it is the main process's to handle) and end themselves
  within a second if the main process is killed; the temporary files such a
  kill leaves are removed when the next sweep into ``DIR`` starts.
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
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
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
from model.parameters import PARAMETERS, first_effect_month
from model.scenario import Scenario, ScenarioError, load_scenario
from sanshe.output import atomic_write, code_version, folder_problem, package_versions

ENGINE_PACKAGES = ("dask", "distributed", "salib", "tqdm")
MAX_WORKERS = 256  # local processes (--workers) or local Dask workers (--dask local:N)
DASK_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss", "inproc")  # what distributed can connect to
DASK_CONNECT_S = 5  # a remote scheduler must answer within this many seconds
LOCK_FILE = ".sanshe-lock"  # in the output folder: one sweep at a time writes there
COMPACTED = ("runs.parquet", "points.parquet", "communities.parquet", "manifest.json")


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
    points = design_points(spec)
    seeds = replicate_seeds(spec.base_seed, spec.replicates)
    version = model_version(spec.model)
    indicators = tuple(spec.indicators) if spec.indicators else None
    scenarios = {name: _base_scenario(spec, name) for name in dict.fromkeys(p.scenario for p in points)}
    runs = []
    for point in points:
        params, changes = _resolve_point(spec, point, scenarios[point.scenario])
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


def _resolve_point(spec: ExperimentSpec, point: DesignPoint, scenario: Scenario | None) -> tuple[dict[str, Any], tuple]:
    if scenario is None:  # another model: its parameters are the factors
        return dict(point.factors), ()
    # The one rule for dated levers: a factor on a lever that the base scenario changes at
    # a month (the reform at month 25 of yuzhong_2016, say) goes into that change;
    # otherwise it holds from month 1.
    scenario = scenario.with_levers(point.factors, origin=f"factor of {spec.source}")
    params = {**scenario.params, "population.population_scale": spec.scale}
    changes = tuple((c.month, c.path, c.value) for c in scenario.changes)
    return params, changes


# --- running ------------------------------------------------------------------
def execute_run(run: Run) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run one model; return its indicators by month (``month`` first) and its panel.

    The panel is the community panel the run keeps (see ``communities`` in
    :mod:`experiments.spec`) for the sanshe model, else None.
    """
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
    model = SansheModel.started(scenario, seed=run.seed)  # shares a spin-up with earlier runs of this worker
    model.run(run.months)
    panel = None
    if run.communities != "none":
        panel = model.recorder.community_frame(model)
        if run.communities == "last_year":
            panel = panel[panel["month"] > run.months - 12].reset_index(drop=True)
    return model.recorder.district_frame(), panel


def _run_factory(run: Run) -> pd.DataFrame:
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
        return pd.DataFrame(rows)
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
    return frame


def _collected(collector) -> int:
    """How many rows of model variables a Mesa DataCollector holds."""
    return max((len(v) for v in getattr(collector, "model_vars", {}).values()), default=0)


def execute_batch(runs: list[Run], run_dir: str | None = None, main_pid: int | None = None
                  ) -> list[tuple[str, float, tuple | None, dict | None]]:
    """Run a batch in one worker; a run that raises becomes a failure record.

    With ``run_dir`` (a folder the worker can reach) the worker writes each
    result file itself and sends back only its id; otherwise the tidy frames
    (district, community panel or None) go back to the caller. Returns
    ``(run_id, model seconds, frames, failure)``. With ``main_pid`` (the
    sweep's process, on the same machine) a worker process exits as soon as
    that process is gone (see :func:`_watch`). Ctrl-C is not caught here: it
    stops the batch like any interruption.
    """
    if main_pid is not None and main_pid != os.getpid():
        _watch(main_pid)
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
        atomic_write(run_dir / f"{run_id}.communities.parquet",
                     lambda p: panel.to_parquet(p, index=False, write_page_checksum=True))
    atomic_write(run_dir / f"{run_id}.parquet", lambda p: tidy.to_parquet(p, index=False, write_page_checksum=True))


def _batches(runs: list[Run], workers: int) -> list[list[Run]]:
    """Short runs are grouped so scheduling overhead stays small.

    Batches are small enough (about 64 a worker, at most 32 runs) that the last
    ones do not leave workers idle for long.
    """
    if not runs:
        return []
    size = max(1, min(32, math.ceil(len(runs) / (64 * max(workers, 1)))))
    return [runs[i:i + size] for i in range(0, len(runs), size)]


def _local(batches: list[list[Run]], workers: int, run_dir: str) -> Iterator[list]:
    """Batches on local processes.

    Closing the generator before it is exhausted (an interruption) terminates the
    worker processes.
    """
    if workers <= 1:
        for batch in batches:
            yield execute_batch(batch, run_dir)
        return
    # Workers fork from a server that has already imported the model, so each
    # starts in milliseconds, and the same processes serve every batch.
    context = get_context("forkserver")
    context.set_forkserver_preload(["experiments.engine", "model.model"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_init, initargs=(os.getpid(),))
    finished = False
    try:
        futures = [pool.submit(execute_batch, b, run_dir) for b in batches]
        for f in as_completed(futures):
            yield f.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_pool(pool)


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


def _dask(batches: list[list[Run]], address: str, run_dir: str, client=None) -> Iterator[list]:
    """Batches on a Dask cluster.

    ``local:N`` starts (and at the end or on an interruption stops) a local cluster
    whose workers write their files; otherwise ``client`` is connected to a remote
    scheduler (see :func:`connect_dask`) and its workers send results back (no
    shared disk assumed). Closing the generator early cancels what has not finished.
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
            futures = [client.submit(execute_batch, b, run_dir, os.getpid(), pure=False) for b in batches]
        else:
            futures = [client.submit(execute_batch, b, None, pure=False) for b in batches]
        for f in dask_completed(futures):
            yield f.result()
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
    files. Only under the folder's lock.
    """
    leftovers = [*(out / "runs").glob(".*.tmp"), *(out / "failures").glob(".*.tmp"),
                 *(p for name in COMPACTED for p in out.glob(f".{name}.*.tmp"))]
    for p in leftovers:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


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
    """What a call of :func:`run_experiment` did.

    Attributes:
        runs_total: runs of the experiment.
        runs_done: runs whose result file exists after the sweep.
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
    """
    t0 = time.perf_counter()
    workers = check_workers(workers)
    dask = check_dask(dask)
    out = check_out(out)
    runs = plan_runs(spec)
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
    return sum(1 for r in runs if (out / "runs" / f"{r.run_id}.parquet").exists())


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
    done = {r.run_id for r in runs if (run_dir / f"{r.run_id}.parquet").exists()}
    pending = [r for r in runs if r.run_id not in done]
    for r in pending:  # a rerun tries failed runs again
        (fail_dir / f"{r.run_id}.json").unlink(missing_ok=True)
    batches = _batches(pending, 1 if dask is None and workers <= 1 else workers)
    results: Iterator[list] = (_dask(batches, dask, str(run_dir), client) if dask
                               else _local(batches, workers, str(run_dir)))

    bar = _progress(len(runs), len(done), progress)
    failed, model_seconds = [], 0.0
    try:
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
    finally:
        results.close()  # early (an interruption): stops the workers before anything else
        bar.close()
    done_now = sum(1 for r in runs if (run_dir / f"{r.run_id}.parquet").exists())
    elapsed = time.perf_counter() - t0
    result = SweepResult(len(runs), done_now, len(pending) - len(failed), failed, elapsed, model_seconds, out)
    compact(spec, runs, out, result)
    return result


def _read_run_file(path: Path) -> pa.Table:
    """One run's saved result.

    A file damaged on disk (its page checksums fail, or it is cut short) is one
    line naming it and how to redo that run.
    """
    try:
        return pq.read_table(path, page_checksum_verification=True)
    except (pa.ArrowException, OSError) as e:
        raise ExperimentError(f"{path}: cannot read ({' '.join(str(e).split())[:200]}); delete it and run "
                              "the same command again to redo that run") from None


def compact(spec: ExperimentSpec, runs: list[Run], out: Path, result: SweepResult) -> None:
    """Gather the run files of this experiment into runs.parquet, points.parquet and the manifest."""
    run_dir = out / "runs"
    tables = [_read_run_file(run_dir / f"{r.run_id}.parquet") for r in runs
              if (run_dir / f"{r.run_id}.parquet").exists()]
    if not tables:  # nothing finished: no compacted file may describe older runs
        for name in ("runs.parquet", "points.parquet"):
            (out / name).unlink(missing_ok=True)
    if tables:
        tidy = pa.concat_tables(tables, promote_options="default").to_pandas()
        tidy = tidy.sort_values(["point", "replicate", "month"], kind="stable").reset_index(drop=True)
        points = tidy.groupby(["point", "replicate"], sort=True).tail(1).reset_index(drop=True)
        atomic_write(out / "runs.parquet", lambda p: tidy.to_parquet(p, index=False, write_page_checksum=True))
        atomic_write(out / "points.parquet", lambda p: points.to_parquet(p, index=False, write_page_checksum=True))
    panels = [_read_run_file(run_dir / f"{r.run_id}.communities.parquet") for r in runs
              if (run_dir / f"{r.run_id}.communities.parquet").exists()
              and (run_dir / f"{r.run_id}.parquet").exists()]
    if not panels:
        (out / "communities.parquet").unlink(missing_ok=True)  # never a panel of other runs
    else:
        panel = pa.concat_tables(panels, promote_options="default").to_pandas()
        panel = panel.sort_values(["point", "replicate", "month", "community"], kind="stable")
        atomic_write(out / "communities.parquet",
                     lambda p: panel.reset_index(drop=True).to_parquet(p, index=False, write_page_checksum=True))
    failures = sorted(p.name for p in (out / "failures").glob("*.json"))
    manifest = {
        "experiment": spec.name, "description": spec.description, "source": spec.source,
        "spec": spec.raw, "spec_hash": spec.spec_hash,
        "code_version": code_version(), "model_version": model_version(spec.model),
        "packages": {**package_versions(), **{k: _version(k) for k in ENGINE_PACKAGES}},
        "python": platform.python_version(), "host": platform.node(),
        "seeds": replicate_seeds(spec.base_seed, spec.replicates),
        "start": ("each sanshe run first spins up for its start.spinup_years (in its params) under its "
                  "month-1 parameters, unrecorded: it starts from the steady state of its starting regime")
                 if spec.model is None else "the model's own",
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
            self.bar = None
