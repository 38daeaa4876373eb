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


def evaluate_contracts(model: SansheModel) -> None:
    """Score last year's contracts: delivery against target and quality, judged
    with small noise under third-party evaluation and large noise without (F9).
    Organizations learn from each contract held (``quality_learning_year`` per
    contract-year); contracts end."""
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
    for org in model.organizations():
        org.contracts.clear()
    model.government.contracts = []


def close_organizations(model: SansheModel) -> None:
    """Dormant organizations are cleaned up by regulators (F9, when clean-up is
    on) after ``dormancy_months``, or deregister of their own accord."""
    p, rng = model.params, model.stream("organizations.close")
    o = p.orgs
    cleaned = deregistered = 0
    for org in model.organizations(OrgStatus.DORMANT):
        if o.cleanup_enabled and org.dormant_months >= o.dormancy_months:
            cleaned += 1
        elif rng.random() < o.deregister_prob_year:
            deregistered += 1
        else:
            continue
        org.status = OrgStatus.EXITED
        for w in list(org.social_workers):
            w.leave(stay_in_sector=True)
        org.remove()
    model.year_flow.update(cleaned_up=cleaned, deregistered=deregistered)


def found_organizations(model: SansheModel) -> None:
    """New organizations: ordinary births scaled by the registration regime,
    incubated priority-type organizations (F8), and grassroots groups that
    grow out of large volunteer clusters (domain.md §4.5)."""
    p, rng = model.params, model.stream("births")
    o = p.orgs
    active = len(model.organizations(OrgStatus.ACTIVE))
    weights = model.people_per_community / model.people_per_community.sum()
    births = 0
    for _ in range(int(rng.poisson(o.birth_rate_year * active * o.registration_multiplier))):
        model.found_organization(rng, home=int(rng.choice(model.n_communities, p=weights)))
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
    model.year_flow["births"] = births


def certification_exam(model: SansheModel) -> None:
    """Community workers sit the national social-work exam (F10); training
    support multiplies the pass rate by ``training_pass_multiplier``. Workers turn over during the year and
    are replaced by uncertified hires."""
    p, rng = model.params, model.stream("exam")
    sw, c = p.social_work, p.committee
    pass_prob = sw.exam_pass_prob if sw.training_support else sw.exam_pass_prob / sw.training_pass_multiplier
    for com in model.committees:
        com.certified -= int(rng.binomial(com.certified, c.worker_turnover_year))
        com.certified += int(rng.binomial(com.workers - com.certified, pass_prob))
    for w in model.social_workers():
        if not w.certified and rng.random() < pass_prob:
            w.certified = True


def task_creep(model: SansheModel) -> None:
    """Without admission control (准入) new items reach the list every year (P1)."""
    a = model.params.admin
    if not a.admission_control:
        model.task_creep_factor *= 1.0 + a.creep_rate_year


def set_budgets(model: SansheModel) -> None:
    """This year's purchase budget: the lever, within the envelope (F14) left
    after social-work-room posts and incubation grants."""
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
    """Common projects (F11) go to communities in proportion to their
    vulnerable residents, in the categories vulnerable residents need;
    individual projects follow the consultation agendas of the past year
    (F17), or, without any agenda, the committees' guesses."""
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
    """Award each project (F9): a well-scored incumbent is renewed; otherwise
    eligible organizations bid and the best score wins. Third-party
    evaluation also checks capacity: an organization is eligible while its
    contracts fit ``capacity_headroom`` times its staff capacity; a project
    nobody can take is not bought.

    Score = w_quality × (quality + evaluation noise) + w_price × (1 - price
    factor) + w_local × (same street) + w_record × track record; the winner
    serves the project's money at its own price. Without third-party
    evaluation nobody checks capacity, bidders are the organizations officials
    know (drawn in proportion to staff × (1 + contracts held before)), the
    noise is larger, incumbents are renewed without assessment, and larger
    organizations get a size bonus: the Matthew effect behind P3.
    """
    p, rng = model.params, model.stream("tender.award")
    pu = p.purchase
    gov = model.government
    third = pu.third_party_evaluation
    noise = pu.evaluation_noise_with if third else pu.evaluation_noise_without
    active = [o for o in model.organizations(OrgStatus.ACTIVE) if o.staff > 0]
    position = {o.unique_id: i for i, o in enumerate(active)}
    by_category = {k: np.array([i for i, o in enumerate(active)
                                if o.category == k or o.org_type in PROFESSIONAL_TYPES], dtype=np.intp)
                   for k in range(N_CATEGORIES)}
    # Monthly people each organization can still take on (third-party evaluation checks it).
    spare = np.array([pu.capacity_headroom * o.capacity_people
                      - sum(c.target_people / 12.0 for c in o.contracts) for o in active])
    last = getattr(model, "last_scores", {})
    for i in rng.permutation(len(gov.projects)):
        project = gov.projects[i]
        holders = last.get((project.community, project.category, project.kind))
        incumbent = holders.pop(0) if holders else None
        winner = None
        need = project.value_yuan / pu.cost_per_need_yuan / 12.0  # people a month, at the reference price
        if incumbent is not None:
            org, score = incumbent
            at = position.get(org.unique_id)
            if (at is not None and (not third or spare[at] >= need)
                    and (not third or score >= pu.renewal_score)):
                winner = org
        if winner is None:
            candidates = by_category[project.category]
            if third:
                candidates = candidates[spare[candidates] >= need]
            pool = [active[j] for j in candidates]
            if not pool:
                continue
            n_bid = min(pu.bidders_max, len(pool))
            if third:  # an open call: any eligible organization may be among the bidders
                weights = None
            else:  # officials invite the organizations they know: large ones and past holders
                known = np.array([o.staff * (1.0 + o.past_contracts) for o in pool], dtype=float)
                weights = known / known.sum()
            bidders = [pool[j] for j in rng.choice(len(pool), size=n_bid, replace=False, p=weights)]
            street = model.street_of[project.community]
            scores = [
                pu.weight_quality * (b.quality + rng.normal(0, noise))
                + pu.weight_price * (1.0 - b.price_factor)
                + pu.weight_local * (model.street_of[b.home] == street)
                + pu.weight_record * min(b.past_contracts / pu.record_saturation, 1.0)
                + (0.0 if third else pu.size_bias_without * np.log(b.staff))
                for b in bidders
            ]
            winner = bidders[int(np.argmax(scores))]
        unit_cost = pu.cost_per_need_yuan * winner.price_factor
        contract = Contract(project, winner, target_people=project.value_yuan / unit_cost)
        spare[position[winner.unique_id]] -= contract.target_people / 12.0
        winner.contracts.append(contract)
        gov.contracts.append(contract)
