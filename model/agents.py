"""The institutional agents (DESIGN §2): Mesa agents, a few hundred of them.

Residents are not here: they are arrays (:mod:`model.residents`). Each
agent acts on residents only through the model's per-community totals and
index arrays. Committees, street centres and organizations sit on the cells
of the district's ``discrete_space.Network`` (one cell per community).

Committees and the government are here; organizations, social workers and
contracts are views of their mechanism's tables and live with it
(:mod:`model.organizations`, :mod:`model.social_work`, :mod:`model.purchasing`).
"""

from __future__ import annotations

import mesa
from mesa import Agent
from mesa.discrete_space import FixedAgent

from model import committees
from model.organizations import PROFESSIONAL_TYPES, TYPE_CATEGORIES, Organization, OrgStatus, OrgType
from model.purchasing import Contract, Project, ProjectKind
from model.rows import column_view
from model.social_work import SocialWorker

__all__ = ["PROFESSIONAL_TYPES", "TYPE_CATEGORIES", "Committee", "Contract", "DistrictGovernment", "OrgStatus",
           "OrgType", "Organization", "Project", "ProjectKind", "SocialWorker", "StreetCentre"]


def _committee_column(name: str, doc: str) -> property:
    """A Committee attribute that is element ``community`` of ``model.committee_table.<name>``."""
    return column_view("committee_table", "community", name, doc)


class Committee(FixedAgent):
    """A residents' committee with its Party committee (两委) of one community: a view.

    Its numbers are element ``community`` of the model's
    :class:`~model.committees.CommitteeTable`, where the monthly time split
    runs as array code (:mod:`model.committees`); reading or setting an
    attribute here reads or sets that element. State: ``workers`` and
    ``certified`` (community workers, F10); ``admin_load_hours`` (this
    month's administrative load); the time split ``admin_hours``,
    ``consultation_hours``, ``service_hours``, ``brokering_hours``; ``room``
    (social workers in the social-work room, F12) and ``diverted_hours``
    (their hours pulled into administration); ``agenda`` (voiced unmet needs
    by category this year, F17); ``meetings`` held this month; the task flow
    of :mod:`model.administration`: ``listed_tasks`` and ``unlisted_tasks``
    that arrived this month, ``unlisted_rate`` (unlisted tasks a month the
    departments send, the back door of P1), ``returned_hours`` (overdue
    street-centre matters sent back), ``backlog_hours`` (unfinished work
    carried) and ``completion`` (share of last year's work finished).

    Reads: ``committee.*``, ``admin.*``, ``consultation.*``, ``social_work.*``.

    Args:
        model: the district model (its ``committee_table`` already made).
        community: the community's index.
        street: the index of the community's street.
        workers: community workers at the start.
        certified: how many of them hold the social-work qualification.
    """

    workers = _committee_column("workers", "Community workers (F10).")
    certified = _committee_column("certified", "Community workers holding the qualification (F10).")
    admin_load_hours = _committee_column("admin_load_hours", "This month's administrative load.")
    admin_hours = _committee_column("admin_hours", "Committee hours spent on administration.")
    diverted_hours = _committee_column("diverted_hours", "Room hours pulled into administration.")
    consultation_hours = _committee_column("consultation_hours", "Hours for consultation meetings (F17).")
    service_hours = _committee_column("service_hours", "Hours of direct service.")
    brokering_hours = _committee_column("brokering_hours", "Hours of brokering.")
    agenda = _committee_column("agenda", "Voiced unmet needs by category this year (F17).")
    meetings = _committee_column("meetings", "Consultation meetings held this month.")
    listed_tasks = _committee_column("listed_tasks", "Tasks from listed items that arrived this month (F1).")
    unlisted_tasks = _committee_column("unlisted_tasks", "Unlisted tasks that arrived this month (P1).")
    unlisted_rate = _committee_column("unlisted_rate", "Unlisted tasks a month the departments send (P1).")
    returned_hours = _committee_column("returned_hours", "Overdue street-centre hours sent back, due this month.")
    backlog_hours = _committee_column("backlog_hours", "Unfinished administrative hours carried over.")
    completion = _committee_column("completion", "Share of the last reviewed year's work finished.")

    def __init__(self, model: mesa.Model, community: int, street: int, workers: int,
                 certified: int) -> None:
        super().__init__(model)
        self.community = community
        self.street = street
        self.workers = workers
        self.certified = certified

    @property
    def room(self) -> list[SocialWorker]:
        """The social workers in its social-work room (F12), in the order they were hired (views)."""
        workers = self.model.social_worker_table
        return workers.views(self.model, workers.rows_of_room(self.community))

    # What the committee's element of the arrays gives (model.committees computes all 77 at once).
    hours_total = property(lambda self: committees.hours_total(self.model)[self.community].item(),
                           doc="The committee's working hours this month.")
    room_hours = property(lambda self: committees.room_hours(self.model)[self.community].item(),
                          doc="Hours of the room's staff this month, before any diversion into administration.")
    admin_share = property(lambda self: committees.admin_share(self.model)[self.community].item(),
                           doc="Share of all committee and room hours spent on administration (P1).")
    pressure = property(lambda self: committees.pressure(self.model)[self.community].item(),
                        doc="Administrative hours due over the committee's own hours (P1).")
    casework_hours = property(lambda self: committees.casework_hours(self.model)[self.community].item(),
                              doc="Room hours left for casework after diversion and volunteer leadership.")
    leadership_hours = property(lambda self: committees.leadership_hours(self.model)[self.community].item(),
                                doc="Room hours left after diversion that go to leading volunteers (F13).")


