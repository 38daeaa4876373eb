"""Experiment files: TOML, validated as strictly as scenario files.

An experiment file::

    name = "smoke"
    description = "..."
    description_zh = "..."               # optional: the question in Chinese, for --lang zh
    design = "scenarios"                 # scenarios | grid | factorial | lhs | sobol | morris
    scenarios = ["pre_reform", "yuzhong_2016"]   # design = "scenarios"
    base = "yuzhong_2016"                # the other designs: the scenario the factors change
    samples = 64                         # lhs: points; sobol: base samples N; morris: trajectories
    replicates = 3
    base_seed = 20161
    months = 12
    scale = 0.01
    indicators = ["need_coverage"]       # default: every indicator the model reports
    record = "all"                       # or "last": only the final month
    horizons = [60, 120]                 # months at which the report compares results (record = "all")
    baseline = "pre_reform"              # what the report's differences are taken against (scenarios, grid,
                                         # factorial; a grid point by its label or number): default the first
                                         # scenario, or the point where every factor is at its lowest level
    communities = "last_year"            # community panel kept: "last_year", "all" months or "none"
    model = "package.module:factory"     # optional: another Mesa model

    [factorial]                          # optional, design = "scenarios": a 2^k factorial
    factors = ["deburdening", "purchasing", "posts"]   # among the scenarios, for the report
    corners = { linkage_000 = [0, 0, 0], linkage_111 = [1, 1, 1] }   # ... all 2^k corners

    [factors]                            # parameter path -> values (grid) or a range
    "purchase.budget_yuan" = [0.0, 30e6]
    "admin.committee_tasks" = { low = 40, high = 296 }

    [uncertainty]                        # optional: parameter uncertainty (see experiments.uncertainty)
    posterior = "posterior.parquet"      # draws from a fit's posterior, and/or
    sample = "assumptions"               # draws of the assumptions, within ± spread of their defaults
    spread = 0.25                        # sample = "assumptions" only
    draws = 10                           # each draw runs with every replicate's seed, at every point

A mistake is one line naming the file, the key and what is allowed.

Horizons. Conclusions can change with the horizon (an effect positive after
five years may vanish or turn negative after fifteen), so the report also
compares results at several months: ``horizons`` lists them, each a whole
month in [1, months], each once, in any order (used sorted). A horizon H
stands for each run's mean over months H − window + 1 .. H (the report's
``--window``, starting at month 1 at the earliest). Without the key the
horizons are the experiment's last month, half of it (rounded down) and,
when ``months >= 240``, month 120, each once: ``months = 120`` gives [60,
120], ``months = 240`` gives [120, 240], ``months = 360`` gives [120, 180,
360]. With ``record = "last"`` only the final month is kept, so the
horizons are that month alone and the key is refused (it would take no
effect). Horizons are an analysis setting: they are not part of a run's
identity (see ``experiments.engine.plan_runs``), so adding or changing them
reruns nothing; ``sanshe experiment run FILE`` then only rewrites the
manifest the report reads.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from model.parameters import MAX_MONTHS, PARAMETERS, Param

DESIGNS = ("scenarios", "grid", "factorial", "lhs", "sobol", "morris")
MAX_RUNS = 1_000_000
"""The most runs one experiment may plan (design points × replicates); more is a typo, not a study."""
DEFAULT_SPREAD = 0.25
"""``sample = "assumptions"`` without ``spread``: each assumption within ± 25% of its default."""
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""An experiment's name is also its default output folder (results/NAME): no paths."""


class ExperimentError(ValueError):
    """A user's mistake in an experiment file or option; the message is one line."""


class Range(BaseModel):
    """A factor's range ``{ low = ..., high = ... }``, the form every design but ``grid`` takes."""

    model_config = ConfigDict(extra="forbid")
    low: StrictInt | StrictFloat | bool
    high: StrictInt | StrictFloat | bool


class Factorial(BaseModel):
    """A 2^k factorial among the scenarios of a scenario design."""
    model_config = ConfigDict(extra="forbid")
    factors: list[str] = Field(min_length=1, max_length=6)
    factors_zh: list[str] = []
    corners: dict[str, list[Literal[0, 1]]]


