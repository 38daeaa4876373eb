"""The yearly cycle (DESIGN §4, 'every 12 months'), one function each.

Run at the start of every year, in this order: contracts of the past year
are evaluated; dormant organizations are cleaned up or deregister;
organizations are founded; community workers sit the certification exam;
the task list creeps where admission control is off; the budget is set;
projects are defined and tendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.agents import (
    PROFESSIONAL_TYPES,
    TYPE_CATEGORIES,
    Contract,
    OrgStatus,
    OrgType,
    Project,
    ProjectKind,
)
from model.parameters import N_CATEGORIES, SERVICE_CATEGORIES

CULTURE_SPORTS = SERVICE_CATEGORIES.index("culture_sports")

if TYPE_CHECKING:
    from model.model import SansheModel

PRIORITY_TYPES = (OrgType.ECONOMIC, OrgType.PUBLIC_WELFARE, OrgType.CULTURE_SPORTS,
                  OrgType.CHARITY_RELIEF)
"""F8: the four types that get the development fund and incubation."""

CATEGORY_TYPES: dict[int, tuple[OrgType, ...]] = {
    k: tuple(kind for kind, cats in TYPE_CATEGORIES.items() if k in cats) for k in range(N_CATEGORIES)}
"""The organization types that specialise in each service category: a founder in
a category founds one of them (the inverse of ``TYPE_CATEGORIES``)."""


def evaluate_contracts(model: SansheModel) -> None:
    """Score last year's contracts: delivery against target and quality (F9).

    They are judged with small noise under third-party evaluation and large noise
    without. Organizations learn from each contract held (``quality_learning_year``
    per contract-year); contracts end.
    """
    p, rng = model.params, model.stream("tender.evaluate")
    pu = p.purchase
    noise = pu.evaluation_noise_with if pu.third_party_evaluation else pu.evaluation_noise_without
    model.last_scores = {}
    for ct in model.government.contracts:
        org = ct.org
        achieved = min(ct.delivered_people / ct.target_people, 1.0) if ct.target_people > 0 else 0.0
        w = pu.evaluation_delivery_weight
        score = float(np.clip(w * achieved + (1 - w) * org.quality + rng.normal(0, noise), 0, 1))
        org.evaluated_score = score
        org.past_contracts += 1
        org.quality += p.orgs.quality_learning_year * (1.0 - org.quality)
        key = (ct.project.community, ct.project.category, ct.project.kind)
        model.last_scores.setdefault(key, []).append((org, score))
    holders = {ct.org for ct in model.government.contracts}
    for org in model.organizations():
        org.had_contract = org in holders
        org.contracts.clear()
    model.government.contracts = []


def close_organizations(model: SansheModel) -> None:
    """Organizations leave the register (DESIGN §4, yearly).

    They leave in three ways:

    - a staffed organization closes with the yearly hazard ``exit_hazard_year``
      (Bielefeld 1994; Hager et al. 2004), multiplied by ``young_small_multiplier``
      when it is young and again when it is small, and by ``contract_protection``
      when it held a purchase contract in the year just reviewed;
    - annual inspection revokes an organization dormant (no staff) for
      ``dormancy_months`` or more: the insolvent end here, since an organization
      whose money runs out sheds its staff (see ``Organization.settle_finances``);
    - the clean-up campaign of a reform (``cleanup_campaign``, F9) runs once,
      at the first review after it is switched on and not in the spin-up: every
      dormant organization is revoked, and each trade association (an economic
      organization) deregisters with probability ``campaign_association_exit_share``
      rather than separate from its government sponsor.
    """
    p, rng = model.params, model.stream("organizations.close")
    o = p.orgs
    campaign = o.cleanup_campaign and not model.campaign_done and model.month >= 1
    closed = revoked = cleaned = deregistered = 0
    orgs = model.organizations()
    u_exit, u_campaign = rng.random(len(orgs)), rng.random(len(orgs))
    for org, ue, uc in zip(orgs, u_exit, u_campaign, strict=True):
        if org.status is OrgStatus.DORMANT:
            if campaign:
                cleaned += 1
            elif org.dormant_months >= o.dormancy_months:
                revoked += 1
            else:
                continue
        elif campaign and org.org_type is OrgType.ECONOMIC and uc < o.campaign_association_exit_share:
            cleaned += 1
            deregistered += 1
        elif ue < exit_hazard(org, o):
            closed += 1
        else:
            continue
        _remove_organization(org)
    model.campaign_done |= campaign
    flow = model.flow
    flow.closed, flow.revoked, flow.cleaned_up, flow.deregistered = closed, revoked, cleaned, deregistered


def exit_hazard(org, o) -> float:
    """Yearly probability that a staffed organization closes.

    Liabilities of newness and smallness; a contract protects.
    """
    hazard = o.exit_hazard_year
    if org.age_months < o.young_months:
        hazard *= o.young_small_multiplier
    if org.staff <= o.small_staff:
        hazard *= o.young_small_multiplier
    if org.had_contract:
        hazard *= o.contract_protection
    return min(hazard, 1.0)


def _remove_organization(org) -> None:
    org.status = OrgStatus.EXITED
    org.model.end_contracts(org)
    for w in list(org.social_workers):
        w.leave(stay_in_sector=True)
    org.remove()


def revise_own_revenue(model: SansheModel) -> None:
    """An organization's fundraising changes from year to year.

    Its own-revenue ratio follows a lognormal AR(1) around the sector's median,
    correlated ``own_revenue_persistence`` from one year to the next, with the spread
    ``own_revenue_sd`` new organizations are drawn with. So a strong year does
    not make an organization immortal: weak years shrink it and may end it, and
    the sector's composition settles within a few years, not the 30 that an
    exit hazard of 3% a year alone would take.
    """
    o, rng = model.params.orgs, model.stream("organizations.revenue")
    orgs = model.organizations(OrgStatus.ACTIVE)
    if not orgs or o.own_revenue_sd <= 0 or o.own_revenue_ratio <= 0:
        for org in orgs:  # no spread, or no own revenue at all: every ratio is the median
            org.own_revenue_ratio = o.own_revenue_ratio
        return
    mu = np.log(o.own_revenue_ratio) - o.own_revenue_sd**2 / 2
    rho = o.own_revenue_persistence
    now = np.log(np.maximum([org.own_revenue_ratio for org in orgs], 1e-12))
    new = mu + rho * (now - mu) + o.own_revenue_sd * np.sqrt(1 - rho**2) * rng.standard_normal(len(orgs))
    for org, ratio in zip(orgs, np.exp(new), strict=True):
        org.own_revenue_ratio = float(ratio)


def found_organizations(model: SansheModel) -> None:
    """New organizations, where there is a niche (DESIGN §4, yearly).

    They come from three sources:

    - founding attempts, ``founding_attempts_per_10k_year`` per 10,000
      residents times the registration regime's multiplier, arise in
      communities in proportion to their people; an attempt picks a category
      in proportion to its community's unmet needs and contract money there,
      and succeeds with the probability the share of the community's
      money (its residents' revenue pool and last year's contracts) that its
      organizations' costs do not take yet. So births follow need and money,
      not the size of the stock, and stop as the niche fills;
    - incubated organizations of the priority types (F8), ``incubator_slots`` a year;
    - grassroots groups that grow out of large volunteer clusters.
    """
    p, rng = model.params, model.stream("births")
    o = p.orgs
    weights = model.people_per_community / model.people_per_community.sum()
    money, taken, opportunity = _niche(model)
    births = 0
    attempts = int(rng.poisson(o.founding_attempts_per_10k_year * p.population.residents_total / 10_000
                               * o.registration_multiplier))
    new_cost = o.staff_mean * o.wage_yuan_month * (1.0 + o.overhead_share)
    for c in rng.choice(model.n_communities, size=attempts, p=weights):
        free = 1.0 - taken[c] / money[c] if money[c] > 0 else 0.0
        if rng.random() >= free:
            continue
        row = opportunity[c]
        category = (int(rng.choice(N_CATEGORIES, p=row / row.sum())) if row.sum() > 0
                    else int(rng.integers(N_CATEGORIES)))
        kinds = CATEGORY_TYPES[category]
        model.found_organization(rng, home=int(c), org_type=kinds[int(rng.integers(len(kinds)))],
                                 category=category)
        taken[c] += new_cost
        births += 1
    for _ in range(o.incubator_slots):
        kind = PRIORITY_TYPES[int(rng.integers(len(PRIORITY_TYPES)))]
        model.found_organization(rng, home=int(rng.choice(model.n_communities, p=weights)),
                                 org_type=kind, incubated=True)
        births += 1
    clusters = np.floor(model.volunteers_people / o.volunteer_cluster_size)
    for com in model.committees:
        for _ in range(int(rng.binomial(int(clusters[com.community]), o.cluster_birth_prob))):
            agenda = com.agenda
            category = int(agenda.argmax()) if agenda.sum() > 0 else CULTURE_SPORTS
            model.found_organization(rng, home=com.community, org_type=OrgType.COMMUNITY_FILED,
                                     category=category)
            births += 1
    model.flow.births = births


def _niche(model: SansheModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per community: the money for organizations, what their costs take, and founders' opportunity.

    The money its organizations can live on is in yuan a month: the residents'
    revenue pool and last year's contract money there. The opportunity a founder
    sees is per category: people with an unmet need now, and needs last year's
    contracts paid for a month.
    """
    p, res = model.params, model.residents
    n_comm = model.n_communities
    money = p.orgs.revenue_pool_yuan_per_capita_month * model.people_per_community
    opportunity = np.bincount(res.community[res.need_resident].astype(np.int64) * N_CATEGORIES
                              + res.need_category, minlength=n_comm * N_CATEGORIES
                              ).reshape(n_comm, N_CATEGORIES) / model.scale
    for project in model.government.projects:
        money[project.community] += project.value_yuan / 12.0
        opportunity[project.community, project.category] += project.value_yuan / 12.0 / p.purchase.cost_per_need_yuan
    active = model.organizations(OrgStatus.ACTIVE)
    taken = np.bincount([org.home for org in active], weights=[org.monthly_cost for org in active],
                        minlength=n_comm).astype(float)
    return money, taken, opportunity


