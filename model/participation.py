"""Participation (DESIGN §4 steps 5 and 7): consultation meetings (F17), participation and volunteering (F13, P2).

Participation and volunteering spread on the resident network as threshold
contagions (:mod:`model.contagion`); the vectorised rules are in :mod:`model.rules`.
"""

from __future__ import annotations

import mesa
import numpy as np

from model import draws, kernels, rules
from model.measures import Indicator, ratio
from model.residents import KERNEL_CATEGORY_BITS


def hold_consultations(model: mesa.Model) -> None:
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
    per_community = kernels.block_counts(res.community_start, res.participant.view(np.uint8))
    u = rng.random(int(per_community.sum()))  # one per participant, in row order
    participant_rows = per_community.astype(float)
    seat_rows = meetings * c.seats_per_meeting * model.scale
    chance = np.minimum(p.participation.attend_prob, np.divide(
        seat_rows, participant_rows, out=np.zeros(n_comm), where=participant_rows > 0))
    table.meetings[:] = meetings
    # Attendance, voiced needs, the month's agenda and who tops it: one compiled pass each.
    kernels.consult(res.community_start, res.participant.view(np.uint8), u, chance, model.month, res.last_attended,
                    res.community, res.need_key, res.need_detected.view(np.uint8), table.agenda,
                    model.flow.voice.view(np.uint8), KERNEL_CATEGORY_BITS)


def seed_participation(model: mesa.Model) -> None:
    """The participation each community inherits when the district is built.

    Communities differ in their tradition of taking part (old work-unit
    compounds, resettled villages, new commercial estates): each starts with
    a share of its adults taking part drawn uniformly between 0 and
    ``participation.initial_share_max``, the participants chosen at random
    among its adults (stream ``"participation_legacy"``). Whether a
    community keeps what it inherited is up to the threshold rule: without
    a peer effect strong enough to hold it, every community drifts to the
    same level within a few years of the spin-up.
    """
    res, rng = model.residents, model.stream("participation_legacy")
    share = rng.uniform(0.0, model.params.participation.initial_share_max, model.n_communities)
    res.participant = res.adult & (rng.random(res.n) < share[res.community])


def update_participation(model: mesa.Model) -> None:
    """Participation and volunteering spread on the resident network.

    The spread is a threshold contagion (Granovetter 1978; Watts 2002), pushed by
    the committee's consultation outreach and social workers' recruitment (F13).

    Adults may take part; participants may volunteer. A resident whose share
    of participating neighbours has reached its threshold gains
    ``participation.peer_lift`` log-odds (Granovetter's rule), so a community
    whose participation passes the thresholds of many of its residents
    carries itself: for mid-range outreach it has a low and a high stable
    state (:func:`participation_push` is the outreach's part).

    Volunteers come in two kinds (:func:`volunteer_recruitment`), recruited
    differently. Grassroots volunteers come from among participants, by
    their volunteering neighbours and social workers' leadership hours (F13),
    as many as the teams that organise them have room for
    (:func:`organising_room`); they stay longer when social workers
    supervise them and drop out faster beyond that capacity, and stop when
    they stop taking part.
    State-mobilised volunteers are recruited by the committee's outreach
    from any adult (its lists of party members and building heads, not its
    residents' example) and leave at ``volunteer.state_dropout_month``.
    Both contagions read the neighbours' states at the start of the step;
    the neighbour counts are kept up to date from the residents who changed.
    """
    res, p, rng = model.residents, model.params, model.stream("participation")
    pa, v = p.participation, p.volunteer
    s = model.supervised_share
    grassroots_logit, state_logit = volunteer_recruitment(model)
    mob = rules.Mobilisation(
        participation_logit=participation_push(model),
        volunteer_logit=grassroots_logit,
        volunteer_dropout=v.dropout_month * s + v.unsupervised_dropout_month * (1 - s),
        state_logit=state_logit,
        state_dropout=np.full(model.n_communities, v.state_dropout_month),
        volunteer_room=organising_room(model) / model.people_per_row,
    )
    was_participant, was_kind = rules.update_participation(
        res, model.participant_nbrs, model.volunteer_nbrs, mob, inverse_degree=model.inverse_degree,
        trust_weight=pa.trust_weight, civic_weight=pa.civic_weight,
        sensitivity=pa.neighbour_sensitivity, lift=pa.peer_lift, dropout=pa.dropout_month,
        volunteer_sensitivity=v.neighbour_sensitivity,
        u_participate=draws.uniform32(rng, res.n),
        u_volunteer=lambda k: draws.uniform32(rng, k), u_state=draws.uniform32(rng, res.n))
    _update_counts(model, model.participant_nbrs, was_participant, res.participant)
    _update_counts(model, model.volunteer_nbrs, was_kind, res.volunteer)  # a volunteer of either kind counts


