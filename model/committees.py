"""Residents' committees (两委) as arrays: one element per community.

The 77 committees' numbers live in a :class:`CommitteeTable` owned by the
model (``model.committee_table``); each :class:`~model.agents.Committee`
agent is a view of one element, for the dashboard, the notebooks and a
researcher's code. The monthly time split (DESIGN §4 step 3) is array code
here, so no Python loop over committees runs in it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from model import organizations
from model.parameters import N_CATEGORIES


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

    @classmethod
    def empty(cls, n: int) -> CommitteeTable:
        """A table for ``n`` communities with no workers and no hours yet."""
        return cls(workers=np.zeros(n, np.int64), certified=np.zeros(n, np.int64),
                   admin_load_hours=np.zeros(n), admin_hours=np.zeros(n), diverted_hours=np.zeros(n),
                   consultation_hours=np.zeros(n), service_hours=np.zeros(n), brokering_hours=np.zeros(n),
                   agenda=np.zeros((n, N_CATEGORIES)), meetings=np.zeros(n, np.int64))


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


def allocate_time(model: mesa.Model) -> None:
    """Administration first; then consultation, direct service and brokering.

    Social-work-room staff are pulled into administration as the load presses
    (DESIGN §4 step 3): from a load of ``diversion_onset`` times the
    committee's hours, up to ``diversion_max`` of their hours at twice that load.
    """
    p, t = model.params, model.committee_table
    c = p.committee
    hours = hours_total(model)
    load = t.admin_load_hours
    pressure = np.divide(load, hours, out=np.ones_like(load), where=hours > 0)
    onset = c.diversion_onset
    share = c.diversion_max * np.minimum(np.maximum((pressure - onset) / max(onset, 1e-9), 0.0), 1.0)
    t.diverted_hours[:] = np.minimum(room_hours(model) * share, load)
    load_left = np.maximum(load - t.diverted_hours, 0.0)
    t.admin_hours[:] = np.minimum(load_left, hours)
    free = hours - t.admin_hours
    t.consultation_hours[:] = free * c.consultation_share if p.consultation.enabled else 0.0
    t.service_hours[:] = np.minimum(free * c.service_share, free - t.consultation_hours)
    t.brokering_hours[:] = free - t.consultation_hours - t.service_hours


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


def allocate_committee_time(model: mesa.Model) -> None:
    """Committees split their hours; social workers' leadership hours per community follow."""
    allocate_time(model)
    lead = leadership_hours(model)
    organizations.add_leadership(model, lead)
    model.leadership_hours = lead
    sw = model.params.social_work
    capacity = lead / (sw.hours_month * max(sw.leadership_share, 1e-9)) * sw.volunteers_per_worker
    res = model.residents
    volunteers = np.add.reduceat(res.volunteer > 0, res.community_start[:-1],
                                 dtype=np.float64) * model.people_per_row
    model.supervised_share = np.where(volunteers > 0, np.minimum(capacity / np.maximum(volunteers, 1e-9), 1.0), 1.0)
    model.volunteers_people = volunteers
