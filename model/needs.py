"""Needs (DESIGN §4 steps 1 and 4): they arise, age and end unmet, and come to light.

Residents' needs are the sorted list ``Residents.need_key`` (see
:mod:`model.residents`); the vectorised rules are in :mod:`model.rules`.
"""

from __future__ import annotations

import mesa
import numpy as np

from model import committees, draws, rules


def needs_arise(model: mesa.Model) -> None:
    """Open needs age and some end unmet; new needs arise by group and category."""
    res, p = model.residents, model.params
    u_arrive = draws.uniform32(model.stream("needs.arrive"), res.n)
    u_need = draws.uniform32(model.stream("needs.abandon"), res.need_key.size)
    abandoned = rules.age_and_abandon(res, p.needs.abandon_prob_month, u_need)
    rules.arise_needs(res, model.rate_table, u_arrive, model.stream("needs.category"))
    model.flow.abandoned = abandoned


def detect_needs(model: mesa.Model) -> None:
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

    u = draws.uniform32(rng, res.need_key.size)
    rules.detect_needs_by_ties(res, p_by_grid, res.grid, p.needs.self_referral_prob_month,
                               p.needs.word_of_mouth_weight, model.adjacency, res.served_last > 0, u,
                               model.inverse_degree)