def certification_exam(model: SansheModel) -> None:
    """Community workers sit the national social-work exam (F10).

    Training support multiplies the pass rate by ``training_pass_multiplier``.
    Workers turn over during the year and are replaced by uncertified hires.
    """
    p, rng = model.params, model.stream("exam")
    sw, c = p.social_work, p.committee
    pass_prob = sw.exam_pass_prob if sw.training_support else sw.exam_pass_prob / sw.training_pass_multiplier
    for com in model.committees:
        com.certified -= int(rng.binomial(com.certified, c.worker_turnover_year))
        com.certified += int(rng.binomial(com.workers - com.certified, pass_prob))
    t = model.social_worker_table
    rows = t.live_rows()
    uncertified = rows[~t.certified[rows]]
    t.certified[uncertified[rng.random(uncertified.size) < pass_prob]] = True


def task_creep(model: SansheModel) -> None:
    """Without admission control (准入) new items reach the list every year (P1)."""
    a = model.params.admin
    if not a.admission_control:
        model.task_creep_factor *= 1.0 + a.creep_rate_year


def set_budgets(model: SansheModel) -> None:
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


def define_projects(model: SansheModel) -> None:
    """Common and individual projects of the year (F11, F17).

    Common projects (F11) go to communities in proportion to their vulnerable
    residents, in the categories vulnerable residents need; individual projects
    follow the consultation agendas of the past year (F17), or, without any
    agenda, the committees' guesses.
    """
    p, rng = model.params, model.stream("tender.define")
    pu = p.purchase
    gov = model.government
    n_total = pu.common_projects + pu.individual_projects
    gov.projects = []
    if gov.purchase_budget_yuan <= 0 or n_total == 0:
        _reset_agendas(model)
        return
    value = gov.purchase_budget_yuan / n_total
    vul_need = model.vulnerable_need_rate  # (communities, categories)
    if vul_need.sum() <= 0:  # no vulnerable residents or no needs: spread evenly
        vul_need = np.ones_like(vul_need)
    quota = _largest_remainder(vul_need.sum(axis=1), pu.common_projects)
    for c in np.flatnonzero(quota):
        row = vul_need[c] if vul_need[c].sum() > 0 else np.ones(N_CATEGORIES)
        for k in rng.choice(N_CATEGORIES, size=quota[c], p=row / row.sum()):
            gov.projects.append(Project(int(c), int(k), ProjectKind.COMMON, value))

    agenda = np.array([com.agenda for com in model.committees]).ravel()
    if agenda.sum() > 0:
        probs = agenda / agenda.sum()
    else:
        probs = np.full(agenda.size, 1.0 / agenda.size)
    for cell in rng.choice(agenda.size, size=pu.individual_projects, p=probs):
        c, k = divmod(int(cell), N_CATEGORIES)
        gov.projects.append(Project(c, k, ProjectKind.INDIVIDUAL, value))
    _reset_agendas(model)


