"""The monthly processes of DESIGN §4, one function each, in schedule order.

Each function takes the model, reads the parameters it needs at the moment
it runs (so a lever changed this month takes effect now), acts on resident
arrays with vectorised numpy and on agents through their methods, and
leaves this month's flows in ``model.flow`` (:class:`~model.flows.MonthFlow`,
made at the start of the month) for the next processes and the indicators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import committees, organizations, purchasing, rules, social_work
from model.contagion import neighbour_counts, ties_of
from model.parameters import N_CATEGORIES
from model.purchasing import ProjectKind

if TYPE_CHECKING:
    from model.model import SansheModel

F32 = np.float32


def stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round to integers, up with probability equal to the fractional part (unbiased)."""
    x = np.asarray(x, dtype=np.float64)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


# 1 -------------------------------------------------------------------------
def needs_arise(model: SansheModel) -> None:
    """Open needs age and some end unmet; new needs arise by group and category."""
    res, p = model.residents, model.params
    u_arrive = model.stream("needs.arrive").random(res.n, dtype=F32)
    u_need = model.stream("needs.abandon").random(res.need_key.size, dtype=F32)
    abandoned = rules.age_and_abandon(res, p.needs.abandon_prob_month, u_need)
    rules.arise_needs(res, model.rate_table, u_arrive, model.stream("needs.category"),
                            model.resident_need_rate)
    model.flow.abandoned = abandoned


# 2 -------------------------------------------------------------------------
def administrative_load(model: SansheModel) -> None:
    """Administrative load reaches committees (F1, F2, F16).

    Hours = residual work + per-item hours × (items on the list + the part of
    merged and optimised items that still costs time) + residents' matters
    not handled by the street centre + campaigns. Items taken up (to the
    district) or cancelled cost nobody in the street; items stripped off go
    to the street public service centre, which does each once for all its
    communities, in request-equivalents of ``hours_per_request``. Stripped
    items and residents' matters queue at the centres, which have finite
    capacity (F2).
    """
    p, rng = model.params, model.stream("admin")
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
    model.committee_table.admin_load_hours[:] = (a.residual_admin_share * committees.hours_total(model)
                                                 + item_hours + request_hours + campaigns)
    stripped = removed * routes[1] * a.hours_per_task_month * platform / a.hours_per_request
    incoming = np.bincount(model.street_of, weights=to_street, minlength=len(model.street_centres))
    for centre in model.street_centres:
        centre.process(float(incoming[centre.street]) + stripped)


# 3 -------------------------------------------------------------------------
def allocate_committee_time(model: SansheModel) -> None:
    """Committees split their hours; social workers' leadership hours per community follow."""
    committees.allocate_time(model)
    lead = committees.leadership_hours(model)
    organizations.add_leadership(model, lead)
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
    """Grids with 1+X staff (F15), brokering, self-referral and word of mouth bring undetected needs to light.

    The '1' of a grid is a community worker, available in the share of time
    administration leaves; the X helpers are not drawn into administration.
    A grid's chance falls with the households it covers.
    """
    res, p, rng = model.residents, model.params, model.stream("detection")
    d = p.detection
    admin_share = committees.admin_share(model)
    staff = (1.0 - admin_share) + d.grid_helpers
    grid_community = model.grid_community
    p_grid = 1.0 - np.exp(-d.rate_per_grid_staff * staff[grid_community] * d.reference_grid_households
                          / np.maximum(res.grid_households, 1.0))
    broker = model.committee_table.brokering_hours
    p_broker = 1.0 - np.exp(-d.broker_rate_per_hour * broker / (model.people_per_community / 1000.0))
    p_by_grid = 1.0 - (1.0 - p_grid) * (1.0 - p_broker[grid_community])

    served_share = neighbour_counts(model.adjacency, res.served_last > 0) * model.inverse_degree
    u = rng.random(res.need_key.size, dtype=F32)
    rules.detect_needs(res, p_by_grid, res.grid, p.needs.self_referral_prob_month,
                                                p.needs.word_of_mouth_weight, served_share, u)