def participation_push(model: mesa.Model) -> np.ndarray:
    """Log-odds of taking part each community adds for all its adults: baseline plus outreach.

    ``participation.base_logit + invitation_weight ×`` the committee's
    consultation hours per 1,000 residents (F17).
    """
    pa = model.params.participation
    per_1000 = model.people_per_community / 1000.0
    return pa.base_logit + pa.invitation_weight * model.committee_table.consultation_hours / per_1000


def volunteer_recruitment(model: mesa.Model) -> tuple[np.ndarray, np.ndarray]:
    """Each community's log-odds of recruiting a volunteer of each kind in a month: (grassroots, state-mobilised).

    Grassroots: ``volunteer.base_logit + recruit_weight ×`` social workers'
    leadership hours per 1,000 residents (F13), for a participant, before
    the neighbour term. State-mobilised: ``volunteer.state_base_logit +
    mobilise_weight ×`` the committee's consultation hours per 1,000
    residents, for any adult.
    """
    v = model.params.volunteer
    per_1000 = model.people_per_community / 1000.0
    grassroots = v.base_logit + v.recruit_weight * model.leadership_hours / per_1000
    state = v.state_base_logit + v.mobilise_weight * model.committee_table.consultation_hours / per_1000
    return grassroots, state


def organising_capacity(model: mesa.Model) -> np.ndarray:
    """Grassroots volunteers each community's teams can organise, in people.

    A grassroots volunteer needs a team to volunteer in (F13: social workers
    lead volunteers): the teams social workers lead (their supervision
    capacity, :func:`model.committees.allocate_committee_time`) and the ones
    residents run themselves (``volunteer.self_organised_per_1000``).
    """
    v = model.params.volunteer
    return model.supervision_capacity + v.self_organised_per_1000 * model.people_per_community / 1000.0


def organising_room(model: mesa.Model) -> np.ndarray:
    """Grassroots volunteers each community can still take on, in people.

    The teams' capacity (:func:`organising_capacity`) less the grassroots
    volunteers they hold, never below 0: recruitment stops when the teams
    are full, so the stock cannot grow past what can be organised, however
    many residents take part.
    """
    return np.maximum(organising_capacity(model) - model.grassroots_people, 0.0)


def _update_counts(model: mesa.Model, counts: np.ndarray, before: np.ndarray, after: np.ndarray) -> None:
    """Bring neighbour counts of a trait (held where ``after`` is not 0) up to date with the residents who changed.

    Only the ties of those who changed are touched when they are fewer than
    the holders; when more changed (state-mobilised volunteers come and go
    by the tens of thousands a month at full scale) the counts are pushed
    afresh from the holders' ties, which touches fewer. Counts are whole
    numbers in float32, so either way and in any order they are the same
    (one compiled pass finds the changes: :func:`model.kernels.update_counts`).
    """
    adjacency = model.adjacency
    kernels.update_counts(counts, adjacency.indptr, adjacency.indices, before.view(np.uint8), after.view(np.uint8))


def _tallies(v) -> np.ndarray:
    """By community: adults who attended a consultation in the last 12 months, volunteers, grassroots volunteers."""
    res = v.res
    return kernels.participation_tallies(res.community_start, res.last_attended, v.model.month - 12,
                                         res.adult.view(np.uint8), res.volunteer)


def _consulted_c(v) -> np.ndarray:
    return v.once(_tallies)[0].astype(float)


def _volunteers_c(v) -> np.ndarray:
    return v.once(_tallies)[1].astype(float)


def _n_adults(v) -> float:
    return v.model.adults_per_community.sum()


INDICATORS = [
    Indicator("consultation_rate", "share", +1, "adults who attended a consultation in the last 12 months (P2)",
              lambda v: float(v.once(_consulted_c).sum() / v.once(_n_adults)),
              lambda v: v.once(_consulted_c) / np.maximum(v.model.adults_per_community, 1)),
    Indicator("volunteer_rate", "share", +1, "adults volunteering this month (P2)",
              lambda v: float(v.once(_volunteers_c).sum() / v.once(_n_adults)),
              lambda v: v.once(_volunteers_c) / np.maximum(v.model.adults_per_community, 1)),
    Indicator("grassroots_volunteer_share", "share", 0,
              "volunteers recruited by social workers rather than the committee",
              lambda v: float(ratio(v.once(_tallies)[2].sum(), v.once(_tallies)[1].sum(), 0.0))),
    Indicator("volunteer_hours_per_capita", "hours per resident per month", +1, "volunteer hours",
              lambda v: float(v.once(_tallies)[1].sum() * v.p.volunteer.hours_month / v.res.n)),
    Indicator("meetings", "meetings", +1, "consultation meetings the committee held this month (F17)",
              None, lambda v: v.model.committee_table.meetings.copy()),
]
"""The indicators participation defines."""
