"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC), every run through the experiment engine.

The method (Toni et al. 2009, J. R. Soc. Interface 6: 187; Beaumont, Cornuet,
Marin & Robert 2009, Biometrika 96: 983):

- Each free parameter has a uniform prior over a range (:class:`Prior`); the
  fit works in the unit cube of those ranges.
- A particle is one run with its own seed, so the model's noise is part of
  the likelihood.
- A run's distance to the data is the largest, over the fitted statistics,
  of how far the statistic lies from its figure in units of its tolerance
  band (:func:`scaled_distance`): a distance of 1 or less means every
  statistic is inside its band. The bands are the observation model: a
  figure is right to within its band.
- Generation 0 draws ``particles`` parameter sets from the prior (a Latin
  hypercube) and keeps them all. Generation t proposes from the last
  population: a particle chosen by weight, moved by a multivariate Gaussian
  kernel, drawn again until it lands inside the priors' ranges
  (:func:`propose`). The kernel is local to its particle
  (:func:`local_covariances`, the "optimal local covariance matrix" of
  Filippi, Barnes, Cornebise & Stumpf 2013, Stat. Appl. Genet. Mol. Biol.
  12: 87): its covariance is the weighted mean of the outer products of the
  steps from the particle to the last population's particles that are
  already within ε_t. A particle far from the good region takes long steps,
  one inside it short ones, and every step follows the region's shape: where
  two parameters trade off against each other (more founding attempts and a
  smaller revenue pool give the same stock), the kernel moves along the
  ridge, not across it. Two kernels were used before and dropped: twice the
  whole population's variance for every particle (Beaumont et al.), and the
  same local variance parameter by parameter; both accepted about one
  proposal in eight to ten by the seventh generation of a fit of the
  district, whose posterior has such a ridge (docs/calibration.md). It
  accepts a run whose distance is at most ε_t, the median distance of the
  last population but never below 1. The weight of an accepted particle is
  its prior density over the density of the kernels' mixture at it
  (:func:`importance_weights`); a proposal outside the ranges is drawn again
  (never run), which scales that density by one constant for all. The fit
  stops after the first generation run at ε = 1, or after ``generations``.
- Runs go through the engine (:func:`experiments.engine.run_experiment`,
  local processes or Dask) in batches, one experiment folder per generation.
  Proposals come from seeded streams and each generation's population is
  saved when it is complete, so a fit that is stopped resumes where it
  stopped: finished runs are not run again, finished generations are read back.

The output folder::

    generation-G/           the engine's experiment folder of generation G, and
                            ``statistics.parquet``: every statistic of each of its runs
    population-G.parquet    its accepted particles: each parameter, ``weight``,
                            ``distance``, ``seed``, each statistic (fitted and held out)
    posterior.parquet       the last population
    manifest.json           the problem, the ε schedule, acceptance, timings, versions
"""

from __future__ import annotations

import json
import math
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.engine import OptionError, run_experiment
from experiments.spec import ExperimentSpec
from sanshe.output import atomic_write, code_version, package_versions

ACCEPT_SHARE = 0.5
"""ε of a generation is this quantile of the last population's distances (the median), never below :data:`IN_BAND`."""
IN_BAND = 1.0
"""A distance of at most 1: every fitted statistic inside its band; the fit stops once a generation is run at it."""
MAX_PROPOSALS = 50
"""A generation that needs more than this many proposals per particle stops the fit (acceptance below 2%)."""
BATCH_PER_PARTICLE = 2
"""A batch of a generation holds at most this many runs per particle: the acceptance the batch's size is
estimated from is noisy while few runs are accepted (a fit of the district at ε = 1 sized its second batch
from 7 accepted of 222, 3%, and accepted 5.4%, running 1,610 runs past its last particle). A batch's end
costs the workers' wait for its last runs, and the engine's planning and compaction of every run so far:
a few seconds a batch at the district's generation sizes, against minutes of runs past the last particle."""
HEAD = ("run_id", "point", "replicate", "seed", "scenario")
"""The engine's columns that identify a run (with ``factor:NAME``), not the run's own numbers."""
KERNEL = "multivariate local (Filippi et al. 2013, OLCM)"
"""The proposal kernel, part of a fit's identity: a fit saved with another kernel is not resumed."""
MIN_SCALE = 1e-3
"""The smallest kernel standard deviation, in units of a prior's range (added to every local covariance's diagonal,
squared, so that it stays positive definite)."""
WEIGHT_BLOCK = 256
"""Particles weighted together by :func:`importance_weights` (its memory: this × ancestors × parameters)."""
MAX_DRAWS = 1000
"""Rounds of drawing again the proposals that left the priors' ranges before :func:`propose` gives up."""
STATISTICS = "statistics.parquet"
"""A generation folder's file of every run's statistics, in point order."""
CUBE_DRAWS = 200_000
"""Draws that estimate a generation's kernel mixture's mass inside the priors' ranges (standard error ≤ 0.0012)."""


