"""Indicators (DESIGN §6): functions of the model's state, recorded monthly.

District indicators come from arrays and community totals, never from a
per-resident collection. :data:`DISTRICT_INDICATORS` and
:data:`COMMUNITY_INDICATORS` give each indicator's unit and which direction
is better (+1 higher, -1 lower, 0 neither).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.agents import PROFESSIONAL_TYPES, OrgStatus
from model.parameters import N_CATEGORIES

if TYPE_CHECKING:
    from model.model import SansheModel

DISTRICT_INDICATORS: dict[str, tuple[str, int, str]] = {
    "need_coverage": ("share", +1, "needs met over needs closed (met or abandoned) this month"),
    "coverage_vulnerable": ("share", +1, "the same for vulnerable residents"),
    "unmet_wait_months": ("months", -1, "mean wait of needs still open"),
    "satisfaction": ("score in [0, 1]", +1, "mean resident satisfaction"),
    "trust_committee": ("score in [0, 1]", +1, "mean trust in the residents' committee"),
    "trust_government": ("score in [0, 1]", +1, "mean trust in the street and district government"),
    "consultation_rate": ("share", +1, "adults who attended a consultation in the last 12 months (P2)"),
    "volunteer_rate": ("share", +1, "adults volunteering this month (P2)"),
    "grassroots_volunteer_share": ("share", 0, "volunteers recruited by social workers rather than the committee"),
    "volunteer_hours_per_capita": ("hours per resident per month", +1, "volunteer hours"),
    "committee_admin_share": ("share", -1, "committee and room hours spent on administration (P1)"),
    "street_centre_wait_months": ("months", -1, "backlog of stripped matters at street centres (F2)"),
    "org_count": ("organizations", 0, "registered organizations, active and dormant (F3)"),
    "org_active": ("organizations", 0, "organizations with staff"),
    "orgs_per_10k": ("per 10,000 residents", 0, "registered organizations per 10,000 residents (F5)"),
    "org_staff": ("people", 0, "staff of active organizations (F4)"),
    "contract_holders": ("organizations", 0, "organizations holding purchase contracts (F6)"),
    "contract_top10_share": ("share", -1, "contract money held by the top 10% of holders (P3)"),
    "contract_hhi": ("index in [0, 1]", -1, "Herfindahl index of contract money across holders (P3)"),
    "projects_common": ("projects", 0, "common projects this year (F11)"),
    "projects_individual": ("projects", 0, "individual projects this year (F11)"),
    "certified_share": ("share", +1, "community workers and room social workers holding the qualification (F10)"),
    "certified_workers": ("people", +1, "certified community workers and room social workers (F10)"),
    "room_posts_filled": ("posts", +1, "social-work-room posts filled (F12)"),
    "social_worker_vacancies": ("posts", -1, "vacant room posts plus organizations' social-worker gaps (P4)"),
    "social_worker_caseload": ("needs per room worker per month", 0, "room casework load (P4)"),
    "purchase_spent_yuan": ("yuan per month", 0, "purchase contract money paid this month (F7)"),
    "cost_per_need_met_yuan": ("yuan", -1, "purchase money per need met through contracts"),
    "coverage_gini": ("Gini in [0, 1]", -1,
                      "inequality across communities of need coverage over the last 12 months"),
    "org_births": ("organizations", 0, "founded in this month's yearly cycle (0 in other months)"),
    "org_closures": ("organizations", 0,
                     "staffed organizations that closed in this month's yearly cycle (exit hazard)"),
    "orgs_revoked": ("organizations", 0,
                     "dormant organizations revoked by annual inspection in this month's yearly cycle"),
    "orgs_cleaned_up": ("organizations", 0,
                        "removed by the one-off clean-up campaign in this month's yearly cycle (F9)"),
    "orgs_deregistered": ("organizations", 0, "of those, trade associations that deregistered (F9)"),
    "committee_tasks": ("items", -1, "items on the committees' list, with creep (F1)"),
}

COMMUNITY_INDICATORS: tuple[str, ...] = (
    "need_coverage", "coverage_vulnerable", "unmet_wait_months", "satisfaction",
    "trust_committee", "trust_government", "consultation_rate", "volunteer_rate",
    "committee_admin_share", "org_count", "contracts", "room_posts_filled",
    "social_worker_vacancies", "certified_share", "purchase_spent_yuan", "meetings",
)


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
        """Append this month's district row and community rows (the last act of each step)."""
        res, p = model.residents, model.params
        n_comm, K = model.n_communities, N_CATEGORIES
        start = res.community_start[:-1]
        rows = model.rows_per_community
        flow = model.flow

        def per_comm(values: np.ndarray) -> np.ndarray:
            return np.add.reduceat(values, start).astype(float)

        met_keys, ab_keys = flow.met, flow.abandoned
        met_res, ab_res = met_keys // K, ab_keys // K
        met_c = np.bincount(res.community[met_res], minlength=n_comm)
        ab_c = np.bincount(res.community[ab_res], minlength=n_comm)
        self._closed = (self._closed + [(met_c, ab_c)])[-12:]
        if model.month < 1:  # the spin-up: only the 12-month history the indicators of month 1 need
            return
        met_v = np.bincount(res.community[met_res], weights=res.vulnerable[met_res], minlength=n_comm)
        ab_v = np.bincount(res.community[ab_res], weights=res.vulnerable[ab_res], minlength=n_comm)
        coverage_c = _ratio(met_c, met_c + ab_c)
        met_12 = sum(m for m, _ in self._closed)
        closed_12 = met_12 + sum(a for _, a in self._closed)
        coverage_v_c = _ratio(met_v, met_v + ab_v)
        age_sum_c = np.bincount(res.community[res.need_resident], weights=res.need_age, minlength=n_comm)
        open_c = np.bincount(res.community[res.need_resident], minlength=n_comm)

        adults_c = model.adults_per_community
        recent = (res.last_attended > model.month - 12) & res.adult
        consult_c = per_comm(recent)
        vol = res.volunteer > 0
        vol_c = per_comm(vol)
        sat_c = per_comm(res.satisfaction) / rows
        trc_c = per_comm(res.trust_committee) / rows
        trg_c = per_comm(res.trust_government) / rows

        coms = model.committees
        admin_c = np.array([c.admin_share for c in coms])
        hours = np.array([c.hours_total + c.room_hours for c in coms])
        admin_hours = np.array([c.admin_hours + c.diverted_hours for c in coms])
        posts = p.social_work.posts_per_community
        filled_c = np.array([len(c.room) for c in coms])
        cert_c = np.array([c.certified + sum(w.certified for w in c.room) for c in coms])
        workers_c = np.array([c.workers + len(c.room) for c in coms])

        orgs = model.organizations()
        active = [o for o in orgs if o.status is OrgStatus.ACTIVE]
        org_c = np.bincount([o.home for o in orgs], minlength=n_comm)
        org_sw_gap = sum(max(int(round(o.staff * p.orgs.social_worker_share)) - len(o.social_workers), 0)
                         for o in active if o.org_type in PROFESSIONAL_TYPES)
        contracts = model.government.contracts
        money: dict[int, float] = {}
        contracts_c = np.zeros(n_comm)
        spent_c = np.zeros(n_comm)
        for ct in contracts:
            money[ct.org.unique_id] = money.get(ct.org.unique_id, 0.0) + ct.project.value_yuan
            contracts_c[ct.project.community] += 1
            spent_c[ct.project.community] += ct.project.value_yuan / 12.0
        shares = np.sort(np.array(list(money.values())))[::-1]
        if shares.size:
            shares = shares / shares.sum()
            top = shares[: max(int(np.ceil(0.1 * shares.size)), 1)].sum()
            hhi = float((shares**2).sum())
        else:
            top = hhi = np.nan

        met_total, ab_total = met_c.sum(), ab_c.sum()
        spent = flow.purchase_spent_yuan
        met_contracts = flow.met_by_contracts_people
        n_adults = adults_c.sum()
        room_workers = [w for c in coms for w in c.room]
        row = {
            "month": model.month,
            "need_coverage": float(_ratio(met_total, met_total + ab_total)),
            "coverage_vulnerable": float(_ratio(met_v.sum(), met_v.sum() + ab_v.sum())),
            "unmet_wait_months": float(_ratio(age_sum_c.sum(), open_c.sum(), 0.0)),
            "satisfaction": float(res.satisfaction.mean()),
            "trust_committee": float(res.trust_committee.mean()),
            "trust_government": float(res.trust_government.mean()),
            "consultation_rate": float(consult_c.sum() / n_adults),
            "volunteer_rate": float(vol_c.sum() / n_adults),
            "grassroots_volunteer_share": float(_ratio((res.volunteer == 2).sum(), vol.sum(), 0.0)),
            "volunteer_hours_per_capita": float(vol.sum() * p.volunteer.hours_month / res.n),
            "committee_admin_share": float(admin_hours.sum() / hours.sum()),
            "street_centre_wait_months": float(np.mean([s.wait_months for s in model.street_centres])),
            "org_count": len(orgs),
            "org_active": len(active),
            "orgs_per_10k": len(orgs) / (p.population.residents_total / 10_000),
            "org_staff": sum(o.staff for o in active),
            "contract_holders": len(money),
            "contract_top10_share": float(top),
            "contract_hhi": hhi,
            "projects_common": sum(pr.kind.value == "common" for pr in model.government.projects),
            "projects_individual": sum(pr.kind.value == "individual" for pr in model.government.projects),
            "certified_share": float(cert_c.sum() / workers_c.sum()),
            "certified_workers": int(cert_c.sum()),
            "room_posts_filled": int(filled_c.sum()),
            "social_worker_vacancies": int(max(posts * n_comm - filled_c.sum(), 0) + org_sw_gap),
            "social_worker_caseload": float(np.mean([w.caseload for w in room_workers])) if room_workers else 0.0,
            "purchase_spent_yuan": spent,
            "cost_per_need_met_yuan": float(_ratio(spent, met_contracts)),
            "coverage_gini": gini(_ratio(met_12, closed_12)[closed_12 > 0]),
            "org_births": flow.births,
            "org_closures": flow.closed,
            "orgs_revoked": flow.revoked,
            "orgs_cleaned_up": flow.cleaned_up,
            "orgs_deregistered": flow.deregistered,
            "committee_tasks": p.admin.committee_tasks * model.task_creep_factor,
        }
        self.district.append(row)
        self.months.append(model.month)
        self.community.append(np.column_stack([
            coverage_c, coverage_v_c, _ratio(age_sum_c, open_c, 0.0), sat_c, trc_c, trg_c,
            consult_c / np.maximum(adults_c, 1), vol_c / np.maximum(adults_c, 1), admin_c, org_c,
            contracts_c, filled_c, np.maximum(posts - filled_c, 0), _ratio(cert_c, workers_c),
            spent_c, [c.meetings for c in coms],
        ]))

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
        for col in ("org_count", "contracts", "room_posts_filled", "social_worker_vacancies", "meetings"):
            frame[col] = frame[col].astype(np.int64)
        return frame
