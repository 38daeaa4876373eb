"""Social organizations (社会组织) as arrays: founding, monthly settlement, closure (F3-F9).

Every organization's numbers are a row of the model's
:class:`OrganizationTable` (``model.organization_table``); each
:class:`~model.agents.Organization` agent is a view of its row, for the
dashboard, the notebooks and a researcher's code. The monthly settlement
(DESIGN §4 step 9) and the yearly closures, revenue revision and founding
are array code over the table, and the year's founding attempts one
compiled loop (:func:`founding_attempts`); the loops that remain run over the
incubator's slots and the communities' volunteer clusters, and over new or
leaving organizations only to make or remove their agents.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import IntEnum
from itertools import accumulate

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent

from model import kernels
from model.measures import Indicator
from model.parameters import N_CATEGORIES, SERVICE_CATEGORIES, Params
from model.rows import RowTable, column_view


class OrgType(IntEnum):
    """Organization types (F8 priority types, plus filed community groups and hubs)."""

    ECONOMIC = 0
    PUBLIC_WELFARE = 1
    CULTURE_SPORTS = 2
    CHARITY_RELIEF = 3
    COMMUNITY_FILED = 4
    HUB = 5


class OrgStatus(IntEnum):
    """An organization's place on the register: active, dormant (no staff) or exited."""

    ACTIVE = 0
    DORMANT = 1
    EXITED = 2


TYPE_CATEGORIES: dict[OrgType, tuple[int, ...]] = {
    OrgType.ECONOMIC: (0,),  # employment training
    OrgType.PUBLIC_WELFARE: (1, 2, 4, 5),
    OrgType.CULTURE_SPORTS: (6,),
    OrgType.CHARITY_RELIEF: (3, 2),
    OrgType.COMMUNITY_FILED: (6, 7, 1),
    OrgType.HUB: (7,),
}
"""Service categories an organization of each type specialises in (assumption)."""

PROFESSIONAL_TYPES = (OrgType.PUBLIC_WELFARE, OrgType.CHARITY_RELIEF)
"""Types that employ social workers and may bid outside their own category."""

PRIORITY_TYPES = (OrgType.ECONOMIC, OrgType.PUBLIC_WELFARE, OrgType.CULTURE_SPORTS, OrgType.CHARITY_RELIEF)
"""F8: the four types that get the development fund and incubation."""

CATEGORY_TYPES: dict[int, tuple[OrgType, ...]] = {
    k: tuple(kind for kind, cats in TYPE_CATEGORIES.items() if k in cats) for k in range(N_CATEGORIES)}
"""The organization types that specialise in each service category: a founder in
a category founds one of them (the inverse of ``TYPE_CATEGORIES``)."""

CULTURE_SPORTS = SERVICE_CATEGORIES.index("culture_sports")

_KINDS_OF = np.array([[*kinds, *[-1] * (len(OrgType) - len(kinds))] for kinds in CATEGORY_TYPES.values()], np.int64)
"""``CATEGORY_TYPES`` as the founding kernel reads it: a category's types first, -1 after (:data:`_N_KINDS` of them)."""
_N_KINDS = np.array([len(kinds) for kinds in CATEGORY_TYPES.values()], np.int64)
_PRIORITY = np.array([kind in PRIORITY_TYPES for kind in OrgType], np.uint8)