class ProposalError(RuntimeError):
    """The kernels cannot propose inside the priors' ranges, or a particle lies where none of them reaches."""


@dataclass(frozen=True)
class Prior:
    """A free parameter and the range of its uniform prior (model units)."""

    name: str
    low: float
    high: float


@dataclass(frozen=True)
class Statistic:
    """A number measured on one run, and the band the data put it in.

    ``target`` is the figure (NaN for a pattern, which has only a band);
    ``measure`` reads the statistic from one run's district frame (a
    ``month`` column and the indicators).
    """

    name: str
    target: float
    low: float
    high: float
    measure: Callable[[pd.DataFrame], float]


@dataclass(frozen=True)
class Problem:
    """What to fit: the priors, the fitted and held-out statistics, and the runs that measure them.

    ``base`` is the sanshe scenario the parameters are set on (``model`` None)
    or None for another model (``model`` = 'module:factory', whose parameters
    are the priors' names).
    """

    name: str
    priors: tuple[Prior, ...]
    fitted: tuple[Statistic, ...]
    held_out: tuple[Statistic, ...] = ()
    checks: tuple[Statistic, ...] = ()
    """Consistency checks (inputs reproduced): measured and reported, never fitted nor counted as predictions."""
    months: int = 84
    base: str | None = None
    model: str | None = None
    scale: float = 0.02
    indicators: tuple[str, ...] | None = None

    @property
    def statistics(self) -> tuple[Statistic, ...]:
        """Every statistic a run is measured on: fitted, held out, then the checks."""
        return self.fitted + self.held_out + self.checks

    @property
    def kept(self) -> list[str] | None:
        """The indicators a run keeps, as the engine's experiment lists them (None: all)."""
        return list(self.indicators) if self.indicators else None


@dataclass
class Generation:
    """What one generation did."""

    generation: int
    epsilon: float
    proposed: int
    """Proposals up to the last one accepted: the denominator of the acceptance."""
    accepted: int
    seconds: float
    runs: int = 0
    """Runs made, with those of the last batch after the last particle kept (0: not recorded)."""

    @property
    def acceptance(self) -> float:
        """Accepted over proposed."""
        return self.accepted / self.proposed if self.proposed else float("nan")


@dataclass
class FitResult:
    """A finished (or stopped) fit: its posterior population and the generations that made it."""

    posterior: pd.DataFrame
    generations: list[Generation] = field(default_factory=list)
    stopped: str = ""
    out: Path | None = None


# --- distances ----------------------------------------------------------------
def scaled_distance(value: float, stat: Statistic) -> float:
    """How far ``value`` is from the statistic's figure, in units of its band on that side.

    1 is the band's edge, 0 the figure (a pattern: 0 anywhere inside its
    band, 1 plus how far outside in units of the band's width). NaN is
    infinitely far.
    """
    if math.isnan(value):
        return math.inf
    low, high, target = stat.low, stat.high, stat.target
    if math.isnan(target):
        if low <= value <= high:
            return 0.0
        width = high - low if math.isfinite(high - low) and high > low else \
            max((abs(x) for x in (low, high) if math.isfinite(x)), default=1.0) or 1.0
        return 1.0 + (low - value if value < low else value - high) / width
    if value == target:
        return 0.0
    side = high - target if value > target else target - low
    return abs(value - target) / side if side > 0 else math.inf


def distances(values: pd.DataFrame, fitted: tuple[Statistic, ...]) -> np.ndarray:
    """Each run's distance: the largest scaled distance over the fitted statistics (columns of ``values``)."""
    scaled = np.array([[scaled_distance(float(v), s) for v in values[s.name]] for s in fitted])
    return scaled.max(axis=0) if len(fitted) else np.zeros(len(values))


# --- proposals and weights -------------------------------------------------------
def local_covariances(unit: np.ndarray, weights: np.ndarray, distance: np.ndarray, eps: float) -> np.ndarray:
    """Per particle: the covariance of its kernel, ``particles × parameters × parameters`` (Filippi et al. 2013).

    Σ_i = Σ_k ω_k (θ_k − θ_i)(θ_k − θ_i)ᵀ over the particles k whose distance
    is within ``eps`` (ω their weights, normalized), plus
    :data:`MIN_SCALE`² on the diagonal: the mean outer product of the steps
    from particle i to where the next generation is accepted. With no
    particle within ``eps``, every particle of the population counts.
    """
    near = distance <= eps
    if not near.any() or weights[near].sum() <= 0:
        near = np.ones(len(unit), bool)
    w = weights[near] / weights[near].sum()
    steps = unit[near][None, :, :] - unit[:, None, :]  # particle i × near particle k × parameter
    cov = np.einsum("k,ikd,ike->ide", w, steps, steps)
    return cov + MIN_SCALE**2 * np.eye(unit.shape[1])


