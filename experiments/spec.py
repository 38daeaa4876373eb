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
    communities = "last_year"            # community panel kept: "last_year", "all" months or "none"
    model = "package.module:factory"     # optional: another Mesa model

    [factorial]                          # optional, design = "scenarios": a 2^k factorial
    factors = ["deburdening", "purchasing", "posts"]   # among the scenarios, for the report
    corners = { linkage_000 = [0, 0, 0], linkage_111 = [1, 1, 1] }   # ... all 2^k corners

    [factors]                            # parameter path -> values (grid) or a range
    "purchase.budget_yuan" = [0.0, 30e6]
    "admin.committee_tasks" = { low = 40, high = 296 }

A mistake is one line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

DESIGNS = ("scenarios", "grid", "factorial", "lhs", "sobol", "morris")


class ExperimentError(ValueError):
    """A user's mistake in an experiment file or option; the message is one line."""


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    low: StrictInt | StrictFloat | bool
    high: StrictInt | StrictFloat | bool


class Factorial(BaseModel):
    """A 2^k factorial among the scenarios of a scenario design."""
    model_config = ConfigDict(extra="forbid")
    factors: list[str] = Field(min_length=1, max_length=6)
    factors_zh: list[str] = []
    corners: dict[str, list[Literal[0, 1]]]


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
    months: StrictInt = Field(default=120, ge=1, le=1200)
    scale: StrictFloat | StrictInt = Field(default=0.05, gt=0, le=1.0)
    indicators: list[str] | None = None
    record: Literal["all", "last"] = "all"
    communities: Literal["last_year", "all", "none"] = "last_year"
    model: str | None = None
    factorial: Factorial | None = None


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

    @property
    def spec_hash(self) -> str:
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
    _check_design(where, spec)
    return ExperimentSpec(
        name=spec.name, description=spec.description, design=spec.design,
        scenarios=list(spec.scenarios), base=spec.base,
        factors={k: (v.model_dump() if isinstance(v, Range) else list(v)) for k, v in spec.factors.items()},
        samples=spec.samples, replicates=spec.replicates, base_seed=spec.base_seed,
        months=spec.months, scale=float(spec.scale), indicators=spec.indicators,
        record=spec.record, model=spec.model, communities=spec.communities,
        factorial=spec.factorial.model_dump() if spec.factorial else None,
        description_zh=spec.description_zh, source=where, raw=data)


def _check_design(where: str, spec: _Spec) -> None:
    if spec.design == "scenarios":
        if not spec.scenarios:
            raise ExperimentError(f"{where}: scenarios: missing, allowed: a list of scenario names or files")
        if spec.factors:
            raise ExperimentError(f"{where}: factors: not used by design 'scenarios'; "
                                  "use design 'grid' to vary parameters")
        if spec.factorial is not None:
            _check_factorial(where, spec)
        return
    if spec.factorial is not None:
        raise ExperimentError(f"{where}: factorial: only for design 'scenarios' "
                              "(design 'factorial' codes its own corners)")
    if not spec.factors:
        raise ExperimentError(f"{where}: factors: missing, allowed: a table of parameter path = values or range")
    for path, values in spec.factors.items():
        if spec.design == "grid" and not isinstance(values, list):
            raise ExperimentError(f"{where}: factors.{path}: design 'grid' needs a list of values")
        if spec.design != "grid" and not isinstance(values, Range):
            raise ExperimentError(f"{where}: factors.{path}: design '{spec.design}' needs "
                                  "{ low = ..., high = ... }")
        if isinstance(values, list) and not values:
            raise ExperimentError(f"{where}: factors.{path}: no values")


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
    err = error.errors()[0]
    loc = [str(x) for x in err["loc"]]
    if err["type"] == "extra_forbidden":
        allowed = list((Factorial if loc[0] == "factorial" and len(loc) > 1 else _Spec).model_fields)
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        tip = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"{where}: {'.'.join(loc)}: unknown key{tip}; allowed: {', '.join(allowed)}"
    key = loc[0] if loc else "?"
    if key == "factors" and len(loc) > 1:
        key = f"factors.{loc[1]}"
    found = data.get(loc[0]) if loc else None
    if key == "factorial" and len(loc) > 1:
        key = ".".join(loc)
        for part in loc[1:]:
            try:
                found = found[int(part) if isinstance(found, list) else part]
            except (KeyError, IndexError, TypeError, ValueError):
                found = None
    if err["type"] == "missing":
        return f"{where}: {key}: missing"
    if key == "design":
        return f"{where}: design: found {found!r}, allowed: {', '.join(DESIGNS)}"
    if key == "record":
        return f"{where}: record: found {found!r}, allowed: 'all', 'last'"
    if key == "communities":
        return f"{where}: communities: found {found!r}, allowed: 'last_year', 'all', 'none'"
    return f"{where}: {key}: found {found!r}, {err['msg'].lower()}"
