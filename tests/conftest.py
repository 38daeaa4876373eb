"""Shared helpers: small runs are cached for the whole session."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from model import Params, SansheModel, load_scenario
from model.scenario import Scenario

SMALL = 0.02  # scale of the statistical tests: 12,600 resident rows


@functools.lru_cache(maxsize=None)
def run_small(overrides: tuple[tuple[str, object], ...], seed: int, months: int,
              scale: float = SMALL) -> pd.DataFrame:
    """District indicators of a run of the defaults with ``overrides`` (cached)."""
    params = Params({"population.population_scale": scale, **dict(overrides)})
    model = SansheModel(Scenario(name="test"), seed=seed, params=params)
    model.run(months)
    return model.recorder.district_frame()


def mean_over(frames: list[pd.DataFrame], column: str, last_months: int = 12) -> float:
    """Mean of ``column`` over the last months of each run, then over runs."""
    return float(np.mean([f[column].tail(last_months).mean() for f in frames]))


@pytest.fixture(scope="session")
def reform_scenario() -> Scenario:
    return load_scenario("yuzhong_2016")


def run_experiment_file(folder, text: str, name: str, out=None):
    """Write ``text`` as the experiment file ``folder/name.toml`` and run it
    on one worker into ``out`` (default ``folder/name``); return the output
    folder and the engine's result."""
    from experiments.engine import run_experiment
    from experiments.spec import load_experiment

    path = folder / f"{name}.toml"
    path.write_text(text)
    out = out if out is not None else folder / name
    return out, run_experiment(load_experiment(path), out, workers=1, progress=False)