class OrganizationTable(RowTable):
    """Every organization's numbers, one row each, in the order they were founded.

    Columns: ``org_type`` (:class:`OrgType`), ``category`` (its specialty, a
    service category), ``home`` (its community), ``staff``, ``quality`` in
    [0, 1], ``price_factor`` (its cost per need relative to the district's
    reference price), ``own_revenue_ratio`` (fees and donations over costs),
    ``incubated``, ``age_months``, ``reserves_yuan``, ``past_contracts``,
    ``evaluated_score``, ``had_contract`` (held a purchase contract in the year
    just reviewed), ``status`` (:class:`OrgStatus`), ``dormant_months``, ``hub``
    (the row of the hub organization it is a member of, -1 for none; F9).
    """

    COLUMNS = {
        "org_type": (np.int8, 0), "category": (np.int64, 0), "home": (np.int64, 0),
        "staff": (np.int64, 0), "quality": (np.float64, 0.0), "price_factor": (np.float64, 1.0),
        "own_revenue_ratio": (np.float64, 0.0), "incubated": (bool, False), "age_months": (np.int64, 0),
        "reserves_yuan": (np.float64, 0.0), "past_contracts": (np.int64, 0),
        "evaluated_score": (np.float64, 0.0), "had_contract": (bool, False),
        "status": (np.int8, int(OrgStatus.ACTIVE)), "dormant_months": (np.int64, 0),
        "hub": (np.int64, -1),
    }

    def rows(self, status: OrgStatus | None = None) -> np.ndarray:
        """The live rows in founding order, or only those with ``status``."""
        rows = self.live_rows()
        return rows if status is None else rows[self.status[rows] == status]

    def members_of(self, hub: int) -> np.ndarray:
        """The live rows of a hub's member organizations, in founding order."""
        rows = self.live_rows()
        return rows[self.hub[rows] == hub]

    def renumber_hubs(self, new_row: np.ndarray) -> None:
        """Follow this table's own compaction (``new_row``: old row → new row) in the ``hub`` column."""
        rows = self.live_rows()
        rows = rows[self.hub[rows] >= 0]
        self.hub[rows] = new_row[self.hub[rows]]

    def professional(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` is of a type that employs social workers."""
        kinds = self.org_type[rows]
        return (kinds == OrgType.PUBLIC_WELFARE) | (kinds == OrgType.CHARITY_RELIEF)


def _column(name: str, doc: str, kind: type | None = None) -> property:
    return column_view("organization_table", "row", name, doc, kind)


class Organization(FixedAgent):
    """A social organization (社会组织), F3-F9: a view of its row of the organization table.

    Reading or setting an attribute reads or sets the row's element (see
    :class:`OrganizationTable` for the columns); ``contracts`` and
    ``social_workers`` are views of the contract and social-worker tables.
    It sits on its home community's cell.

    Args:
        model: the district model.
        row: its row of ``model.organization_table``.
        home: its community.
    """

    org_type = _column("org_type", "Its type.", OrgType)
    category = _column("category", "Its specialty, a service category.")
    home = _column("home", "Its community (an organization never moves).")
    staff = _column("staff", "Staff.")
    quality = _column("quality", "Quality in [0, 1].")
    price_factor = _column("price_factor", "Cost per need relative to the district's reference price.")
    own_revenue_ratio = _column("own_revenue_ratio", "Fees and donations over costs.")
    incubated = _column("incubated", "Whether an incubator founded it (F8).", bool)
    age_months = _column("age_months", "Months since founding.")
    reserves_yuan = _column("reserves_yuan", "Reserves, in yuan.")
    past_contracts = _column("past_contracts", "Purchase contracts held in past years.")
    evaluated_score = _column("evaluated_score", "Score of its last evaluated contract.")
    had_contract = _column("had_contract", "Held a purchase contract in the year just reviewed.", bool)
    status = _column("status", "Active, dormant or exited.", OrgStatus)
    dormant_months = _column("dormant_months", "Months since it went dormant.")
    hub = _column("hub", "Row of the hub organization it is a member of, -1 for none (F9).")

    def __init__(self, model: mesa.Model, row: int, home: int) -> None:
        super().__init__(model)
        self.row = row
        self.cell = model.space[home]

    @property
    def contracts(self) -> list:
        """Its purchase contracts this year (views)."""
        return self.model.contracts(org=self.row)

    @property
    def social_workers(self) -> list:
        """The social workers on its staff, in the order they were hired."""
        workers = self.model.social_worker_table
        return workers.views(self.model, workers.rows_of_org(self.row))

    @property
    def members(self) -> list:
        """A hub's member organizations (views), in founding order; empty for any other organization."""
        t = self.model.organization_table
        return [t.agents[r] for r in t.members_of(self.row)]

    @property
    def monthly_cost(self) -> float:
        """Staff wages plus overhead, in yuan a month."""
        return float(monthly_cost(self.model.params, self.staff))

    @property
    def capacity_people(self) -> float:
        """Needs the staff can serve in a month."""
        return float(capacity_people(self.model.params, self.staff))


def monthly_cost(p: Params, staff: np.ndarray) -> np.ndarray:
    """Staff wages plus overhead, in yuan a month."""
    o = p.orgs
    return staff * o.wage_yuan_month * (1.0 + o.overhead_share)


def contract_social_workers(p: Params, contract_demand: np.ndarray) -> np.ndarray:
    """Social workers, at a certified newcomer's caseload, that contracts' monthly demand (people) needs to lead.

    One per ``social_work.contract_needs_per_case`` × a newcomer's cases a
    month of demand, rounded up (F11: social-work projects; F13: social
    workers lead staff and volunteers).
    """
    sw = p.social_work
    per_worker = sw.hours_month * (1.0 - sw.leadership_share) / sw.hours_per_case * sw.contract_needs_per_case
    demand = np.asarray(contract_demand, float)
    return np.ceil(demand / per_worker - 1e-9) if per_worker > 0 else np.zeros_like(demand)


def social_worker_target(p: Params, staff: np.ndarray, professional: np.ndarray,
                         contract_demand: np.ndarray) -> np.ndarray:
    """Social workers an organization keeps, at most its staff.

    A professional organization keeps ``orgs.social_worker_share`` of its
    staff, rounded; any contract holder keeps enough certified newcomers to
    lead its contracts' monthly demand (``social_work.contract_needs_per_case``
    needs per case, F11, F13): so money that outruns the talent pool leaves
    contracts led by uncertified or too few workers (P4).
    """
    share = np.where(professional, np.rint(staff * p.orgs.social_worker_share), 0.0)
    needed = contract_social_workers(p, contract_demand)
    return np.minimum(np.maximum(share, needed), staff).astype(np.int64)


def bid_record(model: mesa.Model, rows: np.ndarray) -> np.ndarray:
    """Track record each of ``rows`` bids with: its past contracts, or a share of its hub's if more (joint bids, F9).

    A hub's record is its own past contracts and its members'; it lends each
    member ``orgs.hub_record_share`` of it: the route by which small
    organizations reach contracts through their hub.
    """
    t = model.organization_table
    live = t.live_rows()
    member = live[t.hub[live] >= 0]
    pooled = t.past_contracts[: t.n] + np.bincount(t.hub[member], weights=t.past_contracts[member],
                                                   minlength=t.n)[: t.n]
    own = t.past_contracts[rows].astype(float)
    hub = t.hub[rows]
    lent = np.where(hub >= 0, pooled[np.maximum(hub, 0)] * model.params.orgs.hub_record_share, 0.0)
    return np.maximum(own, lent)


def capacity_people(p: Params, staff: np.ndarray) -> np.ndarray:
    """Needs the staff can serve in a month."""
    o = p.orgs
    return staff * o.hours_per_staff_month / o.hours_per_need


def found(model: mesa.Model, rng: np.random.Generator, home: int, org_type: OrgType | None = None,
          incubated: bool = False, category: int | None = None) -> int:
    """Register a new organization in community ``home`` (:func:`draw_founding`, :func:`register`); return its row."""
    return int(register(model, [draw_founding(model.params.orgs, rng, home, org_type, incubated, category)])[0])


def draw_founding(o, rng: np.random.Generator, home: int, org_type: OrgType | None = None,
                  incubated: bool = False, category: int | None = None) -> tuple:
    """A new organization of community ``home``, as :func:`register` takes it: type, category, home, incubated, traits.

    Its type (unless given) follows the declared type shares, its specialty
    (unless given) one of its type's categories; the rest is drawn by
    :func:`draw_traits`. Nothing of the model is read, so organizations
    drawn one after another and registered together are the ones founded one
    at a time.
    """
    if org_type is None:
        shares = np.array([o.type_share_economic, o.type_share_public_welfare, o.type_share_culture_sports,
                           o.type_share_charity_relief, o.type_share_community_filed, o.type_share_hub])
        org_type = OrgType(int(rng.choice(len(shares), p=shares)))
    if category is None:
        cats = TYPE_CATEGORIES[org_type]
        category = int(cats[int(rng.integers(len(cats)))])
    return (int(org_type), category, home, incubated, *draw_traits(o, rng, incubated))


def draw_traits(o, rng: np.random.Generator, incubated: bool) -> tuple[int, float, float, float]:
    """A new organization's staff, quality, own-revenue ratio and price factor, drawn in that order.

    Staff are geometric with mean ``staff_mean``, quality normal (incubation
    raises it) within its bounds, the own-revenue ratio and the price factor
    lognormal around the sector's medians (the laws: :func:`_trait_laws`).
    """
    p_staff, q_mean, q_sd, q_min, q_max, ratio, sd, mu, price_sd, price_mu = _trait_laws(o, incubated)
    staff = int(rng.geometric(p_staff))
    quality = min(max(float(rng.normal(q_mean, q_sd)), q_min), q_max)  # np.clip's value, without its cost
    ratio = float(ratio * rng.lognormal(mu, sd)) if sd > 0 else ratio
    price = float(rng.lognormal(price_mu, price_sd)) if price_sd > 0 else 1.0
    return staff, quality, ratio, price


def _trait_laws(o, incubated: bool) -> tuple[float, ...]:
    """The numbers :func:`draw_traits` draws with, in this order (the founding kernel reads them so).

    The geometric staff's chance, quality's mean, sd and bounds, the median
    own-revenue ratio and its lognormal's sd and log-mean, the price factor's
    sd and log-mean (the log-means put the medians' means at the medians).
    """
    return (1.0 / o.staff_mean, o.quality_mean + o.incubation_quality_gain * incubated, o.quality_sd, o.quality_min,
            o.quality_max, o.own_revenue_ratio, o.own_revenue_sd, -o.own_revenue_sd**2 / 2, o.price_sd,
            -o.price_sd**2 / 2)


def register(model: mesa.Model, founded: list[tuple]) -> np.ndarray:
    """Add organizations to the register at once, in order; return their rows.

    ``founded``: each one's type, category, home, whether incubated, and its
    :func:`draw_traits`. Each starts with ``initial_reserve_months`` of costs
    (and the incubation grant if incubated), active if it has staff, gets its
    agent, and hires its first social worker (:func:`sync_social_workers`).
    """
    o, t = model.params.orgs, model.organization_table
    if not founded:
        return np.zeros(0, np.int64)
    kind, category, home, incubated, staff, quality, ratio, price = (np.array(c) for c in zip(*founded, strict=True))
    incubated = incubated.astype(bool)
    reserves = o.initial_reserve_months * monthly_cost(model.params, staff)
    reserves = np.where(incubated, reserves + o.incubation_grant_yuan, reserves)
    rows = t.add_many(len(founded), org_type=kind, category=category, home=home, staff=staff, quality=quality,
                      price_factor=price, own_revenue_ratio=ratio, incubated=incubated, reserves_yuan=reserves,
                      status=np.where(staff > 0, int(OrgStatus.ACTIVE), int(OrgStatus.DORMANT)))
    for row, at in zip(rows.tolist(), home.tolist(), strict=True):
        t.agents[row] = Organization(model, row, at)
    sync_social_workers(model, rows)
    return rows


# --- the month (DESIGN §4 step 9) ---------------------------------------------------
def settle(model: mesa.Model) -> None:
    """Organizations pay staff and overhead and collect revenue, in random order.

    Every organization ages a month; a dormant one counts another month of
    dormancy. An active one collects its contracts' monthly tranches (paid
    just before by :func:`model.purchasing.pay_tranches`: ``model.flow.tranches_yuan``)
    and its own revenue (its costs times its own-revenue ratio, cut to its
    community's :func:`revenue_share`), and pays its costs. When its
    reserves run out it cuts a post (the shortfall is taken as unpaid wages, so
    reserves restart at zero); when its contracts need more hands than it has
    (staff capacity, or posts for the social workers who lead them:
    :func:`contract_social_workers`) and its reserves cover ``hire_reserve_months`` of costs, it hires, while the
    sector's hires this month last (``orgs.hiring_rate_month`` per active
    organization, taken in the random order: P4's labour constraint). Without
    staff it goes dormant and its contracts end. Active organizations then
    move their social workers a step toward :func:`social_worker_target`.
    """
    rng, o, t = model.stream("organizations.settle"), model.params.orgs, model.organization_table
    rows = t.live_rows()
    active_now = rows[t.status[rows] == OrgStatus.ACTIVE]
    model.hiring_pool_month = max(1, int(round(active_now.size * o.hiring_rate_month)))
    model.revenue_share = revenue_share(model)
    order = rows[rng.permutation(rows.size)]
    t.age_months[rows] += 1
    is_active = t.status[order] == OrgStatus.ACTIVE
    t.dormant_months[order[~is_active]] += 1
    act = order[is_active]
    cost = monthly_cost(model.params, t.staff[act])
    contracts = model.contract_table
    income = np.zeros(t.n)
    income[: model.flow.tranches_yuan.size] = model.flow.tranches_yuan  # paid by purchasing.pay_tranches
    income = income[act]
    demand = contracts.monthly_demand(t.n)[act]
    own_revenue = cost * t.own_revenue_ratio[act] * model.revenue_share[t.home[act]]
    reserves = t.reserves_yuan[act] + (income + own_revenue - cost)
    staff = t.staff[act]
    cut = (reserves < 0) & (staff > 0)
    short = (demand > capacity_people(model.params, staff)) | (contract_social_workers(model.params, demand) > staff)
    want = (~cut & (demand > 0.0) & short
            & (reserves > o.hire_reserve_months * cost))
    hired = want & (np.cumsum(want) <= model.hiring_pool_month)
    model.hiring_pool_month -= int(hired.sum())
    t.staff[act] = staff - cut + hired
    t.reserves_yuan[act] = np.where(cut, 0.0, reserves)
    emptied = act[t.staff[act] == 0]
    t.status[emptied] = OrgStatus.DORMANT
    t.dormant_months[emptied] = 0
    contracts.end_for(emptied)
    sync_social_workers(model, act[t.status[act] == OrgStatus.ACTIVE])


def revenue_share(model: mesa.Model) -> np.ndarray:
    """Per community: the share of what its organizations could raise that its residents' pool pays.

    Own revenue comes from a finite pool in each community (fees and
    donations, ``revenue_pool_yuan_per_capita_month`` a resident): each active
    organization can raise its own-revenue ratio times its costs, and when the
    community's organizations ask more than the pool holds, every one of them
    gets the same share less. So a crowded community's weaker organizations
    lose money, shrink and go dormant: the sector cannot grow on its own
    revenue for ever. It is 1 while the pool is not exhausted.
    """
    t = model.organization_table
    pool = model.params.orgs.revenue_pool_yuan_per_capita_month * model.people_per_community
    active = t.rows(OrgStatus.ACTIVE)
    if not active.size:
        return np.ones(model.n_communities)
    asked = np.bincount(t.home[active], weights=monthly_cost(model.params, t.staff[active])
                        * t.own_revenue_ratio[active], minlength=model.n_communities)
    return np.minimum(np.divide(pool, asked, out=np.ones_like(pool), where=asked > 0), 1.0)


def sync_social_workers(model: mesa.Model, rows: np.ndarray | int) -> None:
    """Move organizations' social workers toward :func:`social_worker_target`, one organization after another.

    Those beyond an organization's target leave (the last hired first) and stay
    in the sector; one is hired when it has fewer. A certified worker asks the
    market's wage, which only contract money pays: the hire comes from the
    talent pool while the organization has fewer certified workers than its
    contracts need (:func:`contract_social_workers`) and the pool is not
    empty; otherwise it is uncertified (P4). The organizations of ``rows`` take
    their turns in that order: leavers return to the pool before the next
    organization hires from it (:func:`certified_hires`).
    """
    rows = np.atleast_1d(np.asarray(rows, np.int64))
    t, workers, p = model.organization_table, model.social_worker_table, model.params
    demand = model.contract_table.monthly_demand(t.n)[rows]
    target = social_worker_target(p, t.staff[rows], t.professional(rows), demand)
    turn = np.full(t.n, -1, np.int64)
    turn[rows] = np.arange(rows.size)
    staffed = workers.org_rows()
    staffed = staffed[turn[workers.org[staffed]] >= 0]  # the workers of these organizations, in hiring order
    mine = turn[workers.org[staffed]]
    certified = workers.certified[staffed]
    count = np.bincount(mine, minlength=rows.size)
    leaving = kernels.occurrence(mine, rows.size) >= target[mine]  # beyond the target in hiring order
    returned = np.bincount(mine[leaving], weights=certified[leaving], minlength=rows.size).astype(np.int64)
    hires = count < target
    wanted = hires & (contract_social_workers(p, demand) > np.bincount(mine, weights=certified, minlength=rows.size))
    certified_hire = certified_hires(model.talent_pool, returned, wanted)
    leavers = staffed[leaving]
    workers.dismiss(model, leavers[np.lexsort((-np.flatnonzero(leaving), mine[leaving]))], True)
    model.talent_pool -= int(np.count_nonzero(certified_hire))
    workers.hire_for_orgs(model, rows[hires], certified_hire[hires])


def certified_hires(pool: int, returned: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which organizations, taking turns, hire a certified worker from the talent pool.

    In its turn an organization first returns ``returned`` certified workers
    to the pool, then, if it ``wanted`` one, takes one while the pool is not
    empty. The pool after each turn follows Lindley's recursion
    ``pool = max(pool + returned - wanted, 0)``, whose closed form is the
    running sum less its running minimum below zero.
    """
    steps = returned.astype(np.int64) - wanted.astype(np.int64)
    running = pool + np.cumsum(steps)
    after = running - np.minimum(np.minimum.accumulate(running), 0) if running.size else running
    before = np.r_[pool, after[:-1]] + returned
    return wanted & (before > 0)


def social_worker_counts(model: mesa.Model) -> np.ndarray:
    """Social workers on each organization's staff, by row of the organization table."""
    w = model.social_worker_table
    rows = w.live_rows()
    org = w.org[rows]
    return np.bincount(org[org >= 0], minlength=model.organization_table.n)


def own_work(model: mesa.Model) -> tuple[np.ndarray, np.ndarray]:
    """Organizations' own work for their community (active ones without contracts), by cell.

    Returns the capacity (people a month) and its quality sum on the cells
    ``community × category`` of their homes and specialties: ``free_service_share``
    of their staff's hours.
    """
    t, o, K = model.organization_table, model.params.orgs, N_CATEGORIES
    n_cells = model.n_communities * K
    rows = t.rows(OrgStatus.ACTIVE)
    rows = rows[model.contract_table.count_by_org(t.n)[rows] == 0]
    if not rows.size:
        return np.zeros(n_cells), np.zeros(n_cells)
    at = t.home[rows] * K + t.category[rows]
    amount = o.free_service_share * o.hours_per_staff_month / o.hours_per_need * t.staff[rows].astype(float)
    return (np.bincount(at, weights=amount, minlength=n_cells),
            np.bincount(at, weights=amount * t.quality[rows], minlength=n_cells))


def add_leadership(model: mesa.Model, lead: np.ndarray) -> None:
    """Add organizations' social workers' hours of leading volunteers (F13) to ``lead``, by community.

    An organization's hours go to the communities of its contracts (split
    evenly over them), or to its home without contracts; organizations are
    taken in founding order, their contracts in the order they were awarded.
    """
    t, sw = model.organization_table, model.params.social_work
    rows = t.rows(OrgStatus.ACTIVE)
    hours = np.zeros(t.n)
    hours[rows] = social_worker_counts(model)[rows] * sw.hours_month * sw.leadership_share
    contracts = model.contract_table
    c_rows = contracts.live_rows()
    kernels.spread_leadership(lead, hours, contracts.org[c_rows], contracts.community[c_rows], t.home[: t.n])


# --- the year -------------------------------------------------------------------------
def close(model: mesa.Model) -> None:
    """Organizations leave the register (DESIGN §4, yearly).

    They leave in three ways:

    - a staffed organization closes with the yearly hazard ``exit_hazard_year``
      (Bielefeld 1994; Hager et al. 2004), multiplied by ``young_small_multiplier``
      when it is young and again when it is small, and by ``contract_protection``
      when it held a purchase contract in the year just reviewed;
    - annual inspection revokes an organization dormant (no staff) for
      ``dormancy_months`` or more: the insolvent end here, since an organization
      whose money runs out sheds its staff (see :func:`settle`);
    - the clean-up campaign of a reform (``cleanup_campaign``, F9) runs once,
      at the first review after it is switched on and not in the spin-up: every
      dormant organization is revoked, and each trade association (an economic
      organization) deregisters with probability ``campaign_association_exit_share``
      rather than separate from its government sponsor.

    A hub's members stay on the register when it leaves, outside every hub.
    """
    p, rng, t = model.params, model.stream("organizations.close"), model.organization_table
    o = p.orgs
    campaign = bool(o.cleanup_campaign and not model.campaign_done and model.month >= 1)
    rows = t.live_rows()
    u_exit, u_campaign = rng.random(rows.size), rng.random(rows.size)
    dormant = t.status[rows] == OrgStatus.DORMANT
    revoked = dormant & (not campaign) & (t.dormant_months[rows] >= o.dormancy_months)
    association = (~dormant & campaign & (t.org_type[rows] == OrgType.ECONOMIC)
                   & (u_campaign < o.campaign_association_exit_share))
    hazard = exit_hazard(o, t.age_months[rows], t.staff[rows], t.had_contract[rows], t.hub[rows] >= 0)
    closed = ~dormant & ~association & (u_exit < hazard)
    cleaned = (dormant & campaign) | association
    model.campaign_done |= campaign
    flow = model.flow
    flow.closed, flow.revoked = int(closed.sum()), int(revoked.sum())
    flow.cleaned_up, flow.deregistered = int(cleaned.sum()), int(association.sum())
    remove(model, rows[closed | revoked | cleaned])


def exit_hazard(o, age_months: np.ndarray, staff: np.ndarray, had_contract: np.ndarray,
                member: np.ndarray | bool = False) -> np.ndarray:
    """Yearly probability that a staffed organization closes.

    Liabilities of newness and smallness; a contract protects, and so does a
    hub's support (``hub_member_protection`` for a member, F9).
    """
    hazard = np.full(np.shape(age_months), o.exit_hazard_year)
    hazard = np.where(np.asarray(age_months) < o.young_months, hazard * o.young_small_multiplier, hazard)
    hazard = np.where(np.asarray(staff) <= o.small_staff, hazard * o.young_small_multiplier, hazard)
    hazard = np.where(had_contract, hazard * o.contract_protection, hazard)
    hazard = np.where(member, hazard * o.hub_member_protection, hazard)
    return np.minimum(hazard, 1.0)


def remove(model: mesa.Model, rows: np.ndarray) -> None:
    """Organizations leave the register, in founding order: their contracts end and their social workers leave.

    When most rows of the table are dead it is compacted, and the tables that
    point into it (social workers, contracts, last year's scores) follow.
    """
    t = model.organization_table
    t.status[rows] = OrgStatus.EXITED
    live = t.live_rows()
    t.hub[live[np.isin(t.hub[live], rows)]] = -1  # members of a hub that leaves
    model.contract_table.end_for(rows)
    workers = model.social_worker_table
    staffed = workers.org_rows()
    leaving = staffed[np.isin(workers.org[staffed], rows)]
    workers.dismiss(model, leaving, True)
    for row in rows.tolist():
        t.agents[row].remove()
    t.kill(rows)
    if t.mostly_dead():
        new_row = t.compact()
        t.renumber_hubs(new_row)
        workers.renumber_orgs(new_row)
        model.contract_table.renumber_orgs(new_row)
        model.last_scores.renumber_orgs(new_row)


def revise_own_revenue(model: mesa.Model) -> None:
    """An organization's fundraising changes from year to year.

    Its own-revenue ratio follows a lognormal AR(1) around the sector's median,
    correlated ``own_revenue_persistence`` from one year to the next, with the spread
    ``own_revenue_sd`` new organizations are drawn with. So a strong year does
    not make an organization immortal: weak years shrink it and may end it, and
    the sector's composition settles within a few years, not the 30 that an
    exit hazard of 3% a year alone would take.
    """
    o, rng, t = model.params.orgs, model.stream("organizations.revenue"), model.organization_table
    rows = t.rows(OrgStatus.ACTIVE)
    if not rows.size or o.own_revenue_sd <= 0 or o.own_revenue_ratio <= 0:
        t.own_revenue_ratio[rows] = o.own_revenue_ratio  # no spread, or no own revenue: every ratio is the median
        return
    mu = np.log(o.own_revenue_ratio) - o.own_revenue_sd**2 / 2
    rho = o.own_revenue_persistence
    now = np.log(np.maximum(t.own_revenue_ratio[rows], 1e-12))
    new = mu + rho * (now - mu) + o.own_revenue_sd * np.sqrt(1 - rho**2) * rng.standard_normal(rows.size)
    t.own_revenue_ratio[rows] = np.exp(new)


def found_organizations(model: mesa.Model) -> None:
    """New organizations, where there is a niche (DESIGN §4, yearly).

    They come from three sources:

    - founding attempts, ``founding_attempts_per_10k_year`` per 10,000
      residents times the registration regime's multiplier, arise in
      communities in proportion to their people; an attempt picks a category
      in proportion to its community's unmet needs and contract money there,
      then a type (:func:`founding_type_weights`: where the contract money is,
      a registered type that bids for it), and succeeds with the probability
      the share of the community's money (its residents' revenue pool and
      last year's contracts) that its organizations' costs do not take yet.
      So births, and the mix of types (F8, P3), follow need and money, not
      the size of the stock or a fixed mix, and stop as the niche fills;
    - incubated organizations of the priority types (F8), ``incubator_slots``
      a year, matched to projects: a type and category in proportion to the
      year's contract money in its categories (:func:`incubation_weights`);
    - grassroots groups that grow out of large volunteer clusters.
    """
    p, rng = model.params, model.stream("births")
    o = p.orgs
    weights = model.people_per_community / model.people_per_community.sum()
    money, taken, need, bought = _niche(model)
    opportunity = need + o.founder_contract_weight * bought
    attempts = int(rng.poisson(o.founding_attempts_per_10k_year * p.population.residents_total / 10_000
                               * o.registration_multiplier))
    homes = rng.choice(model.n_communities, size=attempts, p=weights)
    founded = founding_attempts(p, rng, homes, money, taken, opportunity, need, bought)  # registered at the end
    type_weights, category_weights = incubation_weights(bought.sum(axis=0))
    for _ in range(o.incubator_slots):
        kind = PRIORITY_TYPES[choose(rng, type_weights)]
        cats = TYPE_CATEGORIES[kind]
        category = int(cats[choose(rng, category_weights[kind])])
        home = choose(rng, weights)
        founded.append((int(kind), category, home, True, *draw_traits(o, rng, True)))
    clusters = np.floor(model.volunteers_people / o.volunteer_cluster_size)
    agenda = model.committee_table.agenda
    for c in range(model.n_communities):
        for _ in range(int(rng.binomial(int(clusters[c]), o.cluster_birth_prob))):
            category = int(agenda[c].argmax()) if agenda[c].sum() > 0 else CULTURE_SPORTS
            founded.append((int(OrgType.COMMUNITY_FILED), category, c, False, *draw_traits(o, rng, False)))
    births = register(model, founded).size
    model.flow.births = births


def founding_attempts(p: Params, rng: np.random.Generator, homes: np.ndarray, money: np.ndarray, taken: np.ndarray,
                      opportunity: np.ndarray, need: np.ndarray, bought: np.ndarray) -> list[tuple]:
    """The founding attempts of a year, in communities ``homes``, one after another; the organizations founded.

    Per community: ``money`` its organizations can live on and what their
    costs have ``taken`` of it (yuan a month; grows with each one founded),
    the founders' ``opportunity``, unmet ``need`` and contract needs
    ``bought`` by category. An attempt succeeds with the chance of the money
    not taken yet; it then picks a category by opportunity (any, when there is
    none) and a type by :func:`founding_type_weights`, and draws its traits
    (:func:`draw_traits`). Each founded one is (type, category, home, False,
    staff, quality, own-revenue ratio, price factor), as :func:`register` takes
    it. A compiled loop (:func:`model.kernels.founding_attempts`) that draws
    what this one-by-one description draws, in the same order.
    """
    o = p.orgs
    traits = np.array([*_trait_laws(o, incubated=False), monthly_cost(p, o.staff_mean), o.founder_contract_weight])
    columns = kernels.founding_attempts(rng, np.asarray(homes, np.int64), money, taken, opportunity, need, bought,
                                        _KINDS_OF, _N_KINDS, _PRIORITY, traits)
    return [(kind, category, home, False, staff, quality, ratio, price)
            for kind, category, home, staff, quality, ratio, price in zip(*(c.tolist() for c in columns), strict=True)]


def choose(rng: np.random.Generator, p: np.ndarray, size: int | None = None) -> int | np.ndarray:
    """``rng.choice(p.size, size, p=p)`` without its checks: uniforms looked up in the normalised cumulative ``p``.

    numpy's ``Generator.choice`` draws so with probabilities and replacement
    (one uniform per item, as many as ``size``, in order); its checks cost
    more than the draw in a loop over founding attempts or communities.
    """
    if size is None:  # one draw: the same sums and quotients in Python floats, a third of numpy's cost on a few items
        cdf = list(accumulate(np.asarray(p, float).tolist()))
        return bisect_right([c / cdf[-1] for c in cdf], rng.random())
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right").astype(np.int64)


def founding_type_weights(o, kinds: tuple[OrgType, ...], need: float, bought: float) -> np.ndarray:
    """Probabilities of the types a founder in a category may found (``kinds``), summing to 1.

    Every type can live on the category's unmet need (``need``, people); a
    registered type of F8's four (:data:`PRIORITY_TYPES`) can also bid for
    the contracts bought there (``bought``, needs a month, each counting
    ``founder_contract_weight`` unmet needs: it comes with money). So where the
    budget buys, registered service organizations are founded; where only
    need is, filed community groups as often. Equal when there is neither.
    """
    bought = bought * o.founder_contract_weight
    w = np.array([need + (bought if kind in PRIORITY_TYPES else 0.0) for kind in kinds], float)
    return w / w.sum() if w.sum() > 0 else np.full(len(kinds), 1.0 / len(kinds))


def incubation_weights(bought: np.ndarray) -> tuple[np.ndarray, dict[OrgType, np.ndarray]]:
    """Probabilities of the priority types an incubator founds, and of each type's categories (F8).

    The incubation base matches organizations to projects: a type in
    proportion to the contract money (needs a month, by category: ``bought``)
    in its categories, and a category of it likewise; equal without contracts.
    """
    def spread(w: np.ndarray) -> np.ndarray:
        return w / w.sum() if w.sum() > 0 else np.full(w.size, 1.0 / w.size)

    by_kind = {kind: np.array([bought[k] for k in TYPE_CATEGORIES[kind]], float) for kind in PRIORITY_TYPES}
    return (spread(np.array([by_kind[kind].sum() for kind in PRIORITY_TYPES])),
            {kind: spread(w) for kind, w in by_kind.items()})


def _niche(model: mesa.Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per community: the money for organizations, what their costs take, and founders' opportunity.

    The money its organizations can live on is in yuan a month: the residents'
    revenue pool and last year's contract money there. The opportunity a founder
    sees is per category, in two parts: people with an unmet need now, and
    needs this year's contracts pay for a month.
    """
    p, res, t = model.params, model.residents, model.organization_table
    n_comm = model.n_communities
    money = p.orgs.revenue_pool_yuan_per_capita_month * model.people_per_community
    need = np.bincount(res.community[res.need_resident].astype(np.int64) * N_CATEGORIES
                       + res.need_category, minlength=n_comm * N_CATEGORIES
                       ).reshape(n_comm, N_CATEGORIES) / model.scale
    bought = np.zeros((n_comm, N_CATEGORIES))
    projects = model.project_table
    rows = projects.live_rows()
    monthly = projects.value_yuan[rows] / 12.0
    np.add.at(money, projects.community[rows], monthly)
    np.add.at(bought.ravel(), projects.community[rows] * N_CATEGORIES + projects.category[rows],
              monthly / p.purchase.cost_per_need_yuan)
    active = t.rows(OrgStatus.ACTIVE)
    taken = np.bincount(t.home[active], weights=monthly_cost(p, t.staff[active]), minlength=n_comm).astype(float)
    return money, taken, need, bought


def manage_hubs(model: mesa.Model) -> None:
    """Hub organizations (枢纽型, F9) evaluate, support and admit their members (yearly).

    Membership is the ``hub`` column of the organization table. Each year:

    - evaluation: a member that is no longer active, whose hub is no longer
      active, or whose quality is below ``hub_member_min_quality`` leaves its hub;
    - admission: each active non-hub organization outside every hub applies
      with probability ``hub_join_prob_year``; applicants of at least
      ``hub_member_min_quality`` take, in random order, the free places
      (``hub_members_max`` a hub) of the active hubs of their street;
    - support: each member, old or new, gains ``hub_support_quality_year`` of its
      gap to full quality (its exit hazard is lower too, see :func:`exit_hazard`,
      and it bids with part of its hub's record, see :func:`bid_record`).

    So membership stops growing when the hubs of a street are full.
    """
    o, rng, t = model.params.orgs, model.stream("hubs"), model.organization_table
    rows = t.live_rows()
    u = rng.random(rows.size)
    hub = t.hub[rows]
    member = hub >= 0
    active = t.status[rows] == OrgStatus.ACTIVE
    hub_active = np.zeros(t.n, bool)
    hub_active[rows[active & (t.org_type[rows] == OrgType.HUB)]] = True
    expelled = member & (~active | ~hub_active[np.maximum(hub, 0)] | (t.quality[rows] < o.hub_member_min_quality))
    t.hub[rows[expelled]] = -1
    kept = rows[member & ~expelled]
    hubs = np.flatnonzero(hub_active[: t.n])
    if hubs.size:
        _admit(model, rng, rows, u, active, kept, hubs)
    members = rows[t.hub[rows] >= 0]
    t.quality[members] += o.hub_support_quality_year * (1.0 - t.quality[members])


def _admit(model: mesa.Model, rng: np.random.Generator, rows: np.ndarray, u: np.ndarray, active: np.ndarray,
           kept: np.ndarray, hubs: np.ndarray) -> None:
    """Applicants (one uniform ``u`` per live row) take the free places of their street's hubs."""
    o, t = model.params.orgs, model.organization_table
    room = np.maximum(o.hub_members_max - np.bincount(t.hub[kept], minlength=t.n)[hubs], 0)
    applies = (active & (t.hub[rows] < 0) & (t.org_type[rows] != OrgType.HUB) & (u < o.hub_join_prob_year)
               & (t.quality[rows] >= o.hub_member_min_quality))
    applicants = rows[applies]
    applicants = applicants[rng.permutation(applicants.size)]
    hub_street = model.street_of[t.home[hubs]]
    applicant_street = model.street_of[t.home[applicants]]
    for street in range(model.street_of.max() + 1):
        places = np.repeat(hubs[hub_street == street], room[hub_street == street])
        places = places[rng.permutation(places.size)]
        mine = applicants[applicant_street == street][: places.size]
        t.hub[mine] = places[: mine.size]


def _registered(v) -> np.ndarray:
    """Every registered organization's row."""
    return v.model.organization_table.live_rows()


def _active(v) -> np.ndarray:
    """The active organizations' rows."""
    return v.model.organization_table.rows(OrgStatus.ACTIVE)


INDICATORS = [
    Indicator("org_count", "organizations", 0, "registered organizations, active and dormant (F3)",
              lambda v: len(v.once(_registered)),
              lambda v: np.bincount(v.model.organization_table.home[v.once(_registered)], minlength=v.n_comm),
              integer=True),
    Indicator("org_active", "organizations", 0, "organizations with staff", lambda v: len(v.once(_active))),
    Indicator("orgs_per_10k", "per 10,000 residents", 0, "registered organizations per 10,000 residents (F5)",
              lambda v: len(v.once(_registered)) / (v.p.population.residents_total / 10_000)),
    Indicator("org_staff", "people", 0, "staff of active organizations (F4)",
              lambda v: int(v.model.organization_table.staff[v.once(_active)].sum())),
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
    *[Indicator(f"orgs_{kind.name.lower()}", "organizations", 0,
                f"active {kind.name.lower().replace('_', '-')} organizations (F8; P3: the mix of types)",
                lambda v, kind=kind: int(np.count_nonzero(
                    v.model.organization_table.org_type[v.once(_active)] == kind)))
      for kind in OrgType],
    Indicator("hub_members", "organizations", 0, "organizations that are members of a hub (F9)",
              lambda v: int(np.count_nonzero(v.model.organization_table.hub[v.once(_registered)] >= 0))),
]
"""The indicators organizations define."""
