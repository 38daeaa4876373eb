"""The resident rules, vectorised.

Each rule is a function of resident arrays, per-community inputs that the
institutional side of the model computed, and uniforms drawn by the caller.
Taking the uniforms as arguments lets the test oracle (``tests/oracle.py``) run the same rules
one resident object at a time on the same numbers (common random numbers),
which is how the tests check these functions.

Open needs are the sorted list ``Residents.need_key`` (see
:mod:`model.residents`); ``u_need`` arrays are aligned with that list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from model import kernels
from model.contagion import contagion_decisions, neighbour_counts
from model.residents import GRASSROOTS, STATE_MOBILISED, Residents


def age_and_abandon(res: Residents, p_abandon: float, u_need: np.ndarray) -> np.ndarray:
    """Unmet needs age by a month; each ends unmet with probability ``p_abandon``.

    Returns the keys of the abandoned needs.
    """
    gone = u_need < p_abandon
    abandoned, res.need_key, res.need_age, res.need_detected = kernels.drop_and_age(
        gone.view(np.uint8), res.need_key, res.need_age, res.need_detected)
    return abandoned


def arise_needs(res: Residents, rate_table: np.ndarray, u_arrive: np.ndarray,
                category_uniforms: np.random.Generator | np.ndarray) -> np.ndarray:
    """New needs arise: at most one per resident a month.

    Resident ``i`` gets a need when ``u_arrive[i]`` is below its total rate
    (the row of ``rate_table`` for its profile); the category is where
    ``u * total`` falls in the cumulative rates, with one uniform ``u`` per
    arrival, in resident order (drawn from ``category_uniforms`` when it is
    a generator). A need in a category already open adds nothing. Returns
    the new keys.
    """
    total = rate_table.sum(axis=1)
    idx = kernels.below_at(u_arrive, res.profile, total.astype(np.float32))  # a byte of profile a resident
    if isinstance(category_uniforms, np.random.Generator):
        category_uniforms = category_uniforms.random(idx.size)
    if idx.size == 0:
        return idx.astype(np.int64)
    new = kernels.need_keys(idx, res.profile, np.cumsum(rate_table, axis=1), total, category_uniforms)
    # Merge the sorted new keys into the sorted list without a full sort.
    res.need_key, res.need_age, res.need_detected, new = kernels.merge_needs(
        res.need_key, res.need_age, res.need_detected, new)
    return new


def detect_needs(res: Residents, p_place: np.ndarray, place: np.ndarray, self_referral: float,
                 word_of_mouth: float, served_share: np.ndarray, u_need: np.ndarray,
                 inverse_degree: np.ndarray | None = None) -> int:
    """Undetected needs come to light; returns how many.

    The grid and the committee (``p_place``, per place: grid or community,
    with ``place`` the place of each resident), self-referral, and word of
    mouth (``word_of_mouth`` × the share of the resident's neighbours served
    last month) are independent chances. With ``inverse_degree`` (float32),
    ``served_share`` holds neighbour counts and the share is ``count ×
    inverse_degree`` in float32, taken only at the needs' residents.
    """
    rows = res.need_resident
    f32, f64 = np.float32, np.float64
    # The kernel computes in numpy's dtypes for the model's inputs: float32 shares and uniforms
    # (word_of_mouth a Python float, which numpy casts to float32), float64 chances.
    if (np.result_type(served_share, word_of_mouth) == f32 and u_need.dtype == f32 and p_place.dtype == f64
            and np.result_type(p_place, self_referral) == f64
            and (inverse_degree is None or inverse_degree.dtype == f32)):
        scale = np.ones(served_share.size, f32) if inverse_degree is None else inverse_degree  # x × 1 is x
        return kernels.detect(rows, res.need_detected.view(np.uint8), served_share, scale, place, p_place,
                              1.0 - self_referral, f32(word_of_mouth), u_need)
    if inverse_degree is not None:
        served_share = served_share * inverse_degree
    p_wom = np.minimum(word_of_mouth * served_share[rows], 1.0)
    miss = (1.0 - p_place[place[rows]]) * (1.0 - self_referral) * (1.0 - p_wom)
    hit = (~res.need_detected) & (u_need < 1.0 - miss)
    res.need_detected |= hit
    return int(hit.sum())


def detect_needs_by_ties(res: Residents, p_place: np.ndarray, place: np.ndarray, self_referral: float,
                         word_of_mouth: float, adjacency: sp.csr_array, served: np.ndarray, u_need: np.ndarray,
                         inverse_degree: np.ndarray) -> int:
    """:func:`detect_needs` with the served neighbours of ``served`` (bool, per resident) counted where they are read.

    Word of mouth reads the count of a resident's neighbours served last
    month only at needs not yet detected, a few tens of thousands at full
    scale; counting them there (:func:`model.kernels.detect_by_ties`) reads
    fewer ties than pushing every served resident's ties into a count for
    all residents. The same result as :func:`detect_needs` on
    :func:`~model.contagion.neighbour_counts`, bit for bit; other dtypes take
    that way, and so do a negative ``word_of_mouth`` or a chance above 1, for
    which the kernel's shortcut (the chance never falls as the count grows)
    would not hold. ``inverse_degree`` is one over each resident's degree,
    never negative.
    """
    f32, f64 = np.float32, np.float64
    if (np.result_type(f32, word_of_mouth) == f32 and u_need.dtype == f32 and p_place.dtype == f64
            and np.result_type(p_place, self_referral) == f64 and inverse_degree.dtype == f32
            and word_of_mouth >= 0 and 0 <= self_referral <= 1 and (p_place.size == 0 or p_place.max() <= 1)):
        return kernels.detect_by_ties(res.need_resident, res.need_detected.view(np.uint8),
                                      np.ascontiguousarray(served, bool).view(np.uint8), adjacency.indptr,
                                      adjacency.indices, inverse_degree, place, p_place, 1.0 - self_referral,
                                      f32(word_of_mouth), u_need)
    return detect_needs(res, p_place, place, self_referral, word_of_mouth, neighbour_counts(adjacency, served),
                        u_need, inverse_degree=inverse_degree)


@dataclass
class Mobilisation:
    """Per-community pushes on participation and volunteering this month.

    Attributes:
        participation_logit: log-odds added to every resident's participation
            (baseline plus the committee's consultation outreach).
        volunteer_logit: log-odds that a participant starts volunteering as a
            grassroots volunteer (baseline plus social workers' recruitment).
        volunteer_dropout: monthly dropout of grassroots volunteers (higher where
            social workers cannot supervise them all).
        state_logit: log-odds that an adult is mobilised by the committee as a
            state-mobilised volunteer (baseline plus the committee's outreach).
        state_dropout: monthly dropout of state-mobilised volunteers.
        volunteer_room: grassroots volunteers each community can still take on
            this month, in rows (:func:`~model.participation.organising_room`).
    """

    participation_logit: np.ndarray
    volunteer_logit: np.ndarray
    volunteer_dropout: np.ndarray
    state_logit: np.ndarray
    state_dropout: np.ndarray
    volunteer_room: np.ndarray


def update_participation(res: Residents, participant_share: np.ndarray,
                         volunteer_share: np.ndarray, mob: Mobilisation, *,
                         trust_weight: float, civic_weight: float, sensitivity: float,
                         dropout: float, volunteer_sensitivity: float, lift: float = 0.0,
                         u_participate: np.ndarray, u_volunteer: Callable[[int], np.ndarray],
                         u_state: np.ndarray,
                         inverse_degree: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Participation; grassroots volunteering among participants; state mobilisation of adults.

    Adults take part with the log-odds ``participation_logit + trust_weight ×
    trust + civic_weight × civic`` plus the neighbour terms of
    :func:`~model.contagion.contagion_decisions` (``sensitivity`` and the
    threshold step ``lift``). Participants who are not state-mobilised
    volunteer as grassroots volunteers the same way with ``volunteer_logit``
    (no step), as many as ``volunteer_room`` allows (:func:`_within_room`),
    and stop at ``volunteer_dropout``; a grassroots volunteer who
    stops taking part stops volunteering. Any adult who is not a grassroots
    volunteer may be mobilised by the committee with the log-odds
    ``state_logit`` (no neighbour term: it recruits through its lists, not
    through peers) and stops at ``state_dropout``, taking part or not.
    ``u_participate`` and ``u_state`` hold one uniform per resident;
    ``u_volunteer(k)`` returns the next ``k`` uniforms: first one per
    participant in resident order, then one per new grassroots volunteer.
    The contagions read the neighbour shares of the start of the step. With
    ``inverse_degree`` (float32, one over each resident's degree) the two
    shares are given as neighbour counts instead, and each share is ``count
    × inverse_degree`` in float32, computed only where it is read (every
    resident's participation, participants' volunteering).

    Returns the previous participant mask and volunteer kinds (the arrays
    the residents held: new ones replace them), so the caller can update
    neighbour counts from the residents who changed.
    """
    was_participant, was_kind = res.participant, res.volunteer
    participant = _participation_decisions(res, participant_share, mob.participation_logit, trust_weight,
                                           civic_weight, sensitivity, dropout, u_participate, inverse_degree,
                                           lift)

    idx = kernels.rows_where(participant.view(np.uint8))
    per_community = np.diff(np.searchsorted(idx, res.community_start))  # rows are stored by community
    grassroots = _grassroots_volunteers(res, idx, per_community, volunteer_share, inverse_degree, mob,
                                        volunteer_sensitivity, u_volunteer)

    res.volunteer = _mobilise(res, grassroots, was_kind, mob.state_logit, mob.state_dropout, u_state)
    res.participant = participant
    return was_participant, was_kind


def _grassroots_volunteers(res: Residents, idx: np.ndarray, per_community: np.ndarray,
                           volunteer_share: np.ndarray, inverse_degree: np.ndarray | None, mob: Mobilisation,
                           sensitivity: float, u_volunteer: Callable[[int], np.ndarray]) -> np.ndarray:
    """Who among the participants ``idx`` volunteers as a grassroots volunteer this month (ascending rows).

    :func:`~model.contagion.contagion_decisions` with ``volunteer_logit``
    and ``volunteer_dropout`` of each participant's community (no step);
    a state-mobilised volunteer never does; then the teams' room
    (:func:`_within_room`). On float32 inputs (the model's) compiled passes
    compute it around numpy's ``exp``, bit for bit as the numpy expression
    of the else branch.
    """
    f32 = np.float32
    u = u_volunteer(idx.size)
    logit, dropout = mob.volunteer_logit.astype(f32), mob.volunteer_dropout.astype(f32)
    if (volunteer_share.dtype == f32 and res.threshold.dtype == f32 and u.dtype == f32
            and (inverse_degree is None or inverse_degree.dtype == f32)):
        scale = np.ones(volunteer_share.size, f32) if inverse_degree is None else inverse_degree  # x × 1 is x
        exp_z = kernels.volunteer_exponent(idx, per_community, logit, volunteer_share, scale, res.threshold,
                                           f32(sensitivity))
        np.exp(exp_z, out=exp_z)
        stays, active, n_new = kernels.volunteer_outcome(idx, per_community, res.volunteer, exp_z, u, dropout)
        kernels.within_room(stays, active, per_community, mob.volunteer_room, u_volunteer(n_new))
        return idx[stays.view(bool)]
    share = volunteer_share[idx] if inverse_degree is None else volunteer_share[idx] * inverse_degree[idx]
    active = res.volunteer[idx] == GRASSROOTS
    stays = contagion_decisions(active, share, res.threshold[idx], np.repeat(logit, per_community), sensitivity,
                                np.repeat(dropout, per_community), u)
    stays &= res.volunteer[idx] != STATE_MOBILISED
    _within_room(stays, active, per_community, mob.volunteer_room, u_volunteer)
    return idx[stays]


def _within_room(stays: np.ndarray, active: np.ndarray, per_community: np.ndarray, room: np.ndarray,
                 uniforms: Callable[[int], np.ndarray]) -> None:
    """Keep no more new grassroots volunteers than their communities have room for, in expectation.

    ``stays`` (changed in place) and ``active`` are aligned on the
    participants, whose communities are runs of ``per_community``. A
    community with ``j`` new volunteers and ``room`` places keeps each with
    the chance ``min(1, room / j)`` (one uniform per new volunteer, in
    order), so it takes on at most its room, whatever the odds that brought
    them: a bounded stock, without the overshoot of an odds factor
    (compiled in :func:`model.kernels.within_room` for the model's inputs).
    """
    new = np.flatnonzero(stays & ~active)
    community = np.searchsorted(np.cumsum(per_community), new, side="right")
    joiners = np.bincount(community, minlength=per_community.size)
    chance = np.divide(room, joiners, out=np.ones(per_community.size), where=joiners > 0)
    stays[new[uniforms(new.size) >= chance[community]]] = False


def _mobilise(res: Residents, grassroots: np.ndarray, was_kind: np.ndarray, state_logit: np.ndarray,
              state_dropout: np.ndarray, u_state: np.ndarray) -> np.ndarray:
    """The volunteers' kinds after the committees mobilise adults who are not grassroots volunteers.

    ``was_kind`` holds the kinds before the step (a state-mobilised volunteer stays or drops out).

    :func:`~model.contagion.contagion_decisions` with no neighbour term:
    its chance of joining, ``u × (1 + e^-z) < 1`` with ``z`` the community's
    ``state_logit``, is the same for every adult of a community, so
    ``1 + e^-z`` is computed once per community (in float32, as numpy
    computes it element by element) and one compiled pass over the
    residents decides and writes each one's kind (:func:`model.kernels.mobilise`).
    """
    f32 = np.float32
    z = np.clip(state_logit.astype(f32), -60.0, 60.0)
    odds = np.exp(-z) + f32(1.0)
    is_grassroots = np.zeros(res.n, np.uint8)
    is_grassroots[grassroots] = 1
    return kernels.mobilise(res.community_start, res.adult.view(np.uint8), is_grassroots,
                            was_kind.view(np.uint8), odds, state_dropout.astype(f32), u_state)


def _participation_decisions(res: Residents, share: np.ndarray, logit: np.ndarray, trust_weight: float,
                             civic_weight: float, sensitivity: float, dropout: float,
                             uniforms: np.ndarray, inverse_degree: np.ndarray | None = None,
                             lift: float = 0.0) -> np.ndarray:
    """Who takes part this month: :func:`~model.contagion.contagion_decisions` on adults.

    The log-odds are ``logit`` (per community) ``+ trust_weight × trust + civic_weight
    × civic``, plus ``lift`` for a resident whose share of participating
    neighbours has reached its threshold (Granovetter's rule). On float32
    inputs (the model's) two fused kernel passes compute it around numpy's
    ``exp``, bit for bit as the numpy expression of the else branch.
    With ``inverse_degree``, ``share`` holds neighbour counts (see :func:`update_participation`).
    """
    f32 = np.float32
    # numpy compares float32 uniforms with a Python-float dropout in float32, with a float64 one in float64.
    if (share.dtype == f32 and np.result_type(uniforms, dropout) == f32
            and (inverse_degree is None or inverse_degree.dtype == f32)):
        coef = np.array([trust_weight, civic_weight, sensitivity, lift], f32)
        scale = np.ones(share.size, f32) if inverse_degree is None else inverse_degree  # x × 1 is x
        exp_z = kernels.participation_exponent(res.community_start, res.trust_committee, res.civic,
                                               logit.astype(f32), share, scale, res.threshold, coef)
        np.exp(exp_z, out=exp_z)
        return kernels.contagion_outcome(res.participant.view(np.uint8), exp_z, uniforms, f32(dropout),
                                         res.adult.view(np.uint8)).view(bool)
    if inverse_degree is not None:
        share = share * inverse_degree
    base = f32(trust_weight) * res.trust_committee
    base += f32(civic_weight) * res.civic
    base += logit.astype(f32)[res.community]
    participant = contagion_decisions(res.participant, share, res.threshold, base, sensitivity, dropout, uniforms,
                                      lift)
    participant &= res.adult
    return participant


@dataclass
class Experience:
    """What each resident lived this month, for satisfaction.

    Attributes:
        met: needs of the resident met this month (float32, per resident).
        open_after: needs still open after service (float32, per resident).
        community_performance: met share of needs closed in each community this month.
        government_penalty: drop in perceived government performance per
            resident's street (street-centre backlog), per community.
        voice: resident attended consultation and a concern entered the agenda.
    """

    met: np.ndarray
    open_after: np.ndarray
    community_performance: np.ndarray
    government_penalty: np.ndarray
    voice: np.ndarray


def update_satisfaction_trust(res: Residents, exp: Experience, *, alpha_s: float,
                              alpha_e: float, bystander_weight: float, trust_gain: float,
                              loss_ratio: float, voice_bonus: float) -> None:
    """Expectancy-disconfirmation satisfaction and asymmetric trust.

    Performance ``P`` is the met share of the resident's own needs or, for a
    resident with no need this month, the community's performance, weighted
    by ``bystander_weight``. Satisfaction moves toward ``0.5 + P - E`` at
    ``alpha_s``, expectation toward ``P`` at ``alpha_e`` (Van Ryzin 2004);
    trust rises toward satisfaction at ``trust_gain`` and falls at
    ``loss_ratio`` times that (Slovic 1993). Trust in government aims at
    satisfaction less the street-centre backlog penalty.
    """
    f32 = np.float32
    coef = np.array([bystander_weight, alpha_s, alpha_e, trust_gain, min(trust_gain * loss_ratio, 1.0),
                     voice_bonus], f32)
    kernels.satisfaction_trust(res.community_start, np.asarray(exp.met, f32), np.asarray(exp.open_after, f32),
                               exp.community_performance.astype(f32), exp.government_penalty.astype(f32),
                               np.asarray(exp.voice, bool).view(np.uint8), res.satisfaction, res.expectation,
                               res.trust_committee, res.trust_government, coef)

