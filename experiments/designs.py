"""Design points of an experiment.

Scenario lists, grids, 2^k factorials, Latin hypercubes (scipy.stats.qmc),
Sobol and Morris samples (SALib), and tables of points given in Python (the
proposals of :mod:`experiments.abc`), each with its own seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from experiments.spec import ExperimentSpec
from model.parameters import PARAMETERS, Param

MORRIS_LEVELS = 4
"""Levels of a Morris design; the analysis reads the same number."""


@dataclass(frozen=True)
class DesignPoint:
    """One point of the design: a scenario and the factor values set on it (and, in a table, its own seed)."""

    index: int
    scenario: str | None
    factors: dict[str, Any]
    seed: int | None = None


def salib_problem(spec: ExperimentSpec) -> dict[str, Any]:
    """The SALib problem of a range design (names and bounds, in file order)."""
    names = list(spec.factors)
    return {"num_vars": len(names), "names": names,
            "bounds": [[float(spec.factors[n]["low"]), float(spec.factors[n]["high"])] for n in names]}


def design_points(spec: ExperimentSpec) -> list[DesignPoint]:
    """Every design point of ``spec``, numbered from 0."""
    if spec.design == "scenarios":
        return [DesignPoint(i, name, {}) for i, name in enumerate(spec.scenarios)]
    names = list(spec.factors)
    if spec.design == "table":
        return [DesignPoint(i, spec.base, {n: _typed(spec, n, point[n]) for n in names}, seed)
                for i, (point, seed) in enumerate(zip(spec.points, spec.point_seeds, strict=True))]
    if spec.design == "grid":
        rows = list(itertools.product(*(spec.factors[n] for n in names)))
    elif spec.design == "factorial":
        rows = list(itertools.product(*((spec.factors[n]["low"], spec.factors[n]["high"]) for n in names)))
    else:
        # The samplers are imported where they are used: SALib alone takes most of a
        # second to import, which a rerun of a finished grid should not pay.
        problem = salib_problem(spec)
        if spec.design == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(names), seed=spec.base_seed).random(spec.samples)
            low, high = np.array(problem["bounds"]).T
            rows = low + unit * (high - low)
        elif spec.design == "sobol":
            from SALib.sample import sobol as sobol_sample
            rows = sobol_sample.sample(problem, spec.samples, calc_second_order=True, seed=spec.base_seed)
        else:  # morris
            from SALib.sample import morris as morris_sample
            rows = morris_sample.sample(problem, spec.samples, num_levels=MORRIS_LEVELS, seed=spec.base_seed)
        rows = [tuple(r) for r in np.asarray(rows)]
    points = []
    for i, row in enumerate(rows):
        factors = {n: _typed(spec, n, v) for n, v in zip(names, row, strict=True)}
        points.append(DesignPoint(i, spec.base, factors))
    return points


def _typed(spec: ExperimentSpec, path: str, value: Any) -> Any:
    """Give a sampled value its parameter's type.

    :mod:`experiments.spec` has checked the factor's values and range against the declaration.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if spec.model is not None:  # another model: its parameters are its own business
        return value
    return sampled_value(PARAMETERS[path], value)


def sampled_value(p: Param, value: Any) -> Any:
    """A sampled number as parameter ``p``'s type (an integer rounded), checked against its declaration."""
    if p.kind is int and not isinstance(value, bool):
        value = int(round(float(value)))
    elif p.kind is float and not isinstance(value, bool):
        value = float(value)
    return p.check(value)
