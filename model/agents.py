"""The institutional agents (DESIGN §2): Mesa agents, a few hundred of them.

Residents are not here: they are arrays (:mod:`model.residents`). Each
agent acts on residents only through the model's per-community totals and
index arrays. Committees, street centres and organizations sit on the cells
of the district's ``discrete_space.Network`` (one cell per community).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import TYPE_CHECKING

from mesa import Agent
from mesa.discrete_space import FixedAgent

from model import committees

if TYPE_CHECKING:
    from model.model import SansheModel


class OrgType(IntEnum):
    """Organization types (F8 priority types, plus filed community groups and hubs)."""

    ECONOMIC = 0
    PUBLIC_WELFARE = 1
    CULTURE_SPORTS = 2
    CHARITY_RELIEF = 3
    COMMUNITY_FILED = 4
    HUB = 5


TYPE_CATEGORIES: dict[OrgType, tuple[int, ...]] = {
    OrgType.ECONOMIC: (0,),  # employment training
    OrgType.PUBLIC_WELFARE: (1, 2, 4, 5),
    OrgType.CULTURE_SPORTS: (6,),
    OrgType.CHARITY_RELIEF: (3, 2),
    OrgType.COMMUNITY_FILED: (6, 7, 1),
    OrgType.HUB: (7,),
}
"""Service categories an organization of each type specialises in (assumption)."""

PROFESSIONAL_TYPES = (OrgType.PUBLIC_WELFARE, OrgType.CHARITY_RELIEF)
"""Types that employ social workers and may bid outside their own category."""


class OrgStatus(Enum):
    """An organization's place on the register: active, dormant (no staff) or exited."""

    ACTIVE = "active"
    DORMANT = "dormant"
    EXITED = "exited"


class ProjectKind(Enum):
    """The two kinds of purchase project (F11): common ones for special groups, individual ones for a community."""

    COMMON = "common"  # F11: for special groups
    INDIVIDUAL = "individual"  # F11: a community's own needs


@dataclass
class Project:
    """A service the district buys for a year (F11)."""

    community: int
    category: int
    kind: ProjectKind
    value_yuan: float


@dataclass
class Contract:
    """A project awarded to an organization.

    ``delivered_people`` counts needs served (people, not rows) over the year;
    ``target_people`` is what the money pays for.
    """

    project: Project
    org: Organization
    target_people: float
    delivered_people: float = 0.0
    capacity_people: float = 0.0  # set each month by deliver_services


def _table_column(table: str, index: str, name: str, doc: str) -> property:
    """An agent attribute that is element ``agent.<index>`` of ``model.<table>.<name>``.

    Reading gives a Python number (or, for a row of a 2-D column, a view of the row).
    """
    def get(self: Agent):
        value = getattr(getattr(self.model, table), name)[getattr(self, index)]
        return value.item() if value.ndim == 0 else value

    def put(self: Agent, value) -> None:
        getattr(getattr(self.model, table), name)[getattr(self, index)] = value

    return property(get, put, doc=doc)


def _committee_column(name: str, doc: str) -> property:
    """A Committee attribute that is element ``community`` of ``model.committee_table.<name>``."""
    return _table_column("committee_table", "community", name, doc)


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
    by category this year, F17); ``meetings`` held this month.

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

    def __init__(self, model: SansheModel, community: int, street: int, workers: int,
                 certified: int) -> None:
        super().__init__(model)
        self.community = community
        self.street = street
        self.workers = workers
        self.certified = certified
        self.room: list[SocialWorker] = []

    # What the committee's element of the arrays gives (model.committees computes all 77 at once).
    hours_total = property(lambda self: committees.hours_total(self.model)[self.community].item(),
                           doc="The committee's working hours this month.")
    room_hours = property(lambda self: committees.room_hours(self.model)[self.community].item(),
                          doc="Hours of the room's staff this month, before any diversion into administration.")
    admin_share = property(lambda self: committees.admin_share(self.model)[self.community].item(),
                           doc="Share of all committee and room hours spent on administration (P1).")
    casework_hours = property(lambda self: committees.casework_hours(self.model)[self.community].item(),
                              doc="Room hours left for casework after diversion and volunteer leadership.")
    leadership_hours = property(lambda self: committees.leadership_hours(self.model)[self.community].item(),
                                doc="Room hours left after diversion that go to leading volunteers (F13).")


