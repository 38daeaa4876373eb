"""Struct-of-arrays tables of institutions: one row per organization, social worker or contract.

A :class:`RowTable` holds one numpy column per attribute. Rows are appended
as members arrive and marked dead when they leave; the live rows keep the
order of arrival, and compaction keeps it.
Each row may have a Mesa agent viewing it (``agents``), which is told its new
row when the table is compacted.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from model import kernels

_START_ROWS = 64


class RowTable:
    """A growable table of numpy columns with live and dead rows.

    Subclasses declare ``COLUMNS``: each column's name, dtype and the value of
    an empty row. Every table also has ``alive`` (whether the row holds a
    member), ``agents`` (the view of each row, or None) and ``n`` (rows in use).
    """

    COLUMNS: ClassVar[dict[str, tuple[Any, Any]]] = {}

    def __init__(self) -> None:
        self.alive = np.zeros(_START_ROWS, bool)
        for name, (dtype, empty) in self.COLUMNS.items():
            setattr(self, name, np.full(_START_ROWS, empty, dtype))
        self.agents: list = []
        self.n = 0
        self._live: np.ndarray | None = None  # live_rows(), kept until a row is added or dies

    def _names(self) -> tuple[str, ...]:
        return ("alive", *self.COLUMNS)

    def _empty(self, name: str):
        return False if name == "alive" else self.COLUMNS[name][1]

    def _rebuild(self, keep: slice | np.ndarray, size: int) -> None:
        """Every column anew with ``size`` rows: the rows ``keep`` first, empty values after them."""
        for name in self._names():
            kept = getattr(self, name)[keep]
            column = np.full(size, self._empty(name), kept.dtype)
            column[: kept.size] = kept
            setattr(self, name, column)

    def add(self, agent=None, **values) -> int:
        """Append a live row with ``values`` (other columns take their empty value); return its row.

        Rows beyond ``n`` always hold the empty values (growing, compacting and
        clearing fill them so), so only the given columns are written.
        """
        if self.n == self.alive.size:
            self._rebuild(slice(None), 2 * self.alive.size)
        unknown = values.keys() - self.COLUMNS.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no column {sorted(unknown)[0]!r}")
        row = self.n
        self.alive[row] = True
        for name, value in values.items():
            getattr(self, name)[row] = value
        self.agents.append(agent)
        self.n += 1
        self._live = None
        return row

    def add_many(self, count: int, **values) -> np.ndarray:
        """Append ``count`` live rows at once (``values``: a column's value for each, or one for all); return them.

        The rows are those ``count`` calls of :meth:`add` would give, in order;
        their agents are None until the caller sets ``agents[row]``.
        """
        unknown = values.keys() - self.COLUMNS.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no column {sorted(unknown)[0]!r}")
        size = self.alive.size
        while self.n + count > size:
            size *= 2
        if size > self.alive.size:
            self._rebuild(slice(None), size)
        rows = np.arange(self.n, self.n + count)
        self.alive[rows] = True
        for name, value in values.items():
            getattr(self, name)[rows] = value
        self.agents.extend([None] * count)
        self.n += count
        self._live = None
        return rows

    def kill(self, row: int | np.ndarray) -> None:
        """Mark rows dead (their members left)."""
        self.alive[row] = False
        for r in np.atleast_1d(row):
            self.agents[int(r)] = None
        self._live = None

    def live_rows(self) -> np.ndarray:
        """The rows in use, in the order their members arrived (read-only: it is kept between changes)."""
        if self._live is None:
            self._live = np.flatnonzero(self.alive[: self.n])
            self._live.flags.writeable = False
        return self._live

    def mostly_dead(self) -> bool:
        """Whether more than half of the rows in use are dead (time to compact)."""
        return self.n > _START_ROWS and 2 * int(np.count_nonzero(self.alive[: self.n])) < self.n

    def compact(self) -> np.ndarray:
        """Drop the dead rows, keeping the live ones in order, and tell each agent its new row.

        Returns the new row of every old row (-1 for a dead one), for the columns
        of other tables that point into this one.
        """
        live = self.live_rows()
        new_row = np.full(self.n, -1, np.int64)
        new_row[live] = np.arange(live.size)
        self._rebuild(live, max(_START_ROWS, 2 * live.size))
        self.agents = [self.agents[r] for r in live]
        for row, agent in enumerate(self.agents):
            if agent is not None:
                agent.row = row
        self.n = live.size
        self._live = None
        return new_row

    def clear(self) -> None:
        """Remove every row."""
        for name in self.COLUMNS:
            getattr(self, name)[:] = self._empty(name)
        self.alive[:] = False
        self.agents = []
        self.n = 0
        self._live = None


def reserve_ids(model, count: int) -> np.ndarray:
    """Mesa ``unique_id``s for ``count`` new members, taken from the model's counter as registering them would.

    A member whose view is made later (:meth:`model.social_work.SocialWorkerTable.view`)
    gets the id it would have had if its agent had been registered when it
    arrived, so ids, and those of every agent registered after it, do not
    depend on which views a reader asked for.
    """
    start = model.agent_id_counter
    model.agent_id_counter += count
    return np.arange(start, start + count, dtype=np.int64)


def occurrence(keys: np.ndarray) -> np.ndarray:
    """For each element of ``keys`` (integers not below 0), how many earlier elements have the same key."""
    keys = np.asarray(keys, np.int64)
    return kernels.occurrence(keys, int(keys.max()) + 1 if keys.size else 0)


def column_view(table: str, index: str, name: str, doc: str, kind: type | None = None) -> property:
    """An agent attribute that is element ``agent.<index>`` of ``model.<table>.<name>``.

    Reading gives a Python number (or ``kind`` of it, an enum say; for a row of
    a 2-D column, a view of the row); setting writes the element.
    """
    def get(self):
        value = getattr(getattr(self.model, table), name)[getattr(self, index)]
        if value.ndim:
            return value
        return kind(value.item()) if kind is not None else value.item()

    def put(self, value) -> None:
        getattr(getattr(self.model, table), name)[getattr(self, index)] = value

    return property(get, put, doc=doc)
