"""Services (DESIGN §4 step 6): committees, rooms, organizations and volunteers serve detected needs.

Contracts' capacity comes from :mod:`model.purchasing`, organizations' own
work from :mod:`model.organizations`, room casework from :mod:`model.committees`.
"""

from __future__ import annotations

import mesa
import numpy as np

from model import committees, kernels, organizations, purchasing, social_work
from model.measures import Indicator, gini, ratio
from model.parameters import N_CATEGORIES
from model.purchasing import ProjectKind
from model.residents import KERNEL_CATEGORY_BITS

F32 = np.float32


def deliver_services(model: mesa.Model) -> None:
    """Committees, social-work rooms, organizations and volunteers serve detected needs.

    The servers are committees, social-work rooms (F12), contracted organizations
    (F6, F11), organizations' own work and volunteers led by social workers (F13);
    they serve in four passes:

    1. common projects serve vulnerable residents in their community and category,
       some of whose needs they reach before the needs come to light
       (:func:`common_outreach`);
    2. room casework and the common projects' unused capacity serve
       vulnerable residents of the community, any category (a provider with
       spare hours takes referrals);
    3. individual projects and organizations' own work serve anyone in their
       community and category;
    4. committees' direct service, grassroots volunteers, and capacity left from
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
    comm, cell, vul = kernels.need_pools(res.need_key, res.community, res.vulnerable.view(np.uint8), K,
                                         KERNEL_CATEGORY_BITS)
    vul = vul.view(bool)
    n_needs = res.need_key.size
    u_met = rng.random(n_needs)
    # Service order: oldest first, ties in random order (a stable sort of a permutation).
    shuffled = rng.permutation(n_needs)
    queue = kernels.oldest_first(shuffled, res.need_age)  # a counting sort: ages are small whole numbers

    # Pools by cell (community × category): contracts and organizations' own work.
    common_cap, common_q, cell_cap, cell_q = purchasing.contract_pools(model)
    own_cap, own_q = organizations.own_work(model)
    cell_cap += own_cap
    cell_q += own_q

    # Pools by community: room casework, then committee service and volunteers.
    sw = p.social_work
    room_cap, room_q_sum = social_work.room_casework(model)  # experience raises caseload and quality
    room_q = np.divide(room_q_sum, room_cap, out=np.full(n_comm, sw.quality_certified), where=room_cap > 0)
    v = p.volunteer
    volunteer_cap = model.grassroots_people * v.hours_month * (  # state-mobilised hours go to campaigns
        model.supervised_share * v.efficiency
        + (1 - model.supervised_share) * v.unsupervised_efficiency) / v.hours_per_need
    committee_cap = model.committee_table.service_hours / p.committee.hours_per_need

    waiting = res.need_detected.copy()
    reached = common_outreach(model, common_cap, cell, vul & ~waiting)
    # One uniform per pool of the four passes, drawn at once (the draws each pass drew in turn).
    u = rng_cap.random(2 * (n_cells + n_comm))
    u_capacity = u[:n_cells], u[n_cells:n_cells + n_comm], u[n_cells + n_comm:-n_comm], u[-n_comm:]
    w = waiting.view(np.uint8)

    def serve(number, candidate, groups, capacity_people, quality_sum, per):
        """Pass ``number`` (1-4) from one set of pools (:func:`model.kernels.serve_pools`).

        Return the served and met needs, and what each pool left unused (people,
        per community) with its quality sum. What the next pool gets is the
        unrounded capacity less the people served, not the rounded rows:
        otherwise every pool's rounding noise (±1 row, 1/scale people) is handed
        on, and noisier capacity against a few candidates goes unused more often.
        """
        return kernels.serve_pools(queue, candidate.view(np.uint8), groups, np.asarray(capacity_people, np.float64),
                                   np.asarray(quality_sum, np.float64), model.scale, u_capacity[number - 1], u_met,
                                   w, per)

    served1, met1, left1, left1_q = serve(1, (waiting & vul) | reached, cell, common_cap, common_q, K)
    res.need_detected[served1] = True  # a need a project reached is known now, met or not
    served2, met2, left2, left2_q = serve(2, waiting & vul, comm, room_cap + left1, room_cap * room_q + left1_q, 1)
    served3, met3, left3, left3_q = serve(3, waiting, cell, cell_cap, cell_q, K)
    generic = committee_cap + volunteer_cap + left2 + left3
    generic_q = (committee_cap * p.committee.service_quality + volunteer_cap * v.service_quality
                 + left2_q + left3_q)
    _, met4, _, _ = serve(4, waiting, comm, generic, generic_q, 1)
    met_parts = [met1, met2, met3, met4]

    # Attribute delivery to contracts in proportion to their share of the pool.
    met_by_contracts = purchasing.attribute_delivery(
        model, {ProjectKind.COMMON: (common_cap, served1, met1), ProjectKind.INDIVIDUAL: (cell_cap, served3, met3)},
        cell)
    room_share = np.divide(room_cap, room_cap + left1, out=np.zeros(n_comm), where=room_cap + left1 > 0)
    room_served = np.bincount(comm[served2], minlength=n_comm) / model.scale * room_share
    t = model.social_worker_table
    rows = t.room_rows()
    room = t.community[rows]
    t.caseload[rows] = room_served[room] / committees.room_sizes(model)[room]

    met = np.concatenate(met_parts)
    met_keys = res.need_key[met]
    met_rows = np.sort(met, kind="stable")  # sorted runs, one per pool: timsort merges them
    res.need_key, res.need_age, res.need_detected = kernels.drop_needs(met_rows, res.need_key, res.need_age,
                                                                       res.need_detected)
    res.served_last = kernels.count_per_row(met_keys, K, res.n)
    model.flow.met, model.flow.met_by_contracts_people = met_keys, met_by_contracts


def common_outreach(model: mesa.Model, common_cap: np.ndarray, cell: np.ndarray,
                    unknown: np.ndarray) -> np.ndarray:
    """Which needs not yet known common projects reach through registers and home visits (F11).

    A common project is bought for the vulnerable residents of its community
    and category, whom the committee's registers list; each open need of a
    vulnerable resident that has not come to light, in a cell (community ×
    category) where a common project has capacity this month, is reached with
    chance ``purchase.common_outreach_share`` and may then be served with the
    known ones. ``unknown`` marks those needs; the draws come from their own
    stream, one per such need.
    """
    candidates = kernels.rows_in_open_groups(unknown.view(np.uint8), cell, (common_cap > 0).view(np.uint8))
    u = model.stream("services.outreach").random(candidates.size)
    reached = np.zeros(unknown.size, bool)
    reached[candidates[u < model.params.purchase.common_outreach_share]] = True
    return reached


def _met_v(v) -> np.ndarray:
    """Needs of vulnerable residents met this month, by community."""
    return v.flow.closed_by_community(v.res.community, v.res.vulnerable, v.n_comm, N_CATEGORIES)[2]


def _abandoned_v(v) -> np.ndarray:
    """Needs of vulnerable residents abandoned this month, by community."""
    return v.flow.closed_by_community(v.res.community, v.res.vulnerable, v.n_comm, N_CATEGORIES)[3]


def _need_blocks(v) -> np.ndarray:
    """Where each community's open needs start in the sorted list of needs (and where the last ends)."""
    return np.searchsorted(v.res.need_key, v.res.community_start * N_CATEGORIES)