class StreetCentre(FixedAgent):
    """A street public service centre (F2).

    It takes the administrative matters stripped from committees, with a finite
    monthly capacity and a queue.

    State: ``queue`` (matters waiting, people), ``processed`` this month,
    ``wait_months`` (queue over capacity). Reads ``admin.street_centre_requests_month``,
    ``admin.platform_*``.

    Args:
        model: the district model.
        street: the index of the street it serves.
    """

    def __init__(self, model: SansheModel, street: int) -> None:
        super().__init__(model)
        self.street = street
        self.queue = 0.0
        self.processed = 0.0
        self.wait_months = 0.0

    def process(self, incoming: float) -> None:
        """Queue this month's matters and process up to capacity (FIFO by count)."""
        a = self.model.params.admin
        capacity = a.street_centre_requests_month * (1.0 + a.platform_saving * a.platform_enabled)
        self.queue += incoming
        self.processed = min(self.queue, capacity)
        self.queue -= self.processed
        self.wait_months = (self.queue / capacity if capacity > 0
                            else (a.no_capacity_wait_months if self.queue > 0 else 0.0))


class Organization(FixedAgent):
    """A social organization (社会组织), F3-F9.

    State: ``org_type``, ``category`` (specialty), ``age_months``, ``staff``,
    ``quality`` in [0, 1], ``price_factor`` (its cost per need relative to the
    district's reference price), ``reserves_yuan``, ``own_revenue_ratio``
    (fees and donations over costs), ``contracts``, ``past_contracts``,
    ``evaluated_score``, ``incubated``, ``status``, ``dormant_months``,
    ``social_workers``, ``home`` (its community). Sits on its home community's cell.

    Reads: ``orgs.*``, ``social_work.*``.

    Args:
        model: the district model.
        org_type: its type.
        category: its specialty, a service category.
        staff: staff at founding; none makes it dormant from the start.
        quality: its quality, in [0, 1].
        own_revenue_ratio: fees and donations over costs.
        price_factor: its cost per need relative to the district's reference price.
        incubated: whether an incubator founded it (F8).
    """

    def __init__(self, model: SansheModel, org_type: OrgType, category: int, staff: int,
                 quality: float, own_revenue_ratio: float, price_factor: float = 1.0,
                 incubated: bool = False) -> None:
        super().__init__(model)
        self.org_type = org_type
        self.category = category
        self.staff = staff
        self.quality = quality
        self.price_factor = price_factor
        self.own_revenue_ratio = own_revenue_ratio
        self.incubated = incubated
        self.age_months = 0
        self.reserves_yuan = model.params.orgs.initial_reserve_months * self.monthly_cost
        self.contracts: list[Contract] = []
        self.past_contracts = 0
        self.evaluated_score = 0.0
        self.had_contract = False  # held a purchase contract in the year just reviewed
        self.status = OrgStatus.ACTIVE if staff > 0 else OrgStatus.DORMANT
        self.dormant_months = 0
        self.social_workers: list[SocialWorker] = []

    @property
    def monthly_cost(self) -> float:
        """Staff wages plus overhead, in yuan a month."""
        o = self.model.params.orgs
        return self.staff * o.wage_yuan_month * (1.0 + o.overhead_share)

    @property
    def capacity_people(self) -> float:
        """Needs the staff can serve in a month."""
        o = self.model.params.orgs
        return self.staff * o.hours_per_staff_month / o.hours_per_need

    def settle_finances(self) -> None:
        """Pay staff and overhead, collect contract tranches and own revenue (DESIGN §4 step 9).

        Cut a post when reserves run out (the shortfall is taken as unpaid wages, so
        reserves restart at zero), hire when contracts need hands and money allows; go
        dormant without staff.
        """
        self.age_months += 1
        if self.status is not OrgStatus.ACTIVE:
            self.dormant_months += 1
            return
        o = self.model.params.orgs
        # monthly_cost, inlined: runs ~1,000 times a month
        cost = self.staff * o.wage_yuan_month * (1.0 + o.overhead_share)
        contracts = self.contracts
        if contracts:
            contract_income = sum(c.project.value_yuan / 12.0 for c in contracts)
            self.model.government.pay(contract_income)
            demand = sum(c.target_people / 12.0 for c in contracts)
        else:
            contract_income = demand = 0.0
        own_revenue = cost * self.own_revenue_ratio * self.model.revenue_share[self.cell.coordinate]
        self.reserves_yuan += contract_income + own_revenue - cost
        if self.reserves_yuan < 0 and self.staff > 0:
            self.staff -= 1
            self.reserves_yuan = 0.0
        elif (demand > 0.0 and demand > self.capacity_people
              and self.reserves_yuan > o.hire_reserve_months * cost
              and self.model.hire_staff()):
            self.staff += 1
        if self.staff == 0:
            self.status = OrgStatus.DORMANT
            self.dormant_months = 0
            self.model.end_contracts(self)
        if self.org_type in PROFESSIONAL_TYPES:
            self.sync_social_workers()

    def sync_social_workers(self) -> None:
        """Keep the social workers on staff at ``orgs.social_worker_share`` of staff."""
        if self.org_type not in PROFESSIONAL_TYPES:
            return
        target = int(round(self.staff * self.model.params.orgs.social_worker_share))
        while len(self.social_workers) > target:
            self.social_workers[-1].leave(stay_in_sector=True)
        if len(self.social_workers) < target:
            self.model.recruit_social_worker(self)

    def leadership_hours(self) -> float:
        """Hours a month its social workers spend leading volunteers (F13)."""
        sw = self.model.params.social_work
        return len(self.social_workers) * sw.hours_month * sw.leadership_share


