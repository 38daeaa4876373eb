"""Scenarios as rows of a table (CSV or Excel), for policy users who write
a set of scenarios in a spreadsheet.

Address a row as ``PATH#NAME``: ``sanshe run scenarios.xlsx#high_purchase``.
The table has a ``name`` column; optional ``description``, ``description_zh``
and ``extends`` columns; every other column is a parameter path such as
``purchase.budget_yuan``. An empty cell leaves the parameter at the value of
the scenario the row extends (or the default). A row is checked by the same
schema as a TOML file (:mod:`model.schema`), and an error names the file,
the row and the column.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from model.parameters import PARAMETERS

META_COLUMNS = ("name", "description", "description_zh", "extends")
TABLE_SUFFIXES = (".csv", ".xlsx")


class TableError(ValueError):
    """A mistake in a scenario table; the message is one line."""


def is_table_ref(ref: str) -> bool:
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
    for column, cell in row.items():
        if _empty(cell) or column == "name":
            continue
        if column in META_COLUMNS:
            doc[column] = str(cell).strip()
            continue
        if column not in PARAMETERS:
            raise TableError(f"{where}: column {column!r}: not a parameter path "
                             f"(group.name, see `sanshe params`)")
        group, name = column.split(".", 1)
        params.setdefault(group, {})[name] = _cell_value(cell, PARAMETERS[column].kind)
    if params:
        doc["params"] = params
    return path, where, doc


def _empty(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == ""


def _cell_value(cell: Any, kind: type) -> Any:
    """Turn a cell into the declared type where the text allows it; anything
    else is passed on as found, for the schema to reject with its message."""
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
