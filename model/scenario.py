"""Scenario files: TOML, validated against the parameter declaration.

A scenario file::

    name = "yuzhong_2016"
    description = "The reform as reported ..."
    extends = "pre_reform"          # optional: a built-in name or a path

    [params.admin]                  # overrides from month 1, grouped as declared
    committee_tasks = 296

    [[changes]]                     # lever changes with the month they take effect
    month = 25
    admin.committee_tasks = 72
    purchase.budget_yuan = 30_000_000

Every mistake (missing file, bad TOML, unknown key, wrong type, value out of
range, a change to a parameter that is not a lever, a cycle in ``extends``)
raises :class:`ScenarioError` with one line naming the file, the key path
and what is allowed.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from model.parameters import PARAMETERS, Params

TOP_KEYS = ("name", "description", "description_zh", "extends", "params", "changes")


class ScenarioError(ValueError):
    """A user's mistake in a scenario file; the message is one line."""


@dataclass(frozen=True)
class LeverChange:
    """A lever set to ``value`` from ``month`` on (months count from 1)."""

    month: int
    path: str
    value: Any


@dataclass
class Scenario:
    """A resolved scenario: overrides from month 1 and dated lever changes."""

    name: str
    description: str = ""
    description_zh: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    changes: list[LeverChange] = field(default_factory=list)
    source: str = "<defaults>"
    chain: list[str] = field(default_factory=list)

    def resolved_params(self) -> Params:
        return Params(self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "extends_chain": self.chain,
            "params": Params(self.params).as_dict(),
            "changes": [{"month": c.month, "path": c.path, "value": c.value} for c in self.changes],
        }


def builtin_dir() -> Path:
    """The directory of the scenarios shipped with sanshe."""
    return Path(str(resources.files("scenarios")))


def find_scenario(ref: str, relative_to: Path | None = None) -> Path:
    """Resolve a scenario reference: a path, or the name of a built-in scenario."""
    candidates = [Path(ref)]
    if relative_to is not None:
        candidates.append(relative_to / ref)
        candidates.append(relative_to / f"{ref}.toml")
    candidates.append(builtin_dir() / f"{ref}.toml")
    for c in candidates:
        if c.is_file():
            return c
    return Path(ref)


def load_scenario(ref: str | Path, _seen: tuple[str, ...] = ()) -> Scenario:
    """Load and validate a scenario file (and what it extends)."""
    path = find_scenario(str(ref))
    where = str(path)
    if not path.is_file():
        names = sorted(p.stem for p in builtin_dir().glob("*.toml"))
        raise ScenarioError(f"{where}: no such scenario file (built-in scenarios: {', '.join(names)})")
    key = str(path.resolve())
    if key in _seen:
        raise ScenarioError(f"{where}: extends: cycle {' -> '.join(_seen + (key,))}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{where}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{where}: cannot read: {e}") from None

    _check_keys(where, "", data, TOP_KEYS)
    for k in ("name", "description", "description_zh", "extends"):
        if k in data and not isinstance(data[k], str):
            raise ScenarioError(f"{where}: {k}: found {data[k]!r}, allowed: a string")
    if "name" not in data:
        raise ScenarioError(f"{where}: name: missing, allowed: a string")

    if "extends" in data:
        parent_path = find_scenario(data["extends"], relative_to=path.parent)
        if not parent_path.is_file():
            raise ScenarioError(f"{where}: extends: no scenario {data['extends']!r}")
        base = load_scenario(parent_path, _seen + (key,))
    else:
        base = Scenario(name="defaults")

    params = dict(base.params)
    params.update(_flatten_params(where, "params", data.get("params", {})))
    changes = list(base.changes)
    raw_changes = data.get("changes", [])
    if not isinstance(raw_changes, list):
        raise ScenarioError(f"{where}: changes: found {raw_changes!r}, allowed: [[changes]] tables")
    for i, ch in enumerate(raw_changes):
        changes.extend(_parse_change(where, i, ch))
    changes.sort(key=lambda c: c.month)
    return Scenario(
        name=data["name"],
        description=data.get("description", base.description),
        description_zh=data.get("description_zh", ""),
        params=params,
        changes=changes,
        source=where,
        chain=base.chain + [where],
    )


def _check_keys(where: str, prefix: str, table: dict, allowed: tuple[str, ...] | list[str]) -> None:
    for k in table:
        if k not in allowed:
            hint = difflib.get_close_matches(k, allowed, n=1)
            tip = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ScenarioError(
                f"{where}: {prefix}{k}: unknown key{tip}; allowed: {', '.join(allowed)}"
            )


def _flatten_params(where: str, prefix: str, table: Any) -> dict[str, Any]:
    """Turn ``{group: {name: value}}`` into validated ``{"group.name": value}``."""
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: {prefix}: found {table!r}, allowed: a table of groups")
    groups = sorted({p.group for p in PARAMETERS.values()})
    _check_keys(where, f"{prefix}.", table, groups)
    out = {}
    for group, values in table.items():
        if not isinstance(values, dict):
            raise ScenarioError(f"{where}: {prefix}.{group}: found {values!r}, allowed: a table")
        names = [p.name for p in PARAMETERS.values() if p.group == group]
        _check_keys(where, f"{prefix}.{group}.", values, names)
        for name, value in values.items():
            path = f"{group}.{name}"
            try:
                out[path] = PARAMETERS[path].check(value)
            except ValueError as e:
                raise ScenarioError(f"{where}: {prefix}.{path}: {e}") from None
    return out


def _parse_change(where: str, i: int, change: Any) -> list[LeverChange]:
    prefix = f"changes[{i}]"
    if not isinstance(change, dict):
        raise ScenarioError(f"{where}: {prefix}: found {change!r}, allowed: a table")
    month = change.get("month")
    if isinstance(month, bool) or not isinstance(month, int) or month < 1:
        raise ScenarioError(f"{where}: {prefix}.month: found {month!r}, allowed: an integer >= 1")
    rest = {k: v for k, v in change.items() if k not in ("month", "note")}
    values = _flatten_params(where, prefix, rest)
    out = []
    for path, value in values.items():
        if not PARAMETERS[path].lever:
            levers = ", ".join(p for p, d in PARAMETERS.items() if d.lever)
            raise ScenarioError(
                f"{where}: {prefix}.{path}: not a lever, it cannot change during a run; levers: {levers}"
            )
        out.append(LeverChange(month, path, value))
    return out