def _reset_agendas(model: SansheModel) -> None:
    for com in model.committees:
        com.agenda[:] = 0


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    if total == 0 or weights.sum() <= 0:
        return np.zeros(weights.size, dtype=int)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def tender_projects(model: SansheModel) -> None:
    """Award each project (F9).

    A well-scored incumbent is renewed; otherwise eligible organizations bid and
    the best score wins. Third-party evaluation also checks capacity: an
    organization is eligible while its contracts fit ``capacity_headroom`` times
    its staff capacity; a project nobody can take is not bought.

    Score = w_quality × (quality + evaluation noise) + w_price × (1 - price
    factor) + w_local × (same street) + w_record × track record; the winner
    serves the project's money at its own price. Without third-party
    evaluation nobody checks capacity, bidders are the organizations officials
    know (drawn in proportion to staff × (1 + contracts held before)), the
    noise is larger, incumbents are renewed without assessment, and larger
    organizations get a size bonus: the Matthew effect behind P3.
    """
    rng, pu, gov = model.stream("tender.award"), model.params.purchase, model.government
    field = _Bidders(model)
    last = getattr(model, "last_scores", {})
    for i in rng.permutation(len(gov.projects)):
        project = gov.projects[i]
        holders = last.get((project.community, project.category, project.kind))
        need = project.value_yuan / pu.cost_per_need_yuan / 12.0  # people a month, at the reference price
        winner = field.renewed(holders.pop(0) if holders else None, need)
        if winner is None:
            winner = field.best_bid(project, need, rng)
        if winner is None:
            continue  # nobody eligible: the project is not bought
        unit_cost = pu.cost_per_need_yuan * winner.price_factor
        contract = Contract(project, winner, target_people=project.value_yuan / unit_cost)
        field.spare[field.position[winner.unique_id]] -= contract.target_people / 12.0
        winner.contracts.append(contract)
        gov.contracts.append(contract)


