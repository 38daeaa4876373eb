"""The sanshe model: builds the district and runs the schedule of DESIGN §4."""

from __future__ import annotations

import pickle
import zlib
from collections import OrderedDict

import mesa
import numpy as np
from mesa.discrete_space import Network
from numpy.random.bit_generator import ISeedSequence

from model import (
    administration,
    committees,
    kernels,
    needs,
    organizations,
    participation,
    purchasing,
    services,
    social_work,
    trust,
)
from model.administration import StreetCentreTable
from model.agents import Committee, DistrictGovernment, StreetCentre
from model.committees import CommitteeTable
from model.contagion import neighbour_counts
from model.flows import MonthFlow
from model.indicators import Recorder
from model.networks import build_district_graph, build_resident_network
from model.organizations import Organization, OrganizationTable, OrgStatus, OrgType
from model.parameters import Params
from model.purchasing import Contract, ContractTable, LastScores, ProjectTable
from model.residents import build_residents, need_rate_table
from model.scenario import LeverChange, Scenario
from model.social_work import SocialWorker, SocialWorkerTable


class SansheModel(mesa.Model):
    """The district: residents as arrays, institutions as Mesa agents.

    Args:
        scenario: a :class:`~model.scenario.Scenario` (overrides and dated lever changes),
            or ``None`` for the declared defaults.
        seed: the run's seed; every random draw derives from it.
        params: resolved parameters; when given, they replace ``scenario.params``
            (the scenario's changes still apply).

    The scenario is kept as ``sanshe_scenario``: Mesa's ``Model.scenario`` is
    Mesa's own experimental Scenario, which SolaraViz reads.
    """

    def __init__(self, scenario: Scenario | None = None, seed: int = 0,
                 params: Params | None = None) -> None:
        super().__init__(rng=seed)
        self.sanshe_scenario = scenario or Scenario(name="defaults")
        self.seed = seed
        self.params = params if params is not None else self.sanshe_scenario.resolved_params()
        self.changes: list[LeverChange] = list(self.sanshe_scenario.changes)
        self.month = 0
        self.talent_pool = self.params.social_work.talent_pool
        self.hiring_pool_month = 0
        self.last_scores = LastScores()
        self.campaign_done = False
        self._build()
        self.flow = MonthFlow.start(self.residents.n)  # made anew at the start of every month (step)
        self.recorder = Recorder(self)
        self.spin_up()

    # --- construction ------------------------------------------------------
    def _build(self) -> None:
        p = self.params
        rng = self.stream("build")
        self.scale = p.population.population_scale
        self.people_per_row = 1.0 / self.scale
        self.district = build_district_graph(p.population.communities, p.population.streets)
        self.space = Network(self.district, layout=None, random=self.random)
        self.n_communities = p.population.communities
        self.street_of = np.array([self.district.nodes[c]["street"] for c in range(self.n_communities)])
        self.revenue_share = np.ones(self.n_communities)  # set each month by organizations.settle

        self.residents, self.adjacency = self._population(rng)
        res = self.residents
        self.degree = np.diff(self.adjacency.indptr)
        self.inverse_degree = (1.0 / np.maximum(self.degree, 1)).astype(np.float32)
        participation.seed_participation(self)
        self.participant_nbrs = neighbour_counts(self.adjacency, res.participant)
        self.volunteer_nbrs = neighbour_counts(self.adjacency, res.volunteer > 0)
        self.rate_table = need_rate_table(p)
        self.rows_per_community = res.community_sizes()
        self.grid_community = np.zeros(res.grid_households.size, np.intp)
        self.grid_community[res.grid] = res.community
        self.people_per_community = self.rows_per_community * self.people_per_row
        self.adults_per_community = np.bincount(res.community, weights=res.adult,
                                                minlength=self.n_communities)
        # Expected monthly needs of vulnerable residents by community and category
        # (people): where common projects go (F11).
        vul_profiles = np.bincount(
            res.community.astype(np.int64) * 32 + res.profile, weights=res.vulnerable,
            minlength=self.n_communities * 32).reshape(self.n_communities, 32)
        self.vulnerable_need_rate = vul_profiles @ self.rate_table * self.people_per_row
        self.volunteers_people = np.zeros(self.n_communities)
        self.grassroots_people = np.zeros(self.n_communities)
        self.state_volunteers_people = np.zeros(self.n_communities)
        self.supervised_share = np.ones(self.n_communities)
        self.supervision_capacity = np.zeros(self.n_communities)
        self.leadership_hours = np.zeros(self.n_communities)

        # Committees (F19 layout). The certified share starts at its steady state under
        # the starting regime's exam and turnover (the spin-up cannot wait the decade it
        # takes to get there); F10 counts room posts among community workers, so the
        # certified are drawn over workers and posts, and the posts are filled by
        # conversion first (F12).
        self.committee_table = CommitteeTable.empty(self.n_communities)
        self.social_worker_table = SocialWorkerTable()
        self.organization_table = OrganizationTable()
        self.project_table = ProjectTable()
        self.contract_table = ContractTable()
        self.committees: list[Committee] = []
        posts = p.social_work.posts_per_community
        certified_share = steady_certified_share(p)
        staff = committees.staffing(committees.households_per_community(self), p.committee.workers_total,
                                    p.committee.workers_min)
        for c in range(self.n_communities):
            workers = int(staff[c])
            certified = int(rng.binomial(workers + posts, certified_share))
            com = Committee(self, c, int(self.street_of[c]), workers, certified)
            com.cell = self.space[c]
            self.committees.append(com)
        self.street_centre_table = StreetCentreTable.empty(p.population.streets)
        self.street_centres: list[StreetCentre] = []
        for s in range(p.population.streets):
            centre = StreetCentre(self, s)
            centre.cell = self.space[int(np.flatnonzero(self.street_of == s)[0])]
            self.street_centres.append(centre)
        administration.start_unlisted_tasks(self)
        self.government = DistrictGovernment(self)

        # Social-work rooms (F12): posts filled by converting certified workers.
        for com in self.committees:
            for _ in range(posts):
                self.fill_room_post(com, rng, conversion_share=1.0)

        # Organizations (F3, F4): geometric staff with mean staff_mean; the spin-up
        # gives them their ages and brings the stock to the regime's own level.
        organizations.register(self, [organizations.draw_founding(p.orgs, rng, int(rng.integers(self.n_communities)))
                                      for _ in range(p.orgs.initial_count)])

    def _population(self, rng: np.random.Generator):
        """The residents and their network: built, or a copy of the same build kept by this process.

        The build depends only on the seed and the parameters it reads, so
        design points that share them (most sweeps vary policy, not the
        population) share it (:data:`BUILDS_BYTES`). Which parameters it read
        is logged as it runs, not listed by hand; with a copy, the build's and
        the network's random streams are left where the build left them, so
        nothing downstream can tell.
        """
        network_rng = self.stream("network")
        for key in _BUILDS.keys():
            seed, reads = key
            if seed == self.seed and all(self.params[path] == value for path, value in reads):
                residents, adjacency, states = pickle.loads(_BUILDS.get(key))
                rng.bit_generator.state, network_rng.bit_generator.state = states
                return residents, adjacency
        log = _ReadLog(self.params)
        residents = build_residents(log, rng)
        adjacency = build_resident_network(
            residents.community_start, residents.household, build_district_graph(
                log.population.communities, log.population.streets),
            log.network.lattice_degree, log.network.rewire_prob, log.network.cross_community_share,
            network_rng)
        states = (rng.bit_generator.state, network_rng.bit_generator.state)
        _BUILDS.put((self.seed, tuple(log.read.items())),
                    pickle.dumps((residents, adjacency, states), protocol=pickle.HIGHEST_PROTOCOL))
        return residents, adjacency

    @classmethod
    def started(cls, scenario: Scenario, seed: int) -> SansheModel:
        """A model of ``scenario`` and ``seed`` at the end of its spin-up, ready for month 1.

        The spin-up depends only on the month-1 parameters and the seed (dated
        changes act from month 1 on), so design points that differ only in
        later changes (a sweep of the reform's budget, the history-friendly
        scenario and its pre-reform base) share it: this process keeps the
        last spun-up districts (:data:`STARTS_BYTES`, pickled) and gives a
        copy of one when it matches, with the scenario's own changes. The
        copy continues exactly as a fresh spin-up would (same state, same
        random streams), so results do not depend on what the process ran before.
        """
        params = scenario.resolved_params()
        key = (cls, seed, tuple(sorted(params.as_dict().items())))
        blob = _STARTS.get(key)
        if blob is None:
            model = cls(scenario, seed=seed, params=params)
            _STARTS.put(key, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
            return model
        model = pickle.loads(blob)
        model.sanshe_scenario = scenario
        model.changes = list(scenario.changes)
        return model

    def spin_up(self) -> None:
        """Run the district under its month-1 parameters for ``start.spinup_years`` before month 1.

        The spin-up is unrecorded, so month 1 holds no initial value and a district
        with no lever moving stands still (DESIGN §7). Months of the spin-up are
        numbered up to 0; the yearly cycle keeps its months (1, 13, ... less whole
        years), and no dated change acts before month 1.
        """
        self.first_month = 1 - 12 * self.params.start.spinup_years
        self.month = self.first_month - 1
        while self.month < 0:
            self.step()

    def stream(self, name: str) -> np.random.Generator:
        """The random stream of one mechanism in the current month.

        Every (mechanism, month) pair has its own generator, derived from the
        run's seed with ``SeedSequence(seed, spawn_key=(crc32(name), month))``.
        So moving a lever changes the draws of the mechanisms it touches and
        of no other, and never the draws of later months (common random
        numbers across scenarios).
        """
        # Spin-up months (up to 0) get keys of their own: (name, 0, months before month 1).
        key = (zlib.crc32(name.encode()), self.month) if self.month >= 0 else \
            (zlib.crc32(name.encode()), 0, -self.month)
        return np.random.Generator(np.random.PCG64(_SeedState(self.seed, key)))

    # --- Mesa's agent sets, with every view made ------------------------------
    @property
    def agents(self) -> mesa.agent.AgentSet:
        """Mesa's set of every agent, after every social worker's view is made (their views are made on demand)."""
        self.social_worker_table.views(self)
        return super().agents

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        """Mesa's agent sets by type, after every social worker's view is made."""
        self.social_worker_table.views(self)
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """The agent types (social workers among them once a worker's view was made, as every one in post is here)."""
        self.social_worker_table.views(self)
        return super().agent_types

    # --- helpers used by agents and processes --------------------------------
    def organizations(self, status: OrgStatus | None = None) -> list[Organization]:
        """The model's organizations (views), in founding order, or only those with ``status``."""
        t = self.organization_table
        return [t.agents[r] for r in t.rows(status)]

    def social_workers(self) -> list[SocialWorker]:
        """Every social worker (views), in rooms and in organizations, in the order they were hired."""
        return self.social_worker_table.views(self)

    def contracts(self, org: int | None = None) -> list[Contract]:
        """This year's running contracts (views), in the order they were awarded; or only organization row ``org``'s."""
        t = self.contract_table
        rows = t.live_rows()
        return [Contract(self, int(r)) for r in (rows if org is None else rows[t.org[rows] == org])]

    def found_organization(self, rng: np.random.Generator, home: int,
                           org_type: OrgType | None = None, incubated: bool = False,
                           category: int | None = None) -> Organization:
        """Register a new organization in community ``home`` (see :func:`model.organizations.found`)."""
        row = organizations.found(self, rng, home, org_type, incubated, category)
        return self.organization_table.agents[row]

    def fill_room_post(self, com: Committee, rng: np.random.Generator,
                       conversion_share: float | None = None) -> bool:
        """Fill a social-work-room post (F12).

        Conversion of a certified community worker first, then transfer or open
        recruitment from the talent pool.

        A converted worker is replaced on the committee by an uncertified hire.
        """
        if conversion_share is None:
            conversion_share = self.params.social_work.conversion_share
        if com.certified > 0 and rng.random() < conversion_share:
            com.certified -= 1
            self.social_worker_table.hire(self, com, certified=True)
            return True
        if self.talent_pool > 0:
            self.talent_pool -= 1
            self.social_worker_table.hire(self, com, certified=True)
            return True
        return False

    def recruit_social_worker(self, org: Organization, certified_wanted: bool = True) -> None:
        """An organization hires a social worker, from the talent pool when it wants a certified one.

        When the pool is empty, or it does not want one, it hires an uncertified one (P4: talent caps quality).
        """
        certified = certified_wanted and self.talent_pool > 0
        if certified:
            self.talent_pool -= 1
        self.social_worker_table.hire(self, org, certified=certified)

    def hire_staff(self) -> bool:
        """Whether an organization finds a new member of staff this month.

        The district's sector can absorb a limited number of hires a month
        (``orgs.hiring_rate_month`` per active organization), so fast growth
        in contracts meets a labour constraint (P4).
        """
        if self.hiring_pool_month <= 0:
            return False
        self.hiring_pool_month -= 1
        return True

    def end_contracts(self, org: Organization) -> None:
        """End all of an organization's contracts (it went dormant or exited)."""
        self.contract_table.end_for(np.array([org.row]))

    # --- levers --------------------------------------------------------------
    def apply_lever_changes(self) -> None:
        """Set every lever whose change is dated this month."""
        for ch in self.changes:
            if ch.month == self.month:
                self.params.set(ch.path, ch.value)
                if ch.path == "admin.committee_tasks":
                    administration.reissue_list(self)

    # --- the schedule ----------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of DESIGN §4."""
        self.month += 1
        self.flow = MonthFlow.start(self.residents.n)
        self.apply_lever_changes()
        if self.month % 12 == 1:
            self.yearly_cycle(first=self.month == self.first_month)
        needs.needs_arise(self)
        administration.administrative_load(self)
        committees.allocate_committee_time(self)
        needs.detect_needs(self)
        participation.hold_consultations(self)
        services.deliver_services(self)
        participation.update_participation(self)
        trust.update_satisfaction_and_trust(self)
        purchasing.pay_tranches(self)
        organizations.settle(self)
        social_work.social_worker_turnover(self)
        self.recorder.record(self)

    def yearly_cycle(self, first: bool = False) -> None:
        """The cycle at the start of each year (after month 12 of the last).

        In the first month only the budget and the tender run: no year has
        passed to evaluate, found, examine or creep.
        """
        if not first:
            purchasing.evaluate_contracts(self)
            organizations.manage_hubs(self)
            organizations.close(self)
            organizations.revise_own_revenue(self)
            organizations.found_organizations(self)
            social_work.certification_exam(self)
            social_work.renew_talent_pool(self)
            administration.task_creep(self)
        purchasing.set_budgets(self)
        purchasing.define_projects(self)
        purchasing.tender_projects(self)

    def run(self, months: int) -> None:
        """Run ``months`` months, each step recorded."""
        for _ in range(months):
            self.step()


def _uint32_words(n: int) -> list[int]:
    """A non-negative integer as numpy's SeedSequence splits it: 32-bit words, lowest first ([0] for 0)."""
    words = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        words.append(n & 0xFFFFFFFF)
        n >>= 32
    return words


class _SeedState:
    """What ``np.random.SeedSequence(seed, spawn_key=key)`` hands a PCG64, computed in a compiled kernel.

    A bit generator takes any :class:`numpy.random.bit_generator.ISeedSequence`
    and seeds itself from ``generate_state(4, np.uint64)``; this one gives the
    same four words as numpy's SeedSequence (:func:`model.kernels.seed_sequence_state`)
    at a third of the cost of building one, which a run pays about a dozen
    times a month. Any other request goes to a real SeedSequence.
    """

    __slots__ = ("seed", "key")

    def __init__(self, seed: int, key: tuple[int, ...]) -> None:
        self.seed, self.key = seed, key

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        """The seeding words; the kernel's for a PCG64's request (4 × uint64), numpy's for any other."""
        if (n_words == 4 and np.dtype(dtype) == np.uint64 and isinstance(self.seed, int | np.integer)
                and self.seed >= 0):
            run = _uint32_words(int(self.seed))
            entropy = run + [0] * (4 - len(run)) + [w for k in self.key for w in _uint32_words(k)]
            return kernels.seed_sequence_state(np.array(entropy, np.uint32))
        return np.random.SeedSequence(self.seed, spawn_key=self.key).generate_state(n_words, dtype)


ISeedSequence.register(_SeedState)


class _Kept:
    """Pickled objects this process keeps for reuse, the least recently used forgotten beyond ``max_bytes``.

    Args:
        max_bytes: most bytes of pickles kept; a larger pickle is not kept at all.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.blobs: OrderedDict[tuple, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self.blobs)

    def keys(self) -> list[tuple]:
        """The keys kept, least recently used first."""
        return list(self.blobs)

    def put(self, key: tuple, blob: bytes) -> None:
        """Keep ``blob`` under ``key``, forgetting the least recently used beyond ``max_bytes``."""
        if len(blob) > self.max_bytes:
            return
        self.blobs[key] = blob
        self.blobs.move_to_end(key)
        while sum(len(b) for b in self.blobs.values()) > self.max_bytes:
            self.blobs.popitem(last=False)

    def get(self, key: tuple) -> bytes | None:
        """The pickle kept under ``key`` (now the most recently used), or None."""
        blob = self.blobs.get(key)
        if blob is not None:
            self.blobs.move_to_end(key)
        return blob

    def clear(self) -> None:
        """Forget everything."""
        self.blobs.clear()


STARTS_BYTES = 1 << 30
"""Most bytes of pickled spun-up districts a process keeps for :meth:`SansheModel.started` (1 GiB:
hundreds at scale 0.02, about ten of the whole district)."""

_STARTS = _Kept(STARTS_BYTES)
"""Spun-up districts, by class, seed and month-1 parameters."""

BUILDS_BYTES = 512 << 20
"""Most bytes of pickled populations (residents and network) a process keeps for reuse (512 MiB: about
six builds of the whole district)."""

_BUILDS = _Kept(BUILDS_BYTES)
"""Populations with the random streams' states after them, by seed and the parameter values the build read."""


class _ReadLog:
    """Parameters seen through a log of the values read (``read``: path → value)."""

    def __init__(self, params: Params) -> None:
        self._params, self.read = params, {}

    def __getattr__(self, group: str) -> _GroupLog:
        return _GroupLog(self, group)


class _GroupLog:
    def __init__(self, log: _ReadLog, group: str) -> None:
        self._log, self._group = log, group

    def __getattr__(self, name: str):
        path = f"{self._group}.{name}"
        value = self._log._params[path]
        self._log.read[path] = value
        return value


def steady_certified_share(p: Params) -> float:
    """The share of community workers holding the qualification that the yearly exam and turnover keep steady."""
    sw = p.social_work
    passing = sw.exam_pass_prob if sw.training_support else sw.exam_pass_prob / sw.training_pass_multiplier
    turnover = p.committee.worker_turnover_year
    # The exam follows the year's turnover: share' = share (1 - t) + (1 - share (1 - t)) pass.
    rate = passing + turnover - passing * turnover
    return passing / rate if rate > 0 else 0.0


__all__ = ["SansheModel"]
