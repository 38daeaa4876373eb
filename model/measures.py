"""What indicators are made of: the :class:`Indicator` declaration and the month's shared totals.

Each mechanism declares the indicators it defines (a list ``INDICATORS`` in
its module) with :class:`Indicator`; :mod:`model.indicators` collects them
into the registry and records them. An indicator's functions read a
:class:`MonthView`, which computes each total several indicators share
once; a mechanism keeps its own shared totals with :meth:`MonthView.once`.
This module imports no mechanism.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np


def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 when all equal or all zero)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def ratio(num: np.ndarray, den: np.ndarray, empty: float = np.nan) -> np.ndarray:
    """``num / den`` elementwise, ``empty`` where ``den`` is not positive."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, empty), where=den > 0)


class MonthView:
    """This month's totals that several indicators share, each computed once on first use.

    Args:
        model: the district model at the end of the month.
        closed: (met, abandoned) needs by community for the last 12 months, this one last.
    """

    def __init__(self, model: mesa.Model, closed: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.model, self.res, self.p = model, model.residents, model.params
        self.flow = model.flow
        self.n_comm = model.n_communities
        self.met_c, self.ab_c = closed[-1]
        self.met_12 = sum(m for m, _ in closed)
        self.closed_12 = self.met_12 + sum(a for _, a in closed)
        self._kept: dict = {}

    def per_comm(self, values: np.ndarray) -> np.ndarray:
        """Sum of a resident array by community."""
        return np.add.reduceat(values, self.res.community_start[:-1]).astype(float)

    def once(self, total: Callable[[MonthView], Any]) -> Any:
        """``total(self)``, computed on the first call of this month and kept for the others."""
        try:
            return self._kept[total]
        except KeyError:
            value = self._kept[total] = total(self)
            return value


@dataclass(frozen=True)
class Indicator:
    """One indicator: its declaration and how it is computed.

    Attributes:
        name: the column name in every result file.
        unit: its unit (``share`` for a value in [0, 1]).
        better: +1 if higher is better, -1 if lower is, 0 if neither.
        meaning: what it measures, in one phrase (with the report's figure or problem it speaks to).
        district: its district value this month, from a :class:`MonthView`; None for a community-only one.
        community: its value in each community this month; None for a district-only one.
        integer: whether its community values are counts.
    """

    name: str
    unit: str
    better: int
    meaning: str
    district: Callable[[MonthView], float] | None
    community: Callable[[MonthView], np.ndarray] | None = None
    integer: bool = False
