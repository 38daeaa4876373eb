"""The plain-numpy versions of the code that compiled kernels replaced (``model/kernels.py``).

They are the model's code as it was before the kernels, kept verbatim as the
reference of ``tests/test_kernels.py``: each kernel must give their results
bit for bit.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from model.contagion import contagion_decisions
from model.parameters import N_CATEGORIES
from model.residents import GRASSROOTS, NOT_VOLUNTEER, STATE_MOBILISED, Residents
from model.rules import Experience, Mobilisation


def update_participation(res: Residents, participant_share: np.ndarray, volunteer_share: np.ndarray,
                         mob: Mobilisation, *, trust_weight: float, civic_weight: float, sensitivity: float,
                         dropout: float, volunteer_sensitivity: float, u_participate: np.ndarray,
                         u_volunteer, u_state, lift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``model.rules.update_participation`` in numpy."""
    f32 = np.float32
    base = f32(trust_weight) * res.trust_committee
    base += f32(civic_weight) * res.civic
    base += mob.participation_logit.astype(f32)[res.community]
    was_participant = res.participant
    was_volunteer = res.volunteer > 0
    was_state = res.volunteer == STATE_MOBILISED
    participant = contagion_decisions(was_participant, participant_share, res.threshold, base,
                                      sensitivity, dropout, u_participate, lift)
    participant &= res.adult

    idx = np.flatnonzero(participant)
    comm = res.community[idx]
    stays = contagion_decisions(res.volunteer[idx] == GRASSROOTS, volunteer_share[idx], res.threshold[idx],
                                mob.volunteer_logit.astype(f32)[comm], volunteer_sensitivity,
                                mob.volunteer_dropout.astype(f32)[comm], u_volunteer(idx.size))
    grassroots = np.zeros(res.n, bool)
    grassroots[idx] = stays
    grassroots &= ~was_state
    new = np.flatnonzero(grassroots & (res.volunteer != GRASSROOTS))  # kept with the chance room / joiners
    joiners = np.bincount(res.community[new], minlength=mob.volunteer_room.size)
    chance = np.ones(joiners.size)
    chance[joiners > 0] = mob.volunteer_room[joiners > 0] / joiners[joiners > 0]
    grassroots[new[u_volunteer(new.size) >= chance[res.community[new]]]] = False
    candidate = res.adult & ~grassroots
    z = np.zeros(res.n, f32)
    state = contagion_decisions(was_state, z, z, mob.state_logit.astype(f32)[res.community], 0.0,
                                mob.state_dropout.astype(f32)[res.community], u_state)
    state &= candidate
    res.volunteer[:] = NOT_VOLUNTEER
    res.volunteer[grassroots] = GRASSROOTS
    res.volunteer[state] = STATE_MOBILISED
    res.participant = participant
    return was_participant, was_volunteer


def update_satisfaction_trust(res: Residents, exp: Experience, *, alpha_s: float, alpha_e: float,
                              bystander_weight: float, trust_gain: float, loss_ratio: float,
                              voice_bonus: float) -> None:
    """``model.rules.update_satisfaction_trust`` in numpy."""
    f32 = np.float32
    perf = exp.community_performance.astype(f32)[res.community]
    weight = np.full(res.n, f32(bystander_weight))
    touched = np.flatnonzero((exp.met + exp.open_after) > 0)
    met, open_ = exp.met[touched], exp.open_after[touched]
    perf[touched] = met / (met + open_)
    weight[touched] = 1
    gap = perf - res.expectation
    target = gap + f32(0.5)
    np.clip(target, 0, 1, out=target)
    target -= res.satisfaction
    target *= weight
    target *= f32(alpha_s)
    res.satisfaction += target
    gap *= weight
    gap *= f32(alpha_e)
    res.expectation += gap

    _move_asymmetric(res.trust_committee, res.satisfaction, trust_gain, loss_ratio)
    res.trust_committee[exp.voice] += f32(voice_bonus)
    np.clip(res.trust_committee, 0, 1, out=res.trust_committee)
    gov_target = res.satisfaction - exp.government_penalty.astype(f32)[res.community]
    np.clip(gov_target, 0, 1, out=gov_target)
    _move_asymmetric(res.trust_government, gov_target, trust_gain, loss_ratio)
    np.clip(res.trust_government, 0, 1, out=res.trust_government)


def _move_asymmetric(trust: np.ndarray, target: np.ndarray, gain: float, loss_ratio: float) -> None:
    gap = target - trust
    down = np.minimum(gap, 0)
    np.maximum(gap, 0, out=gap)
    gap *= np.float32(gain)
    down *= np.float32(min(gain * loss_ratio, 1.0))
    trust += gap
    trust += down


