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
and what is allowed. The checks are pydantic models generated from the
parameter declaration (:mod:`model.schema`).
"""

from __future__ import annotations

import tomllib
import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from model.parameters import Params
from model.schema import SchemaError, validate_scenario
from model.tables import TableError, is_table_ref, row_document


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

    def with_levers(self, values: dict[str, Any]) -> Scenario:
        """This scenario with some levers set to ``values``, the way sweeps and
        the dashboard set them: a lever the scenario changes at a month takes
        the new value in those changes (so ``yuzhong_2016`` keeps its pre-reform
        years and its reform month, with the swept value from then on); any
        other lever takes it from month 1."""
        dated = {c.path for c in self.changes}
        params = {**self.params, **{k: v for k, v in values.items() if k not in dated}}
        changes = [LeverChange(c.month, c.path, values[c.path]) if c.path in values else c for c in self.changes]
        return dataclasses.replace(self, params=params, changes=changes)

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
    """Load and validate a scenario: a TOML file, a built-in name, or a row of a
    CSV or Excel table addressed as ``table.xlsx#row_name`` (and what it extends)."""
    if is_table_ref(str(ref)):
        try:
            path, where, doc = row_document(str(ref))
            meta, overrides, raw_changes = validate_scenario(where, doc)
        except (TableError, SchemaError) as e:
            raise ScenarioError(str(e)) from None
        return _resolve(path, where, meta, overrides, raw_changes, _seen + (where,))
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

    try:
        meta, overrides, raw_changes = validate_scenario(where, data)
    except SchemaError as e:
        raise ScenarioError(str(e)) from None
    return _resolve(path, where, meta, overrides, raw_changes, _seen + (key,))


def _resolve(path: Path, where: str, meta: dict[str, Any], overrides: dict[str, Any],
             raw_changes: list[tuple[int, dict[str, Any]]], seen: tuple[str, ...]) -> Scenario:
    """Apply a validated document on top of the scenario it extends."""
    parent = meta.get("extends")
    if parent and is_table_ref(parent):
        table = Path(parent.split("#", 1)[0])
        ref = parent if table.is_absolute() or table.is_file() else str(path.parent / parent)
        if ref in seen:
            raise ScenarioError(f"{where}: extends: cycle {' -> '.join(seen + (ref,))}")
        base = load_scenario(ref, seen)
    elif parent:
        parent_path = find_scenario(parent, relative_to=path.parent)
        if not parent_path.is_file():
            raise ScenarioError(f"{where}: extends: no scenario {parent!r}")
        base = load_scenario(parent_path, seen)
    else:
        base = Scenario(name="defaults")
    params = {**base.params, **overrides}
    changes = list(base.changes) + [LeverChange(month, path_, value)
                                    for month, values in raw_changes for path_, value in values.items()]
    changes.sort(key=lambda c: c.month)
    return Scenario(
        name=meta["name"],
        description=meta.get("description") or base.description,
        description_zh=meta.get("description_zh") or "",
        params=params,
        changes=changes,
        source=where,
        chain=base.chain + [where],
    )