def propose(unit: np.ndarray, weights: np.ndarray, cov: np.ndarray, n: int,
            rng: np.random.Generator) -> np.ndarray:
    """``n`` proposals in the unit cube: an ancestor by weight, moved by its Gaussian kernel (covariance ``cov[i]``).

    A proposal outside the cube is drawn again, ancestor and step, until
    every one is inside (at most :data:`MAX_DRAWS` rounds): the proposals
    follow the kernels' mixture restricted to the priors' ranges.

    Raises:
        ProposalError: fewer than ``n`` proposals inside after every round
            (a population on the cube's wall with kernels pointing out of it).
    """
    chol = np.linalg.cholesky(cov)
    out = np.empty((0, unit.shape[1]))
    for _ in range(MAX_DRAWS):
        need = n - len(out)
        if need <= 0:
            break
        ancestors = rng.choice(len(unit), size=need, p=weights)
        z = rng.standard_normal((need, unit.shape[1]))
        theta = unit[ancestors] + np.einsum("nde,ne->nd", chol[ancestors], z)
        out = np.vstack([out, theta[((theta >= 0.0) & (theta <= 1.0)).all(axis=1)]])
    if len(out) < n:
        raise ProposalError(f"fewer than {n} proposals inside the priors' ranges after {MAX_DRAWS} rounds")
    return out


def importance_weights(new: np.ndarray, unit: np.ndarray, weights: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Normalized weights of accepted particles: the uniform prior over the kernels' mixture density at them.

    Proposals are drawn again until inside the cube, so their density is the
    mixture's (:func:`log_mixture_density`) divided by its mass inside the
    cube, the same for every θ: normalizing the weights removes it.
    """
    from scipy.special import logsumexp

    log_q = log_mixture_density(new, unit, weights, cov)
    return np.exp(-log_q - logsumexp(-log_q))


def log_mixture_density(points: np.ndarray, unit: np.ndarray, weights: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """The log of the kernels' mixture density Σ_j w_j N(θ; θ_j, Σ_j) at each of ``points``, not restricted to the cube.

    ``weights`` sum to 1 (a population's).

    Computed in log-sum-exp over the inverse Cholesky factors, in blocks of
    :data:`WEIGHT_BLOCK` points.

    Raises:
        ProposalError: a point lies where no kernel reaches (its density is 0).
    """
    from scipy.special import logsumexp

    d = unit.shape[1]
    chol = np.linalg.cholesky(cov)
    inverse = np.linalg.inv(chol)  # L_j⁻¹, one per ancestor
    log_det = np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    with np.errstate(divide="ignore"):  # an ancestor of weight 0 adds nothing
        log_w = np.log(weights)
    log_q = np.empty(len(points))
    for start in range(0, len(points), WEIGHT_BLOCK):  # bounded memory: θ × ancestors × parameters a block at a time
        diff = points[start:start + WEIGHT_BLOCK, None, :] - unit[None, :, :]
        solved = np.einsum("jde,nje->njd", inverse, diff)  # L_j⁻¹ (θ − θ_j)
        log_k = -0.5 * (solved**2).sum(axis=2) - log_det[None, :] - 0.5 * d * np.log(2 * np.pi)
        log_q[start:start + WEIGHT_BLOCK] = logsumexp(log_k + log_w[None, :], axis=1)
    if not np.isfinite(log_q).all():
        raise ProposalError("a particle lies where no kernel of the last population reaches (its density is 0)")
    return log_q


def cube_mass(unit: np.ndarray, weights: np.ndarray, cov: np.ndarray, rng: np.random.Generator,
              draws: int = CUBE_DRAWS) -> float:
    """The kernels' mixture's mass inside the unit cube, by ``draws`` draws of the unrestricted mixture.

    :func:`propose` draws again what falls outside, so a generation's
    proposal density is the mixture's divided by this mass.
    """
    chol = np.linalg.cholesky(cov)
    ancestors = rng.choice(len(unit), size=draws, p=weights / weights.sum())
    theta = unit[ancestors] + np.einsum("nde,ne->nd", chol[ancestors], rng.standard_normal((draws, unit.shape[1])))
    return float(((theta >= 0.0) & (theta <= 1.0)).all(axis=1).mean())


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantiles of a weighted sample (the weighted distribution function, interpolated at the midpoints)."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cum, v)


# --- the fit ----------------------------------------------------------------
def _seed(base_seed: int, generation: int, index: int) -> int:
    """Particle ``index`` of ``generation``'s run seed (32-bit, from the fit's seed)."""
    ss = np.random.SeedSequence(base_seed, spawn_key=(generation, index))
    return int(ss.generate_state(1, dtype=np.uint32)[0])


def _stream(base_seed: int, generation: int, batch: int) -> np.random.Generator:
    """The proposals' random stream of one batch of one generation."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(base_seed, spawn_key=(1 << 20, generation,
                                                                                            batch))))


