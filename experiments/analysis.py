"""Analysis of an experiment's saved results: what a commissioned study reports.

Everything here reads the files the engine wrote (``runs.parquet``,
``communities.parquet``, ``manifest.json``), never runs a model, and
returns tidy pandas frames that notebooks, the figures and the HTML report
share::

    from experiments import analysis as an

    res = an.load_results("results/flagship")
    an.summarise(res)                                # mean and 95% CI per point
    an.paired_differences(res, "pre_reform")         # paired by seed
    an.factorial_effects(res)                        # main effects and interactions
    an.synergy(res)                                  # is the whole more than the sum of its parts?
    an.inequality(res)                               # Gini, Theil between and within streets
    an.horizon_changes(res, "pre_reform")            # sign changes and ranking flips between horizons

Outcomes. A run's outcome for an indicator is the mean of its last
``window`` recorded months (default 12, the final year: several indicators
are monthly flows, noisy at small scale); ``window=1`` is the final month
itself; with ``at`` (a horizon, see :func:`horizon_changes`) the window
ends at month ``at`` instead. Intervals are Student-t intervals over
replicates; differences are paired by seed, which the engine shares across
points (common random numbers), so the interval of a difference is that of
the per-seed differences.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from scipy import special, stats

from experiments.designs import MORRIS_LEVELS
from experiments.spec import ExperimentError, ExperimentSpec, spec_from_dict
from model.measures import gini  # the model's own Gini, also part of this module's API
from model.parameters import PARAMETERS

LEVEL = 0.95
KEY = ["point", "replicate", "seed"]


@dataclass
class Results:
    """One experiment's saved results, as the engine left them."""

    path: Path
    spec: ExperimentSpec
    manifest: dict[str, Any]
    runs: pd.DataFrame
    communities: pd.DataFrame | None
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def factors(self) -> list[str]:
        """The design's factor names (parameter paths), in file order."""
        return [c.removeprefix("factor:") for c in self.runs.columns if c.startswith("factor:")]

    @property
    def indicators(self) -> list[str]:
        """The indicator columns of the runs table: every column that is not a key, a label or a factor."""
        skip = set(KEY) | {"run_id", "scenario", "month"}
        return [c for c in self.runs.columns if c not in skip and not c.startswith("factor:")]

    @property
    def labels(self) -> dict[int, str]:
        """A readable name for every design point, finished or not.

        Its scenario for a scenario design, its factor values otherwise.
        """
        labels: dict[int, str] = {}
        for run in self.manifest["runs"]:
            if run["point"] in labels:
                continue
            if self.spec.design == "scenarios":
                labels[run["point"]] = str(run["scenario"])
            else:
                labels[run["point"]] = ", ".join(f"{k.split('.')[-1]}={_short(v)}"
                                                 for k, v in run["factors"].items())
        return dict(sorted(labels.items()))

    @cached_property
    def draw_of_seed(self) -> dict[int, int] | None:
        """Each seed's parameter draw (``[uncertainty]``: the same at every point), or None without draws."""
        draws = {run["seed"]: run.get("draw") for run in self.manifest["runs"]}
        return None if any(d is None for d in draws.values()) else draws

    def point_of(self, name: str, where: str = "--baseline") -> int:
        """The design point called ``name`` (a scenario name, a point's label or number).

        ``where`` names the option or key it came from in the one-line refusal of any other name.
        """
        for p, label in self.labels.items():
            if label == name or str(p) == str(name):
                return p
        labels = self.labels
        allowed = (", ".join(labels.values()) if self.spec.design == "scenarios" else
                   f"a point's label such as {labels[min(labels)]!r}, or its number {min(labels)}–{max(labels)}")
        raise ExperimentError(f"{where}: found {name!r}, allowed: {allowed}")


def load_results(path: str | Path) -> Results:
    """Read an experiment's output directory (``sanshe experiment run`` wrote it).

    Everything the analysis reads is checked here, before it is returned: a
    corrupted, truncated or hand-edited folder is one line naming the file
    and what is wrong (an :class:`ExperimentError`), not a traceback deep in
    a table or a figure. Nothing in the folder is written.
    """
    path = Path(path)
    if not path.is_dir():
        raise ExperimentError(f"{path}: no such results directory")
    manifest_file, runs_file = path / "manifest.json", path / "runs.parquet"
    if not manifest_file.is_file():
        raise ExperimentError(f"{manifest_file}: missing; run `sanshe experiment run FILE --out {path}` first")
    if not runs_file.is_file():
        raise ExperimentError(f"{runs_file}: missing: no run of this experiment finished")
    manifest = _read_manifest(manifest_file)
    spec = _manifest_spec(manifest, manifest_file)
    known = pd.DataFrame(manifest["runs"], columns=["run_id", *KEY]).drop_duplicates("run_id").set_index("run_id")
    runs = _read_table(runs_file, RUN_COLUMNS, known, manifest_file, "no run of this experiment finished")
    _check_factor_columns(runs_file, runs, spec)
    comm_file = path / "communities.parquet"
    communities = (_read_table(comm_file, PANEL_COLUMNS, known, manifest_file,
                               "allowed: the community panel of the finished runs, or no file")
                   if comm_file.is_file() else None)
    failures = [_read_failure(path / f) for f in manifest.get("failures", []) if (path / f).is_file()]
    return Results(path, spec, manifest, runs, communities, failures)


# --- checking the saved files -------------------------------------------------
RUN_COLUMNS = ("run_id", "point", "replicate", "seed", "month")
"""Columns every row of runs.parquet needs; the others are ``scenario``, ``factor:<path>`` and indicators."""

PANEL_COLUMNS = (*RUN_COLUMNS, "community", "street", "need_coverage")
"""Columns of the community panel (need_coverage is the report's district map)."""

WHOLE = ("point", "replicate", "seed", "month", "community", "street")
"""Columns holding whole numbers: they identify runs, months and places."""

COMMUNITIES = int(PARAMETERS["population.communities"].default)
"""Communities of the district (fixed at 77): the panel numbers them from 0, the map has one dot each."""


class _ManifestRun(BaseModel):
    """A run as the manifest lists it: what the labels and the table of differences read."""

    model_config = ConfigDict(extra="allow")
    run_id: str
    point: StrictInt = Field(ge=0)
    replicate: StrictInt = Field(ge=0)
    seed: StrictInt
    scenario: str | None
    factors: dict[str, Any]
    params: dict[str, Any]
    changes: list[tuple[StrictInt, str, Any]]


class _Manifest(BaseModel):
    """The keys of manifest.json that the analysis and the report read, with their types."""

    model_config = ConfigDict(extra="allow")
    spec: dict[str, Any]
    source: str | None = None
    points: StrictInt = Field(ge=1)
    runs_total: StrictInt = Field(ge=0)
    runs_done: StrictInt = Field(ge=0)
    runs_failed: StrictInt = Field(ge=0)
    failures: list[str] = []
    runs: list[_ManifestRun] = Field(min_length=1)
    model_version: str = ""
    spec_hash: str = ""
    python: str = ""
    host: str = ""
    seeds: list[StrictInt] = []
    code_version: dict[str, Any] = {}
    timings_s: dict[str, Any] = {}
    packages: dict[str, Any] = {}


def _read_manifest(file: Path) -> dict[str, Any]:
    """The manifest as a dict, checked against :class:`_Manifest`."""
    data = _read_json(file, "the manifest `sanshe experiment run` writes")
    try:
        _Manifest.model_validate(data)
    except ValidationError as e:
        raise ExperimentError(_pydantic_line(file, e)) from None
    n_points = len({r["point"] for r in data["runs"]})
    if data["points"] != n_points:
        raise ExperimentError(f"{file}: points: found {data['points']}, but its runs list {n_points} design points")
    return data


def _manifest_spec(manifest: dict[str, Any], file: Path) -> ExperimentSpec:
    """The experiment as the manifest records it.

    A broken copy names the manifest, not the experiment file it was read from
    (which may have changed or gone since).
    """
    source = manifest.get("source") or str(file)
    try:
        return spec_from_dict(manifest["spec"], source)
    except ExperimentError as e:
        raise ExperimentError(f"{file}: spec: {_line(str(e)).removeprefix(f'{source}: ')}") from None


