"""Indicators (DESIGN §6): functions of the model's state, recorded monthly.

Every indicator is declared once in :data:`INDICATORS`, the registry: its
name, unit, which direction is better (+1 higher, -1 lower, 0 neither), what
it means, and the functions that compute it for the district and, where it
has one, for each community. The recorder, the documentation, the
experiment files' checks, the labels, the report and the dashboard all read
it. District indicators come from arrays and community totals, never from a
per-resident collection: the functions read a :class:`MonthView`, which
computes each shared total of the month once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model import committees
from model.organizations import OrgStatus, social_worker_counts
from model.parameters import N_CATEGORIES
from model.purchasing import ProjectKind

if TYPE_CHECKING:
    from model.model import SansheModel

def gini(x: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 when all equal or all zero)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return 0.0
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum()))


def _ratio(num: np.ndarray, den: np.ndarray, empty: float = np.nan) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, empty), where=den > 0)


class MonthView:
    """This month's totals that several indicators share, each computed once on first use.

    Args:
        model: the district model at the end of the month.
        closed: (met, abandoned) needs by community for the last 12 months, this one last.
    """

    def __init__(self, model: SansheModel, closed: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.model, self.res, self.p = model, model.residents, model.params
        self.flow = model.flow
        self.n_comm = model.n_communities
        self.met_c, self.ab_c = closed[-1]
        self.met_12 = sum(m for m, _ in closed)
        self.closed_12 = self.met_12 + sum(a for _, a in closed)

    def per_comm(self, values: np.ndarray) -> np.ndarray:
        """Sum of a resident array by community."""
        return np.add.reduceat(values, self.res.community_start[:-1]).astype(float)

    @cached_property
    def met_v(self) -> np.ndarray:
        """Needs of vulnerable residents met this month, by community."""
        res = self.res
        met_res = self.flow.met // N_CATEGORIES
        return np.bincount(res.community[met_res], weights=res.vulnerable[met_res], minlength=self.n_comm)

    @cached_property
    def ab_v(self) -> np.ndarray:
        """Needs of vulnerable residents abandoned this month, by community."""
        res = self.res
        ab_res = self.flow.abandoned // N_CATEGORIES
        return np.bincount(res.community[ab_res], weights=res.vulnerable[ab_res], minlength=self.n_comm)

    @cached_property
    def age_sum_c(self) -> np.ndarray:
        """Summed months of wait of the open needs, by community."""
        res = self.res
        return np.bincount(res.community[res.need_resident], weights=res.need_age, minlength=self.n_comm)

    @cached_property
    def open_c(self) -> np.ndarray:
        """Open needs, by community."""
        return np.bincount(self.res.community[self.res.need_resident], minlength=self.n_comm)

    @cached_property
    def consult_c(self) -> np.ndarray:
        """Adults who attended a consultation in the last 12 months, by community."""
        res = self.res
        return self.per_comm((res.last_attended > self.model.month - 12) & res.adult)

    @cached_property
    def volunteers(self) -> np.ndarray:
        """Whether each resident volunteers this month."""
        return self.res.volunteer > 0

    @cached_property
    def vol_c(self) -> np.ndarray:
        """Volunteers, by community."""
        return self.per_comm(self.volunteers)

    @cached_property
    def hours(self) -> np.ndarray:
        """Committee and room hours, by community."""
        return committees.hours_total(self.model) + committees.room_hours(self.model)

    @cached_property
    def admin_hours(self) -> np.ndarray:
        """Committee and room hours spent on administration, by community."""
        t = self.model.committee_table
        return t.admin_hours + t.diverted_hours

    @cached_property
    def filled_c(self) -> np.ndarray:
        """Room posts filled, by community."""
        return committees.room_sizes(self.model)

    @cached_property
    def cert_c(self) -> np.ndarray:
        """Certified community workers and room social workers, by community."""
        w = self.model.social_worker_table
        rows = w.live_rows()
        rows = rows[w.in_room[rows]]
        return self.model.committee_table.certified + np.bincount(
            w.community[rows], weights=w.certified[rows], minlength=self.n_comm).astype(np.int64)

    @cached_property
    def workers_c(self) -> np.ndarray:
        """Community workers and room social workers, by community."""
        return self.model.committee_table.workers + self.filled_c

    @cached_property
    def orgs(self) -> np.ndarray:
        """Every registered organization's row of the organization table."""
        return self.model.organization_table.live_rows()

    @cached_property
    def active(self) -> np.ndarray:
        """The active organizations' rows."""
        return self.orgs[self.model.organization_table.status[self.orgs] == OrgStatus.ACTIVE]

    @cached_property
    def org_sw_gap(self) -> int:
        """Social workers the professional organizations lack for their staff."""
        t = self.model.organization_table
        rows = self.active[t.professional(self.active)]
        target = np.rint(t.staff[rows] * self.p.orgs.social_worker_share).astype(np.int64)
        return int(np.maximum(target - social_worker_counts(self.model)[rows], 0).sum())

    @cached_property
    def contract_rows(self) -> np.ndarray:
        """The running contracts' rows of the contract table."""
        return self.model.contract_table.live_rows()

    @cached_property
    def money(self) -> np.ndarray:
        """Contract money of each holder (organizations with none left out)."""
        c = self.model.contract_table
        rows = self.contract_rows
        money = np.bincount(c.org[rows], weights=c.value_yuan[rows], minlength=self.model.organization_table.n)
        return money[np.bincount(c.org[rows], minlength=money.size) > 0]

    @cached_property
    def concentration(self) -> tuple[float, float]:
        """Share of contract money of the top 10% of holders, and the Herfindahl index (NaN without contracts)."""
        shares = np.sort(self.money)[::-1]
        if not shares.size:
            return np.nan, np.nan
        shares = shares / shares.sum()
        top = shares[: max(int(np.ceil(0.1 * shares.size)), 1)].sum()
        return float(top), float((shares**2).sum())

    @cached_property
    def contracts_c(self) -> np.ndarray:
        """Purchase contracts, by the community of their project."""
        c = self.model.contract_table
        return np.bincount(c.community[self.contract_rows], minlength=self.n_comm).astype(float)

    @cached_property
    def spent_c(self) -> np.ndarray:
        """Monthly value of the purchase contracts, by the community of their project."""
        c = self.model.contract_table
        rows = self.contract_rows
        return np.bincount(c.community[rows], weights=c.value_yuan[rows] / 12.0, minlength=self.n_comm).astype(float)

    @cached_property
    def project_kinds(self) -> np.ndarray:
        """This year's projects, by kind (common, individual)."""
        t = self.model.project_table
        return np.bincount(t.kind[t.live_rows()], minlength=2)

    @cached_property
    def n_adults(self) -> float:
        """Adults in the district (resident rows)."""
        return self.model.adults_per_community.sum()

    @cached_property
    def room_caseloads(self) -> np.ndarray:
        """Room social workers' caseloads, by committee and, within a room, in the order they joined."""
        w = self.model.social_worker_table
        rows = w.live_rows()
        rows = rows[w.in_room[rows]]
        return w.caseload[rows[np.argsort(w.community[rows], kind="stable")]]


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