def to_model(problem: Problem, unit: np.ndarray) -> list[dict[str, float]]:
    """Unit-cube points as parameter values in model units."""
    return [{p.name: p.low + float(u) * (p.high - p.low) for p, u in zip(problem.priors, row, strict=True)}
            for row in unit]


def _spec(problem: Problem, generation: int, points: list[dict[str, float]], seeds: list[int]) -> ExperimentSpec:
    """The engine's experiment of one generation: a table of every point proposed so far, each with its seed."""
    factors = {p.name: {"low": p.low, "high": p.high} for p in problem.priors}
    raw = {"name": f"{problem.name}-generation-{generation}", "design": "table", "base": problem.base,
           "factors": factors, "months": problem.months, "scale": problem.scale, "model": problem.model,
           "indicators": problem.kept, "points": len(points), "abc": problem.name}
    return ExperimentSpec(
        name=raw["name"], description=f"ABC-SMC generation {generation} of {problem.name}", design="table",
        scenarios=[], base=problem.base, factors=factors, samples=len(points), replicates=1, base_seed=0,
        months=problem.months, scale=problem.scale, indicators=problem.kept,
        record="all", model=problem.model, communities="none", source=problem.name, raw=raw,
        horizons=[problem.months], points=points, point_seeds=seeds)


def measure(stats: tuple[Statistic, ...], folder: Path, n_points: int,
            points: np.ndarray | None = None) -> pd.DataFrame:
    """Each statistic of each point's run in the engine's folder ``folder``, NaN where a run failed.

    One row per point of ``points`` (default: every point, 0 to ``n_points``
    − 1), in that order; only those points' rows of ``runs.parquet`` are read.
    """
    points = np.arange(n_points) if points is None else np.asarray(points, np.int64)
    path = folder / "runs.parquet"
    if path.exists() and points.size:
        runs = pd.read_parquet(path, filters=[("point", ">=", int(points.min())), ("point", "<=", int(points.max()))])
    else:
        runs = pd.DataFrame(columns=["point"])
    body = ["month", *(c for c in runs.columns if c not in HEAD and not c.startswith("factor:") and c != "month")]
    frames = dict(iter(runs.groupby("point", sort=True)))
    rows = []
    for point in points.tolist():
        frame = frames.get(point)
        rows.append({s.name: float("nan") for s in stats} if frame is None else
                    {s.name: float(s.measure(frame[body].reset_index(drop=True))) for s in stats})
    return pd.DataFrame(rows, columns=[s.name for s in stats])


def _save_statistics(folder: Path, values: pd.DataFrame) -> None:
    """Keep every run's statistics of a generation (``statistics.parquet``, in point order) for :func:`recycled_runs`.

    Written by the fit as it measures them: the same values its populations
    hold, by the statistics' definitions of the fit's time.
    """
    atomic_write(folder / STATISTICS, lambda p: values.to_parquet(p, index=False))


def _proposals(problem: Problem, folder: Path) -> np.ndarray:
    """Every point a generation proposed, in the unit cube, in point order, failed runs included.

    Read from the generation's engine record (``manifest.json``), which lists
    every run with its factors, done or not (``points.parquet`` holds only the
    runs that finished).

    Raises:
        OptionError: the record is missing, damaged, or its points are not 0 to n − 1.
    """
    path = folder / "manifest.json"
    try:
        factors = {int(r["point"]): r["factors"] for r in json.loads(path.read_text())["runs"]}
        if sorted(factors) != list(range(len(factors))):
            raise ValueError("points are not 0 to n - 1")
        return np.array([[(float(factors[i][p.name]) - p.low) / (p.high - p.low) for p in problem.priors]
                         for i in range(len(factors))]).reshape(len(factors), len(problem.priors))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise OptionError("--fit", f"{path}: not a generation's record of its runs ({e}); the fit's folder is "
                          "damaged") from None


