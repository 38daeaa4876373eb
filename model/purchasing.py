"""Government purchase of services (政府购买服务) as arrays: budget, projects, tender, contracts (F6-F11, F14).

The year's projects and contracts are rows of the model's
:class:`ProjectTable` and :class:`ContractTable` (``model.project_table``,
``model.contract_table``); :class:`~model.agents.Project` and
:class:`~model.agents.Contract` are views of a row. Evaluation and the
bidders' field are array code; the tender awards projects one after another
(each award uses up the winner's capacity and draws the next project's bids),
in a compiled loop over projects (:func:`model.kernels.tender`) that draws
from the tender's stream as numpy would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import mesa
import numpy as np

from model import kernels, social_work
from model.measures import Indicator, ratio
from model.organizations import OrgStatus, bid_record, capacity_people, choose
from model.parameters import N_CATEGORIES
from model.rows import RowTable, column_view, occurrence


class ProjectKind(IntEnum):
    """The two kinds of purchase project (F11): common ones for special groups, individual ones for a community."""

    COMMON = 0  # F11: for special groups
    INDIVIDUAL = 1  # F11: a community's own needs


class ProjectTable(RowTable):
    """The services the district buys this year (F11), one row each.

    Columns: ``community``, ``category``, ``kind`` (:class:`ProjectKind`), ``value_yuan`` (for the year).
    """

    COLUMNS = {"community": (np.int64, 0), "category": (np.int64, 0), "kind": (np.int8, 0),
               "value_yuan": (np.float64, 0.0)}


class ContractTable(RowTable):
    """This year's purchase contracts, one row each, in the order they were awarded.

    Columns: ``project`` (its row of the project table) and that project's
    ``community``, ``category``, ``kind`` and ``value_yuan``; ``org`` (the
    holder's row of the organization table); ``target_people`` (needs the money
    pays for over the year, at the holder's price), ``delivered_people``
    (needs served so far this year), ``capacity_people`` (this month's, set by
    service delivery). A contract ends early when its holder goes dormant.
    """

    COLUMNS = {"project": (np.int64, -1), "community": (np.int64, 0), "category": (np.int64, 0),
               "kind": (np.int8, 0), "value_yuan": (np.float64, 0.0), "org": (np.int64, -1),
               "target_people": (np.float64, 0.0), "delivered_people": (np.float64, 0.0),
               "capacity_people": (np.float64, 0.0)}

    def _by_org(self, n_orgs: int, weights: np.ndarray | None = None) -> np.ndarray:
        rows = self.live_rows()
        return np.bincount(self.org[rows], weights=None if weights is None else weights[rows], minlength=n_orgs)

    def count_by_org(self, n_orgs: int) -> np.ndarray:
        """Contracts each organization holds, by row of the organization table."""
        return self._by_org(n_orgs)

    def tranches(self, n_orgs: int) -> np.ndarray:
        """Each organization's monthly contract income (a twelfth of each contract's value), in yuan."""
        return self._by_org(n_orgs, self.value_yuan[: self.n] / 12.0).astype(float)

    def monthly_demand(self, n_orgs: int) -> np.ndarray:
        """Needs a month each organization's contracts pay for (a twelfth of their targets), in people."""
        return self._by_org(n_orgs, self.target_people[: self.n] / 12.0).astype(float)

    def yearly_targets(self, n_orgs: int) -> np.ndarray:
        """Needs a year each organization's contracts pay for, in people."""
        return self._by_org(n_orgs, self.target_people[: self.n]).astype(float)

    def end_for(self, org_rows: np.ndarray) -> None:
        """End every contract of these organizations (they went dormant or left the register)."""
        if not np.size(org_rows):
            return
        rows = self.live_rows()
        holders = self.org[rows]
        ends = np.zeros(max(int(np.max(org_rows)), int(holders.max(initial=0))) + 1, bool)
        ends[org_rows] = True
        ending = rows[ends[holders]]
        if ending.size:
            self.kill(ending)

    def renumber_orgs(self, new_row: np.ndarray) -> None:
        """Follow the organization table's compaction (``new_row``: old row → new row)."""
        rows = self.live_rows()
        self.org[rows] = new_row[self.org[rows]]