def _coverage(v: MonthView) -> float:
    met, ab = v.met_c.sum(), v.ab_c.sum()
    return float(_ratio(met, met + ab))


def _coverage_vulnerable(v: MonthView) -> float:
    met, ab = v.met_v.sum(), v.ab_v.sum()
    return float(_ratio(met, met + ab))


def _cost_per_need_met(v: MonthView) -> float:
    return float(_ratio(v.flow.purchase_spent_yuan, v.flow.met_by_contracts_people))


_REGISTRY = [
    Indicator("need_coverage", "share", +1, "needs met over needs closed (met or abandoned) this month",
              _coverage, lambda v: _ratio(v.met_c, v.met_c + v.ab_c)),
    Indicator("coverage_vulnerable", "share", +1, "the same for vulnerable residents",
              _coverage_vulnerable, lambda v: _ratio(v.met_v, v.met_v + v.ab_v)),
    Indicator("unmet_wait_months", "months", -1, "mean wait of needs still open",
              lambda v: float(_ratio(v.age_sum_c.sum(), v.open_c.sum(), 0.0)),
              lambda v: _ratio(v.age_sum_c, v.open_c, 0.0)),
    Indicator("satisfaction", "score in [0, 1]", +1, "mean resident satisfaction",
              lambda v: float(v.res.satisfaction.mean()),
              lambda v: v.per_comm(v.res.satisfaction) / v.model.rows_per_community),
    Indicator("trust_committee", "score in [0, 1]", +1, "mean trust in the residents' committee",
              lambda v: float(v.res.trust_committee.mean()),
              lambda v: v.per_comm(v.res.trust_committee) / v.model.rows_per_community),
    Indicator("trust_government", "score in [0, 1]", +1, "mean trust in the street and district government",
              lambda v: float(v.res.trust_government.mean()),
              lambda v: v.per_comm(v.res.trust_government) / v.model.rows_per_community),
    Indicator("consultation_rate", "share", +1, "adults who attended a consultation in the last 12 months (P2)",
              lambda v: float(v.consult_c.sum() / v.n_adults),
              lambda v: v.consult_c / np.maximum(v.model.adults_per_community, 1)),
    Indicator("volunteer_rate", "share", +1, "adults volunteering this month (P2)",
              lambda v: float(v.vol_c.sum() / v.n_adults),
              lambda v: v.vol_c / np.maximum(v.model.adults_per_community, 1)),
    Indicator("grassroots_volunteer_share", "share", 0,
              "volunteers recruited by social workers rather than the committee",
              lambda v: float(_ratio((v.res.volunteer == 2).sum(), v.volunteers.sum(), 0.0))),
    Indicator("volunteer_hours_per_capita", "hours per resident per month", +1, "volunteer hours",
              lambda v: float(v.volunteers.sum() * v.p.volunteer.hours_month / v.res.n)),
    Indicator("committee_admin_share", "share", -1, "committee and room hours spent on administration (P1)",
              lambda v: float(v.admin_hours.sum() / v.hours.sum()),
              lambda v: committees.admin_share(v.model)),
    Indicator("street_centre_wait_months", "months", -1, "backlog of stripped matters at street centres (F2)",
              lambda v: float(np.mean([s.wait_months for s in v.model.street_centres]))),
    Indicator("org_count", "organizations", 0, "registered organizations, active and dormant (F3)",
              lambda v: len(v.orgs),
              lambda v: np.bincount(v.model.organization_table.home[v.orgs], minlength=v.n_comm), integer=True),
    Indicator("org_active", "organizations", 0, "organizations with staff", lambda v: len(v.active)),
    Indicator("orgs_per_10k", "per 10,000 residents", 0, "registered organizations per 10,000 residents (F5)",
              lambda v: len(v.orgs) / (v.p.population.residents_total / 10_000)),
    Indicator("org_staff", "people", 0, "staff of active organizations (F4)",
              lambda v: int(v.model.organization_table.staff[v.active].sum())),
    Indicator("contract_holders", "organizations", 0, "organizations holding purchase contracts (F6)",
              lambda v: v.money.size),
    Indicator("contract_top10_share", "share", -1, "contract money held by the top 10% of holders (P3)",
              lambda v: v.concentration[0]),
    Indicator("contract_hhi", "index in [0, 1]", -1, "Herfindahl index of contract money across holders (P3)",
              lambda v: v.concentration[1]),
    Indicator("projects_common", "projects", 0, "common projects this year (F11)",
              lambda v: int(v.project_kinds[ProjectKind.COMMON])),
    Indicator("projects_individual", "projects", 0, "individual projects this year (F11)",
              lambda v: int(v.project_kinds[ProjectKind.INDIVIDUAL])),
    Indicator("contracts", "contracts", 0, "purchase contracts for the community's projects this year (F6, F11)",
              None, lambda v: v.contracts_c, integer=True),
    Indicator("certified_share", "share", +1,
              "community workers and room social workers holding the qualification (F10)",
              lambda v: float(v.cert_c.sum() / v.workers_c.sum()), lambda v: _ratio(v.cert_c, v.workers_c)),
    Indicator("certified_workers", "people", +1, "certified community workers and room social workers (F10)",
              lambda v: int(v.cert_c.sum())),
    Indicator("room_posts_filled", "posts", +1, "social-work-room posts filled (F12)",
              lambda v: int(v.filled_c.sum()), lambda v: v.filled_c, integer=True),
    Indicator("social_worker_vacancies", "posts", -1,
              "vacant room posts plus organizations' social-worker gaps (P4; in a community: its room's)",
              lambda v: int(max(v.p.social_work.posts_per_community * v.n_comm - v.filled_c.sum(), 0)
                            + v.org_sw_gap),
              lambda v: np.maximum(v.p.social_work.posts_per_community - v.filled_c, 0), integer=True),
    Indicator("social_worker_caseload", "needs per room worker per month", 0, "room casework load (P4)",
              lambda v: float(np.mean(v.room_caseloads)) if v.room_caseloads.size else 0.0),
    Indicator("purchase_spent_yuan", "yuan per month", 0,
              "purchase contract money paid this month (F7; in a community: its contracts' monthly value)",
              lambda v: v.flow.purchase_spent_yuan, lambda v: v.spent_c),
    Indicator("cost_per_need_met_yuan", "yuan", -1, "purchase money per need met through contracts",
              _cost_per_need_met),
    Indicator("coverage_gini", "Gini in [0, 1]", -1,
              "inequality across communities of need coverage over the last 12 months",
              lambda v: gini(_ratio(v.met_12, v.closed_12)[v.closed_12 > 0])),
    Indicator("org_births", "organizations", 0, "founded in this month's yearly cycle (0 in other months)",
              lambda v: v.flow.births),
    Indicator("org_closures", "organizations", 0,
              "staffed organizations that closed in this month's yearly cycle (exit hazard)",
              lambda v: v.flow.closed),
    Indicator("orgs_revoked", "organizations", 0,
              "dormant organizations revoked by annual inspection in this month's yearly cycle",
              lambda v: v.flow.revoked),
    Indicator("orgs_cleaned_up", "organizations", 0,
              "removed by the one-off clean-up campaign in this month's yearly cycle (F9)",
              lambda v: v.flow.cleaned_up),
    Indicator("orgs_deregistered", "organizations", 0, "of those, trade associations that deregistered (F9)",
              lambda v: v.flow.deregistered),
    Indicator("committee_tasks", "items", -1, "items on the committees' list, with creep (F1)",
              lambda v: v.p.admin.committee_tasks * v.model.task_creep_factor),
    Indicator("meetings", "meetings", +1, "consultation meetings the committee held this month (F17)",
              None, lambda v: v.model.committee_table.meetings.copy()),
]

