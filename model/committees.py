"""Residents' committees (两委) as arrays: one element per community.

The 77 committees' numbers live in a :class:`CommitteeTable` owned by the
model (``model.committee_table``); each :class:`~model.agents.Committee`
agent is a view of one element, for the dashboard, the notebooks and a
researcher's code. The monthly time split (DESIGN §4 step 3) is array code
here, so no Python loop over committees runs in it: administration first,
under assessment (考核), with room social workers pulled in as the pressure
grows (P1). Staffing follows households (:func:`staffing`): F10's 1,144
community workers, less the room posts, shared out by community size.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from model import kernels, organizations
from model.parameters import N_CATEGORIES
from model.residents import GRASSROOTS, STATE_MOBILISED


@dataclass
class CommitteeTable:
    """The committees' numbers, element ``c`` for community ``c``.

    Attributes:
        workers: community workers (F10).
        certified: how many of them hold the social-work qualification (F10).
        admin_load_hours: this month's administrative load.
        admin_hours: committee hours spent on it.
        diverted_hours: social-work-room hours pulled into it.
        consultation_hours: hours for consultation meetings (F17).
        service_hours: hours of direct service to residents.
        brokering_hours: hours left for brokering (finding needs and providers).
        agenda: voiced unmet needs by category this year (communities × categories, F17).
        meetings: consultation meetings held this month.
        listed_tasks: tasks from listed items that arrived this month (F1).
        unlisted_tasks: unlisted tasks that arrived this month (the back door, P1).
        unlisted_rate: unlisted tasks a month departments send the committee (a stock moved yearly).
        returned_hours: hours of overdue matters the street centre sent back, due this month (F2).
        backlog_hours: unfinished administrative hours carried into next month.
        arrived_hours_year: administrative hours that arrived since the last yearly review.
        done_hours_year: administrative hours finished since the last yearly review.
        completion: share of the arriving work finished in the last reviewed year (the record
            departments read).
    """

    workers: np.ndarray
    certified: np.ndarray
    admin_load_hours: np.ndarray
    admin_hours: np.ndarray
    diverted_hours: np.ndarray
    consultation_hours: np.ndarray
    service_hours: np.ndarray
    brokering_hours: np.ndarray
    agenda: np.ndarray
    meetings: np.ndarray
    listed_tasks: np.ndarray
    unlisted_tasks: np.ndarray
    unlisted_rate: np.ndarray
    returned_hours: np.ndarray
    backlog_hours: np.ndarray
    arrived_hours_year: np.ndarray
    done_hours_year: np.ndarray
    completion: np.ndarray

    @classmethod
    def empty(cls, n: int) -> CommitteeTable:
        """A table for ``n`` communities with no workers and no hours yet."""
        return cls(workers=np.zeros(n, np.int64), certified=np.zeros(n, np.int64),
                   admin_load_hours=np.zeros(n), admin_hours=np.zeros(n), diverted_hours=np.zeros(n),
                   consultation_hours=np.zeros(n), service_hours=np.zeros(n), brokering_hours=np.zeros(n),
                   agenda=np.zeros((n, N_CATEGORIES)), meetings=np.zeros(n, np.int64),
                   listed_tasks=np.zeros(n), unlisted_tasks=np.zeros(n), unlisted_rate=np.zeros(n),
                   returned_hours=np.zeros(n), backlog_hours=np.zeros(n), arrived_hours_year=np.zeros(n),
                   done_hours_year=np.zeros(n), completion=np.ones(n))


def staffing(households: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Community workers of each committee from its households, summing to ``total`` (P2, F10).

    Each committee has ``minimum`` workers; the rest of ``total`` is shared in
    proportion to households by largest remainders, so the counts sum to
    ``total`` exactly and never fall as households rise. When ``total`` is
    below ``minimum`` for every committee, every committee has ``minimum``.

    Args:
        households: households of each community (any positive scale; only proportions count).
        total: community workers of all committees together.
        minimum: fewest workers of one committee.
    """
    households = np.asarray(households, dtype=float)
    n = households.size
    rest = max(total - minimum * n, 0)
    weights = households / households.sum() if households.sum() > 0 else np.full(n, 1.0 / n)
    quota = rest * weights
    share = np.floor(quota).astype(np.int64)
    short = rest - int(share.sum())
    order = np.lexsort((-np.arange(n), -households, -(quota - share)))  # largest remainder, larger community, later
    share[order[:short]] += 1
    return minimum + share


def households_per_community(model: mesa.Model) -> np.ndarray:
    """Households of each community (resident rows' households; proportional to the real ones)."""
    res = model.residents
    start = res.community_start
    return (res.household[start[1:] - 1] - res.household[start[:-1]] + 1).astype(np.int64)


def room_sizes(model: mesa.Model) -> np.ndarray:
    """Social workers in each committee's social-work room (F12)."""
    t = model.social_worker_table
    return np.bincount(t.community[t.room_rows()], minlength=model.n_communities)


def hours_total(model: mesa.Model) -> np.ndarray:
    """Each committee's working hours this month: its workers times ``committee.hours_per_worker_month``."""
    return model.committee_table.workers * model.params.committee.hours_per_worker_month


def room_hours(model: mesa.Model) -> np.ndarray:
    """Hours of each room's staff this month, before any diversion into administration."""
    return room_sizes(model) * model.params.social_work.hours_month