class Uncertainty(BaseModel):
    """Parameter uncertainty: draws from a posterior, of the assumptions, or both (:mod:`experiments.uncertainty`)."""

    model_config = ConfigDict(extra="forbid")
    posterior: str | None = None
    sample: Literal["assumptions"] | None = None
    spread: StrictFloat | StrictInt | None = Field(default=None, gt=0, le=1)
    draws: StrictInt = Field(ge=2, le=1000)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    description_zh: str = ""
    design: Literal["scenarios", "grid", "factorial", "lhs", "sobol", "morris"]
    scenarios: list[str] = []
    base: str | None = None
    factors: dict[str, list[StrictInt | StrictFloat | bool] | Range] = {}
    samples: StrictInt = Field(default=16, ge=1, le=1_000_000)
    replicates: StrictInt = Field(default=1, ge=1, le=100_000)
    base_seed: StrictInt = Field(default=0, ge=0)
    months: StrictInt = Field(default=120, ge=1, le=MAX_MONTHS)
    scale: StrictFloat | StrictInt = Field(default=0.05, gt=0, le=1.0)
    indicators: list[str] | None = None
    record: Literal["all", "last"] = "all"
    communities: Literal["last_year", "all", "none"] = "last_year"
    model: str | None = None
    factorial: Factorial | None = None
    horizons: list[Any] | None = None  # each month is checked in _check_horizons, which names the one at fault
    uncertainty: Uncertainty | None = None
    baseline: str | StrictInt | None = None


@dataclass
class ExperimentSpec:
    """A validated experiment."""

    name: str
    description: str
    design: str
    scenarios: list[str]
    base: str | None
    factors: dict[str, Any]
    samples: int
    replicates: int
    base_seed: int
    months: int
    scale: float
    indicators: list[str] | None
    record: str
    model: str | None
    communities: str = "last_year"
    factorial: dict[str, Any] | None = None
    description_zh: str = ""
    source: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    horizons: list[int] = field(default_factory=list)
    """The months the report compares results at, sorted (see the module's "Horizons")."""
    points: list[dict[str, Any]] = field(default_factory=list)
    """Design ``table`` only (built in Python, never read from a file: see :mod:`experiments.abc`):
    each point's factor values, one for every factor, inside the factor's range."""
    uncertainty: dict[str, Any] | None = None
    """The ``[uncertainty]`` table (posterior, sample, spread, draws), or None: no parameter uncertainty."""
    point_seeds: list[int] = field(default_factory=list)
    """Design ``table`` only: each point's own seed (one run a point), instead of replicates shared by points."""
    baseline: str | None = None
    """The file's ``baseline`` (a scenario, a grid point's label or number), or None: the report's default."""

    @property
    def spec_hash(self) -> str:
        """A short hash of the experiment file's contents (``raw``), recorded in the manifest."""
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, default=str).encode()).hexdigest()[:16]


