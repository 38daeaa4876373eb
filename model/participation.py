"""Participation (DESIGN §4 steps 5 and 7): consultation meetings (F17), participation and volunteering (F13, P2).

Participation and volunteering spread on the resident network as threshold
contagions (:mod:`model.contagion`); the vectorised rules are in :mod:`model.rules`.
"""

from __future__ import annotations

import mesa
import numpy as np

from model import kernels, rules
from model.measures import Indicator, ratio
from model.parameters import N_CATEGORIES

F32 = np.float32


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
    participants = np.flatnonzero(res.participant)
    u = rng.random(participants.size)
    # Rows are stored by community, so the participants of a community are a run of this sorted list.
    per_community = np.diff(np.searchsorted(participants, res.community_start))
    participant_rows = per_community.astype(float)
    seat_rows = meetings * c.seats_per_meeting * model.scale
    chance = np.minimum(p.participation.attend_prob, np.divide(
        seat_rows, participant_rows, out=np.zeros(n_comm), where=participant_rows > 0))
    attend = participants[u < np.repeat(chance, per_community)]
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


def update_participation(model: mesa.Model) -> None:
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
        res, model.participant_nbrs, model.volunteer_nbrs, mob, inverse_degree=model.inverse_degree,
        trust_weight=pa.trust_weight, civic_weight=pa.civic_weight,
        sensitivity=pa.neighbour_sensitivity, dropout=pa.dropout_month,
        volunteer_sensitivity=v.neighbour_sensitivity,
        u_participate=rng.random(res.n, dtype=F32),
        u_volunteer=lambda k: rng.random(k, dtype=F32), u_kind=lambda k: rng.random(k))
    _update_counts(model, model.participant_nbrs, was_participant, res.participant)
    _update_counts(model, model.volunteer_nbrs, was_volunteer, res.volunteer > 0)


def _update_counts(model: mesa.Model, counts: np.ndarray, before: np.ndarray, after: np.ndarray) -> None:
    """Bring neighbour counts of a trait up to date with the residents who changed.

    Only the ties of those who changed are touched (a few thousand a month,
    not every resident); counts are whole numbers in float32, so the order
    of the additions cannot change them.
    """
    adjacency = model.adjacency
    kernels.shift_counts(counts, adjacency.indptr, adjacency.indices, np.flatnonzero(after & ~before),
                         np.flatnonzero(before & ~after))


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