def _statistics(problem: Problem, folder: Path, n_points: int) -> pd.DataFrame:
    """Every run's statistics of a generation: those the fit kept, or (a fit that kept none) measured now.

    Measured statistics are not written back: a report never changes a fit's record.

    Raises:
        OptionError: the runs' results are missing while the record lists runs that finished.
    """
    names = [s.name for s in problem.statistics]
    path = folder / STATISTICS
    if path.exists():
        saved = pd.read_parquet(path)
        if len(saved) == n_points and set(names) <= set(saved.columns):
            return saved[names].reset_index(drop=True)
    if n_points and not (folder / "runs.parquet").exists() and \
            any(r.get("file") for r in json.loads((folder / "manifest.json").read_text())["runs"]):
        raise OptionError("--fit", f"{folder / 'runs.parquet'}: missing, though runs of this generation finished; "
                          "the fit's folder is damaged")
    return measure(problem.statistics, folder, n_points)


def _population_file(out: Path, generation: int) -> Path:
    return out / f"population-{generation}.parquet"


def _unit(problem: Problem, population: pd.DataFrame) -> np.ndarray:
    return np.column_stack([(population[p.name].to_numpy(float) - p.low) / (p.high - p.low)
                            for p in problem.priors])


def fit(problem: Problem, out: Path, particles: int = 200, generations: int = 8, base_seed: int = 0,
        workers: int | None = None, dask: str | None = None, progress: bool = True) -> FitResult:
    """Fit ``problem`` by ABC-SMC into the folder ``out`` (resumable); return the posterior population.

    Raises:
        OptionError: ``particles`` below 4 or ``generations`` below 1 (one line).
    """
    if particles < 4:
        raise OptionError("--particles", f"found {particles}, allowed: an integer >= 4")
    if generations < 1:
        raise OptionError("--generations", f"found {generations}, allowed: an integer >= 1")
    out.mkdir(parents=True, exist_ok=True)
    code_version()  # the commit this fit runs, read now (it is kept for the process)
    done: list[Generation] = _read_generations(out, _identity(problem, particles, base_seed))
    population, stopped = None, ""
    for g in range(generations):
        if g < len(done) and _population_file(out, g).exists():  # finished before: read it back
            population, record = pd.read_parquet(_population_file(out, g)), done[g]
        else:
            t0 = time.perf_counter()
            if g == 0:
                population, record = _prior_generation(problem, out, particles, base_seed, workers, dask, progress)
            else:
                eps = max(float(weighted_quantile(population["distance"].to_numpy(),
                                                  population["weight"].to_numpy(), ACCEPT_SHARE)), IN_BAND)
                try:
                    result = _generation(problem, out, g, population, eps, particles, base_seed, workers, dask,
                                         progress)
                except ProposalError as e:
                    stopped = f"generation {g}: {e}; the posterior is generation {g - 1}'s population"
                    break
                if result is None:
                    stopped = (f"generation {g} accepted too few runs (fewer than 1 in {MAX_PROPOSALS} proposals "
                               f"at ε {eps:.3g}); the posterior is generation {g - 1}'s population")
                    break
                population, record = result
            record.seconds = time.perf_counter() - t0
            atomic_write(_population_file(out, g), lambda p, pop=population: pop.to_parquet(p, index=False))
            done = [*done[:g], record]
            _write_manifest(problem, out, done, particles, generations, base_seed, stopped)
        if record.epsilon <= IN_BAND:
            break
    if not stopped and done[-1].epsilon > IN_BAND:
        stopped = (f"the last generation ({len(done) - 1}) ran at ε {done[-1].epsilon:.3g}, above 1: not every "
                   "fitted statistic is inside its band in the posterior; more generations may get there")
    atomic_write(out / "posterior.parquet", lambda p: population.to_parquet(p, index=False))
    _write_manifest(problem, out, done, particles, generations, base_seed, stopped)
    return FitResult(population, done, stopped, out)


