"""Indicators (DESIGN §6): the registry of every indicator, and the recorder.

Each mechanism declares the indicators it defines (``INDICATORS`` in its
module, with :class:`~model.measures.Indicator`: name, unit, which direction
is better, what it means, and the functions that compute it for the district
and, where it has one, for each community). This registry collects them, in
the order of the result files' columns; the recorder, the documentation, the
experiment files' checks, the labels, the report and the dashboard all read
it. District indicators come from arrays and community totals, never from a
per-resident collection: the functions read a :class:`~model.measures.MonthView`.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from model import administration, organizations, participation, purchasing, services, social_work, trust
from model.measures import Indicator, MonthView
from model.parameters import N_CATEGORIES

_REGISTRY: list[Indicator] = [*services.INDICATORS, *trust.INDICATORS, *participation.INDICATORS,
                              *administration.INDICATORS, *organizations.INDICATORS, *purchasing.INDICATORS,
                              *social_work.INDICATORS]

INDICATORS: dict[str, Indicator] = {ind.name: ind for ind in _REGISTRY}
"""Every indicator, in the order of the result files' columns."""

DISTRICT_INDICATORS: dict[str, tuple[str, int, str]] = {
    ind.name: (ind.unit, ind.better, ind.meaning) for ind in _REGISTRY if ind.district is not None}
"""The district indicators: unit, better direction and meaning (read from the registry)."""

COMMUNITY_INDICATORS: tuple[str, ...] = tuple(ind.name for ind in _REGISTRY if ind.community is not None)
"""The community indicators, in the community panel's column order (read from the registry)."""


class Recorder:
    """Collects one row of district indicators and one row per community each month.

    By default every month from month 1 is recorded. A caller that needs
    fewer months (an experiment that keeps only the last month, or no
    community panel) says so with :attr:`district_from` and
    :attr:`communities_from`, and the indicators of the other months are not
    computed at all; the 12-month history that some indicators read is kept
    every month, so a month's values never depend on which months are recorded.

    A caller that keeps only some district indicators names them in
    :attr:`indicators`, and the others are not computed (a row then holds
    ``month`` and those, in the registry's order).

    Attributes:
        district_from: first month whose district row is recorded.
        communities_from: first month whose community rows are recorded; None for none.
        indicators: the district indicators recorded; None for all.

    Args:
        model: the district model; not read until :meth:`record`, which is passed it.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.district: list[dict[str, float]] = []
        self.community: list[np.ndarray] = []
        self.months: list[int] = []
        self.community_months: list[int] = []
        self.district_from = 1
        self.communities_from: int | None = 1
        self.indicators: tuple[str, ...] | None = None
        self._closed: list[tuple[np.ndarray, np.ndarray]] = []  # (met, abandoned) by community, last 12 months

    def record(self, model: mesa.Model) -> None:
        """Append this month's district row and community rows (the last act of each step).

        In the spin-up only the 12-month history that month 1's indicators need is kept.
        """
        res, n_comm = model.residents, model.n_communities
        met_c, ab_c, _, _ = model.flow.closed_by_community(res.community, res.vulnerable, n_comm, N_CATEGORIES)
        self._closed = (self._closed + [(met_c, ab_c)])[-12:]
        district = model.month >= max(self.district_from, 1)
        communities = self.communities_from is not None and model.month >= max(self.communities_from, 1)
        if not (district or communities):
            return
        view = MonthView(model, self._closed)
        if district:
            row: dict[str, float] = {"month": model.month}
            for ind in _REGISTRY:
                if ind.district is not None and (self.indicators is None or ind.name in self.indicators):
                    row[ind.name] = ind.district(view)
            self.district.append(row)
            self.months.append(model.month)
        if communities:
            self.community.append(np.column_stack([ind.community(view) for ind in _REGISTRY
                                                   if ind.community is not None]))
            self.community_months.append(model.month)

    def district_frame(self) -> pd.DataFrame:
        """The district indicators, one row per recorded month."""
        return pd.DataFrame(self.district)

    def community_frame(self, model: mesa.Model) -> pd.DataFrame:
        """The community panel: one row per recorded month and community, with its street."""
        n_comm = model.n_communities
        data = np.concatenate(self.community) if self.community else np.zeros((0, len(COMMUNITY_INDICATORS)))
        frame = pd.DataFrame(data, columns=list(COMMUNITY_INDICATORS))
        frame.insert(0, "street", np.tile(model.street_of, len(self.community_months)))
        frame.insert(0, "community", np.tile(np.arange(n_comm), len(self.community_months)))
        frame.insert(0, "month", np.repeat(self.community_months, n_comm))
        for name in COMMUNITY_INDICATORS:
            if INDICATORS[name].integer:
                frame[name] = frame[name].astype(np.int64)
        return frame