def pressure(model: mesa.Model) -> np.ndarray:
    """Administrative pressure of each committee: the hours due over its own hours (P1)."""
    t = model.committee_table
    hours = hours_total(model)
    return np.divide(t.admin_load_hours, hours, out=np.zeros(hours.size), where=hours > 0)


def diversion_share(pressure: np.ndarray, most: float, half: float) -> np.ndarray:
    """Share of room hours pulled into administration at a pressure: ``most × p² / (p² + half²)``.

    It rises with the pressure from 0, slowly at first, half of ``most`` at
    ``half`` and approaching ``most``: the room is drawn on more the more the
    committee falls behind.
    """
    sq = np.square(pressure)
    return most * sq / (sq + half * half)


def allocate_time(model: mesa.Model) -> None:
    """Administration first, under assessment; then consultation, direct service and brokering.

    Social-work-room staff are pulled into administration as the pressure
    grows (DESIGN §4 step 3; :func:`diversion_share`); the committee does the
    rest of the work due up to its hours less a reserve for residents. The
    reserve is ``service_reserve_share`` of its hours, less the share
    assessment takes (``admin.assessment_weight``): a committee assessed on
    tasks finished gives them priority over residents when hours are short.
    State-mobilised volunteers' campaign hours (:func:`campaign_hours`) finish
    part of what the committee leaves undone; they free no committee hours.
    Unfinished work carries over, less the lapsing share ``admin.task_lapse_month``.
    """
    p, t = model.params, model.committee_table
    c = p.committee
    hours = hours_total(model)
    load = t.admin_load_hours
    share = diversion_share(pressure(model), c.diversion_max, c.diversion_half_pressure)
    t.diverted_hours[:] = np.minimum(room_hours(model) * share, load)
    reserve = hours * c.service_reserve_share * (1.0 - p.admin.assessment_weight)
    t.admin_hours[:] = np.minimum(load - t.diverted_hours, hours - reserve)
    done = t.admin_hours + t.diverted_hours
    done = done + np.minimum(campaign_hours(model), load - done)
    t.done_hours_year += done
    t.backlog_hours[:] = np.maximum(load - done, 0.0) * (1.0 - p.admin.task_lapse_month)
    free = hours - t.admin_hours
    t.consultation_hours[:] = free * c.consultation_share if p.consultation.enabled else 0.0
    t.service_hours[:] = np.minimum(free * c.service_share, free - t.consultation_hours)
    t.brokering_hours[:] = free - t.consultation_hours - t.service_hours


def campaign_hours(model: mesa.Model) -> np.ndarray:
    """Administrative hours state-mobilised volunteers finish this month, by community.

    Their hours times ``volunteer.state_admin_efficiency``: patrols, drives and
    inspections the committee organises but cannot staff.
    """
    v = model.params.volunteer
    return model.state_volunteers_people * v.hours_month * v.state_admin_efficiency


def admin_share(model: mesa.Model) -> np.ndarray:
    """Share of each committee's and room's hours spent on administration (P1)."""
    t = model.committee_table
    total = hours_total(model) + room_hours(model)
    return np.divide(t.admin_hours + t.diverted_hours, total, out=np.zeros(total.size), where=total > 0)


def free_room_hours(model: mesa.Model) -> np.ndarray:
    """Room hours left after diversion into administration."""
    return np.maximum(room_hours(model) - model.committee_table.diverted_hours, 0.0)


def casework_hours(model: mesa.Model) -> np.ndarray:
    """Room hours left for casework after diversion and volunteer leadership."""
    return free_room_hours(model) * (1.0 - model.params.social_work.leadership_share)


def leadership_hours(model: mesa.Model) -> np.ndarray:
    """Room hours after diversion that go to leading volunteers (F13)."""
    return free_room_hours(model) * model.params.social_work.leadership_share


def count_volunteers(model: mesa.Model) -> None:
    """Volunteers of each kind by community, in people (grassroots, state-mobilised and all)."""
    res = model.residents
    rows = kernels.count_kinds(res.community_start, res.volunteer, GRASSROOTS, STATE_MOBILISED).astype(np.float64)
    model.grassroots_people = rows[0] * model.people_per_row
    model.state_volunteers_people = rows[1] * model.people_per_row
    model.volunteers_people = model.grassroots_people + model.state_volunteers_people


def allocate_committee_time(model: mesa.Model) -> None:
    """Committees split their hours; social workers' leadership hours per community follow.

    Social workers supervise grassroots volunteers only (state-mobilised ones
    are the committee's): their capacity (``supervision_capacity``, people)
    is ``social_work.volunteers_per_worker`` for each worker's worth of
    leadership hours, and the supervised share is that capacity over the
    grassroots volunteers.
    """
    count_volunteers(model)
    allocate_time(model)
    lead = leadership_hours(model)
    organizations.add_leadership(model, lead)
    model.leadership_hours = lead
    sw = model.params.social_work
    capacity = lead / (sw.hours_month * max(sw.leadership_share, 1e-9)) * sw.volunteers_per_worker
    model.supervision_capacity = capacity
    grassroots = model.grassroots_people
    model.supervised_share = np.where(grassroots > 0, np.minimum(capacity / np.maximum(grassroots, 1e-9), 1.0),
                                      1.0)