def _prior_generation(problem: Problem, out: Path, particles: int, base_seed: int, workers: int | None,
                      dask: str | None, progress: bool) -> tuple[pd.DataFrame, Generation]:
    """Generation 0: a Latin hypercube over the priors, every run kept with equal weight."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(problem.priors), seed=base_seed).random(particles)
    seeds = [_seed(base_seed, 0, i) for i in range(particles)]
    folder = out / "generation-0"
    run_experiment(_spec(problem, 0, to_model(problem, unit), seeds), folder, workers, dask, progress)
    values = measure(problem.statistics, folder, particles)
    _save_statistics(folder, values)
    population = _population(problem, unit, np.full(particles, 1.0 / particles), seeds, values)
    return population, Generation(0, math.inf, particles, particles, 0.0, particles)


def _generation(problem: Problem, out: Path, g: int, last: pd.DataFrame, eps: float, particles: int,
                base_seed: int, workers: int | None, dask: str | None, progress: bool
                ) -> tuple[pd.DataFrame, Generation] | None:
    """Generation ``g`` at tolerance ``eps``: batches of proposals until ``particles`` are accepted.

    Each batch is sized from the acceptance so far, at most
    :data:`BATCH_PER_PARTICLE` runs a particle; the first ``particles``
    accepted, in order of proposal, form the population. None when more than
    :data:`MAX_PROPOSALS` per particle were needed.
    """
    unit_last, w_last = _unit(problem, last), last["weight"].to_numpy(float)
    cov = local_covariances(unit_last, w_last, last["distance"].to_numpy(float), eps)
    folder = out / f"generation-{g}"
    proposed = np.empty((0, len(problem.priors)))
    values: pd.DataFrame | None = None  # every proposal's statistics, each batch's measured once
    accepted = np.zeros(0, bool)
    batch, rate = 0, ACCEPT_SHARE
    while accepted.sum() < particles:
        if len(proposed) >= MAX_PROPOSALS * particles:
            return None
        need = particles - int(accepted.sum())
        size = min(int(math.ceil(need / max(rate, 1.0 / MAX_PROPOSALS) * 1.1)) + 1,
                   BATCH_PER_PARTICLE * particles, MAX_PROPOSALS * particles - len(proposed))
        proposed = np.vstack([proposed, propose(unit_last, w_last, cov, size, _stream(base_seed, g, batch))])
        seeds = [_seed(base_seed, g, i) for i in range(len(proposed))]
        run_experiment(_spec(problem, g, to_model(problem, proposed), seeds), folder, workers, dask, progress)
        new = measure(problem.statistics, folder, len(proposed), np.arange(len(proposed) - size, len(proposed)))
        if values is not None:
            failed = np.flatnonzero(values.isna().all(axis=1).to_numpy())
            if failed.size:  # the engine tried them again with this batch: a run may have finished now
                values.iloc[failed] = measure(problem.statistics, folder, len(proposed), failed).to_numpy()
            new = pd.concat([values, new], ignore_index=True)
        values = new
        accepted = distances(values, problem.fitted) <= eps
        rate = max(accepted.mean(), 1e-9)
        batch += 1
    _save_statistics(folder, values)
    keep = np.flatnonzero(accepted)[:particles]
    unit = proposed[keep]
    weights = importance_weights(unit, unit_last, w_last, cov)
    seeds = [_seed(base_seed, g, int(i)) for i in keep]
    population = _population(problem, unit, weights, seeds, values.iloc[keep].reset_index(drop=True))
    used = int(keep[-1]) + 1  # proposals up to the last one kept
    return population, Generation(g, eps, used, particles, 0.0, len(proposed))


def _population(problem: Problem, unit: np.ndarray, weights: np.ndarray, seeds: list[int],
                values: pd.DataFrame) -> pd.DataFrame:
    """A population as a table: parameters in model units, weight, distance, seed, then every statistic."""
    params = pd.DataFrame(to_model(problem, unit), columns=[p.name for p in problem.priors])
    table = pd.concat([params, values.reset_index(drop=True)], axis=1)
    table.insert(len(problem.priors), "weight", weights)
    table.insert(len(problem.priors) + 1, "distance", distances(values, problem.fitted))
    table.insert(len(problem.priors) + 2, "seed", np.asarray(seeds, dtype=np.int64))
    return table


# --- what the posterior says ------------------------------------------------------
def parameter_summary(problem: Problem, posterior: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: the weighted median and 90% interval, and the share of the prior's range the interval keeps.

    ``constrained`` says whether the data narrowed the parameter: its 90%
    interval keeps less than half of the prior's range (a flat posterior keeps 0.9).
    """
    w = posterior["weight"].to_numpy(float)
    rows = []
    for p in problem.priors:
        lo, med, hi = weighted_quantile(posterior[p.name].to_numpy(float), w, [0.05, 0.5, 0.95])
        kept = (hi - lo) / (p.high - p.low)
        rows.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high, "median": med,
                     "low_90": lo, "high_90": hi, "range_kept": kept, "constrained": bool(kept < 0.5)})
    return pd.DataFrame(rows)


def predictive_checks(problem: Problem, posterior: pd.DataFrame) -> pd.DataFrame:
    """Per statistic (fitted, held out, check): the posterior predictive median and 90% interval against its band.

    The posterior's runs are draws of the posterior predictive distribution
    (each particle's parameters and seed); ``inside_share`` is the weighted
    share of them inside the band.
    """
    w = posterior["weight"].to_numpy(float)
    rows = []
    for kind, stats in (("fitted", problem.fitted), ("held out", problem.held_out), ("check", problem.checks)):
        for s in stats:
            v = posterior[s.name].to_numpy(float)
            ok = np.isfinite(v)
            lo, med, hi = (weighted_quantile(v[ok], w[ok], [0.05, 0.5, 0.95]) if ok.any()
                           else (float("nan"),) * 3)
            inside = float(w[ok & (v >= s.low) & (v <= s.high)].sum() / w.sum())
            rows.append({"statistic": s.name, "kind": kind, "target": s.target, "low": s.low, "high": s.high,
                         "median": med, "low_90": lo, "high_90": hi, "inside_share": inside})
    return pd.DataFrame(rows)