def _wait_c(v) -> np.ndarray:
    """Summed months of wait of the open needs, by community."""
    return kernels.block_counts(v.once(_need_blocks), v.res.need_age).astype(float)


def _open_c(v) -> np.ndarray:
    """Open needs, by community."""
    return np.diff(v.once(_need_blocks))


def _coverage(v) -> float:
    met, ab = v.met_c.sum(), v.ab_c.sum()
    return float(ratio(met, met + ab))


def _coverage_vulnerable(v) -> float:
    met, ab = v.once(_met_v).sum(), v.once(_abandoned_v).sum()
    return float(ratio(met, met + ab))


INDICATORS = [
    Indicator("need_coverage", "share", +1, "needs met over needs closed (met or abandoned) this month",
              _coverage, lambda v: ratio(v.met_c, v.met_c + v.ab_c)),
    Indicator("coverage_vulnerable", "share", +1, "the same for vulnerable residents",
              _coverage_vulnerable,
              lambda v: ratio(v.once(_met_v), v.once(_met_v) + v.once(_abandoned_v))),
    Indicator("unmet_wait_months", "months", -1, "mean wait of needs still open",
              lambda v: float(ratio(v.once(_wait_c).sum(), v.once(_open_c).sum(), 0.0)),
              lambda v: ratio(v.once(_wait_c), v.once(_open_c), 0.0)),
    Indicator("coverage_gini", "Gini in [0, 1]", -1,
              "inequality across communities of need coverage over the last 12 months",
              lambda v: gini(ratio(v.met_12, v.closed_12)[v.closed_12 > 0])),
]
"""The indicators services define."""
