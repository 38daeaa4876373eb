"""Administration (DESIGN §4 step 2 and the yearly creep): the load that reaches committees (F1, F2, F16, P1).

Street public service centres (their numbers in :class:`StreetCentreTable`,
viewed by :class:`~model.agents.StreetCentre`) take the stripped matters with
a finite capacity; without admission control the task
list creeps every year.
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
        queue: matters waiting (request-equivalents).
        processed: matters processed this month.
        wait_months: the queue over the monthly capacity.
    """

    queue: np.ndarray
    processed: np.ndarray
    wait_months: np.ndarray

    @classmethod
    def empty(cls, n: int) -> StreetCentreTable:
        """``n`` centres with nothing waiting."""
        return cls(queue=np.zeros(n), processed=np.zeros(n), wait_months=np.zeros(n))


def process_matters(model: mesa.Model, incoming: np.ndarray) -> None:
    """The street centres queue this month's matters and process up to their capacity (FIFO by count).

    Capacity is ``street_centre_requests_month`` a month, raised by the
    platform (F16); without capacity a queue waits ``no_capacity_wait_months``.
    """
    a, t = model.params.admin, model.street_centre_table
    capacity = a.street_centre_requests_month * (1.0 + a.platform_saving * a.platform_enabled)
    t.queue += incoming
    t.processed[:] = np.minimum(t.queue, capacity)
    t.queue -= t.processed
    if capacity > 0:
        t.wait_months[:] = t.queue / capacity
    else:
        t.wait_months[:] = np.where(t.queue > 0, a.no_capacity_wait_months, 0.0)


def administrative_load(model: mesa.Model) -> None:
    """Administrative load reaches committees (F1, F2, F16).

    Hours = residual work + per-item hours × (items on the list + the part of
    merged and optimised items that still costs time) + residents' matters
    not handled by the street centre + campaigns. Items taken up (to the
    district) or cancelled cost nobody in the street; items stripped off go
    to the street public service centre, which does each once for all its
    communities, in request-equivalents of ``hours_per_request``. Stripped
    items and residents' matters queue at the centres, which have finite
    capacity (F2).
    """
    p, rng = model.params, model.stream("admin")
    a = p.admin
    routes = np.array([a.route_up_share, a.route_strip_share, a.route_cancel_share,
                       a.route_merge_share, a.route_optimise_share])
    routes = routes / routes.sum() if routes.sum() > 0 else routes
    removed = max(a.task_list_reference - a.committee_tasks, 0)
    retained = removed * (routes[3] * a.merge_hours_retained + routes[4] * a.optimise_hours_retained)
    items = a.committee_tasks * model.task_creep_factor + retained
    platform = 1.0 - a.platform_saving * a.platform_enabled
    item_hours = items * a.hours_per_task_month * platform

    requests = rng.poisson(a.requests_per_1000_month * model.people_per_community / 1000.0)
    to_street = requests * a.approvals_to_street_share
    request_hours = (requests - to_street) * a.hours_per_request * platform
    campaigns = (rng.random(model.n_communities) < a.campaign_prob_month) * a.campaign_hours
    model.committee_table.admin_load_hours[:] = (a.residual_admin_share * committees.hours_total(model)
                                                 + item_hours + request_hours + campaigns)
    stripped = removed * routes[1] * a.hours_per_task_month * platform / a.hours_per_request
    incoming = np.bincount(model.street_of, weights=to_street, minlength=len(model.street_centres))
    process_matters(model, incoming + stripped)


def task_creep(model: mesa.Model) -> None:
    """Without admission control (准入) new items reach the list every year (P1)."""
    a = model.params.admin
    if not a.admission_control:
        model.task_creep_factor *= 1.0 + a.creep_rate_year


def _hours(v) -> np.ndarray:
    return committees.hours_total(v.model) + committees.room_hours(v.model)


def _admin_hours(v) -> np.ndarray:
    t = v.model.committee_table
    return t.admin_hours + t.diverted_hours


INDICATORS = [
    Indicator("committee_admin_share", "share", -1, "committee and room hours spent on administration (P1)",
              lambda v: float(v.once(_admin_hours).sum() / v.once(_hours).sum()),
              lambda v: committees.admin_share(v.model)),
    Indicator("street_centre_wait_months", "months", -1, "backlog of stripped matters at street centres (F2)",
              lambda v: float(np.mean(v.model.street_centre_table.wait_months))),
    Indicator("committee_tasks", "items", -1, "items on the committees' list, with creep (F1)",
              lambda v: v.p.admin.committee_tasks * v.model.task_creep_factor),
]
"""The indicators administration defines."""
