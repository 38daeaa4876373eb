"""Scenarios as rows of a table (CSV or Excel).

For policy users who write a set of scenarios in a spreadsheet.

Address a row as ``PATH#NAME``: ``sanshe run scenarios.xlsx#high_purchase``.
The table has a ``name`` column; optional ``description``, ``description_zh``
and ``extends`` columns; every other column is a parameter path such as
``purchase.budget_yuan``, or a lever path with a month, such as
``purchase.budget_yuan@25``, for a dated change (the row's ``[[changes]]``).
An empty cell leaves the parameter at the value of the scenario the row
extends (or the default). Values follow the one rule for dated levers of
:mod:`model.scenario`: a value in a plain column for a lever that the
extended scenario changes at a month goes into that change. A row is
checked by the same schema as a TOML file (:mod:`model.scenario`), and an
error names the file, the row and the column.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from model.parameters import MAX_MONTHS, PARAMETERS

META_COLUMNS = ("name", "description", "description_zh", "extends")
TABLE_SUFFIXES = (".csv", ".xlsx")


class TableError(ValueError):
    """A mistake in a scenario table; the message is one line."""


def is_table_ref(ref: str) -> bool:
    """Whether ``ref`` points into a table: its path (before any ``#``) ends in .csv or .xlsx."""
    path = ref.split("#", 1)[0]
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def read_table(path: Path) -> pd.DataFrame:
    """Read a scenario table; every cell as text or number, no index."""
    where = str(path)
    if not path.is_file():
        raise TableError(f"{where}: no such file")
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=object, keep_default_na=False)
        else:
            frame = pd.read_excel(path, dtype=object)
    except Exception as e:  # the readers raise many kinds for a broken file
        raise TableError(f"{where}: cannot read the table: {e}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if "name" not in frame.columns:
        raise TableError(f"{where}: no 'name' column; columns: {', '.join(frame.columns)}")
    return frame


def row_document(ref: str) -> tuple[Path, str, dict[str, Any]]:
    """The scenario document of row ``NAME`` of table ``PATH`` (``PATH#NAME``).

    Returns the table's path, the place to name in messages
    (``file#row``) and a document shaped like a parsed TOML scenario.
    """
    if "#" not in ref:
        raise TableError(f"{ref}: name a row as {ref}#ROW_NAME")
    path_str, row_name = ref.split("#", 1)
    path = Path(path_str)
    frame = read_table(path)
    names = [str(n).strip() for n in frame["name"]]
    if row_name not in names:
        raise TableError(f"{path}: no row named {row_name!r}; rows: {', '.join(names)}")
    if names.count(row_name) > 1:
        raise TableError(f"{path}: more than one row named {row_name!r}")
    row = frame.iloc[names.index(row_name)]
    where = f"{path}#{row_name}"
    doc: dict[str, Any] = {"name": row_name}
    params: dict[str, dict[str, Any]] = {}
    dated: dict[int, dict[str, dict[str, Any]]] = {}
    for column, cell in row.items():
        if _empty(cell) or column == "name":
            continue
        if column in META_COLUMNS:
            doc[column] = str(cell).strip()
            continue
        param, month = _column(where, column)
        group, name = param.split(".", 1)
        value = _cell_value(cell, PARAMETERS[param].kind)
        if month is None:
            params.setdefault(group, {})[name] = value
            continue
        try:
            value = PARAMETERS[param].check(value)
        except ValueError as e:
            raise TableError(f"{where}: column {column!r}: {e}") from None
        dated.setdefault(month, {}).setdefault(group, {})[name] = value
    if params:
        doc["params"] = params
    if dated:
        doc["changes"] = [{"month": month, **groups} for month, groups in sorted(dated.items())]
    return path, where, doc


def _column(where: str, column: str) -> tuple[str, int | None]:
    """A column's parameter path and, for a dated column ``path@MONTH``, its month."""
    path, _, month = column.partition("@")
    path = path.strip()
    if path not in PARAMETERS:
        raise TableError(f"{where}: column {column!r}: not a parameter path "
                         f"(group.name or group.name@MONTH for a lever, see `sanshe params`)")
    if not _:
        return path, None
    if not PARAMETERS[path].lever:
        levers = ", ".join(p for p, d in PARAMETERS.items() if d.lever)
        raise TableError(f"{where}: column {column!r}: {path} is not a lever, it cannot change during "
                         f"a run; levers: {levers}")
    month = month.strip()
    if not month.isdigit() or not 1 <= int(month) <= MAX_MONTHS:
        raise TableError(f"{where}: column {column!r}: found month {month!r}, allowed: "
                         f"{path}@MONTH with MONTH an integer in [1, {MAX_MONTHS}]")
    return path, int(month)


def _empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""


def _cell_value(cell: Any, kind: type) -> Any:
    """Turn a cell into the declared type where the text allows it.

    Anything else is passed on as found, for the schema to reject with its message.
    """
    text = str(cell).strip()
    if kind is bool:
        if isinstance(cell, bool):
            return cell
        return {"true": True, "false": False}.get(text.lower(), text)
    if isinstance(cell, bool):
        return cell
    try:
        number = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        return text
    if kind is int:
        return int(number) if number.is_integer() else number
    return number
