"""Social workers (社会工作者) as arrays: one row per worker, in the order they were hired.

The numbers of every social worker, in a committee's social-work room (F12)
or with an organization, live in a :class:`SocialWorkerTable` owned by the
model (``model.social_worker_table``); each :class:`~model.agents.SocialWorker`
agent is a view of its row, for the dashboard, the notebooks and a
researcher's code. The monthly wear and turnover (DESIGN §4 step 10) is
array code here; only the few who leave are handled one by one.

Rows are appended when a worker is hired and marked dead when one leaves;
the live rows keep the order of hiring (the order of Mesa's agent set), and
the table is compacted, in order, when most rows are dead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from model import committees

if TYPE_CHECKING:
    from model.agents import SocialWorker
    from model.model import SansheModel

_COLUMNS = ("alive", "certified", "in_room", "community", "experience_months", "burnout", "caseload")


@dataclass
class SocialWorkerTable:
    """Every social worker's numbers, one row each.

    Attributes:
        alive: whether the row holds a worker still in post.
        certified: whether the worker holds the social-work qualification (F10).
        in_room: whether the worker is in a committee's social-work room (else with an organization).
        community: the room's community (-1 for a worker of an organization).
        experience_months: months in post.
        burnout: in [0, 1]; raises the chance of leaving.
        caseload: needs served last month (room workers).
        agents: the agent viewing each row (None once it left).
        n: rows in use.
    """

    alive: np.ndarray = field(default_factory=lambda: np.zeros(64, bool))
    certified: np.ndarray = field(default_factory=lambda: np.zeros(64, bool))
    in_room: np.ndarray = field(default_factory=lambda: np.zeros(64, bool))
    community: np.ndarray = field(default_factory=lambda: np.full(64, -1, np.int64))
    experience_months: np.ndarray = field(default_factory=lambda: np.zeros(64, np.int64))
    burnout: np.ndarray = field(default_factory=lambda: np.zeros(64))
    caseload: np.ndarray = field(default_factory=lambda: np.zeros(64))
    agents: list = field(default_factory=list)
    n: int = 0

    def add(self, agent: SocialWorker, certified: bool, in_room: bool, community: int) -> int:
        """Append a newly hired worker; return its row."""
        if self.n == self.alive.size:
            for name in _COLUMNS:
                column = getattr(self, name)
                grown = np.zeros(2 * column.size, column.dtype)
                grown[: column.size] = column
                setattr(self, name, grown)
        row = self.n
        self.alive[row], self.certified[row], self.in_room[row] = True, certified, in_room
        self.community[row], self.experience_months[row] = community, 0
        self.burnout[row] = self.caseload[row] = 0.0
        self.agents.append(agent)
        self.n += 1
        return row

    def drop(self, row: int) -> None:
        """A worker left: its row is dead; compact when most rows are."""
        self.alive[row] = False
        self.agents[row] = None
        if self.n > 64 and 2 * int(self.alive[: self.n].sum()) < self.n:
            self.compact()

    def compact(self) -> None:
        """Drop the dead rows, keeping the live ones in order, and tell each agent its new row."""
        live = self.live_rows()
        for name in _COLUMNS:
            column = getattr(self, name)
            kept = np.zeros(max(64, 2 * live.size), column.dtype)
            kept[: live.size] = column[live]
            setattr(self, name, kept)
        self.agents = [self.agents[r] for r in live]
        for row, agent in enumerate(self.agents):
            agent.row = row
        self.n = live.size

    def live_rows(self) -> np.ndarray:
        """The rows of the workers in post, in the order they were hired."""
        return np.flatnonzero(self.alive[: self.n])


def wear_and_turnover(model: SansheModel, u: np.ndarray, u_stay: np.ndarray) -> None:
    """Burnout follows pressure, and some workers leave (DESIGN §4 step 10).

    Pressure is casework over a full caseload plus ``diversion_pressure`` times
    the share of room hours pulled into administration for a room worker, and
    contract demand over staff capacity (at most ``org_pressure_cap``) for a
    worker of an organization. Burnout moves by ``burnout_rate`` × (pressure - 1)
    within [0, 1]; the yearly turnover of a room or an organization, raised by
    burnout up to ``turnover_cap_year``, becomes a monthly chance of leaving.
    A leaver who stays in the sector (``stay_in_sector_share``) returns a
    certified worker to the talent pool. ``u`` and ``u_stay`` are one uniform
    each per worker in post, in hiring order.
    """
    sw, t = model.params.social_work, model.social_worker_table
    rows = t.live_rows()
    in_room = t.in_room[rows]
    # Cases a room worker carries at full casework; none when leading volunteers takes
    # all their hours (leadership_share = 1), and then casework puts no pressure on them.
    nominal_cases = sw.hours_month * (1 - sw.leadership_share) / sw.hours_per_case
    room_hours = committees.room_hours(model)
    diverted = np.divide(model.committee_table.diverted_hours, room_hours, out=np.zeros(room_hours.size),
                         where=room_hours > 0)
    casework = t.caseload[rows] / nominal_cases if nominal_cases > 0 else np.zeros(rows.size)
    pressure = casework + sw.diversion_pressure * diverted[np.where(in_room, t.community[rows], 0)]
    # An organization's pressure: its contracts' monthly demand over its staff's capacity, once per organization.
    load: dict[int, float] = {}
    for i in np.flatnonzero(~in_room):
        employer = t.agents[rows[i]].employer
        key = id(employer)
        if key not in load:
            demand = sum(c.target_people for c in employer.contracts) / 12.0
            load[key] = min(demand / max(employer.capacity_people, 1e-9), sw.org_pressure_cap)
        pressure[i] = load[key]
    t.experience_months[rows] += 1
    burnout = np.minimum(np.maximum(t.burnout[rows] + sw.burnout_rate * (pressure - 1.0), 0.0), 1.0)
    t.burnout[rows] = burnout
    yearly = np.where(in_room, sw.turnover_room_year, sw.turnover_org_year)
    yearly = np.minimum(yearly * (1.0 + (sw.burnout_turnover_multiplier - 1.0) * burnout), sw.turnover_cap_year)
    leaving = np.flatnonzero(u < 1.0 - (1.0 - yearly) ** (1.0 / 12.0))
    leavers = [t.agents[rows[i]] for i in leaving]  # before any leaves: a leave may compact the rows
    for agent, i in zip(leavers, leaving, strict=True):
        agent.leave(stay_in_sector=bool(u_stay[i] < sw.stay_in_sector_share))