# --- leave-one-target-out from the fit's own runs ----------------------------------------
@dataclass
class Recycled:
    """Every run of a fit's finished generations, weighted to stand for draws of the prior.

    A generation's runs are draws of its proposal density; all of them
    together are draws of the mixture of those densities, each in proportion
    to its runs. ``weight`` is the prior's density (1 in the unit cube) over
    that mixture's at each run: the deterministic-mixture weights of adaptive
    multiple importance sampling (Cornuet, Marin, Mira & Robert 2012, Scand.
    J. Stat. 39: 798; Veach & Guibas 1995's balance heuristic), normalized.
    Weighted so, the runs whose distance to some statistics is at most 1
    stand for the ABC posterior given those statistics alone, with no new
    run, whichever statistics those are. As the proposals adapted to earlier
    draws, the weighted estimates are consistent, not unbiased (Marin,
    Pudlo & Sedki 2019, Comput. Stat. 34: 1).
    """

    unit: np.ndarray
    values: pd.DataFrame
    weight: np.ndarray
    generation: np.ndarray


def recycled_runs(problem: Problem, out: Path) -> Recycled:
    """The runs of every generation a fit in ``out`` finished, with their weights (:class:`Recycled`).

    Generation 0's proposal is the uniform prior; generation g's is the
    kernels' mixture of population g − 1 at generation g's ε
    (:func:`local_covariances`), restricted to the cube
    (:func:`log_mixture_density` over :func:`cube_mass`).

    Raises:
        OptionError: no finished generation, the folder holds another fit, or a generation's record is damaged.
    """
    try:
        saved = json.loads((out / "manifest.json").read_text())["identity"]
        particles, base_seed = int(saved["particles"]), int(saved["base_seed"])
    except (OSError, ValueError, KeyError, TypeError):
        raise OptionError("--fit", f"{out / 'manifest.json'}: missing or not a fit's manifest") from None
    # The batch rule decides which points were proposed, not their density: a fit of another rule is weighed too.
    done = [g for g in _read_generations(out, _identity(problem, particles, base_seed), ignore=("batch", "indicators"))
            if _population_file(out, g.generation).exists()]
    if not done:
        raise OptionError("--fit", f"{out}: no finished generation to weigh")
    units, values = [], []
    for record in done:
        folder = out / f"generation-{record.generation}"
        units.append(_proposals(problem, folder))
        values.append(_statistics(problem, folder, len(units[-1])))
    unit = np.vstack(units)
    log_q = []
    for record in done:  # each generation's proposal density at every run of the fit
        g = record.generation
        if g == 0:
            log_q.append(np.zeros(len(unit)))
            continue
        last = pd.read_parquet(_population_file(out, g - 1))
        unit_last, w_last = _unit(problem, last), last["weight"].to_numpy(float)
        cov = local_covariances(unit_last, w_last, last["distance"].to_numpy(float), record.epsilon)
        rng = np.random.default_rng(np.random.SeedSequence(base_seed, spawn_key=(2 << 20, g)))  # its own stream
        mass = cube_mass(unit_last, w_last, cov, rng)
        log_q.append(log_mixture_density(unit, unit_last, w_last, cov) - math.log(mass))
    sizes = [len(u) for u in units]
    generation = np.repeat([r.generation for r in done], sizes)
    return Recycled(unit, pd.concat(values, ignore_index=True), mixture_weights(np.array(log_q), sizes), generation)


def mixture_weights(log_q: np.ndarray, sizes: list[int]) -> np.ndarray:
    """Normalized weights of draws from several proposals, under a uniform prior on the unit cube.

    ``log_q[g]`` is proposal g's log density (normalized over the cube) at
    every draw, ``sizes[g]`` how many of the draws it made: each weight is 1
    over Σ_g (n_g / N) q_g at the draw (the deterministic-mixture or balance
    heuristic weight).
    """
    from scipy.special import logsumexp

    share = np.log(np.asarray(sizes, float) / sum(sizes))
    log_mixture = logsumexp(log_q + share[:, None], axis=0)
    return np.exp(-log_mixture - logsumexp(-log_mixture))