def load_experiment(path: str | Path) -> ExperimentSpec:
    """Read and validate an experiment file."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ExperimentError(f"{where}: no such experiment file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ExperimentError(f"{where}: not valid TOML: {e}") from None
    return spec_from_dict(data, where)


def spec_from_dict(data: dict[str, Any], where: str) -> ExperimentSpec:
    """Validate an experiment given as a dict (a parsed file, or a manifest's copy)."""
    try:
        spec = _Spec.model_validate(data)
    except ValidationError as e:
        raise ExperimentError(_one_line(where, e, data)) from None
    _check_design(where, spec, data)
    return ExperimentSpec(
        name=spec.name, description=spec.description, design=spec.design,
        scenarios=list(spec.scenarios), base=spec.base,
        factors={k: (v.model_dump() if isinstance(v, Range) else list(v)) for k, v in spec.factors.items()},
        samples=spec.samples, replicates=spec.replicates, base_seed=spec.base_seed,
        months=spec.months, scale=float(spec.scale), indicators=spec.indicators,
        record=spec.record, model=spec.model, communities=spec.communities,
        factorial=spec.factorial.model_dump() if spec.factorial else None,
        description_zh=spec.description_zh, source=where, raw=data,
        horizons=sorted(spec.horizons) if spec.horizons is not None else default_horizons(spec.months, spec.record),
        uncertainty=_uncertainty(spec.uncertainty),
        baseline=None if spec.baseline is None else str(spec.baseline))


def _uncertainty(u: Uncertainty | None) -> dict[str, Any] | None:
    """The ``[uncertainty]`` table as a dict, with the spread the assumptions are drawn within filled in."""
    if u is None:
        return None
    table = u.model_dump()
    if u.sample is not None and u.spread is None:
        table["spread"] = DEFAULT_SPREAD
    return table


def default_horizons(months: int, record: str = "all") -> list[int]:
    """The horizons of an experiment file without ``horizons``.

    Its last month, half of it and, for runs of 20 years or more, month 120 (ten
    years, the flagship's span), each once and sorted; only the last month when
    ``record = "last"`` keeps no other.
    """
    if record == "last":
        return [months]
    return sorted({months, *([months // 2] if months >= 2 else []), *([120] if months >= 240 else [])})


def _check_design(where: str, spec: _Spec, data: dict[str, Any]) -> None:
    """Everything the schema cannot say about a design.

    What each design needs and what it would ignore (a key that takes no effect is
    refused, not dropped), factor ranges, sample sizes, indicators, the model
    factory, and the number of runs.
    """
    if not NAME.fullmatch(spec.name):
        raise ExperimentError(f"{where}: name: found {spec.name!r}, allowed: letters, digits, '_', '-' "
                              "and '.', starting with a letter or digit (it names the output folder)")
    unused = {"scenarios": ("base", "samples", "factors"), "grid": ("scenarios", "samples"),
              "factorial": ("scenarios", "samples"), "lhs": ("scenarios", "baseline"),
              "sobol": ("scenarios", "baseline"), "morris": ("scenarios", "baseline")}[spec.design]
    for key in unused:
        if key in data:
            raise ExperimentError(f"{where}: {key}: not used by design {spec.design!r}; remove it")
    for key in ("scale", "communities", "base") if spec.model is not None else ():
        if key in data:
            raise ExperimentError(f"{where}: {key}: not used with model = {spec.model!r} (it takes only "
                                  "its factors and a seed); remove it")
    if spec.design == "scenarios":
        _check_scenario_list(where, spec)
        if spec.baseline is not None and spec.baseline not in spec.scenarios:
            raise ExperimentError(f"{where}: baseline: found {spec.baseline!r}, allowed: one of the scenarios "
                                  f"({', '.join(spec.scenarios)})")
    else:
        _check_factors(where, spec)
    _check_indicators(where, spec)
    if spec.horizons is not None:
        _check_horizons(where, spec)
    if spec.model is not None:
        _check_factory(where, spec.model)
    if spec.uncertainty is not None:
        _check_uncertainty(where, spec)
    draws = spec.uncertainty.draws if spec.uncertainty else 1
    runs = _points(spec) * spec.replicates * draws
    if runs > MAX_RUNS:
        what, fewer = ("design points × replicates × draws", "replicates or draws") if spec.uncertainty else \
            ("design points × replicates", "or replicates")
        raise ExperimentError(f"{where}: found {runs:,} runs ({what}), allowed: at most {MAX_RUNS:,}; fewer "
                              f"samples, values {fewer}")


def _check_uncertainty(where: str, spec: _Spec) -> None:
    """``[uncertainty]``: a source of draws (or two), a spread only for the assumptions, and the sanshe model only.

    The posterior file itself is read when the runs are planned (beside the
    experiment file), before any run.
    """
    u = spec.uncertainty
    if spec.model is not None:
        raise ExperimentError(f"{where}: uncertainty: only for the sanshe model (another model's parameters "
                              "have no declaration to draw from); remove it")
    if u.posterior is None and u.sample is None:
        raise ExperimentError(f"{where}: uncertainty: found neither posterior nor sample, allowed: posterior = "
                              "\"FILE\", sample = \"assumptions\", or both")
    if u.spread is not None and u.sample is None:
        raise ExperimentError(f"{where}: uncertainty.spread: only with sample = \"assumptions\" (a posterior "
                              "gives its own spread); remove it")
    if u.posterior is not None and not u.posterior.strip():
        raise ExperimentError(f"{where}: uncertainty.posterior: found '', allowed: a posterior.parquet file")


def _check_scenario_list(where: str, spec: _Spec) -> None:
    """A scenario design's scenarios: present, each once, and its factorial corners if it names them."""
    if not spec.scenarios:
        raise ExperimentError(f"{where}: scenarios: missing, allowed: a list of scenario names or files")
    twice = sorted({s for s in spec.scenarios if spec.scenarios.count(s) > 1})
    if twice:
        raise ExperimentError(f"{where}: scenarios: {', '.join(twice)} listed more than once; "
                              "allowed: each scenario once")
    if spec.factorial is not None:
        _check_factorial(where, spec)


def _check_factors(where: str, spec: _Spec) -> None:
    """A sampled or enumerated design's factors and sample size (no factorial table: it codes its corners)."""
    if spec.factorial is not None:
        raise ExperimentError(f"{where}: factorial: only for design 'scenarios' "
                              "(design 'factorial' codes its own corners)")
    if not spec.factors:
        raise ExperimentError(f"{where}: factors: missing, allowed: a table of parameter path = values or range")
    for path, values in spec.factors.items():
        _check_factor(where, spec, path, values)
    _check_samples(where, spec)


def _check_factor(where: str, spec: _Spec, path: str, values: list | Range) -> None:
    """A factor's values or range, checked.

    The shape its design needs, finite numbers, inside the parameter's declared
    range, and more than one distinct value.
    """
    key = f"factors.{path}"
    param = None
    if spec.model is None:
        if path not in PARAMETERS:
            hint = difflib.get_close_matches(path, list(PARAMETERS), n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ExperimentError(f"{where}: {key}: not a parameter path{tip}; see `sanshe params`")
        param = PARAMETERS[path]
    if spec.design == "grid" and not isinstance(values, list):
        raise ExperimentError(f"{where}: {key}: design 'grid' needs a list of values")
    if spec.design != "grid" and not isinstance(values, Range):
        raise ExperimentError(f"{where}: {key}: design '{spec.design}' needs {{ low = ..., high = ... }}")
    points = values if isinstance(values, list) else [values.low, values.high]
    if not points:
        raise ExperimentError(f"{where}: {key}: no values")
    for v in points:
        _check_factor_value(f"{where}: {key}", param, v, is_range=isinstance(values, Range))
    if isinstance(values, list):
        twice = [v for i, v in enumerate(values) if v in values[:i]]
        if twice:
            raise ExperimentError(f"{where}: {key}: {twice[0]} listed more than once; allowed: distinct values")
        return
    _check_range(where, spec, key, param, values)


def _check_factor_value(at: str, param: Param | None, v: Any, is_range: bool) -> None:
    """One value of a factor (or one end of its range): finite, and inside the parameter's declaration."""
    if isinstance(v, float) and not math.isfinite(v):
        raise ExperimentError(f"{at}: found {v}, allowed: finite numbers")
    if param is None:
        return
    if is_range and param.kind is int and not isinstance(v, bool):
        v = float(v)  # the ends of a range on an integer parameter need not be whole: samples are rounded
        if not param.low <= v <= param.high:
            raise ExperimentError(f"{at}: found {v:g}, allowed: {param.allowed()}")
        return
    try:
        param.check(v)
    except ValueError as e:
        raise ExperimentError(f"{at}: {e}") from None


def _check_range(where: str, spec: _Spec, key: str, param: Param | None, values: Range) -> None:
    """A range's ends: two numbers or two switches, low < high, and two whole numbers for an integer."""
    low, high = values.low, values.high
    if isinstance(low, bool) != isinstance(high, bool):
        raise ExperimentError(f"{where}: {key}: found low = {low}, high = {high}, allowed: two switches "
                              "or two numbers")
    if param is not None and param.kind is bool and spec.design != "factorial":
        raise ExperimentError(f"{where}: {key}: a switch cannot be sampled in a range; "
                              "use design 'grid' or 'factorial'")
    if not isinstance(low, bool) and not low < high:
        raise ExperimentError(f"{where}: {key}: found low = {low}, high = {high}, allowed: low < high")
    if low == high:
        raise ExperimentError(f"{where}: {key}: found low = high = {low}, allowed: two different values")
    if param is not None and param.kind is int and math.floor(high) - math.ceil(low) < 1:
        raise ExperimentError(f"{where}: {key}: the range [{low}, {high}] holds fewer than two whole "
                              f"numbers, allowed: a wider range for this integer parameter")


def _check_samples(where: str, spec: _Spec) -> None:
    """Sample sizes SALib can use as asked: Sobol' needs a power of two, Morris two trajectories."""
    n = spec.samples
    if spec.design == "sobol" and n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ExperimentError(f"{where}: samples: found {n}, allowed: a power of two for design 'sobol' "
                              f"(Sobol' points keep their balance only then), e.g. {lower} or {lower * 2}")
    if spec.design == "morris" and n < 2:
        raise ExperimentError(f"{where}: samples: found {n}, allowed: at least 2 trajectories for "
                              "design 'morris' (the spread of the effects needs two)")


def _check_indicators(where: str, spec: _Spec) -> None:
    """The sanshe model's indicators are declared, so a misspelt one is refused now, not in every run."""
    if spec.indicators is None:
        return
    if not spec.indicators:
        raise ExperimentError(f"{where}: indicators: empty, allowed: indicator names, or leave it out for all")
    if spec.model is None:  # only sanshe's own sweeps import the model
        from model.indicators import DISTRICT_INDICATORS
    for name in spec.indicators:
        if spec.model is None and name not in DISTRICT_INDICATORS:
            hint = difflib.get_close_matches(name, list(DISTRICT_INDICATORS), n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ExperimentError(f"{where}: indicators: {name!r} is not an indicator{tip}; allowed: "
                                  f"{', '.join(DISTRICT_INDICATORS)}")
    if len(set(spec.indicators)) != len(spec.indicators):
        raise ExperimentError(f"{where}: indicators: a name listed more than once")


def _check_horizons(where: str, spec: _Spec) -> None:
    """Whole months the runs record, each once.

    None with ``record = "last"``, which keeps the final month only (a horizon
    would take no effect).
    """
    if spec.record == "last":
        raise ExperimentError(f"{where}: horizons: not used with record = 'last' (only the final month is "
                              "kept, so results cannot be compared at other months); remove it, or "
                              "record = \"all\"")
    allowed = f"whole months in [1, {spec.months}] (the experiment's months)"
    if not spec.horizons:
        raise ExperimentError(f"{where}: horizons: empty, allowed: a list of {allowed}, or leave it out "
                              "for the default")
    for h in spec.horizons:
        if not isinstance(h, int) or isinstance(h, bool):
            raise ExperimentError(f"{where}: horizons: found {h!r}, allowed: {allowed}")
        if h < 1:
            raise ExperimentError(f"{where}: horizons: found {h}, allowed: {allowed}")
        if h > spec.months:
            raise ExperimentError(f"{where}: horizons: found {h}, after the experiment's last month "
                                  f"({spec.months}); allowed: {allowed}")
    twice = sorted({h for h in spec.horizons if spec.horizons.count(h) > 1})
    if twice:
        raise ExperimentError(f"{where}: horizons: {twice[0]} listed more than once; allowed: each month once")


def _check_factory(where: str, model: str) -> None:
    """``module:factory``: the module imports and the factory is callable."""
    module, _, name = model.partition(":")
    if not module or not name:
        raise ExperimentError(f"{where}: model: found {model!r}, allowed: 'package.module:factory'")
    try:
        factory = getattr(importlib.import_module(module), name, None)
    except Exception as e:  # the user's module may raise anything while it imports
        raise ExperimentError(f"{where}: model: cannot import {module!r}: "
                              f"{type(e).__name__}: {' '.join(str(e).split())}") from None
    if not callable(factory):
        raise ExperimentError(f"{where}: model: {module!r} has no callable {name!r}; allowed: a function "
                              "factory(params, seed) that returns a Mesa model")


def _points(spec: _Spec) -> int:
    """How many design points ``spec`` makes, without making them."""
    d = len(spec.factors)
    if spec.design == "scenarios":
        return len(spec.scenarios)
    if spec.design == "grid":
        return math.prod(len(v) for v in spec.factors.values())
    return {"factorial": 2**d, "lhs": spec.samples, "sobol": spec.samples * (2 * d + 2),
            "morris": spec.samples * (d + 1)}[spec.design]


def _check_factorial(where: str, spec: _Spec) -> None:
    """The corners must be scenarios of the experiment and cover 2^k levels once each."""
    fac = spec.factorial
    k = len(fac.factors)
    for name, levels in fac.corners.items():
        if name not in spec.scenarios:
            raise ExperimentError(f"{where}: factorial.corners.{name}: not one of the experiment's "
                                  f"scenarios ({', '.join(spec.scenarios)})")
        if len(levels) != k:
            raise ExperimentError(f"{where}: factorial.corners.{name}: found {len(levels)} levels, "
                                  f"allowed: {k} (one 0 or 1 per factor)")
    if fac.factors_zh and len(fac.factors_zh) != k:
        raise ExperimentError(f"{where}: factorial.factors_zh: found {len(fac.factors_zh)} names, allowed: {k}")
    seen = sorted(tuple(v) for v in fac.corners.values())
    if len(set(seen)) != len(seen) or len(seen) != 2**k:
        raise ExperimentError(f"{where}: factorial.corners: found {len(set(seen))} distinct corners, "
                              f"allowed: all {2**k} combinations of {k} factors, each once")


def _one_line(where: str, error: ValidationError, data: dict[str, Any]) -> str:
    """The first schema error as one line: file, key, what was found, what is allowed."""
    err = error.errors()[0]
    loc = [str(x) for x in err["loc"]]
    if err["type"] == "extra_forbidden":
        table = {"factorial": Factorial, "uncertainty": Uncertainty}.get(loc[0]) if len(loc) > 1 else None
        allowed = list((table or _Spec).model_fields)
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        tip = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"{where}: {'.'.join(loc)}: unknown key{tip}; allowed: {', '.join(allowed)}"
    depth = 2 if loc[0] == "factors" else len(loc) if loc[0] in ("factorial", "uncertainty") else 1
    key = ".".join(loc[:depth])
    found: Any = data
    for part in loc[:depth]:
        try:
            found = found[int(part) if isinstance(found, list) else part]
        except (KeyError, IndexError, TypeError, ValueError):
            found = None
    if err["type"] == "missing":
        return f"{where}: {key}: missing"
    return f"{where}: {key}: found {found!r}, allowed: {_allowed(loc, err)}"


def _allowed(loc: list[str], err: dict[str, Any]) -> str:
    """What a key of the experiment file allows, in words, from its declaration."""
    fixed = {"design": ", ".join(DESIGNS), "record": "'all', 'last'",
             "communities": "'last_year', 'all', 'none'",
             "factors": "a list of values, or { low = ..., high = ... } with two numbers or two switches",
             "scenarios": "a list of scenario names or files", "indicators": "a list of indicator names",
             "factorial": "a table with factors (names) and corners (name = [0 or 1, ...])",
             "horizons": "a list of whole months, e.g. [60, 120]",
             "uncertainty": "a table with draws (an integer in [2, 1000]) and posterior = \"FILE\", "
                            "sample = \"assumptions\" (with spread in (0, 1]), or both"}
    if loc[0] in fixed:
        return fixed[loc[0]]
    field_info = _Spec.model_fields.get(loc[0])
    if field_info is None:
        return err["msg"].lower()
    kind = {int: "an integer", str: "a string"}.get(field_info.annotation, "a number")
    bounds = {k: getattr(m, k) for m in field_info.metadata for k in ("ge", "gt", "le") if hasattr(m, k)}
    low = f"[{bounds['ge']}" if "ge" in bounds else f"({bounds['gt']}" if "gt" in bounds else None
    high = f"{bounds['le']}]" if "le" in bounds else None
    if low and high:
        return f"{kind} in {low}, {high}"
    if low:
        return f"{kind} {'>=' if low[0] == '[' else '>'} {low[1:]}"
    return kind
