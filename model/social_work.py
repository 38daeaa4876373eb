"""Social workers (社会工作者) as arrays: one row per worker, in the order they were hired.

The numbers of every social worker, in a committee's social-work room (F12)
or with an organization, live in a :class:`SocialWorkerTable` owned by the
model (``model.social_worker_table``); a :class:`~model.agents.SocialWorker`
agent is a view of its row, for the dashboard, the notebooks and a
researcher's code. The monthly wear and turnover (DESIGN §4 step 10) is
array code here; workers are hired and dismissed in bulk
(:meth:`SocialWorkerTable.hire_for_orgs`, :meth:`SocialWorkerTable.dismiss`).

Workers come and go by the thousands over a run, and the simulation never
reads their agents, so a view is made when it is first asked for
(:meth:`SocialWorkerTable.view`; ``model.social_workers()``, a committee's
``room``, an organization's ``social_workers``, or Mesa's ``model.agents``,
which makes every one). Its ``unique_id`` is the one the worker was given on
hiring (:func:`model.rows.reserve_ids`), the id Mesa would have given an
agent registered then, so identities do not depend on what was looked at;
Mesa's agent sets hold the views in the order they were made, so a reader
who wants the order of hiring sorts by ``unique_id`` (or reads
``model.social_workers()``). A worker who leaves before anyone looked never
had an agent: Mesa's signals of agents added and removed fire for views.

Rows are appended when a worker is hired and marked dead when one leaves;
the live rows keep the order of hiring, and the table is compacted, in
order, when most rows are dead.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from model import committees, kernels
from model.measures import Indicator, ratio
from model.organizations import (
    Organization,
    OrgStatus,
    capacity_people,
    social_worker_counts,
    social_worker_target,
)
from model.rows import RowTable, column_view, reserve_ids


class SocialWorkerTable(RowTable):
    """Every social worker's numbers, one row each, in the order they were hired.

    Columns: ``certified`` (holds the social-work qualification, F10);
    ``in_room`` (in a committee's social-work room, else with an organization);
    ``community`` (the room's community, -1 for a worker of an organization);
    ``org`` (the organization's row of the organization table, -1 for a room
    worker); ``experience_months`` (months in post); ``burnout`` in [0, 1]
    (raises the chance of leaving); ``caseload`` (needs served last month, room workers);
    ``uid`` (its agent's Mesa ``unique_id``, given on hiring).
    Experience and certification set how many cases a worker carries
    (:func:`cases_per_month`) and how well (:func:`casework_quality`).
    ``agents[row]`` is the row's view once one was made (:meth:`view`), else None.
    """

    COLUMNS = {"certified": (bool, False), "in_room": (bool, False), "community": (np.int64, -1),
               "org": (np.int64, -1), "experience_months": (np.int64, 0), "burnout": (np.float64, 0.0),
               "caseload": (np.float64, 0.0), "uid": (np.int64, -1)}

    def hire(self, model: mesa.Model, employer: FixedAgent, certified: bool) -> int:
        """A committee's room or an organization (``employer``) hires a worker; return its row (no view is made)."""
        at_org = isinstance(employer, Organization)
        return self.add(certified=certified, in_room=not at_org, community=-1 if at_org else employer.community,
                        org=employer.row if at_org else -1, uid=int(reserve_ids(model, 1)[0]))

    def view(self, model: mesa.Model, row: int) -> SocialWorker:
        """The agent viewing live row ``row``: made (and registered with Mesa) when first asked for."""
        agent = self.agents[row]
        return agent if agent is not None else SocialWorker(model, row=int(row))

    def views(self, model: mesa.Model, rows: np.ndarray | None = None) -> list[SocialWorker]:
        """The agents viewing ``rows`` (every live row when None), in that order."""
        rows = self.live_rows() if rows is None else rows
        return [self.view(model, r) for r in rows.tolist()]

    def drop(self, row: int | np.ndarray) -> None:
        """Workers left: their rows are dead; compact when most rows are."""
        self.kill(row)
        if self.mostly_dead():
            self.compact()

    def dismiss(self, model: mesa.Model, rows: np.ndarray, stay_in_sector: np.ndarray | bool) -> None:
        """The workers of ``rows`` leave their posts, in that order (see :meth:`SocialWorker.leave`).

        A certified worker who stays in the sector (``stay_in_sector``: one for
        all, or one each) returns to the talent pool; a room worker leaves its
        committee's room; each agent leaves the model.
        """
        rows = np.asarray(rows, np.int64)
        if not rows.size:
            return
        agents = [self.agents[r] for r in rows.tolist()]
        model.talent_pool += int(np.count_nonzero(self.certified[rows] & stay_in_sector))
        self.drop(rows)
        for agent in agents:
            if agent is not None:
                agent.remove()

    def hire_for_orgs(self, model: mesa.Model, orgs: np.ndarray, certified: np.ndarray) -> None:
        """Organizations of rows ``orgs`` hire a social worker each, in that order, certified or not.

        The workers' rows are appended at once, with their ids (:func:`~model.rows.reserve_ids`); no view is made.
        """
        orgs = np.asarray(orgs, np.int64)
        if not orgs.size:
            return
        self.add_many(orgs.size, certified=certified, in_room=False, community=-1, org=orgs,
                      uid=reserve_ids(model, orgs.size))

    def _split(self) -> tuple[np.ndarray, np.ndarray]:
        """The live rows in rooms and with organizations, kept (read-only) while the live rows are the same."""
        live = self.live_rows()
        if getattr(self, "_split_of", None) is not live:
            room, org = live[self.in_room[live]], live[~self.in_room[live]]
            room.flags.writeable = org.flags.writeable = False
            self._split_of, self._room, self._org = live, room, org
        return self._room, self._org

    def room_rows(self) -> np.ndarray:
        """The live rows of the workers in committees' social-work rooms, in the order they were hired (read-only)."""
        return self._split()[0]

    def org_rows(self) -> np.ndarray:
        """The live rows of the workers of organizations, in the order they were hired (read-only)."""
        return self._split()[1]

    def rows_of_room(self, community: int) -> np.ndarray:
        """The live rows of a community's social-work room, in the order they were hired."""
        rows = self.room_rows()
        return rows[self.community[rows] == community]

    def rows_of_org(self, org: int) -> np.ndarray:
        """The live rows of an organization's social workers, in the order they were hired."""
        rows = self.live_rows()
        return rows[self.org[rows] == org]

    def renumber_orgs(self, new_row: np.ndarray) -> None:
        """Follow the organization table's compaction (``new_row``: old row → new row)."""
        rows = self.live_rows()
        rows = rows[self.org[rows] >= 0]
        self.org[rows] = new_row[self.org[rows]]


def _column(name: str, doc: str, kind: type | None = None) -> property:
    return column_view("social_worker_table", "row", name, doc, kind)


class SocialWorker(Agent):
    """A social worker (社会工作者) in a community's social-work room or an organization: a view.

    Its numbers are row ``row`` of the model's :class:`SocialWorkerTable`,
    where wear and turnover run as array code. State: ``employer`` (a
    :class:`~model.agents.Committee` or :class:`~model.organizations.Organization`),
    ``certified``, ``experience_months``, ``burnout`` in [0, 1], ``caseload``
    (needs served last month); what experience makes of it: ``cases_per_month``
    and ``casework_quality``. Reads ``social_work.*``.

    ``SocialWorker(model, employer, certified)`` hires a worker (a row is
    added) and gives its view; ``SocialWorker(model, row=row)`` is the view of
    a worker hired already (what :meth:`SocialWorkerTable.view` makes). Either
    way the agent is registered with Mesa under the ``unique_id`` the worker
    was given on hiring.

    Args:
        model: the district model.
        employer: the committee (its room) or organization the worker joins.
        certified: whether the worker holds the social-work qualification.
        row: the row of a worker hired already; then ``employer`` and ``certified`` are not given.
    """

    certified = _column("certified", "Whether the worker holds the social-work qualification (F10).", bool)
    experience_months = _column("experience_months", "Months in post.")
    burnout = _column("burnout", "Burnout in [0, 1].")
    caseload = _column("caseload", "Needs served last month (room workers).")

    def __init__(self, model: mesa.Model, employer: FixedAgent | None = None, certified: bool = True, *,
                 row: int | None = None) -> None:
        table = model.social_worker_table
        if (row is None) == (employer is None):
            raise TypeError("SocialWorker takes exactly one of an employer (to hire a worker) and a row (to view one)")
        if row is None:
            row = table.hire(model, employer, certified)
        elif not (0 <= row < table.n and table.alive[row] and table.agents[row] is None and table.uid[row] >= 0):
            raise ValueError(f"row {row} of the social-worker table is not a worker in post without a view")
        counter, model.agent_id_counter = model.agent_id_counter, int(table.uid[row])
        try:
            super().__init__(model)  # Mesa registers it under the id it was given when it was hired
        finally:
            model.agent_id_counter = counter
        self.row = row
        table.agents[row] = self

    @property
    def employer(self) -> FixedAgent:
        """Its committee (whose room it works in) or its :class:`~model.organizations.Organization`."""
        t = self.model.social_worker_table
        if t.in_room[self.row]:
            return self.model.committees[int(t.community[self.row])]
        return self.model.organization_table.agents[int(t.org[self.row])]

    @property
    def cases_per_month(self) -> float:
        """Cases the worker can carry in a month at full casework (experience and certification count)."""
        return float(cases_per_month(self.model.params.social_work, self.experience_months, self.certified))

    @property
    def casework_quality(self) -> float:
        """Probability that the worker's casework meets a need."""
        return float(casework_quality(self.model.params.social_work, self.experience_months, self.certified))

    @property
    def in_room(self) -> bool:
        """Whether the worker is in a committee's social-work room (not with an organization)."""
        return bool(self.model.social_worker_table.in_room[self.row])

    def leave(self, stay_in_sector: bool) -> None:
        """Leave the post; a certified worker who stays in the sector returns to the talent pool.

        The post stays open: a room post is refilled by
        :func:`social_worker_turnover`, an organization's by
        :func:`~model.organizations.sync_social_workers`.
        """
        self.model.social_worker_table.dismiss(self.model, np.array([self.row]), stay_in_sector)


def experience_level(sw, experience_months: np.ndarray) -> np.ndarray:
    """How far a worker is along the learning curve, in [0, 1]: months in post over ``experience_full_months``."""
    return np.minimum(np.asarray(experience_months, float) / sw.experience_full_months, 1.0)


def cases_per_month(sw, experience_months: np.ndarray, certified: np.ndarray) -> np.ndarray:
    """Cases a social worker carries in a month at full casework.

    A certified newcomer carries the hours left after leading volunteers over
    ``hours_per_case``; experience adds up to ``experience_caseload_gain`` of
    that, and an uncertified worker carries ``uncertified_caseload_factor`` of it.
    """
    nominal = sw.hours_month * (1.0 - sw.leadership_share) / sw.hours_per_case
    return (nominal * (1.0 + sw.experience_caseload_gain * experience_level(sw, experience_months))
            * np.where(certified, 1.0, sw.uncertified_caseload_factor))


def casework_quality(sw, experience_months: np.ndarray, certified: np.ndarray) -> np.ndarray:
    """Probability that a social worker's casework meets a need.

    ``quality_certified`` or ``quality_uncertified`` for a newcomer, plus up
    to ``experience_quality_gain`` with experience, at most 1.
    """
    base = np.where(certified, sw.quality_certified, sw.quality_uncertified)
    return np.minimum(base + sw.experience_quality_gain * experience_level(sw, experience_months), 1.0)


def _productivity(sw, rows: np.ndarray, t: SocialWorkerTable) -> tuple[np.ndarray, np.ndarray]:
    """Cases each worker of ``rows`` carries relative to a certified newcomer, and its casework quality."""
    nominal = sw.hours_month * (1.0 - sw.leadership_share) / sw.hours_per_case
    exp, cert = t.experience_months[rows], t.certified[rows]
    cases = cases_per_month(sw, exp, cert)
    relative = cases / nominal if nominal > 0 else np.zeros(rows.size)
    return relative, casework_quality(sw, exp, cert)


def room_casework(model: mesa.Model) -> tuple[np.ndarray, np.ndarray]:
    """Per community: people a month the room's casework can serve, and its capacity-weighted quality sum.

    The room's casework hours (:func:`model.committees.casework_hours`) over
    ``hours_per_case``, times its workers' mean caseload relative to a
    certified newcomer (:func:`cases_per_month`); quality is their
    caseload-weighted :func:`casework_quality`.
    """
    sw, t, n = model.params.social_work, model.social_worker_table, model.n_communities
    rows = t.room_rows()
    relative, quality = _productivity(sw, rows, t)
    where = t.community[rows]
    size = np.bincount(where, minlength=n)
    weight = np.bincount(where, weights=relative, minlength=n)
    mean_relative = np.divide(weight, size, out=np.zeros(n), where=size > 0)
    mean_quality = np.divide(np.bincount(where, weights=relative * quality, minlength=n), weight,
                             out=np.full(n, sw.quality_certified), where=weight > 0)
    capacity = committees.casework_hours(model) / sw.hours_per_case * mean_relative
    return capacity, capacity * mean_quality


def org_casework(model: mesa.Model) -> tuple[np.ndarray, np.ndarray]:
    """Per organization row: its social workers' cases a month (:func:`cases_per_month`), and cases × quality.

    One compiled pass over the organizations' workers (:func:`model.kernels.org_casework`).
    """
    sw, t, n = model.params.social_work, model.social_worker_table, model.organization_table.n
    rows = t.org_rows()
    return kernels.org_casework(
        t.org[rows], t.experience_months[rows], t.certified[rows], n,
        sw.hours_month * (1.0 - sw.leadership_share) / sw.hours_per_case, float(sw.experience_caseload_gain),
        float(sw.experience_full_months), float(sw.uncertified_caseload_factor), float(sw.quality_certified),
        float(sw.quality_uncertified), float(sw.experience_quality_gain))


def wage_turnover_factor(sw, wage_yuan_month: np.ndarray | float) -> np.ndarray:
    """Factor on the yearly turnover of a post paying ``wage_yuan_month``: (market wage / wage) ^ elasticity."""
    return (sw.market_wage_yuan_month / np.asarray(wage_yuan_month, float)) ** sw.wage_turnover_elasticity


def wear_and_turnover(model: mesa.Model, u: np.ndarray, u_stay: np.ndarray) -> None:
    """Burnout follows pressure, and some workers leave (DESIGN §4 step 10).

    Pressure is casework over the worker's full caseload (:func:`cases_per_month`) plus ``diversion_pressure`` times
    the share of room hours pulled into administration for a room worker, and
    contract demand over staff capacity (at most ``org_pressure_cap``) for a
    worker of an organization (its capacity: staff, and social workers to lead
    them, as contracts are delivered). Burnout moves by ``burnout_rate`` × (pressure - 1)
    within [0, 1]; the yearly turnover of a room or an organization, times
    :func:`wage_turnover_factor` of the post's wage (a room post's
    ``wage_yuan_month``, an organization's ``orgs.wage_yuan_month``) and raised by
    burnout up to ``turnover_cap_year``, becomes a monthly chance of leaving.
    A leaver who stays in the sector (``stay_in_sector_share``) returns a
    certified worker to the talent pool. ``u`` and ``u_stay`` are one uniform
    each per worker in post, in hiring order.
    """
    sw, t = model.params.social_work, model.social_worker_table
    rows = t.live_rows()
    in_room = t.in_room[rows]
    # Cases each worker carries at full casework (experience and certification count);
    # none when leading volunteers takes all their hours (leadership_share = 1), and then
    # casework puts no pressure on them.
    full_cases = cases_per_month(sw, t.experience_months[rows], t.certified[rows])
    room_hours = committees.room_hours(model)
    diverted = np.divide(model.committee_table.diverted_hours, room_hours, out=np.zeros(room_hours.size),
                         where=room_hours > 0)
    casework = np.divide(t.caseload[rows], full_cases, out=np.zeros(rows.size), where=full_cases > 0)
    pressure = casework + sw.diversion_pressure * diverted[np.where(in_room, t.community[rows], 0)]
    # An organization's pressure: its contracts' monthly demand over its staff's capacity.
    orgs = model.organization_table
    at_org = ~in_room
    if at_org.any():
        org = t.org[rows[at_org]]
        demand = model.contract_table.yearly_targets(orgs.n)[org] / 12.0
        cases, _ = org_casework(model)
        hands = np.minimum(capacity_people(model.params, orgs.staff[org]), cases[org] * sw.contract_needs_per_case)
        pressure[at_org] = np.where(demand > 0, np.minimum(demand / np.maximum(hands, 1e-9), sw.org_pressure_cap),
                                    0.0)
    t.experience_months[rows] += 1
    burnout = np.minimum(np.maximum(t.burnout[rows] + sw.burnout_rate * (pressure - 1.0), 0.0), 1.0)
    t.burnout[rows] = burnout
    yearly = np.where(in_room, sw.turnover_room_year * wage_turnover_factor(sw, sw.wage_yuan_month),
                      sw.turnover_org_year * wage_turnover_factor(sw, model.params.orgs.wage_yuan_month))
    yearly = np.minimum(yearly * (1.0 + (sw.burnout_turnover_multiplier - 1.0) * burnout), sw.turnover_cap_year)
    leaving = np.flatnonzero(u < 1.0 - (1.0 - yearly) ** (1.0 / 12.0))
    t.dismiss(model, rows[leaving], u_stay[leaving] < sw.stay_in_sector_share)


def social_worker_turnover(model: mesa.Model) -> None:
    """Social workers burn out under diversion and caseload and leave.

    Vacant room posts are filled by conversion, transfer or recruitment (F12).
    """
    p, rng = model.params, model.stream("workers")
    sw = p.social_work
    in_post = model.social_worker_table.live_rows().size
    u = rng.random(in_post)
    u_stay = rng.random(in_post)
    wear_and_turnover(model, u, u_stay)
    posts, workers = sw.posts_per_community, model.social_worker_table
    filled = committees.room_sizes(model)
    for c in np.flatnonzero(filled != posts).tolist():  # in the committees' order; the others draw nothing
        if filled[c] > posts:  # fewer posts than workers: the last hired leave first
            workers.dismiss(model, workers.rows_of_room(c)[::-1][: filled[c] - posts], True)
        for _ in range(posts - filled[c]):
            if rng.random() < sw.recruit_prob_month:
                model.fill_room_post(model.committees[c], rng)


def certification_exam(model: mesa.Model) -> None:
    """Community workers sit the national social-work exam (F10).

    Training support multiplies the pass rate by ``training_pass_multiplier``.
    Workers turn over during the year and are replaced by uncertified hires.
    Uncertified social workers sit it too, with the same pass rate.

    Each committee draws two uniforms for every one of its workers, whoever is
    certified (one for leaving, one for the exam), so how many are certified
    (which room conversions, and so the contract market, move) does not move
    the committees' draws.
    """
    p, rng = model.params, model.stream("exam")
    sw, c = p.social_work, p.committee
    pass_prob = sw.exam_pass_prob if sw.training_support else sw.exam_pass_prob / sw.training_pass_multiplier
    ct = model.committee_table
    workers = np.asarray(ct.workers, np.int64)
    width = int(workers.max()) if workers.size else 0
    u_leave, u_pass = rng.random((workers.size, width)), rng.random((workers.size, width))
    seat = np.arange(width)
    certified = np.asarray(ct.certified, np.int64)
    certified = certified - ((seat < certified[:, None]) & (u_leave < c.worker_turnover_year)).sum(axis=1)
    certified = certified + ((seat < (workers - certified)[:, None]) & (u_pass < pass_prob)).sum(axis=1)
    ct.certified[:] = certified
    # Social workers sit it with draws of their own: how many there are, and how many
    # uncertified, follows the contract market, which must not reach the committees' draws.
    t, rng_workers = model.social_worker_table, model.stream("exam.social_workers")
    rows = t.live_rows()
    uncertified = rows[~t.certified[rows]]
    t.certified[uncertified[rng_workers.random(uncertified.size) < pass_prob]] = True


def renew_talent_pool(model: mesa.Model) -> None:
    """Certified graduates and arrivals join the district's talent pool and others leave it (yearly).

    Each year ``talent_renewal_year`` × ``talent_pool`` join (Poisson) and
    each worker in the pool leaves with probability ``talent_renewal_year``,
    so the pool returns to ``talent_pool`` when nobody hires from it, and
    hiring faster than it renews empties it (P4).
    """
    sw, rng = model.params.social_work, model.stream("talent")
    joined = int(rng.poisson(sw.talent_renewal_year * sw.talent_pool))
    left = int(rng.binomial(model.talent_pool, sw.talent_renewal_year))
    model.talent_pool += joined - left


def _filled(v) -> np.ndarray:
    """Room posts filled, by community."""
    return committees.room_sizes(v.model)


def _certified(v) -> np.ndarray:
    """Certified community workers and room social workers, by community."""
    w = v.model.social_worker_table
    rows = w.room_rows()
    return v.model.committee_table.certified + np.bincount(
        w.community[rows], weights=w.certified[rows], minlength=v.n_comm).astype(np.int64)


def _workers(v) -> np.ndarray:
    """Community workers and room social workers, by community."""
    return v.model.committee_table.workers + v.once(_filled)


def _org_gap(v) -> int:
    """Social workers the active organizations lack for their staff and contracts."""
    t = v.model.organization_table
    rows = t.rows(OrgStatus.ACTIVE)
    target = social_worker_target(v.p, t.staff[rows], t.professional(rows),
                                  v.model.contract_table.monthly_demand(t.n)[rows])
    return int(np.maximum(target - social_worker_counts(v.model)[rows], 0).sum())


def _org_workers(v) -> np.ndarray:
    """The live rows of organizations' social workers."""
    return v.model.social_worker_table.org_rows()


def _caseloads(v) -> np.ndarray:
    """Room social workers' caseloads, by committee and, within a room, in the order they joined."""
    w = v.model.social_worker_table
    rows = w.room_rows()
    return w.caseload[rows[np.argsort(w.community[rows], kind="stable")]]


INDICATORS = [
    Indicator("certified_share", "share", +1,
              "community workers and room social workers holding the qualification (F10)",
              lambda v: float(v.once(_certified).sum() / v.once(_workers).sum()),
              lambda v: ratio(v.once(_certified), v.once(_workers))),
    Indicator("certified_workers", "people", +1, "certified community workers and room social workers (F10)",
              lambda v: int(v.once(_certified).sum())),
    Indicator("room_posts_filled", "posts", +1, "social-work-room posts filled (F12)",
              lambda v: int(v.once(_filled).sum()), lambda v: v.once(_filled), integer=True),
    Indicator("social_worker_vacancies", "posts", -1,
              "vacant room posts plus organizations' social-worker gaps (P4; in a community: its room's)",
              lambda v: int(max(v.p.social_work.posts_per_community * v.n_comm - v.once(_filled).sum(), 0)
                            + v.once(_org_gap)),
              lambda v: np.maximum(v.p.social_work.posts_per_community - v.once(_filled), 0), integer=True),
    Indicator("social_worker_caseload", "needs per room worker per month", 0, "room casework load (P4)",
              lambda v: float(np.mean(v.once(_caseloads))) if v.once(_caseloads).size else 0.0),
    Indicator("org_social_workers", "people", +1, "social workers in organizations (P4)",
              lambda v: int(v.once(_org_workers).size)),
    Indicator("org_social_workers_certified", "share", +1,
              "share of organizations' social workers holding the qualification (P4; NaN without any)",
              lambda v: float(ratio(v.model.social_worker_table.certified[v.once(_org_workers)].sum(),
                                    v.once(_org_workers).size))),
    Indicator("talent_pool", "people", +1, "certified social workers in the district's market, not in post (P4)",
              lambda v: int(v.model.talent_pool)),
]
"""The indicators social work defines."""