def _read_json(file: Path, allowed: str) -> Any:
    """A JSON file that must hold an object; anything else is one line naming it."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ExperimentError(f"{file}: not UTF-8 text: {e.reason} at byte {e.start}, allowed: {allowed}") from None
    except OSError as e:
        raise ExperimentError(f"{file}: cannot read: {_line(e.strerror or str(e))}") from None
    if not text.strip():
        raise ExperimentError(f"{file}: empty file, allowed: {allowed}")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        where = f": {e.msg} (line {e.lineno}, column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        raise ExperimentError(f"{file}: not valid JSON{where}") from None
    if not isinstance(data, dict):
        raise ExperimentError(f"{file}: found {_brief(data)}, allowed: {allowed} (a JSON object)")
    return data


def _read_failure(file: Path) -> dict[str, Any]:
    return _read_json(file, "a failure record (a JSON object)")


def _read_table(file: Path, required: tuple[str, ...], known: pd.DataFrame, manifest_file: Path,
                empty: str) -> pd.DataFrame:
    """A results table (runs.parquet or the community panel), checked.

    It must be readable, with rows, the required columns, whole numbers where runs,
    months and places are identified, numbers for indicators, and only runs of the
    manifest.
    """
    frame = _read_parquet(file)
    if frame.empty:
        raise ExperimentError(f"{file}: no rows: {empty}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ExperimentError(f"{file}: column {missing[0]}: missing; allowed: a table with columns "
                              f"{', '.join(required)} and indicators")
    twice = frame.columns[frame.columns.duplicated()]
    if len(twice):
        raise ExperimentError(f"{file}: column {_brief(twice[0])}: found twice, allowed: once")
    for col in frame.columns:
        if col in WHOLE:
            frame[col] = _whole_numbers(file, frame, col)
        elif col not in ("run_id", "scenario"):
            frame[col] = _numbers(file, frame, col)
    if not [c for c in frame.columns if c not in (*WHOLE, "run_id", "scenario") and not c.startswith("factor:")]:
        raise ExperimentError(f"{file}: no indicator column; allowed: numeric columns besides "
                              f"{', '.join(required)}, scenario and factor:<path>")
    outside = frame["community"][~frame["community"].between(0, COMMUNITIES - 1)] if "community" in frame else []
    if len(outside):
        raise ExperimentError(f"{file}: column community: found {outside.iloc[0]}, allowed: 0 to {COMMUNITIES - 1}")
    _check_known_runs(file, frame, known, manifest_file)
    return frame


def _read_parquet(file: Path) -> pd.DataFrame:
    """A Parquet file as a frame.

    A file that cannot be read (empty, truncated, overwritten, damaged) is the
    folder's fault: one line saying how to get it back.
    """
    again = f"`sanshe experiment run FILE --out {file.parent}` writes it again from {file.parent / 'runs'}"
    if file.stat().st_size == 0:
        raise ExperimentError(f"{file}: empty file (0 bytes); {again}")
    try:  # the pandas metadata is not needed (no index is stored) and may itself be damaged
        table = pq.read_table(file, page_checksum_verification=True)
        table.validate(full=True)  # damaged text (invalid UTF-8) is found here, not in a later lookup
        return table.to_pandas(ignore_metadata=True)
    except (pa.ArrowException, OSError, ValueError) as e:
        raise ExperimentError(f"{file}: cannot read: {_pyarrow_text(e)}; {again}") from None


def _whole_numbers(file: Path, frame: pd.DataFrame, col: str) -> pd.Series:
    """An identifying column as int64: integers, or floats that are all whole numbers."""
    s = frame[col]
    if pd.api.types.is_integer_dtype(s):
        return s.astype("int64")
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=float)
        bad = ~(np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2**53))
        if not bad.any():
            return s.astype("int64")
        s = s[bad]
    raise ExperimentError(f"{file}: column {col}: found {_brief(s.iloc[0])} ({frame[col].dtype}), "
                          "allowed: whole numbers")


def _numbers(file: Path, frame: pd.DataFrame, col: str) -> pd.Series:
    """An indicator or factor column: numbers or booleans (a column of nothing but nulls is all NaN)."""
    s = frame[col]
    types = pd.api.types
    if types.is_bool_dtype(s) or (types.is_numeric_dtype(s) and not types.is_complex_dtype(s)):
        return s
    if s.isna().all():
        return s.astype(float)
    first = s[s.notna()].iloc[0]
    raise ExperimentError(f"{file}: column {col}: found {_brief(first)} ({s.dtype}), allowed: numbers")


def _check_known_runs(file: Path, frame: pd.DataFrame, known: pd.DataFrame, manifest_file: Path) -> None:
    """Every row belongs to a run of the manifest, with that run's point, replicate and seed.

    Labels, baselines and pairing by seed all come from the manifest.
    """
    ids = frame["run_id"]
    unknown = ~ids.isin(known.index)
    if unknown.any():
        n = int(unknown.sum())
        raise ExperimentError(f"{file}: run_id {_brief(ids[unknown].iloc[0])} ({n} row{'s' * (n > 1)}): "
                              f"not a run of {manifest_file}; allowed: the runs it lists")
    merged = frame[["run_id", *KEY]].merge(known.add_suffix("_manifest"), left_on="run_id", right_index=True)
    for col in KEY:
        bad = merged[col] != merged[f"{col}_manifest"]
        if bad.any():
            row = merged[bad].iloc[0]
            raise ExperimentError(f"{file}: run {row['run_id']}: {col} {row[col]}, but {manifest_file} "
                                  f"says {row[f'{col}_manifest']}")


def _check_factor_columns(file: Path, runs: pd.DataFrame, spec: ExperimentSpec) -> None:
    """One ``factor:<path>`` column per factor of the experiment.

    Sensitivity indices and scenario discovery read the factor values from them.
    """
    expected = sorted(f"factor:{f}" for f in spec.factors)
    found = sorted(c for c in runs.columns if c.startswith("factor:"))
    if found != expected:
        raise ExperimentError(f"{file}: factor columns: found {', '.join(found) or 'none'}, "
                              f"allowed: {', '.join(expected) or 'none'} (the factors of the experiment)")


def _pydantic_line(file: Path, error: ValidationError) -> str:
    err = error.errors()[0]
    key = ".".join(str(x) for x in err["loc"])
    if err["type"] == "missing":
        return f"{file}: {key}: missing"
    what = {"model_type": "allowed: a JSON object", "dict_type": "allowed: a JSON object",
            "list_type": "allowed: a JSON list"}.get(err["type"], _line(err["msg"]).lower())
    return f"{file}: {key}: found {_brief(err['input'])}, {what}"


def _brief(value: Any) -> str:
    """A value as a message shows it: short, on one line."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return f"a JSON list of {len(value)}"
    text = _line(repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _pyarrow_text(error: Exception) -> str:
    """The message of a pyarrow error on one line, without the path it repeats."""
    text = re.sub(r"Could not open Parquet input source '[^']*': ", "", str(error))
    return _line(text).rstrip(".") or type(error).__name__


def _line(text: str) -> str:
    """``text`` on one line, control characters escaped (pyarrow's messages can hold both)."""
    return " ".join("".join(c if c.isprintable() or c.isspace() else repr(c)[1:-1] for c in text).split())


# --- outcomes and intervals ---------------------------------------------------
def outcomes(res: Results, window: int = 12, indicators: list[str] | None = None,
             at: int | None = None) -> pd.DataFrame:
    """One row per run (point, replicate, seed) with each indicator's mean over recent months.

    The mean is over the run's last ``window`` recorded months, or, with ``at`` (a
    horizon), over months ``at - window + 1`` to ``at`` (from month 1 at the earliest).
    """
    return _mean_of_last_months(res.runs, window, KEY, indicators or res.indicators, at)


def _mean_of_last_months(frame: pd.DataFrame, window: int, by: list[str], cols: list[str],
                         at: int | None = None) -> pd.DataFrame:
    """Mean of ``cols`` over each run's last ``window`` recorded months, by ``by``.

    With ``at``, over the ``window`` months ending at month ``at``. A window ending
    at a horizon starts at month 1 at the earliest: another model's month 0 is its
    state before the first step, not an outcome of the policy compared.
    """
    if at is None:
        last = frame.groupby("run_id")["month"].transform("max")
        tail = frame[frame["month"] > last - window]
    else:
        tail = frame[(frame["month"] <= at) & (frame["month"] > max(at - window, 0))]
    return tail.groupby(by, sort=True)[cols].mean().reset_index()


def t_interval(values: np.ndarray, level: float = LEVEL, bounds: tuple[float, float] | None = None
               ) -> tuple[float, float, float]:
    """Mean and the two ends of its Student-t interval (NaN ends with fewer than two values).

    With ``bounds`` (the range the values lie in, e.g. (0, 1) for a share) the
    interval respects them: see :func:`bounded_interval`.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    if bounds is not None:
        return (mean, *bounded_interval(mean, half, *bounds))
    return mean, mean - half, mean + half


def bounded_interval(mean: float, half: float, low: float = 0.0, high: float = 1.0) -> tuple[float, float]:
    """The interval mean ± half of a quantity in [low, high], computed on the logit scale.

    The mean is mapped to u = (mean − low) / (high − low) in (0, 1), the half-width
    to the logit scale by the delta method (half / ((high − low) u (1 − u))), and the
    two ends of logit(u) ± that are mapped back. The interval is about mean ± half
    when it is narrow, always holds the mean and never leaves [low, high] however
    few the replicates (a share of 15% with two replicates is not "[-19%, 49%]").
    With ``high`` infinite (a Theil index: at least ``low``) the log scale is used
    instead. A mean at a bound (every value equal to it) keeps mean ± half cut to the range.
    """
    if not (np.isfinite(mean) and np.isfinite(half)):
        return np.nan, np.nan
    if half <= 0:
        return mean, mean
    if mean <= low or mean >= high:
        return float(max(low, mean - half)), float(min(high, mean + half))
    if np.isinf(high):
        z, dz = np.log(mean - low), half / (mean - low)
        return float(min(low + np.exp(z - dz), mean)), float(max(low + np.exp(z + dz), mean))
    width = high - low
    u = (mean - low) / width
    z, dz = np.log(u) - np.log1p(-u), half / (width * u * (1 - u))
    lo, hi = low + width * special.expit(z - dz), low + width * special.expit(z + dz)
    return float(min(lo, mean)), float(min(max(hi, mean), high))  # the round trip may miss the mean by 1e-17


def bounds_of(indicator: str) -> tuple[float, float] | None:
    """The range an indicator's values lie in ((0, 1) for shares and indices in [0, 1]), else None."""
    from experiments.numbers import bounds

    return bounds(indicator)


def _clip_changes(row: dict[str, Any], indicator: str, size: float = 1.0) -> dict[str, Any]:
    """Cut the intervals of a change of a bounded indicator to what a change can be.

    A difference of two shares lies in [−1, 1] (``size`` times that for a sum of
    ``size`` such differences), so the part of a t-interval beyond it holds no
    possible value: cutting it keeps the interval's coverage and its verdict.
    """
    b = bounds_of(indicator)
    if b is None:
        return row
    reach = size * (b[1] - b[0])
    for key in ("ci_low", "ci_high", "total_low", "total_high"):
        if np.isfinite(row[key]):
            row[key] = float(np.clip(row[key], -reach, reach))
    return row


def no_difference(x: np.ndarray) -> bool:
    """Whether every paired value is exactly zero: the two sides are the same in every seed."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return bool(x.size) and not x.any()


def _intervals(res: Results, x: np.ndarray, seeds: Any) -> dict[str, float]:
    """Mean and seed interval of per-seed values ``x``; with parameter draws, also the total interval.

    Without draws the seed interval is :func:`t_interval` and the total
    columns are NaN; with draws see :func:`experiments.uncertainty.intervals`.
    """
    draws = res.draw_of_seed
    if draws is None:
        mean, low, high = t_interval(x)
        return {"mean": mean, "ci_low": low, "ci_high": high, "total_low": np.nan, "total_high": np.nan,
                "sign_share": np.nan}
    from experiments.uncertainty import intervals

    return intervals(x, np.array([draws[int(s)] for s in seeds]))


def _p_value(x: np.ndarray) -> float:
    """Two-sided p-value of a one-sample t-test of mean 0 (paired differences)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return np.nan
    mean, sd = x.mean(), x.std(ddof=1)
    if sd <= 1e-12 * max(abs(mean), 1e-300):
        return 0.0 if mean != 0 else 1.0
    return float(2 * stats.t.sf(abs(mean) / (sd / np.sqrt(x.size)), x.size - 1))


def _interval_rows(groups: dict[Any, np.ndarray], bounds: tuple[float, float] | None = None
                   ) -> list[dict[str, float]]:
    rows = []
    for key, x in groups.items():
        x = np.asarray(x, dtype=float)
        mean, low, high = t_interval(x, bounds=bounds)
        n = int(np.isfinite(x).sum())
        rows.append({"key": key, "n": n, "mean": mean,
                     "sd": float(np.nanstd(x, ddof=1)) if n > 1 else np.nan,
                     "ci_low": low, "ci_high": high})
    return rows


def summarise(res: Results, indicators: list[str] | None = None, window: int = 12,
              at: int | None = None) -> pd.DataFrame:
    """Mean and 95% interval over replicates of each point's outcome.

    The window ends at month ``at`` when given, else at each run's last month.

    Columns: point, label, indicator, n, mean, sd, ci_low, ci_high.
    """
    cols = indicators or res.indicators
    out = outcomes(res, window, cols, at)
    labels = res.labels
    rows = []
    for ind in cols:
        for r in _interval_rows({p: g[ind].to_numpy() for p, g in out.groupby("point")}, bounds_of(ind)):
            p = r.pop("key")
            rows.append({"point": p, "label": labels[p], "indicator": ind, **r})
    return pd.DataFrame(rows)


def end_trend(res: Results, indicators: list[str] | None = None, months: int = 12) -> pd.DataFrame:
    """How fast each indicator still moves at the end of the runs: its change per year over the last months.

    Each run's least-squares slope over its last ``months`` recorded months,
    times 12; the mean and 95% interval over replicates, per point. Needs
    every month recorded (``record = "all"``): empty otherwise, or with fewer
    than three months.

    Columns: point, label, indicator, n, change (per year), ci_low, ci_high,
    first_month, last_month (the months fitted).
    """
    cols = indicators or res.indicators
    runs = res.runs
    if res.spec.record != "all" or runs["month"].nunique() < 3:
        return pd.DataFrame(columns=["point", "label", "indicator", "n", "change", "ci_low", "ci_high",
                                     "first_month", "last_month"])
    last = runs.groupby("run_id")["month"].transform("max")
    tail = runs[runs["month"] > last - months]
    t = tail["month"] - tail.groupby("run_id")["month"].transform("mean")
    rows = []
    labels = res.labels
    for ind in cols:
        y = tail[ind]
        ok = np.isfinite(y.to_numpy(dtype=float))
        frame = pd.DataFrame({"run_id": tail["run_id"], "point": tail["point"], "ty": (t * y)[ok], "tt": (t * t)[ok]})
        per_run = frame.groupby(["point", "run_id"])[["ty", "tt"]].sum()
        slope = 12 * per_run["ty"] / per_run["tt"].where(per_run["tt"] > 0)
        for p, g in slope.groupby(level="point"):
            mean, low, high = t_interval(g.to_numpy())
            rows.append({"point": p, "label": labels[p], "indicator": ind, "n": int(g.notna().sum()),
                         "change": mean, "ci_low": low, "ci_high": high,
                         "first_month": int(tail["month"].min()), "last_month": int(tail["month"].max())})
    return pd.DataFrame(rows)


def over_time(res: Results, indicator: str) -> pd.DataFrame:
    """Mean and 95% interval over replicates of ``indicator`` in every month, per point."""
    rows = []
    labels = res.labels
    b = bounds_of(indicator)
    for (p, month), g in res.runs.groupby(["point", "month"], sort=True):
        mean, low, high = t_interval(g[indicator].to_numpy(), bounds=b)
        rows.append({"point": p, "label": labels[p], "month": month, "mean": mean,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def paired_differences(res: Results, baseline: str | int, indicators: list[str] | None = None,
                       window: int = 12, at: int | None = None) -> pd.DataFrame:
    """Each point's outcome minus the baseline's, paired by seed.

    Outcomes are over the ``window`` months ending at month ``at``, default each run's last.

    Columns: point, label, indicator, n (pairs), baseline (its mean),
    diff, ci_low, ci_high, relative (diff over the baseline mean), p_value
    (paired t-test) and verdict: "higher", "lower", "within noise" (the
    95% interval includes 0), "no difference" (the same value in every
    seed; ``both_zero`` says when both sides are zero) or "no data" (the indicator is undefined,
    e.g. contract concentration where nothing is purchased). The interval of
    a bounded indicator's difference is cut to what a difference can be
    (:func:`_clip_changes`).
    """
    cols = indicators or res.indicators
    base = res.point_of(str(baseline))
    out = outcomes(res, window, cols, at)
    ref = out[out["point"] == base].set_index("seed")
    labels = res.labels
    rows = []
    for p, g in out.groupby("point"):
        if p == base:
            continue
        g = g.set_index("seed")
        seeds = g.index.intersection(ref.index)
        for ind in cols:
            d = (g.loc[seeds, ind] - ref.loc[seeds, ind]).to_numpy(dtype=float)
            iv = _intervals(res, d, seeds)
            mean, low, high = iv["mean"], iv["ci_low"], iv["ci_high"]
            base_mean = float(ref[ind].mean())
            rows.append(_clip_changes({
                "point": p, "label": labels[p], "indicator": ind, "n": int(np.isfinite(d).sum()),
                "baseline": base_mean, "diff": mean, "ci_low": low, "ci_high": high,
                "relative": mean / base_mean if base_mean else np.nan,
                "p_value": _p_value(d),
                "verdict": ("no data" if not np.isfinite(d).any() else "no difference" if no_difference(d)
                            else verdict(low, high)),
                "both_zero": bool(len(seeds)) and not (g.loc[seeds, ind].to_numpy(dtype=float).any()
                                                       or ref.loc[seeds, ind].to_numpy(dtype=float).any()),
                "total_low": iv["total_low"], "total_high": iv["total_high"],
                "sign_share": iv["sign_share"]}, ind))
    return pd.DataFrame(rows)


def verdict(low: float, high: float) -> str:
    """"higher" or "lower" when the interval excludes 0, else "within noise".

    The callers say "no difference" instead where every paired value is exactly
    zero (:func:`no_difference`): the same outcome in every seed, not noise.
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "within noise"
    if low > 0:
        return "higher"
    if high < 0:
        return "lower"
    return "within noise"


# --- 2^k factorials -----------------------------------------------------------
def factorial_coding(res: Results) -> tuple[list[str], dict[int, tuple[int, ...]]]:
    """The factor names and each corner point's levels (0 low, 1 high).

    They come from the design itself, so a corner whose runs all failed is still known.

    A ``factorial`` design codes itself (points in the order of
    ``itertools.product`` over (low, high) per factor); a ``scenarios``
    design declares its corners in the experiment's ``[factorial]`` table.
    """
    spec = res.spec
    if spec.design == "factorial":
        names = list(spec.factors)
        corners = itertools.product((0, 1), repeat=len(names))
        return names, {p: tuple(levels) for p, levels in enumerate(corners)}
    if spec.factorial is None:
        raise ExperimentError(f"{spec.source}: not a factorial: design 'factorial', or a [factorial] table "
                              "naming the corner scenarios")
    by_name = {label: p for p, label in res.labels.items()}
    coding = {by_name[s]: tuple(levels) for s, levels in spec.factorial["corners"].items() if s in by_name}
    return list(spec.factorial["factors"]), coding


def missing_corners(res: Results) -> list[str]:
    """Corners of the factorial with no finished run (their effects cannot be estimated)."""
    _, coding = factorial_coding(res)
    done = set(res.runs["point"].unique())
    return [res.labels[p] for p in coding if p not in done]


def _terms(k: int) -> list[tuple[int, ...]]:
    return [t for order in range(1, k + 1) for t in itertools.combinations(range(k), order)]


def factorial_effects(res: Results, indicators: list[str] | None = None, window: int = 12,
                      at: int | None = None) -> pd.DataFrame:
    """Main effects and every interaction of a 2^k factorial, with intervals.

    For each replicate (seed) the effect of a term is the mean outcome where
    its contrast is +1 minus the mean where it is -1 (the contrast of a
    term is the product of its factors' coded levels in ±1); the interval
    is over replicates. A two-way effect is half the difference between one
    factor's effect with the other factor high and with it low. Outcomes are
    over the ``window`` months ending at month ``at`` (default each run's last).

    Columns: term ("A", "A × B", ...), order, indicator, n, effect, ci_low,
    ci_high, p_value, verdict (as in :func:`paired_differences`: "no
    difference" where the contrast is exactly zero in every seed).
    """
    names, coding = factorial_coding(res)
    k = len(names)
    cols = indicators or res.indicators
    out = outcomes(res, window, cols, at)
    out = out[out["point"].isin(list(coding))]
    signs = {p: 2 * np.array(levels) - 1 for p, levels in coding.items()}
    # One block per seed: the 2^k corners' values of an indicator. A seed
    # counts only where every corner is finite (a failed run, or an
    # indicator undefined at some corners such as contract concentration
    # without purchasing, would otherwise turn a contrast into a conditional one).
    blocks = {ind: out.pivot_table(index="seed", columns="point", values=ind, dropna=False)
              .reindex(columns=list(coding)) for ind in cols}
    rows = []
    for term in _terms(k):
        contrast = np.array([np.prod(signs[p][list(term)]) for p in coding])
        label = " × ".join(names[i] for i in term)
        for ind in cols:
            values = blocks[ind].to_numpy(dtype=float)
            finite = np.isfinite(values).all(axis=1)
            complete = values[finite]
            x = (complete[:, contrast > 0].mean(axis=1) - complete[:, contrast < 0].mean(axis=1)
                 if len(complete) else np.array([]))
            iv = _intervals(res, x, blocks[ind].index[finite])
            mean, low, high = iv["mean"], iv["ci_low"], iv["ci_high"]
            rows.append(_clip_changes({
                "term": label, "order": len(term), "indicator": ind, "n": len(x),
                "effect": mean, "ci_low": low, "ci_high": high, "p_value": _p_value(x),
                "verdict": ("no data" if not len(x) else "no difference" if no_difference(x)
                            else verdict(low, high)),
                "both_zero": bool(len(complete)) and not complete.any(),
                "total_low": iv["total_low"], "total_high": iv["total_high"],
                "sign_share": iv["sign_share"]}, ind))
    return pd.DataFrame(rows)


def synergy(res: Results, indicators: list[str] | None = None, window: int = 12,
            at: int | None = None) -> pd.DataFrame:
    """Is the whole more or less than the sum of its parts?

    Per seed: (all factors high − all low) − Σ over factors (that factor
    alone high − all low). Positive means all levers together change the
    outcome by more than the three single levers added up. The verdict
    takes the indicator's better direction into account. Outcomes are over
    the ``window`` months ending at month ``at`` (default each run's last).

    Columns: indicator, n, whole, parts, synergy, ci_low, ci_high, p_value,
    verdict ("more than the sum of its parts", "less than the sum of its
    parts" or "the sum of its parts, within noise"), better (+1 / -1 / 0).
    """
    from model.indicators import DISTRICT_INDICATORS

    names, coding = factorial_coding(res)
    k = len(names)
    by_levels = {levels: p for p, levels in coding.items()}
    low, high = by_levels[(0,) * k], by_levels[(1,) * k]
    singles = [by_levels[tuple(int(i == j) for j in range(k))] for i in range(k)]
    needed = [low, high, *singles]
    cols = indicators or res.indicators
    out = outcomes(res, window, cols, at)
    missing = [res.labels[p] for p in needed if p not in set(out["point"])]
    if missing:
        raise ExperimentError(f"{res.path}: no finished run of {', '.join(missing)}: "
                              "the synergy needs all-low, all-high and each single lever")
    rows = []
    for ind in cols:
        table = out.pivot_table(index="seed", columns="point", values=ind, dropna=False).reindex(columns=needed)
        table = table[np.isfinite(table.to_numpy(dtype=float)).all(axis=1)]
        seeds = list(table.index)
        y = {p: table[p].to_numpy(dtype=float) for p in needed}
        whole = y[high] - y[low]
        parts = sum(y[s] - y[low] for s in singles)
        syn = whole - parts
        iv = _intervals(res, syn, seeds)
        mean, lo, hi = iv["mean"], iv["ci_low"], iv["ci_high"]
        better = DISTRICT_INDICATORS.get(ind, ("", 0, ""))[1]
        sign = 1 if better == 0 else better
        if not seeds:
            word = "no data"
        elif verdict(lo, hi) == "within noise":
            word = "the sum of its parts, within noise"
        elif (mean * sign) > 0:
            word = "more than the sum of its parts"
        else:
            word = "less than the sum of its parts"
        rows.append(_clip_changes({
            "indicator": ind, "n": len(seeds), "whole": float(np.mean(whole)) if seeds else np.nan,
            "parts": float(np.mean(parts)) if seeds else np.nan, "synergy": mean, "ci_low": lo, "ci_high": hi,
            "p_value": _p_value(syn), "verdict": word, "better": better,
            "total_low": iv["total_low"], "total_high": iv["total_high"], "sign_share": iv["sign_share"]},
            ind, k + 1))
    return pd.DataFrame(rows)


# --- dose-response and cost ----------------------------------------------------
SPENDING = "purchase_spent_yuan_year"
"""The indicator cost views read: purchase spending per year, comparable with the yearly budget."""

COVERAGE = "need_coverage"
"""The indicator whose points cost views price."""

DOSED = ("grid", "factorial")
"""Designs whose numeric factors take a few levels, each run at every level: their dose-response is drawn."""


def numeric_factors(res: Results) -> list[str]:
    """The factors of a grid or factorial whose values are numbers (not true/false) at two levels or more."""
    if res.spec.design not in DOSED:
        return []
    out = []
    for f in res.factors:
        col = res.runs[f"factor:{f}"]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique() > 1:
            out.append(f)
    return out


def lowest_point(res: Results) -> int:
    """The grid's (or factorial's) point where every factor is at its lowest level (its first listed, if not a number).

    The default baseline of those designs; the lowest point that has runs when
    several share the lowest levels (they cannot: a design lists each value once).
    """
    lows = {}
    for f in res.factors:
        values = [r["factors"][f] for r in res.manifest["runs"]]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        lows[f] = min(values) if numeric else values[0]
    return next(r["point"] for r in res.manifest["runs"] if all(r["factors"][f] == v for f, v in lows.items()))


def _by_level(res: Results, factor: str, indicators: list[str], window: int) -> pd.DataFrame:
    """Each seed's outcome at each level of ``factor``: the mean over the points at that level (other factors)."""
    out = outcomes(res, window, indicators)
    level = res.runs.drop_duplicates("point").set_index("point")[f"factor:{factor}"]
    out["level"] = out["point"].map(level).astype(float)
    return out.groupby(["level", "seed"], sort=True)[indicators].mean()


def dose_response(res: Results, factor: str, indicators: list[str] | None = None, window: int = 12
                  ) -> pd.DataFrame:
    """Each indicator against the levels of a numeric factor, and the gain of each step up.

    At each level the outcome is the mean over the design points at that level
    (over the other factors of a grid), per seed; the mean and 95% interval are
    over seeds. The gain of a step is the outcome at a level minus that at the
    level below, paired by seed, with its 95% interval (cut to what a change of
    a bounded indicator can be) and its verdict as in :func:`paired_differences`;
    ``gain_per_unit`` divides it by the step's size in the factor's unit.

    Columns: factor, level, indicator, n, mean, ci_low, ci_high, previous (the
    level below, NaN at the lowest), gain, gain_low, gain_high, verdict,
    both_zero, gain_per_unit.
    """
    if factor not in numeric_factors(res):
        raise ExperimentError(f"dose-response: found factor {factor!r}, allowed: "
                              f"{', '.join(numeric_factors(res)) or 'none'} (numeric factors of a grid or factorial)")
    cols = indicators or res.indicators
    table = _by_level(res, factor, cols, window)
    levels = sorted(table.index.get_level_values("level").unique())
    rows = []
    for ind in cols:
        by_seed = table[ind].unstack("level")  # seeds × levels
        for i, level in enumerate(levels):
            mean, low, high = t_interval(by_seed[level].to_numpy(), bounds=bounds_of(ind))
            row = {"factor": factor, "level": level, "indicator": ind, "n": int(by_seed[level].notna().sum()),
                   "mean": mean, "ci_low": low, "ci_high": high, "previous": np.nan, "gain": np.nan,
                   "gain_low": np.nan, "gain_high": np.nan, "verdict": "", "both_zero": False,
                   "gain_per_unit": np.nan}
            if i:
                prev = levels[i - 1]
                pair = by_seed[[prev, level]].dropna()
                d = (pair[level] - pair[prev]).to_numpy(dtype=float)
                g, lo, hi = t_interval(d)
                cut = _clip_changes({"ci_low": lo, "ci_high": hi, "total_low": np.nan, "total_high": np.nan}, ind)
                row.update(previous=prev, gain=g, gain_low=cut["ci_low"], gain_high=cut["ci_high"],
                           verdict=("no data" if not d.size else "no difference" if no_difference(d)
                                    else verdict(cut["ci_low"], cut["ci_high"])),
                           both_zero=bool(d.size) and not pair.to_numpy(dtype=float).any(),
                           gain_per_unit=g / (level - prev))
            rows.append(row)
    return pd.DataFrame(rows)


def _ratio_interval(num: np.ndarray, den: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """The ratio of the means of paired values, with its delta-method 95% interval (NaN ends with < 2 pairs)."""
    ok = np.isfinite(num) & np.isfinite(den)
    num, den = num[ok], den[ok]
    if not num.size or den.mean() == 0:
        return np.nan, np.nan, np.nan
    r = float(num.mean() / den.mean())
    if num.size < 2:
        return r, np.nan, np.nan
    cov = np.cov(num, den, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (den.mean() ** 2 * num.size)
    half = float(stats.t.ppf(0.5 + level / 2, num.size - 1) * np.sqrt(max(var, 0.0)))
    return r, r - half, r + half


def cost_per_point(res: Results, factor: str, window: int = 12, coverage: str = COVERAGE,
                   spending: str = SPENDING) -> pd.DataFrame:
    """What a percentage point of ``coverage`` costs in yearly ``spending``, at each level of a numeric factor.

    Against the lowest level (the average cost of the points gained so far) and
    against the level below (the marginal cost of the step's points: where it
    rises steeply, returns flatten). Each is the mean extra spending over the
    mean coverage gain in percentage points, paired by seed, with a delta-method
    95% interval; undefined (NaN, ``priced`` False) where the coverage gain is not
    positive outside noise, since a price per point gained needs points gained.

    Columns: factor, level, spent (mean spending per year), coverage (mean),
    then for ``from`` in (lowest, step): {from}_spent, {from}_points (gain in
    percentage points) with {from}_points_low/high, {from}_cost with
    {from}_cost_low/high, {from}_priced.
    """
    table = _by_level(res, factor, [coverage, spending], window)
    cov, spent = table[coverage].unstack("level"), table[spending].unstack("level")
    levels = list(cov.columns)
    rows = []
    for i, level in enumerate(levels):
        row: dict[str, Any] = {"factor": factor, "level": level, "spent": float(spent[level].mean()),
                               "coverage": float(cov[level].mean())}
        for name, ref in (("lowest", levels[0]), ("step", levels[i - 1] if i else None)):
            keys = [f"{name}_{k}" for k in ("spent", "points", "points_low", "points_high", "cost", "cost_low",
                                            "cost_high")]
            row.update(dict.fromkeys(keys, np.nan), **{f"{name}_priced": False})
            if ref is None or ref == level:
                continue
            ds = (spent[level] - spent[ref]).to_numpy(dtype=float)
            dc = 100 * (cov[level] - cov[ref]).to_numpy(dtype=float)
            points, lo, hi = t_interval(dc)
            priced = bool(np.isfinite(lo) and lo > 0)
            cost = _ratio_interval(ds, dc) if priced else (np.nan, np.nan, np.nan)
            row.update(dict(zip(keys, (float(np.nanmean(ds)), points, lo, hi, *cost), strict=True)),
                       **{f"{name}_priced": priced})
        rows.append(row)
    return pd.DataFrame(rows)


# --- results at several horizons ----------------------------------------------
SAMPLED = ("lhs", "sobol", "morris")
"""Designs whose points are samples of a response surface: no baseline, no ranking of points."""

RANKED_POINTS = 200
"""Ranking flips are sought among at most this many design points (19,900 pairs); a larger
grid is a response surface, read through its effects rather than a ranking of its points."""

CHANGE_COLUMNS = ["indicator", "kind", "source", "what", "first", "second", "order", "from_month", "to_month",
                  "from_value", "from_low", "from_high", "to_value", "to_low", "to_high", "between", "sentence"]

ROUNDING = 1e-9
"""An interval within ± this share of an indicator's largest absolute value is rounding:
the same outcomes summed in another order differ by about 1e-16 of their size."""

KINDS = ("sign change", "ranking flip", "fades", "emerges")
"""The kinds of change :func:`horizon_changes` names, strongest first."""


def available_horizons(res: Results) -> list[int]:
    """The months results are compared at.

    The experiment's ``horizons`` (sorted; the default of
    :func:`experiments.spec.default_horizons` when the file has none) up to the last
    recorded month, or that month alone when only the final month was kept
    (``record = "last"``).
    """
    last = int(res.runs["month"].max())
    if res.spec.record == "last":
        return [last]
    return [h for h in res.spec.horizons if h <= last]


def horizon_window(horizon: int, window: int) -> tuple[int, int]:
    """The first and last month of the outcome at ``horizon``.

    The ``window`` months ending there, starting at month 1 at the earliest (a short
    horizon averages fewer).
    """
    return max(horizon - window + 1, 1), horizon


def _at_horizons(compute: Any, horizons: list[int], window: int) -> pd.DataFrame:
    """``compute(h)`` for each horizon, stacked, with columns horizon, first_month, last_month."""
    frames = []
    for h in sorted(horizons):
        first, last = horizon_window(h, window)
        frame = compute(h)
        if not frame.empty:
            frames.append(frame.assign(horizon=h, first_month=first, last_month=last))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def horizon_differences(res: Results, baseline: str | int, indicators: list[str] | None = None,
                        window: int = 12, horizons: list[int] | None = None) -> pd.DataFrame:
    """:func:`paired_differences` at each horizon (default :func:`available_horizons`).

    Its columns and horizon, first_month, last_month (the months averaged).
    """
    hs = available_horizons(res) if horizons is None else horizons
    return _at_horizons(lambda h: paired_differences(res, baseline, indicators, window, at=h), hs, window)


def horizon_effects(res: Results, indicators: list[str] | None = None, window: int = 12,
                    horizons: list[int] | None = None) -> pd.DataFrame:
    """:func:`factorial_effects` (main effects and interactions) at each horizon.

    With columns horizon, first_month, last_month.
    """
    hs = available_horizons(res) if horizons is None else horizons
    return _at_horizons(lambda h: factorial_effects(res, indicators, window, at=h), hs, window)


def horizon_synergy(res: Results, indicators: list[str] | None = None, window: int = 12,
                    horizons: list[int] | None = None) -> pd.DataFrame:
    """:func:`synergy` at each horizon, with columns horizon, first_month, last_month."""
    hs = available_horizons(res) if horizons is None else horizons
    return _at_horizons(lambda h: synergy(res, indicators, window, at=h), hs, window)


def pairwise_differences(res: Results, indicators: list[str] | None = None, window: int = 12,
                         at: int | None = None, exclude: list[int] = ()) -> pd.DataFrame:
    """Every pair of design points (first < second by point number, ``exclude`` left out).

    First minus second, paired by seed, with its 95% interval.

    The same numbers as :func:`paired_differences` with the second point as
    the baseline, computed for all pairs at once. Columns: indicator,
    first, second (points), first_label, second_label, n, diff, ci_low,
    ci_high, verdict ("higher", "lower", "within noise" or "no data").
    """
    cols = indicators or res.indicators
    out = outcomes(res, window, cols, at)
    points = [p for p in sorted(set(out["point"])) if p not in set(exclude)]
    pairs = np.array(list(itertools.combinations(range(len(points)), 2)), dtype=int).reshape(-1, 2)
    labels = res.labels
    frames = []
    for ind in cols:
        x = out.pivot_table(index="seed", columns="point", values=ind, dropna=False).reindex(columns=points)
        x = x.to_numpy(dtype=float)
        n, mean, low, high = _t_intervals(x[:, pairs[:, 0]] - x[:, pairs[:, 1]])
        b = bounds_of(ind)
        if b is not None:  # as in paired_differences: a difference of shares lies in [-1, 1]
            low, high = np.clip(low, -(b[1] - b[0]), b[1] - b[0]), np.clip(high, -(b[1] - b[0]), b[1] - b[0])
        frames.append(pd.DataFrame({
            "indicator": ind, "first": [points[i] for i in pairs[:, 0]], "second": [points[j] for j in pairs[:, 1]],
            "first_label": [labels[points[i]] for i in pairs[:, 0]],
            "second_label": [labels[points[j]] for j in pairs[:, 1]],
            "n": n, "diff": mean, "ci_low": low, "ci_high": high,
            "verdict": [verdict(lo, hi) if k else "no data" for lo, hi, k in zip(low, high, n, strict=True)]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _t_intervals(d: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, ...]:
    """:func:`t_interval` of every column of ``d`` at once: n, mean, low, high.

    Rows of ``d`` are seeds; NaN is left out.
    """
    ok = np.isfinite(d)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, d, 0.0).sum(axis=0) / n
        var = (np.where(ok, d - mean, 0.0) ** 2).sum(axis=0) / (n - 1)
        half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * np.sqrt(var / n)
    half = np.where(n >= 2, half, np.nan)
    mean = np.where(n >= 1, mean, np.nan)
    return n, mean, mean - half, mean + half


def _has_factorial(res: Results) -> bool:
    return res.spec.design == "factorial" or res.spec.factorial is not None


def horizon_changes(res: Results, baseline: str | int | None = None, indicators: list[str] | None = None,
                    window: int = 12, horizons: list[int] | None = None) -> pd.DataFrame:
    """Every conclusion that changes between horizons, as rows and in plain words.

    The quantities followed across the horizons (default
    :func:`available_horizons`) are each point's paired difference against
    ``baseline`` (when given), the factorial main effects and interactions
    and the synergy (for a factorial design, or a scenario design with a
    ``[factorial]`` table; the synergy with two factors or more and every
    corner run), and, for ranking flips, the paired difference between every
    two design points other than the baseline (pairs with the baseline are
    the differences already followed; designs ``lhs``, ``sobol`` and
    ``morris`` rank nothing, and neither does a design of more than
    :data:`RANKED_POINTS` points).

    At a horizon a quantity is *positive* when its 95% interval lies above
    zero, *negative* when it lies below, *within noise* when it includes
    zero (also when it has no interval, with one replicate) or lies
    within ±:data:`ROUNDING` times the indicator's largest absolute value
    (the rounding of sums over identical runs, not an effect); a horizon
    where it is undefined (no data) is left out. With the horizons sorted:

    - **sign change**: the quantity is positive at one horizon and negative
      at the next horizon where it is not within noise (or the other way
      round); the row names those two horizons, and ``between`` the horizons
      in between, where it is within noise.
    - **ranking flip**: the same, for the difference between two design
      points: one is above the other at one horizon and below it at a later
      one, with both orderings outside noise. ``first`` is the point above at
      the earlier horizon, so ``from_value`` is positive.
    - **fades** (a weaker statement): positive or negative at one horizon,
      within noise at the next, and not turning to the other sign later
      (that is a sign change, named as such).
    - **emerges** (a weaker statement): within noise at one horizon,
      positive or negative at the next, and not of the other sign before.

    Fades and emerges are named for differences, effects and the synergy,
    not for the pairs of points (they would repeat the differences many
    times). Columns: indicator, kind, source ("difference", "effect",
    "synergy", "ranking"), what (the point, term or "synergy"), first and
    second (the points compared, labels), order (of a factorial term, else
    0), from_month, to_month (the two horizons), from_value, from_low,
    from_high, to_value, to_low, to_high, between (months), sentence (in
    English, from :func:`change_sentence`). Rows are sorted by kind
    (:data:`KINDS`), then indicator.
    """
    hs = sorted(available_horizons(res) if horizons is None else horizons)
    cols = indicators or res.indicators
    rows: list[dict[str, Any]] = []
    if len(hs) < 2:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    size = res.runs[cols].abs().max()
    tol = {ind: ROUNDING * float(size[ind]) if np.isfinite(size[ind]) else 0.0 for ind in cols}
    base = res.point_of(str(baseline)) if baseline is not None else None
    if base is not None:
        diffs = horizon_differences(res, baseline, cols, window, hs)
        if not diffs.empty:
            base_label = res.labels[base]
            for (label, ind), g in diffs.groupby(["label", "indicator"], sort=False):
                rows += _changes(g, "diff", ind, "difference", label, label, base_label, 0, True, tol[ind])
    if _has_factorial(res):
        eff = horizon_effects(res, cols, window, hs)
        for (term, ind), g in eff.groupby(["term", "indicator"], sort=False):
            rows += _changes(g, "effect", ind, "effect", term, "", "", int(g["order"].iloc[0]), True, tol[ind])
        names, _ = factorial_coding(res)
        if len(names) >= 2 and not missing_corners(res):
            syn = horizon_synergy(res, cols, window, hs)
            for ind, g in syn.groupby("indicator", sort=False):
                rows += _changes(g.assign(verdict=[verdict(lo, hi) if n else "no data" for lo, hi, n in
                                                   zip(g["ci_low"], g["ci_high"], g["n"], strict=True)]),
                                 "synergy", ind, "synergy", "synergy", "", "", 0, True, tol[ind])
    if res.spec.design not in SAMPLED and len(res.labels) <= RANKED_POINTS:
        pairs = _at_horizons(lambda h: pairwise_differences(res, cols, window, at=h,
                                                            exclude=[base] if base is not None else []), hs, window)
        if not pairs.empty:
            for (_, _, ind), g in pairs.groupby(["first", "second", "indicator"], sort=False):
                first, second = g["first_label"].iloc[0], g["second_label"].iloc[0]
                rows += _changes(g, "diff", ind, "ranking", f"{first} − {second}", first, second, 0, False, tol[ind])
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    if frame.empty:
        return frame
    order = {ind: i for i, ind in enumerate(cols)}
    frame["sentence"] = [change_sentence(r) for r in frame.itertuples()]
    frame = frame.assign(_k=frame["kind"].map(KINDS.index), _i=frame["indicator"].map(order))
    return frame.sort_values(["_k", "_i"], kind="stable").drop(columns=["_k", "_i"]).reset_index(drop=True)


def _changes(g: pd.DataFrame, value: str, ind: str, source: str, what: str, first: str, second: str,
             order: int, weaker: bool, tol: float = 0.0) -> list[dict[str, Any]]:
    """The changes of one quantity across horizons.

    ``g`` has one row per horizon, with its verdict; the rules are those of
    :func:`horizon_changes`; an interval inside [-tol, tol] counts as within noise.
    """
    g = g[g["verdict"] != "no data"].sort_values("horizon")
    sign = {"higher": 1, "lower": -1}
    seq = [(int(r.horizon), sign.get(r.verdict, 0) if max(abs(r.ci_low), abs(r.ci_high)) > tol else 0, r)
           for r in g.itertuples()]
    sig = [i for i, (_, s, _) in enumerate(seq) if s]
    rows = []

    def row(kind: str, a: int, b: int) -> dict[str, Any]:
        ra, rb = seq[a][2], seq[b][2]
        flip = kind == "ranking flip" and getattr(ra, value) < 0  # the point above at the earlier horizon first
        k = -1 if flip else 1
        lo_a, hi_a = (-ra.ci_high, -ra.ci_low) if flip else (ra.ci_low, ra.ci_high)
        lo_b, hi_b = (-rb.ci_high, -rb.ci_low) if flip else (rb.ci_low, rb.ci_high)
        return {"indicator": ind, "kind": kind, "source": source,
                "what": f"{second} − {first}" if flip else what, "first": second if flip else first,
                "second": first if flip else second, "order": order, "from_month": seq[a][0],
                "to_month": seq[b][0], "from_value": k * getattr(ra, value), "from_low": lo_a, "from_high": hi_a,
                "to_value": k * getattr(rb, value), "to_low": lo_b, "to_high": hi_b,
                "between": tuple(seq[i][0] for i in range(a + 1, b)), "sentence": ""}

    for a, b in itertools.pairwise(sig):
        if seq[a][1] == -seq[b][1]:
            rows.append(row("ranking flip" if source == "ranking" else "sign change", a, b))
    if not weaker:
        return rows
    for i in range(len(seq) - 1):
        s, t = seq[i][1], seq[i + 1][1]
        if s and not t:
            later = next((seq[j][1] for j in sig if j > i), s)
            if later == s:
                rows.append(row("fades", i, i + 1))
        elif t and not s:
            earlier = next((seq[j][1] for j in reversed(sig) if j <= i), t)
            if earlier == t:
                rows.append(row("emerges", i, i + 1))
    return rows


def _plain_value(v: float, indicator: str) -> str:
    return f"{v:+.3g}" if np.isfinite(v) else "–"


def _plain_interval(lo: float, hi: float, indicator: str) -> str:
    return f"[{lo:.3g}, {hi:.3g}]" if np.isfinite(lo) and np.isfinite(hi) else ""


def change_sentence(row: Any, lang: str = "en", value: Any = _plain_value, interval: Any = _plain_interval,
                    estimate: Any = None) -> str:
    """One row of :func:`horizon_changes` in plain words, in ``lang`` ("en" or "zh").

    ``value(v, indicator)`` and ``interval(low, high, indicator)`` format the
    numbers (the report shows shares in percentage points); the default
    keeps three significant digits. ``estimate(v, low, high, indicator)``,
    when given, formats a value and its interval together (a pair of
    strings, one precision for both) instead.
    """
    if estimate is not None:
        def pair(v: float, lo: float, hi: float, ind: str) -> tuple[str, str]:
            return estimate(v, lo, hi, ind)
    else:
        def pair(v: float, lo: float, hi: float, ind: str) -> tuple[str, str]:
            return value(v, ind), interval(lo, hi, ind)

    from experiments.labels import indicator_name, text

    ind = row.indicator
    name = indicator_name(ind, lang)
    name = name[:1].upper() + name[1:] if lang == "en" else name
    words = ("higher", "lower") if row.source == "difference" else ("positive", "negative")
    if row.source == "difference":
        what = text("what_difference", lang, first=row.first, second=row.second)
    elif row.source == "effect":
        what = text("what_main_effect" if row.order == 1 else "what_interaction", lang, term=row.what)
    else:
        what = text("what_synergy", lang)
    between = ""
    if row.between:
        months = ", ".join(map(str, row.between))
        between = text("between_noise", lang, months=months, s="s" if len(row.between) > 1 else "")
    key = {"sign change": "sign_change", "ranking flip": "ranking_flip", "fades": "fades",
           "emerges": "emerges"}[row.kind]
    zero = (row.to_value, row.to_low, row.to_high) if row.kind == "fades" else (row.from_value, row.from_low,
                                                                                  row.from_high)
    if row.kind in ("fades", "emerges") and not any(zero):  # exactly zero in every seed: no difference, not noise
        key += "_zero"
    va, ca = pair(row.from_value, row.from_low, row.from_high, ind)
    vb, cb = pair(row.to_value, row.to_low, row.to_high, ind)
    return text(key, lang, indicator=name, what=what, first=row.first, second=row.second,
                a=row.from_month, b=row.to_month, between=between, va=va, ca=ca, vb=vb, cb=cb,
                word_a=text(words[0] if row.from_value > 0 else words[1], lang),
                word_b=text(words[0] if row.to_value > 0 else words[1], lang))


def no_change_sentence(horizons: list[int], lang: str = "en") -> str:
    """What to say when :func:`horizon_changes` finds no sign change and no ranking flip."""
    from experiments.labels import text
    return text("no_changes", lang, first=min(horizons), last=max(horizons))


# --- sensitivity --------------------------------------------------------------
def _problem(res: Results) -> dict[str, Any]:
    from experiments.designs import salib_problem
    return salib_problem(res.spec)


def _point_means(res: Results, indicator: str, window: int) -> tuple[np.ndarray, np.ndarray]:
    out = outcomes(res, window, [indicator]).groupby("point")[indicator].mean()
    n_points = int(res.manifest["points"])
    if len(out) != n_points:
        raise ExperimentError(f"{res.path}: {indicator}: {n_points - len(out)} design points have no "
                              "finished run; sensitivity indices need every point (rerun the experiment)")
    if not np.isfinite(out.to_numpy()).all():
        raise ExperimentError(f"{res.path}: {indicator}: undefined (NaN) at {int((~np.isfinite(out)).sum())} "
                              "design points; no sensitivity indices for it")
    first = res.runs.drop_duplicates("point").set_index("point").sort_index()
    x = first[[f"factor:{f}" for f in res.factors]].to_numpy(dtype=float)
    return x, out.sort_index().to_numpy(dtype=float)


def sobol_indices(res: Results, indicator: str, window: int = 12, seed: int = 1) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap intervals (SALib).

    The bootstrap draws from ``seed``, so the same results give the same intervals
    (SALib seeds only when ``seed`` is not 0: with 0 it would use numpy's global state).

    The model output of a design point is its mean over replicates.
    Columns: factor, S1, S1_conf, ST, ST_conf, note (set where an index is
    negative but its interval includes 0: sampling error around zero).
    """
    from SALib.analyze import sobol

    problem = _problem(res)
    _, y = _point_means(res, indicator, window)
    if np.ptp(y) == 0:
        return _flat(problem, indicator, ("S1", "S1_conf", "ST", "ST_conf"))
    si = sobol.analyze(problem, y, calc_second_order=True, conf_level=LEVEL, seed=seed)
    frame = pd.DataFrame({"factor": problem["names"], "S1": si["S1"], "S1_conf": si["S1_conf"],
                          "ST": si["ST"], "ST_conf": si["ST_conf"]})
    frame["note"] = [_negative_note(r) for r in frame.itertuples()]
    frame.insert(0, "indicator", indicator)
    return frame


def _flat(problem: dict[str, Any], indicator: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Indices of an output that is the same at every design point: all zero, and said so."""
    frame = pd.DataFrame({"indicator": indicator, "factor": problem["names"], **{c: 0.0 for c in columns}})
    frame["note"] = f"{indicator} does not vary over the design: no factor has a measurable effect"
    return frame


def _negative_note(row: Any) -> str:
    notes = []
    for name in ("S1", "ST"):
        value, conf = getattr(row, name), getattr(row, f"{name}_conf")
        if value < 0:
            notes.append(f"{name} is negative ({value:.3f}) but its interval (±{conf:.3f}) includes 0: "
                         "read it as no measurable effect" if value + conf >= 0 else
                         f"{name} is negative ({value:.3f} ± {conf:.3f}): too few samples for this factor")
    return "; ".join(notes)


def morris_indices(res: Results, indicator: str, window: int = 12, seed: int = 1) -> pd.DataFrame:
    """Morris elementary effects (SALib): mu, mu_star with its 95% interval, sigma.

    The interval's bootstrap draws from ``seed`` (not 0, which SALib would leave unseeded).

    An integer parameter's design values are rounded (posts 0-4 on four
    levels become 0, 1, 3, 4), so a trajectory's step is not SALib's
    nominal step. Before SALib's analysis each step's output change is
    rescaled from the step actually taken to the nominal one, so the
    elementary effects are per unit of the range as SALib defines them.
    """
    from SALib.analyze import morris

    problem = _problem(res)
    x, y = _point_means(res, indicator, window)
    if np.ptp(y) == 0:
        return _flat(problem, indicator, ("mu", "mu_star", "mu_star_conf", "sigma"))
    y = _morris_rescaled(problem, x, y)
    si = morris.analyze(problem, x, y, conf_level=LEVEL, num_levels=MORRIS_LEVELS, seed=seed)
    frame = pd.DataFrame({"factor": problem["names"], "mu": si["mu"], "mu_star": si["mu_star"],
                          "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})
    frame.insert(0, "indicator", indicator)
    return frame


def _morris_rescaled(problem: dict[str, Any], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Outputs whose step differences correspond to SALib's nominal step Δ = p / (2 (p − 1))."""
    k = problem["num_vars"]
    low, high = np.array(problem["bounds"], dtype=float).T
    scaled = (x - low) / np.where(high > low, high - low, 1.0)
    nominal = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
    out = y.astype(float).copy()
    for start in range(0, len(y), k + 1):
        for a in range(start, start + k):
            step = np.abs(scaled[a + 1] - scaled[a]).max()
            change = y[a + 1] - y[a]
            out[a + 1] = out[a] + (change * nominal / step if step > 0 else 0.0)
    return out


# --- scenario discovery -------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """An indicator compared with a threshold, e.g. ``need_coverage >= 0.6``."""

    indicator: str
    op: str
    threshold: float

    OPS = (">=", "<=", ">", "<")

    @classmethod
    def parse(cls, text: str) -> Condition:
        """Read ``INDICATOR>=VALUE`` (or ``<=``, ``>``, ``<``); anything else is an :class:`ExperimentError`."""
        for op in cls.OPS:
            if op in text:
                name, value = (s.strip() for s in text.split(op, 1))
                try:
                    return cls(name, op, float(value))
                except ValueError:
                    break
        raise ExperimentError(f"--discover: found {text!r}, allowed: INDICATOR>=VALUE "
                              f"(or {', '.join(cls.OPS[1:])}), e.g. need_coverage>=0.6")

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where ``values`` meet the condition, element by element."""
        return {">=": np.greater_equal, "<=": np.less_equal,
                ">": np.greater, "<": np.less}[self.op](values, self.threshold)

    def __str__(self) -> str:
        """The condition as the report prints it, e.g. ``need_coverage >= 0.6``."""
        return f"{self.indicator} {self.op} {_short(self.threshold)}"


def discover(res: Results, condition: Condition | str, window: int = 12, max_depth: int = 3,
             min_share: float = 0.05) -> pd.DataFrame:
    """Which ranges of the factors keep ``condition`` true (scenario discovery).

    A classification tree (scikit-learn's CART) is fitted to every run's
    factor values and whether the condition held; each leaf where it mostly
    held is a box of factor ranges. Columns: box (readable ranges), the
    ranges as ``low:FACTOR`` / ``high:FACTOR``, runs (in the box), density
    (share of runs in the box where the condition held), coverage (share of
    all runs where it held that fall in the box). Boxes are sorted by
    coverage; an empty frame means no box of at least ``min_share`` of the
    runs where the condition mostly holds.
    """
    from sklearn.tree import DecisionTreeClassifier

    cond = Condition.parse(condition) if isinstance(condition, str) else condition
    check_condition(res, cond)
    out = outcomes(res, window, [cond.indicator])
    first = res.runs.drop_duplicates("point").set_index("point")
    cols = [f"factor:{f}" for f in res.factors]
    x = first.loc[out["point"], cols].to_numpy(dtype=float)
    y = cond.holds(out[cond.indicator].to_numpy(dtype=float))
    lows, highs = x.min(axis=0), x.max(axis=0)
    if y.all() or not y.any():
        box = {"box": "every run" if y.all() else "no run", "runs": len(y),
               "density": float(y.mean()), "coverage": 1.0 if y.any() else 0.0}
        return pd.DataFrame([box])
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(int(min_share * len(y)), 1),
                                  random_state=0).fit(x, y)
    t = tree.tree_
    rows = []

    def walk(node: int, lo: np.ndarray, hi: np.ndarray) -> None:
        if t.children_left[node] == -1:
            inside = np.all((x >= lo) & (x <= hi), axis=1)
            n_in = int(inside.sum())
            if n_in and y[inside].mean() > 0.5:
                rows.append({"box": _box_text(res.factors, lo, hi, lows, highs), "runs": n_in,
                             "density": float(y[inside].mean()),
                             "coverage": float(y[inside].sum() / y.sum()),
                             **{f"low:{f}": lo[i] for i, f in enumerate(res.factors)},
                             **{f"high:{f}": hi[i] for i, f in enumerate(res.factors)}})
            return
        f, thr = t.feature[node], t.threshold[node]
        # Split values lie between observed values: snap the box to the values seen.
        left_hi, right_lo = hi.copy(), lo.copy()
        left_hi[f] = x[:, f][x[:, f] <= thr].max(initial=lo[f])
        right_lo[f] = x[:, f][x[:, f] > thr].min(initial=hi[f])
        walk(t.children_left[node], lo, left_hi)
        walk(t.children_right[node], right_lo, hi)

    walk(0, lows.copy(), highs.copy())
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values("coverage", ascending=False).reset_index(drop=True)


def check_condition(res: Results, cond: Condition) -> None:
    """Scenario discovery needs an indicator of the experiment and a sweep over factors."""
    if cond.indicator not in res.indicators:
        raise ExperimentError(f"--discover: {cond.indicator!r} is not an indicator of this experiment; "
                              f"allowed: {', '.join(res.indicators)}")
    if not res.factors:
        raise ExperimentError(f"--discover: {res.path} is not a sweep over factors; scenario discovery "
                              "needs design grid, lhs, sobol, morris or factorial")


def _box_text(names: list[str], lo: np.ndarray, hi: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> str:
    parts = []
    for i, name in enumerate(names):
        if lo[i] > lows[i] or hi[i] < highs[i]:
            parts.append(f"{_short(lo[i])} ≤ {name} ≤ {_short(hi[i])}")
    return "; ".join(parts) or "the whole range"


# --- inequality between communities -------------------------------------------
def theil(x: np.ndarray, groups: np.ndarray) -> tuple[float, float, float]:
    """Theil T index of non-negative values and its between-group and within-group parts.

    ``total == between + within``, units weighted equally. Zeros contribute 0 (the
    limit of x ln x).
    """
    x = np.asarray(x, dtype=float)
    groups = np.asarray(groups)
    mu = x.mean()
    if x.size == 0 or mu <= 0:
        return 0.0, 0.0, 0.0

    def t_of(v: np.ndarray) -> float:
        m = v.mean()
        if m <= 0:
            return 0.0
        r = v / m
        return float(np.mean(np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)))

    between = within = 0.0
    for g in np.unique(groups):
        v = x[groups == g]
        share = v.size / x.size * v.mean() / mu
        if v.mean() > 0:
            between += share * np.log(v.mean() / mu)
        within += share * t_of(v)
    return t_of(x), float(between), float(within)


INEQUALITY_INDICATORS = ("need_coverage", "coverage_vulnerable", "satisfaction", "trust_committee",
                         "consultation_rate", "volunteer_rate")


def community_means(res: Results, window: int = 12, indicators: list[str] | None = None) -> pd.DataFrame:
    """Each run's community values: the mean over the run's last ``window`` months of the community panel.

    One row per (point, replicate, seed, community).
    """
    if res.communities is None:
        raise ExperimentError(f"{res.path}: no community panel (communities.parquet); rerun with "
                              "communities = \"last_year\" or \"all\" in the experiment file")
    panel = res.communities
    cols = [c for c in (indicators or INEQUALITY_INDICATORS) if c in panel.columns]
    # A panel of the last year holds at most 12 months.
    return _mean_of_last_months(panel, window, [*KEY, "community", "street"], cols)


def panel_months(res: Results, window: int) -> tuple[int, int]:
    """The first and last month that :func:`community_means` averages over.

    The panel may hold fewer months than ``window``.
    """
    months = np.sort(res.communities["month"].unique())
    used = months[months > months.max() - window]
    return int(used.min()), int(used.max())


def inequality(res: Results, indicators: list[str] | None = None, window: int = 12) -> pd.DataFrame:
    """Inequality between communities per point, mean and 95% interval over replicates.

    Columns: point, label, indicator, measure ("gini", "theil",
    "theil_between_streets", "theil_within_streets"), n, mean, ci_low, ci_high.
    """
    comm = community_means(res, window, indicators)
    cols = [c for c in comm.columns if c not in (*KEY, "community", "street")]
    per_run = []
    for (p, _rep, seed), g in comm.groupby(KEY):
        for ind in cols:
            v = g[ind].to_numpy(dtype=float)
            ok = np.isfinite(v)
            if not ok.any():  # no community has a value: undefined, not perfect equality
                per_run.append({"point": p, "seed": seed, "indicator": ind, "gini": np.nan, "theil": np.nan,
                                "theil_between_streets": np.nan, "theil_within_streets": np.nan})
                continue
            total, between, within = theil(v[ok], g["street"].to_numpy()[ok])
            per_run.append({"point": p, "seed": seed, "indicator": ind, "gini": gini(v[ok]), "theil": total,
                            "theil_between_streets": between, "theil_within_streets": within})
    per_run = pd.DataFrame(per_run)
    labels = res.labels
    rows = []
    for (p, ind), g in per_run.groupby(["point", "indicator"], sort=True):
        for measure in ("gini", "theil", "theil_between_streets", "theil_within_streets"):
            # A Gini lies in [0, 1], a Theil index is at least 0: intervals that respect it.
            mean, low, high = t_interval(g[measure].to_numpy(), bounds=(0.0, 1.0 if measure == "gini" else np.inf))
            rows.append({"point": p, "label": labels[p], "indicator": ind, "measure": measure,
                         "n": int(g[measure].notna().sum()), "mean": mean, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def _short(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return str(bool(v)).lower()
    if isinstance(v, int | np.integer):
        return f"{int(v):,}" if abs(int(v)) >= 100_000 else str(int(v))
    if isinstance(v, float | np.floating):
        v = float(v)
        if abs(v) < 1e15 and abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)):  # 19999999.999999996 is 20,000,000
            return _short(int(round(v)))
        return f"{v:.4g}"
    return str(v)