class _Bidders:
    """The organizations that can take a contract this year, and what each can still take on.

    Args:
        model: the district model at its yearly tender.
    """

    def __init__(self, model: SansheModel) -> None:
        pu = model.params.purchase
        self.model, self.pu = model, pu
        self.third = pu.third_party_evaluation
        self.noise = pu.evaluation_noise_with if self.third else pu.evaluation_noise_without
        self.active = [o for o in model.organizations(OrgStatus.ACTIVE) if o.staff > 0]
        self.position = {o.unique_id: i for i, o in enumerate(self.active)}
        self.by_category = {k: np.array([i for i, o in enumerate(self.active)
                                         if o.category == k or o.org_type in PROFESSIONAL_TYPES], dtype=np.intp)
                            for k in range(N_CATEGORIES)}
        # Monthly people each organization can still take on (third-party evaluation checks it).
        self.spare = np.array([pu.capacity_headroom * o.capacity_people
                               - sum(c.target_people / 12.0 for c in o.contracts) for o in self.active])

    def renewed(self, incumbent: tuple | None, need: float):
        """The incumbent if it is renewed, else None.

        It must still be active and, under third-party evaluation, well scored with room for the project.
        """
        if incumbent is None:
            return None
        org, score = incumbent
        at = self.position.get(org.unique_id)
        if at is None:
            return None
        if self.third and (self.spare[at] < need or score < self.pu.renewal_score):
            return None
        return org

    def best_bid(self, project, need: float, rng: np.random.Generator):
        """The winner of an open call (third-party evaluation) or an invitation (without); None if nobody bids."""
        pu = self.pu
        candidates = self.by_category[project.category]
        if self.third:
            candidates = candidates[self.spare[candidates] >= need]
        pool = [self.active[j] for j in candidates]
        if not pool:
            return None
        n_bid = min(pu.bidders_max, len(pool))
        if self.third:  # an open call: any eligible organization may be among the bidders
            weights = None
        else:  # officials invite the organizations they know: large ones and past holders
            known = np.array([o.staff * (1.0 + o.past_contracts) for o in pool], dtype=float)
            weights = known / known.sum()
        bidders = [pool[j] for j in rng.choice(len(pool), size=n_bid, replace=False, p=weights)]
        street = self.model.street_of[project.community]
        scores = [self.score(b, street, rng) for b in bidders]
        return bidders[int(np.argmax(scores))]

    def score(self, bidder, street: int, rng: np.random.Generator) -> float:
        """A bid's score: quality seen through evaluation noise, price, local ties, track record, size bias."""
        pu = self.pu
        return (pu.weight_quality * (bidder.quality + rng.normal(0, self.noise))
                + pu.weight_price * (1.0 - bidder.price_factor)
                + pu.weight_local * (self.model.street_of[bidder.home] == street)
                + pu.weight_record * min(bidder.past_contracts / pu.record_saturation, 1.0)
                + (0.0 if self.third else pu.size_bias_without * np.log(bidder.staff)))