def ties_of(adjacency: sp.csr_array, nodes: np.ndarray) -> np.ndarray:
    """``model.contagion.ties_of`` in numpy."""
    indptr = adjacency.indptr
    starts = indptr[nodes].astype(np.int64)
    lengths = indptr[nodes + 1] - starts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return adjacency.indices[offsets + np.arange(offsets.size)]


def neighbour_counts(adjacency: sp.csr_array, state: np.ndarray) -> np.ndarray:
    """``model.contagion.neighbour_counts`` in numpy."""
    state = np.asarray(state, dtype=bool)
    holders = np.flatnonzero(state)
    if holders.size > 0.3 * state.size:
        return (adjacency @ state.astype(np.float32)).astype(np.float32)
    return np.bincount(ties_of(adjacency, holders), minlength=state.size).astype(np.float32)


def age_and_abandon(res: Residents, p_abandon: float, u_need: np.ndarray) -> np.ndarray:
    """``model.rules.age_and_abandon`` in numpy."""
    gone = u_need < p_abandon
    abandoned = res.need_key[gone]
    keep = ~gone
    res.need_key = res.need_key[keep]
    res.need_age = res.need_age[keep] + np.int16(1)
    res.need_detected = res.need_detected[keep]
    return abandoned


def arise_needs(res: Residents, rate_table: np.ndarray, u_arrive: np.ndarray,
                category_uniforms: np.random.Generator | np.ndarray,
                resident_rate: np.ndarray | None = None) -> np.ndarray:
    """``model.rules.arise_needs`` in numpy."""
    total = rate_table.sum(axis=1)
    if resident_rate is None:
        resident_rate = total.astype(np.float32)[res.profile]
    idx = np.flatnonzero(u_arrive < resident_rate)
    if isinstance(category_uniforms, np.random.Generator):
        category_uniforms = category_uniforms.random(idx.size)
    if idx.size == 0:
        return idx.astype(np.int64)
    prof = res.profile[idx]
    cum = np.cumsum(rate_table, axis=1)[prof]
    cat = (cum <= (category_uniforms * total[prof])[:, None]).sum(axis=1)
    cat = np.minimum(cat, N_CATEGORIES - 1)
    new = idx.astype(np.int64) * N_CATEGORIES + cat
    pos = np.searchsorted(res.need_key, new)
    if res.need_key.size:
        fresh = res.need_key[np.minimum(pos, res.need_key.size - 1)] != new
        new, pos = new[fresh], pos[fresh]
    # Merge the sorted new keys into the sorted list without a full sort.
    at = pos + np.arange(new.size)
    old = np.ones(res.need_key.size + new.size, bool)
    old[at] = False
    keys = np.empty(old.size, np.int64)
    keys[old], keys[at] = res.need_key, new
    age = np.zeros(old.size, np.int16)
    age[old] = res.need_age
    detected = np.zeros(old.size, bool)
    detected[old] = res.need_detected
    res.need_key, res.need_age, res.need_detected = keys, age, detected
    return new


def detect_needs(res: Residents, p_place: np.ndarray, place: np.ndarray, self_referral: float,
                 word_of_mouth: float, served_share: np.ndarray, u_need: np.ndarray) -> int:
    """``model.rules.detect_needs`` in numpy."""
    rows = res.need_key // N_CATEGORIES
    p_wom = np.minimum(word_of_mouth * served_share[rows], 1.0)
    miss = (1.0 - p_place[place[rows]]) * (1.0 - self_referral) * (1.0 - p_wom)
    hit = (~res.need_detected) & (u_need < 1.0 - miss)
    res.need_detected |= hit
    return int(hit.sum())