# 5 -------------------------------------------------------------------------
def hold_consultations(model: SansheModel) -> None:
    """Consultation meetings (F17): participants attend up to the seats the committee's consultation hours pay for.

    Attendees voice their open needs, which become known and form the community's
    agenda; an attendee whose concern tops the agenda gains voice (a trust bonus).
    """
    res, p, rng = model.residents, model.params, model.stream("consultation")
    c = p.consultation
    n_comm = model.n_communities
    table = model.committee_table
    if not c.enabled:
        table.meetings[:] = 0
        return
    hours = table.consultation_hours
    meetings = np.minimum(c.max_meetings_month, np.floor(hours / c.hours_per_meeting)).astype(int)
    # Each participant attends with probability min(attend_prob, seats / participants)
    # of its community, so expected attendance is min(attend_prob × participants,
    # seats) in people at any scale: a cap of whole rows against a random count of
    # a few rows would lose seats at small scales.
    participants = np.flatnonzero(res.participant)
    u = rng.random(participants.size)
    participant_rows = np.bincount(res.community[participants], minlength=n_comm).astype(float)
    seat_rows = meetings * c.seats_per_meeting * model.scale
    chance = np.minimum(p.participation.attend_prob, np.divide(
        seat_rows, participant_rows, out=np.zeros(n_comm), where=participant_rows > 0))
    attend = participants[u < chance[res.community[participants]]]
    res.last_attended[attend] = model.month

    is_attendee = np.zeros(res.n, bool)
    is_attendee[attend] = True
    need_res = res.need_resident
    voiced = is_attendee[need_res]
    res.need_detected |= voiced
    cells = res.community[need_res[voiced]].astype(np.int64) * N_CATEGORIES + res.need_category[voiced]
    agenda = np.bincount(cells, minlength=n_comm * N_CATEGORIES).reshape(n_comm, N_CATEGORIES)
    table.meetings[:] = meetings
    table.agenda += agenda
    top = agenda.argmax(axis=1)
    has_agenda = agenda.sum(axis=1) > 0
    on_top = voiced.copy()
    on_top[voiced] = (res.need_category[voiced] == top[res.community[need_res[voiced]]]) & \
        has_agenda[res.community[need_res[voiced]]]
    model.flow.voice[need_res[on_top]] = True