@dataclass
class LastScores:
    """Last year's evaluation scores, in the order the contracts were awarded (F9).

    Attributes:
        cell: each contract's ``(community × categories + category) × 2 + kind``.
        org: its holder's row of the organization table (-1 once it left the register).
        score: its score in [0, 1].
    """

    cell: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    org: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    score: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def renumber_orgs(self, new_row: np.ndarray) -> None:
        """Follow the organization table's compaction (``new_row``: old row → new row)."""
        self.org = new_row[self.org]


class Project:
    """A service the district buys for a year (F11): a view of a row of the project table.

    Args:
        model: the district model.
        row: the project's row.
    """

    community = column_view("project_table", "row", "community", "The community it serves.")
    category = column_view("project_table", "row", "category", "Its service category.")
    kind = column_view("project_table", "row", "kind", "Common or individual (F11).", ProjectKind)
    value_yuan = column_view("project_table", "row", "value_yuan", "Its value for the year, in yuan.")

    def __init__(self, model: mesa.Model, row: int) -> None:
        self.model, self.row = model, row


class Contract:
    """A project awarded to an organization: a view of a row of the contract table.

    ``delivered_people`` counts needs served (people, not rows) over the year;
    ``target_people`` is what the money pays for.

    Args:
        model: the district model.
        row: the contract's row.
    """

    target_people = column_view("contract_table", "row", "target_people", "Needs a year its money pays for.")
    delivered_people = column_view("contract_table", "row", "delivered_people", "Needs served so far this year.")
    capacity_people = column_view("contract_table", "row", "capacity_people", "Needs it can serve this month.")

    def __init__(self, model: mesa.Model, row: int) -> None:
        self.model, self.row = model, row

    @property
    def project(self) -> Project:
        """The project it delivers."""
        return Project(self.model, int(self.model.contract_table.project[self.row]))

    @property
    def org(self):
        """The organization holding it (its agent)."""
        return self.model.organization_table.agents[int(self.model.contract_table.org[self.row])]


def score_cell(community, category, kind):
    """The key of last year's scores: ``(community × categories + category) × 2 + kind``."""
    return (community * N_CATEGORIES + category) * 2 + kind


def award(model: mesa.Model, projects: np.ndarray, orgs: np.ndarray, target_people: np.ndarray) -> np.ndarray:
    """Give project rows ``projects`` to organization rows ``orgs``, one each, in order; return the contracts' rows."""
    p, projects = model.project_table, np.asarray(projects, np.int64)
    return model.contract_table.add_many(
        projects.size, project=projects, community=p.community[projects], category=p.category[projects],
        kind=p.kind[projects], value_yuan=p.value_yuan[projects], org=orgs, target_people=target_people)


# --- how the district judges (F9) -------------------------------------------------
@dataclass(frozen=True, slots=True)
class TenderRegime:
    """How the district judges bids, renewals and contracts in a year (F9).

    Every rule of the tender and the evaluation is the same code in both
    regimes; third-party evaluation changes only these numbers.

    Attributes:
        noise: sd of the error in judging quality (score units).
        invitation_weight: how much more likely a call reaches an organization per
            contract it held before (0: an open call reaches all eligible alike).
        reputation_weight: share of judged quality taken from reputation (track record)
            instead of observed quality.
        capacity_headroom: multiple of its staff capacity an organization's contracts may
            reach and still bid or be renewed (1: checked; more: taken on its word).
    """

    noise: float
    invitation_weight: float
    reputation_weight: float
    capacity_headroom: float


