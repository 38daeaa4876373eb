"""Parameter uncertainty in an experiment: draws of the parameters, paired across the design's points.

An experiment file may add::

    [uncertainty]
    posterior = "calibration/posterior.parquet"   # a fit's posterior (sanshe calibrate --fit), drawn by weight
    draws = 10                                     # parameter sets

or::

    [uncertainty]
    sample = "assumptions"   # every parameter whose source is an assumption (not a lever, not a switch)
    spread = 0.25            # each drawn uniformly within ± this share of its default, inside its declared range
    draws = 10

or both: the fitted parameters drawn together from the posterior (a draw
keeps a particle's values as one set, so their correlations stay), every
other assumption within ± ``spread`` of its default. Without ``sample``, the
parameters the posterior does not hold stay at their values.

Every design point then runs every draw with every replicate's seed: ``draws``
× ``replicates`` runs a point. Run k = d × replicates + r has draw d and the
k-th seed at every point (common random numbers), so a difference between
two points is paired by draw and seed. A factor of the design is never drawn.

The declared ranges of the parameters are what the model accepts, far wider
than what anyone would defend (a participation logit from −12 to 2), so the
assumptions are drawn within ``spread`` of their defaults rather than over
those ranges; a posterior says itself how wide each parameter is.

The analysis (:func:`intervals`) then gives every difference and effect two
intervals: the seed interval (the 95% interval of the mean from the seed
noise alone, within draws) and the total interval (parameters and seeds:
the seed interval's half-width and 1.96 standard deviations of the
draws' means, added in quadrature, around the same mean, so it always holds
the seed interval), and the share of draws whose mean has the sign of the
overall mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.designs import sampled_value
from experiments.spec import ExperimentError, ExperimentSpec
from model.parameters import PARAMETERS, Param

DRAW_STREAM = 0x5EED_D4A7
"""The spawn key of the draws' random stream (apart from the replicate seeds)."""


def assumption_parameters(exclude: set[str] = frozenset()) -> list[Param]:
    """The parameters an assumption sets: source says "assumption", not a lever, a number, with room to move."""
    return [p for p in PARAMETERS.values()
            if "assumption" in p.source.lower() and not p.lever and p.kind is not bool
            and p.low < p.high and p.path not in exclude]


def draw_parameters(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """The experiment's parameter draws (empty without ``[uncertainty]``), each a dict of parameter values.

    Raises:
        ExperimentError: a posterior file that is missing or not a fit's posterior (one line).
    """
    u = spec.uncertainty
    if not u:
        return []
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec.base_seed, spawn_key=(DRAW_STREAM,))))
    factors = set(spec.factors)
    draws: list[dict[str, Any]] = [{} for _ in range(u["draws"])]
    if u.get("posterior"):
        table = read_posterior(spec)
        names = [c for c in table.columns if c in PARAMETERS and c not in factors]
        w = table["weight"].to_numpy(float)
        # Systematic resampling: each particle is drawn about draws × weight times.
        positions = (rng.random() + np.arange(u["draws"])) / u["draws"]
        rows = np.minimum(np.searchsorted(np.cumsum(w / w.sum()), positions), len(table) - 1)
        draws = [{n: sampled_value(PARAMETERS[n], table[n].iloc[i]) for n in names} for i in rows]
    if u.get("sample"):
        spread = u["spread"]  # the spec fills in DEFAULT_SPREAD
        params = assumption_parameters(factors | set().union(*draws))  # the posterior's own stay as drawn
        unit = rng.random((u["draws"], len(params)))
        for draw, row in zip(draws, unit, strict=True):
            for p, x in zip(params, row, strict=True):
                lo, hi = around_default(p, spread)
                draw[p.path] = sampled_value(p, lo + x * (hi - lo))
    return draws


def around_default(p: Param, spread: float) -> tuple[float, float]:
    """The range within ± ``spread`` (a share) of ``p``'s default, cut to its declared range."""
    return max(p.low, p.default - spread * abs(p.default)), min(p.high, p.default + spread * abs(p.default))


def read_posterior(spec: ExperimentSpec) -> pd.DataFrame:
    """The posterior file ``[uncertainty] posterior`` names (beside the experiment file), checked.

    Raises:
        ExperimentError: missing, unreadable, without weights, or without a declared parameter (one line).
    """
    where = f"{spec.source}: uncertainty.posterior"
    path = Path(spec.uncertainty["posterior"])
    if not path.is_absolute():
        path = Path(spec.source).parent / path
    if not path.is_file():
        raise ExperimentError(f"{where}: no such file {path}; allowed: the posterior.parquet of "
                              "`sanshe calibrate --fit DIR`")
    try:
        table = pd.read_parquet(path)
    except Exception as e:  # noqa: BLE001 (pyarrow raises several kinds for a damaged file)
        raise ExperimentError(f"{where}: {path} is not a readable Parquet file ({type(e).__name__})") from None
    names = [c for c in table.columns if c in PARAMETERS]
    w = table["weight"].to_numpy(float) if "weight" in table.columns else np.array([])
    if not len(table) or not names or w.size == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ExperimentError(f"{where}: {path} is not a fit's posterior; allowed: a table with a 'weight' column "
                              "(finite, not negative, not all 0) and at least one declared parameter")
    for n in names:
        try:
            for v in table[n]:
                sampled_value(PARAMETERS[n], v)
        except ValueError as e:
            raise ExperimentError(f"{where}: {path}: column {n}: {e}") from None
    return table


def intervals(x: np.ndarray, draws: np.ndarray | None, level: float = 0.95) -> dict[str, float]:
    """Mean, seed interval, total interval and the share of draws with the mean's sign, of per-run values ``x``.

    ``draws`` gives each value's draw (None: no parameter uncertainty; the
    seed interval is then the Student-t interval over all values and the
    total interval is NaN). With draws, the seed interval uses the variance
    within draws (D draws × R seeds: D(R − 1) degrees of freedom); the total
    interval adds 1.96 standard deviations of the draws' means in quadrature.
    """
    from scipy import stats  # here, not at the top: the engine imports this module to plan every sweep

    x = np.asarray(x, float)
    ok = np.isfinite(x)
    nan = float("nan")
    out = {"mean": nan, "ci_low": nan, "ci_high": nan, "total_low": nan, "total_high": nan, "sign_share": nan}
    if not ok.any():
        return out
    mean = float(x[ok].mean())
    out["mean"] = mean
    q = 0.5 + level / 2
    if draws is None:
        if ok.sum() > 1:
            half = float(stats.t.ppf(q, ok.sum() - 1) * x[ok].std(ddof=1) / np.sqrt(ok.sum()))
            out["ci_low"], out["ci_high"] = mean - half, mean + half
        return out
    frame = pd.DataFrame({"x": x[ok], "d": np.asarray(draws)[ok]})
    by_draw = frame.groupby("d")["x"]
    means = by_draw.mean()
    dof = int((by_draw.size() - 1).sum())
    if dof > 0:
        within = float(((frame["x"] - by_draw.transform("mean")) ** 2).sum() / dof)
        seed_half = float(stats.t.ppf(q, dof) * np.sqrt(within / len(frame)))
        out["ci_low"], out["ci_high"] = mean - seed_half, mean + seed_half
    else:
        seed_half = 0.0
    param_half = float(stats.norm.ppf(q) * means.std(ddof=1)) if len(means) > 1 else nan
    if np.isfinite(param_half):
        total = float(np.hypot(seed_half, param_half))
        out["total_low"], out["total_high"] = mean - total, mean + total
    out["sign_share"] = float((np.sign(means) == np.sign(mean)).mean()) if mean != 0 else nan
    return out