def _worker_column(name: str, doc: str) -> property:
    """A SocialWorker attribute that is row ``row`` of ``model.social_worker_table.<name>``."""
    return _table_column("social_worker_table", "row", name, doc)


class SocialWorker(Agent):
    """A social worker (社会工作者) in a community's social-work room or an organization: a view.

    Its numbers are row ``row`` of the model's
    :class:`~model.social_work.SocialWorkerTable`, where wear and turnover run
    as array code (:mod:`model.social_work`). State: ``employer`` (a
    :class:`Committee` or :class:`Organization`), ``certified``,
    ``experience_months``, ``burnout`` in [0, 1], ``caseload`` (needs served
    last month). Reads ``social_work.*``.

    Args:
        model: the district model.
        employer: the committee (its room) or organization the worker joins.
        certified: whether the worker holds the social-work qualification.
    """

    certified = _worker_column("certified", "Whether the worker holds the social-work qualification (F10).")
    experience_months = _worker_column("experience_months", "Months in post.")
    burnout = _worker_column("burnout", "Burnout in [0, 1].")
    caseload = _worker_column("caseload", "Needs served last month (room workers).")

    def __init__(self, model: SansheModel, employer: Committee | Organization,
                 certified: bool) -> None:
        super().__init__(model)
        self.employer = employer
        room = isinstance(employer, Committee)
        self.row = model.social_worker_table.add(self, certified, room, employer.community if room else -1)
        employer_list = employer.room if room else employer.social_workers
        employer_list.append(self)

    @property
    def in_room(self) -> bool:
        """Whether the worker is in a committee's social-work room (not with an organization)."""
        return isinstance(self.employer, Committee)

    def leave(self, stay_in_sector: bool) -> None:
        """Leave the post; a certified worker who stays in the sector returns to the talent pool.

        The post stays open: a room post is refilled by
        :func:`~model.processes.social_worker_turnover`, an organization's by
        :meth:`Organization.sync_social_workers`.
        """
        employer_list = (self.employer.room if self.in_room else self.employer.social_workers)
        employer_list.remove(self)
        if self.certified and stay_in_sector:
            self.model.talent_pool += 1
        self.model.social_worker_table.drop(self.row)
        self.remove()


class DistrictGovernment(Agent):
    """The district government and its civil affairs bureau.

    State: ``purchase_budget_yuan`` (this year's, after the envelope),
    ``projects`` and ``contracts`` of the year, ``spent_year_yuan`` (this
    month's spending is a flow: ``model.flow.purchase_spent_yuan``). Reads ``purchase.*``.

    Args:
        model: the district model.
    """

    def __init__(self, model: SansheModel) -> None:
        super().__init__(model)
        self.purchase_budget_yuan = 0.0
        self.projects: list[Project] = []
        self.contracts: list[Contract] = []
        self.spent_year_yuan = 0.0
        self.room_wages_yuan = 0.0

    def pay(self, amount_yuan: float) -> None:
        """Record a contract tranche paid this month."""
        self.model.flow.purchase_spent_yuan += amount_yuan
        self.spent_year_yuan += amount_yuan