def tender_regime(pu) -> TenderRegime:
    """The year's regime: the one place that reads ``purchase.third_party_evaluation``.

    With third-party evaluation: an open call, a capacity check and quality
    scored by the evaluator with small noise; without: invitations to the
    organizations officials know, capacity taken on the organization's word,
    and quality judged partly by reputation with large noise. No rule exists
    in one regime only.
    """
    if pu.third_party_evaluation:
        return TenderRegime(pu.evaluation_noise_with, pu.invitation_weight_with, pu.reputation_weight_with,
                            pu.capacity_headroom)
    return TenderRegime(pu.evaluation_noise_without, pu.invitation_weight_without, pu.reputation_weight_without,
                        pu.capacity_headroom_without)


def reputation(pu, record: np.ndarray) -> np.ndarray:
    """Reputation in [0, 1] from a track record (contracts held before): full at ``record_saturation``."""
    return np.minimum(np.asarray(record, float) / pu.record_saturation, 1.0)


def judged_quality(regime: TenderRegime, quality: np.ndarray, reputation_: np.ndarray) -> np.ndarray:
    """Quality as the judges see it, before noise: observed quality and reputation weighted by the regime."""
    return (1.0 - regime.reputation_weight) * quality + regime.reputation_weight * reputation_


def contract_capacity(model: mesa.Model) -> tuple[np.ndarray, np.ndarray]:
    """Each organization's hands for contract work (people a month) and the quality it serves with.

    Purchased projects are social-work projects (F11) delivered by social
    workers leading staff and volunteers (F13): an organization can serve
    no more than its staff capacity nor than its social workers' cases
    times ``social_work.contract_needs_per_case``, so a holder short of
    social workers, or whose workers are new or uncertified, serves less
    (P4). Its service quality mixes its own quality with its social workers'
    casework quality (``social_work.contract_quality_weight``; without any
    social worker, an uncertified newcomer's).
    """
    p, t = model.params, model.organization_table
    sw = p.social_work
    cases, quality_sum = social_work.org_casework(model)
    staff_hands = capacity_people(p, t.staff[: t.n])
    hands = np.minimum(staff_hands, cases * sw.contract_needs_per_case)
    casework_q = np.divide(quality_sum, cases, out=np.full(t.n, sw.quality_uncertified), where=cases > 0)
    w = sw.contract_quality_weight
    return hands, (1.0 - w) * t.quality[: t.n] + w * casework_q


# --- the month ---------------------------------------------------------------------
def pay_tranches(model: mesa.Model) -> None:
    """The government pays each running contract's monthly tranche, a twelfth of its value, to its holder (F7).

    What each organization receives (``model.flow.tranches_yuan``, by row of
    the organization table) is income of its settlement this month; the
    total is this month's purchase spending.
    """
    t, gov, flow = model.organization_table, model.government, model.flow
    flow.tranches_yuan = model.contract_table.tranches(t.n)
    paid = flow.tranches_yuan[flow.tranches_yuan > 0]  # the holders, in founding order
    if paid.size:
        flow.purchase_spent_yuan = float(np.add.accumulate(paid)[-1])
        gov.spent_year_yuan = float(np.add.accumulate(np.r_[gov.spent_year_yuan, paid])[-1])


