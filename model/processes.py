"""The monthly processes of DESIGN §4, one function each, in schedule order.

Each function takes the model, reads the parameters it needs at the moment
it runs (so a lever changed this month takes effect now), acts on resident
arrays with vectorised numpy and on agents through their methods, and
leaves this month's flows in ``model.flow`` for the indicators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import rules
from model.agents import Committee, OrgStatus, ProjectKind
from model.contagion import neighbour_share_at, ties_of
from model.parameters import N_CATEGORIES

if TYPE_CHECKING:
    from model.model import SansheModel

F32 = np.float32


def stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round to integers, up with probability equal to the fractional part (unbiased)."""
    x = np.asarray(x, dtype=np.float64)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


def rank_within_groups(groups: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order items by (group, key) and return ``(order, rank)``: rank 0 is the
    smallest key of its group.

    ``groups`` are non-negative integers; ``keys`` lie in [-1000, 1000). One
    sort of a combined float64 key replaces a slower two-key ``lexsort``.
    """
    order = np.argsort(groups.astype(np.float64) * 2048.0 + (keys + 1000.0))
    g = groups[order]
    n = g.size
    if n == 0:
        return order, np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(g)) + 1])
    lengths = np.diff(np.concatenate([starts, [n]]))
    rank = np.arange(n) - np.repeat(starts, lengths)
    return order, rank


# 1 -------------------------------------------------------------------------
def needs_arise(model: SansheModel) -> None:
    """Open needs age and some end unmet; new needs arise by group and category."""
    res, p, rng = model.residents, model.params, model.streams["needs"]
    u_need = rng.random(res.need_key.size, dtype=F32)
    abandoned = rules.age_and_abandon(res, p.needs.abandon_prob_month, u_need)
    u_arrive = rng.random(res.n, dtype=F32)
    new = rules.arise_needs(res, model.rate_table, u_arrive, rng, model.resident_need_rate)
    model.flow = {"abandoned": abandoned, "new_needs": int(new.size)}


# 2 -------------------------------------------------------------------------
def administrative_load(model: SansheModel) -> None:
    """Administrative load reaches committees (F1, F2, F16).

    Hours = residual work + per-item hours × (items on the list + the part of
    merged and optimised items that still costs time) + residents' matters
    not handled by the street centre + campaigns. Items taken up, stripped
    or cancelled cost the committee nothing. The stripped matters queue at
    the street centres, which have finite capacity.
    """
    p, rng = model.params, model.streams["admin"]
    a = p.admin
    routes = np.array([a.route_up_share, a.route_strip_share, a.route_cancel_share,
                       a.route_merge_share, a.route_optimise_share])
    routes = routes / routes.sum() if routes.sum() > 0 else routes
    removed = max(a.task_list_reference - a.committee_tasks, 0)
    retained = removed * (routes[3] * a.merge_hours_retained + routes[4] * a.optimise_hours_retained)
    items = a.committee_tasks * model.task_creep_factor + retained
    platform = 1.0 - a.platform_saving * a.platform_enabled
    item_hours = items * a.hours_per_task_month * platform

    requests = rng.poisson(a.requests_per_1000_month * model.people_per_community / 1000.0)
    to_street = requests * a.approvals_to_street_share
    request_hours = (requests - to_street) * a.hours_per_request * platform
    campaigns = (rng.random(model.n_communities) < a.campaign_prob_month) * a.campaign_hours
    for com in model.committees:
        c = com.community
        com.admin_load_hours = (a.residual_admin_share * com.hours_total + item_hours
                                + request_hours[c] + campaigns[c])
    incoming = np.bincount(model.street_of, weights=to_street, minlength=len(model.street_centres))
    for centre in model.street_centres:
        centre.process(float(incoming[centre.street]))


# 3 -------------------------------------------------------------------------
def allocate_committee_time(model: SansheModel) -> None:
    """Committees split their hours; social workers' leadership hours per community follow."""
    for com in model.committees:
        com.allocate_time()
    lead = np.array([com.leadership_hours for com in model.committees])
    for org in model.organizations(OrgStatus.ACTIVE):
        hours = org.leadership_hours()
        if hours <= 0:
            continue
        places = [c.project.community for c in org.contracts] or [org.home]
        for c in places:
            lead[c] += hours / len(places)
    model.leadership_hours = lead
    sw = model.params.social_work
    capacity = lead / (sw.hours_month * max(sw.leadership_share, 1e-9)) * sw.volunteers_per_worker
    res = model.residents
    volunteers = np.add.reduceat(res.volunteer > 0, res.community_start[:-1],
                                 dtype=np.float64) * model.people_per_row
    model.supervised_share = np.where(volunteers > 0, np.minimum(capacity / np.maximum(volunteers, 1e-9), 1.0), 1.0)
    model.volunteers_people = volunteers


# 4 -------------------------------------------------------------------------
def detect_needs(model: SansheModel) -> None:
    """Grids with 1+X staff (F15), brokering, self-referral and word of mouth
    bring undetected needs to light.

    The '1' of a grid is a community worker, available in the share of time
    administration leaves; the X helpers are not drawn into administration.
    """
    res, p, rng = model.residents, model.params, model.streams["detection"]
    d = p.detection
    admin_share = np.array([com.admin_share for com in model.committees])
    staff = (1.0 - admin_share) + d.grid_helpers
    p_grid = 1.0 - np.exp(-d.rate_per_grid_staff * staff * 300.0 / d.households_per_grid)
    broker = np.array([com.brokering_hours for com in model.committees])
    p_broker = 1.0 - np.exp(-d.broker_rate_per_hour * broker / (model.people_per_community / 1000.0))
    p_community = 1.0 - (1.0 - p_grid) * (1.0 - p_broker)

    # Word of mouth matters only to residents with an undetected need.
    waiting = np.unique(res.need_resident[~res.need_detected])
    served_share = np.zeros(res.n, F32)
    served_share[waiting] = neighbour_share_at(model.adjacency, res.served_last > 0, waiting)
    u = rng.random(res.need_key.size, dtype=F32)
    model.flow["detected"] = rules.detect_needs(res, p_community, p.needs.self_referral_prob_month,
                                                p.needs.word_of_mouth_weight, served_share, u)


# 5 -------------------------------------------------------------------------
def hold_consultations(model: SansheModel) -> None:
    """Consultation meetings (F17): participants attend up to the seats the
    committee's consultation hours pay for; attendees voice their open needs,
    which become known and form the community's agenda; an attendee whose
    concern tops the agenda gains voice (a trust bonus)."""
    res, p, rng = model.residents, model.params, model.streams["consultation"]
    c = p.consultation
    n_comm = model.n_communities
    model.flow["voice"] = np.zeros(res.n, bool)
    model.flow["attendees"] = np.zeros(n_comm)
    if not c.enabled:
        for com in model.committees:
            com.meetings = 0
        return
    hours = np.array([com.consultation_hours for com in model.committees])
    meetings = np.minimum(c.max_meetings_month, np.floor(hours / c.hours_per_meeting)).astype(int)
    seats = stochastic_round(meetings * c.seats_per_meeting * model.scale, rng)
    participants = np.flatnonzero(res.participant)
    u = rng.random(participants.size)
    go = u < p.participation.attend_prob
    cand = participants[go]
    order, rank = rank_within_groups(res.community[cand], u[go])
    cand = cand[order]
    attend = cand[rank < seats[res.community[cand]]]
    res.last_attended[attend] = model.month

    is_attendee = np.zeros(res.n, bool)
    is_attendee[attend] = True
    need_res = res.need_resident
    voiced = is_attendee[need_res]
    res.need_detected |= voiced
    cells = res.community[need_res[voiced]].astype(np.int64) * N_CATEGORIES + res.need_category[voiced]
    agenda = np.bincount(cells, minlength=n_comm * N_CATEGORIES).reshape(n_comm, N_CATEGORIES)
    for com in model.committees:
        com.meetings = int(meetings[com.community])
        com.agenda += agenda[com.community]
    top = agenda.argmax(axis=1)
    has_agenda = agenda.sum(axis=1) > 0
    on_top = voiced.copy()
    on_top[voiced] = (res.need_category[voiced] == top[res.community[need_res[voiced]]]) & \
        has_agenda[res.community[need_res[voiced]]]
    model.flow["voice"][need_res[on_top]] = True
    model.flow["attendees"] = np.bincount(res.community[attend], minlength=n_comm) * model.people_per_row


# 6 -------------------------------------------------------------------------
def deliver_services(model: SansheModel) -> None:
    """Committees, social-work rooms (F12), contracted organizations (F6, F11),
    organizations' own work and volunteers led by social workers (F13) serve
    detected needs.

    Capacity is pooled per community and category. Pass 1 serves vulnerable
    residents only: common projects and room casework. Pass 2 serves every
    remaining detected need: committee service, individual projects,
    organizations' own work, volunteers, and room capacity pass 1 left
    unused. Within a pool the longest-waiting needs go first; a served need
    is met with the pool's capacity-weighted quality.
    """
    res, p, rng = model.residents, model.params, model.streams["services"]
    n_comm, K = model.n_communities, N_CATEGORIES
    need_res = res.need_resident
    cell = res.community[need_res].astype(np.int64) * K + res.need_category
    det = res.need_detected
    vul = res.vulnerable[need_res]
    det_counts = np.bincount(cell[det], minlength=n_comm * K).reshape(n_comm, K).astype(float)
    det_vul = np.bincount(cell[det & vul], minlength=n_comm * K).reshape(n_comm, K).astype(float)
    share_all = det_counts / np.maximum(det_counts.sum(1, keepdims=True), 1.0)
    share_vul = det_vul / np.maximum(det_vul.sum(1, keepdims=True), 1.0)

    cap1, qual1 = np.zeros((n_comm, K)), np.zeros((n_comm, K))  # capacity, capacity × quality
    cap2, qual2 = np.zeros((n_comm, K)), np.zeros((n_comm, K))

    def add(cap, qual, amount, quality):
        cap += amount
        qual += amount * quality

    # Committees' direct service.
    com_cap = np.array([com.service_hours for com in model.committees]) / p.committee.hours_per_need
    add(cap2, qual2, com_cap[:, None] * share_all, p.committee.service_quality)
    # Social-work rooms: casework for vulnerable residents first.
    sw = p.social_work
    room_cap = np.array([com.casework_hours for com in model.committees]) / sw.hours_per_case
    room_q = np.array([_room_quality(com, sw) for com in model.committees])
    room1 = room_cap[:, None] * share_vul
    add(cap1, qual1, room1, room_q[:, None])
    # Contracts.
    contracts = model.government.contracts
    by_org: dict[int, float] = {}
    for ct in contracts:
        by_org[ct.org.unique_id] = by_org.get(ct.org.unique_id, 0.0) + ct.project.value_yuan
    for ct in contracts:
        money = ct.project.value_yuan / 12.0 / p.purchase.cost_per_need_yuan
        labour = ct.org.capacity_people * ct.project.value_yuan / by_org[ct.org.unique_id]
        ct.capacity_people = min(money, labour)
        pool = (cap1, qual1) if ct.project.kind is ProjectKind.COMMON else (cap2, qual2)
        pool[0][ct.project.community, ct.project.category] += ct.capacity_people
        pool[1][ct.project.community, ct.project.category] += ct.capacity_people * ct.org.quality
    # Organizations' own work in their home community.
    own = [o for o in model.organizations(OrgStatus.ACTIVE) if not o.contracts]
    if own:
        o = p.orgs
        at = np.array([org.home * K + org.category for org in own])
        amount = (p.orgs.free_service_share * o.hours_per_staff_month / o.hours_per_need
                  * np.array([org.staff for org in own], dtype=float))
        quality = np.array([org.quality for org in own])
        cap2 += np.bincount(at, weights=amount, minlength=n_comm * K).reshape(n_comm, K)
        qual2 += np.bincount(at, weights=amount * quality, minlength=n_comm * K).reshape(n_comm, K)
    # Volunteers: supervised ones at full efficiency, the rest at a fraction.
    v = p.volunteer
    useful = model.volunteers_people * v.hours_month * (
        model.supervised_share * v.efficiency + (1 - model.supervised_share) * v.unsupervised_efficiency)
    add(cap2, qual2, (useful / v.hours_per_need)[:, None] * share_all, v.service_quality)

    u_key = rng.random(res.need_key.size)
    u_met = rng.random(res.need_key.size)
    priority = -res.need_age.astype(np.float64) + u_key  # oldest first, random ties

    # Pass 1: vulnerable residents.
    rows1 = stochastic_round(cap1.ravel() * model.scale, rng)
    cand1 = np.flatnonzero(det & vul)
    served1 = _allocate(cand1, cell, priority, rows1)
    used1 = np.bincount(cell[served1], minlength=n_comm * K)
    room_frac = np.divide(room1.ravel(), cap1.ravel(), out=np.zeros(n_comm * K), where=cap1.ravel() > 0)
    room_left = (rows1 - used1) * room_frac / model.scale  # people
    cap2_all = cap2.ravel() + room_left
    qual2_all = qual2.ravel() + room_left * np.repeat(room_q, K)
    # Pass 2: everyone still waiting.
    rows2 = stochastic_round(cap2_all * model.scale, rng)
    waiting = det.copy()
    waiting[served1] = False
    served2 = _allocate(np.flatnonzero(waiting), cell, priority, rows2)

    q1 = np.divide(qual1.ravel(), cap1.ravel(), out=np.zeros(n_comm * K), where=cap1.ravel() > 0)
    q2 = np.divide(qual2_all, cap2_all, out=np.zeros(n_comm * K), where=cap2_all > 0)
    met1 = served1[u_met[served1] < q1[cell[served1]]]
    met2 = served2[u_met[served2] < q2[cell[served2]]]

    # Attribute delivery to contracts in proportion to their share of the pool.
    served_cell = [np.bincount(cell[s], minlength=n_comm * K) / model.scale for s in (served1, served2)]
    met_cell = [np.bincount(cell[m], minlength=n_comm * K) / model.scale for m in (met1, met2)]
    pool_cap = [cap1.ravel(), cap2_all]
    met_by_contracts = 0.0
    for ct in contracts:
        i = 0 if ct.project.kind is ProjectKind.COMMON else 1
        j = ct.project.community * K + ct.project.category
        if pool_cap[i][j] > 0:
            share = ct.capacity_people / pool_cap[i][j]
            ct.delivered_people += served_cell[i][j] * share
            met_by_contracts += met_cell[i][j] * share
    room_served = (served_cell[0] * room_frac).reshape(n_comm, K).sum(axis=1)
    for com in model.committees:
        for w in com.room:
            w.caseload = room_served[com.community] / len(com.room)

    met = np.concatenate([met1, met2])
    met_keys = res.need_key[met]
    keep = np.ones(res.need_key.size, bool)
    keep[met] = False
    res.need_key, res.need_age, res.need_detected = res.need_key[keep], res.need_age[keep], res.need_detected[keep]
    res.served_last = np.bincount(met_keys // K, minlength=res.n).astype(F32)
    model.flow.update(met=met_keys, met_by_contracts_people=met_by_contracts,
                      served_people=(served1.size + served2.size) / model.scale)


def _room_quality(com: Committee, sw) -> float:
    if not com.room:
        return sw.quality_uncertified
    cert = sum(w.certified for w in com.room) / len(com.room)
    return cert * sw.quality_certified + (1 - cert) * sw.quality_uncertified


def _allocate(candidates: np.ndarray, cell: np.ndarray, priority: np.ndarray,
              capacity_rows: np.ndarray) -> np.ndarray:
    """The candidates served: in each cell, the ``capacity_rows`` of highest priority.

    Cells with room for all their candidates serve them all; only the
    candidates of cells short of capacity are ranked.
    """
    if candidates.size == 0:
        return candidates
    cells = cell[candidates]
    short = np.bincount(cells, minlength=capacity_rows.size) > capacity_rows
    contested = short[cells]
    rest = candidates[contested]
    order, rank = rank_within_groups(cell[rest], priority[rest])
    ranked = rest[order]
    served = np.concatenate([candidates[~contested], ranked[rank < capacity_rows[cell[ranked]]]])
    served.sort()
    return served


# 7 -------------------------------------------------------------------------
def update_participation(model: SansheModel) -> None:
    """Participation and volunteering spread on the resident network
    (threshold contagion, Granovetter 1978; Watts 2002), pushed by the
    committee's consultation outreach and social workers' recruitment (F13).

    Adults may take part; participants may volunteer. Volunteers come in two
    kinds: grassroots (recruited by social workers) and state-mobilised (the
    committee's outreach), in proportion to the two efforts. Volunteers
    beyond social workers' supervision drop out faster. Both contagions read
    the neighbours' states at the start of the step; the neighbour counts
    are kept up to date from the residents who changed.
    """
    res, p, rng = model.residents, model.params, model.streams["participation"]
    pa, v = p.participation, p.volunteer
    per_1000 = model.people_per_community / 1000.0
    consult = np.array([com.consultation_hours for com in model.committees])
    lead = model.leadership_hours
    s = model.supervised_share
    mob = rules.Mobilisation(
        participation_logit=pa.base_logit + pa.invitation_weight * consult / per_1000,
        volunteer_logit=v.base_logit + v.recruit_weight * lead / per_1000,
        volunteer_dropout=v.dropout_month * s + v.unsupervised_dropout_month * (1 - s),
        grassroots_share=lead / np.maximum(lead + consult, 1e-9),
    )
    was_participant, was_volunteer = rules.update_participation(
        res, model.participant_nbrs * model.inverse_degree, model.volunteer_nbrs * model.inverse_degree,
        mob, trust_weight=pa.trust_weight, civic_weight=pa.civic_weight,
        sensitivity=pa.neighbour_sensitivity, dropout=pa.dropout_month,
        volunteer_sensitivity=v.neighbour_sensitivity,
        u_participate=rng.random(res.n, dtype=F32),
        u_volunteer=lambda k: rng.random(k, dtype=F32), u_kind=lambda k: rng.random(k))
    _update_counts(model, model.participant_nbrs, was_participant, res.participant)
    _update_counts(model, model.volunteer_nbrs, was_volunteer, res.volunteer > 0)


def _update_counts(model: SansheModel, counts: np.ndarray, before: np.ndarray, after: np.ndarray) -> None:
    """Bring neighbour counts of a trait up to date with the residents who changed."""
    gained = ties_of(model.adjacency, np.flatnonzero(after & ~before))
    lost = ties_of(model.adjacency, np.flatnonzero(before & ~after))
    delta = np.bincount(np.concatenate([gained, lost]),
                        weights=np.repeat([1.0, -1.0], [gained.size, lost.size]),
                        minlength=counts.size)
    counts += delta.astype(np.float32)


# 8 -------------------------------------------------------------------------
def update_satisfaction_and_trust(model: SansheModel) -> None:
    """Satisfaction (expectancy-disconfirmation) and trust (falls faster than it rises)."""
    res, p = model.residents, model.params
    n_comm = model.n_communities
    met = res.served_last
    open_after = np.bincount(res.need_resident, minlength=res.n).astype(F32)
    met_c = np.bincount(res.community[model.flow["met"] // N_CATEGORIES], minlength=n_comm)
    ab_c = np.bincount(res.community[model.flow["abandoned"] // N_CATEGORIES], minlength=n_comm)
    closed = met_c + ab_c
    performance = np.divide(met_c, closed, out=np.full(n_comm, 0.5), where=closed > 0)
    wait = np.array([model.street_centres[s].wait_months for s in model.street_of])
    t = p.trust
    exp = rules.Experience(met=met, open_after=open_after,
                           community_performance=performance.astype(F32),
                           government_penalty=(t.street_wait_penalty * wait).astype(F32),
                           voice=model.flow["voice"])
    rules.update_satisfaction_trust(
        res, exp, alpha_s=t.alpha_satisfaction, alpha_e=t.alpha_expectation,
        bystander_weight=t.bystander_weight, trust_gain=t.gain_month, loss_ratio=t.loss_ratio,
        voice_bonus=p.consultation.voice_trust_bonus)


# 9 -------------------------------------------------------------------------
def settle_organizations(model: SansheModel) -> None:
    """Organizations pay staff and overhead and collect revenue, in random order
    (hires are limited each month, one per ten active organizations)."""
    rng = model.streams["organizations"]
    orgs = model.organizations()
    model.hiring_pool_month = max(1, sum(o.status is OrgStatus.ACTIVE for o in orgs) // 10)
    for i in rng.permutation(len(orgs)):
        orgs[i].settle_finances()
    spent = sum(ct.project.value_yuan / 12.0 for ct in model.government.contracts)
    model.government.spent_yuan = spent
    model.government.spent_year_yuan += spent


def social_worker_turnover(model: SansheModel) -> None:
    """Social workers burn out under diversion and caseload and leave; vacant
    room posts are filled by conversion, transfer or recruitment (F12)."""
    p, rng = model.params, model.streams["workers"]
    sw = p.social_work
    nominal_cases = sw.hours_month * (1 - sw.leadership_share) / sw.hours_per_case
    workers = model.social_workers()
    u = rng.random(len(workers))
    u_stay = rng.random(len(workers))
    for w, ui, us in zip(workers, u, u_stay):
        if w.in_room:
            com = w.employer
            diverted = com.diverted_hours / com.room_hours if com.room_hours > 0 else 0.0
            pressure = 0.6 + 2.0 * diverted + 0.4 * w.caseload / nominal_cases
        else:
            org = w.employer
            demand = sum(c.target_people / 12.0 for c in org.contracts)
            pressure = 0.6 + 0.6 * min(demand / max(org.capacity_people, 1e-9), 2.0)
        w.wear(pressure)
        if ui < w.turnover_prob_month():
            w.leave(stay_in_sector=us < sw.stay_in_sector_share)
    posts = sw.posts_per_community
    for com in model.committees:
        while len(com.room) > posts:
            com.room[-1].leave(stay_in_sector=True)
        for _ in range(posts - len(com.room)):
            if rng.random() < sw.recruit_prob_month:
                model.fill_room_post(com, rng)