# 6 -------------------------------------------------------------------------
def deliver_services(model: SansheModel) -> None:
    """Committees, social-work rooms, organizations and volunteers serve detected needs.

    The servers are committees, social-work rooms (F12), contracted organizations
    (F6, F11), organizations' own work and volunteers led by social workers (F13);
    they serve in four passes:

    1. common projects serve vulnerable residents in their community and category;
    2. room casework and the common projects' unused capacity serve
       vulnerable residents of the community, any category (a provider with
       spare hours takes referrals);
    3. individual projects and organizations' own work serve anyone in their
       community and category;
    4. committees' direct service, volunteers, and capacity left from
       passes 2 and 3 serve anyone still waiting in the community.

    Within a pool the longest-waiting needs go first; a served need is met
    with the pool's capacity-weighted quality. Capacity is in people and is
    rounded to resident rows once per pool (unbiased); what a pool leaves for
    the next is its unrounded capacity less the people served, so no pool's
    rounding is passed on (scale stays a weight, not a cause).
    """
    res, p = model.residents, model.params
    rng, rng_cap = model.stream("services"), model.stream("services.capacity")
    n_comm, K = model.n_communities, N_CATEGORIES
    n_cells = n_comm * K
    need_res = res.need_resident
    comm = res.community[need_res]
    cell = comm * K + res.need_category
    vul = res.vulnerable[need_res]
    n_needs = res.need_key.size
    u_met = rng.random(n_needs)
    # Service order: oldest first, ties in random order (a stable sort of a permutation).
    shuffled = rng.permutation(n_needs)
    queue = shuffled[np.argsort(-res.need_age[shuffled], kind="stable")]

    # Pools by cell (community × category): contracts and organizations' own work.
    common_cap, common_q, cell_cap, cell_q = purchasing.contract_pools(model)
    own_cap, own_q = organizations.own_work(model)
    cell_cap += own_cap
    cell_q += own_q

    # Pools by community: room casework, then committee service and volunteers.
    sw = p.social_work
    room_cap = committees.casework_hours(model) / sw.hours_per_case
    room_q = np.full(n_comm, sw.quality_certified)  # room posts are filled only by certified workers (F12)
    v = p.volunteer
    volunteer_cap = model.volunteers_people * v.hours_month * (
        model.supervised_share * v.efficiency
        + (1 - model.supervised_share) * v.unsupervised_efficiency) / v.hours_per_need
    committee_cap = model.committee_table.service_hours / p.committee.hours_per_need

    waiting = res.need_detected.copy()
    met_parts = []

    def serve(candidates, groups, capacity_people, quality_sum):
        """Serve from one set of pools.

        Return what each pool left unused (people, per community) and its quality sum,
        with the served and met.
        """
        rows = stochastic_round(np.maximum(capacity_people, 0.0) * model.scale, rng_cap)
        served = _allocate(candidates, groups, queue, rows)
        # A remainder borrowed by rounding up (negative) can push a pool's mean outside [0, 1].
        quality = np.clip(np.divide(quality_sum, capacity_people, out=np.zeros_like(capacity_people),
                                    where=capacity_people > 0), 0.0, 1.0)
        met = served[u_met[served] < quality[groups[served]]]
        waiting[served] = False
        met_parts.append(met)
        # What the next pool gets is the unrounded capacity less the people served, not the
        # rounded rows: otherwise every pool's rounding noise (±1 row, 1/scale people) is
        # handed on, and noisier capacity against a few candidates goes unused more often.
        left = capacity_people - np.bincount(groups[served], minlength=rows.size) / model.scale
        left_q = left * quality
        if rows.size == n_cells:  # cell pools: sum what is left by community
            left, left_q = left.reshape(n_comm, K).sum(1), left_q.reshape(n_comm, K).sum(1)
        return left, left_q, served, met

    left1, left1_q, served1, met1 = serve(np.flatnonzero(waiting & vul), cell, common_cap, common_q)
    left2, left2_q, served2, _ = serve(np.flatnonzero(waiting & vul), comm, room_cap + left1,
                                       room_cap * room_q + left1_q)
    left3, left3_q, served3, met3 = serve(np.flatnonzero(waiting), cell, cell_cap, cell_q)
    generic = committee_cap + volunteer_cap + left2 + left3
    generic_q = (committee_cap * p.committee.service_quality + volunteer_cap * v.service_quality
                 + left2_q + left3_q)
    serve(np.flatnonzero(waiting), comm, generic, generic_q)

    # Attribute delivery to contracts in proportion to their share of the pool.
    met_by_contracts = purchasing.attribute_delivery(
        model, {ProjectKind.COMMON: (common_cap, served1, met1), ProjectKind.INDIVIDUAL: (cell_cap, served3, met3)},
        cell)
    room_share = np.divide(room_cap, room_cap + left1, out=np.zeros(n_comm), where=room_cap + left1 > 0)
    room_served = np.bincount(comm[served2], minlength=n_comm) / model.scale * room_share
    t = model.social_worker_table
    rows = t.live_rows()
    rows = rows[t.in_room[rows]]
    room = t.community[rows]
    t.caseload[rows] = room_served[room] / committees.room_sizes(model)[room]

    met = np.concatenate(met_parts)
    met_keys = res.need_key[met]
    keep = np.ones(res.need_key.size, bool)
    keep[met] = False
    res.need_key, res.need_age, res.need_detected = res.need_key[keep], res.need_age[keep], res.need_detected[keep]
    res.served_last = np.bincount(met_keys // K, minlength=res.n).astype(F32)
    model.flow.met, model.flow.met_by_contracts_people = met_keys, met_by_contracts


def _allocate(candidates: np.ndarray, groups: np.ndarray, queue: np.ndarray,
              capacity_rows: np.ndarray) -> np.ndarray:
    """The candidates served: in each group (pool), the first ``capacity_rows`` in ``queue`` order.

    Groups with room for all their candidates serve them all; only the
    candidates of groups short of capacity are ranked, by a stable radix
    sort of their group ids over the candidates taken in queue order.
    """
    if candidates.size == 0:
        return candidates
    cand_groups = groups[candidates]
    short = np.bincount(cand_groups, minlength=capacity_rows.size) > capacity_rows
    contested = np.zeros(groups.size, bool)
    contested[candidates[short[cand_groups]]] = True
    ranked = queue[contested[queue]]  # contested candidates, oldest first
    g = groups[ranked]
    order = np.argsort(g.astype(np.uint16), kind="stable")  # pools < 2**16 (616 cells at most)
    ranked, g = ranked[order], g[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(g)) + 1])
    rank = np.arange(g.size) - np.repeat(starts, np.diff(np.concatenate([starts, [g.size]])))
    served = np.concatenate([candidates[~short[cand_groups]], ranked[rank < capacity_rows[g]]])
    served.sort()
    return served


