"""The scenario schema, built with pydantic from the parameter declaration.

:func:`validate_scenario` checks a parsed scenario document (from TOML or a
table row) against pydantic models generated from
:data:`model.parameters.PARAMETERS`: one model per parameter group whose
fields are the parameters' own validators (:attr:`~model.parameters.Param.annotation`,
the one :meth:`~model.parameters.Param.check` uses), unknown keys forbidden, and for lever changes
only the parameters declared as levers. A failure becomes one line naming
the file, the key path, what was found and what is allowed, with a "did you
mean" suggestion for a misspelt key.
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, create_model

from model.parameters import GROUPS, MAX_MONTHS, PARAMETERS

TOP_KEYS = ("name", "description", "description_zh", "extends", "params", "changes")
CHANGE_KEYS = ("month", "note")


class SchemaError(ValueError):
    """A document that does not fit the schema; the message is one line."""


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
        SchemaError: one line, ``file: key.path: problem``.
    """
    document, _ = _models()
    try:
        doc = document.model_validate(data)
    except ValidationError as e:
        raise SchemaError(_one_line(where, e, data)) from None
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
    return f"{where}: {path}: found {_show(found)}, allowed: {_allowed(loc)}"


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


def _show(value: Any) -> str:
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