def contract_pools(model: mesa.Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """This month's capacity of the contracts, pooled by cell (community × category), with quality sums.

    A contract can serve what its money pays for in a month (a twelfth of its
    target) and no more than its holder's hands allow (:func:`contract_capacity`:
    staff, and social workers to lead them, P4): the holder's capacity
    is split over its contracts by their value, and it serves with its
    :func:`contract_capacity` quality. Returns the capacity and
    quality sum of common projects, then of individual projects (people a
    month); each contract's capacity is kept in ``capacity_people``.
    """
    c, t, K = model.contract_table, model.organization_table, N_CATEGORIES
    n_cells = model.n_communities * K
    rows = c.live_rows()
    org = c.org[rows]
    value = c.value_yuan[rows]
    by_org = np.bincount(org, weights=value, minlength=t.n)
    hands, service_quality = contract_capacity(model)
    labour = hands[org] * value / by_org[org]
    capacity = np.minimum(c.target_people[rows] / 12.0, labour)
    c.capacity_people[rows] = capacity
    j = c.community[rows] * K + c.category[rows]
    quality = capacity * service_quality[org]
    pools = []
    for kind in (ProjectKind.COMMON, ProjectKind.INDIVIDUAL):
        mine = c.kind[rows] == kind
        pools += [np.bincount(j[mine], weights=capacity[mine], minlength=n_cells).astype(float),
                  np.bincount(j[mine], weights=quality[mine], minlength=n_cells).astype(float)]
    return pools[0], pools[1], pools[2], pools[3]


def attribute_delivery(model: mesa.Model, pools: dict[ProjectKind, tuple[np.ndarray, np.ndarray, np.ndarray]],
                       cell: np.ndarray) -> float:
    """Credit each contract with its share of what its pool served and met this month.

    ``pools`` gives, for each kind, the pool capacity by cell and the needs
    (indices into ``cell``) it served and met. A contract's share is its
    capacity over its pool's. Returns the needs met through contracts, in people.
    """
    c, K = model.contract_table, N_CATEGORIES
    n_cells = model.n_communities * K
    rows = c.live_rows()
    j = c.community[rows] * K + c.category[rows]
    terms = []
    for kind in (ProjectKind.COMMON, ProjectKind.INDIVIDUAL):
        pool_cap, served, met = pools[kind]
        served_cell = np.bincount(cell[served], minlength=n_cells) / model.scale
        met_cell = np.bincount(cell[met], minlength=n_cells) / model.scale
        mine = (c.kind[rows] == kind) & (pool_cap[j] > 0)
        share = c.capacity_people[rows[mine]] / pool_cap[j[mine]]
        c.delivered_people[rows[mine]] += served_cell[j[mine]] * share
        terms.append(met_cell[j[mine]] * share)
    terms = np.concatenate(terms)
    return float(np.add.accumulate(terms)[-1]) if terms.size else 0.0


# --- the year ------------------------------------------------------------------------
def evaluate_contracts(model: mesa.Model) -> None:
    """Score last year's contracts: delivery against target and judged quality (F9).

    The judged quality is the quality the holder served with
    (:func:`contract_capacity`) weighted against its reputation by the
    year's :class:`TenderRegime`, with the regime's noise. An organization
    learns from each contract it held (``quality_learning_year`` per
    contract-year), so its second contract is judged on the quality its first
    one taught it; contracts end.
    """
    p, rng = model.params, model.stream("tender.evaluate")
    pu, c, t = p.purchase, model.contract_table, model.organization_table
    regime = tender_regime(pu)
    rows = c.live_rows()
    org = c.org[rows]
    target = c.target_people[rows]
    achieved = np.minimum(np.divide(c.delivered_people[rows], target, out=np.zeros(rows.size), where=target > 0),
                          1.0)
    errors = rng.normal(0, regime.noise, size=rows.size)
    w, ws = pu.evaluation_delivery_weight, p.social_work.contract_quality_weight
    _, served_q = contract_capacity(model)
    casework_part = served_q - (1.0 - ws) * t.quality[: t.n]  # what the social workers add
    known = reputation(pu, bid_record(model, org))
    scores = np.zeros(rows.size)
    held = occurrence(org)  # how many contracts of the same holder come before this one
    for k in range(int(held.max()) + 1 if rows.size else 0):
        now = held == k
        quality = t.quality[org[now]]
        served = (1.0 - ws) * quality + casework_part[org[now]]
        scores[now] = np.clip(w * achieved[now] + (1 - w) * judged_quality(regime, served, known[now])
                              + errors[now], 0, 1)
        t.evaluated_score[org[now]] = scores[now]
        t.quality[org[now]] = quality + p.orgs.quality_learning_year * (1.0 - quality)
    np.add.at(t.past_contracts, org, 1)
    model.last_scores = LastScores(score_cell(c.community[rows], c.category[rows], c.kind[rows]), org.copy(), scores)
    live = t.live_rows()
    t.had_contract[live] = False
    t.had_contract[org] = True
    c.clear()


def set_budgets(model: mesa.Model) -> None:
    """This year's purchase budget: the lever, within the envelope (F14).

    The envelope is what is left after social-work-room posts and incubation grants.
    """
    p = model.params
    posts = p.social_work.posts_per_community * model.n_communities
    room_wages = posts * p.social_work.wage_yuan_month * 12.0
    incubation = p.orgs.incubator_slots * p.orgs.incubation_grant_yuan
    gov = model.government
    gov.room_wages_yuan = room_wages
    gov.purchase_budget_yuan = min(p.purchase.budget_yuan,
                                   max(p.purchase.envelope_yuan - room_wages - incubation, 0.0))
    gov.spent_year_yuan = 0.0


def define_projects(model: mesa.Model) -> None:
    """Common and individual projects of the year (F11, F17).

    Common projects (F11) go to communities in proportion to their vulnerable
    residents, in the categories vulnerable residents need; individual projects
    follow the consultation agendas of the past year (F17), or, without any
    agenda, the committees' guesses.
    """
    p, rng = model.params, model.stream("tender.define")
    pu, projects = p.purchase, model.project_table
    gov = model.government
    n_total = pu.common_projects + pu.individual_projects
    projects.clear()
    agenda = model.committee_table.agenda
    if gov.purchase_budget_yuan <= 0 or n_total == 0:
        agenda[:] = 0
        return
    value = gov.purchase_budget_yuan / n_total
    vul_need = model.vulnerable_need_rate  # (communities, categories)
    if vul_need.sum() <= 0:  # no vulnerable residents or no needs: spread evenly
        vul_need = np.ones_like(vul_need)
    quota = _largest_remainder(vul_need.sum(axis=1), pu.common_projects)
    communities = np.flatnonzero(quota)
    categories = []
    for c in communities.tolist():
        row = vul_need[c] if vul_need[c].sum() > 0 else np.ones(N_CATEGORIES)
        categories.append(choose(rng, row / row.sum(), int(quota[c])))
    if categories:
        projects.add_many(int(quota.sum()), community=np.repeat(communities, quota[communities]),
                          category=np.concatenate(categories), kind=ProjectKind.COMMON, value_yuan=value)
    flat = agenda.ravel()
    probs = flat / flat.sum() if flat.sum() > 0 else np.full(flat.size, 1.0 / flat.size)
    cells = rng.choice(flat.size, size=pu.individual_projects, p=probs)
    projects.add_many(cells.size, community=cells // N_CATEGORIES, category=cells % N_CATEGORIES,
                      kind=ProjectKind.INDIVIDUAL, value_yuan=value)
    agenda[:] = 0


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    if total == 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=int)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def tender_projects(model: mesa.Model) -> None:
    """Award each project (F9), by the same rules in every regime (:class:`TenderRegime`).

    An incumbent is renewed when its last score reaches ``renewal_score`` and
    its contracts still fit the regime's capacity headroom; otherwise the call
    reaches up to ``bidders_max`` eligible organizations (those of the
    project's category, or professional, whose contracts fit the headroom),
    drawn in proportion to 1 + the regime's invitation weight × their past
    contracts, and the best score wins; a project nobody can take is not bought.

    Score = w_quality × (judged quality + noise) + w_price × (1 - price
    factor) + w_local × (same street) + w_record × track record (a hub
    member's counts part of its hub's: joint bids). Incumbency, track record
    and capacity concentrate contracts in every regime; the regime sets how
    open the call is, how capacity is checked and how quality is judged. The
    winner serves the project's money at its own price.

    Projects are awarded in random order; the k-th project of a cell and kind
    meets the k-th of last year's holders there as its incumbent. Each award
    uses up the winner's capacity, so the awards run one after another, in a
    compiled loop (:func:`model.kernels.tender`).
    """
    rng, pu, projects = model.stream("tender.award"), model.params.purchase, model.project_table
    field_ = _Bidders(model)
    listed = projects.live_rows()
    order = listed[rng.permutation(listed.size)]
    incumbent, score = _incumbents(model.last_scores, score_cell(projects.community[order], projects.category[order],
                                                            projects.kind[order]))
    t = model.organization_table
    bidders = field_.active
    known = reputation(pu, field_.record)
    winner, target = kernels.tender(
        rng, projects.value_yuan[order], projects.category[order], model.street_of[projects.community[order]],
        _positions(field_.position, incumbent), score, field_.spare,
        t.category[bidders], t.professional(bidders), t.past_contracts[bidders],
        judged_quality(field_.regime, t.quality[bidders], known), t.price_factor[bidders],
        model.street_of[t.home[bidders]], known, float(pu.cost_per_need_yuan), float(pu.renewal_score),
        int(pu.bidders_max), float(field_.regime.invitation_weight), float(field_.regime.noise),
        np.array([pu.weight_quality, pu.weight_price, pu.weight_local, pu.weight_record], float))
    bought = winner >= 0
    award(model, order[bought], bidders[winner[bought]], target[bought])