def leave_one_out(problem: Problem, recycled: Recycled, groups: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Each group of fitted statistics predicted by the posterior given the other fitted statistics only.

    For each group (a target and its statistics, e.g. a figure and the same
    figure a year later), the recycled runs within ε = 1 of every other
    fitted statistic, weighted, are that posterior's predictive sample: per
    statistic of the group, its median and 90% interval, the weighted share
    inside the band, the runs accepted and their effective sample size
    (Kish: (Σw)² / Σw²), which says how far to trust the interval. A run
    whose left-out statistic is NaN (no band holds it, as in
    :func:`scaled_distance`) counts as outside the band and is left out of
    the quantiles, as in :func:`predictive_checks`.
    """
    rows = []
    by_name = {s.name: s for s in problem.fitted}
    for group, names in groups.items():
        others = tuple(s for s in problem.fitted if s.name not in names)
        accepted = distances(recycled.values, others) <= IN_BAND
        w = recycled.weight * accepted
        ess = float(w.sum() ** 2 / (w**2).sum()) if w.sum() > 0 else 0.0
        for name in names:
            s, v = by_name[name], recycled.values[name].to_numpy(float)
            ok = accepted & np.isfinite(v)
            lo, med, hi = (weighted_quantile(v[ok], w[ok], [0.05, 0.5, 0.95]) if ok.any()
                           else (float("nan"),) * 3)
            inside = float(w[ok & (v >= s.low) & (v <= s.high)].sum() / w.sum()) if w.sum() > 0 else float("nan")
            rows.append({"left_out": group, "statistic": name, "target": s.target, "low": s.low, "high": s.high,
                         "median": med, "low_90": lo, "high_90": hi, "inside_share": inside,
                         "runs": int(accepted.sum()), "ess": ess})
    return pd.DataFrame(rows)


# --- the record ---------------------------------------------------------------------
def _identity(problem: Problem, particles: int, base_seed: int) -> dict[str, Any]:
    """What a fit's saved generations depend on: a folder holding another fit is not resumed from."""
    from experiments.engine import model_version

    return {"fit": problem.name, "base": problem.base, "model": problem.model, "months": problem.months,
            "scale": problem.scale, "particles": particles, "base_seed": base_seed, "kernel": KERNEL,
            "batch": f"at most {BATCH_PER_PARTICLE} runs a particle",
            "priors": [[p.name, p.low, p.high] for p in problem.priors],
            "fitted_names": [s.name for s in problem.fitted], "model_version": model_version(problem.model),
            "indicators": problem.kept}


def _read_generations(out: Path, identity: dict[str, Any], ignore: tuple[str, ...] = ()) -> list[Generation]:
    """The generations a manifest in ``out`` records as finished (none without one).

    ``ignore`` names parts of the identity that need not match (what a reader
    of the fit does not depend on).

    Raises:
        OptionError: the folder holds another fit (other settings, targets or
            model version) or a damaged manifest (one line).
    """
    path = out / "manifest.json"
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
        saved = data["identity"]
        done = [Generation(int(g["generation"]), float(g["epsilon"]), int(g["proposed"]), int(g["accepted"]),
                           float(g["seconds"]), int(g.get("runs", 0))) for g in data["generations"]]
    except (ValueError, KeyError, TypeError):
        raise OptionError("--fit", f"{path}: not a fit's manifest (damaged?); delete the folder or choose "
                          "another") from None
    changed = [k for k in identity if k not in ignore and saved.get(k) != identity[k]]
    if changed:
        raise OptionError("--fit", f"{out} holds another fit (its {', '.join(changed)} differ); allowed: the "
                          "same settings to resume it, or another folder")
    return done


def _write_manifest(problem: Problem, out: Path, done: list[Generation], particles: int, generations: int,
                    base_seed: int, stopped: str) -> None:
    manifest: dict[str, Any] = {
        "identity": _identity(problem, particles, base_seed),
        "fit": problem.name,
        "method": f"ABC-SMC (Toni et al. 2009; Beaumont et al. 2009), kernel: {KERNEL}; distance: the largest "
        "band-scaled distance over the fitted statistics; ε the median of the last population's, down to 1",
        "base": problem.base, "model": problem.model, "months": problem.months, "scale": problem.scale,
        "particles": particles, "generations_allowed": generations, "base_seed": base_seed,
        "priors": [vars(p) for p in problem.priors],
        "fitted": [{"name": s.name, "target": s.target, "low": s.low, "high": s.high} for s in problem.fitted],
        "held_out": [{"name": s.name, "target": s.target, "low": s.low, "high": s.high} for s in problem.held_out],
        "checks": [{"name": s.name, "target": s.target, "low": s.low, "high": s.high} for s in problem.checks],
        "generations": [vars(g) | {"acceptance": g.acceptance} for g in done],
        "stopped": stopped, "posterior": "posterior.parquet" if (out / "posterior.parquet").exists() else None,
        "code_version": code_version(), "packages": package_versions(), "python": platform.python_version(),
    }
    atomic_write(out / "manifest.json",
                 lambda p: Path(p).write_text(json.dumps(manifest, indent=2, default=str, ensure_ascii=False)))
