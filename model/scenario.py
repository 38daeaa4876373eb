"""Scenario files: TOML, validated against the parameter declaration.

A scenario file::

    name = "yuzhong_2016"
    description = "The reform as reported ..."
    extends = "pre_reform"          # optional: a built-in name or a path

    [params.admin]                  # values of parameters, grouped as declared
    committee_tasks = 296

    [[changes]]                     # lever changes with the month they take effect
    month = 25
    admin.committee_tasks = 72
    purchase.budget_yuan = 30_000_000

**One rule for dated levers.** A value given for a lever without a date (in
``[params]``, a spreadsheet cell, a sweep factor or the dashboard) replaces
the value of the dated changes of that lever in the scenario it extends, so
the base keeps its dates and its values before them; where the base never
changes the lever, the value holds from month 1. A scenario's own dated
changes of a lever replace its base's dated changes of that lever, dates
included (a scenario that writes both ``[params]`` and ``[[changes]]`` for
a lever states the lever's whole timeline). Every such placement is kept
as a note (:attr:`Scenario.notes`) and every value remembers where it came
from, so ``sanshe show`` prints the resolved timeline with its sources.

Every mistake (missing file, bad TOML, unknown key, wrong type, value out of
range, a change to a parameter that is not a lever, the same lever set
twice for one month, a cycle in ``extends``) raises :class:`ScenarioError`
with one line naming the file, the key path and what is allowed. The checks
are pydantic models generated from the parameter declaration (the schema at
the end of this module), whose fields are the parameters' own validators.
``extends`` chains are followed in a loop, so their depth has no limit but
the files on disk.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, create_model

from model.parameters import GROUPS, MAX_MONTHS, PARAMETERS, Params, _fmt, first_effect_month
from model.tables import TableError, is_table_ref, row_document


class ScenarioError(ValueError):
    """A user's mistake in a scenario file; the message is one line."""


@dataclass(frozen=True)
class LeverChange:
    """A lever set to ``value`` from ``month`` on (months count from 1).

    ``origin`` says where the value came from (a file, a table cell, a
    sweep factor); it is not part of a run's identity.
    """

    month: int
    path: str
    value: Any
    origin: str = field(default="", compare=False)


@dataclass(frozen=True)
class Period:
    """One value of a parameter over months ``start`` to ``end`` (``None``: to the end of the run).

    ``acts_from`` is the first month the value makes a difference (a yearly
    lever waits for the next yearly cycle, see :func:`model.parameters.first_effect_month`).
    """

    start: int
    end: int | None
    value: Any
    origin: str
    acts_from: int