def stratified_uniform(group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``model.residents.stratified_uniform`` in numpy, by ``lexsort``."""
    n = group.size
    order = np.lexsort((rng.random(n), group))
    g = group[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(g)) + 1])
    lengths = np.diff(np.concatenate([starts, [n]]))
    rank = np.arange(n) - np.repeat(starts, lengths)
    u = np.empty(n)
    u[order] = (rank + rng.random(n)) / np.repeat(lengths, lengths)
    return u


def allocate(candidates: np.ndarray, groups: np.ndarray, queue: np.ndarray, capacity_rows: np.ndarray) -> np.ndarray:
    """The needs served, ascending: in each group, the first ``capacity_rows`` candidates in ``queue`` order.

    The numpy code of services._allocate before kernels.first_in_queue: only
    groups short of capacity are ranked, by a stable radix sort of their ids.
    """
    if candidates.size == 0:
        return candidates
    cand_groups = groups[candidates]
    short = np.bincount(cand_groups, minlength=capacity_rows.size) > capacity_rows
    contested = np.zeros(groups.size, bool)
    contested[candidates[short[cand_groups]]] = True
    ranked = queue[contested[queue]]
    g = groups[ranked]
    order = np.argsort(g.astype(np.uint16), kind="stable")
    ranked, g = ranked[order], g[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(g)) + 1])
    rank = np.arange(g.size) - np.repeat(starts, np.diff(np.concatenate([starts, [g.size]])))
    served = np.concatenate([candidates[~short[cand_groups]], ranked[rank < capacity_rows[g]]])
    served.sort()
    return served


def stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round to integers, up with probability equal to the fractional part (unbiased)."""
    x = np.asarray(x, dtype=np.float64)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


def serve_pools(queue: np.ndarray, candidate: np.ndarray, groups: np.ndarray, capacity_people: np.ndarray,
                quality_sum: np.ndarray, scale: float, rng_cap: np.random.Generator, u_met: np.ndarray,
                waiting: np.ndarray, n_comm: int, n_cells: int) -> tuple[np.ndarray, ...]:
    """One pass of ``services.deliver_services`` in numpy: its ``serve`` before kernels.serve_pools.

    Returns (served, met, left, left_q); ``waiting`` (bool) is changed in place.
    """
    rows = stochastic_round(np.maximum(capacity_people, 0.0) * scale, rng_cap)
    served = allocate(np.flatnonzero(candidate), groups, queue, rows)
    quality = np.clip(np.divide(quality_sum, capacity_people, out=np.zeros_like(capacity_people),
                                where=capacity_people > 0), 0.0, 1.0)
    met = served[u_met[served] < quality[groups[served]]]
    waiting[served] = False
    left = capacity_people - np.bincount(groups[served], minlength=rows.size) / scale
    left_q = left * quality
    if rows.size == n_cells:  # cell pools: sum what is left by community
        left, left_q = left.reshape(n_comm, N_CATEGORIES).sum(1), left_q.reshape(n_comm, N_CATEGORIES).sum(1)
    return served, met, left, left_q


def consult(res: Residents, u: np.ndarray, chance: np.ndarray, month: int, agenda: np.ndarray,
            voice: np.ndarray) -> None:
    """The attendance, voiced needs, agenda and voice of ``participation.hold_consultations`` in numpy."""
    participants = np.flatnonzero(res.participant)
    per_community = np.diff(np.searchsorted(participants, res.community_start))
    attend = participants[u < np.repeat(chance, per_community)]
    res.last_attended[attend] = month
    n_comm = res.community_start.size - 1
    is_attendee = np.zeros(res.n, bool)
    is_attendee[attend] = True
    need_res = res.need_resident
    voiced = is_attendee[need_res]
    res.need_detected |= voiced
    cells = res.community[need_res[voiced]].astype(np.int64) * N_CATEGORIES + res.need_category[voiced]
    month_agenda = np.bincount(cells, minlength=n_comm * N_CATEGORIES).reshape(n_comm, N_CATEGORIES)
    agenda += month_agenda
    top = month_agenda.argmax(axis=1)
    has_agenda = month_agenda.sum(axis=1) > 0
    on_top = voiced.copy()
    on_top[voiced] = (res.need_category[voiced] == top[res.community[need_res[voiced]]]) & \
        has_agenda[res.community[need_res[voiced]]]
    voice[need_res[on_top]] = True


def spread_leadership(lead: np.ndarray, rows: np.ndarray, hours: np.ndarray, contract_org: np.ndarray,
                      contract_community: np.ndarray, contract_count: np.ndarray, home: np.ndarray) -> None:
    """``organizations.add_leadership`` after the hours, in numpy: active ``rows`` with their ``hours``."""
    n = home.size
    rows, hours = rows[hours > 0], hours[hours > 0]
    if not rows.size:
        return
    leads = np.zeros(n, bool)
    leads[rows] = True
    take = leads[contract_org]
    c_org, c_comm = contract_org[take], contract_community[take]
    homeless = rows[contract_count[rows] == 0]
    org = np.concatenate([c_org, homeless])
    community = np.concatenate([c_comm, home[homeless]])
    order = np.argsort(org, kind="stable")
    org, community = org[order], community[order]
    places = np.bincount(org, minlength=n)
    per_place = np.zeros(n)
    per_place[rows] = hours
    np.add.at(lead, community, per_place[org] / places[org])