def _positions(position: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The positions in the field of organization ``rows`` (-1 for none, or outside the field)."""
    out = np.full(rows.size, -1, np.int64)
    out[rows >= 0] = position[rows[rows >= 0]]
    return out


def _incumbents(last: LastScores, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For projects (in award order) of ``cells``: last year's holder each meets and its score (-1, NaN: none).

    The k-th project of a cell and kind meets the k-th contract of last year there.
    """
    org, score = np.full(cells.size, -1, np.int64), np.full(cells.size, np.nan)
    if not last.cell.size or not cells.size:
        return org, score
    mine, theirs = occurrence(cells), occurrence(last.cell)
    width = max(int(mine.max()), int(theirs.max())) + 1
    keys, wanted = last.cell * width + theirs, cells * width + mine
    sorter = np.argsort(keys)
    index = sorter[np.minimum(np.searchsorted(keys, wanted, sorter=sorter), keys.size - 1)]
    found = keys[index] == wanted
    org[found], score[found] = last.org[index[found]], last.score[index[found]]
    return org, score


class _Bidders:
    """The organizations that can take a contract this year, and what each can still take on.

    ``active``: their rows, in founding order (their positions in the field);
    ``position``: each row's position, -1 outside the field; ``record``: the
    track record each bids with; ``spare``: people a month each can still take
    on. The projects are awarded by :func:`model.kernels.tender`.

    Args:
        model: the district model at its yearly tender.
    """

    def __init__(self, model: mesa.Model) -> None:
        pu, t = model.params.purchase, model.organization_table
        self.regime = tender_regime(pu)
        rows = t.rows(OrgStatus.ACTIVE)
        self.active = rows[t.staff[rows] > 0]
        self.position = np.full(t.n, -1, np.int64)
        self.position[self.active] = np.arange(self.active.size)
        self.record = bid_record(model, self.active)
        # Monthly people each organization can still take on, within the regime's headroom.
        self.spare = (self.regime.capacity_headroom * capacity_people(model.params, t.staff[self.active])
                      - model.contract_table.monthly_demand(t.n)[self.active])


def _contract_rows(v) -> np.ndarray:
    return v.model.contract_table.live_rows()


def _money(v) -> np.ndarray:
    """Contract money of each holder (organizations without a contract left out)."""
    c, rows = v.model.contract_table, v.once(_contract_rows)
    money = np.bincount(c.org[rows], weights=c.value_yuan[rows], minlength=v.model.organization_table.n)
    return money[np.bincount(c.org[rows], minlength=money.size) > 0]


def _concentration(v) -> tuple[float, float]:
    """Share of contract money of the top 10% of holders, and the Herfindahl index (NaN without contracts)."""
    shares = np.sort(v.once(_money))[::-1]
    if not shares.size:
        return np.nan, np.nan
    shares = shares / shares.sum()
    top = shares[: max(int(np.ceil(0.1 * shares.size)), 1)].sum()
    return float(top), float((shares**2).sum())


def _service_quality(v) -> float:
    """Capacity-weighted quality the running contracts serve with this month (NaN without capacity)."""
    c, rows = v.model.contract_table, v.once(_contract_rows)
    capacity = c.capacity_people[rows]
    _, quality = contract_capacity(v.model)
    return float(ratio((capacity * quality[c.org[rows]]).sum(), capacity.sum()))


def _project_kinds(v) -> np.ndarray:
    """This year's projects, by kind (common, individual)."""
    t = v.model.project_table
    return np.bincount(t.kind[t.live_rows()], minlength=2)


def _contracts_c(v) -> np.ndarray:
    """Purchase contracts, by the community of their project."""
    return np.bincount(v.model.contract_table.community[v.once(_contract_rows)], minlength=v.n_comm).astype(float)


def _spent_c(v) -> np.ndarray:
    """Monthly value of the purchase contracts, by the community of their project."""
    c, rows = v.model.contract_table, v.once(_contract_rows)
    return np.bincount(c.community[rows], weights=c.value_yuan[rows] / 12.0, minlength=v.n_comm).astype(float)


INDICATORS = [
    Indicator("contract_holders", "organizations", 0, "organizations holding purchase contracts (F6)",
              lambda v: v.once(_money).size),
    Indicator("contract_top10_share", "share", -1, "contract money held by the top 10% of holders (P3)",
              lambda v: v.once(_concentration)[0]),
    Indicator("contract_hhi", "index in [0, 1]", -1, "Herfindahl index of contract money across holders (P3)",
              lambda v: v.once(_concentration)[1]),
    Indicator("contract_service_quality", "share", +1,
              "probability that contract service meets a need, capacity-weighted over running contracts (P4)",
              lambda v: v.once(_service_quality)),
    Indicator("contract_capacity_people", "people per month", +1,
              "needs the running contracts can serve this month (money, staff and social workers; P4)",
              lambda v: float(v.model.contract_table.capacity_people[v.once(_contract_rows)].sum())),
    Indicator("projects_common", "projects", 0, "common projects this year (F11)",
              lambda v: int(v.once(_project_kinds)[ProjectKind.COMMON])),
    Indicator("projects_individual", "projects", 0, "individual projects this year (F11)",
              lambda v: int(v.once(_project_kinds)[ProjectKind.INDIVIDUAL])),
    Indicator("contracts", "contracts", 0, "purchase contracts for the community's projects this year (F6, F11)",
              None, lambda v: v.once(_contracts_c), integer=True),
    Indicator("purchase_spent_yuan", "yuan per month", 0,
              "purchase contract money paid this month (F7; in a community: its contracts' monthly value)",
              lambda v: v.flow.purchase_spent_yuan, lambda v: v.once(_spent_c)),
    Indicator("cost_per_need_met_yuan", "yuan", -1, "purchase money per need met through contracts",
              lambda v: float(ratio(v.flow.purchase_spent_yuan, v.flow.met_by_contracts_people))),
    Indicator("purchase_spent_yuan_year", "yuan per year", 0,
              "purchase spending at this month's pace, per year (12 times the month's tranches; over a year's "
              "months its mean is that year's spending, comparable with the yearly budget)",
              lambda v: 12.0 * v.flow.purchase_spent_yuan),
]
"""The indicators the purchase of services defines."""
