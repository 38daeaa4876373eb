"""Administration (DESIGN §4 step 2 and the yearly review): the work that reaches committees (F1, F2, F16, P1).

Administrative work reaches the residents' committees as a flow of tasks,
each month, from four sources:

- **listed tasks**: each item on the committees' list (F1) sends every
  committee ``tasks_per_item_month`` tasks a month (Poisson), from the
  district's departments and the street; merged and optimised items still
  send part of theirs;
- **unlisted tasks** (the back door): departments push work that is on no
  list. Each committee gets ``unlisted_rate`` of them a month, a stock that
  moves at each yearly review toward what the committee's record invites:
  the pool departments would send (``department_pool_tasks_month``), cut by
  admission control (准入) to what the list admits, times the share of its
  work the committee finished. Departments push work where it gets done; the
  pool bounds it;
- **residents' matters** not handled by the street centre, and campaigns;
- **matters the street centre sends back** when they wait too long.

Each task costs ``hours_per_task``, less the platform's saving (F16).
Unfinished work carries into the next month, less a lapsing share. How the
committees spend their hours on it, under assessment (考核), is
:func:`model.committees.allocate_time`.

Street public service centres (F2; their numbers in :class:`StreetCentreTable`,
viewed by :class:`~model.agents.StreetCentre`) take the residents' matters and
stripped items with a finite capacity in staff hours and a first-in,
first-out queue; what waits longer than ``street_max_wait_months`` is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from model import committees
from model.measures import Indicator


@dataclass
class StreetCentreTable:
    """The street public service centres' numbers, one element per street (F2).

    Attributes:
        queue: hours of matters waiting (at the centre's cost per matter).
        processed: hours of matters processed this month.
        returned: overdue hours sent back to the street's committees this month.
        abandoned: overdue hours residents gave up this month.
        wait_months: how long the last matter in the queue waits: the queue over the monthly capacity.
    """

    queue: np.ndarray
    processed: np.ndarray
    returned: np.ndarray
    abandoned: np.ndarray
    wait_months: np.ndarray

    @classmethod
    def empty(cls, n: int) -> StreetCentreTable:
        """``n`` centres with nothing waiting."""
        return cls(queue=np.zeros(n), processed=np.zeros(n), returned=np.zeros(n), abandoned=np.zeros(n),
                   wait_months=np.zeros(n))


def street_capacity_hours(model: mesa.Model) -> float:
    """One street centre's monthly capacity: its staff's hours (``admin.street_centre_staff`` × worker hours)."""
    return model.params.admin.street_centre_staff * model.params.committee.hours_per_worker_month


def process_matters(model: mesa.Model, incoming: np.ndarray) -> None:
    """The street centres queue this month's matters (hours), process up to capacity and clear overdue ones.

    First in, first out: the queue left after processing waits ``queue /
    capacity`` months. Hours beyond ``street_max_wait_months`` of capacity are
    overdue. Each street is assessed on the matters it finishes (考核), so it
    sends the share ``admin.assessment_weight`` of them back down to its
    committees, where they get done (they reach the committees next month);
    residents give up the rest. A centre with no capacity reports
    ``no_capacity_wait_months`` while matters reach it.
    """
    a, t = model.params.admin, model.street_centre_table
    capacity = street_capacity_hours(model)
    t.queue += incoming
    t.processed[:] = np.minimum(t.queue, capacity)
    t.queue -= t.processed
    overdue = np.maximum(t.queue - a.street_max_wait_months * capacity, 0.0)
    t.queue -= overdue
    t.returned[:] = overdue * a.assessment_weight
    t.abandoned[:] = overdue - t.returned
    if capacity > 0:
        t.wait_months[:] = t.queue / capacity
    else:
        t.wait_months[:] = np.where(incoming > 0, a.no_capacity_wait_months, 0.0)
    return_to_committees(model, t.returned)


def return_to_committees(model: mesa.Model, hours: np.ndarray) -> None:
    """Share each street's returned hours among its committees by population; they reach them next month."""
    people = model.people_per_community
    street_people = np.bincount(model.street_of, weights=people, minlength=hours.size)
    share = np.divide(people, street_people[model.street_of], out=np.zeros(people.size),
                      where=street_people[model.street_of] > 0)
    model.committee_table.returned_hours[:] = hours[model.street_of] * share


def route_shares(a) -> np.ndarray:
    """The five routes of deburdening (up, strip, cancel, merge, optimise, F1) as shares summing to 1."""
    routes = np.array([a.route_up_share, a.route_strip_share, a.route_cancel_share,
                       a.route_merge_share, a.route_optimise_share])
    return routes / routes.sum() if routes.sum() > 0 else routes


def listed_items(a) -> float:
    """Items that still send committees work: the list, plus the part of merged and optimised items kept (F1)."""
    routes = route_shares(a)
    removed = max(a.task_list_reference - a.committee_tasks, 0)
    return a.committee_tasks + removed * (routes[3] * a.merge_hours_retained + routes[4] * a.optimise_hours_retained)


def platform_factor(a) -> float:
    """What is left of the hours of a task or a matter with the platform (F16): 1 less its saving when it runs."""
    return 1.0 - a.platform_saving * a.platform_enabled


def hours_per_task(a) -> float:
    """Hours one task takes, less the platform's saving (F16)."""
    return a.hours_per_task * platform_factor(a)


def admitted_pool(a) -> float:
    """Unlisted tasks a month departments may send a committee: the pool, less what admission control keeps out."""
    return a.department_pool_tasks_month * (1.0 - a.admission_filter_share * a.admission_control)


def administrative_load(model: mesa.Model) -> None:
    """Administrative work reaches committees this month (F1, F2, F16).

    Due hours = unfinished hours carried + (listed + unlisted tasks) × hours per
    task + residents' matters the committee still handles + campaigns + matters
    the street centre sent back last month. Listed and unlisted tasks are
    Poisson draws of the stream ``admin.tasks`` (so the list's length leaves the
    draws of residents' matters and campaigns, stream ``admin``, untouched).
    Items stripped off (剥离) and the residents' matters sent to the street go
    to the street centre (:func:`street_matters`).
    """
    p, rng, tasks_rng = model.params, model.stream("admin"), model.stream("admin.tasks")
    a, t = p.admin, model.committee_table
    per_task = hours_per_task(a)
    requests = rng.poisson(a.requests_per_1000_month * model.people_per_community / 1000.0)
    to_street = requests * a.approvals_to_street_share
    request_hours = (requests - to_street) * a.hours_per_request * platform_factor(a)
    campaigns = (rng.random(model.n_communities) < a.campaign_prob_month) * a.campaign_hours
    t.listed_tasks[:] = tasks_rng.poisson(listed_items(a) * a.tasks_per_item_month, model.n_communities)
    t.unlisted_tasks[:] = tasks_rng.poisson(t.unlisted_rate)
    arriving = (t.listed_tasks + t.unlisted_tasks) * per_task + request_hours + campaigns + t.returned_hours
    t.arrived_hours_year += arriving
    t.admin_load_hours[:] = t.backlog_hours + arriving
    process_matters(model, street_matters(model, to_street))


def street_matters(model: mesa.Model, to_street: np.ndarray) -> np.ndarray:
    """Hours reaching each street centre this month: residents' matters sent there and stripped items (F2).

    A stripped item costs the centre what it cost each of the street's
    committees (tasks a month × hours per task), times ``street_pooling_share``
    for handling it once for them all.
    """
    a = model.params.admin
    per_task = hours_per_task(a)
    stripped_items = max(a.task_list_reference - a.committee_tasks, 0) * route_shares(a)[1]
    per_community = stripped_items * a.tasks_per_item_month * per_task * a.street_pooling_share
    request_hours = to_street * a.hours_per_request * platform_factor(a)
    n_streets = len(model.street_centres)
    return (np.bincount(model.street_of, weights=request_hours, minlength=n_streets)
            + np.bincount(model.street_of, minlength=n_streets) * per_community)


def task_creep(model: mesa.Model) -> None:
    """At the yearly review, unlisted tasks move toward what each committee's record invites (P1).

    Departments push unlisted work where it gets done: each committee's
    unlisted rate closes ``backdoor_push_year`` of its gap to the admitted pool
    (:func:`admitted_pool`) times the share of last year's arriving work the
    committee finished. Admission control (准入) first strikes whatever exceeds
    the pool it admits. So without admission control the back door fills from
    the whole pool; it saturates there, and lower where committees cannot keep up.
    """
    a, t = model.params.admin, model.committee_table
    pool = admitted_pool(a)
    completion = np.divide(t.done_hours_year, t.arrived_hours_year, out=np.ones(t.done_hours_year.size),
                           where=t.arrived_hours_year > 0)
    t.completion[:] = np.minimum(completion, 1.0)
    if a.admission_control:
        np.minimum(t.unlisted_rate, pool, out=t.unlisted_rate)
    t.unlisted_rate += a.backdoor_push_year * (pool * t.completion - t.unlisted_rate)
    t.arrived_hours_year[:] = 0.0
    t.done_hours_year[:] = 0.0


def start_unlisted_tasks(model: mesa.Model) -> None:
    """At the build, each committee gets the admitted pool of unlisted tasks (the spin-up settles it)."""
    model.committee_table.unlisted_rate[:] = admitted_pool(model.params.admin)


def reissue_list(model: mesa.Model) -> None:
    """A new task list is issued (a dated change of ``admin.committee_tasks``): unlisted tasks are struck.

    Deburdening checks every task against the new list, so the back door
    starts empty and refills at the yearly reviews (:func:`task_creep`): up to
    the admitted pool under admission control, up to the whole pool without.
    """
    model.committee_table.unlisted_rate[:] = 0.0


def _hours(v) -> np.ndarray:
    return committees.hours_total(v.model) + committees.room_hours(v.model)


def _admin_hours(v) -> np.ndarray:
    t = v.model.committee_table
    return t.admin_hours + t.diverted_hours


def _room(v) -> np.ndarray:
    return committees.room_hours(v.model)


INDICATORS = [
    Indicator("committee_admin_share", "share", -1, "committee and room hours spent on administration (P1)",
              lambda v: float(v.once(_admin_hours).sum() / v.once(_hours).sum()),
              lambda v: committees.admin_share(v.model)),
    Indicator("admin_pressure", "administrative hours due / committee hours", -1,
              "work due over the committees' own hours (P1)",
              lambda v: float(v.model.committee_table.admin_load_hours.sum()
                              / max(committees.hours_total(v.model).sum(), 1e-9)),
              lambda v: committees.pressure(v.model)),
    Indicator("room_diverted_share", "share", -1, "social-work-room hours pulled into administration (P1)",
              lambda v: float(v.model.committee_table.diverted_hours.sum() / v.once(_room).sum())
              if v.once(_room).sum() > 0 else 0.0),
    Indicator("unlisted_tasks_month", "tasks per committee per month", -1,
              "tasks on no list that departments send a committee (P1: the back door)",
              lambda v: float(np.mean(v.model.committee_table.unlisted_rate))),
    Indicator("street_centre_wait_months", "months", -1, "wait of matters at the street centres (F2)",
              lambda v: float(np.mean(v.model.street_centre_table.wait_months))),
    Indicator("committee_tasks", "items", -1, "items on the committees' list (F1; unlisted tasks are apart)",
              lambda v: v.p.admin.committee_tasks),
]
"""The indicators administration defines."""
