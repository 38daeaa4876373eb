"""Shared helpers: small runs are cached for the whole session."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pandas as pd
import pytest

from model import SansheModel, load_scenario
from model.parameters import PARAMETERS
from model.scenario import Scenario

SMALL = 0.02  # scale of the statistical tests: 12,600 resident rows
_RUNS: dict[tuple, pd.DataFrame] = {}
# Every forkserver process of the session (the engine's pools, the pools below) forks from a
# server that has imported the model once.
get_context("forkserver").set_forkserver_preload(["experiments.engine", "model.model"])
_POOL: list[ProcessPoolExecutor] = []


def pool() -> ProcessPoolExecutor:
    """The session's worker processes for runs (at most 4), started once and shut down at the end.

    Each loads the model's compiled kernels once, and reuses the districts it has
    built (``SansheModel``'s own cache), across every test that asks for runs.
    """
    if not _POOL:
        _POOL.append(ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 4), mp_context=get_context("forkserver")))
    return _POOL[0]


@pytest.fixture(scope="session", autouse=True)
def _shut_down_the_pool():
    yield
    while _POOL:
        _POOL.pop().shutdown()


def simulate(scenario: str | None, overrides: tuple[tuple[str, object], ...], seed: int, months: int,
             scale: float) -> pd.DataFrame:
    """District indicators of one run of a scenario with overrides.

    A built-in scenario (None: the defaults) with ``overrides`` from month 1,
    at ``scale``, after the default spin-up.
    """
    sc = load_scenario(scenario) if scenario else Scenario(name="test")
    sc.params.update({"population.population_scale": scale, **dict(overrides)})
    model = SansheModel(sc, seed=seed)
    model.run(months)
    return model.recorder.district_frame()


def runs(jobs: list[tuple]) -> list[pd.DataFrame]:
    """Many runs ``(scenario, overrides, seed, months, scale)``, each computed once per test session.

    A run is the first months of a longer run of the same scenario, overrides (see
    :func:`_canonical`), seed and scale (a month never depends on the months after it), so only the
    longest asked for is computed, and a shorter one is read from a longer one already made.
    They run on the session's :func:`pool`.
    """
    jobs = [(scenario, _canonical(scenario, overrides), seed, months, scale)
            for scenario, overrides, seed, months, scale in jobs]
    longest: dict[tuple, int] = {}
    for scenario, overrides, seed, months, scale in jobs:
        key = (scenario, overrides, seed, scale)
        longest[key] = max(longest.get(key, 0), months)
    todo = [(*key[:3], months, key[3]) for key, months in longest.items()
            if key not in _RUNS or len(_RUNS[key]) < months]
    if len(todo) > 1:
        done = pool().map(simulate, *zip(*todo, strict=True))
        _RUNS.update(((s, o, seed, scale), f) for (s, o, seed, _, scale), f in zip(todo, done, strict=True))
    elif todo:
        s, o, seed, months, scale = todo[0]
        _RUNS[s, o, seed, scale] = simulate(*todo[0])
    return [_first_months(_RUNS[s, o, seed, scale], months) for s, o, seed, months, scale in jobs]


def _canonical(scenario: str | None, overrides: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
    """The overrides that name one run whatever way a test writes them.

    Distinct parameters in the order of their paths; on the defaults (no scenario),
    without those set to their declared default.
    """
    paths = [path for path, _ in overrides]
    if len(set(paths)) != len(paths):
        return overrides
    if scenario is None:
        overrides = [(path, value) for path, value in overrides if value != PARAMETERS[path].default]
    return tuple(sorted(overrides, key=lambda o: o[0]))


def _first_months(frame: pd.DataFrame, months: int) -> pd.DataFrame:
    """The first ``months`` months of a run's district frame (the frame itself when it has no more)."""
    return frame if len(frame) == months else frame.iloc[:months].copy()


def run_small(overrides: tuple[tuple[str, object], ...], seed: int, months: int,
              scale: float = SMALL) -> pd.DataFrame:
    """District indicators of a run of the defaults with ``overrides`` (cached)."""
    return runs([(None, overrides, seed, months, scale)])[0]


def mean_over(frames: list[pd.DataFrame], column: str, last_months: int = 12) -> float:
    """Mean of ``column`` over the last months of each run, then over runs."""
    return float(np.mean([f[column].tail(last_months).mean() for f in frames]))


@pytest.fixture(scope="session")
def reform_scenario() -> Scenario:
    return load_scenario("yuzhong_2016")


def result_files(out) -> list:
    """The files in ``out/runs`` that hold district results (chunk files; one-run files of older engines)."""
    return [p for p in (out / "runs").glob("*.parquet") if not p.name.endswith(".communities.parquet")]


def saved_run_ids(out) -> set[str]:
    """The runs whose district results are in ``out/runs``, read from the files' ``run_id`` column."""
    ids = set()
    for p in result_files(out):  # written atomically, never removed by a sweep: each read is whole
        ids.update(pd.read_parquet(p, columns=["run_id"])["run_id"])
    return ids


def run_experiment_file(folder, text: str, name: str, out=None):
    """Write ``text`` as the experiment file ``folder/name.toml`` and run it.

    The file goes beside cold copies of the built-in scenarios (:func:`cold_copies`)
    and runs on one worker into ``out`` (default ``folder/name``); return the output
    folder and the engine's result.
    """
    from experiments.engine import run_experiment
    from experiments.spec import load_experiment

    cold_copies(folder)
    path = folder / f"{name}.toml"
    path.write_text(text)
    out = out if out is not None else folder / name
    return out, run_experiment(load_experiment(path), out, workers=1, progress=False)


def cold_copies(folder, *names: str) -> None:
    """Write ``folder/NAME.toml`` for each built-in scenario NAME (all of them when none is named).

    The same scenario, under its own name, without a spin-up.
    Experiment files in ``folder`` find these before the built-ins, so tests of
    the software (engine, report, stopping, fuzzing) do not pay twenty simulated
    years a run for dynamics they do not test.
    """
    from model.scenario import builtin_dir

    for name in names or sorted(p.stem for p in builtin_dir().glob("*.toml")):
        (folder / f"{name}.toml").write_text(
            f'name = "{name}"\ndescription = "{name}, without a spin-up (for tests of the software)"\n'
            f'extends = "{builtin_dir() / name}.toml"\n[params.start]\nspinup_years = 0\n')



def experiment_file(tmp_path, text, name="e.toml"):
    """Write an experiment file into ``tmp_path``, beside cold copies (no spin-up) of the built-in scenarios."""
    cold_copies(tmp_path)
    path = tmp_path / name
    path.write_text(text)
    return path