class StreetCentre(FixedAgent):
    """A street public service centre (F2): a view.

    It takes the administrative matters stripped from committees, with a finite
    monthly capacity in staff hours and a first-in, first-out queue. Its numbers
    are element ``street`` of the model's
    :class:`~model.administration.StreetCentreTable`, where the month's matters
    are processed as array code (:func:`~model.administration.process_matters`):
    ``queue`` (hours waiting), ``processed`` this month, ``returned`` (overdue
    hours sent back to committees) and ``abandoned`` (overdue hours residents
    gave up), ``wait_months`` (queue over capacity). Reads
    ``admin.street_centre_staff``, ``admin.street_*``, ``admin.assessment_weight``,
    ``admin.platform_*``, ``committee.hours_per_worker_month``.

    Args:
        model: the district model (its ``street_centre_table`` already made).
        street: the index of the street it serves.
    """

    queue = column_view("street_centre_table", "street", "queue", "Hours of matters waiting.")
    processed = column_view("street_centre_table", "street", "processed", "Hours of matters processed this month.")
    returned = column_view("street_centre_table", "street", "returned", "Overdue hours sent back to committees.")
    abandoned = column_view("street_centre_table", "street", "abandoned", "Overdue hours residents gave up.")
    wait_months = column_view("street_centre_table", "street", "wait_months", "The queue over the capacity.")

    def __init__(self, model: mesa.Model, street: int) -> None:
        super().__init__(model)
        self.street = street


class DistrictGovernment(Agent):
    """The district government and its civil affairs bureau.

    State: ``purchase_budget_yuan`` (this year's, after the envelope),
    ``spent_year_yuan`` (this month's spending is a flow:
    ``model.flow.purchase_spent_yuan``); ``projects`` and ``contracts`` of
    the year are views of the model's project and contract tables. Reads ``purchase.*``.

    Args:
        model: the district model.
    """

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.purchase_budget_yuan = 0.0
        self.spent_year_yuan = 0.0
        self.room_wages_yuan = 0.0

    @property
    def projects(self) -> list[Project]:
        """This year's projects (views)."""
        return [Project(self.model, int(r)) for r in self.model.project_table.live_rows()]

    @property
    def contracts(self) -> list[Contract]:
        """This year's contracts still running (views), in the order they were awarded."""
        return self.model.contracts()