INDICATORS: dict[str, Indicator] = {ind.name: ind for ind in _REGISTRY}
"""Every indicator, in the order of the result files' columns."""

DISTRICT_INDICATORS: dict[str, tuple[str, int, str]] = {
    ind.name: (ind.unit, ind.better, ind.meaning) for ind in _REGISTRY if ind.district is not None}
"""The district indicators: unit, better direction and meaning (read from the registry)."""

COMMUNITY_INDICATORS: tuple[str, ...] = tuple(ind.name for ind in _REGISTRY if ind.community is not None)
"""The community indicators, in the community panel's column order (read from the registry)."""


class Recorder:
    """Collects one row of district indicators and one row per community each month.

    Args:
        model: the district model; not read until :meth:`record`, which is passed it.
    """

    def __init__(self, model: SansheModel) -> None:
        self.district: list[dict[str, float]] = []
        self.community: list[np.ndarray] = []
        self.months: list[int] = []
        self._closed: list[tuple[np.ndarray, np.ndarray]] = []  # (met, abandoned) by community, last 12 months

    def record(self, model: SansheModel) -> None:
        """Append this month's district row and community rows (the last act of each step).

        In the spin-up only the 12-month history that month 1's indicators need is kept.
        """
        res, n_comm = model.residents, model.n_communities
        met_c = np.bincount(res.community[model.flow.met // N_CATEGORIES], minlength=n_comm)
        ab_c = np.bincount(res.community[model.flow.abandoned // N_CATEGORIES], minlength=n_comm)
        self._closed = (self._closed + [(met_c, ab_c)])[-12:]
        if model.month < 1:
            return
        view = MonthView(model, self._closed)
        row: dict[str, float] = {"month": model.month}
        for ind in _REGISTRY:
            if ind.district is not None:
                row[ind.name] = ind.district(view)
        self.district.append(row)
        self.months.append(model.month)
        self.community.append(np.column_stack([ind.community(view) for ind in _REGISTRY
                                               if ind.community is not None]))

    def district_frame(self) -> pd.DataFrame:
        """The district indicators, one row per recorded month."""
        return pd.DataFrame(self.district)

    def community_frame(self, model: SansheModel) -> pd.DataFrame:
        """The community panel: one row per recorded month and community, with its street."""
        n_comm = model.n_communities
        data = np.concatenate(self.community) if self.community else np.zeros((0, len(COMMUNITY_INDICATORS)))
        frame = pd.DataFrame(data, columns=list(COMMUNITY_INDICATORS))
        frame.insert(0, "street", np.tile(model.street_of, len(self.months)))
        frame.insert(0, "community", np.tile(np.arange(n_comm), len(self.months)))
        frame.insert(0, "month", np.repeat(self.months, n_comm))
        for name in COMMUNITY_INDICATORS:
            if INDICATORS[name].integer:
                frame[name] = frame[name].astype(np.int64)
        return frame