# 7 -------------------------------------------------------------------------
def update_participation(model: SansheModel) -> None:
    """Participation and volunteering spread on the resident network.

    The spread is a threshold contagion (Granovetter 1978; Watts 2002), pushed by
    the committee's consultation outreach and social workers' recruitment (F13).

    Adults may take part; participants may volunteer. Volunteers come in two
    kinds: grassroots (recruited by social workers) and state-mobilised (the
    committee's outreach), in proportion to the two efforts. Volunteers
    beyond social workers' supervision drop out faster. Both contagions read
    the neighbours' states at the start of the step; the neighbour counts
    are kept up to date from the residents who changed.
    """
    res, p, rng = model.residents, model.params, model.stream("participation")
    pa, v = p.participation, p.volunteer
    per_1000 = model.people_per_community / 1000.0
    consult = model.committee_table.consultation_hours
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
    met_c = np.bincount(res.community[model.flow.met // N_CATEGORIES], minlength=n_comm)
    ab_c = np.bincount(res.community[model.flow.abandoned // N_CATEGORIES], minlength=n_comm)
    closed = met_c + ab_c
    performance = np.divide(met_c, closed, out=np.full(n_comm, 0.5), where=closed > 0)
    wait = np.array([model.street_centres[s].wait_months for s in model.street_of])
    t = p.trust
    exp = rules.Experience(met=met, open_after=open_after,
                           community_performance=performance.astype(F32),
                           government_penalty=(t.street_wait_penalty * wait).astype(F32),
                           voice=model.flow.voice)
    rules.update_satisfaction_trust(
        res, exp, alpha_s=t.alpha_satisfaction, alpha_e=t.alpha_expectation,
        bystander_weight=t.bystander_weight, trust_gain=t.gain_month, loss_ratio=t.loss_ratio,
        voice_bonus=p.consultation.voice_trust_bonus)


# 10 -------------------------------------------------------------------------
def social_worker_turnover(model: SansheModel) -> None:
    """Social workers burn out under diversion and caseload and leave.

    Vacant room posts are filled by conversion, transfer or recruitment (F12).
    """
    p, rng = model.params, model.stream("workers")
    sw = p.social_work
    in_post = model.social_worker_table.live_rows().size
    u = rng.random(in_post)
    u_stay = rng.random(in_post)
    social_work.wear_and_turnover(model, u, u_stay)
    posts = sw.posts_per_community
    for com in model.committees:
        while len(com.room) > posts:
            com.room[-1].leave(stay_in_sector=True)
        for _ in range(posts - len(com.room)):
            if rng.random() < sw.recruit_prob_month:
                model.fill_room_post(com, rng)