@dataclass
class Scenario:
    """A resolved scenario: values from month 1, dated lever changes, and where each came from."""

    name: str
    description: str = ""
    description_zh: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    changes: list[LeverChange] = field(default_factory=list)
    source: str = "<defaults>"
    chain: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def resolved_params(self) -> Params:
        """The scenario's values from month 1 on top of the declared defaults, checked."""
        return Params(self.params)

    def with_levers(self, values: dict[str, Any], origin: str = "a sweep factor") -> Scenario:
        """This scenario with some parameters set to ``values`` by the one rule for dated levers.

        The rule is in the module docstring: a lever the scenario changes at a month
        takes the new value in those changes (``yuzhong_2016`` keeps its pre-reform
        years and its reform month, with the new value from then on); any other
        parameter takes it from month 1. Sweeps, the dashboard, files and spreadsheets
        all place values this way.
        """
        params, origins, notes = dict(self.params), dict(self.origins), list(self.notes)
        changes = _place_values(self.changes, params, origins, notes, values, origin, self.source)
        return dataclasses.replace(self, params=params, changes=changes, origins=origins, notes=notes)

    @property
    def spinup_years(self) -> int:
        """Years the district runs before month 1 (``start.spinup_years``)."""
        return self.params.get("start.spinup_years", PARAMETERS["start.spinup_years"].default)

    def months_set(self, path: str) -> list[int]:
        """The months at which this scenario gives ``path`` a value.

        Its dated changes of it, or month 1 when it has none.
        """
        return sorted({c.month for c in self.changes if c.path == path}) or [1]

    def timeline(self) -> dict[str, list[Period]]:
        """Every parameter that differs from its default or changes during the run, as its periods.

        The periods are in month order, one value each, with the value's origin.
        """
        out: dict[str, list[Period]] = {}
        dated = {c.path for c in self.changes}
        for path in sorted(set(self.params) | dated):
            value = self.params.get(path, PARAMETERS[path].default)
            if path not in dated and value == PARAMETERS[path].default:
                continue
            points = [(1, value, self.origins.get(path, "the default"))]
            for c in sorted((c for c in self.changes if c.path == path), key=lambda c: c.month):
                if c.month == 1:
                    points = []
                points.append((c.month, c.value, c.origin))
            out[path] = [Period(start, points[i + 1][0] - 1 if i + 1 < len(points) else None, value, origin,
                                first_effect_month(path, start, self.spinup_years))
                         for i, (start, value, origin) in enumerate(points)]
        return out

    def check_horizon(self, months: int) -> None:
        """Refuse a run of ``months`` in which a dated change of this scenario would never act.

        One line names the lever that acts last and the month it would act.
        """
        late = [(first_effect_month(c.path, c.month, self.spinup_years), c) for c in self.changes]
        late = [(acts, c) for acts, c in late if acts > months]
        if not late:
            return
        acts, c = max(late, key=lambda x: x[0])
        when = f"changes at month {c.month}" + (f" and acts at month {acts} (the next yearly cycle)"
                                                if acts != c.month else "")
        others = f"; {len(late) - 1} other changes act after month {months} too" if len(late) > 1 else ""
        raise ScenarioError(f"{self.source}: {c.path} {when} ({c.origin}), after the last month of the "
                            f"run ({months}){others}; run at least {acts} months, or drop the change")

    def as_dict(self) -> dict[str, Any]:
        """The scenario as plain data for the run's manifest: values, changes, origins and notes."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "extends_chain": self.chain,
            "params": Params(self.params).as_dict(),
            "changes": [{"month": c.month, "path": c.path, "value": c.value, "origin": c.origin}
                        for c in self.changes],
            "origins": self.origins,
            "notes": self.notes,
        }


def _place_values(changes: list[LeverChange], params: dict[str, Any], origins: dict[str, str],
                  notes: list[str], values: dict[str, Any], origin: str, base: str) -> list[LeverChange]:
    """Place undated ``values``.

    Into the dated changes of a lever that has them (keeping their months), else
    into ``params`` from month 1. Updates ``params``, ``origins`` and ``notes`` in
    place; returns the new changes.
    """
    dated = {c.path for c in changes}
    for path, value in values.items():
        if path not in dated:
            params[path] = value
            origins[path] = origin
            continue
        old = [c for c in changes if c.path == path]
        months = ", ".join(str(c.month) for c in old)
        before = params.get(path, PARAMETERS[path].default)
        notes.append(f"{origin}: {path} = {_show(path, value)} replaces the value of {base}'s change at "
                     f"month {months} ({', '.join(_show(path, c.value) for c in old)}); months before "
                     f"{old[0].month} keep {_show(path, before)}")
        changes = [dataclasses.replace(c, value=value, origin=origin) if c.path == path else c
                   for c in changes]
    return changes


def _replace_dated(changes: list[LeverChange], own: list[LeverChange], notes: list[str], where: str,
                   base: str) -> list[LeverChange]:
    """A scenario's own dated changes of a lever replace its base's dated changes of that lever."""
    own_paths = {c.path for c in own}
    for path in sorted(own_paths):
        old = [c for c in changes if c.path == path]
        if old:
            mine = [c for c in own if c.path == path]
            notes.append(f"{where}: its change of {path} at month {', '.join(str(c.month) for c in mine)} "
                         f"replaces {base}'s at month {', '.join(str(c.month) for c in old)} "
                         f"({', '.join(_show(path, c.value) for c in old)})")
    kept = [c for c in changes if c.path not in own_paths]
    return sorted(kept + own, key=lambda c: c.month)


def _show(path: str, value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else _fmt(value)


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


@dataclass
class _Document:
    """One validated scenario document of an ``extends`` chain."""

    path: Path
    where: str
    key: str
    meta: dict[str, Any]
    overrides: dict[str, Any]
    changes: list[tuple[int, dict[str, Any]]]
    origin_params: str
    origin_changes: str


def load_scenario(ref: str | Path, relative_to: Path | None = None) -> Scenario:
    """Load and validate a scenario: a TOML file, a built-in name, or a row of a table.

    The table is CSV or Excel, the row addressed as ``table.xlsx#row_name``. Every
    scenario it extends is loaded too (followed in a loop, so any depth is fine). A
    name is looked up in ``relative_to`` (an experiment file's folder, say) before
    the built-in scenarios.
    """
    chain: list[_Document] = []
    seen: set[str] = set()
    ref, child = str(ref), None
    while True:
        doc = _read_document(ref, relative_to, child)
        if doc.key in seen:
            names = " -> ".join([d.where for d in chain] + [doc.where])
            raise ScenarioError(f"{chain[-1].where}: extends: cycle {names}")
        seen.add(doc.key)
        chain.append(doc)
        parent = doc.meta.get("extends")
        if not parent:
            break
        ref, relative_to, child = parent, doc.path.parent, doc
    scenario = Scenario(name="defaults")
    for doc in reversed(chain):
        scenario = _apply(scenario, doc)
    return scenario


def _read_document(ref: str, relative_to: Path | None, child: _Document | None) -> _Document:
    """Read and validate one scenario document; ``child`` is the document that extends it."""
    if is_table_ref(ref):
        table = Path(ref.split("#", 1)[0])
        if relative_to is not None and not table.is_absolute() and not table.is_file():
            ref = str(relative_to / ref)
        try:
            path, where, data = row_document(ref)
            meta, overrides, changes = validate_scenario(where, data)
        except TableError as e:
            raise ScenarioError(str(e)) from None
        return _Document(path, where, f"{path.resolve()}#{where.rsplit('#', 1)[1]}", meta, overrides,
                         changes, where, f"{where} (dated columns)")
    path = find_scenario(ref, relative_to)
    where = str(path)
    if not path.is_file():
        if child is not None:
            raise ScenarioError(f"{child.where}: extends: no scenario {ref!r}")
        names = sorted(p.stem for p in builtin_dir().glob("*.toml"))
        raise ScenarioError(f"{where}: no such scenario file (built-in scenarios: {', '.join(names)})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{where}: not valid TOML: {' '.join(str(e).split())}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{where}: cannot read: {e}") from None
    meta, overrides, changes = validate_scenario(where, data)
    name = path.name
    return _Document(path, where, str(path.resolve()), meta, overrides, changes,
                     f"{name} [params]", f"{name} [[changes]]")


def _apply(base: Scenario, doc: _Document) -> Scenario:
    """Apply a validated document on top of the scenario it extends, by the one rule for dated levers."""
    where, base_name = doc.where, (Path(base.source).name if base.chain else "the defaults")
    own = [LeverChange(month, path, value, doc.origin_changes)
           for month, values in doc.changes for path, value in values.items()]
    _check_own_changes(where, own, doc.overrides)
    params, origins, notes = dict(base.params), dict(base.origins), list(base.notes)
    changes = _replace_dated(list(base.changes), own, notes, doc.origin_changes, base_name)
    own_paths = {c.path for c in own}
    # Values of levers this document also dates belong to month 1: the document states the whole timeline.
    from_month_1 = {k: v for k, v in doc.overrides.items() if k in own_paths}
    params.update(from_month_1)
    origins.update({k: doc.origin_params for k in from_month_1})
    rest = {k: v for k, v in doc.overrides.items() if k not in own_paths}
    changes = _place_values(changes, params, origins, notes, rest, doc.origin_params, base_name)
    return Scenario(
        name=doc.meta["name"],
        description=doc.meta.get("description") or base.description,
        description_zh=doc.meta.get("description_zh") or "",
        params=params,
        changes=changes,
        source=where,
        chain=base.chain + [where],
        origins=origins,
        notes=notes,
    )


def _check_own_changes(where: str, own: list[LeverChange], overrides: dict[str, Any]) -> None:
    """One document may not set a lever twice for the same month.

    Not in two changes, nor in params and a change for month 1: one of the values
    would be lost silently.
    """
    seen: dict[tuple[str, int], Any] = {}
    for c in own:
        if (c.path, c.month) in seen:
            raise ScenarioError(f"{where}: changes: {c.path} is set twice for month {c.month} "
                                f"({_show(c.path, seen[c.path, c.month])} and {_show(c.path, c.value)}); "
                                "allowed: one value per lever and month")
        seen[c.path, c.month] = c.value
        if c.month == 1 and c.path in overrides:
            raise ScenarioError(f"{where}: changes: {c.path} is set for month 1 both as a value "
                                f"({_show(c.path, overrides[c.path])}) and as a change "
                                f"({_show(c.path, c.value)}); allowed: one of them")


# --- the schema: a scenario document checked against the declaration -------------------
# One pydantic model per parameter group, whose fields are the parameters' own
# validators (Param.annotation), unknown keys forbidden, and for lever changes
# only the parameters declared as levers. A failure becomes one line naming the
# file, the key path, what was found and what is allowed, with a "did you mean"
# suggestion for a misspelt key.
TOP_KEYS = ("name", "description", "description_zh", "extends", "params", "changes")
CHANGE_KEYS = ("month", "note")


def _group_model(group: str, levers_only: bool) -> type[BaseModel]:
    fields = {p.name: (p.annotation | None, None) for p in PARAMETERS.values()
              if p.group == group and (p.lever or not levers_only)}
    name = f"{group.title()}{'Levers' if levers_only else 'Params'}"
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


@cache
def _models() -> tuple[type[BaseModel], type[BaseModel]]:
    forbid = ConfigDict(extra="forbid")
    params = create_model("Params", __config__=forbid,
                          **{g: (_group_model(g, False) | None, None) for g in GROUPS})
    # Every group appears in a change, so that a parameter that is not a lever is
    # named as such rather than its group being unknown.
    lever_groups = {g: (_group_model(g, True) | None, None) for g in GROUPS}
    change = create_model("Change", __config__=forbid,
                          month=(Annotated[StrictInt, Field(ge=1, le=MAX_MONTHS)], ...), note=(str | None, None),
                          **lever_groups)
    document = create_model("Scenario", __config__=forbid,
                            name=(str, ...), description=(str, ""), description_zh=(str, ""),
                            extends=(str | None, None), params=(params, None),
                            changes=(list[change], []))
    return document, change


def validate_scenario(where: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any],
                                                                 list[tuple[int, dict[str, Any]]]]:
    """Validate a scenario document.

    Returns ``(meta, overrides, changes)``: the top-level strings, the
    parameter overrides as ``{"group.name": value}``, and the lever changes
    as ``(month, {"group.name": value})`` in file order.

    Raises:
        ScenarioError: one line, ``file: key.path: problem``.
    """
    document, _ = _models()
    try:
        doc = document.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(_one_line(where, e, data)) from None
    overrides = _flatten(doc.params) if doc.params is not None else {}
    changes = [(c.month, _flatten(c, skip=CHANGE_KEYS)) for c in doc.changes]
    meta = {"name": doc.name, "description": doc.description,
            "description_zh": doc.description_zh, "extends": doc.extends}
    return meta, overrides, changes


def _flatten(model: BaseModel, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for group, values in model:
        if group in skip or values is None:
            continue
        for name, value in values:
            if value is not None:
                out[f"{group}.{name}"] = PARAMETERS[f"{group}.{name}"].kind(value)
    return out


def _one_line(where: str, error: ValidationError, data: dict[str, Any]) -> str:
    err = error.errors()[0]
    loc = [str(x) for x in err["loc"] if not str(x).startswith(("function-", "constrained-"))]
    # pydantic adds the member type of unions to the location (e.g. 'int', 'float'); drop it.
    while loc and loc[-1] in ("int", "float", "bool", "str", "list[Change]", "Change"):
        loc.pop()
    path = _format_path(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{where}: {path}: {_unknown(loc)}"
    if kind == "missing":
        return f"{where}: {path}: missing, allowed: {_allowed(loc)}"
    found = _lookup(data, loc)
    return f"{where}: {path}: found {_show_found(found)}, allowed: {_allowed(loc)}"


def _format_path(loc: list[str]) -> str:
    out = ""
    for part in loc:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _lookup(data: Any, loc: list[str]) -> Any:
    for part in loc:
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


def _show_found(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def _siblings(loc: list[str]) -> tuple[str, ...]:
    """The keys allowed beside the last element of ``loc``."""
    head = [x for x in loc[:-1] if not x.isdigit()]
    if not head:
        return TOP_KEYS
    if head == ["params"]:
        return GROUPS
    if head[0] == "params" and len(head) == 2:
        return tuple(p.name for p in PARAMETERS.values() if p.group == head[1])
    if head == ["changes"]:
        return CHANGE_KEYS + GROUPS
    if head[0] == "changes" and len(head) == 2:
        return tuple(p.name for p in PARAMETERS.values() if p.group == head[1] and p.lever)
    return ()


def _unknown(loc: list[str]) -> str:
    key = loc[-1]
    head = [x for x in loc[:-1] if not x.isdigit()]
    if head and head[0] == "changes" and len(head) == 2 and f"{head[1]}.{key}" in PARAMETERS:
        levers = ", ".join(p for p, d in PARAMETERS.items() if d.lever)
        return f"not a lever, it cannot change during a run; levers: {levers}"
    allowed = _siblings(loc)
    hint = difflib.get_close_matches(key, allowed, n=1)
    tip = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown key{tip}; allowed: {', '.join(allowed)}"


def _allowed(loc: list[str]) -> str:
    names = [x for x in loc if not x.isdigit()]
    if len(names) >= 3 and names[0] in ("params", "changes"):
        path = f"{names[-2]}.{names[-1]}"
        if path in PARAMETERS:
            return PARAMETERS[path].allowed()
    if names and names[-1] == "month":
        return f"an integer in [1, {MAX_MONTHS}]"
    if names and names[-1] == "changes":
        return "[[changes]] tables"
    if names and names[-1] in ("params",) + GROUPS:
        return "a table"
    return "a string"
